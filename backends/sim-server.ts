import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * What the three back-office simulators share: a real Fastify server on loopback, the fault table,
 * the control routes under /__sim, and timers that all stop on close().
 *
 * Faults (per route id, first matching fault applies; `times` limits how many requests it hits,
 * `probability` makes it random with the simulator's seeded generator):
 *   delay           wait `ms`, then handle normally — the effect happens even if the client gave up
 *   timeout         hold the response until the client hangs up; nothing is done
 *   error           answer `status` (default 503) at once; nothing is done
 *   unknown-result  do the effect, then `then`: drop the connection (default), hang, answer 5xx,
 *                   or `garbage` (200 with an HTML page, as a misconfigured proxy would)
 *   slot-taken      HIS lockSlot only: someone else takes the slot just before this request
 *   hold-expired    HIS confirmRegistration only: the place held for this key ran out just before the
 *                   confirm (the patient paid too slowly): nothing is booked, the money must go back
 *   paid-meanwhile  payment close only: the patient's payment lands just before the close
 *   refund-abnormal payment refund only: the refund this request makes (or repeats while it is still
 *                   PROCESSING) ends ABNORMAL after processing instead of SUCCESS (refund to a closed
 *                   bank card …: the money must be handed over by hand)
 *
 * Control routes (JSON; bad input → 400 `{ error }` saying what is wrong):
 *   GET  /__sim/state     GET /__sim/ledger    POST /__sim/reset
 *   GET  /__sim/faults    POST /__sim/faults {fault | {faults:[…]}}
 *   POST /__sim/faults/clear {route?}         DELETE /__sim/faults
 * plus each simulator's own (see its file).
 */

export const FAULT_MODES = ['delay', 'timeout', 'error', 'unknown-result', 'slot-taken', 'hold-expired', 'paid-meanwhile', 'refund-abnormal'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

const faultSchema = z.strictObject({
  route: z.string().min(1),
  mode: z.enum(FAULT_MODES),
  /** delay: how long to wait before handling */
  ms: z.number().int().min(0).max(600_000).optional(),
  /** error, or unknown-result with then=error: the 5xx to answer */
  status: z.number().int().min(500).max(599).optional(),
  /** unknown-result: what happens to the answer after the effect */
  then: z.enum(['drop', 'hang', 'error', 'garbage']).optional(),
  /** how many requests it hits, then it is gone (absent: until cleared) */
  times: z.number().int().min(1).optional(),
  /** chance per request, 0..1 (absent: every request) */
  probability: z.number().min(0).max(1).optional(),
});
export type FaultSpec = z.input<typeof faultSchema>;
export interface ActiveFault extends z.output<typeof faultSchema> {
  id: string;
  hits: number;
}

/** Thrown for bad control input (method or route); the control routes answer 400 with its message. */
export class SimInputError extends Error {
  override readonly name = 'SimInputError';
}

/** A business refusal from a simulated back office: answered as `{ code, message, ...extra }`. */
export class SimReject extends Error {
  override readonly name = 'SimReject';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface SimAnswer {
  status?: number;
  /** undefined = no body (204) */
  body?: unknown;
}

export interface SimRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface SimStartOptions {
  host?: string;
  /** 0 or absent: any free port */
  port?: number;
}

/** Validate `input` with `schema`, or throw SimInputError naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
  throw new SimInputError(`${what}: ${issues}`);
}

/** Validate a back-office request, or refuse it 400 PARAM_ERROR naming each bad field. */
export function businessInput<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new SimReject(400, 'PARAM_ERROR', `${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`);
}

/** Deterministic pseudo-random numbers (mulberry32): the same seed gives the same fault pattern. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHANGHAI_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
/** YYYY-MM-DD in Asia/Shanghai */
export const shanghaiDate = (epochMs: number): string => SHANGHAI_DATE.format(epochMs);
/** RFC 3339 in +08:00, as WeChat Pay writes times */
export function shanghaiIso(epochMs: number): string {
  const d = new Date(epochMs + 8 * 3600_000);
  return d.toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

export class FaultTable {
  private faults: ActiveFault[] = [];
  private seq = 0;
  constructor(
    private readonly simName: string,
    readonly routes: readonly string[],
    /** modes that only make sense on some routes */
    private readonly routeModes: Partial<Record<FaultMode, readonly string[]>>,
    private readonly random: () => number,
  ) {}

  /** Check a fault spec without adding it; throws SimInputError saying what is wrong. */
  validate(input: unknown): z.output<typeof faultSchema> {
    const spec = parseInput(faultSchema, input, `${this.simName} fault`);
    if (!this.routes.includes(spec.route)) {
      throw new SimInputError(`${this.simName} fault: no route "${spec.route}" (routes: ${this.routes.join(', ')})`);
    }
    const only = this.routeModes[spec.mode];
    const generic = ['delay', 'timeout', 'error', 'unknown-result'].includes(spec.mode);
    if (!generic && !only?.includes(spec.route)) {
      throw new SimInputError(
        only ? `${this.simName} fault: mode "${spec.mode}" applies only to route ${only.map((r) => `"${r}"`).join(', ')}` : `${this.simName} fault: mode "${spec.mode}" does not apply to this simulator`,
      );
    }
    if (spec.mode === 'delay' && spec.ms === undefined) throw new SimInputError(`${this.simName} fault: mode "delay" needs "ms" (milliseconds to wait)`);
    return spec;
  }

  add(input: unknown): ActiveFault {
    const spec = this.validate(input);
    const fault: ActiveFault = { ...spec, id: `F${++this.seq}`, hits: 0 };
    this.faults.push(fault);
    return { ...fault };
  }

  clear(route?: string): number {
    const before = this.faults.length;
    this.faults = route === undefined ? [] : this.faults.filter((f) => f.route !== route);
    return before - this.faults.length;
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault that hits this request, if any (consumes one of its `times`). */
  take(route: string): ActiveFault | undefined {
    for (const f of this.faults) {
      if (f.route !== route) continue;
      if (f.probability !== undefined && this.random() >= f.probability) continue;
      f.hits++;
      if (f.times !== undefined && f.hits >= f.times) this.faults = this.faults.filter((x) => x !== f);
      return { ...f };
    }
    return undefined;
  }
}

type Handler = (req: SimRequest, fault: ActiveFault | undefined) => SimAnswer | Promise<SimAnswer>;

export interface SimCommonOptions {
  /** seeds the fault probabilities (default 1) */
  seed?: number;
  /** the simulator's clock for timestamps and "today" (default Date.now); timers still run in real time */
  now?: () => number;
}

/** Base of the three simulators: server lifecycle, faults, tracked timers, control routes. */
export abstract class BackOfficeSim {
  protected readonly faults: FaultTable;
  protected readonly now: () => number;
  private app: FastifyInstance | undefined;
  private readonly hung = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private baseUrl: string | undefined;
  protected closed = false;

  constructor(
    readonly simName: string,
    routes: readonly string[],
    routeModes: Partial<Record<FaultMode, readonly string[]>>,
    opts: SimCommonOptions,
  ) {
    this.faults = new FaultTable(simName, routes, routeModes, seededRandom(opts.seed ?? 1));
    this.now = opts.now ?? Date.now;
  }

  /** The server's base URL (after start). */
  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.simName} simulator is not started: call start() first`);
    return this.baseUrl;
  }

  async start(opts: SimStartOptions = {}): Promise<{ url: string }> {
    if (this.app) throw new Error(`${this.simName} simulator already started at ${this.baseUrl}`);
    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      const control = req.url.startsWith('/__sim');
      if (err instanceof SimInputError) return reply.code(400).send({ error: err.message });
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      return reply.code(status).send(control ? { error: err.message } : { code: status === 500 ? 'SYSTEM_ERROR' : 'PARAM_ERROR', message: err.message });
    });
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, {});
      try {
        done(null, JSON.parse(text));
      } catch (e) {
        done(new SimInputError(`request body is not valid JSON: ${(e as Error).message}`), undefined);
      }
    });
    this.defineCommonControl(app);
    this.defineRoutes(app);
    this.defineControl(app);
    await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.app = app;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return { url: this.baseUrl };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    for (const s of this.hung) s.destroy();
    this.hung.clear();
    this.onClose();
    const app = this.app;
    this.app = undefined;
    await app?.close();
  }

  // ── faults ──

  /** Add a fault (see the file header). Throws SimInputError on a bad spec. */
  injectFault(spec: FaultSpec): ActiveFault {
    return this.faults.add(spec);
  }
  /** Remove all faults, or those of one route; returns how many were removed. */
  clearFaults(route?: string): number {
    return this.faults.clear(route);
  }
  activeFaults(): ActiveFault[] {
    return this.faults.list();
  }

  abstract ledger(): unknown;
  abstract state(): unknown;
  /** Back to the seed data, no faults. */
  abstract reset(): void;

  // ── for subclasses ──

  protected abstract defineRoutes(app: FastifyInstance): void;
  protected defineControl(_app: FastifyInstance): void {}
  protected onClose(): void {}
  /** Checks credentials before any handler runs; throw SimReject(401, …) to refuse. */
  protected authorize(_req: SimRequest): void {}

  /** A timer that close() cancels. */
  protected later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  /** Resolves true after `ms`, or false at once if the simulator closes meanwhile. */
  protected sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(false);
      const wake = () => {
        clearTimeout(t);
        resolve(false);
      };
      const t = setTimeout(() => {
        this.sleepers.delete(wake);
        resolve(true);
      }, ms);
      this.sleepers.add(wake);
    });
  }

  /** A back-office route with faults, authorization and SimReject mapping. */
  protected route(app: FastifyInstance, method: 'GET' | 'POST', path: string, routeId: string, handler: Handler): void {
    if (!this.faults.routes.includes(routeId)) throw new Error(`route id ${routeId} missing from the ${this.simName} route list`);
    app.route({
      method,
      url: path,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const fault = this.faults.take(routeId);
        if (fault?.mode === 'delay' && !(await this.sleep(fault.ms ?? 0))) return this.drop(req, reply);
        if (fault?.mode === 'timeout') return this.hang(req, reply);
        if (fault?.mode === 'error') return this.failWith(reply, fault.status ?? 503, routeId, 'before doing anything');
        const view: SimRequest = {
          params: (req.params ?? {}) as Record<string, string>,
          query: (req.query ?? {}) as Record<string, string>,
          body: req.body ?? {},
          headers: req.headers,
        };
        let answer: SimAnswer;
        try {
          this.authorize(view);
          answer = await handler(view, fault);
        } catch (e) {
          if (!(e instanceof SimReject)) throw e;
          answer = { status: e.status, body: { code: e.code, message: e.message, ...e.extra } };
        }
        if (fault?.mode === 'unknown-result') {
          if ((fault.then ?? 'drop') === 'drop') return this.drop(req, reply);
          if (fault.then === 'hang') return this.hang(req, reply);
          if (fault.then === 'garbage') return reply.code(200).type('text/html; charset=utf-8').send('<html><body>系统繁忙，请稍后再试</body></html>');
          return this.failWith(reply, fault.status ?? 500, routeId, 'after doing it');
        }
        reply.code(answer.status ?? 200);
        return answer.body === undefined ? reply.send() : reply.send(answer.body);
      },
    });
  }

  /** A control route: body validated by `schema` (bad input → 400), answer `{ ok: true, ...result }`. */
  protected control<S extends z.ZodType>(app: FastifyInstance, path: string, schema: S, fn: (input: z.output<S>) => unknown): void {
    app.post(path, async (req) => {
      const input = parseInput(schema, req.body ?? {}, `POST ${path}`);
      const result = await fn(input);
      return { ok: true, ...(result && typeof result === 'object' && !Array.isArray(result) ? result : { result: result ?? null }) };
    });
  }

  private defineCommonControl(app: FastifyInstance): void {
    app.get('/__sim/state', async () => this.state());
    app.get('/__sim/ledger', async () => this.ledger());
    app.get('/__sim/faults', async () => ({ faults: this.activeFaults() }));
    app.post('/__sim/faults', async (req) => {
      const body = (req.body ?? {}) as { faults?: unknown };
      const list = body && typeof body === 'object' && 'faults' in body ? body.faults : [body];
      if (!Array.isArray(list)) throw new SimInputError('POST /__sim/faults: "faults" must be an array of faults');
      // all or nothing: validate every fault before adding any
      list.forEach((f, i) => {
        try {
          this.faults.validate(f);
        } catch (e) {
          throw new SimInputError(list.length > 1 ? `faults[${i}]: ${(e as Error).message}` : (e as Error).message);
        }
      });
      return { ok: true, faults: list.map((f) => this.faults.add(f)) };
    });
    this.control(app, '/__sim/faults/clear', z.strictObject({ route: z.string().optional() }), (i) => ({ removed: this.clearFaults(i.route) }));
    app.delete('/__sim/faults', async () => ({ ok: true, removed: this.clearFaults() }));
    this.control(app, '/__sim/reset', z.strictObject({}), () => {
      this.reset();
      return {};
    });
  }

  private drop(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    reply.hijack();
    req.raw.socket.destroy();
    return reply;
  }

  private hang(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    reply.hijack();
    const socket = req.raw.socket;
    this.hung.add(socket);
    socket.once('close', () => this.hung.delete(socket));
    return reply;
  }

  private failWith(reply: FastifyReply, status: number, routeId: string, when: string): FastifyReply {
    return reply.code(status).send({ code: 'SYSTEM_ERROR', message: `simulated HTTP ${status} on ${routeId} (${when})` });
  }
}
