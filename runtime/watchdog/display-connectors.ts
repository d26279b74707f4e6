/**
 * DISPLAY_DISCONNECTED: the kernel's view of the display cables. Linux lists every connector of a
 * graphics card as `/sys/class/drm/<card>-<connector>/status` (e.g. `card0-HDMI-A-1/status`), saying
 * `connected`, `disconnected` or `unknown`. Polled every `checkEveryMs`:
 *
 * - a connector that was `connected` during this run and now says `disconnected`, or every connector
 *   saying `disconnected` (a kiosk started with its monitor unplugged) → raised;
 * - back to `connected` (and not all disconnected) → cleared.
 *
 * A machine without such connectors (no /sys/class/drm: a VM, a container, a test box, a driver that
 * does not report) has nothing to judge: said once in the log, never a fault. `unknown` is not judged.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FaultCode } from '../../contracts/faults.ts';
import { FaultLatch, type ReportFault, type WatchLog } from './fault-latch.ts';
import { PeriodicCheck } from './periodic-check.ts';

export const DEFAULT_DRM_DIR = '/sys/class/drm';

/** `card0-HDMI-A-1` → a connector; `card0`, `renderD128`, `version` are not. */
const CONNECTOR = /^card\d+-.+$/;

export type ConnectorStatus = 'connected' | 'disconnected' | 'unknown';

/** Every connector's status now, by name (`card0-HDMI-A-1`); empty when the directory has none. */
export async function readConnectors(drmDir: string): Promise<Map<string, ConnectorStatus>> {
  const found = new Map<string, ConnectorStatus>();
  // none there (no such directory on this machine): nothing to list
  const names = await readdir(drmDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => CONNECTOR.test(n)).sort()) {
    const text = await readFile(join(drmDir, name, 'status'), 'utf8').then((t) => t.trim(), () => null);
    if (text === null) continue; // no status file (or unreadable): not a connector we can judge
    found.set(name, text === 'connected' || text === 'disconnected' ? text : 'unknown');
  }
  return found;
}

/** What the connectors say, judged against those seen connected before. Pure. */
export function judgeConnectors(now: Map<string, ConnectorStatus>, seenConnected: ReadonlySet<string>): { lost: string[]; allDisconnected: boolean } {
  const statuses = [...now.values()];
  return {
    lost: [...now].filter(([name, s]) => s === 'disconnected' && seenConnected.has(name)).map(([name]) => name),
    allDisconnected: statuses.length > 0 && statuses.every((s) => s === 'disconnected'),
  };
}

export interface DisplayWatchOptions {
  /** default {@link DEFAULT_DRM_DIR} (config watchdog.display.drmDir) */
  drmDir?: string;
  /** default 2000 */
  checkEveryMs?: number;
  report: ReportFault;
  log?: WatchLog;
}

export class DisplayConnectorWatch extends PeriodicCheck {
  private readonly drmDir: string;
  /** its fault, raised or cleared (its `watchReport()` goes into the heartbeat's `watch`) */
  readonly latch: FaultLatch;
  private readonly seenConnected = new Set<string>();
  private saidNothingToJudge = false;
  private last = '';

  constructor(private readonly o: DisplayWatchOptions) {
    super(o.checkEveryMs ?? 2_000);
    this.drmDir = o.drmDir ?? DEFAULT_DRM_DIR;
    this.latch = new FaultLatch({ code: FaultCode.DISPLAY_DISCONNECTED, device: 'screen', severity: 'fault' }, o.report, o.log);
  }

  get raised(): boolean {
    return this.latch.raised;
  }

  /** One look at the connectors. */
  protected async look(): Promise<void> {
    const now = await readConnectors(this.drmDir);
    if (now.size === 0) {
      if (!this.saidNothingToJudge) this.o.log?.info(`display: no connectors under ${this.drmDir} (no <card>-<connector>/status): the display cable is not watched on this machine`);
      this.saidNothingToJudge = true;
      return;
    }
    const summary = [...now].map(([n, s]) => `${n} ${s}`).join(', ');
    if (summary !== this.last) this.o.log?.info(`display connectors: ${summary}`);
    this.last = summary;
    for (const [name, s] of now) if (s === 'connected') this.seenConnected.add(name);
    const { lost, allDisconnected } = judgeConnectors(now, this.seenConnected);
    const evidence = { drmDir: this.drmDir, connectors: Object.fromEntries(now) };
    if (lost.length > 0) this.latch.raise(`display connector ${lost.join(', ')} was connected and is now disconnected: check the display's power and cable`, evidence);
    else if (allDisconnected) this.latch.raise(`no display is connected (${[...now.keys()].join(', ')} all disconnected): check the display's power and cable`, evidence);
    else this.latch.clear(`display connected again (${summary})`);
  }
}
