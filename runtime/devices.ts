import type { DeviceFaultsConfig, KioskConfig } from '../kiosk-config/schema.ts';
import type { ByteLink } from '../drivers/transport/link.ts';
import { IdCardReader } from '../drivers/id-reader/device.ts';
import { ReceiptPrinter } from '../drivers/printer/device.ts';
import { QrScanner } from '../drivers/scanner/device.ts';
import { linkForTransport, type LinkFactoryOptions } from './links.ts';

export interface DriverLog {
  debug?(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/**
 * The kiosk's three devices as drivers over their configured links; any may be absent. The links
 * belong to this object, not to the drivers: `openKioskDevices` opens them, `close()` closes the
 * drivers first (they unsubscribe) and then the links.
 */
export interface KioskDevices {
  idReader?: IdCardReader;
  printer?: ReceiptPrinter;
  scanner?: QrScanner;
  links: ByteLink[];
  close(): Promise<void>;
}

export interface OpenDevicesOptions extends LinkFactoryOptions {
  log?: DriverLog;
  /** how long to wait for a link's first open before carrying on with it down (it keeps retrying) */
  openTimeoutMs?: number;
  /** issue 11: how the drivers judge status-derived faults and line noise (config agent.deviceFaults; default the drivers' own) */
  faults?: DeviceFaultsConfig;
}

/** The drivers' options for `agent.deviceFaults`. */
function faultOptions(f: DeviceFaultsConfig | undefined) {
  if (!f) return {};
  return {
    confirmReads: f.confirmReads,
    lineNoise: { windowMs: f.noiseWindowMs, windows: f.noiseWindows, noisyWindowsToRaise: f.noisyWindowsToRaise, quietWindowsToClear: f.quietWindowsToClear },
  };
}

async function openWithin(link: ByteLink, ms: number): Promise<void> {
  // A failed or slow first open is not fatal: the link reopens by itself and the driver reports it as
  // DEVICE_LINK_DOWN until then. Only failFast callers (the doctor) see the rejection as a fault.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    link.open().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * The one place configured devices become running drivers (the agent and `zizhu doctor` both use it),
 * and the one place their links are opened and closed.
 */
export async function openKioskDevices(devices: KioskConfig['devices'], opts: OpenDevicesOptions = {}): Promise<KioskDevices> {
  const links: ByteLink[] = [];
  const openTimeoutMs = opts.openTimeoutMs ?? 3000;
  const log = opts.log;
  const faults = faultOptions(opts.faults);
  const result: KioskDevices = {
    links,
    async close() {
      await Promise.allSettled([result.idReader?.close(), result.scanner?.close(), result.printer?.close()]);
      await Promise.allSettled(links.map((l) => l.close()));
    },
  };
  if (devices.idReader) {
    const link = linkForTransport(devices.idReader.transport, opts);
    links.push(link);
    await openWithin(link, openTimeoutMs);
    result.idReader = new IdCardReader({ link, pollIntervalMs: devices.idReader.pollIntervalMs, ...faults, ...(log ? { log } : {}) });
  }
  if (devices.printer) {
    const link = linkForTransport(devices.printer.transport, opts);
    links.push(link);
    await openWithin(link, openTimeoutMs);
    const p = devices.printer;
    result.printer = new ReceiptPrinter({
      link,
      profile: p.profile,
      completionTimeoutMs: p.completionTimeoutMs,
      notDeliveringAfter: p.notDeliveringAfterJobs,
      takeTimeoutMs: p.takeTimeoutSeconds * 1000,
      ...faults,
    });
    // ASB and a status read now if the link is up, else when it comes up
    await result.printer.start();
  }
  if (devices.scanner) {
    const s = devices.scanner;
    const link = linkForTransport(s.transport, opts);
    links.push(link);
    await openWithin(link, openTimeoutMs);
    result.scanner = new QrScanner({
      link,
      mode: s.mode,
      hidLayout: s.layout,
      terminator: s.lineTerminator,
      duplicateWindowMs: s.duplicateWindowMs,
      ...(faults.lineNoise ? { lineNoise: faults.lineNoise } : {}),
      ...(log ? { log } : {}),
    });
  }
  return result;
}
