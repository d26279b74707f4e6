/**
 * The kiosk's journal: one SQLite file (better-sqlite3) holding sessions and their events,
 * print jobs, payments and the outbox of HQ events. What is journaled survives a power cut:
 * WAL with synchronous=FULL means a write is on disk when the call returns.
 *
 * Opening it: the file 0600 in a 0700 directory → pragmas (WAL, synchronous=FULL, secure_delete,
 * foreign keys, busy timeout) → integrity_check →
 * schema version check (a newer file is refused) → pending migrations, each in its own
 * transaction → a `runs` row for this agent run. A run left open by the previous agent means it
 * did not stop cleanly: `startup.uncleanShutdown` reports it (→ AGENT_UNCLEAN_SHUTDOWN).
 *
 * A corrupt file stops start-up with JournalCorruptError. Only with `onCorrupt: 'move-aside'`
 * is the file renamed (`<path>.corrupt-<time>`, with its -wal/-shm) and a fresh journal started;
 * that is recorded in the fresh journal's `journal_incidents` and in `startup.movedAside`.
 *
 * Personal data: identity in session snapshots is sealed with a key of this open only, events are
 * masked (personal-data.ts). `secure_delete` overwrites what is deleted or replaced with zeros, and
 * `prune()` empties the WAL afterwards, so a pruned statement is not left in free pages or old frames.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { JournalCorruptError, JournalError, JournalTooNewError } from './errors.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';
import { PersonalDataSeal } from './personal-data.ts';
import { ensurePrivateDir, ensurePrivateFile, tightenFile } from '../private-files.ts';
import { PaymentJournal, PrintJobJournal, SessionJournal, type Clock, type JournalContext } from './records.ts';
import { Outbox } from './outbox.ts';
import { HqLinkJournal } from './hq-link-journal.ts';

export * from './errors.ts';
export * from './records.ts';
export * from './outbox.ts';
export * from './hq-link-journal.ts';
export { LATEST_SCHEMA_VERSION, type Migration } from './migrations.ts';

export interface JournalOptions {
  /** the SQLite file; its directory is created if missing */
  path: string;
  /** 'fail' (default): a corrupt file throws JournalCorruptError. 'move-aside': rename it and start fresh (recorded). */
  onCorrupt?: 'fail' | 'move-aside';
  /** epoch-ms clock (tests pass a simulated one) */
  now?: Clock;
  /** how long a write waits for a lock held by another connection (default 5000 ms) */
  busyTimeoutMs?: number;
  /** recorded with the run */
  appVersion?: string;
  /** for tests of the migration machinery only */
  migrations?: readonly Migration[];
}

export interface UncleanShutdown {
  runId: string;
  pid: number;
  host: string;
  startedAt: number;
  /** the last sign of life: the later of its last heartbeat and its last write */
  lastSeenAt: number;
}

export interface MovedAside {
  from: string;
  to: string;
  problems: string[];
  at: number;
}

export interface JournalStartup {
  runId: string;
  schemaVersion: number;
  /** migration versions applied by this open (empty when the file was up to date) */
  migrationsApplied: number[];
  /** the previous agent run did not close the journal: it crashed, was killed or lost power */
  uncleanShutdown: UncleanShutdown | null;
  /** set when a corrupt journal was moved aside and this one is fresh */
  movedAside: MovedAside | null;
  /** what the agent should log: e.g. the journal's directory is open to other users */
  warnings: string[];
}

export interface PruneCutoffs {
  /** epoch ms: ended sessions older than this go, with their events (unless a payment of theirs is unsettled) */
  sessionsEndedBefore: number;
  /** epoch ms: settled payments and finished print jobs older than this go (absent: kept) */
  recordsFinishedBefore?: number;
  /** epoch ms: HQ events delivered before this go (absent: kept) */
  outboxDeliveredBefore?: number;
}

export interface PruneCounts {
  sessions: number;
  payments: number;
  printJobs: number;
  outbox: number;
}

export interface JournalIncident {
  id: string;
  at: number;
  kind: string;
  detail: unknown;
}

interface SqliteErrorLike {
  code?: string;
  message: string;
}

const isCorruption = (e: unknown) => /^SQLITE_(CORRUPT|NOTADB)/.test((e as SqliteErrorLike | null)?.code ?? '');

/** Open (or create) the journal. Throws JournalCorruptError, JournalTooNewError or JournalError('CANNOT_OPEN'|'MIGRATION_FAILED'). */
export function openJournal(options: JournalOptions): Journal {
  const now = options.now ?? Date.now;
  const path = options.path;
  const warnings: string[] = [];
  try {
    const open = ensurePrivateDir(dirname(path));
    if (open) warnings.push(open);
  } catch (e) {
    throw new JournalError('CANNOT_OPEN', `cannot create the journal directory ${dirname(path)}: ${(e as Error).message}; check the path and permissions (agent.dataDir in the kiosk config)`, { path }, { cause: e });
  }
  let movedAside: MovedAside | null = null;
  let db: Database.Database;
  try {
    db = openChecked(path, options);
  } catch (e) {
    if (!(e instanceof JournalCorruptError) || options.onCorrupt !== 'move-aside') throw e;
    const at = now();
    const to = moveAside(path, at);
    movedAside = { from: path, to, problems: e.problems, at };
    db = openChecked(path, options);
  }
  try {
    return new Journal(db, path, now, options, movedAside, warnings);
  } catch (e) {
    db.close();
    throw e;
  }
}

