/**
 * Promised hours as answers: is the kiosk (or one service) promised to be usable at an instant,
 * until when, and when does it next open. Local time is the schedule's IANA zone (Intl), so the
 * answers are right whatever zone the machine's clock is set to.
 */
import { WEEKDAYS, type KioskConfig, type PromisedHours, type ServiceName, type TimeRange, type Weekday } from './schema.ts';

/** The shape both promised hours and a service's own hours have (a service inherits the zone). */
export interface Schedule {
  timezone: string;
  weekly: PromisedHours['weekly'];
  exceptions: PromisedHours['exceptions'];
}

export interface HoursAnswer {
  open: boolean;
  /** when open: the instant it closes (null: open for the foreseeable future, e.g. 24/7) */
  closesAt: Date | null;
  /** when closed: the instant it next opens (null: no opening within a year) */
  opensAt: Date | null;
  /** when the day is a listed exception: its reason, for the lockout screen */
  exceptionReason?: string;
}

const HORIZON_DAYS = 400;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Local {
  y: number;
  m: number;
  d: number;
  minute: number;
  second: number;
}

function localAt(instant: number, timeZone: string): Local {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instant))) parts[p.type] = p.value;
  return { y: Number(parts.year), m: Number(parts.month), d: Number(parts.day), minute: Number(parts.hour) * 60 + Number(parts.minute), second: Number(parts.second) };
}

/** The instant at local date (y, m, d) + minute in `timeZone` (DST gaps resolve forward). */
function instantOf(y: number, m: number, d: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d, 0, minute);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const l = localAt(guess, timeZone);
    const seen = Date.UTC(l.y, l.m - 1, l.d, 0, l.minute);
    const diff = wall - seen;
    if (diff === 0) break;
    guess += diff;
  }
  return guess;
}

const isoDate = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

function addDays(y: number, m: number, d: number, n: number): [number, number, number] {
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

function weekdayOf(y: number, m: number, d: number): Weekday {
  return WEEKDAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7]!;
}

const ALL_DAY: TimeRange[] = [{ open: '00:00', close: '24:00', openMinute: 0, closeMinute: 1440 }];

/** The open ranges on a local date, exceptions first, sorted. */
export function rangesOn(schedule: Schedule, date: string): { ranges: TimeRange[]; exceptionReason?: string } {
  const ex = schedule.exceptions.find((e) => e.date === date);
  if (ex) return { ranges: [...ex.ranges].sort((a, b) => a.openMinute - b.openMinute), ...(ex.reason ? { exceptionReason: ex.reason } : {}) };
  if (schedule.weekly === '24/7') return { ranges: ALL_DAY };
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return { ranges: [...schedule.weekly[weekdayOf(y, m, d)]].sort((a, b) => a.openMinute - b.openMinute) };
}

/** Is `schedule` open at `at`, until when, or when does it next open. */
export function hoursAt(schedule: Schedule, at: Date | number): HoursAnswer {
  const t = typeof at === 'number' ? at : at.getTime();
  const tz = schedule.timezone;
  const now = localAt(t, tz);
  const today = rangesOn(schedule, isoDate(now.y, now.m, now.d));
  const reason = today.exceptionReason ? { exceptionReason: today.exceptionReason } : {};
  const current = today.ranges.find((r) => r.openMinute <= now.minute && now.minute < r.closeMinute);

  if (current) {
    // follow the open interval across midnight (…–24:00 then 00:00–…) to its real end
    let [y, m, d] = [now.y, now.m, now.d];
    let end = current.closeMinute;
    for (let i = 0; i < HORIZON_DAYS && end === 1440; i++) {
      [y, m, d] = addDays(y, m, d, 1);
      const first = rangesOn(schedule, isoDate(y, m, d)).ranges[0];
      if (!first || first.openMinute !== 0) return { open: true, closesAt: new Date(instantOf(y, m, d, 0, tz)), opensAt: null, ...reason };
      end = first.closeMinute;
    }
    return { open: true, closesAt: end === 1440 ? null : new Date(instantOf(y, m, d, end, tz)), opensAt: null, ...reason };
  }

  const later = today.ranges.find((r) => r.openMinute > now.minute);
  if (later) return { open: false, closesAt: null, opensAt: new Date(instantOf(now.y, now.m, now.d, later.openMinute, tz)), ...reason };
  let [y, m, d] = [now.y, now.m, now.d];
  for (let i = 0; i < HORIZON_DAYS; i++) {
    [y, m, d] = addDays(y, m, d, 1);
    const first = rangesOn(schedule, isoDate(y, m, d)).ranges[0];
    if (first) return { open: false, closesAt: null, opensAt: new Date(instantOf(y, m, d, first.openMinute, tz)), ...reason };
  }
  return { open: false, closesAt: null, opensAt: null, ...reason };
}

/** A service's schedule: its own hours if it has them (in the promised-hours zone), else the promised hours. */
export function serviceSchedule(config: KioskConfig, service: ServiceName): Schedule {
  const own = (config.services[service] as { hours?: Omit<Schedule, 'timezone'> } | undefined)?.hours;
  return own ? { timezone: config.promisedHours.timezone, weekly: own.weekly, exceptions: own.exceptions } : config.promisedHours;
}
