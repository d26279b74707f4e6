/**
 * Routing and grouping, Alertmanager's way, on rows (so a restart loses nothing):
 *
 * - **intake**: each alarm change waiting in `notify_events` is routed to every channel whose
 *   filters it passes (district, site, minimum severity, codes) and put in that channel's group —
 *   the kiosk's site (or the kiosk itself when it has no site). A new group is first looked at after
 *   the channel's group wait; a change to a group that has already sent a message brings its next
 *   look forward to (last message + group interval).
 * - **flush** (a group whose time has come): its alarms, minus those silenced or inside a
 *   maintenance window now. A message goes when an alarm fires that no message has shown firing
 *   yet, or one shown firing has been resolved, or (nothing changed, something still firing) the
 *   repeat interval has passed since the last message. It lists every alarm of the group still
 *   firing and those resolved since. Resolved alarms then leave the group (an alarm that fired and
 *   cleared inside the group wait never bothers anyone); an empty group is gone; otherwise it is
 *   looked at again after the group interval. The message goes into the channel's outbox.
 */
import type { AlarmSeverity } from '../../../contracts/faults.ts';
import { atLeast, type NotifiedAlarm } from '../../../contracts/hq-notify.ts';
import { isActive } from '../alarms/store.ts';
import type { HqDb } from '../db/open.ts';
import { isoOrNull, sortableId } from '../ids.ts';
import { currentWindows, inMaintenance } from './maintenance.ts';
import { groupMessage, kioskLink } from './message.ts';
import { activeSilences, isSilenced, type AlarmPlace } from './silences.ts';
import type { NotifyChannelsTable } from './tables.ts';

const INTAKE_BATCH = 500;
const FLUSH_BATCH = 200;

type RoutingFields = Pick<NotifyChannelsTable, 'id' | 'name' | 'district' | 'site' | 'min_severity' | 'codes' | 'group_wait_ms' | 'group_interval_ms' | 'repeat_ms'>;
export type RouteChannel = Omit<RoutingFields, 'codes'> & { codes: string[] | null };

export const loadRouteChannels = async (db: HqDb): Promise<RouteChannel[]> =>
  (await db.selectFrom('notify_channels').select(['id', 'name', 'district', 'site', 'min_severity', 'codes', 'group_wait_ms', 'group_interval_ms', 'repeat_ms']).execute()).map((c) => ({
    ...c,
    codes: c.codes ? (JSON.parse(c.codes) as string[]) : null,
  }));

export interface RoutedAlarm extends AlarmPlace {
  severity: string;
}

/** Does the channel want this alarm? */
export function routes(ch: RouteChannel, a: RoutedAlarm): boolean {
  if (ch.district !== null && ch.district !== a.district) return false;
  if (ch.site !== null && ch.site !== a.site) return false;
  if (!atLeast(a.severity as AlarmSeverity, ch.min_severity as AlarmSeverity)) return false;
  return ch.codes === null || ch.codes.includes(a.code);
}

/** A channel's groups: one per site; a kiosk without a site is a group of its own. */
export const groupKeyOf = (a: Pick<AlarmPlace, 'kioskId' | 'site'>): string => (a.site ? `site:${a.site}` : `kiosk:${a.kioskId}`);

/** Routes up to one batch of waiting alarm changes into groups; returns how many changes it took. */
export async function intake(db: HqDb, now: number): Promise<number> {
  const events = await db.selectFrom('notify_events').select(['id', 'alarm_id', 'at']).orderBy('id').limit(INTAKE_BATCH).execute();
  if (events.length === 0) return 0;
  const channels = await loadRouteChannels(db);
  await db.transaction().execute(async (trx) => {
    if (channels.length > 0) {
      // a group's wait counts from when HQ learnt of its first alarm, not from when this pass runs
      const since = new Map<string, number>();
      for (const e of events) since.set(e.alarm_id, Math.min(since.get(e.alarm_id) ?? Infinity, Number(e.at)));
      const alarms = await trx
        .selectFrom('alarms as a')
        .leftJoin('kiosks as k', 'k.id', 'a.kiosk_id')
        .select(['a.id', 'a.kiosk_id as kioskId', 'a.code', 'a.severity', 'a.status', 'k.site', 'k.district'])
        .where('a.id', 'in', [...since.keys()])
        .execute();
      for (const a of alarms) for (const ch of channels) if (routes(ch, a)) await placeInGroup(trx, ch, a, isActive(a.status), Math.min(now, since.get(a.id)!), now);
    }
    await trx.deleteFrom('notify_events').where('id', 'in', events.map((e) => e.id)).execute();
  });
  return events.length;
}

async function placeInGroup(trx: HqDb, ch: RouteChannel, a: RoutedAlarm & { id: string }, active: boolean, changedAt: number, now: number): Promise<void> {
  const existing = await trx.selectFrom('notify_alerts').select(['group_key', 'notified']).where('channel_id', '=', ch.id).where('alarm_id', '=', a.id).executeTakeFirst();
  if (!existing && !active) return; // a clear of an alarm the group no longer holds: nothing to say
  const key = existing?.group_key ?? groupKeyOf(a);
  if (!existing) await trx.insertInto('notify_alerts').values({ channel_id: ch.id, alarm_id: a.id, group_key: key, notified: 0, added_at: changedAt }).execute();
  const changed = !existing || (existing.notified === 1 && !active);
  const group = await trx.selectFrom('notify_groups').selectAll().where('channel_id', '=', ch.id).where('group_key', '=', key).executeTakeFirst();
  if (!group) {
    await trx.insertInto('notify_groups').values({ channel_id: ch.id, group_key: key, created_at: changedAt, next_flush_at: changedAt + Number(ch.group_wait_ms), last_sent_at: null }).execute();
    return;
  }
  if (!changed || group.last_sent_at === null) return; // still in its group wait, or nothing new to say
  const due = Math.max(now, Number(group.last_sent_at) + Number(ch.group_interval_ms));
  if (due < group.next_flush_at) await trx.updateTable('notify_groups').set({ next_flush_at: due }).where('channel_id', '=', ch.id).where('group_key', '=', key).execute();
}

