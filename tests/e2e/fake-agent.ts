/**
 * A tiny stand-in for the agent's bridge, for the renderer's screen tests only: serves
 * renderer/dist over node:http and speaks the bridge (contracts/bridge.ts) on `/bridge`. It checks
 * the token, pushes a given ScreenMessage to every client (and to each new one), records what the
 * renderer sends, and can drop the socket or send a broken frame. The end-to-end suite uses the
 * real agent.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { BRIDGE_PATH, RendererMessageSchema, parseFrame, type AgentMessage, type RendererMessage, type ScreenMessage } from '../../contracts/bridge.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export interface FakeAgent {
  /** the page to open (with the token) */
  readonly url: string;
  readonly token: string;
  /** every valid message the renderer sent, in order */
  readonly received: RendererMessage[];
  /** frames the renderer sent that did not parse */
  readonly invalid: string[];
  /** connections accepted so far; rejected: upgrades refused for a bad token */
  readonly stats: { connections: number; rejected: number };
  /** push a screen (seq is set from the fake's own counter unless `keepSeq`) and remember it for new clients */
  push(message: ScreenMessage, opts?: { keepSeq?: boolean }): ScreenMessage;
  /** send any agent message, or raw text, to every client */
  sendRaw(text: string): void;
  send(message: AgentMessage): void;
  /** close every client socket (the renderer should reconnect) */
  dropClients(): void;
  /** refuse (true) or accept (false) new connections */
  refuseConnections(on: boolean): void;
  /** wait until a received message matches */
  waitFor<T extends RendererMessage>(pred: (m: RendererMessage) => m is T, timeoutMs?: number, since?: number): Promise<T>;
  waitFor(pred: (m: RendererMessage) => boolean, timeoutMs?: number, since?: number): Promise<RendererMessage>;
  clearReceived(): void;
  close(): Promise<void>;
}

export async function startFakeAgent(opts: { distDir?: string; token?: string } = {}): Promise<FakeAgent> {
  const dist = resolve(opts.distDir ?? join(import.meta.dirname, '../../renderer/dist'));
  const token = opts.token ?? `t${Math.random().toString(36).slice(2, 12)}`;
  const received: RendererMessage[] = [];
  const invalid: string[] = [];
  const stats = { connections: 0, rejected: 0 };
  const clients = new Set<WebSocket>();
  let current: ScreenMessage | null = null;
  let seq = 0;
  let refusing = false;
  const waiters = new Set<() => void>();

  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const rel = u.pathname === '/' ? 'index.html' : decodeURIComponent(u.pathname).replace(/^\/+/, '');
    const file = normalize(join(dist, rel));
    if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== BRIDGE_PATH || u.searchParams.get('token') !== token || refusing) {
      stats.rejected += 1;
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      stats.connections += 1;
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('message', (data) => {
        const text = String(data);
        const parsed = parseFrame(RendererMessageSchema, text);
        if (parsed.ok) received.push(parsed.value);
        else invalid.push(text);
        for (const w of [...waiters]) w();
      });
      if (current) ws.send(JSON.stringify(current));
    });
  });

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;

  const broadcast = (text: string) => {
    for (const c of clients) if (c.readyState === c.OPEN) c.send(text);
  };

  const agent: FakeAgent = {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    received,
    invalid,
    stats,
    push(message, o) {
      seq = o?.keepSeq ? message.seq : Math.max(seq + 1, message.seq);
      current = { ...message, seq };
      broadcast(JSON.stringify(current));
      return current;
    },
    sendRaw: broadcast,
    send: (m) => broadcast(JSON.stringify(m)),
    dropClients() {
      for (const c of clients) c.terminate();
      clients.clear();
    },
    refuseConnections(on) {
      refusing = on;
    },
    waitFor(pred: (m: RendererMessage) => boolean, timeoutMs = 5000, since = 0): Promise<RendererMessage> {
      return new Promise((ok, fail) => {
        const check = () => {
          const hit = received.slice(since).find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            ok(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`fake agent: no matching message within ${timeoutMs} ms; got ${JSON.stringify(received.slice(since)).slice(0, 600)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    clearReceived() {
      received.length = 0;
      invalid.length = 0;
    },
    async close() {
      for (const c of clients) c.terminate();
      wss.close();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  } as FakeAgent;
  return agent;
}
