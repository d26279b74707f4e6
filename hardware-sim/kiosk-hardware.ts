import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialLink } from '../drivers/transport/serial.ts';
import type { ByteLink } from '../drivers/transport/link.ts';
import { PtyCable } from './pty-cable.ts';
import { listenTcp } from './tcp-endpoint.ts';
import { startControlApi, type ControlApi, type ControllableDevice } from './control-api.ts';
import { SimControlError } from './control-error.ts';
import { SimulatedIdReader, type SimulatedIdReaderOptions } from './id-reader/simulator.ts';
import { SimulatedPrinter, type SimulatedPrinterOptions } from './printer/simulated-printer.ts';
import { SimulatedQrScanner } from './scanner/simulator.ts';
import { controlPanelHtml } from './control-panel.ts';
import { receiptPage } from './printer/render.ts';
import { PacedLink } from './paced-link.ts';
import { writeNoise } from './line-noise.ts';

export type SimDeviceName = 'idReader' | 'printer' | 'scanner';
export const SIM_DEVICE_NAMES: readonly SimDeviceName[] = ['idReader', 'printer', 'scanner'];

/** Serial settings the simulated devices use; the generated kiosk config matches them. */
export const SIM_BAUD: Record<SimDeviceName, number> = { idReader: 115200, printer: 115200, scanner: 9600 };

export interface KioskHardwareOptions {
  /** where the PTY symlinks, `sim.json` and `kiosk-devices.json` go (default $ZIZHU_SIM_DIR or <tmp>/zizhu-sim) */
  dir?: string;
  /** 'pty' (real serial ports via socat, default) or 'tcp' (loopback sockets) */
  link?: 'pty' | 'tcp';
  /** control API port on 127.0.0.1 (0 = any free port) */
  controlPort?: number;
  idReader?: SimulatedIdReaderOptions;
  printer?: SimulatedPrinterOptions;
}

/** The `devices` section of a kiosk config that reaches these simulated devices. */
export type SimDevicesConfig = Record<SimDeviceName, { transport: Record<string, unknown> } & Record<string, unknown>>;

export interface RunningKioskHardware {
  dir: string;
  idReader: SimulatedIdReader;
  printer: SimulatedPrinter;
  scanner: SimulatedQrScanner;
  /** where the kiosk's drivers connect, device by device, as kiosk-config transports */
  devicesConfig: SimDevicesConfig;
  control: ControlApi;
  /** what `zizhu sim` prints and writes to sim.json */
  describe(): SimDescription;
  close(): Promise<void>;
}

export interface SimDescription {
  pid: number;
  startedAt: string;
  link: 'pty' | 'tcp';
  controlUrl: string;
  ports: Record<SimDeviceName, string>;
  devicesConfig: SimDevicesConfig;
}

export function defaultSimDir(): string {
  return process.env.ZIZHU_SIM_DIR ?? join(tmpdir(), 'zizhu-sim');
}

/**
 * Adds `unplug`/`replug` (the cable) and `noise {bytes, seed}` (random bytes on its line toward the
 * kiosk, hardware-sim/line-noise.ts) to a simulated device's own control actions.
 */
function withCable(
  name: string,
  device: ControllableDevice,
  cable: { unplug(): Promise<void>; replug(): Promise<void>; readonly plugged: boolean } | undefined,
  line: () => ByteLink | undefined,
): ControllableDevice {
  return {
    state: () => (cable ? { ...(device.state() as object), cable: cable.plugged ? 'plugged' : 'unplugged' } : device.state()),
    control: async (action, body) => {
      if (action === 'noise') return writeNoise(name, line(), body);
      if (action === 'unplug' || action === 'replug') {
        if (!cable) throw new SimControlError(`${name}: ${action} needs the PTY link (this simulator runs over TCP)`);
        await (action === 'unplug' ? cable.unplug() : cable.replug());
        return null;
      }
      return device.control(action, body);
    },
  };
}

/**
 * Starts the three simulated devices, each on its own link, plus the loopback control API.
 * Over PTYs, the kiosk side of each pair is a stable symlink in `dir` (`id-reader`, `printer`,
 * `scanner`), exactly what a kiosk config names as a serial path.
 */