export interface FlushOptions {
  db: HqDb;
  now: number;
  /** the console's base address, for links */
  publicUrl: string;
}

/** Flushes the groups whose time has come; returns how many messages went into the outbox. */
export async function flush(o: FlushOptions): Promise<number> {
  const { db, now } = o;
  const due = await db.selectFrom('notify_groups').selectAll().where('next_flush_at', '<=', now).orderBy('next_flush_at').limit(FLUSH_BATCH).execute();
  if (due.length === 0) return 0;
  const channels = new Map((await loadRouteChannels(db)).map((c) => [c.id, c]));
  const silences = await activeSilences(db, now);
  const windows = await currentWindows(db, now);
  let messages = 0;
  await db.transaction().execute(async (trx) => {
    for (const g of due) {
      const ch = channels.get(g.channel_id);
      const inGroup = (t: 'notify_alerts' | 'notify_groups') => trx.deleteFrom(t).where('channel_id', '=', g.channel_id).where('group_key', '=', g.group_key);
      if (!ch) {
        await inGroup('notify_alerts').execute();
        await inGroup('notify_groups').execute();
        continue;
      }
      const rows = await trx
        .selectFrom('notify_alerts as n')
        .innerJoin('alarms as a', 'a.id', 'n.alarm_id')
        .leftJoin('kiosks as k', 'k.id', 'a.kiosk_id')
        .select(['n.alarm_id', 'n.notified', 'a.kiosk_id', 'a.code', 'a.severity', 'a.status', 'a.detail', 'a.device', 'a.raised_at', 'a.cleared_at', 'a.operator_cleared_at', 'a.cleared_by', 'a.count', 'k.site', 'k.district', 'k.address'])
        .where('n.channel_id', '=', g.channel_id)
        .where('n.group_key', '=', g.group_key)
        .execute();
      const shown = rows.filter((r) => {
        const place = { kioskId: r.kiosk_id, site: r.site, district: r.district, code: r.code };
        return !isSilenced(place, silences) && !inMaintenance(place, windows);
      });
      const firing = shown.filter((r) => isActive(r.status));
      const resolved = shown.filter((r) => !isActive(r.status) && r.notified === 1);
      const fresh = firing.some((r) => r.notified === 0);
      const repeat = !fresh && resolved.length === 0 && firing.length > 0 && g.last_sent_at !== null && now - Number(g.last_sent_at) >= Number(ch.repeat_ms);
      const send = fresh || resolved.length > 0 || repeat;
      if (send) {
        const view = (r: (typeof rows)[number]): NotifiedAlarm => ({
          alarmId: r.alarm_id,
          kioskId: r.kiosk_id,
          code: r.code,
          severity: r.severity as AlarmSeverity,
          status: isActive(r.status) ? 'firing' : 'resolved',
          detail: r.detail,
          device: r.device,
          site: r.site,
          district: r.district,
          address: r.address,
          since: r.raised_at,
          resolvedAt: isActive(r.status) ? null : (r.cleared_at ?? isoOrNull(r.operator_cleared_at)),
          clearedBy: isActive(r.status) ? null : r.cleared_by,
          count: r.count,
          url: kioskLink(o.publicUrl, r.kiosk_id),
        });
        const first = rows[0]!;
        const message = groupMessage({
          channel: { id: ch.id, name: ch.name },
          group: { key: g.group_key, site: first.site, district: first.district },
          firing: firing.map(view),
          resolved: resolved.map(view),
          repeat,
          at: now,
          publicUrl: o.publicUrl,
        });
        await trx
          .insertInto('notify_outbox')
          .values({ id: sortableId(now), channel_id: ch.id, group_key: g.group_key, kind: message.kind, message: JSON.stringify(message), status: 'pending', attempts: 0, next_attempt_at: now, last_attempt_at: null, last_error: null, created_at: now, sent_at: null })
          .execute();
        const shownFiring = firing.filter((r) => r.notified === 0).map((r) => r.alarm_id);
        if (shownFiring.length > 0) await trx.updateTable('notify_alerts').set({ notified: 1 }).where('channel_id', '=', ch.id).where('alarm_id', 'in', shownFiring).execute();
        messages++;
      }
      // resolved alarms leave the group, shown or not (a silenced one's end is nobody's news)
      const gone = rows.filter((r) => !isActive(r.status)).map((r) => r.alarm_id);
      if (gone.length > 0) await inGroup('notify_alerts').where('alarm_id', 'in', gone).execute();
      const left = await trx.selectFrom('notify_alerts').select('alarm_id').where('channel_id', '=', ch.id).where('group_key', '=', g.group_key).limit(1).executeTakeFirst();
      if (!left) await inGroup('notify_groups').execute();
      else
        await trx
          .updateTable('notify_groups')
          .set({ next_flush_at: now + Number(ch.group_interval_ms), last_sent_at: send ? now : g.last_sent_at })
          .where('channel_id', '=', ch.id)
          .where('group_key', '=', g.group_key)
          .execute();
    }
  });
  return messages;
}

