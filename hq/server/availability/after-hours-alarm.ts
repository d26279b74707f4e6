/**
 * AFTER_HOURS_UNUSED, raised by HQ: the "24-hour" machine behind a locked door. A kiosk that
 * promises hours outside office time (default Mon–Fri 09:00–17:00 in the kiosk's own zone; an
 * option of startHqServer) and served no session in that after-hours time for N nights in a row
 * (default 3) while it served sessions in office time. The detail is the evidence: sessions by
 * local hour for each of those days.
 *
 * A "night" is one local day's promised time outside office time (a weekend day is all of it),
 * less any declared maintenance; a day promising less than `minAfterHoursMs` of it (default 2 h)
 * is no night, so a kiosk that closes at 17:30 is not suspected. Sessions are `session.ended`
 * events at the kiosk's clock. Evaluated once per local day of each zone (the first tick after its
 * midnight, and once after HQ starts), never on every tick. Cleared at the next evaluation that
 * finds an after-hours session, or no longer finds N such nights.
 */
import { FAULT_SEVERITY, FaultCode } from '../../../contracts/faults.ts';
import type { Schedule } from '../../../kiosk-config/hours.ts';
import { WEEKDAYS, type Weekday } from '../../../kiosk-config/schema.ts';
import { ACTIVE, clearAlarmFromKiosk, raiseAlarm } from '../alarms/store.ts';
import type { HqDb } from '../db/open.ts';
import { iso } from '../ids.ts';
import type { HqLog } from '../log.ts';
import { timezoneOf } from './compute.ts';
import { loadVersions, maintenanceOf, type HoursParser } from './load.ts';
import { addDays, dayOf, dayStart, hourOf } from './local-time.ts';
import { promisedSpans, scheduleSpans } from './promised.ts';
import { clip, intersect, subtract, total, type Span } from './spans.ts';

const CODE = FaultCode.AFTER_HOURS_UNUSED;

export interface OfficeHours {
  /** the weekdays offices are open */
  days: readonly Weekday[];
  /** "HH:MM" local, in each kiosk's own zone */
  open: string;
  close: string;
}

export const DEFAULT_OFFICE_HOURS: OfficeHours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], open: '09:00', close: '17:00' };
export const DEFAULT_AFTER_HOURS_NIGHTS = 3;
export const DEFAULT_MIN_AFTER_HOURS_MS = 2 * 3_600_000;
const ZONES_REFRESH_MS = 5 * 60_000;
/** sessions delivered this late (a backlog) are still counted on their own day */
const LATE_MS = 2 * 86_400_000;

export interface AfterHoursOptions {
  officeHours?: OfficeHours;
  /** nights in a row without an after-hours session (default 3) */
  nights?: number;
  /** a day promising less after-hours time than this is no night (default 2 h) */
  minAfterHoursMs?: number;
}

