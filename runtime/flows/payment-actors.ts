/**
 * The payment machine's actors and its `recordPayment` action, backed by the journal and the
 * payment gateway (state-machines/payment.machine.ts names them).
 *
 * Journal first, always:
 * - `journalOrder` writes the payments row *and* a session event + snapshot (the flow's root
 *   snapshot, which holds the payment machine in `journalingOrder`) in ONE transaction, on disk
 *   (WAL, synchronous=FULL) before it resolves. Only then can the machine enter
 *   `creatingNativeOrder` / `chargingPaymentCode`, so no order reaches the gateway unjournaled.
 * - `journalRefund` stores the refund number (`beginRefund`: the first number decided is kept for
 *   good) with a session event + snapshot, before `refund` can be called.
 * - `recordPayment` changes the row's state in the transaction that journals the transition's
 *   snapshot ({@link TransitionWrites}).
 *
 * Idempotent, because xstate re-runs an in-flight promise actor of a restored snapshot and because
 * a crash can come between a call and its record: `journalOrder` accepts the row it wrote before
 * (same order, session and amount); create/micropay repeat with the same order number and content
 * (the gateway returns the same order); close and query are harmless; `refund` reuses the stored
 * refund number (the gateway never refunds one number twice).
 */
import { fromPromise } from 'xstate';
import type { OrderQuery, PaymentGateway, RefundQuery } from '../../backends/payment/types.ts';
import type { Journal } from '../journal/journal.ts';
import { FINAL_PAYMENT_STATES, JournalError } from '../journal/journal.ts';
import {
  refundNoFor,
  type CreateNativeOrderInput,
  type JournalOrderInput,
  type JournalRefundInput,
  type MicropayInput,
  type MicropayOutput,
  type PaymentContext,
  type PaymentRecordChange,
  type RefundInput,
} from '../../state-machines/payment.machine.ts';
import { markRefundAbnormal } from '../recovery/reconcile.ts';
import type { FlowLog } from './log.ts';
import type { TransitionWrites } from './transition-writes.ts';

export interface PaymentActorsOptions {
  journal: Journal;
  gateway: PaymentGateway;
  writes: TransitionWrites;
  /** the persisted snapshot of the hosted session's root actor, journaled with the order (undefined: not hosted) */
  snapshotOf(sessionId: string): unknown;
  log?: FlowLog;
}

/**
 * Apply one `recordPayment` change to the journal, respecting the row's rules: a final row is never
 * left; `used` goes through `paid`; `refunded` needs the stable refund number (stored first if the
 * gateway refunded before we recorded it); `refund-abnormal` likewise, and queues
 * `payment.refund-abnormal` for HQ with it. Runs in one transaction (a savepoint inside another).
 */
export function applyPaymentChange(journal: Journal, change: PaymentRecordChange, log?: FlowLog): void {
  journal.transaction(() => {
    const row = journal.payments.find(change.outTradeNo);
    if (!row) {
      log?.warn(`payment ${change.outTradeNo}: no journal row to record "${change.state}" on; reconciliation will not know this order`);
      return;
    }
    if (FINAL_PAYMENT_STATES.includes(row.state)) {
      if (row.state !== change.state) log?.warn(`payment ${change.outTradeNo} is ${row.state} (final); "${change.state}" from the flow is ignored`);
      return;
    }
    const details = { ...(change.transactionId ? { transactionId: change.transactionId } : {}), ...(change.detail ? { detail: change.detail } : {}) };
    switch (change.state) {
      case 'journaled':
        // "still only journaled" (e.g. pending before any answer): keep the state, note the detail
        journal.payments.setState(change.outTradeNo, row.state, details);
        return;
      case 'used':
        if (row.state !== 'paid') journal.payments.setState(change.outTradeNo, 'paid', details);
        journal.payments.setState(change.outTradeNo, 'used', details);
        return;
      case 'refunded':
        if (!row.refundNo) journal.payments.beginRefund(change.outTradeNo, change.refundNo ?? refundNoFor(change.outTradeNo));
        journal.payments.setState(change.outTradeNo, 'refunded', details);
        return;
      case 'refund-abnormal': {
        const refundNo = row.refundNo ?? change.refundNo ?? refundNoFor(change.outTradeNo);
        markRefundAbnormal(journal, change.outTradeNo, refundNo, change.detail ?? `refund ${refundNo} is ABNORMAL at the gateway: staff must hand the money over`);
        log?.error(`payment ${change.outTradeNo}: refund ${refundNo} is ABNORMAL at the gateway; staff must hand the money over (HQ told)`);
        return;
      }
      default:
        journal.payments.setState(change.outTradeNo, change.state, details);
    }
  });
}

