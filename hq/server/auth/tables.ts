/**
 * The auth tables (users, sessions, audit log) as kysely types, and their migrations, which
 * hq/server/db includes in its database type and migration list.
 *
 * Portable on purpose (PostgreSQL comes later): only kysely's schema builder, text ids made by
 * us (no autoincrement), times as epoch milliseconds in `bigint` columns, booleans as 0/1 integers.
 */
import type { Kysely, Migration } from 'kysely';

export interface UsersTable {
  /** random uuid */
  id: string;
  /** unique login name */
  name: string;
  /** a Role of contracts/hq-api.ts */
  role: string;
  /** `scrypt$N$r$p$salt$hash` (base64url), see password.ts */
  password_hash: string;
  /** 0 or 1 */
  disabled: number;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  /** hex sha256 of the cookie's session id; the id itself is never stored */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
}

export interface AuditLogTable {
  /** `<at, 13 digits>-<counter>-<random>`: sorts by time, then by insertion within a process */
  id: string;
  at: number;
  /** user name (for a failed login: the name that was tried) */
  user_name: string;
  action: string;
  target: string | null;
  detail: string | null;
}

export interface AuthTables {
  users: UsersTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
}

export const authMigrations: Record<string, Migration> = {
  '100_auth': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('audit_log_target').on('audit_log').columns(['target', 'id']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_log').execute();
      await db.schema.dropTable('sessions').execute();
      await db.schema.dropTable('users').execute();
    },
  },
};
