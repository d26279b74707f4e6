import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { JournalCorruptError, JournalError, JournalTooNewError, LATEST_SCHEMA_VERSION, openJournal, outboxRetryDelayMs, type Journal, type JournalOptions } from './journal.ts';
import { MIGRATIONS } from './migrations.ts';

const root = resolve(import.meta.dirname, '..', '..');
const open: Journal[] = [];
afterEach(() => {
  for (const j of open.splice(0)) j.close();
});

function tmpJournalPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'zizhu-journal-')), 'journal.sqlite');
}

/** A simulated clock: tests move time explicitly. */
function clock(start = 1_764_072_000_000) {
  let t = start;
  const now = () => t;
  return Object.assign(now, { advance: (ms: number) => (t += ms) });
}

function openTracked(options: JournalOptions): Journal {
  const j = openJournal(options);
  open.push(j);
  return j;
}

/** Close a journal opened with openTracked (and stop tracking it). */
function closeTracked(j: Journal) {
  open.splice(open.indexOf(j), 1);
  j.close();
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('opening the journal', () => {
  it('creates the file with WAL, synchronous=FULL, foreign keys, busy timeout and every table', () => {
    const path = tmpJournalPath();
    const j = openTracked({ path });
    expect(j.startup).toMatchObject({ schemaVersion: LATEST_SCHEMA_VERSION, migrationsApplied: MIGRATIONS.map((m) => m.version), uncleanShutdown: null, movedAside: null });
    closeTracked(j);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(['hq_commands', 'journal_incidents', 'kiosk_locks', 'outbox', 'outbox_counter', 'payments', 'print_jobs', 'runs', 'schema_migrations', 'session_events', 'sessions']);
    db.close();
  });

  it('sets the per-connection pragmas on every open', () => {
    const j = openTracked({ path: tmpJournalPath(), busyTimeoutMs: 1234 });
    const db = (j as unknown as { db: Database.Database }).db;
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
  });

  it('applies migrations once: reopening applies nothing and keeps one row per version', () => {
    const path = tmpJournalPath();
    closeTracked(openTracked({ path }));
    const again = openTracked({ path });
    expect(again.startup.migrationsApplied).toEqual([]);
    closeTracked(again);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    db.close();
  });

  it('rolls a failing migration back completely and says which one failed', () => {
    const path = tmpJournalPath();
    closeTracked(openTracked({ path }));
    const L = LATEST_SCHEMA_VERSION;
    const broken = [...MIGRATIONS, { version: L + 1, name: 'half a migration', sql: 'CREATE TABLE extra (x); INSERT INTO no_such_table VALUES (1);' }];
    const e = thrown(() => openJournal({ path, migrations: broken }));
    expect(e).toBeInstanceOf(JournalError);
    expect((e as JournalError).code).toBe('MIGRATION_FAILED');
    expect((e as Error).message).toMatch(new RegExp(`migration ${L + 1} \\(half a migration\\) failed and was rolled back: no such table: no_such_table\\. The file is unchanged at schema version ${L}`));
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(L);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'extra'").get()).toEqual({ n: 0 });
    db.close();
    // the file still opens with this build
    expect(openTracked({ path }).startup.schemaVersion).toBe(L);
  });

  it('applies a new migration to an existing journal without touching its data', () => {
    const path = tmpJournalPath();
    const j = openTracked({ path });
    const s = j.sessions.start({ service: 'payment', state: { step: 1 } });
    closeTracked(j);
    const L = LATEST_SCHEMA_VERSION;
    const next = [...MIGRATIONS, { version: L + 1, name: 'add a note column', sql: 'ALTER TABLE sessions ADD COLUMN note TEXT;' }];
    const upgraded = openTracked({ path, migrations: next });
    expect(upgraded.startup).toMatchObject({ schemaVersion: L + 1, migrationsApplied: [L + 1] });
    expect(upgraded.sessions.get(s.id).state).toEqual({ step: 1 });
  });

  it('gives the HQ events an older journal holds their seq in the order they were made, and goes on from there', () => {
    const path = tmpJournalPath();
    const db = new Database(path); // a journal of schema version 1, as an older release left it
    db.exec(MIGRATIONS[0]!.sql);
    db.pragma('user_version = 1');
    const insert = db.prepare("INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, 'staff.pin-rejected', '{\"failures\":1}', ?, ?)");
    insert.run('b', 20, 20);
    insert.run('a', 10, 10);
    db.close();
    const j = openTracked({ path });
    expect(j.outbox.claim().map((r) => [r.id, r.seq])).toEqual([['a', 1], ['b', 2]]);
    expect(j.outbox.enqueue('staff.pin-rejected', { failures: 2 }).seq).toBe(3);
  });

  it('refuses a journal from a newer release, with a clear message', () => {
    const path = tmpJournalPath();
    closeTracked(openTracked({ path }));
    const db = new Database(path);
    db.pragma('user_version = 7');
    db.close();
    const e = thrown(() => openJournal({ path }));
    expect(e).toBeInstanceOf(JournalTooNewError);
    expect((e as Error).message).toBe(
      `journal ${path} has schema version 7, but this Zizhu knows only up to version ${LATEST_SCHEMA_VERSION}: it was written by a newer release. Refusing to open it so nothing is lost; install that release (or newer) again instead of downgrading.`,
    );
  });

  it('says what to check when the file cannot be opened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zizhu-journal-'));
    const e = thrown(() => openJournal({ path: dir }));
    expect(e).toBeInstanceOf(JournalError);
    expect((e as JournalError).code).toBe('CANNOT_OPEN');
    expect((e as Error).message).toContain(`cannot open the journal ${dir}`);
  });
});

