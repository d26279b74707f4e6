/**
 * The HQ outbox: every event for HQ is journaled here, in the transaction that records what it
 * reports, typed and validated by the channel map in contracts/hq.ts (`HqEvents`). Each gets a
 * `seq` strictly increasing for this kiosk (from a counter row, so pruning delivered rows never
 * lets a number come back); the HQ link (runtime/hq-link/) drains it in `seq` order and marks rows
 * delivered only after HQ's answer.
 */
import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { HqEvents, type HqEvent, type HqEventPayload, type HqEventType } from '../../contracts/hq.ts';
import { JournalError } from './errors.ts';
import { toJson, type JournalContext } from './records.ts';

export interface OutboxRecord<K extends HqEventType = HqEventType> {
  id: string;
  /** strictly increasing per kiosk (HQ keeps the highest contiguous one and shows gaps) */
  seq: number;
  kind: K;
  payload: HqEventPayload<K>;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  claimedUntil: number | null;
  lastError: string | null;
  deliveredAt: number | null;
}

interface OutboxRow {
  id: string;
  seq: number;
  kind: string;
  payload: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

const outboxFromRow = (r: OutboxRow): OutboxRecord => ({
  id: r.id,
  seq: r.seq,
  kind: r.kind as HqEventType,
  payload: JSON.parse(r.payload),
  createdAt: r.created_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  claimedUntil: r.claimed_until,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
});

/** The event as it travels to HQ (`at` is the kiosk's clock when it was journaled). */
export function toHqEvent(r: OutboxRecord): HqEvent {
  return { id: r.id, seq: r.seq, type: r.kind, at: new Date(r.createdAt).toISOString(), payload: r.payload } as HqEvent;
}

/** Retry delay after `attempts` failed deliveries: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function outboxRetryDelayMs(attempts: number): number {
  return Math.min(300_000, 1_000 * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}

export class Outbox {
  private readonly insert: Statement;
  private readonly nextSeq: Statement<[], { last_seq: number }>;
  private readonly byId: Statement<[string], OutboxRow>;
  private readonly due: Statement<[{ now: number; limit: number }], OutboxRow>;
  private readonly lease: Statement;
  private readonly markDelivered: Statement;
  private readonly markFailed: Statement;
  private readonly release: Statement;
  private readonly counts: Statement<[], { pending: number; oldest: number | null }>;
  private readonly pruneDelivered: Statement;

  constructor(private readonly j: JournalContext) {
    const db = j.db;
    this.insert = db.prepare('INSERT INTO outbox (id, seq, kind, payload, created_at, next_attempt_at) VALUES (@id, @seq, @kind, @payload, @at, @at)');
    this.nextSeq = db.prepare('UPDATE outbox_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq');
    this.byId = db.prepare('SELECT * FROM outbox WHERE id = ?');
    // in seq order: HQ applies events in the order they happened
    this.due = db.prepare(
      `SELECT * FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= @now AND (claimed_until IS NULL OR claimed_until <= @now)
       ORDER BY seq LIMIT @limit`,
    );
    this.lease = db.prepare('UPDATE outbox SET claimed_until = @until, attempts = attempts + 1 WHERE id = @id');
    this.markDelivered = db.prepare('UPDATE outbox SET delivered_at = @at, claimed_until = NULL WHERE id = @id AND delivered_at IS NULL');
    this.markFailed = db.prepare('UPDATE outbox SET claimed_until = NULL, last_error = @error, next_attempt_at = @next WHERE id = @id AND delivered_at IS NULL');
    this.release = db.prepare('UPDATE outbox SET claimed_until = NULL WHERE claimed_until IS NOT NULL AND delivered_at IS NULL');
    this.counts = db.prepare('SELECT count(*) AS pending, min(created_at) AS oldest FROM outbox WHERE delivered_at IS NULL');
    this.pruneDelivered = db.prepare('DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?');
  }

  /**
   * Queue an event for HQ. Call inside the transaction that records what the event reports. The
   * payload is validated against contracts/hq.ts (and stored as parsed: unknown keys dropped); one
   * that does not match is a programming error (`INVALID_HQ_EVENT`), never sent to be refused.
   */
  enqueue<K extends HqEventType>(kind: K, payload: HqEventPayload<K>, options: { id?: string } = {}): OutboxRecord<K> {
    const schema = HqEvents[kind];
    if (!schema) throw new JournalError('INVALID_HQ_EVENT', `"${String(kind)}" is not an HQ event type (contracts/hq.ts)`, { kind });
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new JournalError('INVALID_HQ_EVENT', `HQ event ${kind}: ${issue.path.join('.') || '(payload)'}: ${issue.message}`, { kind });
    }
    const id = options.id ?? randomUUID();
    const text = toJson(`outbox ${kind} payload`, parsed.data);
    return this.j.tx(() => {
      const seq = this.nextSeq.get()!.last_seq;
      this.insert.run({ id, seq, kind, payload: text, at: this.j.now() });
      return this.get(id) as OutboxRecord<K>;
    });
  }

  /**
   * Take up to `limit` due events for delivery, in seq order. Each is leased for `leaseMs`
   * (not handed out again meanwhile) and its attempt counted. Report back with delivered() or failed().
   */
  claim(options: { limit?: number; leaseMs?: number } = {}): OutboxRecord[] {
    const limit = options.limit ?? 50;
    const leaseMs = options.leaseMs ?? 30_000;
    return this.j.tx(() => {
      const now = this.j.now();
      const rows = this.due.all({ now, limit });
      for (const r of rows) this.lease.run({ id: r.id, until: now + leaseMs });
      return rows.map((r) => this.get(r.id));
    });
  }

  /** HQ acknowledged the event. Idempotent. */
  delivered(id: string): void {
    this.j.tx(() => {
      this.get(id);
      this.markDelivered.run({ id, at: this.j.now() });
    });
  }

  /** Delivery failed; retry at `retryAt` or after the backoff for its attempt count. */
  failed(id: string, error: string, options: { retryAt?: number } = {}): OutboxRecord {
    return this.j.tx(() => {
      const r = this.get(id);
      const next = options.retryAt ?? this.j.now() + outboxRetryDelayMs(r.attempts);
      this.markFailed.run({ id, error, next });
      return this.get(id);
    });
  }

  /** Forget every lease: at start-up nothing is in flight any more. */
  releaseClaims(): number {
    return this.j.tx(() => this.release.run().changes);
  }

  get(id: string): OutboxRecord {
    const row = this.byId.get(id);
    if (!row) throw new JournalError('NOT_FOUND', `no outbox event ${id} in the journal`, { outboxId: id });
    return outboxFromRow(row);
  }

  /** How much is waiting for HQ and since when (for health and HQ-link alarms). */
  backlog(): { pending: number; oldestCreatedAt: number | null } {
    const r = this.counts.get()!;
    return { pending: r.pending, oldestCreatedAt: r.oldest };
  }

  /** Delete delivered events older than `before` (epoch ms). Returns how many. */
  prune(before: number): number {
    return this.j.tx(() => this.pruneDelivered.run(before).changes);
  }
}
