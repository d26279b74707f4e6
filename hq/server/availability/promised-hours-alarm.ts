/**
 * PROMISED_HOURS_BROKEN, raised by HQ: a kiosk whose service (any, or every) has been unusable
 * inside its promised hours for longer than the threshold (default 15 min) — whatever the cause:
 * a device fault, but also switched off (offline), locked by HQ or staff, out of service, in
 * maintenance nobody declared. The detail says which service, since when (local time) and why.
 * Cleared when every service promised now is usable again, when the promised hours end, or inside
 * a declared maintenance window.
 *
 * Cheap on every tick: only kiosks whose row shows trouble (offline, not in service or degraded, a
 * service unusable) are looked at, a kiosk not promised now not again before its next promised
 * window (a fleet closed at night costs nothing), and a kiosk's history is read only while its
 * unusable time has not reached the threshold yet.
 */
import { FAULT_SEVERITY, FaultCode } from '../../../contracts/faults.ts';
import { ACTIVE, clearAlarmFromKiosk, raiseAlarm } from '../alarms/store.ts';
import type { HqDb } from '../db/open.ts';
import { iso } from '../ids.ts';
import { stateOf } from '../ingest/apply.ts';
import type { HqLog } from '../log.ts';
import { servicesOf, timezoneOf } from './compute.ts';
import { covers, loadVersions, startingRows, type HoursParser } from './load.ts';
import { localText } from './local-time.ts';
import { promisedSpans, type HoursVersion, type Service } from './promised.ts';
import { spanAt, type Span } from './spans.ts';
import { isStateRow, statusSegments, usabilityOf, type ServicesParser, type StateRow } from './timeline.ts';

export const DEFAULT_BROKEN_AFTER_MS = 15 * 60_000;
const CODE = FaultCode.PROMISED_HOURS_BROKEN;
/** how far back a promised window and an unusable stretch are followed, and how far ahead the next window */
const LOOKBACK_MS = 2 * 86_400_000;
const LOOKAHEAD_MS = 86_400_000;

export interface PromisedHoursCheck {
  db: HqDb;
  log: HqLog;
  flapWindowMs: number;
  /** unusable inside promised hours for longer than this raises the alarm */
  thresholdMs: number;
  hours: HoursParser;
  parser: ServicesParser;
  /** kiosks not promised now, by hours version: not looked at again before `until` (their next promised window) */
  quiet: Map<string, { version: string; until: number }>;
}

interface Unusable {
  service: Service;
  /** when the current promised window began (bounded by LOOKBACK_MS) */
  windowFrom: number;
  reason: string;
}

