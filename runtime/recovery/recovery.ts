/**
 * Start-up recovery: what the agent does with the journal of a run that did not stop cleanly
 * (or with anything a clean run left unfinished) before it takes a new customer.
 *
 * Decided — interrupted sessions are *ended*, never resumed mid-step. A restart takes longer than a
 * person waits at a frozen screen; whoever stands at the kiosk now may not be the person whose
 * name, ID number or statement the restored step would show; and the money and the booking are not
 * in the snapshot's hands anyway — the journal's payments rows, the gateway and the HIS are the
 * truth. So every open session is ended with outcome `recovered` (its snapshot replaced by a
 * scrubbed summary without personal data: the step it was in and the registration keys recovery
 * needs), the screen goes back to the start, and a `session.recovered` event
 * (`code: SESSION_RECOVERED`, masked) is queued for HQ in the same transaction.
 *
 * Then:
 * - every print job whose outcome is unknown becomes `failed` (`queued`: never sent; `printing`:
 *   PRINT_NOT_DELIVERED, may have printed) — never printed again automatically;
 * - every payments row that is not final is reconciled with the gateway (reconcile.ts): paid and
 *   registered → used, paid and not registered → refunded, unpaid → closed. The HIS registration
 *   is re-fetched by its idempotency key. Each settled order queues `payment.reconciled`.
 * - a place the HIS may still hold for an interrupted registration (锁号 without 确认挂号) is
 *   released (解锁): with its order when the session has one still open (before that order is marked
 *   final), else at once, before the session is ended — a failed release is retried with backoff, and
 *   the HIS's hold expiry frees the place should the agent die again meanwhile.
 *   What cannot be decided now (timeout, 5xx, unknown result, refund processing) stays open and is
 *   retried with backoff until it is settled; nothing is guessed.
 *
 * Orders a running flow leaves unfinished (the payment machine's `pending`: a close or refund the
 * gateway did not confirm in time) are handed over with `adopt()` and settled the same way. A refund
 * the gateway gives up (ABNORMAL) settles as `refund-abnormal` (final, alarmed: `payment.refund-abnormal`
 * for HQ, staff hand the money over) — never retried, never "refunded". `notified()` lets a gateway
 * refund notification (REFUND.SUCCESS / REFUND.ABNORMAL) for an order still open here settle it now
 * instead of at its next backoff (the notification is only a hint: the gateway is queried).
 */
import type { His } from '../../backends/his/types.ts';
import type { PaymentGateway, PaymentNotification } from '../../backends/payment/types.ts';
import { FaultCode } from '../../contracts/faults.ts';
import { funnelStepOf, stepsUpTo } from '../../contracts/session-funnel.ts';
import type { Journal, PaymentRecord, SessionRecord } from '../journal/journal.ts';
import { FINAL_PAYMENT_STATES } from '../journal/journal.ts';
import type { FlowLog } from '../flows/log.ts';
import { reconcilePayment, type ReconcileResult } from './reconcile.ts';

/** What recovery keeps of an interrupted session (no personal data). */
export interface SessionFacts {
  /** the step it was in, e.g. "session.flow.paying" */
  step: string;
  /** merchant order number → the idempotency key of the registration attempt it paid for */
  registrationKeyByOrder: Record<string, string>;
  /** the key of a place the HIS may still hold for the session (locked, neither confirmed nor released) */
  heldSlotLock: string | null;
}

/** Reads a service's snapshot for recovery; unknown services get only the step. */
export type SessionFactsReader = (state: unknown) => Partial<SessionFacts>;

export interface RecoveryOptions {
  journal: Journal;
  gateway?: PaymentGateway;
  his?: His;
  log?: FlowLog;
  /** by service name (the session's `service`) */
  facts?: Record<string, SessionFactsReader>;
  /** retry backoff for orders still open: first, doubling, capped (default 1 s … 5 min) */
  retry?: { firstMs?: number; maxMs?: number };
  /** see ReconcileDeps.notExistGraceMs (default 60 s) */
  notExistGraceMs?: number;
  now?: () => number;
}

