/**
 * HQ's core schema, by kysely's schema builder only (portable to PostgreSQL). Auth's migrations
 * (`auth/tables.ts`) are listed with these in one static provider (`open.ts`).
 */
import type { Kysely, Migration } from 'kysely';

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
};