/** One pass at HQ's `now`: the kiosks it raised and cleared the alarm for. */
export async function checkPromisedHours(o: PromisedHoursCheck, now: number): Promise<{ raised: string[]; cleared: string[] }> {
  const [troubled, active, windows] = await Promise.all([
    o.db
      .selectFrom('kiosks')
      .select(['id', 'site', 'district', 'lifecycle', 'offline', 'services', 'hours_version'])
      .where('enabled', '=', 1)
      .where('hours_version', 'is not', null)
      .where('last_seen_at', 'is not', null)
      .where((eb) => eb.or([eb('offline', '=', 1), eb('lifecycle', 'is', null), eb('lifecycle', 'not in', ['inService', 'degraded']), eb('services', 'like', '%"usable":false%')]))
      .execute(),
    o.db.selectFrom('alarms').select('kiosk_id').where('code', '=', CODE).where('status', 'in', ACTIVE).execute(),
    o.db.selectFrom('maintenance_windows').selectAll().where('starts_at', '<=', now).where('ends_at', '>', now).where('created_at', '<=', now).execute(),
  ]);
  const alarmed = new Set(active.map((a) => a.kiosk_id));
  const candidates = troubled.filter((k) => {
    const q = o.quiet.get(k.id);
    return !(q && q.version === k.hours_version && now < q.until);
  });
  const versions = await loadVersions(
    o.db,
    candidates.map((k) => k.id),
    o.hours,
  );
  const spanCache = new Map<string, Span[]>();
  const broken = new Set<string>();
  const raised: string[] = [];
  for (const k of candidates) {
    const v = versions.get(k.id) ?? [];
    if (v.length === 0) continue;
    if (windows.some((w) => covers(w, k))) continue;
    const state = stateOf(k.lifecycle, k.offline === 1);
    const services = k.services === null ? null : o.parser.parse(k.services);
    const unusable: Unusable[] = [];
    let promisedNow = 0;
    let next = now + LOOKAHEAD_MS;
    for (const service of servicesOf(v)) {
      const spans = promisedSpans(v, service, now - LOOKBACK_MS, now + LOOKAHEAD_MS, spanCache);
      const window = spanAt(spans, now);
      next = Math.min(next, spans.find((x) => x.from > now)?.from ?? next);
      if (!window) continue;
      promisedNow++;
      const u = usabilityOf(state, services, service);
      if (u.state !== 'up') unusable.push({ service, windowFrom: window.from, reason: u.reason ?? state });
    }
    if (promisedNow === 0) o.quiet.set(k.id, { version: k.hours_version!, until: next });
    else o.quiet.delete(k.id);
    if (unusable.length === 0) continue;
    if (alarmed.has(k.id)) {
      broken.add(k.id);
      continue;
    }
    const detail = await brokenDetail(o, k.id, v, unusable, promisedNow, now);
    if (!detail) continue;
    broken.add(k.id);
    await raiseAlarm(o.db, { kioskId: k.id, code: CODE, severity: FAULT_SEVERITY[CODE], device: 'kiosk', detail, at: iso(now), atMs: now, receivedAt: now, flapWindowMs: o.flapWindowMs });
    o.log.warn(`PROMISED_HOURS_BROKEN raised for kiosk ${k.id}: ${detail}`);
    raised.push(k.id);
  }
  const cleared: string[] = [];
  for (const id of alarmed) {
    if (broken.has(id)) continue;
    await clearAlarmFromKiosk(o.db, { kioskId: id, code: CODE, at: iso(now), atMs: now, receivedAt: now });
    o.log.info(`PROMISED_HOURS_BROKEN cleared for kiosk ${id}`);
    cleared.push(id);
  }
  return { raised, cleared };
}

/** Since when each unusable service has been so inside its window (from the history); the alarm's detail once one passed the threshold, else null. */
async function brokenDetail(o: PromisedHoursCheck, kioskId: string, versions: HoursVersion[], unusable: Unusable[], promisedNow: number, now: number): Promise<string | null> {
  const from = Math.min(...unusable.map((u) => u.windowFrom));
  // the state the earliest window starts in (a quiet kiosk writes no rows for days), then the rows since
  const [starts, history] = await Promise.all([
    startingRows(o.db, { kioskId, anyState: true }, from),
    o.db.selectFrom('kiosk_history').select(['at', 'state', 'services']).where('kiosk_id', '=', kioskId).where('at', '>=', from).where('at', '<=', now).orderBy('at').orderBy('id').execute(),
  ]);
  const rows: StateRow[] = [...starts, ...history].filter(isStateRow).map((r) => ({ at: Number(r.at), state: r.state, services: r.services ?? null }));
  const tz = timezoneOf(versions);
  const broken = unusable
    .map((u) => {
      // back from now over the stretch not up inside this window, from the state the window started in
      const segments = statusSegments(rows, u.service, u.windowFrom, now, [], o.parser);
      let since = now;
      for (let i = segments.length - 1; i >= 0 && segments[i]!.state !== 'up'; i--) since = segments[i]!.from;
      return { ...u, since };
    })
    .filter((u) => now - u.since > o.thresholdMs);
  if (broken.length === 0) return null;
  const minutes = (since: number) => `${Math.round((now - since) / 60_000)} min`;
  const all = broken.length === promisedNow && broken.every((b) => b.since === broken[0]!.since && b.reason === broken[0]!.reason);
  if (all) return `every service unusable inside its promised hours since ${localText(broken[0]!.since, tz)} ${tz} (${minutes(broken[0]!.since)}): ${broken[0]!.reason}`;
  return broken.map((b) => `${b.service} unusable inside its promised hours since ${localText(b.since, tz)} ${tz} (${minutes(b.since)}): ${b.reason}`).join('; ');
}