describe('a corrupt journal', () => {
  function journalWithData(): string {
    const path = tmpJournalPath();
    const j = openTracked({ path });
    for (let i = 0; i < 300; i++) j.sessions.start({ service: 'providentFundStatement', state: { filler: 'x'.repeat(400), i } });
    closeTracked(j);
    return path;
  }

  it('whose bytes are all garbage is reported with its path and what to do, and left untouched', () => {
    const path = tmpJournalPath();
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) & 0xff));
    writeFileSync(path, garbage);
    const e = thrown(() => openJournal({ path }));
    expect(e).toBeInstanceOf(JournalCorruptError);
    const err = e as JournalCorruptError;
    expect(err.path).toBe(path);
    expect(err.message).toMatch(new RegExp(`^journal ${path} is corrupt \\(file is not a database\\)\\. The agent has not started`));
    expect(err.message).toContain('zizhu start --move-aside-corrupt-journal');
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it('with a damaged page is caught by integrity_check', () => {
    const path = journalWithData();
    expect(statSync(path).size).toBeGreaterThan(20 * 4096);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096 * 10); // one page in the middle of the sessions table
    closeSync(fd);
    const e = thrown(() => openJournal({ path }));
    expect(e).toBeInstanceOf(JournalCorruptError);
    expect((e as JournalCorruptError).problems.length).toBeGreaterThan(0);
    expect((e as JournalCorruptError).problems.join('\n')).not.toBe('ok');
  });

  it('is moved aside with a timestamped name and a fresh journal started only when told to — and that is recorded', () => {
    const path = journalWithData();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 12);
    closeSync(fd);
    const damaged = readFileSync(path);
    expect(() => openJournal({ path })).toThrow(JournalCorruptError);
    expect(readFileSync(path).equals(damaged)).toBe(true);

    const now = clock(Date.UTC(2026, 10, 25, 14, 45, 1));
    const j = openTracked({ path, onCorrupt: 'move-aside', now });
    const to = `${path}.corrupt-20261125T144501Z`;
    expect(j.startup.movedAside).toMatchObject({ from: path, to, at: now() });
    expect(j.startup.movedAside!.problems.length).toBeGreaterThan(0);
    expect(readFileSync(to).equals(damaged)).toBe(true);
    expect(j.sessions.listOpen()).toEqual([]);
    expect(j.incidents()).toEqual([{ id: expect.any(String), at: now(), kind: 'corrupt-journal-moved-aside', detail: j.startup.movedAside }]);
    expect(j.integrityCheck()).toBe('ok');
  });
});

