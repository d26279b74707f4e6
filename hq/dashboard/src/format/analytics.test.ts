/** The analytics pages' formatting and arithmetic (format/analytics.ts, format/first-time.ts). */
import { describe, expect, it } from 'vitest';
import type { AvailabilityTimes, FirstTimeRow } from '../../../../contracts/hq-analytics.ts';
import {
  addDays,
  bandOf,
  calendarCellCentre,
  calendarLayout,
  calendarValue,
  CALENDAR,
  dayCount,
  dayTicks,
  drillPatch,
  filtersFrom,
  hours,
  hoursMinutes,
  hqNowFrom,
  isDay,
  localiseInstants,
  pct,
  rangeEnding,
  sumTimes,
  weekColumns,
  weekdayName,
  worstDays,
  zoneLabel,
  zonedClock,
  zonedDay,
  zonedTime,
} from './analytics.ts';
import { mergeSteps, serviceTotals, topFailure } from './first-time.ts';

const H = 3_600_000;
const times = (o: Partial<AvailabilityTimes>): AvailabilityTimes => ({ promisedMs: 0, upMs: 0, downMs: 0, noDataMs: 0, maintenanceMs: 0, availability: null, coverage: null, ...o });

describe('calendar days', () => {
  it('adds days across months, years and leap days, and counts them inclusively', () => {
    expect(addDays('2026-06-10', -29)).toBe('2026-05-12');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(dayCount('2026-05-12', '2026-06-10')).toBe(30);
    expect(dayCount('2026-06-10', '2026-06-10')).toBe(1);
    expect(dayCount('2026-06-10', '2026-06-09')).toBe(0);
  });

  it('knows real days from look-alikes', () => {
    expect(isDay('2026-06-10')).toBe(true);
    expect(isDay('2026-02-31')).toBe(false);
    expect(isDay('2026-6-1')).toBe(false);
    expect(isDay(null)).toBe(false);
  });

  it('names weekdays in both languages', () => {
    expect(weekdayName('2026-06-10', 'zh-CN')).toBe('周三');
    expect(weekdayName('2026-06-10', 'en')).toBe('Wed');
  });

  it('ends the default range on the day HQ last heard from a kiosk, never the browser clock', () => {
    expect(hqNowFrom([{ lastSeenAt: null }, { lastSeenAt: '2026-06-10T03:59:00Z' }, { lastSeenAt: '2026-06-09T20:00:00Z' }])).toBe(Date.parse('2026-06-10T03:59:00Z'));
    expect(hqNowFrom([{ lastSeenAt: null }])).toBeNull();
    expect(rangeEnding('2026-06-10', 7)).toEqual({ from: '2026-06-04', to: '2026-06-10' });
  });
});

describe('filters from the address', () => {
  it('defaults to 30 days ending today, grouped by kiosk', () => {
    expect(filtersFrom(new URLSearchParams(''), '2026-06-10')).toEqual({ from: '2026-05-12', to: '2026-06-10', groupBy: 'kiosk', service: '', district: '', site: '', kioskId: '' });
  });
  it('keeps what is given, 30 days before a given `to`, and ignores an unknown grouping', () => {
    const f = filtersFrom(new URLSearchParams('to=2026-03-31&groupBy=site&service=hospitalRegistration&district=%E5%8D%97%E5%B1%B1%E5%8C%BA'), '2026-06-10');
    expect(f).toMatchObject({ from: '2026-03-02', to: '2026-03-31', groupBy: 'site', service: 'hospitalRegistration', district: '南山区' });
    expect(filtersFrom(new URLSearchParams('groupBy=planet&from=2026-06-01'), '2026-06-10')).toMatchObject({ groupBy: 'kiosk', from: '2026-06-01', to: '2026-06-10' });
  });
  it('drills from a district to its sites and from a site to its kiosks', () => {
    expect(drillPatch('district', { key: '南山区', district: '南山区', site: null })).toEqual({ groupBy: 'site', district: '南山区', site: null });
    expect(drillPatch('site', { key: '蛇口站', district: '南山区', site: '蛇口站' })).toEqual({ groupBy: null, site: '蛇口站', district: '南山区' });
    // kiosks without a district or site are one group with nothing below it; a kiosk opens its own page
    expect(drillPatch('district', { key: '(none)', district: null, site: null })).toBeNull();
    expect(drillPatch('site', { key: '(none)', district: '南山区', site: null })).toBeNull();
    expect(drillPatch('kiosk', { key: 'K', district: '南山区', site: '蛇口站' })).toBeNull();
  });
});

