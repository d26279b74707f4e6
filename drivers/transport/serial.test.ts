import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, type PtyPair } from '../../hardware-sim/pty.ts';
import { SerialLink } from './serial.ts';
import { collectBytes, untilState } from './testing.ts';
import { DeviceFault, FaultCode } from '../../contracts/faults.ts';
import type { LinkHealth } from './link.ts';

const fast = { initialMs: 10, maxMs: 100 };
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function tmpPaths() {
  const dir = mkdtempSync(join(tmpdir(), 'zizhu-serial-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return { kioskLink: join(dir, 'kiosk'), simLink: join(dir, 'sim') };
}
async function pair(paths: { kioskLink: string; simLink: string }): Promise<PtyPair> {
  const p = await openPtyPair(paths);
  cleanup.push(() => p.close());
  return p;
}
function link(path: string, extra: Partial<ConstructorParameters<typeof SerialLink>[0]> = {}): SerialLink {
  const l = new SerialLink({ path, baudRate: 115200, reopen: fast, ...extra });
  cleanup.push(() => l.close());
  return l;
}

describe('SerialLink over real PTYs', () => {
  it('carries bytes both ways, including every byte value', async () => {
    const paths = tmpPaths();
    await pair(paths);
    const kiosk = link(paths.kioskLink);
    const sim = link(paths.simLink);
    await Promise.all([kiosk.open(), sim.open()]);
    expect(kiosk.health.state).toBe('up');
    expect(kiosk.name).toBe(`serial:${paths.kioskLink}@115200`);
    const atSim = collectBytes(sim);
    const atKiosk = collectBytes(kiosk);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await kiosk.write(all);
    await sim.write(Uint8Array.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]));
    expect(Array.from(await atSim.until(256))).toEqual(Array.from(all));
    expect(Array.from(await atKiosk.until(5))).toEqual([0xaa, 0xaa, 0xaa, 0x96, 0x69]);
  });

  it('goes down on unplug, reports it, and comes back by itself on the same path', async () => {
    const paths = tmpPaths();
    const first = await openPtyPair(paths);
    const kiosk = link(paths.kioskLink);
    const sim = link(paths.simLink);
    const seen: LinkHealth[] = [];
    kiosk.onHealth((h) => seen.push(h));
    await Promise.all([kiosk.open(), sim.open()]);

    const down = untilState(kiosk, 'down');
    const simDown = untilState(sim, 'down');
    await first.close(); // unplug: socat gone, both PTYs and their symlinks vanish
    const h = await down;
    await simDown;
    expect(h.lastError).toContain(paths.kioskLink);
    await expect(kiosk.write(Uint8Array.of(1))).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });

    // while unplugged it keeps trying, and says so
    await new Promise<void>((resolve) => {
      const off = kiosk.onHealth((x) => x.reopenAttempts >= 2 && (off(), resolve()));
    });
    expect(kiosk.health.lastError).toMatch(/No such file|ENOENT/);

    // replug: a new pair on the same paths
    const up = untilState(kiosk, 'up');
    await pair(paths);
    await Promise.all([up, untilState(sim, 'up')]);
    expect(kiosk.health.reopenAttempts).toBe(0);
    const atSim = collectBytes(sim);
    const atKiosk = collectBytes(kiosk);
    await kiosk.write(new TextEncoder().encode('again'));
    await sim.write(new TextEncoder().encode('back'));
    expect(new TextDecoder().decode(await atSim.until(5))).toBe('again');
    expect(new TextDecoder().decode(await atKiosk.until(4))).toBe('back');
    expect(seen.map((x) => x.state)).toEqual(expect.arrayContaining(['up', 'down', 'connecting']));
    expect(seen.at(-1)?.state).toBe('up');
  });

  it('first open keeps retrying until the port appears', async () => {
    const paths = tmpPaths();
    const kiosk = link(paths.kioskLink);
    const opened = kiosk.open();
    await new Promise<void>((resolve) => {
      const off = kiosk.onHealth((x) => x.state === 'down' && x.reopenAttempts >= 1 && (off(), resolve()));
    });
    expect(kiosk.health.lastError).toContain(`check that the device is plugged in and that ${paths.kioskLink} exists`);
    await pair(paths);
    await opened;
    expect(kiosk.health.state).toBe('up');
  });

  it('failFast: first open rejects with DEVICE_LINK_DOWN naming the path, the OS error and what to check', async () => {
    const paths = tmpPaths();
    const kiosk = link(paths.kioskLink, { failFast: true });
    const err = await kiosk.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeviceFault);
    const f = err as DeviceFault;
    expect(f.code).toBe(FaultCode.DEVICE_LINK_DOWN);
    expect(f.detail).toContain(paths.kioskLink);
    expect(f.detail).toMatch(/No such file or directory/);
    expect(f.detail).toMatch(/check that the device is plugged in/);
    expect(kiosk.health.state).toBe('down');
  });

  it('close() stops for good: no reopen, writes and open() refuse', async () => {
    const paths = tmpPaths();
    await pair(paths);
    const kiosk = link(paths.kioskLink);
    await kiosk.open();
    await kiosk.close();
    expect(kiosk.health.state).toBe('closed');
    await expect(kiosk.write(Uint8Array.of(1))).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });
    await expect(kiosk.open()).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });
    // the kiosk side survives our close (ignoreeof), so another link can open it again
    const again = link(paths.kioskLink);
    await again.open();
    expect(again.health.state).toBe('up');
  });

  it('close() while the first open is still retrying rejects that open()', async () => {
    const paths = tmpPaths();
    const kiosk = link(paths.kioskLink);
    const opened = kiosk.open();
    await kiosk.close();
    await expect(opened).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });
  });
});