export interface RecoveryReport {
  sessionsRecovered: number;
  printJobsFailed: number;
  orders: ReconcileResult[];
  stillOpen: string[];
  /** held places whose release did not get through yet (retried in the background) */
  locksToRelease: string[];
}

/** The scrubbed snapshot a recovered session keeps. */
export interface RecoveredState {
  zizhuRecovered: SessionFacts & { at: number; fromRun: string | null };
}

const isRecovered = (s: unknown): s is RecoveredState => !!s && typeof s === 'object' && 'zizhuRecovered' in s;

/** "session.flow.paying" from a persisted machine snapshot's value. */
export function stepOf(state: unknown): string {
  const value = state && typeof state === 'object' ? (state as { value?: unknown }).value : undefined;
  const walk = (v: unknown): string[] => {
    if (typeof v === 'string') return [v];
    if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      // parallel regions: the flow region tells the step; others (idle) are noise
      const flow = entries.find(([k]) => k === 'flow') ?? entries[0];
      return flow ? [flow[0], ...walk(flow[1])] : [];
    }
    return [];
  };
  return walk(value).join('.') || 'unknown';
}

export class Recovery {
  private readonly open = new Map<string, { attempts: number; timer: NodeJS.Timeout | null }>();
  /** places still to release, by idempotency key */
  private readonly locks = new Map<string, { attempts: number; timer: NodeJS.Timeout | null }>();
  private readonly idleWaiters = new Set<() => void>();
  private running = 0;
  private stopped = false;
  private readonly controller = new AbortController();

  constructor(private readonly o: RecoveryOptions) {}

  /** The facts of a session: from its scrubbed summary if recovered, else read from its snapshot. */
  factsOf(session: SessionRecord): SessionFacts {
    if (isRecovered(session.state)) return session.state.zizhuRecovered;
    const read = this.o.facts?.[session.service];
    const f = read ? safely(() => read(session.state), {}) : {};
    return { step: f.step ?? stepOf(session.state), registrationKeyByOrder: f.registrationKeyByOrder ?? {}, heldSlotLock: f.heldSlotLock ?? null };
  }

  /** The key of a place the HIS may still hold for the attempt this order paid for. */
  heldLockOf(row: PaymentRecord): string | null {
    if (!row.sessionId) return null;
    const s = this.o.journal.sessions.find(row.sessionId);
    if (!s) return null;
    const facts = this.factsOf(s);
    const key = facts.registrationKeyByOrder[row.merchantOrderNo] ?? null;
    return key !== null && key === facts.heldSlotLock ? key : null;
  }

  /** The idempotency key of the registration attempt an order paid for. */
  registrationKeyOf(row: PaymentRecord): string | null {
    if (!row.sessionId) return null;
    const s = this.o.journal.sessions.find(row.sessionId);
    return s ? (this.factsOf(s).registrationKeyByOrder[row.merchantOrderNo] ?? null) : null;
  }

