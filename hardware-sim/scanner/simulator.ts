import { z } from 'zod';
import iconv from 'iconv-lite';
import type { ByteLink } from '../../drivers/transport/link.ts';
import { encodeHidPosReports, terminatorBytes, type HidPosLayoutName, type LineTerminator } from '../../drivers/scanner/protocol.ts';
import { classifyScan, redactScan, type ScanKind } from '../../drivers/scanner/classify.ts';
import { concatBytes } from '../../drivers/transport/bytes.ts';
import { SimControlError } from '../control-error.ts';
import { FakeHidPort } from './fake-hid-device.ts';

/** Something that can be pulled out and plugged back in (a PtyCable for serial scanners). */
export interface SimCable {
  readonly plugged: boolean;
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

export interface SimulatedQrScannerOptions {
  /** 'serial': USB-CDC line mode over a ByteLink; 'hid-pos': input reports to a fake node-hid device */
  transport: 'serial' | 'hid-pos';
  /** serial suffix, default 'CR' */
  terminator?: LineTerminator;
  /** HID-POS report layout, default 'honeywell' */
  layout?: HidPosLayoutName;
  /** serial only: the cable `disconnect`/`reconnect` pull and plug (e.g. a PtyCable) */
  cable?: SimCable;
}

export const SIM_SYMBOLOGIES = ['qr', 'data-matrix', 'pdf417', 'code128', 'ean13'] as const;
export type SimSymbology = (typeof SIM_SYMBOLOGIES)[number];

/** AIM id and vendor Code ID a real scanner puts in the report for each symbology. */
const IDS: Record<SimSymbology, { aim: string; honeywell: string; newland: string }> = {
  qr: { aim: ']Q1', honeywell: 's', newland: 'Q' },
  'data-matrix': { aim: ']d1', honeywell: 'w', newland: 'u' },
  pdf417: { aim: ']L0', honeywell: 'r', newland: 'r' },
  code128: { aim: ']C0', honeywell: 'j', newland: 'j' },
  ean13: { aim: ']E0', honeywell: 'd', newland: 'd' },
};

const controlSchemas = {
  scan: z
    .object({
      text: z.string().min(1).max(7089),
      symbology: z.enum(SIM_SYMBOLOGIES).default('qr'),
      encoding: z.enum(['utf8', 'gb18030']).default('utf8'),
      /** presentation-mode scanners read the same phone screen several times */
      repeat: z.number().int().min(1).max(100).default(1),
    })
    .strict(),
  raw: z.object({ hex: z.string().regex(/^([0-9a-fA-F]{2}\s?)+$/, 'hex bytes, e.g. "02 05 41"') }).strict(),
  disconnect: z.object({}).strict(),
  reconnect: z.object({}).strict(),
} as const;
export type SimScannerAction = keyof typeof controlSchemas;
export const SIM_SCANNER_ACTIONS = Object.keys(controlSchemas) as SimScannerAction[];

export interface SimScannerState {
  device: 'scanner';
  transport: 'serial' | 'hid-pos';
  terminator?: LineTerminator;
  layout?: HidPosLayoutName;
  attached: boolean;
  link?: string;
  plugged: boolean;
  counters: { scans: number; undelivered: number; reportsSent: number; bytesSent: number };
  lastScan?: { kind: ScanKind; code: string; delivered: boolean };
}

export interface ScanDelivery {
  delivered: boolean;
  /** why not, when not */
  reason?: string;
}

/**
 * A QR scanner that emits codes the way real ones do, using the drivers' codec: over serial
 * as text + suffix, or over USB HID-POS as 64-byte input reports on a fake node-hid device
 * object (the one seam where no real part can run here).
 */
export class SimulatedQrScanner {
  readonly transport: 'serial' | 'hid-pos';
  readonly terminator: LineTerminator;
  readonly layout: HidPosLayoutName;
  private readonly cable: SimCable | undefined;
  private link: ByteLink | undefined;
  private port: FakeHidPort | undefined;
  private counters = { scans: 0, undelivered: 0, reportsSent: 0, bytesSent: 0 };
  private lastScan: SimScannerState['lastScan'];

  constructor(opts: SimulatedQrScannerOptions) {
    this.transport = opts.transport;
    this.terminator = opts.terminator ?? 'CR';
    this.layout = opts.layout ?? 'honeywell';
    this.cable = opts.cable;
  }

  /** serial: the sim side of a PTY pair or a TCP connection; hid-pos: the fake USB port the kiosk's HidLink opens */
  attach(target: ByteLink | FakeHidPort): void {
    this.detach();
    if (target instanceof FakeHidPort) {
      if (this.transport !== 'hid-pos') throw new TypeError('a serial scanner attaches to a ByteLink, not a FakeHidPort');
      this.port = target;
    } else {
      if (this.transport !== 'serial') throw new TypeError('a HID-POS scanner attaches to a FakeHidPort (the node-hid seam), not a ByteLink');
      this.link = target;
    }
  }

  detach(): void {
    this.link = undefined;
    this.port = undefined;
  }

  get plugged(): boolean {
    if (this.transport === 'hid-pos') return this.port?.isPlugged ?? false;
    return this.cable ? this.cable.plugged : this.link !== undefined;
  }

