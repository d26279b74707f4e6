/**
 * DISK_LOW: the free space of the file system the journal lives on, read with `statfs` every
 * `checkEveryMs`, so ops hear of a filling disk while SQLite can still write (a full disk stops the
 * journal, and with it every session and every event for HQ).
 *
 * Low when the space available to the agent is below `minFreeMiB` OR below `minFreePercent` of the
 * file system (either set to 0 switches it off); cleared only once it is above both by the
 * hysteresis, so a disk hovering at the line does not raise and clear on every check.
 */
import { statfs } from 'node:fs/promises';
import { FaultCode } from '../../contracts/faults.ts';
import { FaultLatch, type ReportFault, type WatchLog } from './fault-latch.ts';
import { PeriodicCheck } from './periodic-check.ts';

const MiB = 1024 * 1024;

export interface DiskThresholds {
  minFreeMiB: number;
  minFreePercent: number;
  hysteresisMiB: number;
  hysteresisPercent: number;
}

export const DEFAULT_DISK_THRESHOLDS: DiskThresholds = { minFreeMiB: 200, minFreePercent: 5, hysteresisMiB: 50, hysteresisPercent: 1 };

export interface DiskSpace {
  /** bytes an unprivileged writer (the agent) may still use */
  freeBytes: number;
  totalBytes: number;
}

/** Is this disk low, fine again, or in the hysteresis band (keep what it was)? Pure. */
export function judgeDiskSpace(space: DiskSpace, t: DiskThresholds): 'low' | 'ok' | 'between' {
  const freeMiB = space.freeBytes / MiB;
  const freePercent = space.totalBytes > 0 ? (100 * space.freeBytes) / space.totalBytes : 100;
  const belowBytes = t.minFreeMiB > 0 && freeMiB < t.minFreeMiB;
  const belowPercent = t.minFreePercent > 0 && freePercent < t.minFreePercent;
  if (belowBytes || belowPercent) return 'low';
  const clearBytes = t.minFreeMiB <= 0 || freeMiB >= t.minFreeMiB + t.hysteresisMiB;
  const clearPercent = t.minFreePercent <= 0 || freePercent >= t.minFreePercent + t.hysteresisPercent;
  return clearBytes && clearPercent ? 'ok' : 'between';
}

/** `statfs` of `dir` as free and total bytes. */
export async function diskSpaceOf(dir: string): Promise<DiskSpace> {
  const s = await statfs(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

export interface DiskWatchOptions {
  /** the journal's directory (the agent's data directory) */
  dir: string;
  thresholds?: Partial<DiskThresholds>;
  /** default 30 000 */
  checkEveryMs?: number;
  report: ReportFault;
  log?: WatchLog;
  /** default {@link diskSpaceOf} (tests: a given space) */
  spaceOf?: (dir: string) => Promise<DiskSpace>;
}

export class DiskSpaceWatch extends PeriodicCheck {
  private readonly thresholds: DiskThresholds;
  /** its fault, raised or cleared (its `watchReport()` goes into the heartbeat's `watch`) */
  readonly latch: FaultLatch;
  private readonly spaceOf: (dir: string) => Promise<DiskSpace>;
  private lastError: string | null = null;

  constructor(private readonly o: DiskWatchOptions) {
    super(o.checkEveryMs ?? 30_000);
    this.thresholds = { ...DEFAULT_DISK_THRESHOLDS, ...o.thresholds };
    this.spaceOf = o.spaceOf ?? diskSpaceOf;
    this.latch = new FaultLatch({ code: FaultCode.DISK_LOW, device: 'agent', severity: 'warning' }, o.report, o.log);
  }

  get raised(): boolean {
    return this.latch.raised;
  }

  /** One look at the disk. */
  protected async look(): Promise<void> {
    let space: DiskSpace;
    try {
      space = await this.spaceOf(this.o.dir);
    } catch (e) {
      const message = (e as Error).message;
      // said once per distinct error: a missing directory is the journal's problem, reported there
      if (message !== this.lastError) this.o.log?.warn(`disk space of ${this.o.dir} cannot be read: ${message}`);
      this.lastError = message;
      return;
    }
    this.lastError = null;
    const verdict = judgeDiskSpace(space, this.thresholds);
    const t = this.thresholds;
    const percent = space.totalBytes > 0 ? (100 * space.freeBytes) / space.totalBytes : 100;
    const words = `${mib(space.freeBytes)} free of ${mib(space.totalBytes)} (${percent.toFixed(1)} %) on the disk of ${this.o.dir}`;
    if (verdict === 'low') {
      this.latch.raise(`${words}; below ${t.minFreeMiB} MiB or ${t.minFreePercent} %: free space (old logs, files) before the journal cannot write`, {
        dir: this.o.dir,
        freeBytes: space.freeBytes,
        totalBytes: space.totalBytes,
        thresholds: t,
      });
    } else if (verdict === 'ok') {
      this.latch.clear(words);
    }
  }
}
