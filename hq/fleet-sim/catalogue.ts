/**
 * What a simulated kiosk can go through: the faults it raises (with how long they last and which
 * devices they hit), how its sessions end, and its promised hours (Asia/Shanghai, UTC+8 all year, so
 * computed from epoch ms alone: nothing depends on the host's time zone).
 */
import type { FaultCode } from '../../contracts/faults.ts';
import type { FailureReason } from '../../contracts/hq-analytics.ts';
import type { HqEventPayload } from '../../contracts/hq.ts';
import { hoursVersion } from '../../contracts/hours-version.ts';
import type { KioskKind } from './places.ts';

export type FaultSource = 'idReader' | 'printer' | 'scanner' | 'screen';
export type DeviceName = 'idReader' | 'printer' | 'scanner';

export interface FaultKind {
  code: FaultCode;
  device: FaultSource;
  /** blocks what needs the device (false: a warning) */
  blocking: boolean;
  detail: string;
  /** how often, relative to the others */
  weight: number;
  /** how long until it clears, ms of the kiosk's clock */
  lastsMs: [number, number];
}

const MIN = 60_000;
export const FAULT_KINDS: readonly FaultKind[] = [
  { code: 'PRINTER_PAPER_NEAR_END', device: 'printer', blocking: false, detail: '打印机纸将尽 (paper near end)', weight: 5, lastsMs: [10 * MIN, 60 * MIN] },
  { code: 'PRINTER_PAPER_OUT', device: 'printer', blocking: true, detail: '打印机缺纸 (paper out)', weight: 4, lastsMs: [5 * MIN, 40 * MIN] },
  { code: 'PRINTER_NOT_DELIVERING', device: 'printer', blocking: true, detail: '2 jobs in a row accepted, nothing came out', weight: 2, lastsMs: [10 * MIN, 60 * MIN] },
  { code: 'PRINTER_COVER_OPEN', device: 'printer', blocking: true, detail: '打印机盖打开 (cover open)', weight: 1, lastsMs: [1 * MIN, 10 * MIN] },
  { code: 'PRINTER_PAPER_JAM', device: 'printer', blocking: true, detail: '卡纸 (paper jam)', weight: 1, lastsMs: [5 * MIN, 30 * MIN] },
  { code: 'DEVICE_LINK_DOWN', device: 'printer', blocking: true, detail: 'printer link down: /dev/serial/by-id/usb-printer (EIO), reopening', weight: 1, lastsMs: [0.5 * MIN, 5 * MIN] },
  { code: 'DEVICE_LINK_DOWN', device: 'idReader', blocking: true, detail: 'ID reader link down: /dev/serial/by-id/usb-idreader unplugged, reopening', weight: 1, lastsMs: [0.5 * MIN, 5 * MIN] },
  { code: 'IDREADER_NO_RESPONSE', device: 'idReader', blocking: true, detail: 'ID reader did not answer 3 polls', weight: 1, lastsMs: [2 * MIN, 20 * MIN] },
  { code: 'SCANNER_NO_RESPONSE', device: 'scanner', blocking: true, detail: 'QR scanner silent since the last health check', weight: 1, lastsMs: [2 * MIN, 20 * MIN] },
  { code: 'RENDERER_CRASHED', device: 'screen', blocking: true, detail: 'renderer process gone (crashed), reloading', weight: 1, lastsMs: [5_000, 30_000] },
  { code: 'SCREEN_BLACK', device: 'screen', blocking: true, detail: 'no painted frame for 10 s', weight: 0.5, lastsMs: [1 * MIN, 10 * MIN] },
];

export const DEVICES_OF: Record<KioskKind, readonly DeviceName[]> = {
  'gov-24h': ['idReader', 'printer'],
  hospital: ['idReader', 'printer', 'scanner'],
};

/** what each kind's one service needs working (a blocking fault there makes it unusable): a hospital's registration is paid by a code on screen, no scanner needed */
export const SERVICE_NEEDS: Record<KioskKind, readonly FaultSource[]> = {
  'gov-24h': ['idReader', 'printer', 'screen'],
  hospital: ['idReader', 'printer', 'screen'],
};

