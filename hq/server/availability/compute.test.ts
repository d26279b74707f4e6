import { describe, expect, it } from 'vitest';
import { computeKiosk, timesOf, type ComputeContext, type KioskData } from './compute.ts';
import { dayStart, instantAt } from './local-time.ts';
import { parseStoredHours, versionsOf, type StoredHours } from './promised.ts';
import { intersect, normalise, subtract, type Span } from './spans.ts';
import { ServicesParser, type StateRow } from './timeline.ts';

const TZ = 'Asia/Shanghai';
const at = (local: string) => Date.parse(`${local}+08:00`);
const MIN = 60_000;
const H = 60 * MIN;
const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const weekly = (days: readonly string[], ranges: string[]) => Object.fromEntries(ALL_DAYS.map((d) => [d, days.includes(d) ? ranges : []]));
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];

/** a kiosk_hours row: hours in the config's input form, in force from `from` */
function hoursRow(version: string, from: number, promisedHours: Record<string, unknown>, services: StoredHours['services'] = { providentFundStatement: null }) {
  const stored: StoredHours = { promisedHours: { timezone: TZ, ...promisedHours }, services };
  expect(parseStoredHours(stored).ok, `hours ${version} are valid`).toBe(true);
  return { version, in_force_from: from, hours: JSON.stringify(stored) };
}

function kiosk(rows: ReturnType<typeof hoursRow>[], history: StateRow[], maintenance: Span[] = []): KioskData {
  return { id: 'k1', versions: versionsOf(rows, (r) => { const p = parseStoredHours(JSON.parse(r.hours) as StoredHours); return p.ok ? p.hours : null; }), rows: history, maintenance: normalise(maintenance) };
}

const ctx = (now: number, hqDown: Span[] = []): ComputeContext => ({ now, hqDown, cache: new Map(), parser: new ServicesParser() });
const row = (t: number, state: string, services: object | null = null): StateRow => ({ at: t, state, services: services === null ? null : JSON.stringify(services) });

/** one service, one day: its times */
function dayTimes(k: KioskData, day: string, now: number, hqDown: Span[] = [], service = 'providentFundStatement' as const) {
  const r = computeKiosk(k, [day], ctx(now, hqDown), { only: service, segments: true });
  return r.services[0]!.days[0]!;
}

const hhmm = (t: number) => new Date(t + 8 * H).toISOString().slice(11, 16);
const segs = (d: ReturnType<typeof dayTimes>) => d.segments!.map((s) => `${hhmm(s.from)}-${hhmm(s.to)} ${s.state}`);

const GOV_24H = hoursRow('v24', at('2026-05-01T00:00:00'), { weekly: '24/7' });
const IN_SERVICE_SINCE_MAY = row(at('2026-05-31T23:00:00'), 'in-service');

