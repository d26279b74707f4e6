/**
 * The journal's tables as typed repositories: sessions and their events, print jobs,
 * payments (the HQ outbox is in outbox.ts). Every write runs in a transaction (nested calls become
 * savepoints, so `journal.transaction(() => { sessions.record(…); payments.journal(…) })`
 * commits both or neither). Statements are prepared once.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { JournalError } from './errors.ts';
import type { PersonalDataSeal } from './personal-data.ts';

export type Clock = () => number;

/** What every repository needs from the journal. */
export interface JournalContext {
  db: Database;
  now: Clock;
  /** run `fn` in an IMMEDIATE transaction (a savepoint when already inside one) */
  tx<T>(fn: () => T): T;
  runId: () => string | null;
  /** seals identity in session snapshots and masks it in events (key in memory only) */
  seal: PersonalDataSeal;
}

export function toJson(what: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new JournalError('NOT_JSON', `${what} cannot be stored: ${(e as Error).message}`, {}, { cause: e });
  }
  if (text === undefined) throw new JournalError('NOT_JSON', `${what} cannot be stored: it is not a JSON value (${typeof value})`);
  return text;
}

// ───────────────────────────── sessions ─────────────────────────────

export interface SessionRecord {
  id: string;
  service: string;
  /** the machine snapshot (xstate persisted snapshot), as JSON */
  state: unknown;
  startedAt: number;
  updatedAt: number;
  endedAt: number | null;
  /** e.g. 'completed', 'cancelled', 'timeout', 'failed', 'recovered' */
  outcome: string | null;
  lastSeq: number;
  runId: string | null;
}

export interface SessionEventRecord {
  sessionId: string;
  seq: number;
  event: unknown;
  at: number;
}

interface SessionRow {
  id: string;
  service: string;
  state: string;
  started_at: number;
  updated_at: number;
  ended_at: number | null;
  outcome: string | null;
  last_seq: number;
  run_id: string | null;
}

const sessionFromRow = (r: SessionRow): SessionRecord => ({
  id: r.id,
  service: r.service,
  state: JSON.parse(r.state),
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  endedAt: r.ended_at,
  outcome: r.outcome,
  lastSeq: r.last_seq,
  runId: r.run_id,
});

export class SessionJournal {
  private readonly insert: Statement;
  private readonly byId: Statement<[string], SessionRow>;
  private readonly update: Statement;
  private readonly finish: Statement;
  private readonly insertEvent: Statement;
  private readonly eventsOf: Statement<[string, number], { session_id: string; seq: number; event: string; at: number }>;
  private readonly open: Statement<[], SessionRow>;

  constructor(private readonly j: JournalContext) {
    const db = j.db;
    this.insert = db.prepare(
      'INSERT INTO sessions (id, service, state, started_at, updated_at, run_id) VALUES (@id, @service, @state, @at, @at, @runId)',
    );
    this.byId = db.prepare('SELECT * FROM sessions WHERE id = ?');
    this.update = db.prepare('UPDATE sessions SET state = @state, updated_at = @at, last_seq = @seq WHERE id = @id');
    this.finish = db.prepare('UPDATE sessions SET state = @state, updated_at = @at, ended_at = @at, outcome = @outcome, last_seq = @seq WHERE id = @id');
    this.insertEvent = db.prepare('INSERT INTO session_events (session_id, seq, event, at) VALUES (@id, @seq, @event, @at)');
    this.eventsOf = db.prepare('SELECT * FROM session_events WHERE session_id = ? AND seq > ? ORDER BY seq');
    this.open = db.prepare('SELECT * FROM sessions WHERE ended_at IS NULL ORDER BY started_at, id');
  }

  /** A new session with its first snapshot (identity in it sealed, see personal-data.ts). */
  start(input: { service: string; state: unknown; id?: string }): SessionRecord {
    const id = input.id ?? randomUUID();
    const state = this.stateJson(id, input.state);
    return this.j.tx(() => {
      this.insert.run({ id, service: input.service, state, at: this.j.now(), runId: this.j.runId() });
      return this.get(id);
    });
  }