  /** Read one code (like holding a phone under the scanner): text + suffix, or HID-POS reports. */
  async scan(text: string, opts: { symbology?: SimSymbology; encoding?: 'utf8' | 'gb18030'; repeat?: number } = {}): Promise<ScanDelivery> {
    const bytes = opts.encoding === 'gb18030' ? Uint8Array.from(iconv.encode(text, 'gb18030')) : new TextEncoder().encode(text);
    const ids = IDS[opts.symbology ?? 'qr'];
    let result: ScanDelivery = { delivered: true };
    for (let i = 0; i < (opts.repeat ?? 1); i++) {
      result = this.transport === 'hid-pos' ? this.sendReports(encodeHidPosReports(this.layout, bytes, { aim: ids.aim, codeId: ids[this.layout] })) : await this.sendSerial(concatBytes([bytes, terminatorBytes(this.terminator)]));
      if (!result.delivered) break;
    }
    this.counters.scans++;
    if (!result.delivered) this.counters.undelivered++;
    const kind = classifyScan(text);
    this.lastScan = { kind, code: redactScan(text, kind), delivered: result.delivered };
    return result;
  }

  /** Send bytes as they are: serial bytes, or one raw input report (fault injection). */
  async sendRaw(bytes: Uint8Array): Promise<ScanDelivery> {
    return this.transport === 'hid-pos' ? this.sendReports([bytes]) : this.sendSerial(bytes);
  }

  /** Pull the USB cable. */
  async disconnect(): Promise<void> {
    if (this.transport === 'hid-pos') {
      if (!this.port) throw new SimControlError('scanner disconnect: not attached to a USB port');
      this.port.unplug();
      return;
    }
    if (!this.cable) throw new SimControlError('scanner disconnect: this serial scanner has no cable to pull (start it with a PtyCable)');
    await this.cable.unplug();
  }

  /** Plug it back in. */
  async reconnect(): Promise<void> {
    if (this.transport === 'hid-pos') {
      if (!this.port) throw new SimControlError('scanner reconnect: not attached to a USB port');
      this.port.replug();
      return;
    }
    if (!this.cable) throw new SimControlError('scanner reconnect: this serial scanner has no cable to plug (start it with a PtyCable)');
    await this.cable.replug();
  }

  state(): SimScannerState {
    const link = this.link?.name ?? (this.port ? `fake-hid:${this.port.info.vendorId.toString(16).padStart(4, '0')}:${this.port.info.productId.toString(16).padStart(4, '0')}` : undefined);
    return {
      device: 'scanner',
      transport: this.transport,
      ...(this.transport === 'serial' ? { terminator: this.terminator } : { layout: this.layout }),
      attached: this.link !== undefined || this.port !== undefined,
      ...(link ? { link } : {}),
      plugged: this.plugged,
      counters: { ...this.counters },
      ...(this.lastScan ? { lastScan: { ...this.lastScan } } : {}),
    };
  }

  async control(action: string, body: unknown): Promise<unknown> {
    if (!(action in controlSchemas)) throw new SimControlError(`unknown scanner action "${action}" (have: ${SIM_SCANNER_ACTIONS.join(', ')})`);
    const parsed = controlSchemas[action as SimScannerAction].safeParse(body ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
      throw new SimControlError(`scanner ${action}: bad body: ${issues}`);
    }
    switch (action as SimScannerAction) {
      case 'scan': {
        const b = parsed.data as z.infer<typeof controlSchemas.scan>;
        return this.scan(b.text, { symbology: b.symbology, encoding: b.encoding, repeat: b.repeat });
      }
      case 'raw': {
        const b = parsed.data as z.infer<typeof controlSchemas.raw>;
        return this.sendRaw(Uint8Array.from(Buffer.from(b.hex.replace(/\s+/g, ''), 'hex')));
      }
      case 'disconnect':
        await this.disconnect();
        return { plugged: this.plugged };
      case 'reconnect':
        await this.reconnect();
        return { plugged: this.plugged };
    }
  }

  private sendReports(reports: Uint8Array[]): ScanDelivery {
    const device = this.port?.device;
    if (!this.port) return { delivered: false, reason: 'not attached to a USB port' };
    if (!this.port.isPlugged) return { delivered: false, reason: 'unplugged' };
    if (!device) return { delivered: false, reason: 'the kiosk has not opened the device' };
    for (const r of reports) {
      if (!device.sendInputReport(r)) return { delivered: false, reason: 'device closed while sending' };
      this.counters.reportsSent++;
      this.counters.bytesSent += r.length;
    }
    return { delivered: true };
  }

  private async sendSerial(bytes: Uint8Array): Promise<ScanDelivery> {
    if (!this.link) return { delivered: false, reason: 'not attached to a link' };
    if (this.cable && !this.cable.plugged) return { delivered: false, reason: 'unplugged' };
    try {
      await this.link.write(bytes);
    } catch (e) {
      return { delivered: false, reason: (e as Error).message };
    }
    this.counters.bytesSent += bytes.length;
    return { delivered: true };
  }
}
