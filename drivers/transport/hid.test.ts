import { describe, it, expect, afterEach } from 'vitest';
import { HidLink, listHidDevices } from './hid.ts';
import { FakeHidPort, FakeHidDevice } from '../../hardware-sim/scanner/fake-hid-device.ts';
import { untilState } from './testing.ts';
import { DeviceFault, FaultCode } from '../../contracts/faults.ts';

const fast = { initialMs: 5, maxMs: 50 };
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
function hid(port: FakeHidPort, extra: Partial<ConstructorParameters<typeof HidLink>[0]> = {}): HidLink {
  const l = new HidLink({ vendorId: 0x0c2e, productId: 0x0b61, reopen: fast, openDevice: port.open, ...extra });
  cleanup.push(() => l.close());
  return l;
}
function nextChunks(link: HidLink, n: number): Promise<number[][]> {
  const got: number[][] = [];
  return new Promise((resolve) => {
    const off = link.onData((c) => {
      got.push(Array.from(c));
      if (got.length === n) {
        off();
        resolve(got);
      }
    });
  });
}

describe('HidLink over a node-hid device object', () => {
  it('one input report = one chunk (boundaries kept); one write = one output report', async () => {
    const port = new FakeHidPort();
    const link = hid(port);
    expect(link.name).toBe('hid:0c2e:0b61');
    await link.open();
    const chunks = nextChunks(link, 3);
    const dev = port.device!;
    dev.sendInputReport(Uint8Array.of(2, 3, 0x41, 0x42, 0x43));
    dev.sendInputReport(Uint8Array.of(2, 1, 0x44));
    dev.sendInputReport(Uint8Array.of(2, 0));
    expect(await chunks).toEqual([[2, 3, 0x41, 0x42, 0x43], [2, 1, 0x44], [2, 0]]);
    await link.write(Uint8Array.of(0x04, 0x01, 0x00));
    await link.write(Uint8Array.of(0x04, 0x02));
    expect(dev.written.map((b) => Array.from(b))).toEqual([[4, 1, 0], [4, 2]]);
  });

  it('unplug → down with the node-hid error; retries while unplugged; replug → up and data flows', async () => {
    const port = new FakeHidPort();
    const link = hid(port);
    await link.open();
    const first = port.device!;
    const down = untilState(link, 'down');
    port.unplug();
    expect((await down).lastError).toMatch(/device disconnected/);
    await expect(link.write(Uint8Array.of(0))).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });
    await new Promise<void>((resolve) => {
      const off = link.onHealth((h) => h.reopenAttempts >= 2 && (off(), resolve()));
    });
    expect(link.health.lastError).toMatch(/cannot open device with vendor id 0xc2e and product id 0xb61/);
    expect(link.health.lastError).toMatch(/HID-POS mode/);
    const up = untilState(link, 'up');
    port.replug();
    await up;
    const second = port.device!;
    expect(second).not.toBe(first);
    expect(second).toBeInstanceOf(FakeHidDevice);
    const chunks = nextChunks(link, 1);
    second.sendInputReport(Uint8Array.of(2, 1, 0x5a));
    expect(await chunks).toEqual([[2, 1, 0x5a]]);
  });

  it('close() closes the device object and stops for good', async () => {
    const port = new FakeHidPort();
    const link = hid(port);
    await link.open();
    const dev = port.device!;
    await link.close();
    expect(dev.isOpen).toBe(false);
    expect(link.health.state).toBe('closed');
    await expect(link.write(Uint8Array.of(0))).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });
  });

  it('with the real node-hid and no such device attached, failFast open names the ids and what to check', async () => {
    const link = new HidLink({ vendorId: 0xfffe, productId: 0xfffd, failFast: true });
    cleanup.push(() => link.close());
    const err = (await link.open().catch((e: unknown) => e)) as DeviceFault;
    expect(err).toBeInstanceOf(DeviceFault);
    expect(err.code).toBe(FaultCode.DEVICE_LINK_DOWN);
    expect(err.detail).toMatch(/hid:fffe:fffd/);
    expect(err.detail).toMatch(/cannot open device with vendor id 0xfffe and product id 0xfffd/);
    expect(err.detail).toMatch(/lsusb/);
  });

  it('listHidDevices asks node-hid and filters', async () => {
    const all = await listHidDevices();
    expect(Array.isArray(all)).toBe(true);
    const none = await listHidDevices({ vendorId: 0xfffe });
    expect(none).toEqual([]);
  });
});
