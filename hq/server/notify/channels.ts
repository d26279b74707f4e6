/**
 * Notification channels: add (URL and secret sealed under HQ's key, like kiosk secrets), list (the
 * URL masked, the last delivery and error, the outbox's counts), remove. Each change has its audit
 * row in the same transaction. Adding a channel asks the dispatcher to look at every active alarm
 * again (`resync`), so a channel made during an incident hears of it.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AlarmSeverity } from '../../../contracts/faults.ts';
import { isLoopbackUrl, NewChannelSchema, ROBOT_PER_MINUTE, type ChannelType, type ChannelView, type NewChannel } from '../../../contracts/hq-notify.ts';
import { audit } from '../auth/audit.ts';
import type { HqDb } from '../db/open.ts';
import { iso, isoOrNull } from '../ids.ts';
import { masterKey, openSecret, sealSecret } from '../kiosks/secret-box.ts';
import { ACTIVE } from '../alarms/store.ts';
import { alarmChanged } from './enqueue.ts';
import { NotFoundError, parseNotifyInput } from './errors.ts';
import type { NotifyChannelsTable } from './tables.ts';

export type ChannelRow = NotifyChannelsTable;
export type ChannelInput = z.output<typeof NewChannelSchema>;

/** The input as the schema takes it, or BadNotifyInputError naming the first bad field. */
export const parseChannel = (input: NewChannel): ChannelInput => parseNotifyInput(NewChannelSchema, input);

const maskToken = (t: string): string => (t.length <= 8 ? '****' : `${t.slice(0, 4)}****${t.slice(-4)}`);

/**
 * The URL as lists show it: the robot's token (query value or Feishu's last path segment) masked,
 * every other query value too, a webhook's path segments that look like tokens (8+ characters with a
 * digit), no user info. What is left says which robot and host it is.
 */
export function maskUrl(type: ChannelType, url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  const params = [...u.searchParams.keys()];
  for (const k of params) u.searchParams.set(k, maskToken(u.searchParams.get(k) ?? ''));
  const segments = u.pathname.split('/');
  const last = segments.length - 1;
  const maskPath = type === 'feishu' || (type === 'webhook' && !isLoopbackUrl(u));
  u.pathname = segments.map((s, i) => (maskPath && (type === 'feishu' ? i === last : s.length >= 8 && /\d/.test(s)) ? maskToken(s) : s)).join('/');
  return decodeURIComponent(u.toString());
}

/** how a channel without a name is called: its robot and what it takes */
const TYPE_NAME: Record<ChannelType, string> = { wecom: '企业微信', dingtalk: '钉钉', feishu: '飞书', webhook: 'Webhook' };

const sealedAs = (channelId: string): string => `notify-channel:${channelId}`;

export interface ChannelTarget {
  url: string;
  secret: string | null;
}

/** The channel's URL and secret, opened (only for a delivery; never logged). */
export function channelTarget(db: HqDb, row: Pick<ChannelRow, 'id' | 'url_enc' | 'secret_enc'>): ChannelTarget {
  const key = masterKey(db, false);
  return { url: openSecret(key, sealedAs(row.id), row.url_enc), secret: row.secret_enc === null ? null : openSecret(key, sealedAs(row.id), row.secret_enc) };
}

export interface Actor {
  by: string;
  at: number;
}

