/**
 * Draining the outbox to HQ, strictly in seq order: claim the oldest events (≤ INGEST_MAX_EVENTS,
 * ≤ INGEST_MAX_BATCH_BYTES of body) → one signed POST → mark them delivered only after HQ's 2xx
 * answer. On failure the whole link backs off (exponential with jitter, capped at 60 s) and sends
 * the same events again — a later event never overtakes an earlier one. 413 halves the batch; a
 * 400 naming `events[i]` sets that one event aside (journaled with the error, logged, reported in
 * the status, never retried) and the rest go on: a poison event never blocks the queue.
 *
 * It runs when woken (an event was enqueued, the heartbeat, the retry timer) and until the outbox
 * is empty; one request at a time.
 */
import { INGEST_MAX_BATCH_BYTES, INGEST_MAX_EVENTS, type HqEvent } from '../../contracts/hq.ts';
import type { Now } from '../../state-machines/deadlines.ts';
import { toHqEvent, type Outbox, type OutboxRecord } from '../journal/outbox.ts';
import { backoffDelayMs, type BackoffPolicy } from './backoff.ts';
import { postBatch, type Delivered, type PostOutcome } from './post.ts';

export interface DrainLog {
  info(message: string): unknown;
  warn(message: string): unknown;
  error(message: string): unknown;
}

export interface DrainOptions {
  outbox: Outbox;
  url: string;
  kioskId: string;
  secret: string;
  now: Now;
  log: DrainLog;
  fetch: typeof fetch;
  requestTimeoutMs: number;
  backoff: BackoffPolicy;
  /** the timestamp to sign with (the kiosk clock corrected by a known skew) */
  signAt: () => number;
  /** each 2xx answer, with the kiosk's clock when the request went and the answer came */
  onAnswer: (answer: Delivered, sentAt: number, receivedAt: number) => void;
  /** a refusal carrying HQ's `Date` header (the clock check when no serverTime comes back) */
  onServerDate?: (serverDate: number, sentAt: number, receivedAt: number) => void;
  /** commands found in a 2xx answer that was otherwise malformed */
  onCommands?: (commands: unknown[]) => void;
  /** deliveries work again after failures */
  onRecovered?: () => void;
}

export interface DrainState {
  delivered: number;
  lastDeliveryAt: number | null;
  lastAttemptAt: number | null;
  lastError: { at: number; message: string } | null;
  failures: number;
  retryDelayMs: number | null;
  nextRetryAt: number | null;
  batchLimit: number;
  inFlight: number;
}

/** Body bytes around the events: `{"kioskId":"…","events":[…]}`. */
const overhead = (kioskId: string) => JSON.stringify({ kioskId, events: [] }).length + 16;

