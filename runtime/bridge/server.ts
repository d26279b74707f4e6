/**
 * The bridge server: the renderer's static files and the WebSocket of contracts/bridge.ts, on
 * loopback only, with a token made at every boot. The renderer is loaded from
 * `http://127.0.0.1:<port>/?token=<token>`; the WebSocket refuses any other token, any foreign
 * Origin and any Host that is not this loopback address (no DNS rebinding).
 *
 * Every screen the kiosk makes goes to every connected renderer (normally one). Every frame the
 * renderer sends is validated; a bad one is answered with `rejected` and changes nothing.
 * `painted` acknowledgements are emitted (the watchdog's and the benchmarks' evidence that a
 * screen is really shown).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { BRIDGE_PATH, RendererMessageSchema, parseFrame, type AgentMessage, type ScreenMessage } from '../../contracts/bridge.ts';
import type { HandleResult } from '../kiosk/kiosk.ts';
import type { UiEvent } from '../../contracts/bridge.ts';

/** What the bridge needs of the kiosk (runtime/kiosk/kiosk.ts `Kiosk` fits). */
export interface ScreenSource {
  screen(): ScreenMessage;
  handle(event: UiEvent, id: string | null): HandleResult;
  on(event: 'screen', listener: (s: ScreenMessage) => void): unknown;
  off(event: 'screen', listener: (s: ScreenMessage) => void): unknown;
}

export interface BridgeOptions {
  kiosk: ScreenSource;
  /** the built renderer (renderer/dist) */
  rendererDir: string;
  /** 0: any free port */
  port?: number;
  /** default: 24 random bytes, base64url */
  token?: string;
  log?: { info(m: string): void; warn(m: string): void };
}

export interface PaintedEvent {
  seq: number;
  screen: string;
  /** agent clock when the acknowledgement arrived */
  at: number;
}

export interface RunningBridge extends EventEmitter {
  /** the renderer's URL, token included: what the shell loads */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** renderers connected now */
  readonly connections: number;
  /** the last screen a renderer said it painted */
  readonly lastPainted: PaintedEvent | undefined;
  /** the last screen sent to a renderer (seq, agent clock) */
  readonly lastSent: { seq: number; at: number } | undefined;
  on(event: 'painted', listener: (p: PaintedEvent) => void): this;
  on(event: 'connection' | 'disconnection', listener: (count: number) => void): this;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

const sameToken = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`,
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

const MISSING_RENDERER = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>自助服务</title>
<body style="font:32px sans-serif;padding:64px;background:#fff;color:#111">
<h1>正在准备界面 / Preparing the screen</h1>
<p>The renderer is not built: run <code>npm run build:renderer</code> (npm start does it).</p></body></html>`;

export async function startBridge(o: BridgeOptions): Promise<RunningBridge> {
  const token = o.token ?? randomBytes(24).toString('base64url');
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });
  const events = new EventEmitter() as RunningBridge;
  const sockets = new Set<WebSocket>();
  let port = 0;
  let lastPainted: PaintedEvent | undefined;
  let lastSent: { seq: number; at: number } | undefined;
  const hostAllowed = (host: string | undefined) => host === `${HOST}:${port}` || host === `localhost:${port}`;
  const originAllowed = (origin: string | undefined) => origin === undefined || origin === `http://${HOST}:${port}` || origin === `http://localhost:${port}`;

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  app.addHook('onRequest', async (req, reply) => {
    if (!hostAllowed(req.headers.host)) return reply.code(421).type('text/plain').send('this server answers only on its loopback address');
    reply.header('Content-Security-Policy', contentSecurityPolicy(port));
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Cache-Control', 'no-store');
    return undefined;
  });

  const built = existsSync(join(o.rendererDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, { root: o.rendererDir, index: ['index.html'], wildcard: false });
  } else {
    o.log?.warn(`no renderer at ${o.rendererDir}: run npm run build:renderer`);
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(MISSING_RENDERER));
  }

  const send = (ws: WebSocket, m: AgentMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(m));
    if (m.type === 'screen') lastSent = { seq: m.seq, at: Date.now() };
  };
  const onScreen = (s: ScreenMessage) => {
    for (const ws of sockets) send(ws, s);
  };
  o.kiosk.on('screen', onScreen);

  app.get(BRIDGE_PATH, { websocket: true }, (socket, req) => {
    const q = req.query as { token?: unknown };
    if (typeof q.token !== 'string' || !sameToken(q.token, token) || !originAllowed(req.headers.origin)) {
      o.log?.warn(`bridge: refused a connection (${typeof q.token !== 'string' || !sameToken(String(q.token), token) ? 'wrong token' : `origin ${req.headers.origin}`})`);
      socket.close(4401, 'not allowed');
      return;
    }
    sockets.add(socket);
    events.emit('connection', sockets.size);
    send(socket, o.kiosk.screen());
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        send(socket, { type: 'rejected', id: null, code: 'BAD_MESSAGE', words: { zh: '无法识别的操作', en: 'Unreadable message' } });
        return;
      }
      const parsed = parseFrame(RendererMessageSchema, data.toString());
      if (!parsed.ok) {
        o.log?.warn(`bridge: a renderer message was refused: ${parsed.error}`);
        send(socket, { type: 'rejected', id: null, code: 'BAD_MESSAGE', words: { zh: '无法识别的操作', en: `Unreadable message (${parsed.error})` } });
        return;
      }
      const m = parsed.value;
      if (m.type === 'painted') {
        lastPainted = { seq: m.seq, screen: m.screen, at: Date.now() };
        events.emit('painted', lastPainted);
        return;
      }
      let r: HandleResult;
      try {
        r = o.kiosk.handle(m.event, m.id);
      } catch (e) {
        o.log?.warn(`bridge: ${m.event.type} failed: ${(e as Error).message}`);
        r = { ok: false, code: 'FAILED', words: { zh: '操作未能完成，请重试', en: 'That did not work; please try again' } };
      }
      if (!r.ok) send(socket, { type: 'rejected', id: m.id, code: r.code, words: r.words });
    });
    socket.on('close', () => {
      sockets.delete(socket);
      events.emit('disconnection', sockets.size);
    });
    socket.on('error', () => sockets.delete(socket));
  });

  await app.listen({ host: HOST, port: o.port ?? 0 });
  port = (app.server.address() as { port: number }).port;
  const origin = `http://${HOST}:${port}`;
  Object.defineProperties(events, {
    url: { value: `${origin}/?token=${encodeURIComponent(token)}`, enumerable: true },
    origin: { value: origin, enumerable: true },
    port: { value: port, enumerable: true },
    token: { value: token, enumerable: true },
    connections: { get: () => sockets.size, enumerable: true },
    lastPainted: { get: () => lastPainted, enumerable: true },
    lastSent: { get: () => lastSent, enumerable: true },
  });
  let closed = false;
  (events as { close: () => Promise<void> }).close = async () => {
    if (closed) return;
    closed = true;
    o.kiosk.off('screen', onScreen);
    for (const ws of sockets) ws.close(1001, 'agent stopping');
    await app.close();
  };
  return events;
}
