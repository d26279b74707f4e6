import { ReconnectingLink, type Connection, type ConnectionEvents, type LinkOptions } from './reconnecting.ts';

/**
 * The narrow seam to node-hid: the device object `HIDAsync.open()` returns (node-hid 3).
 * node-hid's sync `HID.HID` also fits (its write returns a number, close returns void).
 * - 'data': one input report per event, a Buffer; with numbered reports the first byte is the report id.
 * - 'error': the read thread failed (unplug); node-hid passes a string, e.g.
 *   "could not read from HID device: hid_read_timeout: unexpected poll error (device disconnected)".
 * - write(report): one output report, first byte the report id (0x00 when the device has none).
 */
export interface HidDeviceObject {
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  removeAllListeners(event?: string): unknown;
  write(values: number[] | Buffer): Promise<number> | number;
  close(): Promise<void> | void;
}

export interface HidTarget {
  vendorId: number;
  productId: number;
  /** hidraw path (e.g. /dev/hidraw3) when several identical devices are attached */
  path?: string;
}

export interface HidLinkOptions extends LinkOptions, HidTarget {
  /** how to open the device; defaults to node-hid's HIDAsync.open (tests inject a fake device object here) */
  openDevice?: (target: HidTarget) => Promise<HidDeviceObject>;
}

/** What node-hid reports about an attached HID device. */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  release: number;
  interface: number;
  usagePage?: number;
  usage?: number;
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

async function openWithNodeHid(target: HidTarget): Promise<HidDeviceObject> {
  const { HIDAsync } = await import('node-hid');
  return target.path ? HIDAsync.open(target.path) : HIDAsync.open(target.vendorId, target.productId);
}

/** Attached HID devices, optionally filtered (usage page 0x8C = HID-POS barcode scanners). */
export async function listHidDevices(filter: { vendorId?: number; productId?: number; usagePage?: number } = {}): Promise<HidDeviceInfo[]> {
  const { devicesAsync } = await import('node-hid');
  const all = (await devicesAsync()) as HidDeviceInfo[];
  return all.filter(
    (d) =>
      (filter.vendorId === undefined || d.vendorId === filter.vendorId) &&
      (filter.productId === undefined || d.productId === filter.productId) &&
      (filter.usagePage === undefined || d.usagePage === filter.usagePage),
  );
}

/**
 * A USB HID device as a ByteLink: each input report is one data chunk (report id first),
 * each write is one output report. Reopens after 'error' (unplug) with backoff.
 */
export class HidLink extends ReconnectingLink {
  readonly name: string;
  private readonly openDevice: (target: HidTarget) => Promise<HidDeviceObject>;

  constructor(private readonly opts: HidLinkOptions) {
    super(opts);
    this.name = `hid:${hex4(opts.vendorId)}:${hex4(opts.productId)}${opts.path ? `@${opts.path}` : ''}`;
    this.openDevice = opts.openDevice ?? openWithNodeHid;
  }

  protected hint(_error: unknown): string {
    return (
      `check that the device ${hex4(this.opts.vendorId)}:${hex4(this.opts.productId)} is plugged in (lsusb), ` +
      `that a scanner is set to HID-POS mode (not keyboard), and that the kiosk user may open /dev/hidraw* (udev rule)`
    );
  }

  protected async connect(events: ConnectionEvents): Promise<Connection> {
    const target: HidTarget = { vendorId: this.opts.vendorId, productId: this.opts.productId, ...(this.opts.path ? { path: this.opts.path } : {}) };
    let device: HidDeviceObject;
    try {
      device = await this.openDevice(target);
    } catch (e) {
      throw new Error(`${this.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    let closing = false;
    device.on('data', (data: Buffer) => events.data(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    device.on('error', (err: unknown) => {
      if (!closing) events.lost(new Error(`${this.name}: ${err instanceof Error ? err.message : String(err)}`));
    });
    return {
      write: async (bytes) => {
        await device.write(Buffer.from(bytes));
      },
      close: async () => {
        closing = true;
        device.removeAllListeners('data');
        try {
          await device.close();
        } catch {
          // already gone (unplugged)
        }
      },
    };
  }
}