  /** Append one event (masked) and the snapshot it led to (identity sealed), atomically. Returns the event's sequence number. */
  record(id: string, input: { event: unknown; state: unknown }): number {
    const state = this.stateJson(id, input.state);
    const event = this.eventJson(id, input.event);
    return this.j.tx(() => {
      const s = this.openSession(id);
      const seq = s.lastSeq + 1;
      const at = this.j.now();
      this.insertEvent.run({ id, seq, event, at });
      this.update.run({ id, state, at, seq });
      return seq;
    });
  }

  /** Close a session with its outcome; an optional last event and snapshot go in the same transaction. Its identity is then forgotten. */
  end(id: string, input: { outcome: string; state?: unknown; event?: unknown }): SessionRecord {
    const state = input.state === undefined ? undefined : this.stateJson(id, input.state);
    const event = input.event === undefined ? undefined : this.eventJson(id, input.event);
    const ended = this.j.tx(() => {
      const s = this.openSession(id);
      const at = this.j.now();
      let seq = s.lastSeq;
      if (event !== undefined) this.insertEvent.run({ id, seq: ++seq, event, at });
      this.finish.run({ id, state: state ?? JSON.stringify(s.state), at, outcome: input.outcome, seq });
      return this.get(id);
    });
    this.j.seal.forget(id);
    return ended;
  }

  /**
   * A journaled snapshot as a restore needs it: identity sealed in this boot opened again.
   * `personalDataGone`: it held identity sealed by an earlier boot (the agent restarted), which
   * is gone for good; the session cannot be resumed.
   */
  openState(record: SessionRecord): { state: unknown; personalDataGone: boolean } {
    const { state, unopened } = this.j.seal.open(record.state);
    return { state, personalDataGone: unopened > 0 };
  }

  // the value as JSON first (what cannot be stored is refused with NOT_JSON), then sealed/masked as plain JSON
  private stateJson(id: string, state: unknown): string {
    return JSON.stringify(this.j.seal.seal(id, JSON.parse(toJson(`session ${id} state`, state))));
  }

  private eventJson(id: string, event: unknown): string {
    return JSON.stringify(this.j.seal.mask(id, JSON.parse(toJson(`session ${id} event`, event))));
  }

  get(id: string): SessionRecord {
    const row = this.byId.get(id);
    if (!row) throw new JournalError('NOT_FOUND', `no session ${id} in the journal`, { sessionId: id });
    return sessionFromRow(row);
  }

  find(id: string): SessionRecord | undefined {
    const row = this.byId.get(id);
    return row && sessionFromRow(row);
  }

  /** Events after `afterSeq` (default: all), in order. */
  events(id: string, afterSeq = 0): SessionEventRecord[] {
    return this.eventsOf.all(id, afterSeq).map((r) => ({ sessionId: r.session_id, seq: r.seq, event: JSON.parse(r.event), at: r.at }));
  }

  /** Sessions not ended: what start-up recovery must restore. */
  listOpen(): SessionRecord[] {
    return this.open.all().map(sessionFromRow);
  }

  private openSession(id: string): SessionRecord {
    const s = this.get(id);
    if (s.endedAt !== null)
      throw new JournalError('INVALID_TRANSITION', `session ${id} already ended (${s.outcome}); start a new session instead`, { sessionId: id });
    return s;
  }
}

// ───────────────────────────── print jobs ─────────────────────────────

/**
 * queued → printing (sent; completion id known) → delivered (printer confirmed: the outcome is
 * known, `finishedAt` is set) → taken (presenter printers: the ticket was removed).
 * queued, printing or delivered → failed (with a fault code, e.g. PRINT_NOT_TAKEN after delivered).
 * taken and failed are final.
 */
export type PrintJobStatus = 'queued' | 'printing' | 'delivered' | 'taken' | 'failed';

const PRINT_JOB_NEXT: Record<PrintJobStatus, readonly PrintJobStatus[]> = {
  queued: ['printing', 'failed'],
  printing: ['delivered', 'failed'],
  delivered: ['taken', 'failed'],
  taken: [],
  failed: [],
};

