/**
 * The agent's side of the Electron shell link: when the agent runs as an Electron utilityProcess,
 * the Electron main process (`main/`) shows the renderer and this speaks to it over
 * `process.parentPort` with the messages of contracts/shell.ts, validated both ways.
 *
 * The agent never imports Electron: the port is typed structurally here (Electron's ParentPort:
 * `on('message', (e) => e.data)`, `postMessage(data)`).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AgentToShellSchema, ShellToAgentSchema, type AgentToShell, type FrameRequest } from '../../contracts/shell.ts';
import type { ShellConnection, ShellProblemEvent } from './types.ts';

/** What the agent uses of Electron's `process.parentPort`. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  off?(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

export interface ParentPortShellOptions {
  /** captureFrame() gives up after this long (5 s) */
  captureTimeoutMs?: number;
  log?: { info(message: string): void; warn(message: string): void };
}

interface PendingFrame {
  resolve(png: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class ParentPortShell extends EventEmitter implements ShellConnection {
  readonly kind = 'electron' as const;
  /** the Electron version from the shell's `shell.ready`, once it came */
  shellVersion: string | undefined;
  private readonly pending = new Map<string, PendingFrame>();
  private readonly captureTimeoutMs: number;
  private readonly log: NonNullable<ParentPortShellOptions['log']>;
  private closed = false;
  private readonly onPortMessage = (event: { data: unknown }): void => this.receive(event?.data);

  constructor(
    private readonly port: ParentPortLike,
    opts: ParentPortShellOptions = {},
  ) {
    super();
    this.captureTimeoutMs = opts.captureTimeoutMs ?? 5000;
    this.log = opts.log ?? { info: (m) => console.log(m), warn: (m) => console.warn(m) };
    port.on('message', this.onPortMessage);
  }

  async load(url: string): Promise<void> {
    this.post({ type: 'load', url });
  }

  async reload(reason: string): Promise<void> {
    this.post({ type: 'reload', reason: reason.slice(0, 200) });
  }

  captureFrame(request: FrameRequest = {}): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('electron shell: the link is closed; no frame'));
    const requestId = randomUUID();
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`electron shell: no frame within ${this.captureTimeoutMs} ms (capture-frame ${requestId}); is the Electron main process alive and the window shown?`));
      }, this.captureTimeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      try {
        this.post({ type: 'capture-frame', requestId, ...request });
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(err as Error);
      }
    });
  }

  async close(reason: string): Promise<void> {
    await this.end('quit', reason);
  }

  /** HQ's restart-app: Electron relaunches the app (window and a new agent); this link closes. */
  async relaunch(reason: string): Promise<void> {
    await this.end('relaunch', reason);
  }

  private async end(type: 'quit' | 'relaunch', reason: string): Promise<void> {
    if (this.closed) return;
    this.post({ type, reason: reason.slice(0, 200) });
    this.closed = true;
    this.port.off?.('message', this.onPortMessage);
    for (const [requestId, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`electron shell: link closed (${reason}) before frame ${requestId} came`));
    }
    this.pending.clear();
  }

  override on(event: 'problem', listener: (e: ShellProblemEvent) => void): this;
  override on(event: 'ready', listener: (version: string) => void): this;
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off(event: 'problem', listener: (e: ShellProblemEvent) => void): this;
  override off(event: 'ready', listener: (version: string) => void): this;
  override off(event: string, listener: (...args: never[]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  private post(message: AgentToShell): void {
    if (this.closed) throw new Error(`electron shell: the link is closed; ${message.type} not sent`);
    const checked = AgentToShellSchema.safeParse(message);
    if (!checked.success) {
      throw new Error(`electron shell: refusing to send an invalid ${message.type}: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    this.port.postMessage(checked.data);
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    const parsed = ShellToAgentSchema.safeParse(data);
    if (!parsed.success) {
      this.log.warn(`electron shell: dropped an unreadable message: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'shell.ready':
        this.shellVersion = msg.version;
        this.log.info(`electron shell ready (Electron ${msg.version})`);
        this.emit('ready', msg.version);
        return;
      case 'shell.problem':
        this.emit('problem', { problem: msg.problem, detail: msg.detail, at: msg.at } satisfies ShellProblemEvent);
        return;
      case 'frame': {
        const p = this.pending.get(msg.requestId);
        if (!p) {
          this.log.warn(`electron shell: frame ${msg.requestId} answers no pending capture (late or unknown); dropped`);
          return;
        }
        this.pending.delete(msg.requestId);
        clearTimeout(p.timer);
        if (msg.png !== undefined && msg.png.length > 0) p.resolve(Buffer.from(msg.png, 'base64'));
        else p.reject(new Error(`electron shell: no frame: ${msg.error ?? 'the shell sent neither a PNG nor a reason'}`));
        return;
      }
    }
  }
}

/**
 * The Electron shell when this process is an Electron utilityProcess (it has `process.parentPort`);
 * undefined otherwise (plain `node`, tests, systemd without Electron).
 */
export function parentPortShell(
  port: ParentPortLike | undefined = (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort,
  opts: ParentPortShellOptions = {},
): ParentPortShell | undefined {
  return port ? new ParentPortShell(port, opts) : undefined;
}
