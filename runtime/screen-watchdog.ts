/**
 * The screen watchdog: the agent, outside the thing it watches, makes sure a person in front of
 * the kiosk really sees a working screen, and tells HQ within seconds when not.
 *
 * - Paint: every screen the bridge sends must come back as `painted` within `paintTimeoutMs`; a
 *   renderer must be connected at all. Otherwise SCREEN_BLACK.
 * - Heartbeat (issue 11): the renderer's `heartbeat` every second with its animation-frame count;
 *   silent or not moving for `hungAfterMs` while connected → RENDERER_HUNG (watchdog/heartbeat-judge.ts).
 * - The glass (issue 11): every `markerEveryMs` the shell captures the top-left corner, small, and
 *   the marker the renderer draws there is read (contracts/screen-marker.ts). No marker, or
 *   another boot's → a small whole frame is captured: one flat colour → SCREEN_BLACK, else (twice in
 *   a row) SCREEN_COVERED. The marker older than the painted screen for `frozenAfterMs` →
 *   SCREEN_FROZEN (watchdog/marker-judge.ts). Every `frameEveryMs` the small whole frame is looked at
 *   anyway (a blank page that still draws its marker).
 * - Shell problems: a renderer that crashed (render-process-gone) raises RENDERER_CRASHED until the
 *   next screen is painted (the shell brings the page back itself).
 *
 * SCREEN_BLACK, SCREEN_COVERED and SCREEN_FROZEN carry the frame as evidence (a small PNG,
 * watchdog/screen-frames.ts) only when the screen shows no personal data (the kiosk's own screen and
 * the painted one are home / out-of-hours / out-of-service / locked / maintenance / starting; a
 * frozen glass must also show such a screen); else the evidence says why it has no frame. A good
 * frame with this boot's current marker clears them; a moving heartbeat clears RENDERER_HUNG.
 *
 * Recovery: every fault asks `recover(code, reason)` (default: the shell reloads the page), at once
 * and again at each check while it lasts, after `reloadGraceMs`; the agent plugs its recovery ladder
 * in there (runtime/watchdog/screen-recovery.ts). Faults go to `report` (the agent journals them as
 * `fault.raised` / `fault.cleared` for HQ).
 */
import { FaultCode } from '../contracts/faults.ts';
import { decodeMarker, MARKER_RECT, type MarkerReading, type RgbaImage } from '../contracts/screen-marker.ts';
import type { ShellConnection, ShellProblemEvent } from './shell/types.ts';
import { SAFE_SCREENS, type ScreenPrivacy } from './hq-link/screenshot.ts';
import { HeartbeatJudge } from './watchdog/heartbeat-judge.ts';
import { MarkerJudge } from './watchdog/marker-judge.ts';
import { evidenceFrame, isBlankFrame, readPng } from './watchdog/screen-frames.ts';

export { isBlankFrame } from './watchdog/screen-frames.ts';

type Painted = { seq: number; screen: string; at: number };

export interface WatchedBridge {
  readonly connections: number;
  readonly lastPainted: Painted | undefined;
  readonly lastSent: { seq: number; at: number } | undefined;
  /** who holds the screen: a development takeover's browser is not the glass the shell captures */
  readonly seat?: 'screen' | 'takeover' | null;
  on(event: 'painted', listener: (p: Painted) => void): unknown;
  on(event: 'heartbeat', listener: (h: { frames: number; at: number }) => void): unknown;
  on(event: 'connection', listener: (count: number) => void): unknown;
  off(event: 'painted', listener: (p: Painted) => void): unknown;
  off(event: 'heartbeat', listener: (h: { frames: number; at: number }) => void): unknown;
  off(event: 'connection', listener: (count: number) => void): unknown;
}

/** every fault this watchdog raises */
export const SCREEN_FAULT_CODES = [FaultCode.SCREEN_BLACK, FaultCode.RENDERER_CRASHED, FaultCode.SCREEN_FROZEN, FaultCode.SCREEN_COVERED, FaultCode.RENDERER_HUNG] as const;

