/**
 * `GET /api/v1/first-time-success`'s report: the sessions that ended in the range, counted per
 * service × district / site / kiosk (tries.ts says what counts as a first try).
 *
 * Days are the kiosk's local calendar days, of the moment the session ended: in the time zone of
 * the promised hours the kiosk reported (availability's `kiosk_hours`, the version in force then,
 * else its earliest), and for a kiosk that never reported them in the UTC offset of the event's
 * own `at`. Retries are looked for a little beyond the range (RETRY_MARGIN_MS on each side), so a
 * first try on the range's last evening still sees its retry after midnight, and a session just
 * after `from` still knows it was a retry. Every kiosk HQ knows counts, disabled ones too (the
 * people it served were real); a kiosk without a district or site is grouped under NO_PLACE.
 */
import { FIRST_TIME_SUCCESS_TARGET, type AnalyticsQuery, type FailureReason, type FirstTimeReport } from '../../../contracts/hq-analytics.ts';
import { dayOf, dayStart } from '../availability/local-time.ts';
import type { HqDb } from '../db/open.ts';
import { classifyTries, RowCounts, type EndedSession } from './tries.ts';

/** the group key of kiosks without a district (or site) */
export const NO_PLACE = '(none)';
/** how far beyond the range sessions are read to find retries and what they retried (sessions last minutes, not hours) */
export const RETRY_MARGIN_MS = 3 * 3_600_000;
/** the widest UTC offsets a kiosk can have (−12 h … +14 h) */
const EAST_MS = 14 * 3_600_000;
const WEST_MS = 12 * 3_600_000;
const DAY_MS = 86_400_000;

interface Kiosk {
  id: string;
  site: string | null;
  district: string | null;
  /** promised-hours time zones, by when each took force */
  zones: { from: number; timezone: string }[];
}

export async function firstTimeReport(db: HqDb, q: AnalyticsQuery): Promise<FirstTimeReport> {
  const from = dayStart(q.from, 'UTC') - EAST_MS - RETRY_MARGIN_MS;
  const to = dayStart(q.to, 'UTC') + DAY_MS + WEST_MS + RETRY_MARGIN_MS;
  const kioskQuery = () => {
    let k = db.selectFrom('kiosks').select('id');
    if (q.kioskId !== undefined) k = k.where('id', '=', q.kioskId);
    if (q.site !== undefined) k = k.where('site', '=', q.site);
    if (q.district !== undefined) k = k.where('district', '=', q.district);
    return k;
  };
  let sessions = db
    .selectFrom('session_ends')
    .select(['id', 'kiosk_id', 'service', 'started_at', 'ended_at', 'at', 'person_hash', 'completed', 'failure', 'last_step', 'steps'])
    .where('ended_at', '>=', from)
    .where('ended_at', '<', to)
    .where('kiosk_id', 'in', kioskQuery());
  if (q.service !== undefined) sessions = sessions.where('service', '=', q.service);
  const [kioskRows, zoneRows, rows] = await Promise.all([
    db.selectFrom('kiosks').select(['id', 'site', 'district']).where('id', 'in', kioskQuery()).execute(),
    db.selectFrom('kiosk_hours').select(['kiosk_id', 'timezone', 'in_force_from']).where('kiosk_id', 'in', kioskQuery()).orderBy('in_force_from').execute(),
    sessions.execute(),
  ]);

  const kiosks = new Map<string, Kiosk>(kioskRows.map((k) => [k.id, { ...k, zones: [] }]));
  for (const z of zoneRows) kiosks.get(z.kiosk_id)?.zones.push({ from: Number(z.in_force_from), timezone: z.timezone });

  const ended: (EndedSession & { day: string })[] = [];
  for (const r of rows) {
    const kiosk = kiosks.get(r.kiosk_id);
    if (!kiosk) continue;
    const endedAt = Number(r.ended_at);
    ended.push({
      id: r.id,
      kioskId: r.kiosk_id,
      service: r.service,
      startedAt: Number(r.started_at),
      endedAt,
      personHash: r.person_hash,
      completed: Number(r.completed) === 1,
      failure: r.failure as FailureReason | null,
      lastStep: r.last_step,
      steps: parseSteps(r.steps),
      day: localDay(kiosk, endedAt, r.at),
    });
  }

  const tries = classifyTries(ended);
  const groups = new Map<string, { counts: RowCounts; place: { key: string; district: string | null; site: string | null } }>();
  for (const s of ended) {
    if (s.day < q.from || s.day > q.to) continue;
    const place = placeOf(kiosks.get(s.kioskId)!, q.groupBy);
    const id = `${s.service}\u0000${place.key}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { counts: new RowCounts(s.service), place }));
    // a site's district: the first of its kiosks' that has one
    if (g.place.district === null && place.district !== null) g.place.district = place.district;
    g.counts.add(s, tries);
  }
  const out = [...groups.values()].map((g) => g.counts.row(g.place));
  // worst first; rows without first tries last
  out.sort((a, b) => (a.firstTimeSuccessRate ?? 2) - (b.firstTimeSuccessRate ?? 2) || b.started - a.started || a.key.localeCompare(b.key) || a.service.localeCompare(b.service));
  return { from: q.from, to: q.to, groupBy: q.groupBy, target: FIRST_TIME_SUCCESS_TARGET, rows: out };
}

function placeOf(k: Kiosk, groupBy: AnalyticsQuery['groupBy']): { key: string; district: string | null; site: string | null } {
  if (groupBy === 'kiosk') return { key: k.id, district: k.district, site: k.site };
  if (groupBy === 'site') return { key: k.site ?? NO_PLACE, district: k.district, site: k.site };
  return { key: k.district ?? NO_PLACE, district: k.district, site: null };
}

/** The kiosk's local day of `at` (epoch ms `instant`): see the header. */
function localDay(k: Kiosk, instant: number, at: string): string {
  if (k.zones.length > 0) {
    const inForce = k.zones.findLast((z) => z.from <= instant) ?? k.zones[0]!;
    try {
      return dayOf(instant, inForce.timezone);
    } catch {
      // a zone this HQ's Intl does not know: the event's own offset
    }
  }
  return dayOf(instant + offsetMsOf(at), 'UTC');
}

/** `+08:00` → 8 h in ms; `Z` → 0 */
function offsetMsOf(at: string): number {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(at);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
}

function parseSteps(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}
