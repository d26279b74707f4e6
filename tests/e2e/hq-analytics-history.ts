/**
 * Ten days of a small fleet's life, told to a real HQ through the signed ingest (IngestKiosk) on
 * one hand-moved clock, for the console's analytics pages (tests/e2e/hq-analytics.spec.ts). HQ
 * computes every number the console shows from this; EXPECTED says what those numbers must be,
 * worked out by hand from the story below (all times Asia/Shanghai):
 *
 * - HQ starts 2026-05-31 23:50; every kiosk reports its hours and "in service" at 23:55.
 * - SZ-FT-0001 (福田区, 24/7, provident fund): its printer runs out of paper 06-03 10:00 (an alarm)
 *   and the service is unusable until 06-04 10:00 (24 h down); it falls silent after 06-05 20:00, HQ calls
 *   it offline at 20:10, it is back 06-06 08:00 (11 h 50 min without data).
 * - SZ-FT-0002 (福田区, 24/7, provident fund): usable throughout.
 * - SZ-NS-0001 (南山区, hospital hours 07–17 on weekdays, 08–12 at weekends): locked 06-08 09:00–10:30.
 * - 06-09: sessions for first-time success (see FIRST_TIME below).
 * - HQ's "now" at the end: Wednesday 2026-06-10 12:00, every kiosk just heard from.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FailureReason } from '../../contracts/hq-analytics.ts';
import type { HqEvent, HqEventPayload } from '../../contracts/hq.ts';
import type { RunningHq } from '../../hq/server/server.ts';
import { enrollKiosk } from '../../hq/server/kiosks/enroll.ts';
import { faultPayload, IngestKiosk, type ManualClock } from '../../hq/server/testing.ts';

export const TZ = 'Asia/Shanghai';
const at = (local: string) => Date.parse(`${local}+08:00`);
export const HQ_START = at('2026-05-31T23:50:00');
export const END = at('2026-06-10T12:00:00');
export const TODAY = '2026-06-10';
const MIN = 60_000;

export const KIOSKS = {
  A: { id: 'SZ-FT-0001', district: '福田区', site: '福田区政务服务中心' },
  B: { id: 'SZ-FT-0002', district: '福田区', site: '福田区政务服务中心' },
  C: { id: 'SZ-NS-0001', district: '南山区', site: '南山区人民医院门诊楼' },
} as const;

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const HOURS = {
  gov: { version: 'gov-24h-1', timezone: TZ, promisedHours: { timezone: TZ, weekly: '24/7' }, services: { providentFundStatement: null } },
  hospital: {
    version: 'hosp-1',
    timezone: TZ,
    promisedHours: { timezone: TZ, weekly: { ...Object.fromEntries(WEEKDAYS.map((d) => [d, ['07:00-17:00']])), sat: ['08:00-12:00'], sun: ['08:00-12:00'] } },
    services: { hospitalRegistration: null },
  },
} satisfies Record<string, HqEventPayload<'hours.config'>>;

/** what HQ must answer for 2026-06-01 … 2026-06-10 (today counts up to 12:00) */
export const EXPECTED = {
  from: '2026-06-01',
  to: TODAY,
  /** worst first, with availability and coverage as the console prints them (truncated) */
  kiosks: [
    { id: KIOSKS.A.id, availability: '88.8%', coverage: '94.8%', downH: '24.0', noDataH: '11.8' },
    { id: KIOSKS.C.id, availability: '98.1%', coverage: '100%', downH: '1.5', noDataH: '0' },
    { id: KIOSKS.B.id, availability: '100%', coverage: '100%', downH: '0', noDataH: '0' },
  ],
  districts: [
    { key: '福田区', availability: '94.5%' },
    { key: '南山区', availability: '98.1%' },
  ],
  /** SZ-FT-0001's day of the paper-out: up until 10:00, down after */
  paperOutDay: { day: '2026-06-03', availability: '41.6%', segments: [{ state: 'up', from: '00:00', to: '10:00' }, { state: 'down', from: '10:00', to: '24:00' }] },
};

// ───────────────────────────── first-time success (2026-06-09) ─────────────────────────────

