/**
 * The analytics pages' arithmetic and words that need no React: calendar days as `YYYY-MM-DD`
 * strings (no time zone involved), the default range from HQ's "today", percentages that never
 * round up to 100 %, hours, the availability colour scale shared by the calendar and the table
 * strips, and clock times in a kiosk's own time zone.
 */
import type { AvailabilityTimes } from '../../../../contracts/hq-analytics.ts';
import type { KioskSummary } from '../../../../contracts/hq-api.ts';

const DAY_MS = 86_400_000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` → epoch ms of that date at 00:00 UTC (a day number, not an instant), or NaN */
function dayNumber(day: string): number {
  const m = DAY_RE.exec(day);
  if (!m) return NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // 2026-02-31 is not a day
  return new Date(ms).toISOString().slice(0, 10) === day ? ms : NaN;
}

export const isDay = (s: string | null | undefined): s is string => !!s && !Number.isNaN(dayNumber(s));

export function addDays(day: string, n: number): string {
  return new Date(dayNumber(day) + n * DAY_MS).toISOString().slice(0, 10);
}

/** how many days `from` … `to` holds, both included (0 when `to` is before `from`) */
export function dayCount(from: string, to: string): number {
  return Math.max(0, Math.round((dayNumber(to) - dayNumber(from)) / DAY_MS) + 1);
}

/** 0 = Sunday … 6 = Saturday */
export const weekday = (day: string): number => new Date(dayNumber(day)).getUTCDay();

/** the browser's calendar day of the instant `ms` (its zone is where the reader is) */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * HQ's "now" as the console can know it: the latest time HQ heard from any kiosk (HQ's clock, never
 * the browser's). Null when no kiosk was ever seen.
 */
export function hqNowFrom(kiosks: Pick<KioskSummary, 'lastSeenAt'>[]): number | null {
  let latest: number | null = null;
  for (const k of kiosks) {
    const ms = k.lastSeenAt ? Date.parse(k.lastSeenAt) : NaN;
    if (!Number.isNaN(ms) && (latest === null || ms > latest)) latest = ms;
  }
  return latest;
}

export interface DayRange {
  from: string;
  to: string;
}

/** the `days` days ending on `today` (included) */
export function rangeEnding(today: string, days: number): DayRange {
  return { from: addDays(today, -(days - 1)), to: today };
}

/** 0.99951 → `99.9%`: truncated, so nothing short of all of it shows as 100 %; null → `—` */
export function pct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (x >= 1) return '100%';
  const f = 10 ** digits;
  return `${(Math.floor(x * 100 * f) / f).toFixed(digits)}%`;
}

/** milliseconds as hours with one decimal: `0`, `<0.1`, `2.5`, `37.0` */
export function hours(ms: number): string {
  if (ms <= 0) return '0';
  const h = ms / 3_600_000;
  return h < 0.05 ? '<0.1' : h.toFixed(1);
}

/** milliseconds as whole minutes (rounded; anything above zero is at least 1) */
export function minutes(ms: number): number {
  return ms <= 0 ? 0 : Math.max(1, Math.round(ms / 60_000));
}

// ───────────────────────────── the availability colour scale ─────────────────────────────

/** how a day (or a total) reads on the scale */
export type AvailabilityBand = 'none' | 'no-data' | 'lt90' | 'lt95' | 'lt98' | 'lt995' | 'top';

/** worst to best; `min` is the lowest availability in the band */
export const AVAILABILITY_BANDS: { band: Exclude<AvailabilityBand, 'none' | 'no-data'>; min: number; colour: string }[] = [
  { band: 'lt90', min: 0, colour: '#c62828' },
  { band: 'lt95', min: 0.9, colour: '#ec7a21' },
  { band: 'lt98', min: 0.95, colour: '#f0c02e' },
  { band: 'lt995', min: 0.98, colour: '#8dc26a' },
  { band: 'top', min: 0.995, colour: '#2f8f4e' },
];
/** promised time, but HQ knows nothing of it */
export const NO_DATA_COLOUR = '#9aa7b3';
/** nothing promised that day (or all of it in maintenance) */
export const NONE_COLOUR = '#eef1f4';

export function bandOf(t: Pick<AvailabilityTimes, 'promisedMs' | 'maintenanceMs' | 'availability'>): AvailabilityBand {
  if (t.promisedMs - t.maintenanceMs <= 0) return 'none';
  if (t.availability === null) return 'no-data';
  let band: AvailabilityBand = 'lt90';
  for (const b of AVAILABILITY_BANDS) if (t.availability >= b.min) band = b.band;
  return band;
}

export function bandColour(band: AvailabilityBand): string {
  if (band === 'none') return NONE_COLOUR;
  if (band === 'no-data') return NO_DATA_COLOUR;
  return AVAILABILITY_BANDS.find((b) => b.band === band)!.colour;
}

/**
 * The calendar's value of a day: its availability, −1 with no data, −2 with nothing promised (the
 * visual map has a piece for each).
 */
export function calendarValue(t: Pick<AvailabilityTimes, 'promisedMs' | 'maintenanceMs' | 'availability'>): number {
  const band = bandOf(t);
  return band === 'none' ? -2 : band === 'no-data' ? -1 : t.availability!;
}

/** The sum of several groups' times (the whole selection), availability and coverage as the contract defines them. */
export function sumTimes(list: readonly AvailabilityTimes[]): AvailabilityTimes {
  const s = { promisedMs: 0, upMs: 0, downMs: 0, noDataMs: 0, maintenanceMs: 0 };
  for (const t of list) {
    s.promisedMs += t.promisedMs;
    s.upMs += t.upMs;
    s.downMs += t.downMs;
    s.noDataMs += t.noDataMs;
    s.maintenanceMs += t.maintenanceMs;
  }
  const known = s.upMs + s.downMs;
  const outside = s.promisedMs - s.maintenanceMs;
  return { ...s, availability: known > 0 ? s.upMs / known : null, coverage: outside > 0 ? Math.min(1, known / outside) : null };
}

// ───────────────────────────── a kiosk's own clock ─────────────────────────────

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, kind: 'clock' | 'day' | 'offset'): Intl.DateTimeFormat {
  const key = `${timeZone}|${kind}`;
  let f = formatters.get(key);
  if (!f) {
    const o: Intl.DateTimeFormatOptions =
      kind === 'clock'
        ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : kind === 'day'
          ? { year: 'numeric', month: '2-digit', day: '2-digit' }
          : { timeZoneName: 'shortOffset' };
    try {
      f = new Intl.DateTimeFormat(kind === 'day' ? 'en-CA' : 'en-GB', { ...o, timeZone });
    } catch {
      // a zone this browser does not know: UTC, and the label says so
      f = new Intl.DateTimeFormat(kind === 'day' ? 'en-CA' : 'en-GB', { ...o, timeZone: 'UTC' });
    }
    formatters.set(key, f);
  }
  return f;
}

/** `HH:mm` of `ms` in `timeZone` */
export function zonedClock(ms: number, timeZone: string): string {
  return formatter(timeZone, 'clock').format(ms);
}

/** `YYYY-MM-DD` of `ms` in `timeZone` */
export function zonedDay(ms: number, timeZone: string): string {
  return formatter(timeZone, 'day').format(ms);
}

/** `HH:mm` in `timeZone`, with the date in front when it is not `day` (an alarm raised the day before) */
export function zonedTime(ms: number, timeZone: string, day: string): string {
  const d = zonedDay(ms, timeZone);
  return d === day ? zonedClock(ms, timeZone) : `${d.slice(5)} ${zonedClock(ms, timeZone)}`;
}

const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;

/** HQ's words with the instants in them (`since 2026-05-31T15:55:00.000Z`) rewritten by `show` (the kiosk's clock) */
export function localiseInstants(text: string, show: (ms: number) => string): string {
  return text.replace(ISO_INSTANT, (iso) => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : show(ms);
  });
}

/** `Asia/Shanghai (GMT+8)` */
export function zoneLabel(timeZone: string, at: number): string {
  const offset = formatter(timeZone, 'offset')
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  return offset ? `${timeZone} (${offset})` : timeZone;
}

/** where each tick goes on a day's band: every `stepHours` from its start, as a share of its length and a local clock label */
export function dayTicks(start: number, end: number, timeZone: string, stepHours = 3): { at: number; share: number; label: string }[] {
  const ticks: { at: number; share: number; label: string }[] = [];
  if (end <= start) return ticks;
  for (let at = start; at <= end; at += stepHours * 3_600_000) {
    ticks.push({ at, share: (at - start) / (end - start), label: at === end ? '24:00' : zonedClock(at, timeZone) });
  }
  if (ticks.at(-1)!.at !== end) ticks.push({ at: end, share: 1, label: '24:00' });
  return ticks;
}

/** `5 小时 12 分` / `5 h 12 min`, `45 分` / `45 min`, `0` */
export function hoursMinutes(ms: number, locale: 'zh-CN' | 'en'): string {
  const total = minutes(ms);
  if (total === 0) return '0';
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (locale === 'en') return h ? `${h} h${m ? ` ${m} min` : ''}` : `${m} min`;
  return h ? `${h} 小时${m ? ` ${m} 分` : ''}` : `${m} 分`;
}

/** `周二` / `Tue` of a calendar day */
export function weekdayName(day: string, locale: 'zh-CN' | 'en'): string {
  return new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(dayNumber(day));
}

// ───────────────────────────── the filters in the address ─────────────────────────────

export const DEFAULT_RANGE_DAYS = 30;
/** the reports are heavy and change slowly: asked again every minute while shown */
export const ANALYTICS_POLL_MS = 60_000;
const GROUPS = ['district', 'site', 'kiosk'] as const;

export interface AnalyticsFilters extends DayRange {
  groupBy: (typeof GROUPS)[number];
  service: string;
  district: string;
  site: string;
  kioskId: string;
}

/**
 * The reports' filters from the page's address: `from`/`to` as given (the server says what is wrong
 * with them), else the `DEFAULT_RANGE_DAYS` days ending on HQ's `today`; `groupBy` kiosk unless
 * district or site.
 */
export function filtersFrom(params: URLSearchParams, today: string): AnalyticsFilters {
  const given = (k: string) => params.get(k)?.trim() ?? '';
  const fallback = rangeEnding(today, DEFAULT_RANGE_DAYS);
  const groupBy = GROUPS.find((g) => g === given('groupBy')) ?? 'kiosk';
  return {
    from: given('from') || (given('to') && isDay(given('to')) ? addDays(given('to'), -(DEFAULT_RANGE_DAYS - 1)) : fallback.from),
    to: given('to') || fallback.to,
    groupBy,
    service: given('service'),
    district: given('district'),
    site: given('site'),
    kioskId: given('kioskId'),
  };
}

// ───────────────────────────── the calendar's frame ─────────────────────────────

/** px around the calendar's cells: weekday names on the left, months above */
export const CALENDAR = { left: 34, top: 26, right: 6, bottom: 6 };

/** how many week columns `from` … `to` spans (weeks start on Monday) */
export function weekColumns(from: string, to: string): number {
  const lead = (weekday(from) + 6) % 7;
  return Math.ceil((lead + dayCount(from, to)) / 7);
}

/** the calendar's square cells (larger for shorter ranges) and its size */
export function calendarLayout(from: string, to: string): { cell: number; width: number; height: number } {
  const weeks = weekColumns(from, to);
  const cell = weeks <= 6 ? 40 : weeks <= 10 ? 34 : 28;
  return { cell, width: CALENDAR.left + weeks * cell + CALENDAR.right, height: CALENDAR.top + 7 * cell + CALENDAR.bottom };
}

/** the centre of `day`'s cell in the calendar of `from` … `to`, px from its top left (tests click there) */
export function calendarCellCentre(from: string, to: string, day: string): { x: number; y: number } {
  const { cell } = calendarLayout(from, to);
  const index = (weekday(from) + 6) % 7 + dayCount(from, day) - 1;
  return { x: CALENDAR.left + Math.floor(index / 7) * cell + cell / 2, y: CALENDAR.top + (index % 7) * cell + cell / 2 };
}

/** the selection's worst days (lowest availability below 100 %), at most `n`, worst first */
export function worstDays<D extends { day: string; availability: number | null }>(days: readonly D[], n = 3): D[] {
  return days
    .filter((d) => d.availability !== null && d.availability < 1)
    .sort((a, b) => a.availability! - b.availability! || a.day.localeCompare(b.day))
    .slice(0, n);
}

/** the address change that shows the level below a district (its sites) or a site (its kiosks); null for a kiosk, or a group of kiosks with no district / site */
export function drillPatch(groupBy: AnalyticsFilters['groupBy'], row: { key: string; district: string | null; site: string | null }): Record<string, string | null> | null {
  if (groupBy === 'district') return row.district === null ? null : { groupBy: 'site', district: row.key, site: null };
  if (groupBy === 'site') return row.site === null ? null : { groupBy: null, site: row.key, district: row.district };
  return null;
}