const kindsFor = (kind: KioskKind): readonly FaultKind[] => FAULT_KINDS.filter((f) => f.device === 'screen' || DEVICES_OF[kind].includes(f.device));
const FAULT_KINDS_OF: Record<KioskKind, readonly FaultKind[]> = { 'gov-24h': kindsFor('gov-24h'), hospital: kindsFor('hospital') };

/** the faults a kiosk of `kind` can have (a gov kiosk has no scanner) */
export function faultKindsFor(kind: KioskKind): readonly FaultKind[] {
  return FAULT_KINDS_OF[kind];
}

export function pickWeighted<T extends { weight: number }>(items: readonly T[], r: number): T {
  const total = items.reduce((s, x) => s + x.weight, 0);
  let at = r * total;
  for (const x of items) {
    at -= x.weight;
    if (at < 0) return x;
  }
  return items[items.length - 1]!;
}

export interface SessionEnd {
  outcome: string;
  /** the flow state it ended in, as a kiosk's session.ended says it */
  lastStep: string;
  /** the furthest funnel step reached (contracts/hq-analytics.ts FUNNEL_STEPS) */
  reached: string;
  /** why it did not complete (contracts/session-funnel.ts); null: completed */
  failure: FailureReason | null;
  /** a receipt came out (print.delivered) */
  printed?: boolean;
  weight: number;
  durationMs: [number, number];
}

/** How the fleet's sessions end: most complete; the rest fail the way the seeds' kiosks failed people. */
export const SESSION_ENDS: Record<KioskKind, readonly SessionEnd[]> = {
  'gov-24h': [
    { outcome: 'completed', lastStep: 'session.flow.takingReceipt', reached: 'printing', failure: null, printed: true, weight: 72, durationMs: [60_000, 180_000] },
    { outcome: 'no-account', lastStep: 'session.flow.noAccount', reached: 'fetching', failure: null, weight: 2, durationMs: [30_000, 60_000] },
    { outcome: 'cancelled', lastStep: 'session.flow.preview', reached: 'preview', failure: 'cancelled', weight: 6, durationMs: [30_000, 120_000] },
    { outcome: 'timeout', lastStep: 'session.flow.identifying', reached: 'identifying', failure: 'timeout', weight: 6, durationMs: [60_000, 90_000] },
    { outcome: 'timeout', lastStep: 'session.flow.choosingPeriod', reached: 'choosingPeriod', failure: 'timeout', weight: 3, durationMs: [60_000, 120_000] },
    { outcome: 'cancelled', lastStep: 'session.flow.fetchFailed', reached: 'fetching', failure: 'back-office', weight: 5, durationMs: [20_000, 60_000] },
    { outcome: 'undelivered', lastStep: 'session.flow.undelivered', reached: 'printing', failure: 'device', weight: 6, durationMs: [90_000, 200_000] },
  ],
  hospital: [
    { outcome: 'registered', lastStep: 'session.flow.takingSlip', reached: 'printingSlip', failure: null, printed: true, weight: 62, durationMs: [90_000, 300_000] },
    { outcome: 'viewed-existing', lastStep: 'session.flow.existingRegistrations', reached: 'identifying', failure: null, weight: 4, durationMs: [30_000, 60_000] },
    { outcome: 'cancelled', lastStep: 'session.flow.choosingDepartment', reached: 'choosingDepartment', failure: 'cancelled', weight: 3, durationMs: [30_000, 90_000] },
    { outcome: 'cancelled', lastStep: 'session.flow.choosingDoctor', reached: 'choosingDoctor', failure: 'cancelled', weight: 5, durationMs: [30_000, 120_000] },
    { outcome: 'not-registered', lastStep: 'session.flow.slotTaken', reached: 'choosingSlot', failure: 'cancelled', weight: 4, durationMs: [40_000, 120_000] },
    { outcome: 'timeout', lastStep: 'session.flow.confirmingFee', reached: 'confirmingFee', failure: 'timeout', weight: 5, durationMs: [60_000, 180_000] },
    { outcome: 'not-registered', lastStep: 'session.flow.paymentNotCompleted', reached: 'paying', failure: 'payment', weight: 8, durationMs: [180_000, 300_000] },
    { outcome: 'timeout', lastStep: 'session.flow.unavailable', reached: 'choosingDoctor', failure: 'back-office', weight: 4, durationMs: [40_000, 120_000] },
    { outcome: 'not-registered', lastStep: 'session.flow.moneyReturned', reached: 'registering', failure: 'back-office', weight: 2, durationMs: [180_000, 300_000] },
    { outcome: 'registered', lastStep: 'session.flow.slipNotPrinted', reached: 'printingSlip', failure: null, weight: 2, durationMs: [120_000, 300_000] },
    // the reader could not read the card; an agent restart mid-payment
    { outcome: 'timeout', lastStep: 'session.flow.identifying', reached: 'identifying', failure: 'device', weight: 2, durationMs: [60_000, 90_000] },
    { outcome: 'recovered', lastStep: 'session.flow.charging.paying', reached: 'paying', failure: 'device', weight: 1, durationMs: [120_000, 300_000] },
  ],
};

