import type { ByteLink, LinkHealth, LinkState } from './link.ts';
import { DeviceFault, FaultCode } from '../../contracts/faults.ts';
import { LinkListeners } from './listeners.ts';

/**
 * The one reopen-with-backoff and health machinery shared by every real transport
 * (serial, TCP, HID). A transport supplies only `connect()`: open the underlying thing
 * once, wire its data and its loss to the given callbacks, and return how to write to it
 * and close it. Everything else — first open, failFast, exponential backoff with jitter,
 * health events, write-when-down faults, close-for-good — lives here.
 */

export interface ReopenPolicy {
  /** delay before the first reopen attempt (default 200 ms) */
  initialMs?: number;
  /** ceiling for the delay (default 10 s) */
  maxMs?: number;
  /** growth per attempt (default 2) */
  factor?: number;
}

export interface LinkOptions {
  reopen?: ReopenPolicy;
  /** Reject `open()` with DeviceFault(DEVICE_LINK_DOWN) if the first open fails, instead of retrying. */
  failFast?: boolean;
}

/** Callbacks a transport's connection reports into. */
export interface ConnectionEvents {
  /** a chunk (stream transports) or one report (HID) arrived */
  data(chunk: Uint8Array): void;
  /** the connection is gone (unplug, EOF, read error); call once, extra calls are ignored */
  lost(error: unknown): void;
}

/** One open instance of the underlying port/socket/device. */
export interface Connection {
  /** resolves once the bytes have left (drained) */
  write(bytes: Uint8Array): Promise<void>;
  /** release the port/socket/device; must not throw on an already dead connection */
  close(): Promise<void>;
}

/**
 * Delay before reopen attempt `attempt` (0-based): exponential, capped, with "equal jitter"
 * (uniform in [d/2, d]) so a room full of kiosks does not hammer a shared server in lockstep.
 */
export function backoffDelay(attempt: number, policy: ReopenPolicy = {}, random: () => number = Math.random): number {
  const initial = Math.max(1, policy.initialMs ?? 200);
  const max = Math.max(initial, policy.maxMs ?? 10_000);
  const factor = Math.max(1, policy.factor ?? 2);
  const d = Math.min(max, initial * factor ** Math.min(attempt, 64));
  return Math.round(d / 2 + (random() * d) / 2);
}

function describe(e: unknown): string {
  if (e instanceof DeviceFault) return e.detail;
  if (e instanceof Error) return e.message;
  return String(e);
}

export abstract class ReconnectingLink implements ByteLink {
  abstract readonly name: string;
  private _health: LinkHealth = { state: 'connecting', since: Date.now(), reopenAttempts: 0 };
  private readonly dataListeners = new LinkListeners<Uint8Array>();
  private readonly healthListeners = new LinkListeners<LinkHealth>();
  private connection: Connection | undefined;
  /** bumps on every connect attempt so late events from an old connection are ignored */
  private generation = 0;
  private started = false;
  /** failed (re)open attempts since the link was last up: drives the backoff and health.reopenAttempts */
  private failedAttempts = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private firstUp: Promise<void> | undefined;
  private settleFirstUp: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private readonly policy: ReopenPolicy;
  private readonly failFast: boolean;
  /** injectable for tests of the backoff arithmetic */
  protected random: () => number = Math.random;

  constructor(opts: LinkOptions = {}) {
    this.policy = opts.reopen ?? {};
    this.failFast = opts.failFast ?? false;
  }

  /** Open the underlying resource once. Reject with an Error whose message names the OS error. */
  protected abstract connect(events: ConnectionEvents): Promise<Connection>;

  /** What a technician should check when opening fails (appended to errors). */
  protected abstract hint(error: unknown): string;

  get health(): LinkHealth {
    return this._health;
  }

