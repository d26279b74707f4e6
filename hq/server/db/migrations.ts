/**
 * HQ's core schema, by kysely's schema builder only (portable to PostgreSQL). Auth's migrations
 * (`auth/tables.ts`) are listed with these in one static provider (`open.ts`).
 */
import type { Kysely, Migration } from 'kysely';
import { notifyMigration } from '../notify/tables.ts';

export const coreMigrations: Record<string, Migration> = {
  '001_core': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('kiosks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('site', 'text')
        .addColumn('district', 'text')
        .addColumn('address', 'text')
        .addColumn('lat', 'double precision')
        .addColumn('lng', 'double precision')
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
        .addColumn('secret_rotated_at', 'bigint')
        .addColumn('lifecycle', 'text')
        .addColumn('devices', 'text')
        .addColumn('hours_open', 'integer')
        .addColumn('hours_next_change', 'text')
        .addColumn('backends', 'text')
        .addColumn('outbox_backlog', 'integer')
        .addColumn('clock_skew_ms', 'bigint')
        .addColumn('heartbeat_seconds', 'integer')
        .addColumn('version', 'text')
        .addColumn('last_seen_at', 'bigint')
        .addColumn('last_heartbeat_at', 'bigint')
        .addColumn('last_heartbeat_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('contiguous_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('highest_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('seq_ranges', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('offline', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('commands_pending', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kiosk_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_kiosk_seq').on('events').columns(['kiosk_id', 'seq']).execute();

      await db.schema
        .createTable('kiosk_history')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kiosk_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('kiosk_at', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('lifecycle', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('kiosk_history_kiosk').on('kiosk_history').columns(['kiosk_id', 'id']).execute();

      await db.schema
        .createTable('alarms')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kiosk_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('device', 'text')
        .addColumn('detail', 'text')
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('raised_at', 'text', (c) => c.notNull())
        .addColumn('last_raised_at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('cleared_at', 'text')
        .addColumn('cleared_at_ms', 'bigint')
        .addColumn('cleared_received_at', 'bigint')
        .addColumn('acked_at', 'bigint')
        .addColumn('acked_by', 'text')
        .addColumn('cleared_by', 'text')
        .addColumn('operator_cleared_at', 'bigint')
        .addColumn('comment', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alarms_kiosk_code').on('alarms').columns(['kiosk_id', 'code', 'generation']).unique().execute();
      await db.schema.createIndex('alarms_status').on('alarms').columns(['status', 'kiosk_id']).execute();

      await db.schema
        .createTable('commands')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kiosk_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('args', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('issued_by', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('result', 'text')
        .execute();
      await db.schema.createIndex('commands_kiosk_status').on('commands').columns(['kiosk_id', 'status']).execute();
      await db.schema.createIndex('commands_status_expiry').on('commands').columns(['status', 'expires_at']).execute();

      await db.schema
        .createTable('nonces')
        .addColumn('kiosk_id', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('nonces_pk', ['kiosk_id', 'nonce'])
        .execute();
      await db.schema.createIndex('nonces_seen_at').on('nonces').column('seen_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of ['nonces', 'commands', 'alarms', 'kiosk_history', 'events', 'kiosks']) await db.schema.dropTable(t).execute();
    },
  },
  /** maintenance windows declared beforehand: excluded from availability, no notifications inside them (issue 10) */
  '002_maintenance_windows': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('maintenance_windows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // what it covers: one kiosk, a site or a district (exactly one of the three is set)
        .addColumn('kiosk_id', 'text')
        .addColumn('site', 'text')
        .addColumn('district', 'text')
        .addColumn('starts_at', 'bigint', (c) => c.notNull())
        .addColumn('ends_at', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('maintenance_windows_ends_at').on('maintenance_windows').column('ends_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('maintenance_windows').execute();
    },
  },
  /** availability inside promised hours (issue 10): each kiosk's hours versions, service usability, HQ's own uptime */
  '003_availability': {
    async up(db: Kysely<unknown>): Promise<void> {
      // the kiosk's latest service usability (stable JSON) and the promised-hours version in force
      await db.schema.alterTable('kiosks').addColumn('services', 'text').execute();
      await db.schema.alterTable('kiosks').addColumn('hours_version', 'text').execute();
      // service usability as it was at each history row (null: as the row before)
      await db.schema.alterTable('kiosk_history').addColumn('services', 'text').execute();
      await db.schema.createIndex('kiosk_history_kiosk_at').on('kiosk_history').columns(['kiosk_id', 'at']).execute();
      await db.schema.createIndex('kiosk_history_at').on('kiosk_history').column('at').execute();
      await db.schema
        .createTable('kiosk_hours')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kiosk_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('timezone', 'text', (c) => c.notNull())
        .addColumn('hours', 'text', (c) => c.notNull())
        .addColumn('in_force_from', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('kiosk_hours_kiosk').on('kiosk_hours').columns(['kiosk_id', 'in_force_from']).execute();
      await db.schema
        .createTable('hq_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('alive_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('hq_runs_started_at').on('hq_runs').column('started_at').execute();
      // sessions of a kiosk over a span (after-hours alarm, the day view)
      await db.schema.createIndex('events_kiosk_type_received').on('events').columns(['kiosk_id', 'type', 'received_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('events_kiosk_type_received').execute();
      await db.schema.dropTable('hq_runs').execute();
      await db.schema.dropTable('kiosk_hours').execute();
      await db.schema.dropIndex('kiosk_history_at').execute();
      await db.schema.dropIndex('kiosk_history_kiosk_at').execute();
      await db.schema.alterTable('kiosk_history').dropColumn('services').execute();
      await db.schema.alterTable('kiosks').dropColumn('hours_version').execute();
      await db.schema.alterTable('kiosks').dropColumn('services').execute();
    },
  },
  /** first-time success (issue 10): every session.ended as a row to count (first-time/store.ts); sessions stored before this are not counted */
  '004_first_time': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('session_ends')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kiosk_id', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('person_hash', 'text')
        .addColumn('completed', 'integer', (c) => c.notNull())
        .addColumn('failure', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('last_step', 'text', (c) => c.notNull())
        .addColumn('steps', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('session_ends_ended_at').on('session_ends').column('ended_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('session_ends').execute();
    },
  },
  /** alarms in the ops group chat (issue 10): channels, groups, the delivery outbox, silences (notify/tables.ts) */
  '005_notify': notifyMigration,
  /** remote hands and the self-test (issue 10): each kiosk's latest self-test, and screenshots kept until they expire */
  '006_remote_hands': {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const [column, type] of [
        ['self_test_ready', 'integer'],
        ['self_test_trigger', 'text'],
        ['self_test_checks', 'text'],
        ['self_test_at', 'text'],
        ['self_test_received_at', 'bigint'],
      ] as const)
        await db.schema.alterTable('kiosks').addColumn(column, type).execute();
      await db.schema
        .createTable('screenshots')
        .addColumn('command_id', 'text', (c) => c.primaryKey())
        .addColumn('kiosk_id', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        // base64 text: one portable column type for SQLite and PostgreSQL (≤ 4 MiB of image)
        .addColumn('image', 'text', (c) => c.notNull())
        .addColumn('taken_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('screenshots_expires_at').on('screenshots').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('screenshots').execute();
      for (const column of ['self_test_received_at', 'self_test_at', 'self_test_checks', 'self_test_trigger', 'self_test_ready']) await db.schema.alterTable('kiosks').dropColumn(column).execute();
    },
  },
  /** help requests and nearby kiosks (issue 10): kiosks found by coordinates (nearby/query.ts's bounding box) */
  '007_help': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('kiosks_lat_lng').on('kiosks').columns(['lat', 'lng']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('kiosks_lat_lng').execute();
    },
  },
  /** the kiosk's recent nonces in its own row (ingest/nonce-ring.ts): a heartbeat writes one page, not three */
  '010_kiosk_nonce_ring': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('kiosks').addColumn('recent_nonces', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('kiosks').dropColumn('recent_nonces').execute();
    },
  },
  /** issue 11: the watchdogs' faults and checked codes the kiosk last said (JSON), so a change — not every beat — reconciles its alarms */
  '011_kiosk_watch': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('kiosks').addColumn('watch', 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('kiosks').dropColumn('watch').execute();
    },
  },
};
