/**
 * A heartbeat is the kiosk's whole present health. An active alarm the heartbeat speaks for and no
 * longer lists (and that was raised before the heartbeat was made) is cleared: the `fault.cleared`
 * that should have said so never came — the fault went away while the agent was stopped (a new run
 * starts with a clean board and has nothing to clear), or across a journal moved aside. Without this,
 * such an alarm would stay red forever on a machine that works.
 *
 * The heartbeat speaks for its devices' codes (`devices`), and for the codes its watchdogs say they
 * have looked for in this run (`watch.checked`, issue 11: screen, GPU, display, touch, disk — after the
 * recovery ladder or HQ restarted the agent, the new run clears what the old one raised).
 */
import type { HeartbeatPayload } from '../ingest/heartbeat.ts';
import type { HqDb } from '../db/open.ts';
import { clearAlarmFromKiosk } from './store.ts';

const DEVICES = ['idReader', 'printer', 'scanner'] as const;
type Active = { code: string; device: string | null; last_raised_at: string };

async function clearNotPresent(db: HqDb, kioskId: string, active: Active[], present: (a: Active) => boolean, at: string, receivedAt: number): Promise<number> {
  const atMs = Date.parse(at);
  let cleared = 0;
  for (const a of active) {
    if (present(a) || !(atMs > Date.parse(a.last_raised_at))) continue;
    if (await clearAlarmFromKiosk(db, { kioskId, code: a.code, at, atMs, receivedAt })) cleared++;
  }
  return cleared;
}

const activeAlarms = (db: HqDb, kioskId: string) =>
  db.selectFrom('alarms').select(['code', 'device', 'last_raised_at']).where('kiosk_id', '=', kioskId).where('status', 'in', ['active-unack', 'active-ack']);

export async function reconcileDeviceAlarms(db: HqDb, kioskId: string, devices: HeartbeatPayload['devices'], at: string, receivedAt: number): Promise<number> {
  const active = await activeAlarms(db, kioskId).where('device', 'in', [...DEVICES]).execute();
  const present = (a: Active) => {
    const d = devices[a.device as (typeof DEVICES)[number]];
    return d ? [...d.faults, ...d.warnings].includes(a.code as never) : false;
  };
  return clearNotPresent(db, kioskId, active, present, at, receivedAt);
}

export async function reconcileWatchAlarms(db: HqDb, kioskId: string, watch: NonNullable<HeartbeatPayload['watch']>, at: string, receivedAt: number): Promise<number> {
  const gone = watch.checked.filter((c) => !watch.faults.includes(c));
  if (gone.length === 0) return 0;
  const active = await activeAlarms(db, kioskId).where('code', 'in', gone).execute();
  return clearNotPresent(db, kioskId, active, () => false, at, receivedAt);
}