  /** End interrupted sessions, fail unknown print jobs, reconcile every unfinished order once; retries go on in the background. */
  async start(): Promise<RecoveryReport> {
    const { journal } = this.o;
    const now = this.o.now ?? Date.now;

    let sessionsRecovered = 0;
    for (const s of journal.sessions.listOpen()) {
      const facts = this.factsOf(s);
      const orders = journal.payments.forSession(s.id).map((p) => ({ outTradeNo: p.merchantOrderNo, amountFen: p.amountFen, state: p.state }));
      // a held place with no open order of its attempt is released now (one with an open order: by its reconciliation)
      const lock = facts.heldSlotLock;
      const lockOrderOpen = lock !== null && journal.payments.forSession(s.id).some((p) => facts.registrationKeyByOrder[p.merchantOrderNo] === lock && !FINAL_PAYMENT_STATES.includes(p.state));
      if (lock !== null && !lockOrderOpen) await this.releaseLock(lock);
      const scrubbed: RecoveredState = { zizhuRecovered: { ...facts, at: now(), fromRun: s.runId } };
      journal.transaction(() => {
        journal.sessions.end(s.id, { outcome: 'recovered', state: scrubbed, event: { type: 'zizhu.session.recovered', step: facts.step } });
        journal.outbox.enqueue('session.ended', {
          sessionId: s.id,
          service: s.service,
          outcome: 'recovered',
          lastStep: facts.step,
          durationMs: Math.max(0, s.updatedAt - s.startedAt),
          recovered: true,
          // first-time success: the kiosk failed this person; who it was is gone with the boot's seal
          personHash: null,
          stepsReached: stepsUpTo(s.service, funnelStepOf(s.service, facts.step)),
          failure: 'device',
        });
      });
      sessionsRecovered++;
      this.o.log?.warn(`session ${s.id} (${s.service}) was interrupted at step ${facts.step}; ended as recovered${orders.length ? `, ${orders.length} order(s) to reconcile` : ''}`);
    }

    let printJobsFailed = 0;
    for (const job of journal.printJobs.listUnfinished()) {
      const mayHavePrinted = job.status === 'printing';
      const detail = mayHavePrinted ? 'the kiosk stopped while this receipt was printing; it may or may not have come out' : 'the kiosk stopped before this receipt was sent; nothing was printed';
      try {
        journal.transaction(() => {
          journal.printJobs.update(job.id, { status: 'failed', fault: FaultCode.PRINT_NOT_DELIVERED, faultDetail: detail });
          journal.outbox.enqueue('print.not_delivered', { printJobId: job.id, kind: job.kind, code: FaultCode.PRINT_NOT_DELIVERED, mayHavePrinted, detail, recovered: true });
        });
        printJobsFailed++;
      } catch (e) {
        this.o.log?.warn(`print job ${job.id}: could not record its recovery: ${(e as Error).message}`);
      }
    }

    const orders: ReconcileResult[] = [];
    for (const row of journal.payments.listUnfinished()) {
      const r = await this.reconcile(row.merchantOrderNo);
      if (r) orders.push(r);
    }
    return { sessionsRecovered, printJobsFailed, orders, stillOpen: [...this.open.keys()], locksToRelease: [...this.locks.keys()] };
  }

  /** An order a live flow left unfinished: settle it like a recovered one. */
  adopt(outTradeNo: string): void {
    if (this.stopped || this.open.has(outTradeNo)) return;
    const row = this.o.journal.payments.find(outTradeNo);
    if (!row || FINAL_PAYMENT_STATES.includes(row.state)) return;
    this.open.set(outTradeNo, { attempts: 0, timer: null });
    this.schedule(outTradeNo, 0);
  }

  /**
   * A payment notification arrived: a refund event for an order this recovery still holds open is
   * reconciled now (query, never trusted alone). Returns whether it was. Orders of running sessions
   * are not touched: their payment machine polls the refund itself.
   */
  notified(n: PaymentNotification): boolean {
    if (this.stopped || n.eventType === 'TRANSACTION.SUCCESS') return false;
    const entry = this.open.get(n.outTradeNo);
    if (!entry) return false;
    this.o.log?.info(`payment ${n.outTradeNo}: gateway notified ${n.eventType}; reconciling now`);
    this.schedule(n.outTradeNo, 0);
    return true;
  }

  /** Orders still waiting to be settled. */
  pending(): string[] {
    return [...this.open.keys()];
  }

