/**
 * Availability through HQ's real path: a server on a SQLite file, kiosks posting signed batches
 * (hours.config, heartbeats with service usability, status changes, sessions) on one hand-moved
 * clock, the monitor's tick run by hand, and the numbers read from the operator API. Every expected
 * figure is worked out by hand from the story each test tells (times in Asia/Shanghai).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AvailabilityReportSchema, KioskDaySchema, type AvailabilityReport } from '../../../contracts/hq-analytics.ts';
import { AlarmListSchema, KioskDetailSchema } from '../../../contracts/hq-api.ts';
import type { HqEventPayload } from '../../../contracts/hq.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import { sortableId } from '../ids.ts';
import { ManualClock, type IngestKiosk } from '../testing.ts';

const TZ = 'Asia/Shanghai';
const at = (local: string) => Date.parse(`${local}+08:00`);
const MIN = 60_000;
const H = 60 * MIN;

const GOV_24H: HqEventPayload<'hours.config'> = { version: 'gov24', timezone: TZ, promisedHours: { timezone: TZ, weekly: '24/7' }, services: { providentFundStatement: null } };
const WEEKDAY_HOURS: HqEventPayload<'hours.config'> = {
  version: 'wk0917',
  timezone: TZ,
  promisedHours: { timezone: TZ, weekly: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'], sat: [], sun: [] } },
  services: { providentFundStatement: null },
};

let dir: string;
let t: TestHq;
let op: Awaited<ReturnType<TestHq['as']>>;

const startHq = async (clock: ManualClock) => {
  t = await testHq({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, clock });
};
const send = async (k: IngestKiosk, events: unknown[]) => {
  const r = await k.send(t.hq.url, events);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const started = (k: IngestKiosk, hours = GOV_24H) =>
  send(k, [k.event('agent.started', { uncleanPreviousRun: false, version: '1.0.0', heartbeatSeconds: 30 }), k.event('hours.config', hours), k.heartbeat()]);
const beat = (k: IngestKiosk, over: Partial<HqEventPayload<'heartbeat'>> = {}) => send(k, [k.heartbeat(over)]);
const status = (k: IngestKiosk, status: 'remoteLocked' | 'inService', previous: 'remoteLocked' | 'inService') =>
  send(k, [k.event('kiosk.status', { status, previous, acceptsNewSessions: status === 'inService' })]);
let users = 0;
/** an operator signed in now (the clock jumps days; a session would go idle) */
const signIn = async () => (op = await t.as('viewer', `viewer-${++users}`));
const get = async (url: string) => {
  const r = await (await signIn())('GET', url);
  expect(r.statusCode, r.body).toBe(200);
  return r;
};
const report = async (query: string): Promise<AvailabilityReport> => AvailabilityReportSchema.parse((await get(`/api/v1/availability?${query}`)).json());
const alarmsOf = async (kioskId: string, code: string) => AlarmListSchema.parse((await get('/api/v1/alarms?status=all')).json()).alarms.filter((a) => a.kioskId === kioskId && a.code === code);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zizhu-availability-'));
});
afterEach(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('availability inside promised hours, through the API', () => {
  it('offline 30 min is no data, a staff lock of 20 min is down and PROMISED_HOURS_BROKEN, HQ down is no data, declared maintenance is apart', async () => {
    const clock = new ManualClock(at('2026-05-31T23:50:00'));
    await startHq(clock);
    const a = await t.kiosk('SZ-FT-0001', { district: '福田区', site: '福田区政务服务中心' });
    const b = await t.kiosk('SZ-FT-0002', { district: '福田区', site: '福田区政务服务中心' });
    // another kiosk's hours in a different shape: only its own weekday hours are promised
    const c = await t.kiosk('SZ-NS-0001', { district: '南山区', site: '南山区人民医院' });
    clock.t = at('2026-05-31T23:55:00');
    await Promise.all([started(a), started(b), started(c, WEEKDAY_HOURS)]);
    // a window declared beforehand for b (02:00-03:00), and one for a written only after it ended (it does not count)
    await t.hq.db
      .insertInto('maintenance_windows')
      .values([
        { id: 'mw-b', kiosk_id: 'SZ-FT-0002', site: null, district: null, starts_at: at('2026-06-01T02:00:00'), ends_at: at('2026-06-01T03:00:00'), reason: '换纸卷', created_by: 'ops', created_at: at('2026-05-31T23:56:00') },
        { id: 'mw-a', kiosk_id: 'SZ-FT-0001', site: null, district: null, starts_at: at('2026-06-01T04:00:00'), ends_at: at('2026-06-01T05:00:00'), reason: 'after the fact', created_by: 'ops', created_at: at('2026-06-01T09:00:00') },
      ])
      .execute();

    // a falls silent after 10:00; HQ calls it offline at 10:02 and hears from it at 10:32
    clock.t = at('2026-06-01T10:00:00');
    await Promise.all([beat(a), beat(b), beat(c)]);
    clock.t = at('2026-06-01T10:02:00');
    await beat(b);
    await beat(c);
    expect((await t.hq.monitor.tick()).offline).toEqual(['SZ-FT-0001']);
    clock.t = at('2026-06-01T10:32:00');
    await Promise.all([beat(a), beat(b), beat(c)]);

    // b is locked on the maintenance screen at 12:00 and unlocked at 12:20
    clock.t = at('2026-06-01T12:00:00');
    await send(b, [b.event('kiosk.status', { status: 'remoteLocked', previous: 'inService', acceptsNewSessions: false }), b.event('lockout.started', { reason: 'staff', detail: 'locked on the maintenance screen: 换纸' })]);
    clock.t = at('2026-06-01T12:10:00');
    await Promise.all([beat(a), beat(b, { lifecycle: 'remoteLocked' }), beat(c)]);
    await t.hq.monitor.tick();
    expect(await alarmsOf('SZ-FT-0002', 'PROMISED_HOURS_BROKEN')).toEqual([]);
    clock.t = at('2026-06-01T12:16:00');
    await Promise.all([beat(a), beat(b, { lifecycle: 'remoteLocked' }), beat(c)]);
    await t.hq.monitor.tick();
    const [broken] = await alarmsOf('SZ-FT-0002', 'PROMISED_HOURS_BROKEN');
    expect(broken).toMatchObject({ status: 'active-unack', severity: 'major', count: 1 });
    expect(broken!.detail).toBe(`every service unusable inside its promised hours since 2026-06-01 12:00 ${TZ} (16 min): locked`);
    // the next ticks do not raise it again
    await t.hq.monitor.tick();
    expect((await alarmsOf('SZ-FT-0002', 'PROMISED_HOURS_BROKEN'))[0]!.count).toBe(1);
    clock.t = at('2026-06-01T12:20:00');
    await status(b, 'inService', 'remoteLocked');
    await Promise.all([beat(a), beat(c)]);
    await t.hq.monitor.tick();
    expect((await alarmsOf('SZ-FT-0002', 'PROMISED_HOURS_BROKEN'))[0]!.status).toBe('cleared-unack');

    // HQ stops at 14:00 and starts again at 15:00: an hour without data for everyone
    clock.t = at('2026-06-01T14:00:00');
    await Promise.all([beat(a), beat(b), beat(c)]);
    await t.close();
    clock.t = at('2026-06-01T15:00:00');
    await startHq(clock);
    await Promise.all([beat(a), beat(b), beat(c)]);
    clock.t = at('2026-06-02T00:00:00');

    const r = await report('from=2026-06-01&to=2026-06-01&groupBy=kiosk');
    const row = (id: string) => r.rows.find((x) => x.key === id)!;
    expect(row('SZ-FT-0001').totals).toEqual({ promisedMs: 24 * H, upMs: 22.5 * H, downMs: 0, noDataMs: 1.5 * H, maintenanceMs: 0, availability: 1, coverage: 22.5 / 24 });
    const bTotals = row('SZ-FT-0002').totals;
    expect(bTotals).toMatchObject({ promisedMs: 24 * H, downMs: 20 * MIN, noDataMs: 1 * H, maintenanceMs: 1 * H, upMs: 22 * H - 20 * MIN });
    expect(bTotals.availability).toBeCloseTo((22 * H - 20 * MIN) / (22 * H), 12);
    expect(bTotals.coverage).toBeCloseTo(22 / 23, 12);
    // c promises 09:00-17:00 on this Monday: 8 h, of which HQ's hour down
    expect(row('SZ-NS-0001').totals).toMatchObject({ promisedMs: 8 * H, upMs: 7 * H, noDataMs: 1 * H, downMs: 0 });
    // worst first: b (down 20 min) before those never down; equal availability → less coverage first (c 7/8, a 22.5/24)
    expect(r.rows.map((x) => x.key)).toEqual(['SZ-FT-0002', 'SZ-NS-0001', 'SZ-FT-0001']);
    expect(row('SZ-FT-0001')).toMatchObject({ district: '福田区', site: '福田区政务服务中心', kioskCount: 1 });

    // by district: sums of its kiosks
    const byDistrict = await report('from=2026-06-01&to=2026-06-01&groupBy=district');
    expect(byDistrict.rows.find((x) => x.key === '福田区')).toMatchObject({ kioskCount: 2, site: null, totals: { promisedMs: 48 * H, downMs: 20 * MIN, noDataMs: 2.5 * H } });
    expect((await report('from=2026-06-01&to=2026-06-01&district=南山区')).rows.map((x) => x.key)).toEqual(['SZ-NS-0001']);

    // the day view of b: segments, the lock's state rows, the alarm
    const day = KioskDaySchema.parse((await get('/api/v1/kiosks/SZ-FT-0002/day/2026-06-01')).json());
    expect(day).toMatchObject({ kioskId: 'SZ-FT-0002', timezone: TZ, hoursVersion: 'gov24', start: at('2026-06-01T00:00:00'), end: at('2026-06-02T00:00:00') });
    const local = (ms: number) => new Date(ms + 8 * H).toISOString().slice(11, 16);
    expect(day.services[0]!.segments.map((s) => `${local(s.from)}-${local(s.to)} ${s.state}`)).toEqual([
      '00:00-02:00 up',
      '02:00-03:00 maintenance',
      '03:00-12:00 up',
      '12:00-12:20 down',
      '12:20-14:00 up',
      '14:00-15:00 no-data',
      '15:00-00:00 up',
    ]);
    expect(day.states.map((s) => s.state)).toContain('locked');
    expect(day.alarms.map((x) => x.code)).toEqual(['PROMISED_HOURS_BROKEN']);
  });

  it('the CSV has the same numbers, a header, a BOM for Excel and a file name', async () => {
    const clock = new ManualClock(at('2026-06-01T00:00:00'));
    await startHq(clock);
    const a = await t.kiosk('SZ-FT-0001', { district: '福田区', site: '福田区政务服务中心' });
    await started(a);
    clock.t = at('2026-06-01T12:00:00');
    await status(a, 'remoteLocked', 'inService');
    clock.t = at('2026-06-01T13:00:00');
    await status(a, 'inService', 'remoteLocked');
    clock.t = at('2026-06-03T00:00:00');
    const res = await get('/api/v1/availability.csv?from=2026-06-01&to=2026-06-02&groupBy=site');
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="availability-site-2026-06-01-2026-06-02.csv"');
    const body = res.rawPayload.toString('utf8');
    expect(body.startsWith('\uFEFF')).toBe(true);
    const lines = body.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('group_by,key,district,site,kiosk_count,day,promised_ms,up_ms,down_ms,no_data_ms,maintenance_ms,availability,coverage');
    const json = await report('from=2026-06-01&to=2026-06-02&groupBy=site');
    const d1 = json.rows[0]!.days[0]!;
    // the first day: the hour locked, the first minute before HQ heard from it no data
    expect(d1).toMatchObject({ promisedMs: 24 * H, downMs: H });
    expect(lines.slice(1)).toEqual([
      `site,福田区政务服务中心,福田区,福田区政务服务中心,1,total,${48 * H},${json.rows[0]!.totals.upMs},${H},${json.rows[0]!.totals.noDataMs},0,${round6(json.rows[0]!.totals.availability!)},${round6(json.rows[0]!.totals.coverage!)}`,
      `site,福田区政务服务中心,福田区,福田区政务服务中心,1,2026-06-01,${24 * H},${d1.upMs},${H},${d1.noDataMs},0,${round6(d1.availability!)},${round6(d1.coverage!)}`,
      `site,福田区政务服务中心,福田区,福田区政务服务中心,1,2026-06-02,${24 * H},${24 * H},0,0,0,1,1`,
    ]);
  });

  it('refuses bad dates, from after to, more than 92 days and an unknown service with 400 naming the field; strangers with 401', async () => {
    await startHq(new ManualClock(at('2026-06-10T12:00:00')));
    await signIn();
    const refused = async (url: string, field: string) => {
      const r = await op('GET', url);
      expect(r.statusCode, url).toBe(400);
      expect((r.json() as { error: string }).error.startsWith(`${field}:`), r.body).toBe(true);
    };
    await refused('/api/v1/availability?from=2026-02-30&to=2026-03-01', 'from');
    await refused('/api/v1/availability?from=2026-06-01', 'to');
    await refused('/api/v1/availability?from=2026-06-10&to=2026-06-01', 'to');
    await refused('/api/v1/availability?from=2026-01-01&to=2026-04-30', 'to');
    await refused('/api/v1/availability.csv?from=2026-06-01&to=2026-06-02&groupBy=city', 'groupBy');
    await refused('/api/v1/availability?from=2026-06-01&to=2026-06-02&service=payment', 'service');
    await refused('/api/v1/kiosks/SZ-FT-0001/day/2026-13-01', 'date');
    expect((await op('GET', '/api/v1/kiosks/NOPE/day/2026-06-01')).statusCode).toBe(404);
    expect((await t.hq.app.inject({ method: 'GET', url: '/api/v1/availability?from=2026-06-01&to=2026-06-02' })).statusCode).toBe(401);
    // 92 days is allowed
    expect((await op('GET', '/api/v1/availability?from=2026-03-11&to=2026-06-10')).statusCode).toBe(200);
  });

  it('keeps each hours version from when it came into force, shows the one in force, and counts each in its time', async () => {
    const clock = new ManualClock(at('2026-06-01T00:00:00'));
    await startHq(clock);
    const a = await t.kiosk('SZ-FT-0001');
    await started(a);
    // a restart reports the same hours: no new version
    clock.t = at('2026-06-01T08:00:00');
    await started(a);
    clock.t = at('2026-06-02T12:00:00');
    await send(a, [a.event('hours.config', WEEKDAY_HOURS)]);
    expect(KioskDetailSchema.parse((await get('/api/v1/kiosks/SZ-FT-0001')).json()).hoursVersion).toBe('wk0917');
    const versions = await t.hq.db.selectFrom('kiosk_hours').select(['version', 'in_force_from']).where('kiosk_id', '=', 'SZ-FT-0001').orderBy('in_force_from').execute();
    expect(versions).toEqual([
      { version: 'gov24', in_force_from: at('2026-06-01T00:00:00') },
      { version: 'wk0917', in_force_from: at('2026-06-02T12:00:00') },
    ]);
    clock.t = at('2026-06-04T00:00:00');
    const r = await report('from=2026-06-01&to=2026-06-03');
    expect(r.rows[0]!.days.map((d) => d.promisedMs / H)).toEqual([24, 17, 8]);
    const day2 = KioskDaySchema.parse((await get('/api/v1/kiosks/SZ-FT-0001/day/2026-06-02')).json());
    expect(day2.hoursVersion).toBe('wk0917');
    expect(KioskDaySchema.parse((await get('/api/v1/kiosks/SZ-FT-0001/day/2026-06-01')).json()).hoursVersion).toBe('gov24');
    // hours the kiosk config's schema refuses are not kept
    await send(a, [a.event('hours.config', { ...WEEKDAY_HOURS, version: 'bad', promisedHours: { timezone: TZ, weekly: { mon: ['17:00-09:00'] } } })]);
    expect(t.log.lines.some((l) => /hours bad that are not valid hours \(promisedHours\.weekly/.test(l))).toBe(true);
    expect(KioskDetailSchema.parse((await get('/api/v1/kiosks/SZ-FT-0001')).json()).hoursVersion).toBe('wk0917');
  });

  it('stores the heartbeat\'s service usability on the kiosk row, and a history row only when it changes', async () => {
    const clock = new ManualClock(at('2026-06-01T09:00:00'));
    await startHq(clock);
    const a = await t.kiosk('SZ-FT-0001');
    await started(a);
    const paperOut = { providentFundStatement: { usable: false, reason: 'printer out of paper' } };
    const historyRows = () => t.hq.db.selectFrom('kiosk_history').select(['kind', 'services']).where('kiosk_id', '=', 'SZ-FT-0001').where('kind', '=', 'heartbeat').execute();
    const before = (await historyRows()).length;
    clock.t += MIN;
    await beat(a, { lifecycle: 'degraded', services: paperOut });
    clock.t += MIN;
    await beat(a, { lifecycle: 'degraded', services: paperOut });
    const rows = await historyRows();
    expect(rows.length).toBe(before + 1);
    expect(JSON.parse(rows.at(-1)!.services!)).toEqual(paperOut);
    const k = await t.hq.db.selectFrom('kiosks').select('services').where('id', '=', 'SZ-FT-0001').executeTakeFirstOrThrow();
    expect(JSON.parse(k.services!)).toEqual(paperOut);
    // the service is down from then on, in the report
    clock.t = at('2026-06-01T10:00:00');
    expect((await report('from=2026-06-01&to=2026-06-01')).rows[0]!.totals).toMatchObject({ downMs: 59 * MIN });
    // a heartbeat that says nothing of the services (an older agent): in service is usable again
    await beat(a);
    clock.t = at('2026-06-01T11:00:00');
    expect((await report('from=2026-06-01&to=2026-06-01')).rows[0]!.totals).toMatchObject({ downMs: 59 * MIN, upMs: 61 * MIN });
  });
});

describe('PROMISED_HOURS_BROKEN', () => {
  it('names the one service a device fault takes, and clears when the promised hours end even if the kiosk stays locked', async () => {
    const clock = new ManualClock(at('2026-06-01T08:00:00'));
    await startHq(clock);
    const both = await t.kiosk('SZ-FT-0003');
    const office = await t.kiosk('SZ-NS-0001');
    const BOTH: HqEventPayload<'hours.config'> = { ...GOV_24H, version: 'both', services: { providentFundStatement: null, hospitalRegistration: null } };
    await Promise.all([started(both, BOTH), started(office, WEEKDAY_HOURS)]);
    const paperOut = { providentFundStatement: { usable: false, reason: 'printer out of paper' }, hospitalRegistration: { usable: true } };
    clock.t = at('2026-06-01T16:40:00');
    await beat(both, { lifecycle: 'degraded', services: paperOut });
    await status(office, 'remoteLocked', 'inService');
    clock.t = at('2026-06-01T16:56:00');
    await Promise.all([beat(both, { lifecycle: 'degraded', services: paperOut }), beat(office, { lifecycle: 'remoteLocked' })]);
    await t.hq.monitor.tick();
    expect((await alarmsOf('SZ-FT-0003', 'PROMISED_HOURS_BROKEN'))[0]!.detail).toBe(`providentFundStatement unusable inside its promised hours since 2026-06-01 16:40 ${TZ} (16 min): printer out of paper`);
    expect((await alarmsOf('SZ-NS-0001', 'PROMISED_HOURS_BROKEN'))[0]).toMatchObject({ status: 'active-unack' });
    // 17:00: the office kiosk's promised hours end; it is still locked, the alarm clears; the other stays
    clock.t = at('2026-06-01T17:01:00');
    await Promise.all([beat(both, { lifecycle: 'degraded', services: paperOut }), beat(office, { lifecycle: 'remoteLocked' })]);
    await t.hq.monitor.tick();
    expect((await alarmsOf('SZ-NS-0001', 'PROMISED_HOURS_BROKEN'))[0]!.status).toBe('cleared-unack');
    expect((await alarmsOf('SZ-FT-0003', 'PROMISED_HOURS_BROKEN'))[0]!.status).toBe('active-unack');
  });
});

describe('what the rows before a range or a window say', () => {
  it('a day has the same numbers whatever range it is asked in, when the rows before it do not repeat the service usability', async () => {
    const clock = new ManualClock(at('2026-06-01T00:00:00'));
    await startHq(clock);
    const a = await t.kiosk('SZ-FT-0001');
    await started(a);
    // Wednesday 10:00: out of paper, the statement service unusable from then on
    clock.t = at('2026-06-03T10:00:00');
    await beat(a, { lifecycle: 'degraded', services: { providentFundStatement: { usable: false, reason: 'printer out of paper' } } });
    // later rows that do not say the usability again (null: as the row before), as an earlier HQ wrote them
    for (const local of ['2026-06-05T12:00:00', '2026-06-06T12:00:00'])
      await t.hq.db
        .insertInto('kiosk_history')
        .values({ id: sortableId(at(local)), kiosk_id: 'SZ-FT-0001', at: at(local), kiosk_at: null, kind: 'heartbeat', state: 'degraded', lifecycle: 'degraded', detail: 'devices changed', services: null })
        .execute();
    clock.t = at('2026-06-08T00:00:00');
    const wide = (await report('from=2026-06-01&to=2026-06-07')).rows[0]!.days.find((d) => d.day === '2026-06-07')!;
    const narrow = (await report('from=2026-06-07&to=2026-06-07')).rows[0]!.days[0]!;
    expect(narrow).toEqual(wide);
    // down all day: the paper never came back
    expect(narrow).toMatchObject({ day: '2026-06-07', promisedMs: 24 * H, upMs: 0, downMs: 24 * H, noDataMs: 0, availability: 0 });
    const day = KioskDaySchema.parse((await get('/api/v1/kiosks/SZ-FT-0001/day/2026-06-07')).json());
    expect(day.services[0]!.times).toMatchObject({ upMs: 0, downMs: 24 * H });
    expect(day.services[0]!.segments).toEqual([{ from: at('2026-06-07T00:00:00'), to: at('2026-06-08T00:00:00'), state: 'down', reason: 'printer out of paper' }]);
  });

  it('PROMISED_HOURS_BROKEN says since when the current stretch inside promised hours began, however quiet the kiosk was before', async () => {
    const clock = new ManualClock(at('2026-06-01T08:00:00'));
    await startHq(clock);
    const allDay = await t.kiosk('SZ-FT-0004');
    const office = await t.kiosk('SZ-NS-0002');
    await Promise.all([started(allDay), started(office, WEEKDAY_HOURS)]);
    // days of heartbeats that change nothing: no history rows
    for (const d of ['2026-06-02', '2026-06-03', '2026-06-04']) {
      clock.t = at(`${d}T12:00:00`);
      await Promise.all([beat(allDay), beat(office)]);
    }
    // the office kiosk is locked on Thursday 16:50 and stays so overnight: Friday's stretch starts when its hours open
    clock.t = at('2026-06-04T16:50:00');
    await status(office, 'remoteLocked', 'inService');
    clock.t = at('2026-06-05T09:16:00');
    await Promise.all([beat(allDay), beat(office, { lifecycle: 'remoteLocked' })]);
    await t.hq.monitor.tick();
    expect((await alarmsOf('SZ-NS-0002', 'PROMISED_HOURS_BROKEN'))[0]!.detail).toBe(`every service unusable inside its promised hours since 2026-06-05 09:00 ${TZ} (16 min): locked`);
    // the 24-hour kiosk, quiet for four days, is locked at 20:10; a kiosk first heard of at 20:10 comes up locked
    clock.t = at('2026-06-05T20:10:00');
    await status(allDay, 'remoteLocked', 'inService');
    const fresh = await t.kiosk('SZ-FT-0005');
    await send(fresh, [
      fresh.event('agent.started', { uncleanPreviousRun: false, version: '1.0.0', heartbeatSeconds: 30 }),
      fresh.event('hours.config', GOV_24H),
      fresh.heartbeat({ lifecycle: 'remoteLocked' }),
    ]);
    clock.t = at('2026-06-05T20:26:00');
    await Promise.all([beat(allDay, { lifecycle: 'remoteLocked' }), beat(office, { lifecycle: 'remoteLocked' }), beat(fresh, { lifecycle: 'remoteLocked' })]);
    await t.hq.monitor.tick();
    for (const id of ['SZ-FT-0004', 'SZ-FT-0005'])
      expect((await alarmsOf(id, 'PROMISED_HOURS_BROKEN'))[0]!.detail, id).toBe(`every service unusable inside its promised hours since 2026-06-05 20:10 ${TZ} (16 min): locked`);
  });
});

describe('AFTER_HOURS_UNUSED: the "24-hour" machine nobody can use at night', () => {
  it('raises after 3 nights without an after-hours session while it served by day, with sessions by hour; once a day; clears when someone is served at night', async () => {
    const clock = new ManualClock(at('2026-05-31T23:50:00'));
    await startHq(clock);
    const locked = await t.kiosk('SZ-FT-0001');
    const used = await t.kiosk('SZ-FT-0002');
    const office = await t.kiosk('SZ-NS-0001');
    const OFFICE_PLUS: HqEventPayload<'hours.config'> = { ...WEEKDAY_HOURS, version: 'wk0917h', promisedHours: { timezone: TZ, weekly: { ...(WEEKDAY_HOURS.promisedHours.weekly as object), mon: ['09:00-17:30'], tue: ['09:00-17:30'], wed: ['09:00-17:30'] } } };
    clock.t = at('2026-05-31T23:55:00');
    await Promise.all([started(locked), started(used), started(office, OFFICE_PLUS)]);
    await t.hq.monitor.tick();
    let n = 0;
    const session = (k: IngestKiosk, local: string) => {
      clock.t = at(local);
      return send(k, [k.event('session.ended', { sessionId: `s-${++n}`, service: 'providentFundStatement', outcome: 'completed', lastStep: 'receipt', durationMs: 3 * MIN })]);
    };
    // Monday to Wednesday: people by day at all three; at night only at SZ-FT-0002 (Tuesday 22:10)
    for (const d of ['2026-06-01', '2026-06-02', '2026-06-03']) {
      for (const k of [locked, used, office]) {
        await session(k, `${d}T10:15:00`);
        await session(k, `${d}T14:40:00`);
      }
      if (d === '2026-06-02') await session(used, `${d}T22:10:00`);
    }
    clock.t = at('2026-06-04T00:01:00');
    await t.hq.monitor.tick();
    const [alarm] = await alarmsOf('SZ-FT-0001', 'AFTER_HOURS_UNUSED');
    expect(alarm).toMatchObject({ status: 'active-unack', severity: 'major' });
    const byHour = `0,0,0,0,0,0,0,0,0,0,1,0,0,0,1,0,0,0,0,0,0,0,0,0`;
    expect(alarm!.detail).toBe(
      `no session in promised time outside office hours (mon/tue/wed/thu/fri 09:00–17:00, ${TZ}) for 3 nights in a row, while 6 session(s) in office hours. ` +
        `Sessions by local hour 00→23: 2026-06-01 (after hours promised 16 h): ${byHour} · 2026-06-02 (after hours promised 16 h): ${byHour} · 2026-06-03 (after hours promised 16 h): ${byHour}`,
    );
    expect(await alarmsOf('SZ-FT-0002', 'AFTER_HOURS_UNUSED')).toEqual([]);
    // 17:00-17:30 after hours is no night: never suspected
    expect(await alarmsOf('SZ-NS-0001', 'AFTER_HOURS_UNUSED')).toEqual([]);

    // evaluated once per local day: an operator's clear stands until the next day's evaluation
    const operator = await t.as('operator', 'ops');
    expect((await operator('POST', `/api/v1/alarms/${alarm!.id}/clear`, { comment: 'checked' })).statusCode).toBe(200);
    clock.t = at('2026-06-04T09:00:00');
    await t.hq.monitor.tick();
    expect((await alarmsOf('SZ-FT-0001', 'AFTER_HOURS_UNUSED'))[0]!.status).toBe('cleared-unack');
    await session(locked, '2026-06-04T10:15:00');
    clock.t = at('2026-06-05T00:01:00');
    await t.hq.monitor.tick();
    expect((await alarmsOf('SZ-FT-0001', 'AFTER_HOURS_UNUSED')).filter((a) => a.status.startsWith('active'))).toHaveLength(1);

    // someone is served there at night: the next evaluation clears it
    await session(locked, '2026-06-05T23:30:00');
    clock.t = at('2026-06-06T00:01:00');
    await t.hq.monitor.tick();
    expect((await alarmsOf('SZ-FT-0001', 'AFTER_HOURS_UNUSED')).every((a) => !a.status.startsWith('active'))).toBe(true);
  });
});

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