const minuteOf = (field: string, hhmm: string): number => {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm) ?? (hhmm === '24:00' ? ['', '24', '00'] : null);
  if (!m) throw new RangeError(`office hours ${field}: expected "HH:MM", got ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/** Office time as a weekly schedule in `timezone` (throws a RangeError naming the bad field). */
export function officeSchedule(o: OfficeHours, timezone: string): Schedule {
  const openMinute = minuteOf('open', o.open);
  const closeMinute = minuteOf('close', o.close);
  if (closeMinute <= openMinute) throw new RangeError(`office hours: close (${o.close}) must be after open (${o.open})`);
  for (const d of o.days) if (!WEEKDAYS.includes(d)) throw new RangeError(`office hours days: ${JSON.stringify(d)} is not one of ${WEEKDAYS.join(', ')}`);
  const range = { open: o.open, close: o.close, openMinute, closeMinute };
  return { timezone, weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, o.days.includes(d) ? [range] : []])) as Extract<Schedule['weekly'], object>, exceptions: [] };
}

export interface AfterHoursCheck extends AfterHoursOptions {
  db: HqDb;
  log: HqLog;
  flapWindowMs: number;
  hours: HoursParser;
}

interface Night {
  day: string;
  afterHours: Span[];
  office: Span[];
}

/** Evaluates each zone once per local day; `tick` is cheap in between. */
export class AfterHoursWatch {
  private readonly evaluated = new Map<string, string>();
  /** the zones kiosks keep their hours in, looked up again every few minutes (not on every tick) */
  private zones: { at: number; list: string[] } | null = null;
  private readonly office: OfficeHours;
  private readonly nights: number;
  private readonly minAfterHoursMs: number;

  constructor(private readonly o: AfterHoursCheck) {
    this.office = o.officeHours ?? DEFAULT_OFFICE_HOURS;
    officeSchedule(this.office, 'UTC');
    this.nights = o.nights ?? DEFAULT_AFTER_HOURS_NIGHTS;
    if (!Number.isInteger(this.nights) || this.nights < 1) throw new RangeError(`after-hours nights: expected a whole number ≥ 1, got ${this.nights}`);
    this.minAfterHoursMs = o.minAfterHoursMs ?? DEFAULT_MIN_AFTER_HOURS_MS;
  }

  /** At HQ's `now`: evaluate every zone whose local day changed since it was last evaluated. */
  async tick(now: number): Promise<{ raised: string[]; cleared: string[] }> {
    if (!this.zones || now - this.zones.at > ZONES_REFRESH_MS || now < this.zones.at)
      this.zones = { at: now, list: (await this.o.db.selectFrom('kiosk_hours').select('timezone').distinct().execute()).map((z) => z.timezone) };
    const out = { raised: [] as string[], cleared: [] as string[] };
    for (const timezone of this.zones.list) {
      const today = dayOf(now, timezone);
      if (this.evaluated.get(timezone) === today) continue;
      const r = await this.evaluateZone(timezone, today, now);
      out.raised.push(...r.raised);
      out.cleared.push(...r.cleared);
      this.evaluated.set(timezone, today);
    }
    return out;
  }

  /** The N local days before `today` in `timezone`, for every kiosk whose hours are in that zone. */
  async evaluateZone(timezone: string, today: string, now: number): Promise<{ raised: string[]; cleared: string[] }> {
    const { db } = this.o;
    const kiosks = await db
      .selectFrom('kiosks')
      .select(['id', 'site', 'district'])
      .where('enabled', '=', 1)
      .where('id', 'in', db.selectFrom('kiosk_hours').select('kiosk_id').where('timezone', '=', timezone))
      .execute();
    const versions = await loadVersions(
      db,
      kiosks.map((k) => k.id),
      this.o.hours,
    );
    const days = Array.from({ length: this.nights }, (_, i) => addDays(today, i - this.nights));
    const from = dayStart(days[0]!, timezone);
    const to = dayStart(today, timezone);
    const [active, windows] = await Promise.all([
      db.selectFrom('alarms').select('kiosk_id').where('code', '=', CODE).where('status', 'in', ACTIVE).execute(),
      db.selectFrom('maintenance_windows').selectAll().where('starts_at', '<', to).where('ends_at', '>', from).execute(),
    ]);
    const alarmed = new Set(active.map((a) => a.kiosk_id));
    const office = scheduleSpans(officeSchedule(this.office, timezone), from, to);
    const cache = new Map<string, Span[]>();
    const raised: string[] = [];
    const cleared: string[] = [];
    for (const k of kiosks) {
      const v = versions.get(k.id) ?? [];
      if (v.length === 0 || timezoneOf(v) !== timezone) continue;
      const maintenance = maintenanceOf(windows, k);
      const promised = promisedSpans(v, null, from, to, cache);
      const nights: Night[] = days.map((day, i) => {
        const bounds = [dayStart(day, timezone), i + 1 < days.length ? dayStart(days[i + 1]!, timezone) : to] as const;
        const p = clip(promised, ...bounds);
        return { day, afterHours: subtract(subtract(p, office), maintenance), office: intersect(p, office) };
      });
      const suspect = nights.every((n) => total(n.afterHours) >= this.minAfterHoursMs);
      const evidence = suspect ? await this.sessions(k.id, from, to, timezone, nights) : null;
      if (evidence && evidence.atNight === 0 && evidence.byDay > 0) {
        if (alarmed.has(k.id)) continue;
        const detail = this.detail(nights, evidence, timezone);
        await raiseAlarm(db, { kioskId: k.id, code: CODE, severity: FAULT_SEVERITY[CODE], device: 'kiosk', detail, at: iso(now), atMs: now, receivedAt: now, flapWindowMs: this.o.flapWindowMs });
        this.o.log.warn(`AFTER_HOURS_UNUSED raised for kiosk ${k.id}`);
        raised.push(k.id);
      } else if (alarmed.has(k.id)) {
        await clearAlarmFromKiosk(db, { kioskId: k.id, code: CODE, at: iso(now), atMs: now, receivedAt: now });
        this.o.log.info(`AFTER_HOURS_UNUSED cleared for kiosk ${k.id}`);
        cleared.push(k.id);
      }
    }
    return { raised, cleared };
  }

  /** The kiosk's sessions over the nights: how many after hours, how many in office time, and by local hour per day. */
  private async sessions(kioskId: string, from: number, to: number, timezone: string, nights: Night[]) {
    const rows = await this.o.db
      .selectFrom('events')
      .select('at')
      .where('kiosk_id', '=', kioskId)
      .where('type', '=', 'session.ended')
      .where('received_at', '>=', from)
      .where('received_at', '<', to + LATE_MS)
      .execute();
    const byHour = new Map(nights.map((n) => [n.day, new Array<number>(24).fill(0)]));
    let atNight = 0;
    let byDay = 0;
    const inside = (spans: Span[], t: number) => spans.some((s) => s.from <= t && t < s.to);
    for (const r of rows) {
      const t = Date.parse(r.at);
      if (!(t >= from && t < to)) continue;
      const hours = byHour.get(dayOf(t, timezone));
      if (hours) hours[hourOf(t, timezone)]!++;
      if (nights.some((n) => inside(n.afterHours, t))) atNight++;
      else if (nights.some((n) => inside(n.office, t))) byDay++;
    }
    return { atNight, byDay, byHour };
  }

  private detail(nights: Night[], e: { byDay: number; byHour: Map<string, number[]> }, timezone: string): string {
    const o = this.office;
    const office = `${o.days.join('/')} ${o.open}–${o.close}`;
    const hours = (h: number) => `${Math.round(h / 360_000) / 10} h`;
    const perDay = nights.map((n) => `${n.day} (after hours promised ${hours(total(n.afterHours))}): ${e.byHour.get(n.day)!.join(',')}`);
    return `no session in promised time outside office hours (${office}, ${timezone}) for ${nights.length} nights in a row, while ${e.byDay} session(s) in office hours. Sessions by local hour 00→23: ${perDay.join(' · ')}`;
  }
}