/** how likely a person tries again (at the same kiosk, within minutes) after each kind of failure */
export const RETRY_CHANCE: Record<FailureReason, number> = { device: 0.6, 'back-office': 0.5, payment: 0.6, timeout: 0.25, cancelled: 0.3 };

/** sessions per open hour, on the kiosk's clock */
export const SESSIONS_PER_HOUR: Record<KioskKind, number> = { 'gov-24h': 6, hospital: 12 };

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
/** hospital outpatient halls: 07:00–21:00 every day; gov-24h kiosks never close */
const HOSPITAL_OPENS_MS = 7 * 3_600_000;
const HOSPITAL_CLOSES_MS = 21 * 3_600_000;
export const HOSPITAL_HOURS = '07:00–21:00';

/** Whether a kiosk of `kind` is open at `at` (epoch ms) and when that next changes (null: never). */
export function hoursAt(kind: KioskKind, at: number): { open: boolean; nextChangeAt: number | null } {
  if (kind === 'gov-24h') return { open: true, nextChangeAt: null };
  const local = at + SHANGHAI_OFFSET_MS;
  const intoDay = ((local % DAY_MS) + DAY_MS) % DAY_MS;
  const midnight = at - intoDay;
  if (intoDay < HOSPITAL_OPENS_MS) return { open: false, nextChangeAt: midnight + HOSPITAL_OPENS_MS };
  if (intoDay < HOSPITAL_CLOSES_MS) return { open: true, nextChangeAt: midnight + HOSPITAL_CLOSES_MS };
  return { open: false, nextChangeAt: midnight + DAY_MS + HOSPITAL_OPENS_MS };
}

const TZ = 'Asia/Shanghai';
const hhmm = (ms: number): string => `${String(Math.floor(ms / 3_600_000)).padStart(2, '0')}:${String(Math.floor(ms / 60_000) % 60).padStart(2, '0')}`;

/** `hours.config` as a kiosk with these hours reports it (runtime/hq-link/hours-report.ts: the config's input form, its version) */
function hoursReport(weekly: unknown, services: HqEventPayload<'hours.config'>['services']): HqEventPayload<'hours.config'> {
  const promisedHours = { timezone: TZ, weekly, exceptions: [] };
  return { version: hoursVersion({ promisedHours, services }), timezone: TZ, promisedHours, services };
}

/** What each kind says its promised hours are, once at every start: gov-24h kiosks 24/7, hospital halls the same hours `hoursAt` keeps, every day. */
export const HOURS_REPORT: Record<KioskKind, HqEventPayload<'hours.config'>> = {
  'gov-24h': hoursReport('24/7', { providentFundStatement: null }),
  hospital: hoursReport(Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [`${hhmm(HOSPITAL_OPENS_MS)}-${hhmm(HOSPITAL_CLOSES_MS)}`]])), { hospitalRegistration: null }),
};
