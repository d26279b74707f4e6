import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournal, type Journal } from './journal.ts';
import { parseKioskConfig } from '../../kiosk-config/schema.ts';
import { cutoffsAt, startJournalPruning, type JournalPruning, type RetentionConfig } from './retention.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** 2026-06-10 12:00 Asia/Shanghai; the journal's clock is this, moved by hand */
const T0 = Date.parse('2026-06-10T12:00:00+08:00');
const RETENTION: RetentionConfig = { sessionsDays: 3, recordsDays: 180, outboxDays: 7, pruneEveryMinutes: 60 };
/** business data a statement brings into a session's events */
const EMPLOYER = '北京测试科技有限公司';

describe('the journal keeps what people did only as long as the retention says (pinned clock)', () => {
  let t: number;
  let journal: Journal;
  let path: string;
  let pruning: JournalPruning | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    t = T0;
    path = join(mkdtempSync(join(tmpdir(), 'zizhu-retention-')), 'journal.sqlite');
    journal = openJournal({ path, now: () => t });
  });
  afterEach(() => {
    pruning?.stop();
    if (journal.isOpen) journal.close();
    vi.useRealTimers();
  });

  /** A session that fetched a statement, ended now; with a print job and a payment in `state`. */
  const session = (payment?: 'used' | 'paid') => {
    const s = journal.sessions.start({ service: 'providentFundStatement', state: { value: 'fetching' } });
    journal.sessions.record(s.id, { event: { type: 'xstate.done.actor.fetchStatement', output: { employer: EMPLOYER, balanceFen: 123_456_00 } }, state: { value: 'preview' } });
    const job = journal.printJobs.create({ kind: 'receipt', sessionId: s.id });
    journal.printJobs.update(job.id, { status: 'printing', completionId: 'c1' });
    journal.printJobs.update(job.id, { status: 'delivered' });
    if (payment) {
      journal.payments.journal({ merchantOrderNo: `ZZ${s.id.slice(0, 8)}`, amountFen: 500, method: 'nativeQr', sessionId: s.id });
      journal.payments.setState(`ZZ${s.id.slice(0, 8)}`, 'paid');
      if (payment === 'used') journal.payments.setState(`ZZ${s.id.slice(0, 8)}`, 'used');
    }
    journal.sessions.end(s.id, { outcome: 'completed', state: { value: 'ended' } });
    return s.id;
  };
  const bytes = () => Buffer.concat(['', '-wal'].filter((s) => existsSync(path + s)).map((s) => readFileSync(path + s)));

  it('prunes at start and every pruneEveryMinutes: sessions after 3 days, delivered HQ events after 7, payments and print jobs after 180; never a session with an unsettled payment', () => {
    const done = session('used');
    const unsettled = session('paid');
    const delivered = journal.outbox.enqueue('print.delivered', { printJobId: 'p1', kind: 'statement' });
    journal.outbox.claim();
    journal.outbox.delivered(delivered.id);
    t += 2 * DAY;
    const recent = session();

    t = T0 + 3 * DAY + 1;
    pruning = startJournalPruning({ journal, retention: RETENTION, now: () => t });
    expect(journal.sessions.find(done)).toBeUndefined();
    expect(journal.sessions.events(done)).toEqual([]);
    expect(journal.sessions.find(unsettled)).toBeDefined();
    expect(journal.sessions.find(recent)).toBeDefined();
    expect(journal.payments.forSession(unsettled)).toHaveLength(1);
    expect(journal.outbox.backlog().pending).toBe(0);

    // the schedule: an hour later the clock says 5 days + 1 ms: the recent session goes too
    t = T0 + 5 * DAY + 1;
    vi.advanceTimersByTime(60 * 60_000 - 1);
    expect(journal.sessions.find(recent)).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(journal.sessions.find(recent)).toBeUndefined();
    expect(() => journal.outbox.get(delivered.id)).not.toThrow();

    t = T0 + 7 * DAY + 1;
    vi.advanceTimersByTime(HOUR);
    expect(() => journal.outbox.get(delivered.id)).toThrow(/no outbox event/);
    const records = (journal as unknown as { db: { prepare(sql: string): { get(): { n: number } } } }).db;
    const count = (table: string) => records.prepare(`SELECT count(*) AS n FROM ${table}`).get().n;
    expect([count('payments'), count('print_jobs')]).toEqual([2, 3]);

    t = T0 + 180 * DAY + 1;
    vi.advanceTimersByTime(HOUR);
    // the settled payment and the print jobs finished at T0 go (the recent one's stays two days more); the unsettled payment and its session stay
    expect([count('payments'), count('print_jobs')]).toEqual([1, 1]);
    expect(journal.sessions.find(unsettled)).toBeDefined();

    pruning.stop();
    journal.payments.setState(journal.payments.forSession(unsettled)[0]!.merchantOrderNo, 'used');
    t += DAY;
    vi.advanceTimersByTime(10 * HOUR);
    expect(journal.sessions.find(unsettled)).toBeDefined(); // stopped: nothing more happens
    expect(pruning.pruneNow()).toMatchObject({ sessions: 1, payments: 0 });
  });

  it('what was pruned is not left in the file’s free pages or the WAL', () => {
    session('used');
    expect(bytes().includes(Buffer.from(EMPLOYER))).toBe(true);
    t = T0 + 4 * DAY;
    pruning = startJournalPruning({ journal, retention: RETENTION, now: () => t });
    expect(bytes().includes(Buffer.from(EMPLOYER))).toBe(false);
    journal.close();
    expect(bytes().includes(Buffer.from(EMPLOYER))).toBe(false);
  });

  it('a kiosk config that says nothing gets the defaults; one that says more is checked', () => {
    const example = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'kiosk-config', 'examples', 'gov-24h.json'), 'utf8')) as { agent?: Record<string, unknown> };
    expect(parseKioskConfig({ ...example, agent: {} }).agent.retention).toEqual(RETENTION);
    expect(parseKioskConfig({ ...example, agent: { retention: { sessionsDays: 1 } } }).agent.retention).toEqual({ ...RETENTION, sessionsDays: 1 });
    expect(() => parseKioskConfig({ ...example, agent: { retention: { recordsDays: 0 } } })).toThrow(/agent\.retention\.recordsDays/);
  });

  it('cutoffs follow the config (fractions of a day too)', () => {
    expect(cutoffsAt(T0, { ...RETENTION, sessionsDays: 0.5 })).toEqual({ sessionsEndedBefore: T0 - 12 * HOUR, recordsFinishedBefore: T0 - 180 * DAY, outboxDeliveredBefore: T0 - 7 * DAY });
  });

  it('a failed prune is logged with what to expect, never thrown', () => {
    const warnings: string[] = [];
    const broken = { isOpen: true, prune: () => { throw new Error('database or disk is full'); } } as unknown as Journal;
    pruning = startJournalPruning({ journal: broken, retention: RETENTION, now: () => t, log: { info: () => {}, warn: (m) => warnings.push(m) } });
    expect(warnings).toEqual(['the journal could not be pruned: database or disk is full; trying again in 60 min']);
  });
});
