/**
 * First-time success through HQ's real path: a server on a SQLite file, kiosks posting signed
 * session.ended batches over HTTP, the report asked of the operator API. Clocks are pinned; every
 * expected figure below is counted by hand from the sessions each test sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIRST_TIME_SUCCESS_TARGET, FirstTimeReportSchema, RETRY_WINDOW_MS, type FailureReason, type FirstTimeRow } from '../../../contracts/hq-analytics.ts';
import type { HqEventPayload } from '../../../contracts/hq.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import { ManualClock, type IngestKiosk } from '../testing.ts';

const MIN = 60_000;
const PF = ['identifying', 'choosingPeriod', 'fetching', 'preview', 'printing'];
const REG = ['identifying', 'choosingDepartment', 'choosingDoctor', 'choosingSlot', 'confirmingFee', 'paying', 'registering', 'printingSlip'];
const P1 = 'a'.repeat(32);
const P2 = 'b'.repeat(32);
const P3 = 'c'.repeat(32);
const P4 = 'd'.repeat(32);
/** 2026-06-10 at `hhmm` in Shanghai */
const day10 = (hhmm: string) => Date.parse(`2026-06-10T${hhmm}:00+08:00`);

interface Try {
  /** when it ended (epoch ms) */
  end: number;
  minutes?: number;
  person?: string | null;
  failure?: FailureReason | null;
  lastStep: string;
  steps: string[];
  service?: 'providentFundStatement' | 'hospitalRegistration';
}

let dir: string;
let t: TestHq;
let op: Awaited<ReturnType<TestHq['as']>>;
let gov: IngestKiosk;
let hosp: IngestKiosk;
let qk: IngestKiosk;
let n = 0;

