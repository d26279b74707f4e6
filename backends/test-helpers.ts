import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BackendError } from './errors.ts';

/** Helpers for the back-office tests (not used by the kiosk). */

/** Poll until `probe` returns a value other than undefined/false; fail with `what` after `limitMs`. */
export async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, limitMs = 5_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The BackendError a promise rejects with (fails if it resolves or rejects with something else). */
export async function backendErrorOf(p: Promise<unknown>): Promise<BackendError> {
  try {
    const v = await p;
    throw new Error(`expected a BackendError, got a result: ${JSON.stringify(v)}`);
  } catch (e) {
    if (e instanceof BackendError) return e;
    throw e;
  }
}

export interface ReceivedRequest {
  body: unknown;
  headers: IncomingMessage['headers'];
}

/** A real HTTP receiver on loopback, e.g. the kiosk's payment-notification endpoint. */
export async function startReceiver(answer: (req: ReceivedRequest, index: number) => number = () => 204): Promise<{ url: string; received: ReceivedRequest[]; close(): Promise<void> }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      const r = { body, headers: req.headers };
      received.push(r);
      res.statusCode = answer(r, received.length - 1);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/pay/notify`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on this machine where nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** POST JSON to a simulator's control route; returns status and parsed body. */
export async function postJson(url: string, body: unknown, raw?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