describe('unclean shutdown and durability (real process, SIGKILL)', () => {
  const runWriter = async (path: string, mode: 'kill' | 'clean') => {
    const child = promisify(execFile)(process.execPath, [join(root, 'bin', 'run-ts.mjs'), join(root, 'runtime', 'journal', 'fixtures', 'crash-writer.ts'), path, mode], { cwd: root });
    try {
      const { stdout } = await child;
      return { signal: null, out: JSON.parse(stdout) };
    } catch (e) {
      const err = e as { signal: string | null; stdout: string };
      return { signal: err.signal, out: JSON.parse(err.stdout) };
    }
  };

  it('reports AGENT_UNCLEAN_SHUTDOWN material after a kill, with everything journaled before it intact', async () => {
    const path = tmpJournalPath();
    const { signal, out } = await runWriter(path, 'kill');
    expect(signal).toBe('SIGKILL');
    expect(existsSync(`${path}-wal`)).toBe(true); // never checkpointed: the data lives in the WAL
    const j = openTracked({ path });
    expect(j.startup.uncleanShutdown).toMatchObject({ runId: out.runId, pid: out.pid });
    expect(j.startup.uncleanShutdown!.lastSeenAt).toBeGreaterThanOrEqual(j.startup.uncleanShutdown!.startedAt);
    expect(j.payments.get(out.merchantOrderNo)).toMatchObject({ state: 'journaled', amountFen: 1200, sessionId: out.sessionId });
    expect(j.sessions.listOpen().map((s) => s.id)).toEqual([out.sessionId]);
    expect(j.sessions.events(out.sessionId)).toEqual([{ sessionId: out.sessionId, seq: 1, event: { type: 'PAY' }, at: expect.any(Number) }]);
    expect(j.outbox.backlog().pending).toBe(1);
    closeTracked(j);
    // reported once: the next start after a clean stop has nothing to report
    expect(openTracked({ path }).startup.uncleanShutdown).toBeNull();
  });

  it('reports nothing after a clean stop', async () => {
    const path = tmpJournalPath();
    const { signal } = await runWriter(path, 'clean');
    expect(signal).toBeNull();
    expect(openTracked({ path }).startup.uncleanShutdown).toBeNull();
  });
});