describe('availability of one kiosk, per service and local day', () => {
  it('a 24/7 kiosk in service all day: 24 h promised, all up; today counts only up to now', () => {
    const k = kiosk([GOV_24H], [IN_SERVICE_SINCE_MAY]);
    const past = dayTimes(k, '2026-06-01', at('2026-06-03T12:00:00'));
    expect(past.start).toBe(at('2026-06-01T00:00:00'));
    expect(past.end).toBe(at('2026-06-02T00:00:00'));
    expect(timesOf(past.times)).toEqual({ promisedMs: 24 * H, upMs: 24 * H, downMs: 0, noDataMs: 0, maintenanceMs: 0, availability: 1, coverage: 1 });
    const today = dayTimes(k, '2026-06-03', at('2026-06-03T12:00:00'));
    expect(today.times).toMatchObject({ promisedMs: 12 * H, upMs: 12 * H });
    // what is still ahead shows as no data "not yet", and is not counted
    expect(today.segments!.at(-1)).toMatchObject({ from: at('2026-06-03T12:00:00'), state: 'no-data', reason: 'not yet' });
  });

  it('a weekly schedule with a lunch break: only the open ranges are promised; a lock over lunch counts only inside them', () => {
    const k = kiosk(
      [hoursRow('office', at('2026-05-01T00:00:00'), { weekly: weekly(WEEKDAYS, ['09:00-12:00', '13:30-17:30']) })],
      [IN_SERVICE_SINCE_MAY, row(at('2026-06-10T11:00:00'), 'locked'), row(at('2026-06-10T14:00:00'), 'in-service')],
    );
    const d = dayTimes(k, '2026-06-10', at('2026-06-11T00:00:00'));
    expect(d.times).toEqual({ promisedMs: 7 * H, upMs: 5.5 * H, downMs: 1.5 * H, noDataMs: 0, maintenanceMs: 0 });
    expect(segs(d)).toEqual(['00:00-09:00 not-promised', '09:00-11:00 up', '11:00-12:00 down', '12:00-13:30 not-promised', '13:30-14:00 down', '14:00-17:30 up', '17:30-00:00 not-promised']);
    expect(d.segments!.find((s) => s.state === 'down')!.reason).toBe('locked');
    // Saturday promises nothing: no availability, no coverage
    expect(timesOf(dayTimes(k, '2026-06-13', at('2026-06-15T00:00:00')).times)).toMatchObject({ promisedMs: 0, availability: null, coverage: null });
  });

  it('a holiday exception: closed all day, or its own shorter ranges', () => {
    const k = kiosk(
      [
        hoursRow('holidays', at('2026-05-01T00:00:00'), {
          weekly: '24/7',
          exceptions: [
            { date: '2026-06-19', closed: true, reason: '端午节' },
            { date: '2026-06-20', ranges: ['10:00-12:00'] },
          ],
        }),
      ],
      [IN_SERVICE_SINCE_MAY],
    );
    const now = at('2026-06-25T00:00:00');
    expect(dayTimes(k, '2026-06-19', now).times.promisedMs).toBe(0);
    expect(dayTimes(k, '2026-06-20', now).times).toMatchObject({ promisedMs: 2 * H, upMs: 2 * H });
    expect(dayTimes(k, '2026-06-21', now).times.promisedMs).toBe(24 * H);
  });

  it('a new version mid-range: each version counts while it is in force', () => {
    const k = kiosk([GOV_24H, hoursRow('office', at('2026-06-02T12:00:00'), { weekly: weekly(WEEKDAYS, ['09:00-17:00']) })], [IN_SERVICE_SINCE_MAY]);
    const now = at('2026-06-05T00:00:00');
    const r = computeKiosk(k, ['2026-06-01', '2026-06-02', '2026-06-03'], ctx(now));
    // 06-02: 24/7 until 12:00, then 12:00-17:00 of the office hours
    expect(r.services[0]!.days.map((d) => d.times.promisedMs / H)).toEqual([24, 17, 8]);
  });

  it('a declared maintenance window is excluded from both sides, even when the kiosk was locked in it', () => {
    const k = kiosk([GOV_24H], [IN_SERVICE_SINCE_MAY, row(at('2026-06-01T02:00:00'), 'maintenance'), row(at('2026-06-01T04:30:00'), 'in-service')], [{ from: at('2026-06-01T02:00:00'), to: at('2026-06-01T04:00:00') }]);
    const d = dayTimes(k, '2026-06-01', at('2026-06-02T00:00:00'));
    expect(d.times).toEqual({ promisedMs: 24 * H, upMs: 21.5 * H, downMs: 0.5 * H, noDataMs: 0, maintenanceMs: 2 * H });
    expect(timesOf(d.times).coverage).toBe(1);
    expect(timesOf(d.times).availability).toBeCloseTo(21.5 / 22, 10);
  });

  it('offline (KIOSK_OFFLINE) is time without data, never up nor down', () => {
    const k = kiosk([GOV_24H], [IN_SERVICE_SINCE_MAY, row(at('2026-06-01T10:00:00'), 'offline'), row(at('2026-06-01T10:30:00'), 'in-service')]);
    const d = timesOf(dayTimes(k, '2026-06-01', at('2026-06-02T00:00:00')).times);
    expect(d).toMatchObject({ upMs: 23.5 * H, downMs: 0, noDataMs: 30 * MIN, availability: 1 });
    expect(d.coverage).toBeCloseTo(23.5 / 24, 10);
  });

  it('HQ not running is time without data whatever the kiosk was', () => {
    const k = kiosk([GOV_24H], [IN_SERVICE_SINCE_MAY, row(at('2026-06-01T10:30:00'), 'locked')]);
    const d = dayTimes(k, '2026-06-01', at('2026-06-02T00:00:00'), [{ from: at('2026-06-01T10:00:00'), to: at('2026-06-01T11:00:00') }]);
    expect(d.times).toMatchObject({ upMs: 10 * H, noDataMs: 1 * H, downMs: 13 * H });
    expect(d.segments!.find((s) => s.state === 'no-data')!.reason).toMatch(/HQ was not running/);
  });

  it('before HQ heard from the kiosk there is no data', () => {
    const k = kiosk([GOV_24H], [row(at('2026-06-01T06:00:00'), 'in-service')]);
    expect(dayTimes(k, '2026-06-01', at('2026-06-02T00:00:00')).times).toMatchObject({ noDataMs: 6 * H, upMs: 18 * H });
  });

  it('a kiosk locked by staff for 20 minutes inside its hours: 20 minutes down', () => {
    const k = kiosk([GOV_24H], [IN_SERVICE_SINCE_MAY, row(at('2026-06-01T12:00:00'), 'locked'), row(at('2026-06-01T12:20:00'), 'in-service')]);
    expect(dayTimes(k, '2026-06-01', at('2026-06-02T00:00:00')).times).toMatchObject({ downMs: 20 * MIN, upMs: 24 * H - 20 * MIN });
  });

  it("a device only one service needs: that service is down, the other stays up (the heartbeat's usability)", () => {
    const both = hoursRow('both', at('2026-05-01T00:00:00'), { weekly: '24/7' }, { providentFundStatement: null, hospitalRegistration: { weekly: weekly(ALL_DAYS, ['07:00-17:00']) } });
    const usable = { providentFundStatement: { usable: true }, hospitalRegistration: { usable: true } };
    const paperOut = { providentFundStatement: { usable: false, reason: 'printer out of paper' }, hospitalRegistration: { usable: true } };
    const k = kiosk([both], [row(at('2026-05-31T23:00:00'), 'in-service', usable), row(at('2026-06-01T10:00:00'), 'degraded', paperOut), row(at('2026-06-01T20:00:00'), 'in-service', usable)]);
    const r = computeKiosk(k, ['2026-06-01'], ctx(at('2026-06-02T00:00:00')), { segments: true });
    const by = Object.fromEntries(r.services.map((s) => [s.service, s.days[0]!]));
    expect(by.providentFundStatement!.times).toMatchObject({ promisedMs: 24 * H, downMs: 10 * H, upMs: 14 * H });
    expect(by.providentFundStatement!.segments!.find((s) => s.state === 'down')!.reason).toBe('printer out of paper');
    // registration keeps its own hours (07-17) and needs no printer here
    expect(by.hospitalRegistration!.times).toMatchObject({ promisedMs: 10 * H, upMs: 10 * H, downMs: 0 });
  });

  it('days are the kiosk\'s own local days, exact across DST (23 h and 25 h days)', () => {
    const berlin = (v: string) => ({ ...hoursRow(v, Date.UTC(2026, 0, 1), { weekly: '24/7' }), hours: JSON.stringify({ promisedHours: { timezone: 'Europe/Berlin', weekly: '24/7' }, services: { providentFundStatement: null } }) });
    const k = kiosk([berlin('b')], [row(Date.UTC(2026, 0, 1), 'in-service')]);
    const hours = (days: string[]) => computeKiosk(k, days, ctx(Date.UTC(2026, 11, 1))).services[0]!.days.map((d) => d.times.promisedMs / H);
    expect(computeKiosk(k, ['2026-03-29'], ctx(0)).timezone).toBe('Europe/Berlin');
    expect(hours(['2026-03-28', '2026-03-29', '2026-03-30'])).toEqual([24, 23, 24]);
    expect(hours(['2026-10-24', '2026-10-25'])).toEqual([24, 25]);
  });
});

