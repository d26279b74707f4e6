import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import type { AnyFaultChange } from '../hq-events.ts';
import { DEFAULT_DISK_THRESHOLDS, diskSpaceOf, DiskSpaceWatch, judgeDiskSpace, type DiskSpace } from './disk-space.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const space = (freeMiB: number, totalMiB: number): DiskSpace => ({ freeBytes: freeMiB * MiB, totalBytes: totalMiB * MiB });

describe('judgeDiskSpace (200 MiB or 5 %, hysteresis 50 MiB and 1 %)', () => {
  const t = DEFAULT_DISK_THRESHOLDS;
  it('low below either threshold', () => {
    expect(judgeDiskSpace(space(150, 64 * 1024), t)).toBe('low'); // 150 MiB of 64 GiB: below the size
    expect(judgeDiskSpace(space(3000, 64 * 1024), t)).toBe('low'); // 4.6 %: below the share
  });
  it('between the threshold and the threshold plus hysteresis: neither', () => {
    expect(judgeDiskSpace(space(220, 1024), t)).toBe('between');
    expect(judgeDiskSpace({ freeBytes: 0.055 * 64 * GiB, totalBytes: 64 * GiB }, t)).toBe('between');
  });
  it('ok above both by the hysteresis', () => {
    expect(judgeDiskSpace(space(10_000, 64 * 1024), t)).toBe('ok');
  });
  it('a threshold set to 0 is not judged', () => {
    expect(judgeDiskSpace(space(10, 100_000), { ...t, minFreeMiB: 0, minFreePercent: 0 })).toBe('ok');
    expect(judgeDiskSpace(space(10, 100_000), { ...t, minFreePercent: 0 })).toBe('low');
  });
});

describe('DiskSpaceWatch', () => {
  function watch(spaces: (DiskSpace | Error)[]) {
    const changes: AnyFaultChange[] = [];
    const warned: string[] = [];
    const w = new DiskSpaceWatch({
      dir: '/var/lib/zizhu',
      report: (c) => changes.push(c),
      log: { info: () => {}, warn: (m) => warned.push(m) },
      spaceOf: async () => {
        const s = spaces.shift()!;
        if (s instanceof Error) throw s;
        return s;
      },
    });
    return { w, changes, warned };
  }

  it('raises once while low, keeps it in the hysteresis band, clears once above it', async () => {
    const { w, changes } = watch([space(5000, 10_000), space(150, 10_000), space(100, 10_000), space(600, 10_000), space(5000, 10_000), space(5000, 10_000)]);
    for (let i = 0; i < 6; i++) await w.check();
    expect(changes.map((c) => c.change)).toEqual(['raised', 'cleared']);
    expect(changes[0]).toMatchObject({ code: 'DISK_LOW', device: 'agent', severity: 'warning' });
    expect(changes[0]!.detail).toMatch(/^150\.0 MiB free of 10000\.0 MiB \(1\.5 %\) on the disk of \/var\/lib\/zizhu; below 200 MiB or 5 %/);
    expect(changes[0]!.evidence).toMatchObject({ dir: '/var/lib/zizhu', freeBytes: 150 * MiB, totalBytes: 10_000 * MiB });
  });

  it('an unreadable disk is said once per error and raises nothing', async () => {
    const { w, changes, warned } = watch([new Error('ENOENT: no such file'), new Error('ENOENT: no such file'), space(100, 10_000)]);
    for (let i = 0; i < 3; i++) await w.check();
    expect(warned.filter((m) => /cannot be read/.test(m))).toEqual(['disk space of /var/lib/zizhu cannot be read: ENOENT: no such file']);
    expect(changes.map((c) => c.change)).toEqual(['raised']);
  });

  it('statfs of a real directory gives its free and total bytes', async () => {
    const s = await diskSpaceOf(tmpdir());
    expect(s.totalBytes).toBeGreaterThan(0);
    expect(s.freeBytes).toBeGreaterThanOrEqual(0);
    expect(s.freeBytes).toBeLessThanOrEqual(s.totalBytes);
  });
});
