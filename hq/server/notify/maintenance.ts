/**
 * Maintenance windows (table `maintenance_windows`, migration 002): one kiosk, a site or a district,
 * declared beforehand — a window may not start in the past, so it cannot excuse downtime after the
 * fact. Inside one, the kiosks' alarms notify nobody (like a silence) and availability leaves the
 * time out (helper A1 reads the same rows). Ending one: an upcoming window is cancelled (deleted), a
 * current one ends now, a past one stays as it was (history).
 */
import { randomBytes } from 'node:crypto';
import { NewMaintenanceWindowSchema, type MaintenanceWindowView, type NewMaintenanceWindow } from '../../../contracts/hq-notify.ts';
import { audit } from '../auth/audit.ts';
import type { HqDb } from '../db/open.ts';
import type { MaintenanceWindowsTable } from '../db/tables.ts';
import { iso } from '../ids.ts';
import type { Actor } from './channels.ts';
import { BadNotifyInputError, NotFoundError, parseNotifyInput, StateError } from './errors.ts';
import type { AlarmPlace } from './silences.ts';

export type MaintenanceRow = MaintenanceWindowsTable;

/** how far in the past a window may start (the console's clock and HQ's differ a little) */
export const START_SLACK_MS = 60_000;

const scope = (m: Pick<MaintenanceRow, 'kiosk_id' | 'site' | 'district'>): string => (m.kiosk_id ? `kiosk ${m.kiosk_id}` : m.site ? `site ${m.site}` : `district ${m.district}`);

export async function addMaintenanceWindow(db: HqDb, input: NewMaintenanceWindow, who: Actor): Promise<MaintenanceRow> {
  const m = parseNotifyInput(NewMaintenanceWindowSchema, input);
  const startsAt = m.startsAt !== undefined ? Date.parse(m.startsAt) : who.at;
  const endsAt = Date.parse(m.endsAt);
  if (startsAt < who.at - START_SLACK_MS) throw new BadNotifyInputError(`startsAt: a maintenance window is declared beforehand; ${iso(startsAt)} is in the past`);
  if (endsAt <= Math.max(startsAt, who.at)) throw new BadNotifyInputError(`endsAt: ${iso(endsAt)} must be after the start and in the future`);
  if (m.kioskId && !(await db.selectFrom('kiosks').select('id').where('id', '=', m.kioskId).executeTakeFirst())) throw new BadNotifyInputError(`kioskId: no kiosk ${m.kioskId} is enrolled`);
  const row: MaintenanceRow = {
    id: `mw-${randomBytes(4).toString('hex')}`,
    kiosk_id: m.kioskId ?? null,
    site: m.site ?? null,
    district: m.district ?? null,
    starts_at: startsAt,
    ends_at: endsAt,
    reason: m.reason,
    created_by: who.by,
    created_at: who.at,
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('maintenance_windows').values(row).execute();
    await audit(trx as HqDb, { user: who.by, action: 'maintenance.add', target: row.id, detail: `${scope(row)} ${iso(startsAt)} – ${iso(endsAt)}: ${row.reason}`, at: who.at });
  });
  return row;
}

/** Cancels an upcoming window or ends a current one now; a past one is a StateError. */
export async function endMaintenanceWindow(db: HqDb, id: string, who: Actor): Promise<{ row: MaintenanceRow; cancelled: boolean }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('maintenance_windows').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`no maintenance window ${id}`);
    if (row.ends_at <= who.at) throw new StateError(`maintenance window ${id} is over (ended ${iso(row.ends_at)}): it stays in the history`);
    const cancelled = row.starts_at > who.at;
    if (cancelled) await trx.deleteFrom('maintenance_windows').where('id', '=', id).execute();
    else await trx.updateTable('maintenance_windows').set({ ends_at: who.at }).where('id', '=', id).execute();
    await audit(trx as HqDb, { user: who.by, action: cancelled ? 'maintenance.cancel' : 'maintenance.end', target: id, detail: `${scope(row)}: ${row.reason}`, at: who.at });
    return { row: cancelled ? row : { ...row, ends_at: who.at }, cancelled };
  });
}

export function maintenanceView(r: MaintenanceRow, now: number): MaintenanceWindowView {
  return {
    id: r.id,
    kioskId: r.kiosk_id,
    site: r.site,
    district: r.district,
    startsAt: iso(r.starts_at),
    endsAt: iso(r.ends_at),
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    state: now < r.starts_at ? 'upcoming' : now < r.ends_at ? 'current' : 'past',
  };
}

/** Current and upcoming first (soonest first), then past ones, newest first; at most `limit`. */
export async function listMaintenanceWindows(db: HqDb, now: number, limit = 500): Promise<MaintenanceWindowView[]> {
  const rows = await db.selectFrom('maintenance_windows').selectAll().orderBy('ends_at', 'desc').limit(limit).execute();
  const views = rows.map((r) => maintenanceView(r, now));
  const live = views.filter((v) => v.state !== 'past').sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  return [...live, ...views.filter((v) => v.state === 'past')];
}

/** The windows in force at `now`. */
export const currentWindows = (db: HqDb, now: number): Promise<MaintenanceRow[]> =>
  db.selectFrom('maintenance_windows').selectAll().where('starts_at', '<=', now).where('ends_at', '>', now).execute();

/** Is the alarm's kiosk inside one of `windows`? */
export const inMaintenance = (a: AlarmPlace, windows: readonly MaintenanceRow[]): boolean =>
  windows.some((w) => (w.kiosk_id !== null && w.kiosk_id === a.kioskId) || (w.site !== null && w.site === a.site) || (w.district !== null && w.district === a.district));
