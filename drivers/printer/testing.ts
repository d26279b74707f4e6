/**
 * Test support: the printer driver against the simulated printer over a real PTY pair (socat),
 * SerialLinks on both ends, the simulator parsing the ESC/POS bytes the driver sends.
 */
import type { DeviceFault } from '../../contracts/faults.ts';
import { openPtyPair, type PtyPair } from '../../hardware-sim/pty.ts';
import { SimulatedPrinter, type SimulatedPrinterOptions } from '../../hardware-sim/printer/simulated-printer.ts';
import { SerialLink } from '../transport/serial.ts';
import { type PrinterHealth, ReceiptPrinter, type ReceiptPrinterEvents, type ReceiptPrinterOptions } from './device.ts';
import type { PrintJob } from './job.ts';
import { type PrinterProfileName, printerProfile } from './profiles.ts';

export interface Rig {
  pty: PtyPair;
  kiosk: SerialLink;
  simLink: SerialLink;
  sim: SimulatedPrinter;
  printer: ReceiptPrinter;
  events: { name: keyof ReceiptPrinterEvents; arg: unknown }[];
  close(): Promise<void>;
}

export async function makeRig(
  profileName: PrinterProfileName = 'epson-generic',
  simOpts: SimulatedPrinterOptions = {},
  printerOpts: Partial<ReceiptPrinterOptions> = {},
  timeouts: Partial<ReturnType<typeof printerProfile>['timeouts']> = {},
): Promise<Rig> {
  const pty = await openPtyPair();
  const kiosk = new SerialLink({ path: pty.kioskPath, baudRate: 115200 });
  const simLink = new SerialLink({ path: pty.simPath, baudRate: 115200 });
  await Promise.all([kiosk.open(), simLink.open()]);
  const sim = new SimulatedPrinter({ profile: profileName, ...simOpts });
  sim.attach(simLink);
  const profile = printerProfile(profileName, { presenterPollMs: 20, timeouts: { statusMs: 400, presentMs: 1500, takeMs: 2000, ...timeouts } });
  const printer = new ReceiptPrinter({ link: kiosk, profile, healthPollMs: 0, ...printerOpts });
  const events: Rig['events'] = [];
  for (const name of ['status', 'fault', 'ticket', 'late-completion', 'job'] as const) printer.on(name, (arg: unknown) => events.push({ name, arg }));
  await printer.start();
  return {
    pty,
    kiosk,
    simLink,
    sim,
    printer,
    events,
    async close() {
      await printer.close();
      sim.detach();
      await Promise.all([kiosk.close(), simLink.close()]);
      await pty.close();
    },
  };
}

export async function rejection(p: Promise<unknown>): Promise<DeviceFault> {
  try {
    await p;
  } catch (e) {
    return e as DeviceFault;
  }
  throw new Error('expected the print to be rejected, it resolved');
}

/** Resolve when the driver's health matches; fail (not a timing assertion) if it never does. */
export function healthWhere(printer: ReceiptPrinter, match: (h: PrinterHealth) => boolean, guardMs = 15_000): Promise<PrinterHealth> {
  if (match(printer.health)) return Promise.resolve(printer.health);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`health never matched; now ${JSON.stringify(printer.health)}`)), guardMs);
    const on = (h: PrinterHealth) => {
      if (!match(h)) return;
      clearTimeout(timer);
      printer.off('status', on);
      resolve(h);
    };
    printer.on('status', on);
  });
}

export const small: PrintJob = { title: '测试小票', lines: [{ kind: 'text', text: '测试 ¥1.00' }] };
