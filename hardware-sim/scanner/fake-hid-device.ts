import { EventEmitter } from 'node:events';
import type { HidDeviceObject } from '../../drivers/transport/hid.ts';

/**
 * A stand-in for the device object node-hid 3's `HIDAsync.open()` returns, used only where
 * no real HID device node can exist (no /dev/uhid here). It mimics node-hid exactly at
 * that seam:
 * - 'data' carries one input report as a Buffer, emitted asynchronously (node-hid's read
 *   thread → threadsafe function); reports arrive only while someone listens for 'data'
 *   (node-hid starts its read loop on the first 'data' listener); until then the kernel
 *   queues them, up to 64 like hidraw's buffer (older ones are dropped).
 * - on unplug, 'error' carries a string (not an Error), as node-hid's read callback does.
 * - write() resolves with the number of bytes written; on a closed device it rejects with
 *   "device has been closed", on an unplugged one with "Cannot write to hid device".
 * - close() resolves and removes all listeners.
 */
export class FakeHidDevice extends EventEmitter implements HidDeviceObject {
  static readonly HIDRAW_QUEUE = 64;
  private closed = false;
  private unplugged = false;
  private readonly queued: Buffer[] = [];
  /** every output report written by the host, oldest first */
  readonly written: Buffer[] = [];

  constructor(readonly info: { vendorId: number; productId: number; path?: string } = { vendorId: 0x0c2e, productId: 0x0b61 }) {
    super();
    this.on('newListener', (event: string) => {
      if (event === 'data') setImmediate(() => this.flush());
    });
  }

  get isOpen(): boolean {
    return !this.closed && !this.unplugged;
  }

  async write(values: number[] | Buffer): Promise<number> {
    if (this.closed) throw new TypeError('device has been closed');
    if (this.unplugged) throw new Error('Cannot write to hid device: No such device');
    const report = Buffer.from(values);
    this.written.push(report);
    this.emit('output-report', report);
    return report.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.removeAllListeners();
  }

  /** Device side: send one input report to the host. Returns false if the device is closed or unplugged. */
  sendInputReport(report: Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.queued.push(Buffer.from(report));
    if (this.queued.length > FakeHidDevice.HIDRAW_QUEUE) this.queued.shift();
    setImmediate(() => this.flush());
    return true;
  }

  /** Device side: the cable is pulled. node-hid's read thread reports it as an 'error' string. */
  unplug(): void {
    if (!this.isOpen) return;
    this.unplugged = true;
    this.queued.length = 0;
    setImmediate(() => {
      if (!this.closed) this.emit('error', 'could not read from HID device: hid_read_timeout: unexpected poll error (device disconnected)');
    });
  }

  private flush(): void {
    while (this.isOpen && this.listenerCount('data') > 0 && this.queued.length > 0) this.emit('data', this.queued.shift()!);
  }
}

/**
 * A USB port a FakeHidDevice can be plugged into: `open` is the `openDevice` option for
 * HidLink. While unplugged, open rejects like node-hid does when no device matches.
 */
export class FakeHidPort {
  private current: FakeHidDevice | undefined;
  private plugged = true;
  private readonly listeners = new Set<(device: FakeHidDevice) => void>();

  constructor(readonly info: { vendorId: number; productId: number; path?: string } = { vendorId: 0x0c2e, productId: 0x0b61 }) {}

  /** the device object the host has open now, if any */
  get device(): FakeHidDevice | undefined {
    return this.current?.isOpen ? this.current : undefined;
  }

  get isPlugged(): boolean {
    return this.plugged;
  }

  readonly open = async (target: { vendorId: number; productId: number; path?: string }): Promise<FakeHidDevice> => {
    const matches = target.vendorId === this.info.vendorId && target.productId === this.info.productId && (!target.path || target.path === this.info.path);
    if (!this.plugged || !matches) {
      throw new TypeError(
        target.path
          ? `cannot open device with path ${target.path}`
          : `cannot open device with vendor id 0x${target.vendorId.toString(16)} and product id 0x${target.productId.toString(16)}`,
      );
    }
    const device = new FakeHidDevice(this.info);
    this.current = device;
    for (const l of this.listeners) l(device);
    return device;
  };

  /** called with each device object the host opens */
  onOpen(listener: (device: FakeHidDevice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  unplug(): void {
    this.plugged = false;
    this.current?.unplug();
  }

  replug(): void {
    this.plugged = true;
  }
}
