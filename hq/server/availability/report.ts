/**
 * The availability answers of the operator API (contracts/hq-analytics.ts): the report per
 * district / site / kiosk and day, ranked worst first, the same as CSV, and one kiosk's day for the
 * drill-down timeline. Each loads its rows (load.ts) and computes them (compute.ts).
 */
import type { AnalyticsQuery, AvailabilityReport, AvailabilityRow, KioskDay } from '../../../contracts/hq-analytics.ts';
import type { HqDb } from '../db/open.ts';
import { NO_PLACE } from '../first-time/report.ts';
import { iso } from '../ids.ts';
import type { HqLog } from '../log.ts';
import { addCounted, computeKiosk, timesOf, zeroCounted, type ComputeContext, type Counted } from './compute.ts';
import { addDays, dayStart, daysFrom } from './local-time.ts';
import { HoursParser, loadAvailability, type KioskFilter, type Loaded } from './load.ts';
import type { Service } from './promised.ts';
import { ServicesParser } from './timeline.ts';

export interface ReportOptions {
  /** HQ's clock */
  now: number;
  /** this server's run in hq_runs (alive up to now) */
  currentRunId: string | null;
  log?: HqLog;
}

/** Local days of every zone: from 14 h before UTC's `from` to 14 h after UTC's day after `to`. */
const ZONE_MARGIN_MS = 14 * 3_600_000;
const utcDay = (day: string): number => Date.parse(`${day}T00:00:00Z`);
const spanOfDays = (from: string, to: string) => ({ from: utcDay(from) - ZONE_MARGIN_MS, to: utcDay(addDays(to, 1)) + ZONE_MARGIN_MS });

async function load(db: HqDb, filter: KioskFilter, from: string, to: string, o: ReportOptions): Promise<{ loaded: Loaded; ctx: ComputeContext }> {
  const span = spanOfDays(from, to);
  const loaded = await loadAvailability(db, filter, span.from, span.to, { now: o.now, currentRunId: o.currentRunId, hours: new HoursParser(o.log) });
  return { loaded, ctx: { now: o.now, hqDown: loaded.hqDown, cache: new Map(), parser: new ServicesParser() } };
}

interface Group {
  key: string;
  districts: Set<string | null>;
  sites: Set<string | null>;
  kiosks: number;
  days: Counted[];
}

/** `GET /api/v1/availability`: `q` already validated (routes.ts). */
export async function availabilityReport(db: HqDb, q: AnalyticsQuery, o: ReportOptions): Promise<AvailabilityReport> {
  const days = daysFrom(q.from, q.to);
  const filter: KioskFilter = { ...(q.kioskId !== undefined ? { kioskId: q.kioskId } : {}), ...(q.site !== undefined ? { site: q.site } : {}), ...(q.district !== undefined ? { district: q.district } : {}) };
  const { loaded, ctx } = await load(db, filter, q.from, q.to, o);
  const only = q.service as Service | undefined;
  const groups = new Map<string, Group>();
  for (const k of loaded.kiosks) {
    const key = (q.groupBy === 'district' ? k.district : q.groupBy === 'site' ? k.site : k.id) ?? NO_PLACE;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, districts: new Set(), sites: new Set(), kiosks: 0, days: days.map(zeroCounted) }));
    g.kiosks++;
    g.districts.add(k.district);
    g.sites.add(k.site);
    for (const s of computeKiosk(k, days, ctx, only ? { only } : {}).services) s.days.forEach((d, i) => addCounted(g.days[i]!, d.times));
  }
  const rows: AvailabilityRow[] = [...groups.values()].map((g) => ({
    key: g.key,
    district: g.districts.size === 1 ? [...g.districts][0]! : null,
    site: q.groupBy === 'district' || g.sites.size !== 1 ? null : [...g.sites][0]!,
    kioskCount: g.kiosks,
    totals: timesOf(g.days.reduce((t, d) => addCounted(t, d), zeroCounted())),
    days: g.days.map((d, i) => ({ day: days[i]!, ...timesOf(d) })),
  }));
  return { from: q.from, to: q.to, groupBy: q.groupBy, service: q.service ?? null, days, rows: rows.sort(worstFirst) };
}

