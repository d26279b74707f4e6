/**
 * Where the machine watch (this folder) is wired into the running kiosk, so the agent and the kiosk
 * process each need one call and one stop:
 *
 * - the agent (`runtime/agent.ts`): the evidence bundle on every fault (attached to the outbox as
 *   soon as the journal opens, the device lines tapped once they are open), then the disk the
 *   journal lives on (DISK_LOW) and the screens for the bundle;
 * - the kiosk process (`runtime/kiosk-process.ts`), which has the shell: the display connectors
 *   (DISPLAY_DISCONNECTED), the shell's GPU process (GPU_CRASHED) and the touch panel
 *   (TOUCH_UNRESPONSIVE).
 *
 * Every fault goes into the outbox as `fault.raised` / `fault.cleared` (runtime/hq-events.ts).
 */
import type { FaultCode } from '../../contracts/faults.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import type { Journal } from '../journal/journal.ts';
import type { KioskDevices } from '../devices.ts';
import type { Kiosk } from '../kiosk/kiosk.ts';
import type { RunningBridge } from '../bridge/server.ts';
import type { ShellConnection } from '../shell/types.ts';
import type { Now } from '../../state-machines/deadlines.ts';
import { faultEvent } from '../hq-events.ts';
import { FaultEvidence, ga467Filter, keepAll, withholdAll } from './evidence.ts';
import { DiskSpaceWatch } from './disk-space.ts';
import { DisplayConnectorWatch } from './display-connectors.ts';
import { GpuCrashWatch } from './gpu-crash.ts';
import { watchTouch } from './touch-health.ts';
import type { ReportFault, WatchLog } from './fault-latch.ts';
import type { WatchReport } from './watch-report.ts';

const reportTo = (journal: Pick<Journal, 'outbox'>): ReportFault => (c) => journal.outbox.enqueue(...faultEvent(c));

/** The evidence bundle, attached to the journal's outbox: call as soon as the journal is open. */
export function attachFaultEvidence(journal: Pick<Journal, 'outbox'>, now: Now, log?: WatchLog): FaultEvidence {
  const evidence = new FaultEvidence({ now, ...(log ? { log } : {}) });
  evidence.attachToOutbox(journal.outbox);
  return evidence;
}

/** Each open device's line feeds the bundle, through the filter its data needs (./evidence.ts). */
export function tapDeviceLines(evidence: FaultEvidence, devices: Pick<KioskDevices, 'idReader' | 'printer' | 'scanner'>): void {
  if (devices.printer) evidence.tapLine('printer', devices.printer.link, keepAll);
  if (devices.idReader) evidence.tapLine('idReader', devices.idReader.link, ga467Filter());
  if (devices.scanner) evidence.tapLine('scanner', devices.scanner.link, withholdAll);
}

export interface AgentWatchOptions {
  config: Pick<KioskConfig, 'watchdog'>;
  journal: Pick<Journal, 'outbox'>;
  /** the journal's directory */
  dataDir: string;
  evidence: FaultEvidence;
  kiosk?: Kiosk;
  bridge?: RunningBridge;
  log?: WatchLog;
}

/** The agent's part, once it runs: the journal's disk, and the screens for the bundle. */
export function startAgentWatch(o: AgentWatchOptions): { disk: DiskSpaceWatch; stop(): void } {
  if (o.kiosk) o.evidence.watchKiosk(o.kiosk);
  if (o.bridge) o.evidence.watchScreens(o.bridge);
  const { checkEveryMs, ...thresholds } = o.config.watchdog.disk;
  const disk = new DiskSpaceWatch({ dir: o.dataDir, thresholds, checkEveryMs, report: reportTo(o.journal), ...(o.log ? { log: o.log } : {}) }).start();
  return {
    disk,
    stop() {
      disk.stop();
      o.evidence.stop();
    },
  };
}

export interface KioskWatchOptions {
  config: Pick<KioskConfig, 'watchdog'>;
  journal: Pick<Journal, 'outbox'>;
  now: Now;
  devices: Pick<KioskDevices, 'idReader' | 'scanner'>;
  kiosk?: Kiosk;
  bridge?: RunningBridge;
  /** the screen's shell (absent: no GPU process to watch) */
  shell?: ShellConnection & { readonly gpuProcessUp?: boolean | null };
  /** the recovery ladder (runtime/watchdog/screen-recovery.ts); default: the GPU watch reloads the renderer */
  recover?: (code: typeof FaultCode.GPU_CRASHED, reason: string) => void;
  log?: WatchLog;
}

export interface KioskWatch {
  display: DisplayConnectorWatch;
  gpu?: GpuCrashWatch;
  touch?: ReturnType<typeof watchTouch>;
  stop(): void;
}

/** The kiosk process's part: display connectors, the shell's GPU process, the touch panel. */
export function startKioskWatch(o: KioskWatchOptions): KioskWatch {
  const report = reportTo(o.journal);
  const log = o.log ? { log: o.log } : {};
  const w = o.config.watchdog;
  const display = new DisplayConnectorWatch({ drmDir: w.display.drmDir, checkEveryMs: w.display.checkEveryMs, report, ...log }).start();
  const shell = o.shell;
  const gpu =
    shell && o.bridge
      ? new GpuCrashWatch({ shell, bridge: o.bridge, report, ...log, ...(o.recover ? { recover: o.recover } : {}), ...('gpuProcessUp' in shell ? { gpuUp: () => shell.gpuProcessUp ?? null } : {}) }).start()
      : undefined;
  const touch = o.kiosk
    ? watchTouch({
        kiosk: o.kiosk,
        ...(o.devices.idReader ? { idReader: o.devices.idReader } : {}),
        ...(o.devices.scanner ? { scanner: o.devices.scanner } : {}),
        inARow: w.touch.untouchedInARow,
        approachMs: w.touch.approachMs,
        now: o.now,
        report,
        ...log,
      })
    : undefined;
  return {
    display,
    ...(gpu ? { gpu } : {}),
    ...(touch ? { touch } : {}),
    stop() {
      display.stop();
      gpu?.stop();
      touch?.stop();
    },
  };
}

/**
 * The kiosk process's part of the heartbeat's `watch`: the screen watchdog's faults and codes, the
 * display's and the touch panel's; the GPU process's fault, which a screen proven after the start
 * speaks for as well (a crashed GPU process draws nothing).
 */
export function kioskWatchReport(w: KioskWatch, screen?: { faults: readonly string[]; checked: readonly FaultCode[] }): WatchReport {
  const parts = [w.display.latch.watchReport(), ...(w.touch ? [w.touch.latch.watchReport()] : []), ...(w.gpu ? [w.gpu.latch.watchReport()] : [])];
  const faults = [...((screen?.faults ?? []) as FaultCode[]), ...parts.flatMap((p) => p.faults)];
  const checked = [...(screen?.checked ?? []), ...parts.flatMap((p) => p.checked), ...(w.gpu && screen?.checked.length ? [w.gpu.latch.code] : [])];
  return { faults, checked };
}