export type ScreenFaultCode =
  | typeof FaultCode.SCREEN_BLACK
  | typeof FaultCode.RENDERER_CRASHED
  | typeof FaultCode.SCREEN_FROZEN
  | typeof FaultCode.SCREEN_COVERED
  | typeof FaultCode.RENDERER_HUNG;

export interface ScreenFaultChange {
  device: 'screen';
  code: ScreenFaultCode;
  change: 'raised' | 'cleared';
  severity: 'fault';
  detail: string;
  at: number;
  /** raised SCREEN_BLACK / COVERED / FROZEN: the frame (or why there is none), the screens involved */
  evidence?: Record<string, unknown>;
}

export interface ScreenWatchdogOptions {
  bridge: WatchedBridge;
  shell?: ShellConnection;
  report: (change: ScreenFaultChange) => void;
  log?: { info(m: string): void; warn(m: string): void };
  now?: () => number;
  /** this boot's marker id (markerBootId of the bridge token); absent: the corner is not read */
  markerBootId?: number;
  /** what the kiosk itself shows now (runtime/hq-link/screenshot.ts screenPrivacy): a frame goes to HQ only when safe */
  privacy?: () => ScreenPrivacy;
  /** ask for recovery (default: the shell reloads the page); the agent's recovery ladder goes here */
  recover?: (code: ScreenFaultCode, reason: string) => void;
  /** a sent screen must be painted within this (default 10 s) */
  paintTimeoutMs?: number;
  /** how often the paint and the heartbeat are checked (default 1 s) */
  checkEveryMs?: number;
  /** how often the marker's corner is captured and read (default 1 s; 0: never) */
  markerEveryMs?: number;
  /** how often a small whole frame is looked at when the marker does not ask for one (default 10 s; 0: never) */
  frameEveryMs?: number;
  /** the marker shows an older screen than the painted one this long → SCREEN_FROZEN (default 2 s) */
  frozenAfterMs?: number;
  /** no marker in this many checks in a row → SCREEN_COVERED (default 2) */
  coveredAfterChecks?: number;
  /** no heartbeat, or frames not moving, this long → RENDERER_HUNG (default 3 s) */
  hungAfterMs?: number;
  /** after asking for recovery (and at start), wait this long before raising again (default 15 s) */
  reloadGraceMs?: number;
}

/** the corner is captured at half size; the whole frame at a tenth (108 × 192 of a 1080 × 1920 screen) */
const MARKER_SCALE = 0.5;
const FRAME_SCALE = 0.1;

/** What the watchdog's captures cost (the bench's screen_capture_cpu_share). */
export interface ScreenWatchdogStats {
  checks: number;
  markerCaptures: number;
  frameCaptures: number;
  /** wall time waiting for captures */
  captureWaitMs: number;
  /** this process's CPU time (user + system) reading PNGs, markers and frames */
  decodeCpuMs: number;
}

export class ScreenWatchdog {
  private readonly now: () => number;
  private readonly raised = new Set<ScreenFaultCode>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly markers: MarkerJudge | null;
  private readonly hearts: HeartbeatJudge;
  /** seq → screen name of recent paints: which screen a frozen marker stands for */
  private readonly paintedNames = new Map<number, string>();
  private graceUntil = 0;
  private lastFrameAt = Number.NEGATIVE_INFINITY;
  private capturing = false;
  private stopped = false;
  private blackBy: 'heartbeat' | 'frame' | null = null;
  /** a heartbeat check / a look at the glass judged after the grace: this run can speak for the screen */
  private judged = { heartbeat: false, glass: false };
  readonly stats: ScreenWatchdogStats = { checks: 0, markerCaptures: 0, frameCaptures: 0, captureWaitMs: 0, decodeCpuMs: 0 };