export async function addChannel(db: HqDb, input: NewChannel, who: Actor): Promise<ChannelRow> {
  const c = parseChannel(input);
  const id = `ch-${randomBytes(4).toString('hex')}`;
  const key = masterKey(db, true);
  const where = [c.site, c.district].filter(Boolean).join(' · ');
  const row: ChannelRow = {
    id,
    name: c.name ?? `${TYPE_NAME[c.type]}·${where || '全部告警'}`,
    type: c.type,
    url_enc: sealSecret(key, sealedAs(id), c.url),
    url_masked: maskUrl(c.type, c.url),
    secret_enc: c.secret === undefined ? null : sealSecret(key, sealedAs(id), c.secret),
    district: c.district ?? null,
    site: c.site ?? null,
    min_severity: c.minSeverity,
    codes: c.codes ? JSON.stringify(c.codes) : null,
    group_wait_ms: c.groupWaitS * 1000,
    group_interval_ms: c.groupIntervalS * 1000,
    repeat_ms: c.repeatS * 1000,
    created_by: who.by,
    created_at: who.at,
    last_delivery_at: null,
    last_error: null,
    last_error_at: null,
    last_error_permanent: 0,
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('notify_channels').values(row).execute();
    const active = await trx.selectFrom('alarms').select('id').where('status', 'in', ACTIVE).execute();
    for (const a of active) await alarmChanged(trx, a.id, 'resync', who.at);
    await audit(trx as HqDb, { user: who.by, action: 'channel.add', target: id, detail: `${row.name}: ${row.type} ${row.url_masked}${describeFilters(row)}`, at: who.at });
  });
  return row;
}

/** ` (site S, district D, ≥ major, codes A,B)` or '' */
export function describeFilters(r: Pick<ChannelRow, 'site' | 'district' | 'min_severity' | 'codes'>): string {
  const parts = [r.site && `site ${r.site}`, r.district && `district ${r.district}`, r.min_severity !== 'warning' && `≥ ${r.min_severity}`, r.codes && `codes ${(JSON.parse(r.codes) as string[]).join(',')}`].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** Removes the channel with its groups and the messages it had not delivered yet. */
export async function removeChannel(db: HqDb, id: string, who: Actor): Promise<ChannelRow> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('notify_channels').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`no notification channel ${id}`);
    const dropped = await trx.deleteFrom('notify_outbox').where('channel_id', '=', id).where('status', '=', 'pending').executeTakeFirst();
    for (const t of ['notify_alerts', 'notify_groups', 'notify_outbox'] as const) await trx.deleteFrom(t).where('channel_id', '=', id).execute();
    await trx.deleteFrom('notify_channels').where('id', '=', id).execute();
    const undelivered = Number(dropped.numDeletedRows);
    await audit(trx as HqDb, { user: who.by, action: 'channel.remove', target: id, detail: `${row.name}: ${row.type} ${row.url_masked}${undelivered > 0 ? `; ${undelivered} undelivered message(s) dropped` : ''}`, at: who.at });
    return row;
  });
}

export async function listChannels(db: HqDb): Promise<ChannelView[]> {
  const rows = await db.selectFrom('notify_channels').selectAll().orderBy('created_at').orderBy('id').execute();
  const counts = await db
    .selectFrom('notify_outbox')
    .select(['channel_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['pending', 'failed'])
    .groupBy(['channel_id', 'status'])
    .execute();
  const count = (id: string, status: string) => Number(counts.find((c) => c.channel_id === id && c.status === status)?.n ?? 0);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    type: r.type as ChannelType,
    urlMasked: r.url_masked,
    hasSecret: r.secret_enc !== null,
    district: r.district,
    site: r.site,
    minSeverity: r.min_severity as AlarmSeverity,
    codes: r.codes ? (JSON.parse(r.codes) as string[]) : null,
    groupWaitS: Math.round(Number(r.group_wait_ms) / 1000),
    groupIntervalS: Math.round(Number(r.group_interval_ms) / 1000),
    repeatS: Math.round(Number(r.repeat_ms) / 1000),
    perMinute: ROBOT_PER_MINUTE[r.type as ChannelType] ?? null,
    createdBy: r.created_by,
    createdAt: iso(Number(r.created_at)),
    lastDeliveryAt: isoOrNull(r.last_delivery_at),
    lastError: r.last_error,
    lastErrorAt: isoOrNull(r.last_error_at),
    lastErrorPermanent: r.last_error_permanent === 1,
    pending: count(r.id, 'pending'),
    failed: count(r.id, 'failed'),
  }));
}