const PF = ['identifying', 'choosingPeriod', 'fetching', 'preview', 'printing'];
const HOSP = ['identifying', 'choosingDepartment', 'choosingDoctor', 'choosingSlot', 'confirmingFee', 'paying', 'registering', 'printingSlip'];

interface Session {
  kiosk: keyof typeof KIOSKS;
  /** local time of its end on 06-09 */
  end: string;
  person: string | null;
  service: 'providentFundStatement' | 'hospitalRegistration';
  /** how many funnel steps it reached */
  reached: number;
  failure: FailureReason | null;
}

const FIRST_TIME: Session[] = [
  // SZ-FT-0001: p1 completes; p2 fails at printing (device) and completes 10 minutes later; p3 times
  // out choosing the period; someone unidentified cancels at once → first tries 4, completed first 1
  { kiosk: 'A', end: '09:00', person: 'p1', service: 'providentFundStatement', reached: 5, failure: null },
  { kiosk: 'A', end: '10:00', person: 'p2', service: 'providentFundStatement', reached: 5, failure: 'device' },
  { kiosk: 'A', end: '10:10', person: 'p2', service: 'providentFundStatement', reached: 5, failure: null },
  { kiosk: 'A', end: '11:00', person: 'p3', service: 'providentFundStatement', reached: 2, failure: 'timeout' },
  { kiosk: 'A', end: '11:30', person: null, service: 'providentFundStatement', reached: 1, failure: 'cancelled' },
  // SZ-FT-0002: two people, both complete
  { kiosk: 'B', end: '09:30', person: 'p4', service: 'providentFundStatement', reached: 5, failure: null },
  { kiosk: 'B', end: '14:00', person: 'p5', service: 'providentFundStatement', reached: 5, failure: null },
  // SZ-NS-0001: two registrations, one payment that did not go through
  { kiosk: 'C', end: '08:30', person: 'p6', service: 'hospitalRegistration', reached: 8, failure: null },
  { kiosk: 'C', end: '09:15', person: 'p7', service: 'hospitalRegistration', reached: 6, failure: 'payment' },
  { kiosk: 'C', end: '10:45', person: 'p8', service: 'hospitalRegistration', reached: 8, failure: null },
];

export const EXPECTED_FIRST_TIME = {
  day: '2026-06-09',
  /** by kiosk, worst first */
  kiosks: [
    { key: KIOSKS.A.id, service: 'providentFundStatement', rate: '25.0%', started: 5, completed: 2, onRetry: 1, topFailure: 'device' },
    { key: KIOSKS.C.id, service: 'hospitalRegistration', rate: '66.6%', started: 3, completed: 2, onRetry: 0, topFailure: 'payment' },
    { key: KIOSKS.B.id, service: 'providentFundStatement', rate: '100%', started: 2, completed: 2, onRetry: 0, topFailure: '' },
  ],
  /** provident fund over both kiosks: sessions reaching each step */
  pfFunnel: { identifying: 7, choosingPeriod: 6, fetching: 5, preview: 5, printing: 5 },
  pfFailed: { device: 1, timeout: 1, cancelled: 1, 'back-office': 0, payment: 0 },
  /** provident fund over both kiosks: 6 first tries (A's 4, B's 2), 3 completed — HQ's counts add up exactly */
  pfRate: '50.0%',
  /** by district: 福田区 has 6 first tries of which 3 completed */
  districts: [
    { key: '福田区', service: 'providentFundStatement', rate: '50.0%' },
    { key: '南山区', service: 'hospitalRegistration', rate: '66.6%' },
  ],
};

function sessionEvent(k: IngestKiosk, s: Session, endedAt: number): HqEvent {
  const steps = (s.service === 'providentFundStatement' ? PF : HOSP).slice(0, s.reached);
  return k.event(
    'session.ended',
    {
      sessionId: randomUUID(),
      service: s.service,
      outcome: s.failure === null ? 'completed' : s.failure === 'timeout' ? 'timeout' : s.failure === 'cancelled' ? 'cancelled' : 'failed',
      lastStep: `session.flow.${steps.at(-1)}`,
      durationMs: 3 * MIN,
      personHash: s.person === null ? null : createHash('md5').update(`${s.kiosk}:${s.person}`).digest('hex'),
      stepsReached: steps,
      failure: s.failure,
    },
    { at: endedAt },
  );
}