describe('numbers', () => {
  it('percentages never round up to 100 %', () => {
    expect(pct(0.99951)).toBe('99.9%');
    expect(pct(1)).toBe('100%');
    expect(pct(0.5)).toBe('50.0%');
    expect(pct(0.9, 0)).toBe('90%');
    expect(pct(null)).toBe('—');
  });
  it('hours with one decimal, minutes as words', () => {
    expect(hours(0)).toBe('0');
    expect(hours(60_000)).toBe('<0.1');
    expect(hours(2.5 * H)).toBe('2.5');
    expect(hoursMinutes(5 * H + 12 * 60_000, 'zh-CN')).toBe('5 小时 12 分');
    expect(hoursMinutes(5 * H, 'en')).toBe('5 h');
    expect(hoursMinutes(45 * 60_000, 'en')).toBe('45 min');
    expect(hoursMinutes(20_000, 'zh-CN')).toBe('1 分');
    expect(hoursMinutes(0, 'zh-CN')).toBe('0');
  });
});

describe('the availability scale', () => {
  it('puts a day in a band: nothing promised, no data, or by availability', () => {
    expect(bandOf(times({}))).toBe('none');
    expect(bandOf(times({ promisedMs: H, maintenanceMs: H }))).toBe('none');
    expect(bandOf(times({ promisedMs: H, noDataMs: H }))).toBe('no-data');
    expect(bandOf(times({ promisedMs: H, availability: 0.89 }))).toBe('lt90');
    expect(bandOf(times({ promisedMs: H, availability: 0.9 }))).toBe('lt95');
    expect(bandOf(times({ promisedMs: H, availability: 0.97 }))).toBe('lt98');
    expect(bandOf(times({ promisedMs: H, availability: 0.99 }))).toBe('lt995');
    expect(bandOf(times({ promisedMs: H, availability: 0.995 }))).toBe('top');
    expect(calendarValue(times({ promisedMs: H, noDataMs: H }))).toBe(-1);
    expect(calendarValue(times({}))).toBe(-2);
    expect(calendarValue(times({ promisedMs: H, availability: 0.5 }))).toBe(0.5);
  });

  it('adds groups up as the contract defines availability and coverage', () => {
    const a = times({ promisedMs: 10 * H, upMs: 6 * H, downMs: 2 * H, noDataMs: 1 * H, maintenanceMs: 1 * H });
    const b = times({ promisedMs: 4 * H, upMs: 4 * H });
    expect(sumTimes([a, b])).toEqual({ promisedMs: 14 * H, upMs: 10 * H, downMs: 2 * H, noDataMs: H, maintenanceMs: H, availability: 10 / 12, coverage: 12 / 13 });
    expect(sumTimes([times({ promisedMs: H, noDataMs: H })])).toMatchObject({ availability: null, coverage: 0 });
    expect(sumTimes([])).toMatchObject({ availability: null, coverage: null });
  });

  it('lays the calendar out in Monday-first week columns, larger cells for shorter ranges', () => {
    // 2026-06-01 is a Monday: 30 days are 5 columns; from a Wednesday 7 days spill into a second column
    expect(weekColumns('2026-06-01', '2026-06-30')).toBe(5);
    expect(weekColumns('2026-06-03', '2026-06-09')).toBe(2);
    expect(calendarLayout('2026-06-01', '2026-06-30')).toEqual({ cell: 40, width: CALENDAR.left + 5 * 40 + CALENDAR.right, height: CALENDAR.top + 7 * 40 + CALENDAR.bottom });
    expect(calendarLayout('2026-03-10', '2026-06-09').cell).toBe(28);
    expect(calendarCellCentre('2026-06-03', '2026-06-09', '2026-06-03')).toEqual({ x: CALENDAR.left + 20, y: CALENDAR.top + 2 * 40 + 20 });
    expect(calendarCellCentre('2026-06-03', '2026-06-09', '2026-06-08')).toEqual({ x: CALENDAR.left + 60, y: CALENDAR.top + 20 });
  });

  it('picks the worst days below 100 %, worst first', () => {
    const d = (day: string, availability: number | null) => ({ day, availability });
    expect(worstDays([d('2026-06-01', 1), d('2026-06-02', 0.5), d('2026-06-03', null), d('2026-06-04', 0.9), d('2026-06-05', 0.5), d('2026-06-06', 0.99)])).toEqual([d('2026-06-02', 0.5), d('2026-06-05', 0.5), d('2026-06-04', 0.9)]);
    expect(worstDays([d('2026-06-01', 1)])).toEqual([]);
  });
});

