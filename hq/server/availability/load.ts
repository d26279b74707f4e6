/**
 * What the availability computation reads, in a handful of queries whatever the fleet's size:
 * the kiosks a filter picks, their promised-hours versions, their history rows in the span (and
 * the rows before it that say the state the span starts in), the maintenance windows that cover them
 * and the spans HQ was not running. Filters go into SQL as subqueries, never as long id lists.
 */
import { KIOSK_STATES } from '../../../contracts/hq-api.ts';
import type { HqDb } from '../db/open.ts';
import type { MaintenanceWindowsTable } from '../db/tables.ts';
import type { HqLog } from '../log.ts';
import type { KioskData } from './compute.ts';
import { hqDownSpans } from './hq-runs.ts';
import { parseStoredHours, versionsOf, type ParsedHours, type StoredHours } from './promised.ts';
import { normalise, type Span } from './spans.ts';
import type { StateRow } from './timeline.ts';

export interface KioskFilter {
  kioskId?: string;
  site?: string;
  district?: string;
  /** disabled kiosks too (a day view); the reports take enabled ones only */
  anyState?: boolean;
}

export interface LoadedKiosk extends KioskData {
  site: string | null;
  district: string | null;
}

export interface Loaded {
  kiosks: LoadedKiosk[];
  hqDown: Span[];
}

/** Parsed hours by their stored text (a fleet shares a few), and each bad text logged once. */
export class HoursParser {
  private readonly cache = new Map<string, ParsedHours | null>();
  constructor(private readonly log?: HqLog) {}
  parse(row: { version: string; hours: string }, kioskId: string): ParsedHours | null {
    if (this.cache.has(row.hours)) return this.cache.get(row.hours)!;
    let parsed: ParsedHours | null = null;
    try {
      const r = parseStoredHours(JSON.parse(row.hours) as StoredHours);
      if (r.ok) parsed = r.hours;
      else this.log?.warn(`availability: kiosk ${kioskId} hours version ${row.version} is not valid hours (${r.problem}); that time counts as not promised`);
    } catch (e) {
      this.log?.warn(`availability: kiosk ${kioskId} hours version ${row.version} is not JSON: ${(e as Error).message}`);
    }
    this.cache.set(row.hours, parsed);
    return parsed;
  }
}

const STATES = [...KIOSK_STATES];

/** enabled kiosks the filter picks (a subquery) */
function picked(db: HqDb, f: KioskFilter) {
  let q = db.selectFrom('kiosks as kf').select('kf.id');
  if (!f.anyState) q = q.where('kf.enabled', '=', 1);
  if (f.kioskId !== undefined) q = q.where('kf.id', '=', f.kioskId);
  if (f.site !== undefined) q = q.where('kf.site', '=', f.site);
  if (f.district !== undefined) q = q.where('kf.district', '=', f.district);
  return q;
}

/**
 * The rows each kiosk the filter picks starts `before` in: its last state row, and, when that one
 * does not say the services' usability (null: as the row before), its last state row that did.
 * Oldest first; one query for the whole set (two correlated look-ups per kiosk on (kiosk_id, at)).
 */
export function startingRows(db: HqDb, filter: KioskFilter, before: number): Promise<{ kiosk_id: string; at: number; state: string; services: string | null | undefined }[]> {
  const last = (saysServices: boolean) =>
    picked(db, filter)
      .clearSelect()
      .select((e) => {
        let h = e.selectFrom('kiosk_history as h2').select('h2.id').whereRef('h2.kiosk_id', '=', 'kf.id').where('h2.at', '<', before).where('h2.state', 'in', STATES);
        if (saysServices) h = h.where('h2.services', 'is not', null);
        return h.orderBy('h2.at', 'desc').orderBy('h2.id', 'desc').limit(1).as('last_id');
      });
  return db
    .selectFrom('kiosk_history')
    .select(['kiosk_id', 'at', 'state', 'services'])
    .where('id', 'in', last(false).unionAll(last(true)))
    .orderBy('at')
    .orderBy('id')
    .execute();
}

export interface LoadOptions {
  /** HQ's clock */
  now: number;
  /** this server's run (alive up to now) */
  currentRunId: string | null;
  log?: HqLog;
  hours?: HoursParser;
}

