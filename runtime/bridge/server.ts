/**
 * The bridge server: the renderer's static files and the WebSocket of contracts/bridge.ts, on
 * loopback only, with a token made at every boot. The renderer is loaded from
 * `http://127.0.0.1:<port>/?token=<token>`; the WebSocket upgrade is refused (401, before any
 * WebSocket exists) for any other token, any foreign Origin, and while the screen's one seat is
 * taken; any Host that is not this loopback address gets 421 (no DNS rebinding).
 *
 * One renderer at a time (`seat.ts`): the page the shell loaded takes the seat at boot, and a
 * second client — even one that learned the token — cannot send taps, forge `painted`
 * acknowledgements or lock staff out with PIN guesses. In development (`zizhu start --headless`)
 * a second URL lets a person's own browser take the screen over, visibly (log and screen say so).
 * Refusals are rate-limited and logged in aggregate (`refusals.ts`).
 *
 * Every frame the renderer sends is validated; a bad one is answered with `rejected` and changes
 * nothing. `painted` acknowledgements are emitted (the watchdog's and the benchmarks' evidence
 * that a screen is really shown), and so are the renderer's `heartbeat`s (the watchdog's proof that
 * the page still runs).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { BRIDGE_PATH, RendererMessageSchema, parseFrame, type AgentMessage, type ScreenMessage, type UiEvent } from '../../contracts/bridge.ts';
import type { HandleResult } from '../kiosk/kiosk.ts';
import { RefusalTally } from './refusals.ts';
import { sameToken, ScreenSeat, takeoverNotice, type SeatKind } from './seat.ts';

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
  /** development only: a second URL (`takeoverUrl`) whose browser takes the screen's place, visibly */
  takeover?: boolean;
  /** refused upgrades: the first `max` of a window are answered 401, the rest 429; one log line per window (default 20 per 60 s) */
  refusals?: { max?: number; windowMs?: number };
}

export interface PaintedEvent {
  seq: number;
  screen: string;
  /** agent clock when the acknowledgement arrived */
  at: number;
}

/** issue 11: the renderer's heartbeat (its animation-frame count) and when it arrived (agent clock) */
export interface RendererHeartbeat {
  frames: number;
  at: number;
}

