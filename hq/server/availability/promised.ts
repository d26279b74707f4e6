/**
 * Promised time as spans: each kiosk's promised-hours versions (its `hours.config` events, as
 * stored in `kiosk_hours`), checked with the kiosk config's own schema and turned into exact
 * instants with kiosk-config/hours.ts (`rangesOn`: weekly ranges, holiday exceptions) in the
 * kiosk's time zone. A service is promised while the kiosk is and while its own hours (if it has
 * any) are; a service the version does not list is not promised at all.
 */
import type { z } from 'zod';
import { ServiceNameSchema } from '../../../contracts/hq.ts';
import { rangesOn, type Schedule } from '../../../kiosk-config/hours.ts';
import { parseHoursChange } from '../../../kiosk-config/schema.ts';
import { addDays, dayOf, instantAt } from './local-time.ts';
import { clip, intersect, normalise, type Span } from './spans.ts';

export type Service = z.infer<typeof ServiceNameSchema>;
export const SERVICES: readonly Service[] = ServiceNameSchema.options;

/** One version's hours, parsed. */
export interface ParsedHours {
  timezone: string;
  promised: Schedule;
  /** each configured service: its own schedule, or null when it keeps the promised hours */
  services: Partial<Record<Service, Schedule | null>>;
}

/** What `kiosk_hours.hours` holds: the kiosk's report in the config's input form. */
export interface StoredHours {
  promisedHours: Record<string, unknown>;
  services: Partial<Record<Service, Record<string, unknown> | null>>;
}

/** Parse stored hours with the kiosk config's schema: the hours, or the first problem (path: message). */
export function parseStoredHours(h: StoredHours): { ok: true; hours: ParsedHours } | { ok: false; problem: string } {
  const services: Record<string, { hours: Record<string, unknown> | null }> = {};
  for (const [s, own] of Object.entries(h.services)) services[s] = { hours: own ?? null };
  const r = parseHoursChange({ promisedHours: h.promisedHours, services });
  if (!r.ok) return { ok: false, problem: r.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
  const p = r.change.promisedHours;
  const out: ParsedHours = { timezone: p.timezone, promised: p, services: {} };
  for (const s of SERVICES) {
    const own = r.change.services?.[s];
    if (own === undefined) continue;
    out.services[s] = own.hours ? { timezone: p.timezone, weekly: own.hours.weekly, exceptions: own.hours.exceptions } : null;
  }
  return { ok: true, hours: out };
}

/** The open spans of `schedule` within [from, to). */
export function scheduleSpans(schedule: Schedule, from: number, to: number): Span[] {
  if (to <= from) return [];
  const tz = schedule.timezone;
  const spans: Span[] = [];
  const last = dayOf(to, tz);
  for (let day = addDays(dayOf(from, tz), -1); day <= last; day = addDays(day, 1)) {
    for (const r of rangesOn(schedule, day).ranges) spans.push({ from: instantAt(day, r.openMinute, tz), to: instantAt(day, r.closeMinute, tz) });
  }
  return clip(normalise(spans), from, to);
}

/** A version of a kiosk's hours and when it was in force: [from, to). */
export interface HoursVersion {
  version: string;
  /** the stored hours text: equal hours, equal spans (the cache's key; the kiosk's version is only a name) */
  key: string;
  from: number;
  to: number;
  hours: ParsedHours;
}

/** Spans are the same for every kiosk with the same version: cache them for one computation. */
export type SpanCache = Map<string, Span[]>;

/** When `service` (null: the kiosk itself) was promised within [from, to), over every version in force then. */
export function promisedSpans(versions: readonly HoursVersion[], service: Service | null, from: number, to: number, cache: SpanCache = new Map()): Span[] {
  const out: Span[] = [];
  for (const v of versions) {
    const a = Math.max(from, v.from);
    const b = Math.min(to, v.to);
    if (b <= a || (service !== null && !(service in v.hours.services))) continue;
    const key = `${service ?? ''}|${from}|${to}|${v.key}`;
    let spans = cache.get(key);
    if (!spans) {
      const kiosk = scheduleSpans(v.hours.promised, from, to);
      const own = service === null ? null : v.hours.services[service];
      spans = own ? intersect(kiosk, scheduleSpans(own, from, to)) : kiosk;
      cache.set(key, spans);
    }
    out.push(...clip(spans, a, b));
  }
  return normalise(out);
}

/** The versions from `kiosk_hours` rows (oldest first), each in force until the next. Rows that do not parse are skipped (logged by the caller). */
export function versionsOf(rows: readonly { version: string; in_force_from: number; hours: string }[], parsed: (row: { version: string; hours: string }) => ParsedHours | null): HoursVersion[] {
  const out: HoursVersion[] = [];
  const sorted = [...rows].sort((a, b) => a.in_force_from - b.in_force_from);
  sorted.forEach((r, i) => {
    const hours = parsed(r);
    if (hours) out.push({ version: r.version, key: r.hours, from: r.in_force_from, to: sorted[i + 1]?.in_force_from ?? Number.MAX_SAFE_INTEGER, hours });
  });
  return out;
}