/** Everything needed for [from, to) (epoch ms) of the kiosks `filter` picks. */
export async function loadAvailability(db: HqDb, filter: KioskFilter, from: number, to: number, o: LoadOptions): Promise<Loaded> {
  const hoursParser = o.hours ?? new HoursParser(o.log);
  const [kiosks, versions, rows, starts, windows, hqDown] = await Promise.all([
    db.selectFrom('kiosks').select(['id', 'site', 'district']).where('id', 'in', picked(db, filter)).orderBy('id').execute(),
    db.selectFrom('kiosk_hours').select(['kiosk_id', 'version', 'in_force_from', 'hours']).where('kiosk_id', 'in', picked(db, filter)).execute(),
    db
      .selectFrom('kiosk_history')
      .select(['kiosk_id', 'at', 'state', 'services'])
      .where('at', '>=', from)
      .where('at', '<', to)
      .where('state', 'in', STATES)
      .where('kiosk_id', 'in', picked(db, filter))
      .orderBy('at')
      .orderBy('id')
      .execute(),
    startingRows(db, filter, from),
    db.selectFrom('maintenance_windows').selectAll().where('starts_at', '<', to).where('ends_at', '>', from).execute(),
    hqDownSpans(db, from, to, { now: o.now, currentRunId: o.currentRunId }),
  ]);

  const byKiosk = new Map<string, LoadedKiosk>();
  for (const k of kiosks) byKiosk.set(k.id, { id: k.id, site: k.site, district: k.district, versions: [], rows: [], maintenance: [] });
  const versionRows = new Map<string, typeof versions>();
  for (const v of versions) (versionRows.get(v.kiosk_id) ?? versionRows.set(v.kiosk_id, []).get(v.kiosk_id)!).push(v);
  for (const [id, list] of versionRows) {
    const k = byKiosk.get(id);
    if (k) k.versions = versionsOf(list, (r) => hoursParser.parse(r, id));
  }
  const toRow = (r: { at: number; state: string; services: string | null | undefined }): StateRow => ({ at: Number(r.at), state: r.state, services: r.services ?? null });
  for (const r of starts) byKiosk.get(r.kiosk_id)?.rows.push(toRow(r));
  for (const r of rows) byKiosk.get(r.kiosk_id)?.rows.push(toRow(r));
  for (const k of byKiosk.values()) k.maintenance = maintenanceOf(windows, k);
  return { kiosks: [...byKiosk.values()], hqDown };
}

type Window = Pick<MaintenanceWindowsTable, 'kiosk_id' | 'site' | 'district' | 'starts_at' | 'ends_at' | 'created_at'>;
type Place = { id: string; site: string | null; district: string | null };

/** A window covers the kiosk it names, or every kiosk of its site or its district. */
export const covers = (w: Omit<Window, 'starts_at' | 'ends_at' | 'created_at'>, k: Place): boolean =>
  (w.kiosk_id !== null && w.kiosk_id === k.id) || (w.site !== null && w.site === k.site) || (w.district !== null && w.district === k.district);

/** The maintenance spans that count for `k`: declared beforehand, so a window written after it began counts only from when it was written. */
export function maintenanceOf(windows: readonly Window[], k: Place): Span[] {
  return normalise(windows.filter((w) => covers(w, k)).map((w) => ({ from: Math.max(Number(w.starts_at), Number(w.created_at)), to: Number(w.ends_at) })));
}

/** A kiosk's versions alone (the monitor's alarms). */
export async function loadVersions(db: HqDb, kioskIds: readonly string[], hours: HoursParser): Promise<Map<string, KioskData['versions']>> {
  const out = new Map<string, KioskData['versions']>();
  const rows: { kiosk_id: string; version: string; in_force_from: number; hours: string }[] = [];
  for (let i = 0; i < kioskIds.length; i += 500)
    rows.push(...(await db.selectFrom('kiosk_hours').select(['kiosk_id', 'version', 'in_force_from', 'hours']).where('kiosk_id', 'in', kioskIds.slice(i, i + 500)).execute()));
  const by = new Map<string, typeof rows>();
  for (const r of rows) (by.get(r.kiosk_id) ?? by.set(r.kiosk_id, []).get(r.kiosk_id)!).push(r);
  for (const [id, list] of by) out.set(id, versionsOf(list, (r) => hours.parse(r, id)));
  return out;
}