const ended = (k: IngestKiosk, s: Try) => {
  const payload: HqEventPayload<'session.ended'> = {
    sessionId: `S-${++n}`,
    service: s.service ?? 'providentFundStatement',
    outcome: s.failure === null ? 'completed' : (s.failure ?? 'cancelled'),
    lastStep: s.lastStep,
    durationMs: (s.minutes ?? 4) * MIN,
    personHash: s.person ?? null,
    stepsReached: s.steps,
    failure: s.failure ?? null,
  };
  return k.event('session.ended', payload, { at: s.end });
};
const accepted = async (k: IngestKiosk, events: unknown[]) => expect((await k.send(t.hq.url, events)).status).toBe(200);
const report = async (query: string) => {
  const r = await op('GET', `/api/v1/first-time-success?${query}`);
  expect(r.statusCode, r.body).toBe(200);
  return FirstTimeReportSchema.parse(r.json());
};
const rowOf = (rows: FirstTimeRow[], key: string, service = 'providentFundStatement') => rows.find((r) => r.key === key && r.service === service)!;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zizhu-first-time-'));
  // HQ's clock: the next morning; the kiosks send what they journaled yesterday
  t = await testHq({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, clock: new ManualClock(Date.parse('2026-06-11T09:00:00+08:00')) });
  op = await t.as('viewer');
  gov = await t.kiosk('K-GOV', { district: '江岸区', site: '市民之家' });
  hosp = await t.kiosk('K-HOSP', { district: '江岸区', site: '协和医院' });
  qk = await t.kiosk('K-QK', { district: '硚口区' });
  // the gov kiosk keeps Shanghai time (its promised hours say so); the others never said
  await accepted(gov, [
    gov.event('hours.config', { version: 'h1', timezone: 'Asia/Shanghai', promisedHours: { timezone: 'Asia/Shanghai', weekly: '24/7' }, services: {} }, { at: day10('00:00') }),
  ]);
  expect(await t.hq.db.selectFrom('kiosk_hours').select('timezone').where('kiosk_id', '=', 'K-GOV').execute()).toEqual([{ timezone: 'Asia/Shanghai' }]);
});
afterEach(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** A day at the gov kiosk: the sessions the header of each line describes. */
const govDay = (): Try[] => [
  // P1: the printer fails them at 10:00; they try again at 10:10 and get the statement
  { end: day10('10:00'), person: P1, failure: 'device', lastStep: 'session.flow.printing', steps: PF },
  { end: day10('10:14'), person: P1, failure: null, lastStep: 'session.flow.takingReceipt', steps: PF },
  // P2: the centre does not answer at 11:00; they come back 31 minutes later: a new first try
  { end: day10('11:00'), minutes: 3, person: P2, failure: 'back-office', lastStep: 'session.flow.fetchFailed', steps: PF.slice(0, 3) },
  { end: day10('11:35'), person: P2, failure: null, lastStep: 'session.flow.takingReceipt', steps: PF },
  // nobody put a card down; the screen timed out
  { end: day10('12:00'), failure: 'timeout', lastStep: 'session.flow.identifying', steps: PF.slice(0, 1) },
  // P3 prints a statement, then a second one for another period: the second is no first try
  { end: day10('13:00'), person: P3, failure: null, lastStep: 'session.flow.takingReceipt', steps: PF },
  { end: day10('13:14'), person: P3, failure: null, lastStep: 'session.flow.takingReceipt', steps: PF },
];

describe('first-time success: the 30-minute rule', () => {
  it('a retry within 30 min makes the first try a failed one; after 31 min it is a new first try; funnel and where people gave up', async () => {
    const events = govDay().map((s) => ended(gov, s));
    // an older kiosk's event: no hash, no steps, no failure; read from its outcome and last step
    events.push(gov.event('session.ended', { sessionId: 'S-old', service: 'providentFundStatement', outcome: 'cancelled', lastStep: 'session.flow.preview', durationMs: 90_000 }, { at: day10('14:00') }));
    await accepted(gov, events);

    const r = await report('from=2026-06-10&to=2026-06-10&groupBy=kiosk');
    expect(r).toMatchObject({ from: '2026-06-10', to: '2026-06-10', groupBy: 'kiosk', target: FIRST_TIME_SUCCESS_TARGET });
    expect(r.rows).toHaveLength(1);
    const row = r.rows[0]!;
    expect(row).toMatchObject({ key: 'K-GOV', service: 'providentFundStatement', district: '江岸区', site: '市民之家' });
    // 8 sessions; 4 completed (P1's retry, P2's second first try, P3 twice)
    expect(row).toMatchObject({ started: 8, completed: 4, abandoned: 4, completedOnRetry: 1, firstTries: 6 });
    expect(row.failed).toEqual({ device: 1, 'back-office': 1, payment: 0, timeout: 1, cancelled: 1 });
    // first tries: P1's 10:00 (failed), P2's 11:00 (failed) and 11:35 (31 min later: completed), the timeout, P3's 13:00 (completed), the old kiosk's cancel
    expect(row.firstTimeSuccessRate).toBeCloseTo(2 / 6, 10);
    expect(row.funnel).toEqual([
      { step: 'identifying', reached: 8 },
      { step: 'choosingPeriod', reached: 7 },
      { step: 'fetching', reached: 7 },
      { step: 'preview', reached: 6 },
      { step: 'printing', reached: 5 },
    ]);
    expect(row.abandonedAt).toEqual([
      { step: 'identifying', count: 1 },
      { step: 'fetching', count: 1 },
      { step: 'preview', count: 1 },
      { step: 'printing', count: 1 },
    ]);

    // the same batch again (a kiosk that lost HQ's answer) counts nothing twice
    await accepted(gov, events);
    expect((await report('from=2026-06-10&to=2026-06-10')).rows[0]).toEqual(row);
  });

  it('the window is exactly 30 minutes between one end and the next start', async () => {
    const start = day10('09:00');
    await accepted(gov, [
      ended(gov, { end: start, person: P1, failure: 'cancelled', lastStep: 'session.flow.choosingPeriod', steps: PF.slice(0, 2) }),
      ended(gov, { end: start + RETRY_WINDOW_MS + 4 * MIN, person: P1, failure: null, lastStep: 'session.flow.takingReceipt', steps: PF }),
      ended(gov, { end: start + 2 * RETRY_WINDOW_MS + 8 * MIN + 1, person: P1, failure: null, lastStep: 'session.flow.takingReceipt', steps: PF }),
    ]);
    const row = (await report('from=2026-06-10&to=2026-06-10')).rows[0]!;
    // the second started exactly 30 min after the first ended: a retry; the third 1 ms later than that: a first try
    expect(row).toMatchObject({ started: 3, completed: 2, completedOnRetry: 1, firstTries: 2 });
    expect(row.firstTimeSuccessRate).toBe(1 / 2);
  });

  it('the same person at another kiosk within 30 min is a first try there; rows per district and site, worst first; filters', async () => {
    await accepted(gov, govDay().map((s) => ended(gov, s)));
    await accepted(hosp, [
      ended(hosp, { service: 'hospitalRegistration', end: day10('10:20'), minutes: 6, person: P1, failure: null, lastStep: 'session.flow.takingSlip', steps: REG }),
      ended(hosp, { service: 'hospitalRegistration', end: day10('11:00'), person: P4, failure: 'payment', lastStep: 'session.flow.paymentNotCompleted', steps: REG.slice(0, 6) }),
      ended(hosp, { service: 'hospitalRegistration', end: day10('11:15'), person: P4, failure: null, lastStep: 'session.flow.takingSlip', steps: REG }),
    ]);
    await accepted(qk, [ended(qk, { end: day10('15:00'), person: P1, failure: null, lastStep: 'session.flow.takingReceipt', steps: PF })]);

    const byDistrict = await report('from=2026-06-10&to=2026-06-10&groupBy=district');
    expect(byDistrict.rows.map((r) => [r.key, r.service, r.district, r.site, r.started, r.firstTries, r.firstTimeSuccessRate])).toEqual([
      ['江岸区', 'providentFundStatement', '江岸区', null, 7, 5, 2 / 5],
      ['江岸区', 'hospitalRegistration', '江岸区', null, 3, 2, 1 / 2],
      ['硚口区', 'providentFundStatement', '硚口区', null, 1, 1, 1],
    ]);
    const hospRow = rowOf(byDistrict.rows, '江岸区', 'hospitalRegistration');
    expect(hospRow).toMatchObject({ completed: 2, completedOnRetry: 1, failed: { device: 0, 'back-office': 0, payment: 1, timeout: 0, cancelled: 0 } });
    expect(hospRow.funnel.map((f) => f.reached)).toEqual([3, 3, 3, 3, 3, 3, 2, 2]);
    expect(hospRow.abandonedAt).toEqual([{ step: 'paying', count: 1 }]);

    const bySite = await report('from=2026-06-10&to=2026-06-10&groupBy=site');
    expect(bySite.rows.map((r) => [r.key, r.district, r.site])).toEqual([
      ['市民之家', '江岸区', '市民之家'],
      ['协和医院', '江岸区', '协和医院'],
      ['(none)', '硚口区', null],
    ]);

    expect((await report('from=2026-06-10&to=2026-06-10&service=hospitalRegistration')).rows.map((r) => r.key)).toEqual(['K-HOSP']);
    expect((await report('from=2026-06-10&to=2026-06-10&district=硚口区')).rows.map((r) => r.key)).toEqual(['K-QK']);
    expect((await report('from=2026-06-10&to=2026-06-10&site=协和医院&district=')).rows.map((r) => r.key)).toEqual(['K-HOSP']);
    expect((await report('from=2026-06-10&to=2026-06-10&kioskId=K-GOV&groupBy=district')).rows.map((r) => [r.key, r.started])).toEqual([['江岸区', 7]]);
  });
});

describe('first-time success: days, storage, refusals', () => {
  it("a session counts on the kiosk's local day: its promised hours' zone, else the offset its event was sent with", async () => {
    // 01:30 on the 11th in Shanghai is 17:30 UTC on the 10th
    await accepted(gov, [ended(gov, { end: Date.parse('2026-06-10T17:30:00Z'), person: P1, failure: null, lastStep: 'session.flow.takingReceipt', steps: PF })]);
    // a kiosk that never reported its hours, sending local time with its offset
    const e = ended(hosp, { service: 'hospitalRegistration', end: 0, person: P2, failure: 'cancelled', lastStep: 'session.flow.choosingDoctor', steps: REG.slice(0, 3) });
    await accepted(hosp, [{ ...e, at: '2026-06-11T00:30:00+08:00' }]);
    expect((await report('from=2026-06-10&to=2026-06-10')).rows).toEqual([]);
    const r = await report('from=2026-06-11&to=2026-06-11');
    expect(r.rows.map((x) => [x.key, x.started])).toEqual([
      ['K-HOSP', 1],
      ['K-GOV', 1],
    ]);
  });

  it('what HQ counted survives its restart (the SQLite file)', async () => {
    await accepted(gov, govDay().map((s) => ended(gov, s)));
    const before = await report('from=2026-06-01&to=2026-06-30');
    await t.close();
    t = await testHq({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, clock: t.clock });
    op = await t.as('viewer', 'viewer2');
    expect(await report('from=2026-06-01&to=2026-06-30')).toEqual(before);
    expect(before.rows[0]).toMatchObject({ started: 7, completedOnRetry: 1 });
  });

  it('refuses a bad query with 400 naming the field, a range over 92 days, and anyone not signed in', async () => {
    const refused = async (query: string, field: string) => {
      const r = await op('GET', `/api/v1/first-time-success?${query}`);
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toMatch(new RegExp(`^${field}: `));
    };
    await refused('to=2026-06-10', 'from');
    await refused('from=2026-06-10&to=10.06.2026', 'to');
    await refused('from=2026-02-30&to=2026-03-01', 'from');
    await refused('from=2026-06-10&to=2026-06-10&groupBy=city', 'groupBy');
    await refused('from=2026-06-10&to=2026-06-09', 'to');
    await refused('from=2026-01-01&to=2026-04-03', 'to');
    // 92 days is allowed
    expect((await op('GET', '/api/v1/first-time-success?from=2026-01-01&to=2026-04-02')).statusCode).toBe(200);
    const anonymous = await fetch(`${t.hq.url}/api/v1/first-time-success?from=2026-06-10&to=2026-06-10`);
    expect(anonymous.status).toBe(401);
  });

  it('ingest refuses a session.ended whose person hash or failure is not one (400 naming the field), and stores none of the batch', async () => {
    const bad = ended(gov, { end: day10('10:00'), person: 'not-a-hash', failure: 'device', lastStep: 'session.flow.printing', steps: PF });
    const r = await gov.send(t.hq.url, [bad]);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/personHash/);
    const worse = ended(gov, { end: day10('10:00'), person: P1, lastStep: 'session.flow.printing', steps: PF });
    (worse.payload as { failure: string }).failure = 'bad-luck';
    expect((await gov.send(t.hq.url, [worse])).body.error).toMatch(/failure/);
    expect(await t.hq.db.selectFrom('session_ends').select('id').execute()).toEqual([]);
  });
});