export interface PrintJobRecord {
  id: string;
  sessionId: string | null;
  /** e.g. 'provident-fund-statement', 'registration-slip', 'test-page' */
  kind: string;
  status: PrintJobStatus;
  /** the GS ( H id the printer echoes once the job has physically printed */
  completionId: string | null;
  /** a FaultCode when failed (PRINT_NOT_DELIVERED, PRINTER_PAPER_OUT, …) */
  fault: string | null;
  faultDetail: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

interface PrintJobRow {
  id: string;
  session_id: string | null;
  kind: string;
  status: PrintJobStatus;
  completion_id: string | null;
  fault: string | null;
  fault_detail: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

const printJobFromRow = (r: PrintJobRow): PrintJobRecord => ({
  id: r.id,
  sessionId: r.session_id,
  kind: r.kind,
  status: r.status,
  completionId: r.completion_id,
  fault: r.fault,
  faultDetail: r.fault_detail,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

export class PrintJobJournal {
  private readonly insert: Statement;
  private readonly byId: Statement<[string], PrintJobRow>;
  private readonly change: Statement;
  private readonly unfinished: Statement<[], PrintJobRow>;
  private readonly ofSession: Statement<[string], PrintJobRow>;

  constructor(private readonly j: JournalContext) {
    const db = j.db;
    this.insert = db.prepare(
      "INSERT INTO print_jobs (id, session_id, kind, status, created_at, updated_at) VALUES (@id, @sessionId, @kind, 'queued', @at, @at)",
    );
    this.byId = db.prepare('SELECT * FROM print_jobs WHERE id = ?');
    this.change = db.prepare(
      `UPDATE print_jobs SET status = @status, completion_id = coalesce(@completionId, completion_id), fault = coalesce(@fault, fault),
         fault_detail = coalesce(@faultDetail, fault_detail), updated_at = @at, finished_at = CASE WHEN @final THEN coalesce(finished_at, @at) ELSE finished_at END
       WHERE id = @id`,
    );
    this.unfinished = db.prepare('SELECT * FROM print_jobs WHERE finished_at IS NULL ORDER BY created_at, id');
    this.ofSession = db.prepare('SELECT * FROM print_jobs WHERE session_id = ? ORDER BY created_at, id');
  }

  create(input: { kind: string; sessionId?: string | null; id?: string }): PrintJobRecord {
    const id = input.id ?? randomUUID();
    return this.j.tx(() => {
      this.insert.run({ id, sessionId: input.sessionId ?? null, kind: input.kind, at: this.j.now() });
      return this.get(id);
    });
  }

  /**
   * Move a job on. Setting the status it already has is a no-op (safe to repeat after a restart);
   * anything not allowed by the status diagram throws INVALID_TRANSITION.
   */
  update(id: string, change: { status: PrintJobStatus; completionId?: string; fault?: string; faultDetail?: string }): PrintJobRecord {
    return this.j.tx(() => {
      const job = this.get(id);
      if (job.status === change.status) return job;
      if (!PRINT_JOB_NEXT[job.status].includes(change.status))
        throw new JournalError('INVALID_TRANSITION', `print job ${id} cannot go from ${job.status} to ${change.status}`, { printJobId: id, from: job.status, to: change.status });
      if (change.status === 'failed' && !change.fault)
        throw new JournalError('INVALID_TRANSITION', `print job ${id}: a failed job needs a fault code`, { printJobId: id });
      this.change.run({
        id,
        status: change.status,
        completionId: change.completionId ?? null,
        fault: change.fault ?? null,
        faultDetail: change.faultDetail ?? null,
        at: this.j.now(),
        final: change.status === 'taken' || change.status === 'failed' || change.status === 'delivered' ? 1 : 0,
      });
      return this.get(id);
    });
  }

  get(id: string): PrintJobRecord {
    const row = this.byId.get(id);
    if (!row) throw new JournalError('NOT_FOUND', `no print job ${id} in the journal`, { printJobId: id });
    return printJobFromRow(row);
  }

  forSession(sessionId: string): PrintJobRecord[] {
    return this.ofSession.all(sessionId).map(printJobFromRow);
  }

  /** Jobs whose outcome is not known (queued or printing): after a crash, these did not provably print. */
  listUnfinished(): PrintJobRecord[] {
    return this.unfinished.all().map(printJobFromRow);
  }

  /** The latest `limit` jobs, newest first (the staff screen's "recent print jobs"). */
  recent(limit: number): PrintJobRecord[] {
    this.latest ??= this.j.db.prepare('SELECT * FROM print_jobs ORDER BY created_at DESC, rowid DESC LIMIT ?');
    return this.latest.all(Math.max(0, Math.trunc(limit))).map(printJobFromRow);
  }
  private latest: Statement<[number], PrintJobRow> | undefined;
}

// ───────────────────────────── payments ─────────────────────────────

/**
 * journaled (before the gateway is called) → awaiting-payment | unknown → paid → used (final).
 * Not paid by the deadline → closing → closed (final). Paid but not used → refunding → refunded (final).
 * `unknown` means a call's result is not known: the order must be queried.
 * refunding → `refund-abnormal` (final, alarmed): the gateway gave the refund up (WeChat Pay ABNORMAL,
 * e.g. the payer's bank card is closed); the money is still with the merchant and staff hand it over —
 * nothing is retried automatically, HQ is told (outbox `payment.refund-abnormal`).
 */
export type PaymentState = 'journaled' | 'awaiting-payment' | 'unknown' | 'paid' | 'used' | 'closing' | 'closed' | 'refunding' | 'refunded' | 'refund-abnormal';
export const FINAL_PAYMENT_STATES: readonly PaymentState[] = ['used', 'closed', 'refunded', 'refund-abnormal'];
const PAYMENT_STATES: readonly PaymentState[] = ['journaled', 'awaiting-payment', 'unknown', 'paid', 'used', 'closing', 'closed', 'refunding', 'refunded', 'refund-abnormal'];

export type PaymentMethod = 'nativeQr' | 'paymentCode';

export interface PaymentRecord {
  merchantOrderNo: string;
  sessionId: string | null;
  amountFen: number;
  method: PaymentMethod;
  state: PaymentState;
  /** epoch ms after which an unpaid order is closed */
  deadlineAt: number | null;
  /** the gateway's transaction id, once paid */
  transactionId: string | null;
  /** set once, when a refund is first decided; reused on every retry */
  refundNo: string | null;
  detail: string | null;
  createdAt: number;
  updatedAt: number;
  finalAt: number | null;
}

interface PaymentRow {
  merchant_order_no: string;
  session_id: string | null;
  amount_fen: number;
  method: PaymentMethod;
  state: PaymentState;
  deadline_at: number | null;
  transaction_id: string | null;
  refund_no: string | null;
  detail: string | null;
  created_at: number;
  updated_at: number;
  final_at: number | null;
}

const paymentFromRow = (r: PaymentRow): PaymentRecord => ({
  merchantOrderNo: r.merchant_order_no,
  sessionId: r.session_id,
  amountFen: r.amount_fen,
  method: r.method,
  state: r.state,
  deadlineAt: r.deadline_at,
  transactionId: r.transaction_id,
  refundNo: r.refund_no,
  detail: r.detail,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finalAt: r.final_at,
});

export class PaymentJournal {
  private readonly insert: Statement;
  private readonly byNo: Statement<[string], PaymentRow>;
  private readonly update: Statement;
  private readonly setRefundNo: Statement;
  private readonly unfinished: Statement<[], PaymentRow>;
  private readonly ofSession: Statement<[string], PaymentRow>;

  constructor(private readonly j: JournalContext) {
    const db = j.db;
    this.insert = db.prepare(
      `INSERT INTO payments (merchant_order_no, session_id, amount_fen, method, state, deadline_at, created_at, updated_at)
       VALUES (@no, @sessionId, @amountFen, @method, 'journaled', @deadlineAt, @at, @at)`,
    );
    this.byNo = db.prepare('SELECT * FROM payments WHERE merchant_order_no = ?');
    this.update = db.prepare(
      `UPDATE payments SET state = @state, transaction_id = coalesce(@transactionId, transaction_id), detail = coalesce(@detail, detail),
         updated_at = @at, final_at = CASE WHEN @final THEN @at ELSE NULL END WHERE merchant_order_no = @no`,
    );
    this.setRefundNo = db.prepare("UPDATE payments SET refund_no = @refundNo, state = 'refunding', updated_at = @at WHERE merchant_order_no = @no");
    this.unfinished = db.prepare('SELECT * FROM payments WHERE final_at IS NULL ORDER BY created_at, merchant_order_no');
    this.ofSession = db.prepare('SELECT * FROM payments WHERE session_id = ? ORDER BY created_at, merchant_order_no');
  }

  /** Record an order before the gateway is called (committed with synchronous=FULL: on disk when this returns). */
  journal(input: { merchantOrderNo: string; amountFen: number; method: PaymentMethod; sessionId?: string | null; deadlineAt?: number | null }): PaymentRecord {
    if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0)
      throw new JournalError('INVALID_TRANSITION', `payment ${input.merchantOrderNo}: amount must be a positive whole number of fen, got ${input.amountFen}`);
    return this.j.tx(() => {
      if (this.byNo.get(input.merchantOrderNo))
        throw new JournalError('DUPLICATE', `merchant order number ${input.merchantOrderNo} is already in the journal; every order needs a new number`, {
          merchantOrderNo: input.merchantOrderNo,
        });
      this.insert.run({
        no: input.merchantOrderNo,
        sessionId: input.sessionId ?? null,
        amountFen: input.amountFen,
        method: input.method,
        deadlineAt: input.deadlineAt ?? null,
        at: this.j.now(),
      });
      return this.get(input.merchantOrderNo);
    });
  }

  /**
   * Move an order to `state`. A final state is never left; `used` needs `paid` first; `refunded`
   * needs a refund number (beginRefund). Setting the current state again only updates details.
   */
  setState(merchantOrderNo: string, state: PaymentState, details: { transactionId?: string; detail?: string } = {}): PaymentRecord {
    if (!PAYMENT_STATES.includes(state)) throw new JournalError('INVALID_TRANSITION', `payment ${merchantOrderNo}: unknown state "${state}"`);
    return this.j.tx(() => {
      const p = this.get(merchantOrderNo);
      const refuse = (why: string) => {
        throw new JournalError('INVALID_TRANSITION', `payment ${merchantOrderNo} cannot go from ${p.state} to ${state}: ${why}`, { merchantOrderNo, from: p.state, to: state });
      };
      if (p.state !== state) {
        if (FINAL_PAYMENT_STATES.includes(p.state)) refuse(`${p.state} is final`);
        if (state === 'used' && p.state !== 'paid') refuse('only a paid order can be used');
        if ((state === 'refunded' || state === 'refund-abnormal') && !p.refundNo) refuse('call beginRefund first so the refund has a stable number');
        if (state === 'journaled') refuse('journaled is the first state only');
      }
      this.update.run({
        no: merchantOrderNo,
        state,
        transactionId: details.transactionId ?? null,
        detail: details.detail ?? null,
        at: this.j.now(),
        final: FINAL_PAYMENT_STATES.includes(state) ? 1 : 0,
      });
      return this.get(merchantOrderNo);
    });
  }

  /**
   * Decide to refund: stores `refundNo` and moves to `refunding` — or, when a refund was already
   * decided, returns the stored number unchanged, so a retry after a crash refunds with the same number.
   */
  beginRefund(merchantOrderNo: string, refundNo: string): PaymentRecord {
    return this.j.tx(() => {
      const p = this.get(merchantOrderNo);
      if (p.refundNo) return p;
      if (FINAL_PAYMENT_STATES.includes(p.state))
        throw new JournalError('INVALID_TRANSITION', `payment ${merchantOrderNo} is ${p.state} (final); it cannot be refunded`, { merchantOrderNo, state: p.state });
      try {
        this.setRefundNo.run({ no: merchantOrderNo, refundNo, at: this.j.now() });
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
          throw new JournalError('DUPLICATE', `refund number ${refundNo} is already used by another order`, { merchantOrderNo, refundNo }, { cause: e });
        throw e;
      }
      return this.get(merchantOrderNo);
    });
  }

  get(merchantOrderNo: string): PaymentRecord {
    const row = this.byNo.get(merchantOrderNo);
    if (!row) throw new JournalError('NOT_FOUND', `no payment ${merchantOrderNo} in the journal`, { merchantOrderNo });
    return paymentFromRow(row);
  }

  find(merchantOrderNo: string): PaymentRecord | undefined {
    const row = this.byNo.get(merchantOrderNo);
    return row && paymentFromRow(row);
  }

  forSession(sessionId: string): PaymentRecord[] {
    return this.ofSession.all(sessionId).map(paymentFromRow);
  }

  /** Orders not yet in a final state: start-up reconciliation queries each one. */
  listUnfinished(): PaymentRecord[] {
    return this.unfinished.all().map(paymentFromRow);
  }
}
