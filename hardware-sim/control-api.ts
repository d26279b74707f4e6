import Fastify, { type FastifyInstance } from 'fastify';
import { SimControlError } from './control-error.ts';

/** What the control API needs from a simulated device. */
export interface ControllableDevice {
  state(): unknown;
  control(action: string, body: unknown): unknown;
}

/** The control port is taken (another simulator, a kiosk's `zizhu start`, or any other program). */
export class ControlPortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`the control port ${port} on ${host} is already in use (another zizhu sim or zizhu start?); choose another with --control-port N (0: any free port)`);
    this.name = 'ControlPortInUseError';
  }
}

export interface ControlApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Loopback HTTP control API for the hardware simulator:
 *   GET  /                          the control panel (HTML)
 *   GET  /devices                   every device's state
 *   GET  /devices/:device           one device's state
 *   POST /devices/:device/:action   fault injection / actions, JSON body validated by the device
 *                                   (and, over the kiosk hardware, `noise {bytes, seed}`: seeded random bytes on its line)
 *   GET  /devices/printer/receipts/latest.html   the last receipt as the printer rendered it (if the printer offers it)
 * Bad input answers 400 with `{ error }` saying what is wrong; unknown device 404.
 * `devices` is read at every request, so it may be filled in after the port is taken. A port in
 * use throws ControlPortInUseError.
 */
export async function startControlApi(
  devices: Record<string, ControllableDevice>,
  opts: { host?: string; port?: number; panelHtml?: () => string; extraRoutes?: (app: FastifyInstance) => void } = {},
): Promise<ControlApi> {
  const app = Fastify({ logger: false });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof SimControlError) return reply.code(400).send({ error: err.message });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(status).send({ error: err.message });
  });
  // An empty POST body is an empty object: `zizhu sim printer cover-open` needs no body.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      const err = new SimControlError(`request body is not valid JSON: ${(e as Error).message}`);
      done(err, undefined);
    }
  });

  const find = (name: string) => {
    const d = devices[name];
    if (!d) throw Object.assign(new Error(`no simulated device "${name}" (have: ${Object.keys(devices).join(', ')})`), { statusCode: 404 });
    return d;
  };

  app.get('/', async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    return opts.panelHtml ? opts.panelHtml() : `<pre>${JSON.stringify(Object.keys(devices))}</pre>`;
  });
  app.get('/devices', async () => Object.fromEntries(Object.entries(devices).map(([k, d]) => [k, d.state()])));
  app.get<{ Params: { device: string } }>('/devices/:device', async (req) => find(req.params.device).state());
  app.post<{ Params: { device: string; action: string }; Body: unknown }>('/devices/:device/:action', async (req) => {
    const result = await find(req.params.device).control(req.params.action, req.body ?? {});
    return { ok: true, result: result ?? null, state: find(req.params.device).state() };
  });
  opts.extraRoutes?.(app);

  const host = opts.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: opts.port ?? 0 });
  } catch (e) {
    await app.close();
    if ((e as { code?: string }).code === 'EADDRINUSE') throw new ControlPortInUseError(host, opts.port ?? 0);
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, port, close: () => app.close() };
}
