/**
 * A kiosk's `hours.config` at ingest: its promised hours, checked with the kiosk config's own
 * schema, kept as a version in force from the kiosk's clock at the event (`kiosk_hours`) unless the
 * version in force then is the same one (every start reports the hours again). The kiosk row shows
 * the newest version (`hours_version`). Hours the schema refuses are logged and not kept: that time
 * stays under the version before.
 */
import type { HqEventPayload } from '../../../contracts/hq.ts';
import type { HqDb } from '../db/open.ts';
import { prepared } from '../db/prepared.ts';
import type { KioskHoursTable } from '../db/tables.ts';
import { sortableId } from '../ids.ts';
import type { HqLog } from '../log.ts';
import { parseStoredHours, type StoredHours } from './promised.ts';

export interface HoursConfigInput {
  kioskId: string;
  /** the event's `at` (the kiosk's clock) */
  at: string;
  payload: HqEventPayload<'hours.config'>;
  /** HQ's clock */
  now: number;
  log: HqLog;
}

/** Store the version if it is new at its time; returns a line for the kiosk's history, or null when nothing changed. */
export async function recordHoursConfig(db: HqDb, i: HoursConfigInput): Promise<string | null> {
  const from = Date.parse(i.at);
  const inForce = (await versionInForce(db, { kiosk_id: i.kioskId, at: from })).rows[0];
  // the same version again (every start reports it): nothing to check or keep
  if (inForce?.version === i.payload.version) return null;
  const stored: StoredHours = { promisedHours: i.payload.promisedHours, services: i.payload.services };
  const parsed = parseStoredHours(stored);
  if (!parsed.ok) {
    i.log.warn(`ingest: kiosk ${i.kioskId} reported promised hours ${i.payload.version} that are not valid hours (${parsed.problem}); not kept`);
    return null;
  }
  const timezone = parsed.hours.timezone;
  await insertVersion(db, { id: sortableId(i.now), kiosk_id: i.kioskId, version: i.payload.version, timezone, hours: JSON.stringify(stored), in_force_from: from, received_at: i.now });
  // the kiosk row shows the newest version (a late event may bring an older one)
  const newest = (await versionInForce(db, { kiosk_id: i.kioskId, at: Number.MAX_SAFE_INTEGER })).rows[0]!;
  await setKioskVersion(db, { id: i.kioskId, hours_version: newest.version });
  return `promised hours ${i.payload.version} (${timezone}) in force${inForce ? `, was ${inForce.version}` : ''}`;
}

// compiled once (db/prepared.ts): every kiosk's start reports its hours
const versionInForce = prepared((db: HqDb, p: { kiosk_id: string; at: number }) =>
  db.selectFrom('kiosk_hours').select('version').where('kiosk_id', '=', p.kiosk_id).where('in_force_from', '<=', p.at).orderBy('in_force_from', 'desc').limit(1),
);
const insertVersion = prepared((db: HqDb, p: KioskHoursTable) =>
  db.insertInto('kiosk_hours').values({ id: p.id, kiosk_id: p.kiosk_id, version: p.version, timezone: p.timezone, hours: p.hours, in_force_from: p.in_force_from, received_at: p.received_at }),
);
const setKioskVersion = prepared((db: HqDb, p: { id: string; hours_version: string }) => db.updateTable('kiosks').set({ hours_version: p.hours_version }).where('id', '=', p.id));
