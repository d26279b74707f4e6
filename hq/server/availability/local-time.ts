/**
 * Local calendar days and wall-clock minutes in a kiosk's IANA time zone, as exact instants (Intl,
 * so DST days are 23 or 25 hours long and a report never assumes 24). A wall time that does not
 * exist (a spring-forward gap) resolves forward, as kiosk-config/hours.ts does; one that exists
 * twice (fall back) is the earlier instant. Results are cached: a report asks the same few zones
 * and days for every kiosk.
 */

const DAY_MS = 86_400_000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Wall {
  y: number;
  m: number;
  d: number;
  h: number;
  min: number;
  s: number;
}

function wallAt(instant: number, timeZone: string): Wall {
  const p: Record<string, string> = {};
  for (const x of formatterFor(timeZone).formatToParts(new Date(instant))) p[x.type] = x.value;
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), h: Number(p.hour), min: Number(p.minute), s: Number(p.second) };
}

/** local wall time minus UTC at `instant`, ms */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallAt(instant, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - (instant - (((instant % 1000) + 1000) % 1000));
}

export function isCalendarDay(s: string): boolean {
  const m = DAY_RE.exec(s);
  if (!m) return false;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === s;
}

function ymd(day: string): [number, number, number] {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`not a day "YYYY-MM-DD": ${day}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** `day` plus `n` calendar days */
export function addDays(day: string, n: number): string {
  const [y, m, d] = ymd(day);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included. */
export function daysFrom(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** How many days `from`..`to` spans, both included (0 when to < from). */
export const dayCount = (from: string, to: string): number => Math.max(0, Math.round((Date.UTC(...ymdUtc(to)) - Date.UTC(...ymdUtc(from))) / DAY_MS) + 1);
const ymdUtc = (day: string): [number, number, number] => {
  const [y, m, d] = ymd(day);
  return [y, m - 1, d];
};

const instants = new Map<string, number>();

/** The instant of local `day` + `minute` (0…1440) in `timeZone`. */
export function instantAt(day: string, minute: number, timeZone: string): number {
  const key = `${timeZone}|${day}|${minute}`;
  let t = instants.get(key);
  if (t !== undefined) return t;
  const [y, m, d] = ymd(day);
  const wall = Date.UTC(y, m - 1, d, 0, minute);
  // the offsets on either side of the wall time (a zone changes its offset at most once within a day)
  const before = offsetAt(wall - DAY_MS / 2, timeZone);
  const after = offsetAt(wall + DAY_MS / 2, timeZone);
  const fits = [wall - before, wall - after].filter((c) => offsetAt(c, timeZone) === wall - c);
  // none fits: the wall time is in a gap; with the offset before the jump it lands just after it (forward)
  t = fits.length ? Math.min(...fits) : wall - before;
  if (instants.size > 200_000) instants.clear();
  instants.set(key, t);
  return t;
}

/** Where local `day` begins in `timeZone`. */
export const dayStart = (day: string, timeZone: string): number => instantAt(day, 0, timeZone);

/** The local day (YYYY-MM-DD) `instant` falls on in `timeZone`. */
export function dayOf(instant: number, timeZone: string): string {
  const w = wallAt(instant, timeZone);
  return `${String(w.y).padStart(4, '0')}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

/** Local hour (0–23) of `instant` in `timeZone`. */
export const hourOf = (instant: number, timeZone: string): number => wallAt(instant, timeZone).h;

/** Local "HH:MM" of `instant`, with the day when it is not `day`. */
export function localText(instant: number, timeZone: string, day?: string): string {
  const w = wallAt(instant, timeZone);
  const hhmm = `${String(w.h).padStart(2, '0')}:${String(w.min).padStart(2, '0')}`;
  const d = dayOf(instant, timeZone);
  return day === d ? hhmm : `${d} ${hhmm}`;
}