// ───────────────────────────── the story, told to HQ ─────────────────────────────

type Step = { at: number; run: () => Promise<unknown> };

export async function tellHistory(hq: RunningHq, clock: ManualClock): Promise<void> {
  const k: Record<keyof typeof KIOSKS, IngestKiosk> = {} as Record<keyof typeof KIOSKS, IngestKiosk>;
  for (const [name, place] of Object.entries(KIOSKS) as [keyof typeof KIOSKS, (typeof KIOSKS)[keyof typeof KIOSKS]][]) {
    const secret = await enrollKiosk(hq.db, place, clock.now);
    k[name] = new IngestKiosk(place.id, secret, clock.now);
  }
  const send = async (name: keyof typeof KIOSKS, events: HqEvent[]) => {
    const r = await k[name].send(hq.url, events);
    if (r.status !== 200 || r.body.accepted !== events.length) throw new Error(`ingest ${KIOSKS[name].id}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  // like a real kiosk, every heartbeat says whether each of its services is usable
  const usable = (name: keyof typeof KIOSKS) => ({ [name === 'C' ? 'hospitalRegistration' : 'providentFundStatement']: { usable: true } });
  const heartbeat = (name: keyof typeof KIOSKS, over: Partial<HqEventPayload<'heartbeat'>> = {}) => k[name].heartbeat({ intervalSeconds: 30, services: usable(name), ...over });
  const beat = (name: keyof typeof KIOSKS, over: Partial<HqEventPayload<'heartbeat'>> = {}) => send(name, [heartbeat(name, over)]);
  const start = (name: keyof typeof KIOSKS, hours: HqEventPayload<'hours.config'>) =>
    send(name, [k[name].event('agent.started', { uncleanPreviousRun: false, version: '1.0.0', heartbeatSeconds: 30 }), k[name].event('hours.config', hours), heartbeat(name)]);
  const paperOut: Partial<HqEventPayload<'heartbeat'>> = {
    lifecycle: 'degraded',
    devices: { idReader: { state: 'ok', faults: [], warnings: [] }, printer: { state: 'fault', faults: ['PRINTER_PAPER_OUT'], warnings: [] }, scanner: { state: 'ok', faults: [], warnings: [] } },
    services: { providentFundStatement: { usable: false, reason: 'printer: paper out' } },
  };

  const steps: Step[] = [
    { at: at('2026-05-31T23:55:00'), run: () => Promise.all([start('A', HOURS.gov), start('B', HOURS.gov), start('C', HOURS.hospital)]) },
    { at: at('2026-06-03T10:00:00'), run: () => send('A', [k.A.event('fault.raised', faultPayload('PRINTER_PAPER_OUT')), heartbeat('A', paperOut)]) },
    { at: at('2026-06-04T10:00:00'), run: () => send('A', [k.A.event('fault.cleared', faultPayload('PRINTER_PAPER_OUT')), heartbeat('A')]) },
    { at: at('2026-06-05T20:00:00'), run: () => beat('A') },
    { at: at('2026-06-05T20:10:00'), run: () => hq.monitor.tick() },
    { at: at('2026-06-06T08:00:00'), run: () => start('A', HOURS.gov) },
    { at: at('2026-06-08T09:00:00'), run: () => beat('C', { lifecycle: 'remoteLocked' }) },
    { at: at('2026-06-08T10:30:00'), run: () => beat('C') },
    ...FIRST_TIME.map((s) => ({ at: at(`2026-06-09T${s.end}:00`), run: () => send(s.kiosk, [sessionEvent(k[s.kiosk], s, clock.now())]) })),
    { at: END - 10_000, run: () => Promise.all([beat('A'), beat('B'), beat('C')]) },
  ];
  // the other kiosks keep reporting while HQ watches for silence, so only SZ-FT-0001 goes offline
  for (const t of [at('2026-06-05T20:09:00')]) steps.push({ at: t, run: () => Promise.all([beat('B'), beat('C')]) });
  steps.sort((a, b) => a.at - b.at);
  for (const s of steps) {
    clock.t = s.at;
    await s.run();
  }
  clock.t = END;
}
