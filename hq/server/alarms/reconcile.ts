/**
 * A heartbeat is the kiosk's whole present device health. An active device alarm whose code the
 * heartbeat no longer lists (and that was raised before the heartbeat was made) is cleared: the
 * `fault.cleared` that should have said so never came — the fault went away while the agent was
 * stopped (a new run starts with a clean board and has nothing to clear), or across a journal moved
 * aside. Without this, such an alarm would stay red forever on a machine that works.
 */
import type { HeartbeatPayload } from '../ingest/heartbeat.ts';
import type { HqDb } from '../db/open.ts';
import { clearAlarmFromKiosk } from './store.ts';

const DEVICES = ['idReader', 'printer', 'scanner'] as const;

export async function reconcileDeviceAlarms(db: HqDb, kioskId: string, devices: HeartbeatPayload['devices'], at: string, receivedAt: number): Promise<number> {
  const atMs = Date.parse(at);
  const active = await db
    .selectFrom('alarms')
    .select(['code', 'device', 'last_raised_at'])
    .where('kiosk_id', '=', kioskId)
    .where('device', 'in', [...DEVICES])
    .where('status', 'in', ['active-unack', 'active-ack'])
    .execute();
  let cleared = 0;
  for (const a of active) {
    const d = devices[a.device as (typeof DEVICES)[number]];
    const present = d ? [...d.faults, ...d.warnings].includes(a.code as never) : false;
    if (present || !(atMs > Date.parse(a.last_raised_at))) continue;
    if (await clearAlarmFromKiosk(db, { kioskId, code: a.code, at, atMs, receivedAt })) cleared++;
  }
  return cleared;
}