/** Lowest availability first; no data last; then least coverage, then key. */
function worstFirst(a: AvailabilityRow, b: AvailabilityRow): number {
  const av = (r: AvailabilityRow) => r.totals.availability ?? Number.POSITIVE_INFINITY;
  const cov = (r: AvailabilityRow) => r.totals.coverage ?? Number.POSITIVE_INFINITY;
  return av(a) - av(b) || cov(a) - cov(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

// ───────────────────────────── CSV ─────────────────────────────

const CSV_HEADER = ['group_by', 'key', 'district', 'site', 'kiosk_count', 'day', 'promised_ms', 'up_ms', 'down_ms', 'no_data_ms', 'maintenance_ms', 'availability', 'coverage'];

/** One CSV field: quoted when it must be; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
function field(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const ratio = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);

/** The report as CSV (UTF-8 with BOM, CRLF, one row per group and day plus a `total` row per group), the same numbers as the JSON. */
export function reportCsv(r: AvailabilityReport): string {
  const lines = [CSV_HEADER.join(',')];
  for (const row of r.rows) {
    for (const [day, t] of [['total', row.totals] as const, ...row.days.map((d) => [d.day, d] as const)])
      lines.push(
        [r.groupBy, row.key, row.district, row.site, row.kioskCount, day, t.promisedMs, t.upMs, t.downMs, t.noDataMs, t.maintenanceMs, ratio(t.availability), ratio(t.coverage)].map(field).join(','),
      );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

// ───────────────────────────── one kiosk's day ─────────────────────────────

const SESSION_LATE_MS = 2 * 86_400_000;

/** `GET /api/v1/kiosks/:id/day/:date`, or null when HQ has no such kiosk. */
export async function kioskDay(db: HqDb, kioskId: string, day: string, o: ReportOptions): Promise<KioskDay | null> {
  const exists = await db.selectFrom('kiosks').select('id').where('id', '=', kioskId).executeTakeFirst();
  if (!exists) return null;
  const { loaded, ctx } = await load(db, { kioskId, anyState: true }, day, day, o);
  const k = loaded.kiosks[0]!;
  const result = computeKiosk(k, [day], ctx, { segments: true });
  const start = dayStart(day, result.timezone);
  const end = dayStart(addDays(day, 1), result.timezone);
  const inForce = [...k.versions].reverse().find((v) => v.from < Math.min(end, Math.max(start + 1, o.now)));
  const [history, alarms, sessions] = await Promise.all([
    db.selectFrom('kiosk_history').select(['at', 'state', 'detail']).where('kiosk_id', '=', kioskId).where('at', '>=', start).where('at', '<', end).orderBy('at').orderBy('id').execute(),
    db.selectFrom('alarms').selectAll().where('kiosk_id', '=', kioskId).orderBy('updated_at', 'desc').limit(500).execute(),
    db
      .selectFrom('events')
      .select(['at', 'payload'])
      .where('kiosk_id', '=', kioskId)
      .where('type', '=', 'session.ended')
      .where('received_at', '>=', start)
      .where('received_at', '<', end + SESSION_LATE_MS)
      .execute(),
  ]);
  const opening = k.rows.filter((r) => r.at < start).pop();
  const states = [
    ...(opening ? [{ at: start, state: opening.state, detail: `since ${iso(opening.at)}` }] : []),
    ...history.map((h) => ({ at: Number(h.at), state: h.state, detail: h.detail })),
  ];
  const overlaps = (from: number, to: number | null) => from < end && (to === null || to >= start);
  return {
    kioskId,
    day,
    timezone: result.timezone,
    hoursVersion: inForce?.version ?? null,
    start,
    end,
    services: result.services.map((s) => ({ service: s.service, times: timesOf(s.days[0]!.times), segments: s.days[0]!.segments!.map((g) => ({ from: g.from, to: g.to, state: g.state, reason: g.reason })) })),
    states,
    alarms: alarms
      .filter((a) => overlaps(Date.parse(a.raised_at), a.cleared_at ? Date.parse(a.cleared_at) : a.operator_cleared_at))
      .reverse()
      .map((a) => ({ id: a.id, code: a.code, severity: a.severity, raisedAt: a.raised_at, clearedAt: a.cleared_at ?? (a.operator_cleared_at === null ? null : iso(a.operator_cleared_at)) })),
    sessions: sessions
      .map((e) => ({ t: Date.parse(e.at), at: e.at, p: parseSession(e.payload) }))
      .filter((e) => e.t >= start && e.t < end)
      .sort((a, b) => a.t - b.t)
      .map((e) => ({ at: e.at, service: e.p.service, outcome: e.p.outcome })),
  };
}

function parseSession(payload: string): { service: string; outcome: string } {
  try {
    const p = JSON.parse(payload) as { service?: unknown; outcome?: unknown };
    return { service: String(p.service ?? ''), outcome: String(p.outcome ?? '') };
  } catch {
    return { service: '', outcome: '' };
  }
}