function openChecked(path: string, options: JournalOptions): Database.Database {
  let db: Database.Database;
  try {
    // SQLite gives the -wal and -shm files the mode of the database file: 0600 from the start
    ensurePrivateFile(path);
    for (const suffix of ['-wal', '-shm']) tightenFile(path + suffix);
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5_000 });
  } catch (e) {
    if (isCorruption(e)) throw new JournalCorruptError(path, [(e as Error).message], e);
    throw new JournalError('CANNOT_OPEN', `cannot open the journal ${path}: ${(e as Error).message}; check the path, permissions and free disk space`, { path }, { cause: e });
  }
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new JournalError('CANNOT_OPEN', `journal ${path}: cannot switch to WAL mode (got ${String(mode)}); is the file on a network or read-only filesystem?`, { path });
    db.pragma('synchronous = FULL');
    // deleted and overwritten content (old snapshots, pruned statements) is zeroed, not left in free space
    db.pragma('secure_delete = ON');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000))}`);
    const problems = (db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok') throw new JournalCorruptError(path, problems);
    const fkProblems = db.pragma('foreign_key_check') as unknown[];
    if (fkProblems.length) throw new JournalCorruptError(path, [`${fkProblems.length} rows break foreign keys (first: ${JSON.stringify(fkProblems[0])})`]);
    const known = (options.migrations ?? MIGRATIONS).reduce((v, m) => Math.max(v, m.version), 0);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > known) throw new JournalTooNewError(path, version, known);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof JournalError) throw e;
    if (isCorruption(e)) throw new JournalCorruptError(path, [(e as Error).message], e);
    throw new JournalError('CANNOT_OPEN', `cannot open the journal ${path}: ${(e as Error).message}; check permissions and free disk space`, { path }, { cause: e });
  }
}

function timestampForName(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z'); // 20251125T144501Z
}

/** Rename `path` (and its -wal/-shm, kept next to it so sqlite3 can still open the copy) out of the way. */
function moveAside(path: string, at: number): string {
  let to = `${path}.corrupt-${timestampForName(at)}`;
  for (let n = 2; existsSync(to); n++) to = `${path}.corrupt-${timestampForName(at)}-${n}`;
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, to + suffix);
  renameSync(path, to);
  return to;
}

export class Journal {
  readonly sessions: SessionJournal;
  readonly printJobs: PrintJobJournal;
  readonly payments: PaymentJournal;
  readonly outbox: Outbox;
  /** the HQ link's commands and the kiosk lock (runtime/hq-link/) */
  readonly hqLink: HqLinkJournal;
  readonly startup: JournalStartup;
  private closed = false;
  private readonly runId: string;
  private readonly statements: {
    heartbeat: Database.Statement;
    endRun: Database.Statement;
    incident: Database.Statement;
    incidents: Database.Statement<[], { id: string; at: number; kind: string; detail: string }>;
  };

  constructor(
    private readonly db: Database.Database,
    readonly path: string,
    private readonly now: Clock,
    options: JournalOptions,
    movedAside: MovedAside | null,
    warnings: string[] = [],
  ) {
    const migrationsApplied = applyMigrations(db, path, options.migrations ?? MIGRATIONS);
    this.runId = randomUUID();
    const context: JournalContext = {
      db,
      now,
      tx: <T>(fn: () => T): T => {
        if (this.closed) throw new JournalError('CLOSED', `journal ${path} is closed`);
        return db.transaction(fn).immediate();
      },
      runId: () => this.runId,
      seal: new PersonalDataSeal(),
    };
    this.statements = {
      heartbeat: db.prepare('UPDATE runs SET last_seen_at = ? WHERE id = ?'),
      endRun: db.prepare("UPDATE runs SET ended_at = ?, last_seen_at = ?, end_kind = 'clean' WHERE id = ?"),
      incident: db.prepare('INSERT INTO journal_incidents (id, at, kind, detail) VALUES (?, ?, ?, ?)'),
      incidents: db.prepare('SELECT * FROM journal_incidents ORDER BY at, id'),
    };
    this.sessions = new SessionJournal(context);
    this.printJobs = new PrintJobJournal(context);
    this.payments = new PaymentJournal(context);
    this.outbox = new Outbox(context);
    this.hqLink = new HqLinkJournal(context, this.outbox);

    const uncleanShutdown = context.tx(() => {
      const at = now();
      const open = db
        .prepare('SELECT id, pid, host, started_at, last_seen_at FROM runs WHERE ended_at IS NULL ORDER BY started_at DESC')
        .all() as { id: string; pid: number; host: string; started_at: number; last_seen_at: number }[];
      let unclean: UncleanShutdown | null = null;
      for (const r of open) {
        // its last write tells more than its last heartbeat
        const lastWrite = (db.prepare('SELECT max(updated_at) AS t FROM sessions WHERE run_id = ?').get(r.id) as { t: number | null }).t ?? 0;
        const lastSeenAt = Math.max(r.last_seen_at, lastWrite);
        db.prepare("UPDATE runs SET ended_at = ?, end_kind = 'unclean' WHERE id = ?").run(lastSeenAt, r.id);
        unclean ??= { runId: r.id, pid: r.pid, host: r.host, startedAt: r.started_at, lastSeenAt };
      }
      db.prepare('INSERT INTO runs (id, started_at, last_seen_at, pid, host, app_version) VALUES (?, ?, ?, ?, ?, ?)').run(
        this.runId,
        at,
        at,
        process.pid,
        hostname(),
        options.appVersion ?? null,
      );
      if (movedAside) this.statements.incident.run(randomUUID(), at, 'corrupt-journal-moved-aside', JSON.stringify(movedAside));
      return unclean;
    });
    // nothing is in flight at start-up
    this.outbox.releaseClaims();
    this.startup = {
      runId: this.runId,
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
      migrationsApplied,
      uncleanShutdown,
      movedAside,
      warnings,
    };
  }

  /** Run `fn` in one transaction: everything it journals commits together or not at all. */
  transaction<T>(fn: () => T): T {
    if (this.closed) throw new JournalError('CLOSED', `journal ${this.path} is closed`);
    return this.db.transaction(fn).immediate();
  }

  /** Mark this run alive (call every few seconds): an unclean shutdown is then dated to within that period. */
  heartbeat(): void {
    if (this.closed) return;
    this.statements.heartbeat.run(this.now(), this.runId);
  }

  /** What happened to the journal file itself (e.g. a corrupt predecessor moved aside). */
  incidents(): JournalIncident[] {
    return this.statements.incidents.all().map((r) => ({ id: r.id, at: r.at, kind: r.kind, detail: JSON.parse(r.detail) }));
  }

  /** Recheck the file while running (the same checks as at start-up): 'ok' or the problems. */
  integrityCheck(): 'ok' | string[] {
    const rows = (this.db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((r) => r.integrity_check);
    return rows.length === 1 && rows[0] === 'ok' ? 'ok' : rows;
  }

  /**
   * Forget what is no longer needed (see retention.ts for the schedule): sessions ended before
   * `sessionsEndedBefore` with their events (the statements and registrations people saw) — never
   * one whose payment is not settled yet, because reconciliation reads its registration key;
   * settled payments and finished print jobs before `recordsFinishedBefore`; delivered HQ events
   * before `outboxDeliveredBefore`. Then the WAL is emptied, so the deleted rows are not left in
   * old frames (secure_delete zeroes them in the file itself).
   */
  prune(cutoffs: PruneCutoffs): PruneCounts {
    const c = cutoffs;
    const counts = this.transaction(() => ({
      sessions: this.db
        .prepare('DELETE FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ? AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.session_id = sessions.id AND p.final_at IS NULL)')
        .run(c.sessionsEndedBefore).changes,
      payments: c.recordsFinishedBefore === undefined ? 0 : this.db.prepare('DELETE FROM payments WHERE final_at IS NOT NULL AND final_at < ?').run(c.recordsFinishedBefore).changes,
      printJobs: c.recordsFinishedBefore === undefined ? 0 : this.db.prepare('DELETE FROM print_jobs WHERE finished_at IS NOT NULL AND finished_at < ?').run(c.recordsFinishedBefore).changes,
      outbox: c.outboxDeliveredBefore === undefined ? 0 : this.outbox.prune(c.outboxDeliveredBefore),
    }));
    // finished HQ commands and lifted kiosk locks go with the delivered HQ events
    if (c.outboxDeliveredBefore !== undefined) this.hqLink.prune(c.outboxDeliveredBefore);
    // a reader elsewhere (a support tool) may keep the WAL from being emptied now; the next prune does it
    if (Object.values(counts).some((n) => n > 0)) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return counts;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** A clean stop: closes this run (so the next start reports no unclean shutdown), checkpoints the WAL, closes the file. */
  close(): void {
    if (this.closed) return;
    const at = this.now();
    this.db.transaction(() => this.statements.endRun.run(at, at, this.runId)).immediate();
    this.closed = true;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }
}

/** Apply every migration newer than the file's user_version, each in its own transaction. */
function applyMigrations(db: Database.Database, path: string, migrations: readonly Migration[]): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied: number[] = [];
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (m.version <= current) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } catch (e) {
      throw new JournalError(
        'MIGRATION_FAILED',
        `journal ${path}: migration ${m.version} (${m.name}) failed and was rolled back: ${(e as Error).message}. The file is unchanged at schema version ${current}; report this with the file attached.`,
        { path, version: m.version },
        { cause: e },
      );
    }
    applied.push(m.version);
  }
  return applied;
}
