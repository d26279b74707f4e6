/**
 * Silences (Alertmanager's): matchers on kiosk, site and code — every one given must match — from
 * now until an expiry, with who made it and why. A silenced alarm is left out of the messages while
 * the silence lasts; when it ends, an alarm still firing is in the group's next message. Expiring
 * early sets the end to now and says who.
 */
import { randomBytes } from 'node:crypto';
import { NewSilenceSchema, type NewSilence, type SilenceView } from '../../../contracts/hq-notify.ts';
import { audit } from '../auth/audit.ts';
import type { HqDb } from '../db/open.ts';
import { iso } from '../ids.ts';
import type { Actor } from './channels.ts';
import { BadNotifyInputError, NotFoundError, parseNotifyInput, StateError } from './errors.ts';
import type { NotifySilencesTable } from './tables.ts';

export type SilenceRow = NotifySilencesTable;

const describe = (s: Pick<SilenceRow, 'kiosk_id' | 'site' | 'code'>): string => [s.kiosk_id && `kiosk ${s.kiosk_id}`, s.site && `site ${s.site}`, s.code && `code ${s.code}`].filter(Boolean).join(', ');

export async function addSilence(db: HqDb, input: NewSilence, who: Actor): Promise<SilenceRow> {
  const s = parseNotifyInput(NewSilenceSchema, input);
  const endsAt = s.endsAt !== undefined ? Date.parse(s.endsAt) : who.at + s.durationMinutes! * 60_000;
  if (endsAt <= who.at) throw new BadNotifyInputError(`endsAt: ${iso(endsAt)} is not in the future`);
  const row: SilenceRow = {
    id: `si-${randomBytes(4).toString('hex')}`,
    kiosk_id: s.kioskId ?? null,
    site: s.site ?? null,
    code: s.code ?? null,
    starts_at: who.at,
    ends_at: endsAt,
    comment: s.comment,
    created_by: who.by,
    created_at: who.at,
    expired_by: null,
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('notify_silences').values(row).execute();
    await audit(trx as HqDb, { user: who.by, action: 'silence.add', target: row.id, detail: `${describe(row)} until ${iso(endsAt)}: ${row.comment}`, at: who.at });
  });
  return row;
}

export async function expireSilence(db: HqDb, id: string, who: Actor): Promise<SilenceRow> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('notify_silences').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`no silence ${id}`);
    if (row.ends_at <= who.at) throw new StateError(`silence ${id} already ended at ${iso(row.ends_at)}`);
    await trx.updateTable('notify_silences').set({ ends_at: who.at, expired_by: who.by }).where('id', '=', id).execute();
    await audit(trx as HqDb, { user: who.by, action: 'silence.expire', target: id, detail: describe(row), at: who.at });
    return { ...row, ends_at: who.at, expired_by: who.by };
  });
}

export function silenceView(r: SilenceRow, now: number): SilenceView {
  return {
    id: r.id,
    kioskId: r.kiosk_id,
    site: r.site,
    code: r.code,
    startsAt: iso(r.starts_at),
    endsAt: iso(r.ends_at),
    comment: r.comment,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    expiredBy: r.expired_by,
    state: r.starts_at <= now && now < r.ends_at ? 'active' : 'expired',
  };
}

/** Active ones first (soonest to end first), then the expired, newest first; at most `limit`. */
export async function listSilences(db: HqDb, now: number, limit = 500): Promise<SilenceView[]> {
  const rows = await db.selectFrom('notify_silences').selectAll().orderBy('ends_at', 'desc').limit(limit).execute();
  const views = rows.map((r) => silenceView(r, now));
  return [...views.filter((v) => v.state === 'active').reverse(), ...views.filter((v) => v.state === 'expired')];
}

/** The silences in force at `now`. */
export const activeSilences = (db: HqDb, now: number): Promise<SilenceRow[]> =>
  db.selectFrom('notify_silences').selectAll().where('starts_at', '<=', now).where('ends_at', '>', now).execute();

export interface AlarmPlace {
  kioskId: string;
  site: string | null;
  district: string | null;
  code: string;
}

/** Does one of `silences` match this alarm (every matcher it sets)? */
export const isSilenced = (a: AlarmPlace, silences: readonly SilenceRow[]): boolean =>
  silences.some((s) => (s.kiosk_id === null || s.kiosk_id === a.kioskId) && (s.site === null || s.site === a.site) && (s.code === null || s.code === a.code));
