import { describe, it, expect, afterEach } from 'vitest';
import { createServer } from 'node:net';
import { TcpLink } from './tcp.ts';
import { listenTcp, type TcpEndpoint } from '../../hardware-sim/tcp-endpoint.ts';
import { collectBytes, untilState } from './testing.ts';
import { DeviceFault, FaultCode } from '../../contracts/faults.ts';
import type { ByteLink } from './link.ts';

const fast = { initialMs: 10, maxMs: 100 };
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A port that nothing listens on (bound then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function nextLink(): { endpointOnLink: (l: ByteLink) => void; next(): Promise<ByteLink> } {
  const queue: ByteLink[] = [];
  const waiters: ((l: ByteLink) => void)[] = [];
  return {
    endpointOnLink: (l) => {
      const w = waiters.shift();
      if (w) w(l);
      else queue.push(l);
    },
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))),
  };
}

async function endpoint(port: number, onLink: (l: ByteLink) => void): Promise<TcpEndpoint> {
  const ep = await listenTcp({ port }, onLink);
  cleanup.push(() => ep.close());
  return ep;
}
function tcp(port: number, extra: Partial<ConstructorParameters<typeof TcpLink>[0]> = {}): TcpLink {
  const l = new TcpLink({ host: '127.0.0.1', port, reopen: fast, ...extra });
  cleanup.push(() => l.close());
  return l;
}

describe('TcpLink against listenTcp (real sockets)', () => {
  it('carries bytes both ways', async () => {
    const links = nextLink();
    const ep = await endpoint(0, links.endpointOnLink);
    expect(ep.port).toBeGreaterThan(0);
    const kiosk = tcp(ep.port);
    expect(kiosk.name).toBe(`tcp:127.0.0.1:${ep.port}`);
    await kiosk.open();
    const device = await links.next();
    expect(device.health.state).toBe('up');
    const atDevice = collectBytes(device);
    const atKiosk = collectBytes(kiosk);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await kiosk.write(all);
    await device.write(Uint8Array.of(0x37, 0x22, 1, 2, 3, 4, 0));
    expect(Array.from(await atDevice.until(256))).toEqual(Array.from(all));
    expect(Array.from(await atKiosk.until(7))).toEqual([0x37, 0x22, 1, 2, 3, 4, 0]);
  });

  it('device hangs up (EOF) → down; reconnects by itself; a restarted endpoint on the same port gets data', async () => {
    const links = nextLink();
    const ep = await listenTcp({ port: await freePort() }, links.endpointOnLink);
    const kiosk = tcp(ep.port);
    await kiosk.open();
    const first = await links.next();

    // device side closes the connection: EOF at the kiosk
    const down = untilState(kiosk, 'down');
    await first.close();
    expect((await down).lastError).toMatch(/EOF|closed/);
    // endpoint still listening: the link reconnects on its own
    await untilState(kiosk, 'up');
    const second = await links.next();
    const atDevice = collectBytes(second);
    await kiosk.write(Uint8Array.of(1, 2, 3));
    expect(Array.from(await atDevice.until(3))).toEqual([1, 2, 3]);

    // whole endpoint goes away: refused while down, with attempts counted
    const down2 = untilState(kiosk, 'down');
    await ep.close();
    await down2;
    await new Promise<void>((resolve) => {
      const off = kiosk.onHealth((h) => h.reopenAttempts >= 2 && (off(), resolve()));
    });
    expect(kiosk.health.lastError).toMatch(/ECONNREFUSED/);
    expect(kiosk.health.lastError).toMatch(/nothing listens on 127\.0\.0\.1:/);
    await expect(kiosk.write(Uint8Array.of(9))).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });

    // device back on the same port
    const up = untilState(kiosk, 'up');
    await endpoint(ep.port, links.endpointOnLink);
    await up;
    const third = await links.next();
    const atThird = collectBytes(third);
    const atKiosk = collectBytes(kiosk);
    await kiosk.write(Uint8Array.of(4, 5));
    await third.write(Uint8Array.of(6));
    expect(Array.from(await atThird.until(2))).toEqual([4, 5]);
    expect(Array.from(await atKiosk.until(1))).toEqual([6]);
  });

  it('failFast: refused first connect rejects with DEVICE_LINK_DOWN saying where and what to check', async () => {
    const port = await freePort();
    const kiosk = tcp(port, { failFast: true });
    const err = (await kiosk.open().catch((e: unknown) => e)) as DeviceFault;
    expect(err).toBeInstanceOf(DeviceFault);
    expect(err.code).toBe(FaultCode.DEVICE_LINK_DOWN);
    expect(err.detail).toContain(`127.0.0.1:${port}`);
    expect(err.detail).toMatch(/ECONNREFUSED/);
    expect(err.detail).toMatch(/check the device is powered/);
  });

  it('kiosk close() stops for good and the device side sees the hang-up', async () => {
    const links = nextLink();
    const ep = await endpoint(0, links.endpointOnLink);
    const kiosk = tcp(ep.port);
    await kiosk.open();
    const device = await links.next();
    const gone = untilState(device, 'down');
    await kiosk.close();
    await gone;
    expect(kiosk.health.state).toBe('closed');
    await expect(device.write(Uint8Array.of(1))).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });
  });
});
