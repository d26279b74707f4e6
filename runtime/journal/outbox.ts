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
  /** HQ refused this one event (400 naming it): kept with the error in `lastError`, never sent again */
  setAsideAt: number | null;
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
  set_aside_at: number | null;
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
  setAsideAt: r.set_aside_at ?? null,
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
  private readonly head: Statement<[{ limit: number }], OutboxRow>;
  private readonly markSetAside: Statement;
  private readonly setAsideRows: Statement<[{ limit: number }], OutboxRow>;
  private readonly listeners = new Set<(r: OutboxRecord) => void>();

  constructor(private readonly j: JournalContext) {
    const db = j.db;
    this.insert = db.prepare('INSERT INTO outbox (id, seq, kind, payload, created_at, next_attempt_at) VALUES (@id, @seq, @kind, @payload, @at, @at)');
    this.nextSeq = db.prepare('UPDATE outbox_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq');
    this.byId = db.prepare('SELECT * FROM outbox WHERE id = ?');
    // in seq order: HQ applies events in the order they happened
    this.due = db.prepare(
      `SELECT * FROM outbox WHERE delivered_at IS NULL AND set_aside_at IS NULL AND next_attempt_at <= @now AND (claimed_until IS NULL OR claimed_until <= @now)
       ORDER BY seq LIMIT @limit`,
    );
    this.lease = db.prepare('UPDATE outbox SET claimed_until = @until, attempts = attempts + 1 WHERE id = @id');
    this.markDelivered = db.prepare('UPDATE outbox SET delivered_at = @at, claimed_until = NULL WHERE id = @id AND delivered_at IS NULL');
    this.markFailed = db.prepare('UPDATE outbox SET claimed_until = NULL, last_error = @error, next_attempt_at = @next WHERE id = @id AND delivered_at IS NULL');
    this.release = db.prepare('UPDATE outbox SET claimed_until = NULL WHERE claimed_until IS NOT NULL AND delivered_at IS NULL');
    this.counts = db.prepare('SELECT count(*) AS pending, min(created_at) AS oldest FROM outbox WHERE delivered_at IS NULL AND set_aside_at IS NULL');
    // set-aside events go with the delivered ones: HQ was told (the link's status, the log) and refused them
    this.pruneDelivered = db.prepare('DELETE FROM outbox WHERE (delivered_at IS NOT NULL AND delivered_at < @before) OR (set_aside_at IS NOT NULL AND set_aside_at < @before)');
    this.head = db.prepare('SELECT * FROM outbox WHERE delivered_at IS NULL AND set_aside_at IS NULL ORDER BY seq LIMIT @limit');
    this.markSetAside = db.prepare('UPDATE outbox SET set_aside_at = @at, claimed_until = NULL, last_error = @error WHERE id = @id AND delivered_at IS NULL');
    this.setAsideRows = db.prepare('SELECT * FROM outbox WHERE set_aside_at IS NOT NULL ORDER BY seq DESC LIMIT @limit');
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
    const record = this.j.tx(() => {
      const seq = this.nextSeq.get()!.last_seq;
      this.insert.run({ id, seq, kind, payload: text, at: this.j.now() });
      return this.get(id) as OutboxRecord<K>;
    });
    for (const l of this.listeners) {
      try {
        l(record);
      } catch {
        // a listener's trouble is not the caller's: the event is journaled either way
      }
    }
    return record;
  }

  /**
   * Call `listener` after every enqueue (the HQ link wakes on it, so a fault goes out at once).
   * It runs synchronously, possibly inside the caller's transaction: defer real work. Returns the
   * function that removes it.
   */
  onEnqueue(listener: (r: OutboxRecord) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * The HQ link's claim: the oldest undelivered events in seq order — whatever their own retry
   * time, the link's backoff is link-wide, so a later event never overtakes an earlier one — up to
   * `limit` events and `maxBytes` of their JSON (at least one). Nothing while the oldest is leased
   * (a batch in flight). Each is leased for `leaseMs` and its attempt counted.
   */
  claimNext(options: { limit: number; maxBytes: number; leaseMs?: number }): OutboxRecord[] {
    const leaseMs = options.leaseMs ?? 30_000;
    return this.j.tx(() => {
      const now = this.j.now();
      const rows = this.head.all({ limit: options.limit });
      if (rows.length === 0 || (rows[0]!.claimed_until !== null && rows[0]!.claimed_until > now)) return [];
      const out: OutboxRecord[] = [];
      let bytes = 0;
      for (const row of rows) {
        if (row.claimed_until !== null && row.claimed_until > now) break;
        const r = outboxFromRow(row);
        const size = Buffer.byteLength(JSON.stringify(toHqEvent(r))) + 1;
        if (out.length > 0 && bytes + size > options.maxBytes) break;
        bytes += size;
        this.lease.run({ id: r.id, until: now + leaseMs });
        out.push({ ...r, attempts: r.attempts + 1, claimedUntil: now + leaseMs });
      }
      return out;
    });
  }

  /** HQ acknowledged these events (one transaction). */
  deliveredAll(ids: readonly string[]): void {
    this.j.tx(() => {
      const at = this.j.now();
      for (const id of ids) this.markDelivered.run({ id, at });
    });
  }

  /** The batch did not get through: release the leases (to be claimed again, in order), noting why. */
  releaseAll(ids: readonly string[], error: string): void {
    this.j.tx(() => {
      const now = this.j.now();
      for (const id of ids) this.markFailed.run({ id, error: error.slice(0, 1_000), next: now });
    });
  }

  /** HQ refused this one event: keep it with the reason, never send it again (it must not block the queue). */
  setAside(id: string, error: string): OutboxRecord {
    return this.j.tx(() => {
      this.get(id);
      this.markSetAside.run({ id, at: this.j.now(), error: error.slice(0, 1_000) });
      return this.get(id);
    });
  }

  /** The latest events set aside, newest first. */
  setAsideEvents(limit = 20): OutboxRecord[] {
    return this.setAsideRows.all({ limit }).map(outboxFromRow);
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

  /** Delete events delivered (or set aside) before `before` (epoch ms). Returns how many. */
  prune(before: number): number {
    return this.j.tx(() => this.pruneDelivered.run({ before }).changes);
  }
}