describe('local time and spans', () => {
  it('a wall time in a spring-forward gap resolves forward; one that exists twice is the earlier', () => {
    // Europe/Berlin 2026-03-29: 02:00 → 03:00; 2026-10-25: 03:00 → 02:00
    expect(instantAt('2026-03-29', 150, 'Europe/Berlin')).toBe(Date.parse('2026-03-29T01:30:00Z'));
    expect(instantAt('2026-10-25', 150, 'Europe/Berlin')).toBe(Date.parse('2026-10-25T00:30:00Z'));
    expect(dayStart('2026-06-10', TZ)).toBe(Date.parse('2026-06-09T16:00:00Z'));
  });

  it('subtract and intersect keep exact edges', () => {
    const a = [{ from: 0, to: 10 }, { from: 20, to: 30 }];
    expect(subtract(a, [{ from: 5, to: 25 }])).toEqual([{ from: 0, to: 5 }, { from: 25, to: 30 }]);
    expect(subtract(a, [{ from: 0, to: 10 }])).toEqual([{ from: 20, to: 30 }]);
    expect(intersect(a, [{ from: 5, to: 25 }])).toEqual([{ from: 5, to: 10 }, { from: 20, to: 25 }]);
    expect(normalise([{ from: 5, to: 8 }, { from: 0, to: 5 }, { from: 9, to: 9 }])).toEqual([{ from: 0, to: 8 }]);
  });
});