  open(): Promise<void> {
    if (this.closed) return Promise.reject(new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `${this.name} was closed; make a new link`, { link: this.name }));
    if (this.firstUp) return this.firstUp;
    this.firstUp = new Promise<void>((resolve, reject) => {
      this.settleFirstUp = { resolve, reject };
    });
    this.started = true;
    void this.attempt();
    return this.firstUp;
  }

  async write(bytes: Uint8Array): Promise<void> {
    const conn = this.connection;
    if (this._health.state !== 'up' || !conn) {
      throw new DeviceFault(
        FaultCode.DEVICE_LINK_DOWN,
        `${this.name} is ${this._health.state}${this._health.lastError ? ` (${this._health.lastError})` : ''}; cannot write ${bytes.length} bytes`,
        { link: this.name, state: this._health.state },
      );
    }
    try {
      await conn.write(bytes);
    } catch (e) {
      if (this.connection === conn) this.lost(this.generation, e);
      throw new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `${this.name}: write of ${bytes.length} bytes failed: ${describe(e)}`, { link: this.name });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const conn = this.connection;
    this.connection = undefined;
    if (conn) await conn.close().catch(() => undefined);
    this.settleFirstUp?.reject(new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `${this.name} was closed before it came up`, { link: this.name }));
    this.settleFirstUp = undefined;
    this.setHealth({ state: 'closed', reopenAttempts: 0 });
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.dataListeners.add(listener);
  }

  onHealth(listener: (health: LinkHealth) => void): () => void {
    return this.healthListeners.add(listener);
  }

  private setHealth(patch: { state: LinkState; reopenAttempts: number; lastError?: string }): void {
    const prev = this._health;
    const since = patch.state === prev.state ? prev.since : Date.now();
    const lastError = patch.lastError ?? prev.lastError;
    this._health = { state: patch.state, since, reopenAttempts: patch.reopenAttempts, ...(lastError !== undefined ? { lastError } : {}) };
    this.healthListeners.emit(this._health);
  }

  private async attempt(): Promise<void> {
    if (this.closed || !this.started) return;
    this.retryTimer = undefined;
    const gen = ++this.generation;
    if (this._health.state !== 'connecting') this.setHealth({ state: 'connecting', reopenAttempts: this.failedAttempts });
    let conn: Connection;
    try {
      conn = await this.connect({
        data: (chunk) => {
          if (gen !== this.generation) return;
          this.dataListeners.emit(chunk);
        },
        lost: (e) => this.lost(gen, e),
      });
    } catch (e) {
      if (gen !== this.generation || this.closed) return;
      const lastError = `${describe(e)}; ${this.hint(e)}`;
      if (this.failFast && this.settleFirstUp) {
        const settle = this.settleFirstUp;
        this.settleFirstUp = undefined;
        this.firstUp = undefined;
        this.started = false;
        this.setHealth({ state: 'down', reopenAttempts: 0, lastError });
        settle.reject(new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `cannot open ${this.name}: ${lastError}`, { link: this.name, error: describe(e) }));
        return;
      }
      this.failedAttempts++;
      this.scheduleRetry(lastError);
      return;
    }
    if (gen !== this.generation || this.closed) {
      await conn.close().catch(() => undefined);
      return;
    }
    this.connection = conn;
    this.failedAttempts = 0;
    this.setHealth({ state: 'up', reopenAttempts: 0 });
    const settle = this.settleFirstUp;
    this.settleFirstUp = undefined;
    settle?.resolve();
  }

  private lost(gen: number, e: unknown): void {
    if (gen !== this.generation || this.closed) return;
    const conn = this.connection;
    this.connection = undefined;
    this.generation++;
    if (conn) void conn.close().catch(() => undefined);
    this.failedAttempts = 0;
    this.scheduleRetry(`${this.name} lost: ${describe(e)}`);
  }

  private scheduleRetry(lastError: string): void {
    const delay = backoffDelay(this.failedAttempts, this.policy, this.random);
    this.setHealth({ state: 'down', reopenAttempts: this.failedAttempts, lastError });
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
  }
}