/** `payment.machine.provide({ actors, actions })` for the runtime. */
export function paymentImplementations(o: PaymentActorsOptions) {
  const { journal, gateway, writes } = o;

  const recordWithSnapshot = (sessionId: string, event: Record<string, unknown> & { type: string }) => {
    const state = o.snapshotOf(sessionId);
    if (state === undefined) return;
    const session = journal.sessions.find(sessionId);
    if (!session || session.endedAt !== null) return;
    // what the transition buffered so far commits first, then this event with the snapshot
    writes.flush(sessionId);
    journal.sessions.record(sessionId, { event, state });
  };

  const actors = {
    journalOrder: fromPromise<unknown, JournalOrderInput>(async ({ input }) => {
      journal.transaction(() => {
        const existing = journal.payments.find(input.outTradeNo);
        if (existing) {
          if (existing.sessionId !== input.sessionId || existing.amountFen !== input.amountFen) {
            throw new JournalError(
              'DUPLICATE',
              `merchant order number ${input.outTradeNo} is already journaled for ${existing.sessionId === input.sessionId ? `${existing.amountFen} fen` : `session ${existing.sessionId}`}; the gateway was not called`,
              { merchantOrderNo: input.outTradeNo },
            );
          }
          // the same order, journaled before a restart: carry on with it
        } else {
          journal.payments.journal({
            merchantOrderNo: input.outTradeNo,
            amountFen: input.amountFen,
            method: input.method,
            sessionId: input.sessionId,
            deadlineAt: input.deadlineAt,
          });
        }
        recordWithSnapshot(input.sessionId, { type: 'zizhu.payment.journaled', outTradeNo: input.outTradeNo, amountFen: input.amountFen, method: input.method });
      });
      return { outTradeNo: input.outTradeNo };
    }),

    createNativeOrder: fromPromise<{ codeUrl: string }, CreateNativeOrderInput>(({ input, signal }) => gateway.createNativeOrder(input, { signal })),

    micropay: fromPromise<MicropayOutput, MicropayInput>(({ input, signal }) => gateway.micropay(input, { signal })),

    queryOrder: fromPromise<OrderQuery, { outTradeNo: string }>(({ input, signal }) => gateway.queryOrder(input, { signal })),

    closeOrder: fromPromise<unknown, { outTradeNo: string }>(({ input, signal }) => gateway.closeOrder(input, { signal })),

    journalRefund: fromPromise<{ refundNo: string } | void, JournalRefundInput>(async ({ input }) => {
      return journal.transaction(() => {
        const row = journal.payments.beginRefund(input.outTradeNo, input.refundNo);
        const refundNo = row.refundNo ?? input.refundNo;
        if (row.sessionId) recordWithSnapshot(row.sessionId, { type: 'zizhu.payment.refund-journaled', outTradeNo: input.outTradeNo, refundNo, amountFen: input.amountFen });
        return { refundNo };
      });
    }),

    refund: fromPromise<RefundQuery, RefundInput>(({ input, signal }) => gateway.refund(input, { signal })),

    queryRefund: fromPromise<RefundQuery, { outRefundNo: string }>(({ input, signal }) => gateway.queryRefund(input, { signal })),
  };

  const actions = {
    recordPayment: ({ context }: { context: PaymentContext }, params: PaymentRecordChange) => {
      writes.add(context.sessionId, `payment ${params.outTradeNo} → ${params.state}`, () => applyPaymentChange(journal, params, o.log));
    },
  };

  return { actors, actions };
}
