/**
 * GPU_CRASHED: the shell says its GPU process is gone (`gpu-process-gone`: Electron's
 * `child-process-gone` type GPU, or the Chromium shell's process-tree watch, ./gpu-process.ts).
 * Raised at once, and the screen is recovered (`recover`, by default a reload of the renderer: a
 * fresh page is drawn through the new GPU process). Cleared when a GPU process is back (Chromium: its
 * process tree shows one; Electron restarts it by itself) and the renderer has painted a screen since.
 */
import { FaultCode } from '../../contracts/faults.ts';
import type { ShellConnection, ShellProblemEvent } from '../shell/types.ts';
import { FaultLatch, type ReportFault, type WatchLog } from './fault-latch.ts';

/** What the GPU crash watch needs of the bridge (runtime/bridge/server.ts `RunningBridge` fits). */
export interface PaintedSource {
  on(event: 'painted', listener: (p: { seq: number; screen: string }) => void): unknown;
  off(event: 'painted', listener: (p: { seq: number; screen: string }) => void): unknown;
}

export interface GpuCrashWatchOptions {
  shell: Pick<ShellConnection, 'on' | 'off' | 'reload'>;
  bridge: PaintedSource;
  report: ReportFault;
  log?: WatchLog;
  /** a GPU process runs now: true / false, or null when the shell cannot tell (Electron) */
  gpuUp?: () => boolean | null;
  /** bring the screen back after the crash (default: the shell reloads the renderer) */
  recover?: (code: typeof FaultCode.GPU_CRASHED, reason: string) => void;
  /** while raised, look this often whether it can clear (default 1000) */
  checkEveryMs?: number;
}

export class GpuCrashWatch {
  /** its fault, raised or cleared (its `watchReport()` goes into the heartbeat's `watch`) */
  readonly latch: FaultLatch;
  private painted: string | null = null;
  private waitedForGpu = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: GpuCrashWatchOptions) {
    this.latch = new FaultLatch({ code: FaultCode.GPU_CRASHED, device: 'screen', severity: 'fault' }, o.report, o.log);
  }

  start(): this {
    this.o.shell.on('problem', this.onProblem);
    this.o.bridge.on('painted', this.onPainted);
    return this;
  }

  stop(): void {
    this.o.shell.off('problem', this.onProblem);
    this.o.bridge.off('painted', this.onPainted);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get raised(): boolean {
    return this.latch.raised;
  }

  private readonly onProblem = (e: ShellProblemEvent) => {
    if (e.problem !== 'gpu-process-gone') return;
    this.painted = null; // only a paint after this crash proves the screen is drawn again
    this.waitedForGpu = false;
    if (this.latch.raise(`the shell's GPU process is gone: ${e.detail}`, { shellDetail: e.detail })) {
      this.timer = setInterval(() => this.tryClear(), this.o.checkEveryMs ?? 1_000);
      this.timer.unref();
    }
    this.recover(`GPU process gone: ${e.detail}`);
  };

  private readonly onPainted = (p: { screen: string }) => {
    this.painted = p.screen;
    this.tryClear();
  };

  private recover(reason: string): void {
    if (this.o.recover) return this.o.recover(FaultCode.GPU_CRASHED, reason);
    void this.o.shell.reload(reason).catch((e: unknown) => this.o.log?.warn(`GPU crash: reload failed: ${(e as Error).message}`));
  }

  private tryClear(): void {
    if (!this.latch.raised) return;
    if (this.o.gpuUp?.() === false) {
      this.painted = null; // a paint while no GPU process runs proves nothing about the next one
      this.waitedForGpu = true;
      return;
    }
    if (this.painted === null) {
      // the GPU process came back after the reload's paint: draw once more, through it
      if (this.waitedForGpu) this.recover('a GPU process is back: drawing the screen again');
      this.waitedForGpu = false;
      return;
    }
    this.latch.clear(`a GPU process is up again and screen ${this.painted} was painted`);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