export async function startKioskHardware(opts: KioskHardwareOptions = {}): Promise<RunningKioskHardware> {
  const dir = opts.dir ?? defaultSimDir();
  const linkKind = opts.link ?? 'pty';
  await mkdir(dir, { recursive: true });

  const idReader = new SimulatedIdReader({ baudRate: SIM_BAUD.idReader, ...opts.idReader });
  const printer = new SimulatedPrinter({ ...opts.printer });
  const cables: Partial<Record<SimDeviceName, PtyCable>> = {};
  const simLinks: ByteLink[] = [];
  /** each device's own end of its line (where `noise` writes) */
  const lines: Partial<Record<SimDeviceName, ByteLink>> = {};
  const closers: (() => Promise<void>)[] = [];
  const ports = {} as Record<SimDeviceName, string>;
  const transports = {} as Record<SimDeviceName, Record<string, unknown>>;

  // the control port first: when it is taken, nothing else (no socat) has been started
  const controllable = {} as Record<SimDeviceName, ControllableDevice>;
  const control = await startControlApi(controllable, {
    port: opts.controlPort ?? 0,
    panelHtml: () => controlPanelHtml(),
    extraRoutes: (app) => {
      app.get('/devices/printer/receipts/latest.html', async (_req, reply) => {
        reply.type('text/html; charset=utf-8');
        return receiptPage(printer.lastReceipt());
      });
    },
  });

  let scanner: SimulatedQrScanner;
  try {
    if (linkKind === 'pty') {
      for (const name of SIM_DEVICE_NAMES) {
        const file = name === 'idReader' ? 'id-reader' : name;
        const cable = new PtyCable({ kioskLink: join(dir, file), simLink: join(dir, `${file}.sim`) });
        await cable.replug();
        cables[name] = cable;
        closers.push(() => cable.unplug());
        ports[name] = cable.paths.kioskLink;
        transports[name] = { type: 'serial', path: cable.paths.kioskLink, baudRate: SIM_BAUD[name] };
      }
      scanner = new SimulatedQrScanner({ transport: 'serial', terminator: 'CR', cable: cables.scanner! });
      const devices = { idReader, printer, scanner } as const;
      for (const name of SIM_DEVICE_NAMES) {
        // the simulator's own end reconnects by itself after unplug/replug, like the kiosk's
        const link = new SerialLink({ path: cables[name]!.paths.simLink, baudRate: SIM_BAUD[name], reopen: { initialMs: 50, maxMs: 500 }, probeMs: 200 });
        await link.open();
        simLinks.push(link);
        lines[name] = link;
        // the ID reader paces its own bytes; the printer's replies get their UART wire time here
        devices[name].attach(name === 'printer' ? new PacedLink(link, SIM_BAUD.printer) : link);
      }
    } else {
      scanner = new SimulatedQrScanner({ transport: 'serial', terminator: 'CR' });
      const devices = { idReader, printer, scanner } as const;
      for (const name of SIM_DEVICE_NAMES) {
        const endpoint = await listenTcp({ host: '127.0.0.1', port: 0 }, (link) => {
          simLinks.push(link);
          lines[name] = link;
          devices[name].attach(link);
        });
        closers.push(() => endpoint.close());
        ports[name] = `127.0.0.1:${endpoint.port}`;
        transports[name] = { type: 'tcp', host: '127.0.0.1', port: endpoint.port };
      }
    }
  } catch (e) {
    await Promise.allSettled([control.close(), ...simLinks.map((l) => l.close()), ...closers.map((c) => c())]);
    throw e;
  }

  const devicesConfig: SimDevicesConfig = {
    idReader: { transport: transports.idReader, pollIntervalMs: 200 },
    printer: { transport: transports.printer, profile: printer.profile },
    scanner: { transport: transports.scanner, mode: 'serial', lineTerminator: 'CR' },
  };

  Object.assign(controllable, {
    idReader: withCable('idReader', idReader, cables.idReader, () => lines.idReader),
    printer: withCable('printer', printer, cables.printer, () => lines.printer),
    scanner: withCable('scanner', scanner, undefined, () => lines.scanner),
  });

  const startedAt = new Date().toISOString();
  const describe = (): SimDescription => ({ pid: process.pid, startedAt, link: linkKind, controlUrl: control.url, ports, devicesConfig });
  await writeFile(join(dir, 'sim.json'), `${JSON.stringify(describe(), null, 2)}\n`);

  let closed = false;
  return {
    dir,
    idReader,
    printer,
    scanner,
    devicesConfig,
    control,
    describe,
    async close() {
      if (closed) return;
      closed = true;
      await control.close();
      for (const d of [idReader, printer, scanner]) d.detach();
      await Promise.allSettled(simLinks.map((l) => l.close()));
      await Promise.allSettled(closers.map((c) => c()));
      await rm(join(dir, 'sim.json'), { force: true });
    },
  };
}
