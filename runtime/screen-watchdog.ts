/**
 * The screen watchdog: the agent, outside the thing it watches, makes sure a person in front of
 * the kiosk really sees a working screen, and tells HQ within seconds when not.
 *
 * - Heartbeat: every screen the bridge sends must come back as `painted` within `paintTimeoutMs`;
 *   a renderer must be connected at all. Otherwise: SCREEN_BLACK raised, the shell reloads.
 * - Frame check: every `frameEveryMs` the shell captures what the screen shows; a frame that is
 *   (almost) one flat colour — black, white, anything — is a blank screen: SCREEN_BLACK raised,
 *   the shell reloads. A later good frame with a fresh paint clears it.
 * - Shell problems: a renderer that crashed (render-process-gone) raises RENDERER_CRASHED until the
 *   next screen is painted; a hung renderer is the heartbeat's business.
 *
 * Faults go to `report` (the agent journals them as `fault.raised` / `fault.cleared` for HQ).
 */
import { PNG } from 'pngjs';
import { FaultCode } from '../contracts/faults.ts';
import type { ShellConnection, ShellProblemEvent } from './shell/types.ts';

export interface WatchedBridge {
  readonly connections: number;
  readonly lastPainted: { seq: number; at: number } | undefined;
  readonly lastSent: { seq: number; at: number } | undefined;
  on(event: 'painted', listener: (p: { seq: number; screen: string; at: number }) => void): unknown;
  off(event: 'painted', listener: (p: { seq: number; screen: string; at: number }) => void): unknown;
}

export interface ScreenFaultChange {
  device: 'screen';
  code: typeof FaultCode.SCREEN_BLACK | typeof FaultCode.RENDERER_CRASHED;
  change: 'raised' | 'cleared';
  severity: 'fault';
  detail: string;
  at: number;
}

export interface ScreenWatchdogOptions {
  bridge: WatchedBridge;
  shell?: ShellConnection;
  report: (change: ScreenFaultChange) => void;
  log?: { info(m: string): void; warn(m: string): void };
  now?: () => number;
  /** a sent screen must be painted within this (default 10 s) */
  paintTimeoutMs?: number;
  /** how often the heartbeat is checked (default 2 s) */
  checkEveryMs?: number;
  /** how often a frame is captured and looked at (default 60 s; 0: never) */
  frameEveryMs?: number;
  /** after a reload, wait this long before judging again (default 15 s) */
  reloadGraceMs?: number;
}

/**
 * Is this PNG a blank screen? Samples a grid of pixels; blank when at least 99.5 % of them are
 * within a small distance of the first sample's colour (a flat black, white or grey frame).
 */
