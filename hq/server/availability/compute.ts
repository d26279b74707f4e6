/**
 * Availability of one kiosk, per service and local day, as contracts/hq-analytics.ts counts it:
 * promised time (its hours versions, promised.ts) split into up / down / no data (timeline.ts) /
 * maintenance (declared windows, excluded from both sides). Pure: the caller loads the rows
 * (load.ts); the API, the bench and the tests all come through here.
 *
 * Only time up to `now` is counted: a day still running counts its promised time so far, and a
 * day view shows what is still ahead as `no-data` "not yet" (not counted).
 */
import type { AvailabilityTimes } from '../../../contracts/hq-analytics.ts';
import { addDays, dayStart } from './local-time.ts';
import { promisedSpans, SERVICES, type HoursVersion, type Service, type SpanCache } from './promised.ts';
import { intersect, type Span } from './spans.ts';
import { merge, statusSegments, type ServicesParser, type StateRow, type StatusSegment } from './timeline.ts';

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';
export const NOT_YET = 'not yet';

export interface KioskData {
  id: string;
  /** oldest first (promised.ts versionsOf) */
  versions: HoursVersion[];
  /** history rows sorted by time; the first ones may be from before the range (the state it starts in: load.ts startingRows) */
  rows: StateRow[];
  /** declared maintenance windows that cover this kiosk (normalised) */
  maintenance: Span[];
}

export interface ComputeContext {
  /** HQ's clock */
  now: number;
  /** when HQ was not running (normalised) */
  hqDown: Span[];
  cache: SpanCache;
  parser: ServicesParser;
}

export type SegmentState = 'up' | 'down' | 'no-data' | 'maintenance' | 'not-promised';
export interface DaySegment extends Span {
  state: SegmentState;
  reason: string | null;
}

export interface Counted {
  promisedMs: number;
  upMs: number;
  downMs: number;
  noDataMs: number;
  maintenanceMs: number;
}

export interface DayResult {
  day: string;
  start: number;
  end: number;
  times: Counted;
  segments?: DaySegment[];
}

export interface KioskResult {
  timezone: string;
  services: { service: Service; days: DayResult[] }[];
}

export const zeroCounted = (): Counted => ({ promisedMs: 0, upMs: 0, downMs: 0, noDataMs: 0, maintenanceMs: 0 });

export function addCounted(into: Counted, c: Counted): Counted {
  into.promisedMs += c.promisedMs;
  into.upMs += c.upMs;
  into.downMs += c.downMs;
  into.noDataMs += c.noDataMs;
  into.maintenanceMs += c.maintenanceMs;
  return into;
}

/** The ratios: availability = up / (up + down); coverage = (up + down) / (promised − maintenance). */
export function timesOf(c: Counted): AvailabilityTimes {
  const known = c.upMs + c.downMs;
  const counted = c.promisedMs - c.maintenanceMs;
  return { ...c, availability: known > 0 ? c.upMs / known : null, coverage: counted > 0 ? known / counted : null };
}

/** The kiosk's zone: its latest version's (days are its own local days). */
export const timezoneOf = (versions: readonly HoursVersion[]): string => versions[versions.length - 1]?.hours.timezone ?? DEFAULT_TIMEZONE;

/** Every service any of the kiosk's versions lists. */
export function servicesOf(versions: readonly HoursVersion[]): Service[] {
  return SERVICES.filter((s) => versions.some((v) => s in v.hours.services));
}

/** Per service (`only`, else every service it lists) and day of `days` (consecutive, ascending). */
export function computeKiosk(k: KioskData, days: readonly string[], ctx: ComputeContext, o: { only?: Service; segments?: boolean } = {}): KioskResult {
  const timezone = timezoneOf(k.versions);
  const services = o.only ? (servicesOf(k.versions).includes(o.only) ? [o.only] : []) : servicesOf(k.versions);
  if (days.length === 0) return { timezone, services: [] };
  const bounds = [...days.map((d) => dayStart(d, timezone)), dayStart(addDays(days[days.length - 1]!, 1), timezone)];
  const from = bounds[0]!;
  const to = bounds[bounds.length - 1]!;
  return {
    timezone,
    services: services.map((service) => {
      const promised = promisedSpans(k.versions, service, from, to, ctx.cache);
      const maintenance = intersect(promised, k.maintenance);
      const status = statusSegments(k.rows, service, from, Math.max(from, Math.min(ctx.now, to)), ctx.hqDown, ctx.parser);
      return { service, days: sweep(days, bounds, promised, maintenance, status, ctx.now, o.segments === true) };
    }),
  };
}

/** One pass over every boundary: each piece of the range gets one state and is counted on its day. */
function sweep(days: readonly string[], bounds: number[], promised: Span[], maintenance: Span[], status: StatusSegment[], now: number, withSegments: boolean): DayResult[] {
  const out: DayResult[] = days.map((day, i) => ({ day, start: bounds[i]!, end: bounds[i + 1]!, times: zeroCounted(), ...(withSegments ? { segments: [] } : {}) }));
  const cuts = new Set<number>(bounds);
  for (const list of [promised, maintenance, status]) for (const s of list) cuts.add(s.from).add(s.to);
  if (now > bounds[0]! && now < bounds[bounds.length - 1]!) cuts.add(now);
  const sorted = [...cuts].sort((a, b) => a - b);
  let d = 0;
  let ip = 0;
  let im = 0;
  let is = 0;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    if (a < bounds[0]! || b > bounds[bounds.length - 1]!) continue;
    while (bounds[d + 1]! <= a) d++;
    while (ip < promised.length && promised[ip]!.to <= a) ip++;
    while (im < maintenance.length && maintenance[im]!.to <= a) im++;
    while (is < status.length && status[is]!.to <= a) is++;
    const inPromise = ip < promised.length && promised[ip]!.from <= a;
    const inMaintenance = im < maintenance.length && maintenance[im]!.from <= a;
    const seg = a < now ? status[is] : undefined;
    let state: SegmentState;
    let reason: string | null = null;
    if (!inPromise) state = 'not-promised';
    else if (inMaintenance) state = 'maintenance';
    else if (!seg) [state, reason] = ['no-data', NOT_YET];
    else [state, reason] = [seg.state, seg.reason];
    const day = out[d]!;
    const ms = b - a;
    if (inPromise && a < now) {
      day.times.promisedMs += ms;
      if (state === 'up') day.times.upMs += ms;
      else if (state === 'down') day.times.downMs += ms;
      else if (state === 'maintenance') day.times.maintenanceMs += ms;
      else day.times.noDataMs += ms;
    }
    day.segments?.push({ from: a, to: b, state, reason });
  }
  if (withSegments) for (const day of out) day.segments = merge(day.segments!);
  return out;
}
