import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadKioskConfig } from '../../kiosk-config/schema.ts';
import { pinnedNow } from '../../state-machines/deadlines.ts';
import { nextWindowStart, WindowStartSchedule } from './schedule.ts';
import { until } from '../hq-link/testing.ts';

const examples = join(import.meta.dirname, '..', '..', 'kiosk-config', 'examples');
const hospital = loadKioskConfig(join(examples, 'hospital-lobby.json')).promisedHours;
const gov = loadKioskConfig(join(examples, 'gov-24h.json')).promisedHours;
const sh = (local: string) => Date.parse(`${local}+08:00`);

let schedule: WindowStartSchedule | undefined;
afterEach(() => schedule?.stop());

describe('the window-start self-test schedule', () => {
  it('finds the next promised window start: later today, tomorrow, after a lunch break, none for 24/7, after a planned outage', () => {
    expect(nextWindowStart(hospital, sh('2026-06-10T06:59:00'))).toBe(sh('2026-06-10T07:00:00')); // Wednesday
    expect(nextWindowStart(hospital, sh('2026-06-10T12:00:00'))).toBe(sh('2026-06-11T07:00:00'));
    expect(nextWindowStart(hospital, sh('2026-06-13T12:30:00'))).toBe(sh('2026-06-13T13:30:00')); // Saturday's break
    expect(nextWindowStart(hospital, sh('2026-02-16T21:00:00'))).toBe(sh('2026-02-18T07:00:00')); // 春节 closed all day
    expect(nextWindowStart(gov, sh('2026-06-10T12:00:00'))).toBeNull();
    // 2026-03-15: open 00:00–02:00 and 06:00–24:00 (a planned outage): the window after it starts at 06:00
    expect(nextWindowStart(gov, sh('2026-03-14T23:00:00'))).toBe(sh('2026-03-15T06:00:00'));
  });

  it('fires at the start on the kiosk\'s clock, then waits for the next one; a change of hours re-arms it', async () => {
    const now = pinnedNow(sh('2026-06-10T06:59:59.400'));
    const starts: number[] = [];
    schedule = new WindowStartSchedule({ hours: () => hospital, now, onWindowStart: (at) => starts.push(at) }).start();
    expect(schedule.next).toBe(sh('2026-06-10T07:00:00'));
    await until('the window start', () => starts.length === 1, 5_000);
    expect(starts).toEqual([sh('2026-06-10T07:00:00')]);
    expect(now()).toBeGreaterThanOrEqual(sh('2026-06-10T07:00:00') - 1_000);
    expect(schedule.next).toBe(sh('2026-06-11T07:00:00'));

    let hours = hospital;
    schedule.stop();
    schedule = new WindowStartSchedule({ hours: () => hours, now, onWindowStart: (at) => starts.push(at) }).start();
    expect(schedule.next).toBe(sh('2026-06-11T07:00:00'));
    hours = gov;
    schedule.rearm();
    expect(schedule.next).toBeNull();
  });
});