describe("a kiosk's own clock", () => {
  const start = Date.parse('2026-06-09T00:00:00+08:00');
  it('formats in the kiosk zone whatever the browser zone', () => {
    expect(zonedClock(Date.parse('2026-06-09T13:05:00Z'), 'Asia/Shanghai')).toBe('21:05');
    expect(zonedDay(Date.parse('2026-06-09T17:00:00Z'), 'Asia/Shanghai')).toBe('2026-06-10');
    expect(zonedTime(Date.parse('2026-06-08T15:30:00Z'), 'Asia/Shanghai', '2026-06-09')).toBe('06-08 23:30');
    expect(zonedTime(start + 9 * H, 'Asia/Shanghai', '2026-06-09')).toBe('09:00');
    expect(zoneLabel('Asia/Shanghai', start)).toBe('Asia/Shanghai (GMT+8)');
  });
  it("rewrites the instants in HQ's words in the kiosk's clock", () => {
    const show = (ms: number) => zonedTime(ms, 'Asia/Shanghai', '2026-06-03');
    expect(localiseInstants('since 2026-05-31T15:55:00.000Z', show)).toBe('since 05-31 23:55');
    expect(localiseInstants('from 2026-06-03T02:00:00Z to 2026-06-03T10:30:00+08:00, twice', show)).toBe('from 10:00 to 10:30, twice');
    expect(localiseInstants('no instant here 2026-06-03', show)).toBe('no instant here 2026-06-03');
  });

  it('falls back to UTC for a zone the browser does not know', () => {
    expect(zonedClock(Date.parse('2026-06-09T13:05:00Z'), 'Mars/Olympus')).toBe('13:05');
  });
  it('puts hour ticks every 3 hours from the start to 24:00, also on a 23-hour day', () => {
    const ticks = dayTicks(start, start + 24 * H, 'Asia/Shanghai');
    expect(ticks.map((k) => k.label)).toEqual(['00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '24:00']);
    expect(ticks[4]!.share).toBe(0.5);
    // Europe/Berlin springs forward on 2026-03-29: the day is 23 hours long
    const berlin = Date.parse('2026-03-29T00:00:00+01:00');
    const spring = dayTicks(berlin, berlin + 23 * H, 'Europe/Berlin');
    expect(spring.map((k) => k.label)).toEqual(['00:00', '04:00', '07:00', '10:00', '13:00', '16:00', '19:00', '22:00', '24:00']);
    expect(spring.at(-1)!.share).toBe(1);
  });
});

describe('first-time success per service', () => {
  const row = (o: Partial<FirstTimeRow>): FirstTimeRow => ({
    key: 'K',
    service: 'providentFundStatement',
    district: null,
    site: null,
    started: 0,
    completed: 0,
    abandoned: 0,
    failed: { device: 0, 'back-office': 0, payment: 0, timeout: 0, cancelled: 0 },
    completedOnRetry: 0,
    firstTries: 0,
    firstTimeSuccessRate: null,
    funnel: [],
    abandonedAt: [],
    ...o,
  });

  it('adds counts and funnels exactly and keeps the flow order', () => {
    const [pf] = serviceTotals([
      row({ key: 'A', started: 10, completed: 5, abandoned: 2, completedOnRetry: 1, firstTries: 5, firstTimeSuccessRate: 0.4, failed: { device: 3, timeout: 1 } as FirstTimeRow['failed'], funnel: [{ step: 'identifying', reached: 10 }, { step: 'preview', reached: 6 }], abandonedAt: [{ step: 'preview', count: 2 }] }),
      row({ key: 'B', started: 30, completed: 27, firstTries: 30, firstTimeSuccessRate: 0.9, failed: { 'back-office': 3 } as FirstTimeRow['failed'], funnel: [{ step: 'identifying', reached: 30 }, { step: 'fetching', reached: 29 }, { step: 'preview', reached: 28 }] }),
    ]);
    expect(pf).toMatchObject({ service: 'providentFundStatement', groups: 2, started: 40, completed: 32, abandoned: 2, completedOnRetry: 1 });
    expect(pf!.failed).toEqual({ device: 3, 'back-office': 3, payment: 0, timeout: 1, cancelled: 0 });
    expect(pf!.funnel).toEqual([
      { step: 'identifying', reached: 40, abandoned: 0 },
      { step: 'fetching', reached: 29, abandoned: 0 },
      { step: 'preview', reached: 34, abandoned: 2 },
    ]);
    // first tries that completed over first tries: (2 + 27) / 35
    expect(pf!.rate).toBe(29 / 35);
  });

  it("uses HQ's own rate when one group holds the service, and none without sessions", () => {
    const list = serviceTotals([row({ service: 'hospitalRegistration', started: 4, completed: 2, firstTries: 3, firstTimeSuccessRate: 1 / 3 }), row({ key: 'Z', service: 'hospitalRegistration' })]);
    expect(list).toHaveLength(1);
    expect(list[0]!.rate).toBe(1 / 3);
    expect(serviceTotals([row({})])[0]!.rate).toBeNull();
  });

  it('weights by first tries, not by sessions started (a retry is no first try)', () => {
    const [pf] = serviceTotals([row({ key: 'A', started: 5, firstTries: 4, firstTimeSuccessRate: 0.25 }), row({ key: 'B', started: 2, firstTries: 2, firstTimeSuccessRate: 1 })]);
    // (1 + 2) / 6, where sessions started would say (0.25·5 + 1·2) / 7 = 46.4 %
    expect(pf!.rate).toBe(0.5);
  });

  it('merges step lists keeping each order', () => {
    expect(mergeSteps([['a', 'c'], ['a', 'b', 'c', 'd'], ['x']])).toEqual(['a', 'b', 'c', 'd', 'x']);
  });

  it('names the main failure', () => {
    expect(topFailure({ device: 1, timeout: 4, cancelled: 4 })).toEqual({ reason: 'timeout', count: 4 });
    expect(topFailure({})).toBeNull();
  });
});
