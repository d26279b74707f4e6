/**
 * The Chrome DevTools Protocol over the pipe Chromium inherits (`--remote-debugging-pipe`): the
 * browser reads commands from its fd 3 and writes answers and events to its fd 4, each message one
 * JSON object ended by a NUL byte. No TCP port, no DevTools HTTP endpoint: only the process that
 * spawned the browser holds the two ends, so no other local user can list its pages (whose URL
 * carries the bridge token), read or screenshot the screen, or draw on it.
 *
 * One `CdpPipe` per browser. Commands to a page go to its flat session (`Target.attachToTarget`
 * with `flatten: true`): `pipe.session(id)` sends with that `sessionId` and receives that
 * session's events. A command whose session or pipe goes away is rejected, never left hanging.
 */
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';

/** A CDP error answer: `code` and `message` as the browser gave them. */
export class CdpError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message}`);
    this.name = 'CdpError';
  }
}

type Params = Record<string, unknown>;
interface Pending {
  method: string;
  sessionId: string | undefined;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/** Incoming messages are bounded: a browser never sends 64 MiB in one message (a 4K screenshot is ~10 MiB). */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** A page's session: its commands and its events (`session.on('Page.frameNavigated', …)`). */
export class CdpSession extends EventEmitter {
  detached = false;
  constructor(
    private readonly pipe: CdpPipe,
    readonly id: string,
  ) {
    super();
  }

  send<T = unknown>(method: string, params: Params = {}): Promise<T> {
    return this.pipe.send<T>(method, params, this.id);
  }
}

/**
 * Browser-level events are emitted on the pipe itself (`pipe.on('Target.targetCreated', …)`);
 * `disconnected` once, when the browser's end closes (it exited, or was killed).
 */
export class CdpPipe extends EventEmitter {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly sessions = new Map<string, CdpSession>();
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closedBecause: string | null = null;

  constructor(
    private readonly toBrowser: Writable,
    fromBrowser: Readable,
  ) {
    super();
    fromBrowser.on('data', (chunk: Buffer) => this.receive(chunk));
    fromBrowser.on('close', () => this.disconnect('the browser closed the DevTools pipe'));
    fromBrowser.on('error', (e) => this.disconnect(`DevTools pipe: ${e.message}`));
    toBrowser.on('error', (e) => this.disconnect(`DevTools pipe: ${e.message}`));
  }

  get connected(): boolean {
    return this.closedBecause === null;
  }

  send<T = unknown>(method: string, params: Params = {}, sessionId?: string): Promise<T> {
    if (this.closedBecause !== null) return Promise.reject(new Error(`${method}: ${this.closedBecause}`));
    if (sessionId !== undefined && this.sessions.get(sessionId)?.detached !== false) {
      return Promise.reject(new Error(`${method}: the page's session has ended`));
    }
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { method, sessionId, resolve: resolve as (r: unknown) => void, reject });
      this.toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId !== undefined ? { sessionId } : {}) })}\0`);
    });
  }

  /** The session `Target.attachToTarget({ flatten: true })` answered with. */
  session(sessionId: string): CdpSession {
    let s = this.sessions.get(sessionId);
    if (!s) {
      s = new CdpSession(this, sessionId);
      this.sessions.set(sessionId, s);
    }
    return s;
  }

  /** Stop listening; commands still waiting are rejected. The browser itself is not touched. */
  close(reason = 'the DevTools pipe was closed'): void {
    this.disconnect(reason);
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(0); end !== -1; end = chunk.indexOf(0, start)) {
      this.chunks.push(chunk.subarray(start, end));
      const text = Buffer.concat(this.chunks).toString('utf8');
      this.chunks = [];
      this.buffered = 0;
      start = end + 1;
      this.dispatch(text);
    }
    if (start < chunk.length) {
      this.chunks.push(chunk.subarray(start));
      this.buffered += chunk.length - start;
      if (this.buffered > MAX_MESSAGE_BYTES) this.disconnect(`a DevTools message exceeded ${MAX_MESSAGE_BYTES} bytes`);
    }
  }

  private dispatch(text: string): void {
    let m: { id?: number; method?: string; params?: Params; sessionId?: string; result?: unknown; error?: { code: number; message: string } };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return; // not ours to crash on: the browser never sends this
    }
    if (typeof m.id === 'number') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new CdpError(p.method, m.error.code, m.error.message));
      else p.resolve(m.result ?? {});
      return;
    }
    if (typeof m.method !== 'string') return;
    if (m.method === 'Target.detachedFromTarget' && typeof m.params?.sessionId === 'string') this.endSession(m.params.sessionId);
    if (m.sessionId !== undefined) this.sessions.get(m.sessionId)?.emit(m.method, m.params ?? {});
    else this.emit(m.method, m.params ?? {});
  }

  private endSession(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    s.detached = true;
    this.sessions.delete(sessionId);
    for (const [id, p] of this.pending) {
      if (p.sessionId !== sessionId) continue;
      this.pending.delete(id);
      p.reject(new Error(`${p.method}: the page's session has ended`));
    }
    s.emit('detached');
  }

  private disconnect(reason: string): void {
    if (this.closedBecause !== null) return;
    this.closedBecause = reason;
    for (const p of this.pending.values()) p.reject(new Error(`${p.method}: ${reason}`));
    this.pending.clear();
    for (const id of [...this.sessions.keys()]) this.endSession(id);
    this.emit('disconnected', reason);
  }
}
