/**
 * The one hook the alarm store calls: an alarm changed, so a row goes into `notify_events` — in the
 * alarm's own transaction (the `db` given is that transaction), so a change HQ committed is never
 * lost to its notifications, even across a restart. The dispatcher routes it later (grouping.ts).
 */
import type { HqDb } from '../db/open.ts';
import { sortableId } from '../ids.ts';

/** raised: a new alarm; counted: raised again while active; reopened: back within the flap window; cleared: by the kiosk, HQ or an operator; resync: look again (a new channel) */
export type AlarmChange = 'raised' | 'counted' | 'reopened' | 'cleared' | 'resync';

export async function alarmChanged(db: HqDb, alarmId: string, kind: AlarmChange, at: number): Promise<void> {
  await db.insertInto('notify_events').values({ id: sortableId(at), alarm_id: alarmId, kind, at }).execute();
}
