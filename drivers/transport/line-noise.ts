/**
 * Line noise on a device's serial line (issue 11): bytes that decode to nothing consistent —
 * framing garbage, replies nobody asked for, status bytes that contradict each other, a "scan"
 * that is not text. Each driver tells its `LineNoise` about them; the meter keeps a record of the
 * last `windows` time windows and says:
 *
 * - `noisy`: noise was seen within the last `quietWindowsToClear` windows — the device health shows
 *   it (heartbeat and agent status), nothing is raised;
 * - `persistent`: at least `noisyWindowsToRaise` of the last `windows` windows had noise (by default
 *   more than 30 s of noise in the last minute) — the driver reports its *_LINE_NOISE warning, until
 *   `quietWindowsToClear` windows in a row were quiet.
 *
 * A single burst (64 KiB of random bytes takes a fraction of a second on a PTY, 6 s paced at
 * 115200 baud) stays far below the threshold: it is counted and shown, never raised.
 */
import type { FaultCode } from '../../contracts/faults.ts';
import type { LineNoise as LineNoiseContract } from '../../contracts/hq.ts';

export interface LineNoiseOptions {
  /** one window of the record (ms), default 1000 */
  windowMs?: number;
  /** how many windows the record looks back on, default 60 */
  windows?: number;
  /** noisy windows among the last `windows` that make the noise persistent, default 30 */
  noisyWindowsToRaise?: number;
  /** quiet windows in a row after which the line is no longer noisy (nor persistent), default 30 */
  quietWindowsToClear?: number;
  /** epoch ms (tests pin it) */
  now?: () => number;
}

/** What a device's health says about its line: the heartbeat's `lineNoise` (contracts/hq.ts), typed once there. */
export type LineNoiseReport = LineNoiseContract;

export class LineNoiseMeter {
  readonly windowMs: number;
  readonly windows: number;
  readonly noisyWindowsToRaise: number;
  readonly quietWindowsToClear: number;
  private readonly now: () => number;
  /** window numbers (floor(t / windowMs)) that had noise, oldest first, at most `windows` */
  private noisyWindowList: number[] = [];
  private garbageBytes = 0;
  private events = 0;
  private lastNoiseAt: number | null = null;
  private persistent = false;

  constructor(opts: LineNoiseOptions = {}) {
    this.windowMs = positiveInt('windowMs', opts.windowMs ?? 1000);
    this.windows = positiveInt('windows', opts.windows ?? 60);
    this.noisyWindowsToRaise = positiveInt('noisyWindowsToRaise', opts.noisyWindowsToRaise ?? Math.ceil(this.windows / 2));
    this.quietWindowsToClear = positiveInt('quietWindowsToClear', opts.quietWindowsToClear ?? Math.ceil(this.windows / 2));
    if (this.noisyWindowsToRaise > this.windows) throw new RangeError(`noisyWindowsToRaise (${this.noisyWindowsToRaise}) cannot exceed windows (${this.windows})`);
    this.now = opts.now ?? Date.now;
  }

  /** `bytes` bytes of noise (0 for a noise event that is not about bytes, e.g. a contradicting read). */
  record(bytes: number, at: number = this.now()): void {
    this.garbageBytes += Math.max(0, bytes);
    this.events++;
    this.lastNoiseAt = at;
    const w = Math.floor(at / this.windowMs);
    const last = this.noisyWindowList[this.noisyWindowList.length - 1];
    if (last !== w) {
      this.noisyWindowList.push(w);
      if (this.noisyWindowList.length > this.windows) this.noisyWindowList.shift();
    }
    this.evaluate(at);
  }

  report(at: number = this.now()): LineNoiseReport {
    this.evaluate(at);
    return {
      noisy: this.isNoisy(at),
      persistent: this.persistent,
      garbageBytes: this.garbageBytes,
      events: this.events,
      noisyWindows: this.noisyWindowsAt(at),
      windows: this.windows,
      windowMs: this.windowMs,
      lastNoiseAt: this.lastNoiseAt,
    };
  }

  private noisyWindowsAt(at: number): number {
    const current = Math.floor(at / this.windowMs);
    return this.noisyWindowList.filter((w) => w > current - this.windows).length;
  }

  private quietWindows(at: number): number {
    if (this.lastNoiseAt === null) return Infinity;
    return Math.floor(at / this.windowMs) - Math.floor(this.lastNoiseAt / this.windowMs);
  }

  private isNoisy(at: number): boolean {
    return this.quietWindows(at) < this.quietWindowsToClear;
  }

  private evaluate(at: number): void {
    const noisy = this.isNoisy(at);
    if (!this.persistent && noisy && this.noisyWindowsAt(at) >= this.noisyWindowsToRaise) this.persistent = true;
    else if (this.persistent && !noisy) this.persistent = false;
  }
}

/**
 * A driver's line-noise meter with the clock running: `onChange` is called when `noisy` or
 * `persistent` turns (also while no bytes arrive, so a quiet line clears by itself). The timer only
 * runs while the line is noisy, and never holds the process open.
 */
export class LineNoise {
  readonly meter: LineNoiseMeter;
  private timer: NodeJS.Timeout | undefined;
  private last: { noisy: boolean; persistent: boolean } = { noisy: false, persistent: false };
  private closed = false;

  constructor(
    opts: LineNoiseOptions,
    private readonly onChange: (report: LineNoiseReport) => void,
  ) {
    this.meter = new LineNoiseMeter(opts);
  }

  get report(): LineNoiseReport {
    return this.meter.report();
  }

  get persistent(): boolean {
    return this.meter.report().persistent;
  }

  /** Noise seen: `bytes` garbage bytes (0 for a contradicting read or a stray reply already counted). */
  record(bytes: number): void {
    if (this.closed) return;
    this.meter.record(bytes);
    this.check();
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), this.meter.windowMs);
      this.timer.unref();
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Look again now (a driver calls it whenever bytes arrive, so a change shows without waiting for the timer). */
  check(): void {
    const r = this.meter.report();
    if (!r.noisy && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    if (r.noisy === this.last.noisy && r.persistent === this.last.persistent) return;
    this.last = { noisy: r.noisy, persistent: r.persistent };
    this.onChange(r);
  }
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`line noise: ${name} must be a whole number ≥ 1, got ${v}`);
  return v;
}

/** The *_LINE_NOISE warning a driver reports, in words a technician can act on. */
export function lineNoiseWarning(code: FaultCode, link: string, r: LineNoiseReport): { code: FaultCode; detail: string } {
  const seconds = (r.noisyWindows * r.windowMs) / 1000;
  return {
    code,
    detail: `${link}: line noise in ${r.noisyWindows} of the last ${r.windows} windows (~${seconds} s), ${r.garbageBytes} bytes that decode to nothing so far: check the cable (seated, shielded, away from power lines), the ground and the baud rate`,
  };
}
