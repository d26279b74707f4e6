/**
 * The instants tests run at. No test reads the wall clock for hours, "today" or slots: each pins the
 * kiosk's and the back offices' clock (`pinnedNow`) at one of these, so the suite sees the same day
 * and hour at 02:00 and at 18:00 UTC, in any time zone.
 */
export { pinnedNow } from '../state-machines/deadlines.ts';

/** Wednesday 2026-06-10, 12:00 in Asia/Shanghai (04:00 UTC): the default instant of a test kiosk */
export const NOON_SHANGHAI = Date.parse('2026-06-10T12:00:00+08:00');
/** the same Wednesday 02:00 in Asia/Shanghai: 18:00 UTC on Tuesday, the dates differ */
export const NIGHT_SHANGHAI = Date.parse('2026-06-10T02:00:00+08:00');
/** the same Wednesday 21:40 in Asia/Shanghai: after every office closed, before midnight */
export const LATE_EVENING_SHANGHAI = Date.parse('2026-06-10T21:40:00+08:00');

const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** `YYYY-MM-DD` of the instant `at` in Asia/Shanghai (the kiosks' and the simulated hospital's "today") */
export function shanghaiDay(at: number): string {
  return DAY.format(at);
}