export interface RunningBridge extends EventEmitter {
  /** the renderer's URL, token included: what the shell loads */
  readonly url: string;
  /** development (`takeover: true`): the URL for a person's browser to take the screen over */
  readonly takeoverUrl: string | undefined;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** renderers connected now (0 or 1) */
  readonly connections: number;
  /** who holds the screen now */
  readonly seat: SeatKind | null;
  /** the last screen a renderer said it painted */
  readonly lastPainted: PaintedEvent | undefined;
  /** the last screen sent to a renderer (seq, agent clock) */
  readonly lastSent: { seq: number; at: number } | undefined;
  on(event: 'painted', listener: (p: PaintedEvent) => void): this;
  on(event: 'heartbeat', listener: (h: RendererHeartbeat) => void): this;
  on(event: 'connection' | 'disconnection', listener: (count: number) => void): this;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

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
  const takeoverToken = o.takeover ? randomBytes(24).toString('base64url') : null;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });
  const events = new EventEmitter() as RunningBridge;
  const refusals = new RefusalTally(o.log, o.refusals?.windowMs ?? 60_000);
  const seat = new ScreenSeat(o.log);
  let port = 0;
  let lastPainted: PaintedEvent | undefined;
  let lastSent: { seq: number; at: number } | undefined;
  const hostAllowed = (host: string | undefined) => host === `${HOST}:${port}` || host === `localhost:${port}`;
  const originAllowed = (origin: string | undefined) => origin === undefined || origin === `http://${HOST}:${port}` || origin === `http://localhost:${port}`;

  /** Who this upgrade request is, or why it is refused. Pure: the seat is taken later. */
  const judge = (req: FastifyRequest): { kind: SeatKind } | { refused: string } => {
    if (!originAllowed(req.headers.origin)) return { refused: 'foreign origin' };
    const given = (req.query as { token?: unknown }).token;
    if (typeof given !== 'string') return { refused: 'no token' };
    if (takeoverToken !== null && sameToken(given, takeoverToken)) return { kind: 'takeover' };
    if (!sameToken(given, token)) return { refused: 'wrong token' };
    if (seat.taken) return { refused: 'screen in use' };
    return { kind: 'screen' };
  };

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  // Why @fastify/rate-limit rather than a counter of our own: it is Fastify's maintained limiter
  // (fixed window, LRU store), it runs as the route's onRequest hook, before the upgrade, and it
  // answers 429 with Retry-After. Every client here is 127.0.0.1, so the key is one for all
  // refusals, and a request that would be admitted is on its allow list: a flood of bad tokens
  // never keeps the kiosk's own page (or a development takeover) out.
  await app.register(fastifyRateLimit, { global: false });
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
    // a development takeover says so on the screen it took
    const shown = m.type === 'screen' && seat.kind === 'takeover' && m.notice === null ? { ...m, notice: takeoverNotice(m.at) } : m;
    ws.send(JSON.stringify(shown));
    if (m.type === 'screen') lastSent = { seq: m.seq, at: Date.now() };
  };
  const onScreen = (s: ScreenMessage) => {
    if (seat.socket) send(seat.socket, s);
  };
  o.kiosk.on('screen', onScreen);

  const rateLimit = {
    max: o.refusals?.max ?? 20,
    timeWindow: o.refusals?.windowMs ?? 60_000,
    keyGenerator: () => 'bridge-refusals',
    allowList: (req: FastifyRequest) => 'kind' in judge(req),
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    onExceeded: (req: FastifyRequest) => {
      const verdict = judge(req);
      refusals.note('refused' in verdict ? verdict.refused : 'screen in use', true);
    },
    errorResponseBuilder: (_req: FastifyRequest, ctx: { statusCode: number; after: string }) => ({ statusCode: ctx.statusCode, error: 'Too Many Requests', message: `too many refused connections; try again in ${ctx.after}` }),
  };

  app.get(
    BRIDGE_PATH,
    {
      websocket: true,
      config: { rateLimit },
      // refused before the upgrade: no WebSocket ever exists for a refused client
      preValidation: async (req, reply) => {
        const verdict = judge(req);
        if ('refused' in verdict) {
          refusals.note(verdict.refused, false);
          return reply.code(401).type('text/plain').send(verdict.refused === 'screen in use' ? 'the kiosk screen is already connected' : 'not allowed');
        }
        seat.reserve(req.raw, verdict.kind); // taken now, so no second request passes the check meanwhile
        return undefined;
      },
    },
    (socket, req) => {
      if (!seat.connect(req.raw, socket)) {
        socket.close(4409, 'the screen was taken over');
        return;
      }
      events.emit('connection', 1);
      send(socket, o.kiosk.screen());
      socket.on('message', (data, isBinary) => {
        if (seat.socket !== socket) return; // evicted by a takeover: nothing more from it
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
        if (m.type === 'heartbeat') {
          events.emit('heartbeat', { frames: m.frames, at: Date.now() } satisfies RendererHeartbeat);
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
        if (seat.release(socket)) events.emit('disconnection', 0);
      });
    },
  );

  await app.listen({ host: HOST, port: o.port ?? 0 });
  port = (app.server.address() as { port: number }).port;
  const origin = `http://${HOST}:${port}`;
  Object.defineProperties(events, {
    url: { value: `${origin}/?token=${encodeURIComponent(token)}`, enumerable: true },
    takeoverUrl: { value: takeoverToken === null ? undefined : `${origin}/?token=${encodeURIComponent(takeoverToken)}`, enumerable: true },
    origin: { value: origin, enumerable: true },
    port: { value: port, enumerable: true },
    token: { value: token, enumerable: true },
    connections: { get: () => (seat.socket ? 1 : 0), enumerable: true },
    seat: { get: () => seat.kind, enumerable: true },
    lastPainted: { get: () => lastPainted, enumerable: true },
    lastSent: { get: () => lastSent, enumerable: true },
  });
  let closed = false;
  (events as { close: () => Promise<void> }).close = async () => {
    if (closed) return;
    closed = true;
    o.kiosk.off('screen', onScreen);
    seat.socket?.close(1001, 'agent stopping');
    await app.close();
    refusals.flush();
    refusals.stop();
  };
  return events;
}