  constructor(private readonly o: ScreenWatchdogOptions) {
    this.now = o.now ?? Date.now;
    this.markers = o.markerBootId === undefined ? null : new MarkerJudge({ bootId: o.markerBootId, frozenAfterMs: o.frozenAfterMs, coveredAfterChecks: o.coveredAfterChecks });
    this.hearts = new HeartbeatJudge(o.hungAfterMs ?? 3_000);
  }

  start(): this {
    this.graceUntil = this.now() + (this.o.reloadGraceMs ?? 15_000);
    const { bridge, shell } = this.o;
    bridge.on('painted', this.onPainted);
    bridge.on('heartbeat', this.onHeartbeat);
    bridge.on('connection', this.onConnection);
    shell?.on('problem', this.onProblem);
    const every = (ms: number, check: () => void) => {
      // a check that runs late means this process was stalled: what it would judge is stale (heartbeats still queued)
      let last = performance.now();
      const timer = setInterval(() => {
        const t = performance.now();
        const late = t - last > 2 * ms + 500;
        last = t;
        if (!late) check();
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.o.checkEveryMs ?? 1_000, () => this.checkHeartbeat());
    const markerEvery = this.markers ? (this.o.markerEveryMs ?? 1_000) : 0;
    const frameEvery = this.o.frameEveryMs ?? 10_000;
    const screenEvery = markerEvery > 0 ? markerEvery : frameEvery;
    if (shell && screenEvery > 0) every(screenEvery, () => void this.checkScreen());
    return this;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.o.bridge.off('painted', this.onPainted);
    this.o.bridge.off('heartbeat', this.onHeartbeat);
    this.o.bridge.off('connection', this.onConnection);
    this.o.shell?.off('problem', this.onProblem);
  }

  /** What is raised now (for tests and the agent's status). */
  get faults(): string[] {
    return [...this.raised];
  }

  /** The codes this run can speak for (the heartbeat's `watch`): all of them once it has judged the screen after its grace. */
  get checked(): ScreenFaultCode[] {
    const glassToo = this.markers !== null && this.o.shell !== undefined;
    return this.judged.heartbeat && (this.judged.glass || !glassToo) ? [...SCREEN_FAULT_CODES] : [];
  }

  /** How long it still waits before raising anything (the grace after start or a recovery); 0 when judging. */
  get graceLeftMs(): number {
    return Math.max(0, this.graceUntil - this.now());
  }

  private raise(code: ScreenFaultCode, detail: string, evidence?: Record<string, unknown>): boolean {
    if (this.raised.has(code)) return false;
    this.raised.add(code);
    this.o.log?.warn(`screen FAULT ${code}: ${detail}`);
    this.o.report({ device: 'screen', code, change: 'raised', severity: 'fault', detail, at: this.now(), ...(evidence ? { evidence } : {}) });
    return true;
  }

  private clear(code: ScreenFaultCode, detail: string): void {
    if (!this.raised.delete(code)) return;
    this.o.log?.info(`screen cleared ${code}: ${detail}`);
    this.o.report({ device: 'screen', code, change: 'cleared', severity: 'fault', detail, at: this.now() });
  }

  /** The one way to ask for recovery: the option (the agent's ladder) or a reload. Judging waits out the grace. */
  private recover(code: ScreenFaultCode, reason: string): void {
    this.graceUntil = this.now() + (this.o.reloadGraceMs ?? 15_000);
    this.markers?.reset();
    if (this.o.recover) {
      this.o.recover(code, reason);
      return;
    }
    void this.o.shell?.reload(`${code}: ${reason}`).catch((e: unknown) => this.o.log?.warn(`screen reload failed: ${(e as Error).message}`));
  }

  private inGrace(): boolean {
    return this.now() < this.graceUntil;
  }

  private readonly onPainted = (p: Painted) => {
    this.paintedNames.set(p.seq, p.screen);
    if (this.paintedNames.size > 64) this.paintedNames.delete(this.paintedNames.keys().next().value!);
    this.clear(FaultCode.RENDERER_CRASHED, `screen ${p.screen} painted again`);
    // a blank frame is cleared by the next frame check, not by a paint (the renderer may paint nothing visible)
    if (this.raised.has(FaultCode.SCREEN_BLACK) && this.blackBy === 'heartbeat') this.clear(FaultCode.SCREEN_BLACK, `screen ${p.screen} painted`);
  };

  private readonly onHeartbeat = (h: { frames: number; at: number }) => {
    this.hearts.beat(h.frames, this.now());
    if (this.raised.has(FaultCode.RENDERER_HUNG) && this.hearts.judge(this.now(), true).state === 'ok') this.clear(FaultCode.RENDERER_HUNG, `the renderer's frames move again (${h.frames})`);
  };

  private readonly onConnection = () => {
    this.hearts.connected(this.now());
    this.markers?.reset();
  };

  private readonly onProblem = (e: ShellProblemEvent) => {
    if (e.problem === 'render-process-gone') this.raise(FaultCode.RENDERER_CRASHED, `the renderer process is gone: ${e.detail}`);
  };

  /** the renderer is there and is the glass the shell captures */
  private rendererShown(): boolean {
    return this.o.bridge.connections > 0 && this.o.bridge.seat !== 'takeover';
  }

  /** One paint and heartbeat check (runs every checkEveryMs; exposed for tests). */
  checkHeartbeat(): void {
    if (this.stopped) return;
    const now = this.now();
    const { bridge } = this.o;
    const hung = this.hearts.judge(now, this.rendererShown());
    if (hung.state === 'ok') this.clear(FaultCode.RENDERER_HUNG, 'the renderer beats again');
    if (this.inGrace()) return;
    this.judged.heartbeat = true;
    if (hung.state === 'hung') {
      this.raise(FaultCode.RENDERER_HUNG, hung.detail);
      this.recover(FaultCode.RENDERER_HUNG, hung.detail);
      return;
    }
    const timeout = this.o.paintTimeoutMs ?? 10_000;
    const sent = bridge.lastSent;
    const painted = bridge.lastPainted;
    let problem: string | null = null;
    if (bridge.connections === 0) problem = 'no renderer is connected to the agent';
    else if (sent && (!painted || painted.seq < sent.seq) && now - sent.at > timeout) problem = `screen ${sent.seq} was sent ${Math.round((now - sent.at) / 1000)} s ago and not painted`;
    if (problem) {
      if (this.raise(FaultCode.SCREEN_BLACK, problem)) this.blackBy = 'heartbeat';
      this.recover(FaultCode.SCREEN_BLACK, problem);
    }
  }

  private async capture(kind: 'marker' | 'frame'): Promise<RgbaImage> {
    const t0 = performance.now();
    const png = await this.o.shell!.captureFrame(kind === 'marker' ? { clip: MARKER_RECT, scale: MARKER_SCALE } : { scale: FRAME_SCALE });
    this.stats.captureWaitMs += performance.now() - t0;
    this.stats[kind === 'marker' ? 'markerCaptures' : 'frameCaptures']++;
    return this.cpu(() => readPng(png));
  }

  private cpu<T>(f: () => T): T {
    const c0 = process.cpuUsage();
    try {
      return f();
    } finally {
      const c = process.cpuUsage(c0);
      this.stats.decodeCpuMs += (c.user + c.system) / 1000;
    }
  }

  /** One look at the glass (runs every markerEveryMs, or every frameEveryMs without a marker; exposed for tests). */
  async checkScreen(): Promise<void> {
    const shell = this.o.shell;
    if (!shell || this.capturing || this.stopped) return;
    this.capturing = true;
    this.stats.checks++;
    try {
      const now = this.now();
      const judge = this.markers && this.rendererShown() ? this.markers : null;
      let reading: MarkerReading | null = null;
      if (judge) {
        const corner = await this.capture('marker');
        reading = this.cpu(() => decodeMarker(corner));
      }
      const frameEvery = this.o.frameEveryMs ?? 10_000;
      const frameDue = frameEvery > 0 && now - this.lastFrameAt >= frameEvery;
      let frame: RgbaImage | null = null;
      if ((reading && judge && !judge.ours(reading)) || frameDue || this.blackBy === 'frame') {
        frame = await this.capture('frame');
        this.lastFrameAt = now;
      }
      const whole = frame;
      const flat = whole ? this.cpu(() => isBlankFrame(whole)) : undefined;
      if (flat?.blank) {
        const detail = `the screen shows one flat colour (${flat.colour}) over ${flat.samples} samples`;
        if (!this.inGrace()) {
          if (this.raise(FaultCode.SCREEN_BLACK, detail, this.evidence(frame))) this.blackBy = 'frame';
          this.recover(FaultCode.SCREEN_BLACK, `blank frame ${flat.colour}`);
        }
        return;
      }
      if (flat && this.blackBy === 'frame') {
        this.clear(FaultCode.SCREEN_BLACK, 'the screen shows content again');
        this.blackBy = null;
      }
      if (!judge || !reading) return;
      const verdict = judge.judge({ reading, ...(flat ? { flat } : {}), painted: this.o.bridge.lastPainted, at: now });
      if (!this.inGrace()) this.judged.glass = true;
      if (verdict.state === 'proven') {
        this.clear(FaultCode.SCREEN_COVERED, `the marker of screen ${verdict.seq} is seen again`);
        this.clear(FaultCode.SCREEN_FROZEN, `the glass shows screen ${verdict.seq}, the painted one`);
      } else if ((verdict.state === 'covered' || verdict.state === 'frozen') && !this.inGrace()) {
        const code = verdict.state === 'covered' ? FaultCode.SCREEN_COVERED : FaultCode.SCREEN_FROZEN;
        if (!this.raised.has(code)) {
          frame ??= await this.capture('frame');
          this.raise(code, verdict.detail, this.evidence(frame, verdict.state === 'frozen' ? verdict.markerSeq : undefined));
        }
        this.recover(code, verdict.detail);
      }
    } catch (e) {
      this.o.log?.warn(`screen check: ${(e as Error).message}`);
    } finally {
      this.capturing = false;
    }
  }

  /**
   * The evidence of a screen fault: the frame only when no personal data can be on it — the kiosk's
   * screen, the painted one and (frozen) the one still on the glass are all safe screens.
   */
  private evidence(frame: RgbaImage | null, onGlassSeq?: number): Record<string, unknown> {
    const painted = this.o.bridge.lastPainted;
    const base = { screen: painted?.screen ?? null, paintedSeq: painted?.seq ?? null, ...(onGlassSeq !== undefined ? { markerSeq: onGlassSeq, markerScreen: this.paintedNames.get(onGlassSeq) ?? null } : {}) };
    const withheld = this.frameWithheld(painted, onGlassSeq);
    if (withheld) return { ...base, frame: null, frameWithheld: withheld };
    const f = frame ? this.cpu(() => evidenceFrame(frame)) : null;
    return f ? { ...base, frame: f } : { ...base, frame: null, frameWithheld: 'no frame small enough could be made' };
  }

  private frameWithheld(painted: Painted | undefined, onGlassSeq?: number): string | null {
    const kiosk = this.o.privacy?.();
    if (kiosk && !kiosk.safe) return `no frame: ${kiosk.reason}; it may show personal data`;
    if (!painted || !SAFE_SCREENS.has(painted.screen)) return `no frame: the screen shown is ${painted ? `"${painted.screen}"` : 'unknown'}, which may show personal data`;
    if (onGlassSeq !== undefined) {
      const old = this.paintedNames.get(onGlassSeq);
      if (!old || !SAFE_SCREENS.has(old)) return `no frame: the glass still shows ${old ? `"${old}"` : `screen ${onGlassSeq}, not known here`}, which may show personal data`;
    }
    return null;
  }
}
