/**
 * The notification tables (issue 10) as kysely types, and their migration `005_notify` (listed in
 * db/migrations.ts). Schema builder only, portable like the rest: text ids made by us, HQ times as
 * epoch ms in `bigint` columns, booleans as 0/1, JSON as text.
 *
 * The path of one alarm change: `notify_events` (written by the alarm store in the alarm's own
 * transaction) → the dispatcher routes it into a channel's group (`notify_groups`, membership in
 * `notify_alerts`) → a flush writes a message to `notify_outbox` → delivery. All of it is rows, so
 * an HQ restart loses nothing.
 */
import type { Kysely, Migration } from 'kysely';

export interface NotifyChannelsTable {
  id: string;
  name: string;
  /** a ChannelType of contracts/hq-notify.ts */
  type: string;
  /** the robot's URL (its token inside), sealed like kiosk secrets (kiosks/secret-box.ts) */
  url_enc: string;
  /** the URL with its token masked, for lists (never opened for that) */
  url_masked: string;
  /** DingTalk / Feishu sign secret or the webhook's HMAC key, sealed; null: none */
  secret_enc: string | null;
  district: string | null;
  site: string | null;
  min_severity: string;
  /** JSON array of fault codes, or null: every code */
  codes: string | null;
  group_wait_ms: number;
  group_interval_ms: number;
  repeat_ms: number;
  created_by: string;
  created_at: number;
  last_delivery_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  /** 1: the robot refused for good (bad token…) */
  last_error_permanent: number;
}

/** An alarm changed (written by alarms/store.ts in the alarm's transaction); deleted once routed. */
export interface NotifyEventsTable {
  /** sortable (ids.ts) */
  id: string;
  alarm_id: string;
  /** raised | counted | reopened | cleared | resync */
  kind: string;
  /** HQ's clock */
  at: number;
}

/** A channel's group of alarms (Alertmanager's aggregation group): a site, or a kiosk without one. */
export interface NotifyGroupsTable {
  channel_id: string;
  group_key: string;
  created_at: number;
  /** when the group is looked at next: created + group wait, then every group interval */
  next_flush_at: number;
  /** HQ's clock of its last message; null: none yet */
  last_sent_at: number | null;
}

/** An alarm in a channel's group; `notified` 1 once a message showed it firing. */
export interface NotifyAlertsTable {
  channel_id: string;
  alarm_id: string;
  group_key: string;
  notified: number;
  added_at: number;
}

/** One message for one channel: pending → sent, or failed (a permanent refusal). */
export interface NotifyOutboxTable {
  /** sortable: the channel's messages go in this order */
  id: string;
  channel_id: string;
  group_key: string | null;
  /** firing | resolved | test */
  kind: string;
  /** JSON NotifyMessage (contracts/hq-notify.ts); encoded and signed afresh at each attempt */
  message: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface NotifySilencesTable {
  id: string;
  /** matchers: every one set must match; at least one is set */
  kiosk_id: string | null;
  site: string | null;
  code: string | null;
  starts_at: number;
  ends_at: number;
  comment: string;
  created_by: string;
  created_at: number;
  expired_by: string | null;
}

export interface NotifyTables {
  notify_channels: NotifyChannelsTable;
  notify_events: NotifyEventsTable;
  notify_groups: NotifyGroupsTable;
  notify_alerts: NotifyAlertsTable;
  notify_outbox: NotifyOutboxTable;
  notify_silences: NotifySilencesTable;
}

export const notifyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('notify_channels')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('url_enc', 'text', (c) => c.notNull())
      .addColumn('url_masked', 'text', (c) => c.notNull())
      .addColumn('secret_enc', 'text')
      .addColumn('district', 'text')
      .addColumn('site', 'text')
      .addColumn('min_severity', 'text', (c) => c.notNull())
      .addColumn('codes', 'text')
      .addColumn('group_wait_ms', 'bigint', (c) => c.notNull())
      .addColumn('group_interval_ms', 'bigint', (c) => c.notNull())
      .addColumn('repeat_ms', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_delivery_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('last_error_at', 'bigint')
      .addColumn('last_error_permanent', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('notify_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('alarm_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('notify_groups')
      .addColumn('channel_id', 'text', (c) => c.notNull())
      .addColumn('group_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('next_flush_at', 'bigint', (c) => c.notNull())
      .addColumn('last_sent_at', 'bigint')
      .addPrimaryKeyConstraint('notify_groups_pk', ['channel_id', 'group_key'])
      .execute();
    await db.schema.createIndex('notify_groups_due').on('notify_groups').column('next_flush_at').execute();

    await db.schema
      .createTable('notify_alerts')
      .addColumn('channel_id', 'text', (c) => c.notNull())
      .addColumn('alarm_id', 'text', (c) => c.notNull())
      .addColumn('group_key', 'text', (c) => c.notNull())
      .addColumn('notified', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('added_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('notify_alerts_pk', ['channel_id', 'alarm_id'])
      .execute();
    await db.schema.createIndex('notify_alerts_group').on('notify_alerts').columns(['channel_id', 'group_key']).execute();

    await db.schema
      .createTable('notify_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('channel_id', 'text', (c) => c.notNull())
      .addColumn('group_key', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('last_attempt_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint')
      .execute();
    await db.schema.createIndex('notify_outbox_status').on('notify_outbox').columns(['status', 'channel_id', 'id']).execute();

    await db.schema
      .createTable('notify_silences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kiosk_id', 'text')
      .addColumn('site', 'text')
      .addColumn('code', 'text')
      .addColumn('starts_at', 'bigint', (c) => c.notNull())
      .addColumn('ends_at', 'bigint', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expired_by', 'text')
      .execute();
    await db.schema.createIndex('notify_silences_ends_at').on('notify_silences').column('ends_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const t of ['notify_silences', 'notify_outbox', 'notify_alerts', 'notify_groups', 'notify_events', 'notify_channels']) await db.schema.dropTable(t).execute();
  },
};