describe('sessions', () => {
  it('journals events with increasing sequence numbers and the latest snapshot; reopening keeps them', () => {
    const path = tmpJournalPath();
    const now = clock();
    const j = openTracked({ path, now });
    const s = j.sessions.start({ service: 'providentFundStatement', state: { value: 'identify' } });
    expect(s).toMatchObject({ service: 'providentFundStatement', state: { value: 'identify' }, startedAt: now(), endedAt: null, lastSeq: 0, runId: j.startup.runId });
    expect(s.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    now.advance(1000);
    expect(j.sessions.record(s.id, { event: { type: 'CARD_READ' }, state: { value: 'fetching' } })).toBe(1);
    now.advance(1000);
    expect(j.sessions.record(s.id, { event: { type: 'STATEMENT', months: 12 }, state: { value: 'preview' } })).toBe(2);
    closeTracked(j);

    const again = openTracked({ path, now });
    expect(again.sessions.get(s.id)).toMatchObject({ state: { value: 'preview' }, lastSeq: 2, updatedAt: now() });
    expect(again.sessions.listOpen().map((x) => x.id)).toEqual([s.id]);
    const ended = again.sessions.end(s.id, { outcome: 'completed', event: { type: 'TAKEN' }, state: { value: 'done' } });
    expect(ended).toMatchObject({ outcome: 'completed', endedAt: now(), lastSeq: 3, state: { value: 'done' } });
    expect(again.sessions.events(s.id, 1).map((e) => e.event)).toEqual([{ type: 'STATEMENT', months: 12 }, { type: 'TAKEN' }]);
    expect(again.sessions.listOpen()).toEqual([]);
    expect((thrown(() => again.sessions.record(s.id, { event: {}, state: {} })) as JournalError).code).toBe('INVALID_TRANSITION');
  });

  it('rejects what cannot be stored and unknown sessions with typed errors', () => {
    const j = openTracked({ path: tmpJournalPath() });
    const s = j.sessions.start({ service: 'payment', state: {} });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect((thrown(() => j.sessions.record(s.id, { event: cyclic, state: {} })) as JournalError).code).toBe('NOT_JSON');
    expect((thrown(() => j.sessions.start({ service: 'payment', state: undefined })) as JournalError).code).toBe('NOT_JSON');
    expect((thrown(() => j.sessions.record('no-such-session', { event: {}, state: {} })) as JournalError).code).toBe('NOT_FOUND');
    expect(j.sessions.get(s.id).lastSeq).toBe(0);
  });

  it('commits a transition and its side-effect record together, or neither', () => {
    const j = openTracked({ path: tmpJournalPath() });
    const s = j.sessions.start({ service: 'hospitalRegistration', state: { value: 'confirm' } });
    expect(() =>
      j.transaction(() => {
        j.sessions.record(s.id, { event: { type: 'PAY' }, state: { value: 'paying' } });
        j.payments.journal({ merchantOrderNo: 'ZZ0000000001', amountFen: 500, method: 'nativeQr', sessionId: s.id });
        throw new Error('power cut before commit');
      }),
    ).toThrow('power cut before commit');
    expect(j.sessions.get(s.id)).toMatchObject({ lastSeq: 0, state: { value: 'confirm' } });
    expect(j.payments.find('ZZ0000000001')).toBeUndefined();
    j.transaction(() => {
      j.sessions.record(s.id, { event: { type: 'PAY' }, state: { value: 'paying' } });
      j.payments.journal({ merchantOrderNo: 'ZZ0000000001', amountFen: 500, method: 'nativeQr', sessionId: s.id });
    });
    expect(j.payments.forSession(s.id).map((p) => p.merchantOrderNo)).toEqual(['ZZ0000000001']);
  });

  it('prunes ended sessions and their events, keeping payments and any session whose payment is not settled', () => {
    const now = clock();
    const j = openTracked({ path: tmpJournalPath(), now });
    const old = j.sessions.start({ service: 'hospitalRegistration', state: {} });
    j.sessions.record(old.id, { event: { type: 'X' }, state: {} });
    j.payments.journal({ merchantOrderNo: 'ZZ-old', amountFen: 100, method: 'paymentCode', sessionId: old.id });
    j.sessions.end(old.id, { outcome: 'completed' });
    const running = j.sessions.start({ service: 'hospitalRegistration', state: {} });
    now.advance(31 * 86_400_000);
    // reconciliation still reads the registration key from the session of an unsettled order
    expect(j.prune({ sessionsEndedBefore: now() - 30 * 86_400_000 })).toEqual({ sessions: 0, payments: 0, printJobs: 0, outbox: 0 });
    j.payments.setState('ZZ-old', 'closed');
    expect(j.prune({ sessionsEndedBefore: now() - 30 * 86_400_000 })).toEqual({ sessions: 1, payments: 0, printJobs: 0, outbox: 0 });
    expect(j.sessions.find(old.id)).toBeUndefined();
    expect(j.sessions.events(old.id)).toEqual([]);
    expect(j.payments.get('ZZ-old').sessionId).toBeNull();
    expect(j.sessions.find(running.id)).toBeDefined();
  });
});

describe('print jobs', () => {
  it('follow queued → printing → delivered → taken, and refuse going back', () => {
    const now = clock();
    const j = openTracked({ path: tmpJournalPath(), now });
    const s = j.sessions.start({ service: 'providentFundStatement', state: {} });
    const job = j.printJobs.create({ kind: 'provident-fund-statement', sessionId: s.id });
    expect(job).toMatchObject({ status: 'queued', sessionId: s.id, completionId: null, finishedAt: null });
    expect(j.printJobs.listUnfinished().map((x) => x.id)).toEqual([job.id]);
    j.printJobs.update(job.id, { status: 'printing', completionId: '0042' });
    now.advance(2500);
    expect(j.printJobs.update(job.id, { status: 'delivered' })).toMatchObject({ status: 'delivered', completionId: '0042', finishedAt: now() });
    expect(j.printJobs.listUnfinished()).toEqual([]);
    expect(j.printJobs.update(job.id, { status: 'delivered' }).status).toBe('delivered'); // repeat: no-op
    now.advance(4000);
    expect(j.printJobs.update(job.id, { status: 'taken' })).toMatchObject({ status: 'taken', finishedAt: now() - 4000, updatedAt: now() });
    const back = thrown(() => j.printJobs.update(job.id, { status: 'printing' })) as JournalError;
    expect(back.code).toBe('INVALID_TRANSITION');
    expect(back.message).toBe(`print job ${job.id} cannot go from taken to printing`);
  });

  it('record a failure with its fault code', () => {
    const j = openTracked({ path: tmpJournalPath() });
    const job = j.printJobs.create({ kind: 'registration-slip' });
    j.printJobs.update(job.id, { status: 'printing', completionId: '0007' });
    expect((thrown(() => j.printJobs.update(job.id, { status: 'failed' })) as JournalError).message).toMatch(/needs a fault code/);
    expect(j.printJobs.update(job.id, { status: 'failed', fault: 'PRINT_NOT_DELIVERED', faultDetail: 'no completion id within 20 s' })).toMatchObject({
      status: 'failed',
      fault: 'PRINT_NOT_DELIVERED',
      faultDetail: 'no completion id within 20 s',
    });
    expect(() => j.printJobs.create({ kind: 'x', sessionId: 'no-such-session' })).toThrow(/FOREIGN KEY/);
  });
});

describe('payments', () => {
  it('journal an order once; a second journal of the same number is refused', () => {
    const j = openTracked({ path: tmpJournalPath() });
    const p = j.payments.journal({ merchantOrderNo: 'ZZ20261125000001', amountFen: 1250, method: 'nativeQr', deadlineAt: 123 });
    expect(p).toMatchObject({ state: 'journaled', amountFen: 1250, deadlineAt: 123, refundNo: null, finalAt: null });
    const dup = thrown(() => j.payments.journal({ merchantOrderNo: 'ZZ20261125000001', amountFen: 1250, method: 'nativeQr' })) as JournalError;
    expect(dup.code).toBe('DUPLICATE');
    expect((thrown(() => j.payments.journal({ merchantOrderNo: 'ZZ2', amountFen: 12.5, method: 'nativeQr' })) as JournalError).message).toMatch(/positive whole number of fen, got 12\.5/);
  });

  it('reach a final state and never leave it; refunds keep one stable number', () => {
    const j = openTracked({ path: tmpJournalPath() });
    j.payments.journal({ merchantOrderNo: 'A1', amountFen: 100, method: 'paymentCode' });
    j.payments.journal({ merchantOrderNo: 'B2', amountFen: 200, method: 'nativeQr' });
    j.payments.journal({ merchantOrderNo: 'C3', amountFen: 300, method: 'nativeQr' });
    expect(j.payments.listUnfinished().map((p) => p.merchantOrderNo)).toEqual(['A1', 'B2', 'C3']);

    expect((thrown(() => j.payments.setState('A1', 'used')) as JournalError).message).toBe('payment A1 cannot go from journaled to used: only a paid order can be used');
    j.payments.setState('A1', 'unknown', { detail: 'micropay timed out' });
    j.payments.setState('A1', 'paid', { transactionId: '4200001234202511251234567890' });
    expect(j.payments.setState('A1', 'used')).toMatchObject({ state: 'used', transactionId: '4200001234202511251234567890', detail: 'micropay timed out' });
    expect((thrown(() => j.payments.setState('A1', 'refunding')) as JournalError).message).toMatch(/used is final/);

    j.payments.setState('B2', 'awaiting-payment');
    j.payments.setState('B2', 'closing');
    expect(j.payments.setState('B2', 'closed').finalAt).not.toBeNull();

    j.payments.setState('C3', 'paid');
    expect((thrown(() => j.payments.setState('C3', 'refunded')) as JournalError).message).toMatch(/call beginRefund first/);
    expect(j.payments.beginRefund('C3', 'RF-C3-1')).toMatchObject({ state: 'refunding', refundNo: 'RF-C3-1' });
    expect(j.payments.beginRefund('C3', 'RF-C3-2').refundNo).toBe('RF-C3-1'); // a retry after a crash reuses the number
    expect(j.payments.setState('C3', 'refunded').state).toBe('refunded');
    expect(j.payments.listUnfinished()).toEqual([]);
  });

  it('refuse a refund number already used by another order', () => {
    const j = openTracked({ path: tmpJournalPath() });
    for (const no of ['A', 'B']) {
      j.payments.journal({ merchantOrderNo: no, amountFen: 100, method: 'nativeQr' });
      j.payments.setState(no, 'paid');
    }
    j.payments.beginRefund('A', 'RF-1');
    expect((thrown(() => j.payments.beginRefund('B', 'RF-1')) as JournalError).code).toBe('DUPLICATE');
    expect(j.payments.get('B')).toMatchObject({ state: 'paid', refundNo: null });
  });
});

const PAPER_OUT = { code: 'PRINTER_PAPER_OUT', device: 'printer', severity: 'major', blocking: true, detail: 'out of paper' } as const;

describe('outbox', () => {
  it('enqueues, claims oldest first with a lease, and delivers once', () => {
    const now = clock();
    const j = openTracked({ path: tmpJournalPath(), now });
    const a = j.outbox.enqueue('fault.raised', PAPER_OUT);
    now.advance(1);
    const b = j.outbox.enqueue('fault.cleared', PAPER_OUT);
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(j.outbox.backlog()).toEqual({ pending: 2, oldestCreatedAt: a.createdAt });

    const first = j.outbox.claim({ limit: 1, leaseMs: 10_000 });
    expect(first.map((r) => [r.id, r.attempts, r.claimedUntil])).toEqual([[a.id, 1, now() + 10_000]]);
    expect(j.outbox.claim().map((r) => r.id)).toEqual([b.id]); // a is leased
    expect(j.outbox.claim()).toEqual([]);

    j.outbox.delivered(a.id);
    j.outbox.delivered(a.id); // idempotent
    expect(j.outbox.get(a.id).deliveredAt).toBe(now());
    now.advance(60_000); // b's lease ran out: handed out again
    expect(j.outbox.claim().map((r) => [r.id, r.attempts])).toEqual([[b.id, 2]]);
    j.outbox.delivered(b.id);
    now.advance(60_000);
    expect(j.outbox.claim()).toEqual([]);
    expect(j.outbox.backlog()).toEqual({ pending: 0, oldestCreatedAt: null });
  });

  it('backs off after a failed delivery and keeps the error', () => {
    const now = clock();
    const j = openTracked({ path: tmpJournalPath(), now });
    const e = j.outbox.enqueue('staff.pin-rejected', { failures: 1 });
    j.outbox.claim();
    const failed = j.outbox.failed(e.id, 'HQ answered 503');
    expect(failed).toMatchObject({ attempts: 1, claimedUntil: null, lastError: 'HQ answered 503', nextAttemptAt: now() + outboxRetryDelayMs(1) });
    expect(j.outbox.claim()).toEqual([]);
    now.advance(outboxRetryDelayMs(1));
    expect(j.outbox.claim().map((r) => r.attempts)).toEqual([2]);
    expect(j.outbox.failed(e.id, 'timeout').nextAttemptAt).toBe(now() + outboxRetryDelayMs(2));
    expect([1, 2, 3, 10, 30].map(outboxRetryDelayMs)).toEqual([1000, 2000, 4000, 300_000, 300_000]);
  });

  it('survives a restart: undelivered events stay, leases are released, delivered ones are pruned later', () => {
    const path = tmpJournalPath();
    const now = clock();
    const j = openTracked({ path, now });
    const a = j.outbox.enqueue('maintenance.locked', { staffId: 's1' });
    const b = j.outbox.enqueue('fault.raised', { ...PAPER_OUT, code: 'SCREEN_BLACK', device: 'screen' });
    j.outbox.claim({ leaseMs: 3_600_000 });
    j.outbox.delivered(b.id);
    closeTracked(j);

    const again = openTracked({ path, now });
    expect(again.outbox.claim().map((r) => [r.id, r.kind, r.payload, r.attempts])).toEqual([[a.id, 'maintenance.locked', { staffId: 's1' }, 2]]);
    now.advance(10);
    expect(again.prune({ sessionsEndedBefore: now(), outboxDeliveredBefore: now() })).toEqual({ sessions: 0, payments: 0, printJobs: 0, outbox: 1 });
    expect((thrown(() => again.outbox.get(b.id)) as JournalError).code).toBe('NOT_FOUND');
    // the highest event was pruned: its seq is never handed out again
    expect(again.outbox.enqueue('staff.pin-rejected', { failures: 2 }).seq).toBe(3);
  });

  it('takes only events of contracts/hq.ts, with a valid payload (parsed: unknown keys dropped)', () => {
    const j = openTracked({ path: tmpJournalPath(), now: clock() });
    const bad = thrown(() => j.outbox.enqueue('fault.raised', { ...PAPER_OUT, code: 'NO_SUCH_CODE' as 'SCREEN_BLACK' })) as JournalError;
    expect(bad.code).toBe('INVALID_HQ_EVENT');
    expect(bad.message).toContain('code');
    expect((thrown(() => j.outbox.enqueue('no.such.event' as 'heartbeat', {} as never)) as JournalError).code).toBe('INVALID_HQ_EVENT');
    expect(j.outbox.backlog().pending).toBe(0);
    const r = j.outbox.enqueue('backend.health', { backend: 'his', state: 'down', detail: 'timeout', extra: 1 } as never);
    expect(r.payload).toEqual({ backend: 'his', state: 'down', detail: 'timeout' });
  });

  it('refuses writes after close', () => {
    const j = openJournal({ path: tmpJournalPath() });
    j.close();
    expect((thrown(() => j.outbox.enqueue('staff.pin-rejected', { failures: 1 })) as JournalError).code).toBe('CLOSED');
    expect(readdirSync(join(j.path, '..')).filter((f) => f.endsWith('-wal') || f.endsWith('-shm'))).toEqual([]);
  });
});
