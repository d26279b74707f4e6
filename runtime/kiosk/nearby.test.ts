import { afterEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { loadKioskConfig, type KioskConfig } from '../../kiosk-config/schema.ts';
import type { ScreenMessage } from '../../contracts/bridge.ts';
import { Kiosk } from './kiosk.ts';
import { nearbyOpenAt, nextNearbyChange } from './nearby.ts';

const examples = join(import.meta.dirname, '..', '..', 'kiosk-config', 'examples');
const gov = loadKioskConfig(join(examples, 'gov-24h.json'));
const hospital = loadKioskConfig(join(examples, 'hospital-lobby.json'));
/** An instant given as Shanghai wall-clock time (the test never reads the machine's clock or zone). */
const sh = (local: string) => Date.parse(`${local}+08:00`);
const names = (config: KioskConfig, at: number) => nearbyOpenAt(config, at).map((n) => n.kiosk.name);

const HALL = '福田区行政服务大厅 自助终端';
const STREET = '莲花街道党群服务中心 自助终端';
const UPSTAIRS = '福田区政务服务中心 二楼 自助终端';

describe('nearby machines open now, nearest first', () => {
  it('Wednesday 10:00: all three, nearest first (not in config order)', () => {
    expect(names(gov, sh('2026-06-10T10:00:00'))).toEqual([UPSTAIRS, STREET, HALL]);
    expect(names(hospital, sh('2026-06-10T10:00:00'))).toEqual(['门诊楼二楼 自助机 5号', '急诊大厅 自助机']);
  });

  it('Wednesday 21:40: the 09:00–18:00 hall and the 08:30–17:30 machine are closed; only the 24-hour one', () => {
    expect(names(gov, sh('2026-06-10T21:40:00'))).toEqual([STREET]);
    expect(names(hospital, sh('2026-06-10T21:40:00'))).toEqual(['急诊大厅 自助机']);
  });

  it('weekends and listed holidays follow each machine\'s own hours', () => {
    expect(names(gov, sh('2026-06-13T10:00:00'))).toEqual([UPSTAIRS, STREET]); // Saturday
    expect(names(gov, sh('2026-06-13T12:30:00'))).toEqual([STREET]);
    expect(names(gov, sh('2026-10-01T10:00:00'))).toEqual([UPSTAIRS, STREET]); // 国庆节: the hall is closed
  });

  it('across the UTC/Shanghai date boundary (Thursday 07:30 Shanghai is Wednesday 23:30 UTC)', () => {
    expect(names(gov, sh('2026-06-11T07:30:00'))).toEqual([STREET]);
    expect(names(gov, sh('2026-06-11T08:30:00'))).toEqual([UPSTAIRS, STREET]);
  });

  it('none open: an empty list', () => {
    const halls = { ...gov, ui: { ...gov.ui, nearbyKiosks: gov.ui.nearbyKiosks.filter((k) => k.name !== STREET) } };
    expect(names(halls, sh('2026-06-10T21:40:00'))).toEqual([]);
    expect(nearbyOpenAt(halls, sh('2026-06-10T10:00:00')).map((n) => n.closesAt)).toEqual([sh('2026-06-10T17:30:00'), sh('2026-06-10T18:00:00')]);
  });

  it('the next instant the list changes', () => {
    expect(nextNearbyChange(gov, sh('2026-06-10T10:00:00'))).toBe(sh('2026-06-10T17:30:00'));
    expect(nextNearbyChange(gov, sh('2026-06-10T21:40:00'))).toBe(sh('2026-06-11T08:30:00'));
    expect(nextNearbyChange({ ...gov, ui: { ...gov.ui, nearbyKiosks: [] } }, sh('2026-06-10T21:40:00'))).toBeNull();
  });
});

describe('the kiosk screen lists them', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const start = (config: KioskConfig, now: () => number) => {
    const screens: ScreenMessage[] = [];
    const kiosk = new Kiosk({ config, selfTest: async () => ({}), now });
    kiosk.on('screen', (s: ScreenMessage) => screens.push(s));
    return { kiosk: kiosk.start(), screens };
  };

  it('at 21:40 only the open one, with its hours in words; at 10:00 the nearest first with closing times', () => {
    const night = start(gov, () => sh('2026-06-10T21:40:00')).kiosk;
    expect(night.screen().kiosk.nearbyKiosks).toEqual([
      { name: STREET, location: '莲花街道 景田北路 1 号', schedule: { zh: '24 小时服务', en: 'Open 24 hours' }, closesAt: null, distanceMeters: 1200 },
    ]);
    night.close();
    const day = start(gov, () => sh('2026-06-10T10:00:00')).kiosk;
    const list = day.screen().kiosk.nearbyKiosks;
    expect(list.map((k) => [k.name, k.closesAt])).toEqual([
      [UPSTAIRS, sh('2026-06-10T17:30:00')],
      [STREET, null],
      [HALL, sh('2026-06-10T18:00:00')],
    ]);
    expect(list[2]!.schedule).toEqual({ zh: '周一至周五 09:00–18:00；周六至周日 休息', en: 'Mon–Fri 09:00–18:00; Sat–Sun closed' });
    day.close();
  });

  it('a machine that closes while the screen is up leaves the list then (a new screen is pushed)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let t = sh('2026-06-10T17:29:00');
    const { kiosk, screens } = start(gov, () => t);
    await Promise.resolve();
    expect(screens.at(-1)!.kiosk.nearbyKiosks.map((k) => k.name)).toEqual([UPSTAIRS, STREET, HALL]);
    const pushed = screens.length;
    t = sh('2026-06-10T17:30:02');
    vi.advanceTimersByTime(62_000);
    await Promise.resolve();
    expect(screens.length).toBeGreaterThan(pushed);
    expect(screens.at(-1)!.kiosk.nearbyKiosks.map((k) => k.name)).toEqual([STREET, HALL]);
    kiosk.close();
  });
});
