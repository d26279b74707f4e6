/**
 * Journal schema, as numbered migrations. Each is applied once, in its own transaction,
 * together with its row in `schema_migrations` and `PRAGMA user_version`. Never edit a
 * released migration: add a new one.
 *
 * Timestamps are epoch milliseconds (INTEGER). JSON columns are checked with json_valid.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, sessions, events, print jobs, payments, outbox, incidents',
    sql: `
      CREATE TABLE runs (
        id            TEXT PRIMARY KEY,
        started_at    INTEGER NOT NULL,
        last_seen_at  INTEGER NOT NULL,
        ended_at      INTEGER,
        end_kind      TEXT CHECK (end_kind IN ('clean', 'unclean')),
        pid           INTEGER NOT NULL,
        host          TEXT NOT NULL,
        app_version   TEXT
      );
      CREATE INDEX runs_open ON runs (started_at) WHERE ended_at IS NULL;

      CREATE TABLE sessions (
        id          TEXT PRIMARY KEY,
        service     TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (json_valid(state)),
        started_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        ended_at    INTEGER,
        outcome     TEXT,
        last_seq    INTEGER NOT NULL DEFAULT 0,
        run_id      TEXT REFERENCES runs (id)
      );
      CREATE INDEX sessions_open ON sessions (started_at) WHERE ended_at IS NULL;
      CREATE INDEX sessions_ended ON sessions (ended_at) WHERE ended_at IS NOT NULL;

      CREATE TABLE session_events (
        session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        event       TEXT NOT NULL CHECK (json_valid(event)),
        at          INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE print_jobs (
        id             TEXT PRIMARY KEY,
        session_id     TEXT REFERENCES sessions (id) ON DELETE SET NULL,
        kind           TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('queued', 'printing', 'delivered', 'taken', 'failed')),
        completion_id  TEXT,
        fault          TEXT,
        fault_detail   TEXT,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        finished_at    INTEGER
      );
      CREATE INDEX print_jobs_session ON print_jobs (session_id);
      CREATE INDEX print_jobs_unfinished ON print_jobs (created_at) WHERE finished_at IS NULL;

      CREATE TABLE payments (
        merchant_order_no  TEXT PRIMARY KEY,
        session_id         TEXT REFERENCES sessions (id) ON DELETE SET NULL,
        amount_fen         INTEGER NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
        method             TEXT NOT NULL,
        state              TEXT NOT NULL,
        deadline_at        INTEGER,
        transaction_id     TEXT,
        refund_no          TEXT UNIQUE,
        detail             TEXT,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL,
        final_at           INTEGER
      );
      CREATE INDEX payments_session ON payments (session_id);
      CREATE INDEX payments_unfinished ON payments (created_at) WHERE final_at IS NULL;

      CREATE TABLE outbox (
        id               TEXT PRIMARY KEY,
        kind             TEXT NOT NULL,
        payload          TEXT NOT NULL CHECK (json_valid(payload)),
        created_at       INTEGER NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  INTEGER NOT NULL,
        claimed_until    INTEGER,
        last_error       TEXT,
        delivered_at     INTEGER
      );
      CREATE INDEX outbox_due ON outbox (next_attempt_at, created_at) WHERE delivered_at IS NULL;

      CREATE TABLE journal_incidents (
        id      TEXT PRIMARY KEY,
        at      INTEGER NOT NULL,
        kind    TEXT NOT NULL,
        detail  TEXT NOT NULL CHECK (json_valid(detail))
      );
    `,
  },
  {
    version: 2,
    name: 'outbox seq: strictly increasing per kiosk, never reused after pruning (HQ keeps the contiguous one)',
    sql: `
      ALTER TABLE outbox ADD COLUMN seq INTEGER;
      UPDATE outbox SET seq = (SELECT count(*) FROM outbox o2 WHERE o2.created_at < outbox.created_at OR (o2.created_at = outbox.created_at AND o2.id <= outbox.id));
      CREATE UNIQUE INDEX outbox_seq ON outbox (seq);
      CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_at IS NULL;
      CREATE TABLE outbox_counter (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL);
      INSERT INTO outbox_counter (id, last_seq) SELECT 1, coalesce(max(seq), 0) FROM outbox;
    `,
  },
  {
    version: 3,
    name: 'HQ link: events set aside (HQ refused them), the commands HQ sent and what came of them, the kiosk lock',
    sql: `
      ALTER TABLE outbox ADD COLUMN set_aside_at INTEGER;
      DROP INDEX IF EXISTS outbox_pending;
      CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_at IS NULL AND set_aside_at IS NULL;

      CREATE TABLE hq_commands (
        id           TEXT PRIMARY KEY,
        type         TEXT NOT NULL,
        args         TEXT NOT NULL CHECK (json_valid(args)),
        received_at  INTEGER NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        detail       TEXT,
        finished_at  INTEGER
      );
      CREATE INDEX hq_commands_running ON hq_commands (received_at) WHERE status = 'running';

      CREATE TABLE kiosk_locks (
        id           TEXT PRIMARY KEY,
        reason       TEXT NOT NULL,
        by           TEXT NOT NULL CHECK (by IN ('hq', 'staff')),
        staff_id     TEXT,
        command_id   TEXT,
        locked_at    INTEGER NOT NULL,
        unlocked_at  INTEGER,
        unlocked_by  TEXT
      );
      CREATE UNIQUE INDEX kiosk_locks_current ON kiosk_locks ((1)) WHERE unlocked_at IS NULL;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);