export class Drain {
  readonly state: DrainState = { delivered: 0, lastDeliveryAt: null, lastAttemptAt: null, lastError: null, failures: 0, retryDelayMs: null, nextRetryAt: null, batchLimit: INGEST_MAX_EVENTS, inFlight: 0 };
  private running: Promise<void> | null = null;
  private wakeQueued = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly o: DrainOptions) {}

  /** Something to send (or time to try again): drain soon, unless backing off. */
  wake(): void {
    if (this.stopped || this.wakeQueued || this.retryTimer) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      void this.run();
    });
  }

  /** Drain now until the outbox is empty or a delivery fails. Resolves when this round ends. */
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.loop().finally(() => (this.running = null));
    return this.running;
  }

  /** Stop: a request in flight gets `graceMs` to be answered (so HQ's answer is not wasted), then it is cut. */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const running = this.running;
    if (running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const leaseMs = this.o.requestTimeoutMs + 10_000;
    const maxBytes = INGEST_MAX_BATCH_BYTES - overhead(this.o.kioskId);
    while (!this.stopped && !this.retryTimer) {
      const batch = this.o.outbox.claimNext({ limit: this.state.batchLimit, maxBytes, leaseMs });
      if (batch.length === 0) return;
      const events: HqEvent[] = batch.map(toHqEvent);
      const sentAt = this.o.now();
      this.state.lastAttemptAt = sentAt;
      this.state.inFlight = batch.length;
      let outcome: PostOutcome;
      try {
        outcome = await postBatch({ url: this.o.url, kioskId: this.o.kioskId, secret: this.o.secret, events, signAt: this.o.signAt(), timeoutMs: this.o.requestTimeoutMs, fetch: this.o.fetch, signal: this.abort.signal });
      } catch (e) {
        outcome = { kind: 'failed', error: `the request could not be made: ${(e as Error).message}` };
      } finally {
        this.state.inFlight = 0;
      }
      const receivedAt = this.o.now();
      const ids = batch.map((r) => r.id);
      if (this.stopped && outcome.kind !== 'delivered') {
        this.o.outbox.releaseAll(ids, 'the agent stopped while it was being sent');
        return;
      }
      this.settle(batch, ids, outcome, sentAt, receivedAt);
    }
  }

  private settle(batch: OutboxRecord[], ids: string[], outcome: PostOutcome, sentAt: number, receivedAt: number): void {
    const { outbox, log } = this.o;
    switch (outcome.kind) {
      case 'delivered': {
        // HQ handed its commands out with this answer: journal them before anything else
        try {
          this.o.onAnswer(outcome, sentAt, receivedAt);
        } catch (e) {
          log.error(`HQ link: HQ's answer could not be taken in: ${(e as Error).message}`);
        }
        outbox.deliveredAll(ids);
        const recovered = this.state.failures > 0;
        Object.assign(this.state, { delivered: this.state.delivered + ids.length, lastDeliveryAt: receivedAt, failures: 0, retryDelayMs: null, nextRetryAt: null });
        if (this.state.batchLimit < INGEST_MAX_EVENTS) this.state.batchLimit = Math.min(INGEST_MAX_EVENTS, this.state.batchLimit * 2);
        if (outcome.accepted + outcome.duplicates !== ids.length)
          log.warn(`HQ link: HQ took a batch of ${ids.length} event(s) but counted ${outcome.accepted} accepted + ${outcome.duplicates} duplicate(s)`);
        for (const w of outcome.warnings) log.error(`HQ link: ${w}`);
        if (recovered) log.info(`HQ link: delivering again (seq ${batch[0]!.seq}…${batch.at(-1)!.seq}); ${outbox.backlog().pending} event(s) still waiting`);
        if (recovered) this.o.onRecovered?.();
        return;
      }
      case 'too-large': {
        if (batch.length === 1) return this.setAside(batch[0]!, outcome.error, ids);
        outbox.releaseAll(ids, outcome.error);
        this.state.batchLimit = Math.max(1, Math.floor(batch.length / 2));
        log.warn(`HQ link: ${outcome.error}; sending ${this.state.batchLimit} at a time`);
        return;
      }
      case 'event-refused':
        return this.setAside(batch[outcome.index]!, outcome.error, ids);
      case 'failed': {
        outbox.releaseAll(ids, outcome.error);
        if (outcome.serverDate !== undefined) this.o.onServerDate?.(outcome.serverDate, sentAt, receivedAt);
        if (outcome.commands?.length) this.o.onCommands?.(outcome.commands);
        if (outcome.badRequest && batch.length > 1) {
          // our request is wrong as a whole: smaller batches may pass (the last one alone is retried with backoff)
          this.state.batchLimit = Math.max(1, Math.floor(batch.length / 2));
          log.error(`HQ link: ${outcome.error}; sending ${this.state.batchLimit} at a time`);
          return;
        }
        return this.backOff(outcome.error, outcome.status === 401 || outcome.badRequest === true);
      }
    }
  }

  private setAside(r: OutboxRecord, error: string, ids: string[]): void {
    this.o.outbox.setAside(r.id, error);
    this.o.outbox.releaseAll(ids.filter((id) => id !== r.id), `sent again without event seq ${r.seq}, which HQ refused`);
    this.o.log.error(`HQ link: event seq ${r.seq} (${r.kind}, id ${r.id}) set aside, never to be sent again: ${error}`);
  }

  private backOff(error: string, serious: boolean): void {
    const at = this.o.now();
    this.state.failures++;
    const delay = backoffDelayMs(this.state.failures, this.o.backoff);
    Object.assign(this.state, { lastError: { at, message: error }, retryDelayMs: delay, nextRetryAt: at + delay });
    const line = `HQ link: ${error}; ${this.o.outbox.backlog().pending} event(s) kept, next try in ${delay < 10_000 ? `${delay} ms` : `${Math.round(delay / 1000)} s`} (failure ${this.state.failures} in a row)`;
    if (serious) this.o.log.error(line);
    else this.o.log.warn(line);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.run();
    }, delay);
    this.retryTimer.unref();
  }
}