  /** Resolves once no order is open or being reconciled and no held place waits for its release (the soak waits for this before it stops). */
  whenSettled(): Promise<void> {
    if (this.open.size === 0 && this.locks.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.controller.abort();
    for (const o of [...this.open.values(), ...this.locks.values()]) if (o.timer) clearTimeout(o.timer);
  }

  /** 解锁 a place an interrupted session held; retried with backoff until the HIS answers. */
  private async releaseLock(key: string): Promise<void> {
    const his = this.o.his;
    if (this.stopped || !his) return;
    this.running++;
    try {
      const r = await his.releaseSlot({ idempotencyKey: key }, { signal: this.controller.signal });
      const entry = this.locks.get(key);
      if (entry?.timer) clearTimeout(entry.timer);
      this.locks.delete(key);
      this.o.log?.info(`slot held under ${key} released by recovery (${r.outcome})`);
    } catch (e) {
      if (this.stopped) return;
      const entry = this.locks.get(key) ?? { attempts: 0, timer: null };
      this.locks.set(key, entry);
      entry.attempts++;
      this.o.log?.warn(`slot held under ${key} could not be released yet: ${(e as Error).message}; trying again later (the HIS frees it when its hold expires)`);
      entry.timer = setTimeout(() => {
        entry.timer = null;
        this.releaseLock(key).catch(() => undefined);
      }, this.backoff(entry.attempts));
      entry.timer.unref();
    } finally {
      this.running--;
      this.wakeIfIdle();
    }
  }

  private async reconcile(outTradeNo: string): Promise<ReconcileResult | undefined> {
    const { journal, gateway } = this.o;
    if (this.stopped || !journal.isOpen) return undefined;
    const row = journal.payments.find(outTradeNo);
    if (!row) return undefined;
    if (!gateway) {
      this.o.log?.error(`payment ${outTradeNo} is unfinished but no payment gateway is configured; it stays open in the journal`);
      return { outTradeNo, settled: false, detail: 'no payment gateway configured' };
    }
    this.running++;
    let r: ReconcileResult;
    try {
      r = await reconcilePayment(row, {
        journal,
        gateway,
        ...(this.o.his ? { his: this.o.his } : {}),
        registrationKeyOf: (p) => this.registrationKeyOf(p),
        heldLockOf: (p) => this.heldLockOf(p),
        ...(this.o.log ? { log: this.o.log } : {}),
        ...(this.o.notExistGraceMs !== undefined ? { notExistGraceMs: this.o.notExistGraceMs } : {}),
        ...(this.o.now ? { now: this.o.now } : {}),
        signal: this.controller.signal,
      });
    } catch (e) {
      r = { outTradeNo, settled: false, detail: `reconciliation failed: ${(e as Error).message}` };
    } finally {
      this.running--;
    }
    if (r.settled) {
      const entry = this.open.get(outTradeNo);
      if (entry?.timer) clearTimeout(entry.timer);
      this.open.delete(outTradeNo);
      try {
        journal.outbox.enqueue('payment.reconciled', { outTradeNo, sessionId: row.sessionId, amountFen: row.amountFen, final: r.final, detail: r.detail, bookingId: r.booking?.bookingId ?? null });
      } catch (e) {
        this.o.log?.warn(`payment ${outTradeNo}: reconciled as ${r.final}, but the HQ event could not be queued: ${(e as Error).message}`);
      }
      if (r.final === 'refund-abnormal') this.o.log?.error(`payment ${outTradeNo} reconciled: ${r.final} (${r.detail}); HQ is told`);
      else this.o.log?.info(`payment ${outTradeNo} reconciled: ${r.final} (${r.detail})`);
    } else if (!this.stopped) {
      const entry = this.open.get(outTradeNo) ?? { attempts: 0, timer: null };
      this.open.set(outTradeNo, entry);
      entry.attempts++;
      this.o.log?.warn(`payment ${outTradeNo} is still open: ${r.detail}; trying again later`);
      this.schedule(outTradeNo, this.backoff(entry.attempts));
    }
    this.wakeIfIdle();
    return r;
  }

  private backoff(attempts: number): number {
    const first = this.o.retry?.firstMs ?? 1_000;
    const max = this.o.retry?.maxMs ?? 300_000;
    return Math.min(max, first * 2 ** Math.min(attempts - 1, 20));
  }

  private schedule(outTradeNo: string, ms: number): void {
    const entry = this.open.get(outTradeNo);
    if (!entry || this.stopped) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (this.stopped) return;
      this.reconcile(outTradeNo).catch((e: unknown) => this.o.log?.error(`payment ${outTradeNo}: reconciliation failed: ${(e as Error).message}`));
    }, ms);
    entry.timer.unref();
  }

  private wakeIfIdle(): void {
    if (this.open.size > 0 || this.locks.size > 0 || this.running > 0) return;
    for (const w of this.idleWaiters) w();
    this.idleWaiters.clear();
  }
}

function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