export function isBlankFrame(png: Buffer): { blank: boolean; colour: string; samples: number } {
  const img = PNG.sync.read(png);
  const { width, height, data } = img;
  const step = Math.max(1, Math.floor(Math.min(width, height) / 64));
  const at = (x: number, y: number) => {
    const i = (y * width + x) * 4;
    return [data[i]!, data[i + 1]!, data[i + 2]!] as const;
  };
  const ref = at(0, 0);
  let samples = 0;
  let same = 0;
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      const [r, g, b] = at(x, y);
      samples++;
      if (Math.abs(r - ref[0]) + Math.abs(g - ref[1]) + Math.abs(b - ref[2]) <= 24) same++;
    }
  }
  const colour = `#${ref.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  return { blank: same / samples >= 0.995, colour, samples };
}

export class ScreenWatchdog {
  private readonly now: () => number;
  private readonly raised = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private frameTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private graceUntil = 0;
  private capturing = false;
  private stopped = false;

  constructor(private readonly o: ScreenWatchdogOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): this {
    this.startedAt = this.now();
    this.graceUntil = this.startedAt + (this.o.reloadGraceMs ?? 15_000);
    this.o.bridge.on('painted', this.onPainted);
    this.o.shell?.on('problem', this.onProblem);
    this.timer = setInterval(() => this.checkHeartbeat(), this.o.checkEveryMs ?? 2_000);
    this.timer.unref();
    const every = this.o.frameEveryMs ?? 60_000;
    if (every > 0 && this.o.shell) {
      this.frameTimer = setInterval(() => void this.checkFrame(), every);
      this.frameTimer.unref();
    }
    return this;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.frameTimer) clearInterval(this.frameTimer);
    this.o.bridge.off('painted', this.onPainted);
    this.o.shell?.off('problem', this.onProblem);
  }

  /** What is raised now (for tests and the agent's status). */
  get faults(): string[] {
    return [...this.raised];
  }

  private raise(code: ScreenFaultChange['code'], detail: string): boolean {
    if (this.raised.has(code)) return false;
    this.raised.add(code);
    this.o.log?.warn(`screen FAULT ${code}: ${detail}`);
    this.o.report({ device: 'screen', code, change: 'raised', severity: 'fault', detail, at: this.now() });
    return true;
  }

  private clear(code: ScreenFaultChange['code'], detail: string): void {
    if (!this.raised.delete(code)) return;
    this.o.log?.info(`screen cleared ${code}: ${detail}`);
    this.o.report({ device: 'screen', code, change: 'cleared', severity: 'fault', detail, at: this.now() });
  }

  private reload(reason: string): void {
    this.graceUntil = this.now() + (this.o.reloadGraceMs ?? 15_000);
    void this.o.shell?.reload(reason).catch((e: unknown) => this.o.log?.warn(`screen reload failed: ${(e as Error).message}`));
  }

  private readonly onPainted = (p: { seq: number; screen: string }) => {
    this.clear(FaultCode.RENDERER_CRASHED, `screen ${p.screen} painted again`);
    // a blank frame is cleared by the next frame check, not by a paint (the renderer may paint nothing visible)
    if (this.raised.has(FaultCode.SCREEN_BLACK) && this.blankBy === 'heartbeat') this.clear(FaultCode.SCREEN_BLACK, `screen ${p.screen} painted`);
  };

  private readonly onProblem = (e: ShellProblemEvent) => {
    if (e.problem === 'render-process-gone') this.raise(FaultCode.RENDERER_CRASHED, `the renderer process is gone: ${e.detail}`);
  };

  private blankBy: 'heartbeat' | 'frame' | null = null;

  /** One heartbeat check (runs every checkEveryMs; exposed for tests). */
  checkHeartbeat(): void {
    if (this.stopped) return;
    const now = this.now();
    if (now < this.graceUntil) return;
    const { bridge } = this.o;
    const timeout = this.o.paintTimeoutMs ?? 10_000;
    const sent = bridge.lastSent;
    const painted = bridge.lastPainted;
    let problem: string | null = null;
    if (bridge.connections === 0) problem = 'no renderer is connected to the agent';
    else if (sent && (!painted || painted.seq < sent.seq) && now - sent.at > timeout) problem = `screen ${sent.seq} was sent ${Math.round((now - sent.at) / 1000)} s ago and not painted`;
    if (problem) {
      if (this.raise(FaultCode.SCREEN_BLACK, problem)) this.blankBy = 'heartbeat';
      this.reload(problem);
    }
  }

  /** One frame check (runs every frameEveryMs; exposed for tests). */
  async checkFrame(): Promise<void> {
    const shell = this.o.shell;
    if (!shell || this.capturing || this.stopped || this.now() < this.graceUntil) return;
    this.capturing = true;
    try {
      const png = await shell.captureFrame();
      const f = isBlankFrame(png);
      if (f.blank) {
        if (this.raise(FaultCode.SCREEN_BLACK, `the screen shows one flat colour (${f.colour}) over ${f.samples} samples`)) this.blankBy = 'frame';
        this.reload(`blank frame ${f.colour}`);
      } else if (this.raised.has(FaultCode.SCREEN_BLACK) && this.blankBy === 'frame') {
        this.clear(FaultCode.SCREEN_BLACK, 'the screen shows content again');
        this.blankBy = null;
      }
    } catch (e) {
      this.o.log?.warn(`screen frame check: ${(e as Error).message}`);
    } finally {
      this.capturing = false;
    }
  }
}
