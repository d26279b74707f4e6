/**
 * Reconciling one unfinished order with the payment gateway — what start-up recovery does for
 * every payments row that is not final, and what the runtime does for an order a flow left
 * `pending` (a close or refund the gateway did not confirm in time).
 *
 *   query ─ SUCCESS ──────────┬─ a refund was already decided → finish that refund (same number)
 *     │                       ├─ HIS has the registration (by idempotency key) paid by this order → used
 *     │                       └─ no registration → refund with the stable number, confirmed by query
 *     │                          (never a late 确认挂号: the patient's screen never said "registered")
 *     ├─ NOTPAY / USERPAYING / PAYERROR → close ─┬─ closed
 *     │                                          └─ ORDER_PAID (paid meanwhile) → query again → as SUCCESS
 *     ├─ CLOSED → closed
 *     ├─ REFUND → confirm the refund by query → refunded
 *     └─ ORDER_NOT_EXIST → still open while the order is younger than `notExistGraceMs` (a create
 *        sent just before the crash may still reach the gateway — a 付款码 charge among them);
 *        after that, close (makes "never created" certain) → closed
 *
 * A refund the gateway gave up (status ABNORMAL: e.g. the payer's bank card is closed) is settled as
 * `refund-abnormal`: final but alarmed — the money is still with the merchant, staff hand it over, HQ
 * is told (`payment.refund-abnormal`); it is never retried nor reported as refunded.
 *
 * A place the HIS may still hold for the order's booking attempt (`heldLockOf`: the key, when the
 * session's snapshot says a lock may be held) is released (解锁) before the order is marked closed,
 * refunded or refund-abnormal, so a crash in between releases it again at the next start.
 *
 * Never guess: a timeout, a 5xx, an unknown result or a refund still PROCESSING leaves the order
 * open (`settled: false`); the caller retries later with backoff. Every step the gateway confirmed
 * is journaled at once, so a retry (or a crash and another start-up) continues from there.
 */
import type { His, Registration } from '../../backends/his/types.ts';
import type { OrderQuery, PaymentGateway, RefundQuery } from '../../backends/payment/types.ts';
import { refundNoFor } from '../../state-machines/payment.machine.ts';
import type { Journal, PaymentRecord } from '../journal/journal.ts';
import { FINAL_PAYMENT_STATES } from '../journal/journal.ts';
import type { FlowLog } from '../flows/log.ts';

export type SettledAs = 'used' | 'closed' | 'refunded' | 'refund-abnormal';

export type ReconcileResult =
  | { outTradeNo: string; settled: true; final: SettledAs; detail: string; booking: Pick<Registration, 'bookingId' | 'queueNumber'> | null }
  | { outTradeNo: string; settled: false; detail: string };

export interface ReconcileDeps {
  journal: Journal;
  gateway: PaymentGateway;
  his?: His;
  /** the idempotency key of the registration attempt this order paid for (null: none, e.g. not a registration) */
  registrationKeyOf(row: PaymentRecord): string | null;
  /** that key, if the HIS may still hold a place under it (null: none held, or not a registration) */
  heldLockOf?(row: PaymentRecord): string | null;
  log?: FlowLog;
  signal?: AbortSignal;
  /** pauses between refund queries while the gateway says PROCESSING (default 50, 150, 300 ms) */
  refundPollMs?: readonly number[];
  /**
   * An order the gateway does not know is not closed before it is this old (default 60 s from its
   * journal record): the create call may have been on the wire when the agent died.
   */
  notExistGraceMs?: number;
  now?: () => number;
}

const codeOf = (e: unknown): string => (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : '');
const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

class StillOpen extends Error {}

/**
 * The gateway gave a refund up (ABNORMAL): in one transaction the order's journal row becomes
 * `refund-abnormal` (final, alarmed; the refund number stored first if it was not) and
 * `payment.refund-abnormal` {merchantOrderNo, refundNo, amountFen, …} is queued for HQ, where ops hand
 * the money over. Idempotent: a row already refund-abnormal gets no second event. Returns false (and
 * does nothing) when the row is final otherwise.
 */
export function markRefundAbnormal(journal: Journal, merchantOrderNo: string, refundNo: string, detail: string): boolean {
  return journal.transaction(() => {
    const row = journal.payments.get(merchantOrderNo);
    if (row.state === 'refund-abnormal') return true;
    if (FINAL_PAYMENT_STATES.includes(row.state)) return false;
    const stored = row.refundNo ?? journal.payments.beginRefund(merchantOrderNo, refundNo).refundNo ?? refundNo;
    journal.payments.setState(merchantOrderNo, 'refund-abnormal', { detail });
    journal.outbox.enqueue('payment.refund-abnormal', {
      merchantOrderNo,
      refundNo: stored,
      amountFen: row.amountFen,
      sessionId: row.sessionId,
      detail: detail.slice(0, 500),
    });
    return true;
  });
}

export async function reconcilePayment(row: PaymentRecord, deps: ReconcileDeps): Promise<ReconcileResult> {
  const no = row.merchantOrderNo;
  const { journal, gateway } = deps;
  const opts = deps.signal ? { signal: deps.signal } : {};
  const open = (detail: string): ReconcileResult => ({ outTradeNo: no, settled: false, detail });
  const settled = (final: SettledAs, detail: string, booking: Registration | null = null): ReconcileResult => ({
    outTradeNo: no,
    settled: true,
    final,
    detail,
    booking: booking ? { bookingId: booking.bookingId, queueNumber: booking.queueNumber } : null,
  });
  const current = () => journal.payments.get(no);
  if (FINAL_PAYMENT_STATES.includes(current().state)) return settled(current().state as SettledAs, 'already final in the journal');

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw Object.assign(new StillOpen(`${what}: ${why(e)}`), { code: codeOf(e), cause: e });
    }
  };

  /** 解锁 before the order is final: no booking will be made with it (idempotent; a booked key stays booked) */
  const releasePlace = async (): Promise<void> => {
    const key = deps.heldLockOf?.(row) ?? null;
    if (!key || !deps.his) return;
    await call(`release the slot held under ${key}`, () => deps.his!.releaseSlot({ idempotencyKey: key }, opts));
  };

  const markClosed = async (detail: string) => {
    await releasePlace();
    journal.payments.setState(no, 'closed', { detail });
    return settled('closed', detail);
  };

  /** The refund whose number the journal keeps: request it (idempotent) and confirm it by query. */
  const finishRefund = async (reason: string): Promise<ReconcileResult> => {
    const refundNo = journal.transaction(() => journal.payments.beginRefund(no, refundNoFor(no)).refundNo ?? refundNoFor(no));
    let answer: RefundQuery | undefined;
    try {
      answer = await gateway.queryRefund({ outRefundNo: refundNo }, opts);
    } catch (e) {
      if (codeOf(e) !== 'REFUND_NOT_EXIST') throw Object.assign(new StillOpen(`query refund ${refundNo}: ${why(e)}`), { code: codeOf(e) });
      // never reached the gateway: ask for it now, with the same number
      answer = await call(`refund ${refundNo}`, () => gateway.refund({ outTradeNo: no, outRefundNo: refundNo, amountFen: row.amountFen, reason }, opts));
    }
    // a refund usually settles within moments: look again a few times before leaving it for later
    for (const pause of deps.refundPollMs ?? [50, 150, 300]) {
      if (answer.status !== 'PROCESSING') break;
      await new Promise((r) => setTimeout(r, pause));
      answer = await call(`query refund ${refundNo}`, () => gateway.queryRefund({ outRefundNo: refundNo }, opts));
    }
    if (answer.status === 'SUCCESS') {
      await releasePlace();
      journal.payments.setState(no, 'refunded', { detail: `refunded by recovery (${reason})` });
      return settled('refunded', `refund ${refundNo} confirmed`);
    }
    if (answer.status === 'PROCESSING') return open(`refund ${refundNo} is still processing at the gateway`);
    if (answer.status === 'ABNORMAL') {
      await releasePlace();
      const detail = `refund ${refundNo} is ABNORMAL at the gateway: staff must hand the money over`;
      markRefundAbnormal(journal, no, refundNo, detail);
      return settled('refund-abnormal', detail);
    }
    journal.payments.setState(no, 'refunding', { detail: `refund ${refundNo} is ${answer.status}: staff must settle it on the merchant platform` });
    return open(`refund ${refundNo} is ${answer.status}: staff must settle it on the merchant platform`);
  };

  const settlePaid = async (q: OrderQuery): Promise<ReconcileResult> => {
    const row2 = current();
    if (row2.state !== 'paid' && row2.state !== 'refunding') journal.payments.setState(no, 'paid', q.transactionId ? { transactionId: q.transactionId } : {});
    if (row2.refundNo) return finishRefund('退款 (已决定)');
    const key = deps.registrationKeyOf(row2);
    let booking: Registration | null = null;
    if (key) {
      if (!deps.his) return open(`order ${no} is paid; the HIS is not configured, so its registration cannot be checked`);
      booking = await call(`look up registration ${key}`, () => deps.his!.registrationByKey({ idempotencyKey: key }, opts));
    }
    if (booking && booking.status === 'booked' && booking.paymentOrderNo === no) {
      journal.payments.setState(no, 'used', { detail: `registration ${booking.bookingId} found by key after a restart` });
      return settled('used', `registration ${booking.bookingId} found`, booking);
    }
    return finishRefund(key ? '挂号未成功，退款' : '订单未使用，退款');
  };

  try {
    let q: OrderQuery;
    try {
      q = await gateway.queryOrder({ outTradeNo: no }, opts);
    } catch (e) {
      if (codeOf(e) !== 'ORDER_NOT_EXIST') throw Object.assign(new StillOpen(`query order: ${why(e)}`), { code: codeOf(e) });
      const age = (deps.now ?? Date.now)() - row.createdAt;
      const grace = deps.notExistGraceMs ?? 60_000;
      if (age < grace) throw Object.assign(new StillOpen(`not at the gateway yet (${Math.round(age / 1000)} s old): a create sent just before the restart may still arrive; asking again`), { code: 'ORDER_NOT_EXIST' });
      // journaled, but the create never reached the gateway: closing makes that certain
      try {
        await gateway.closeOrder({ outTradeNo: no }, opts);
      } catch (e2) {
        if (codeOf(e2) !== 'ORDER_NOT_EXIST' && codeOf(e2) !== 'ORDER_CLOSED') throw Object.assign(new StillOpen(`close order: ${why(e2)}`), { code: codeOf(e2) });
      }
      return await markClosed('never reached the gateway (journaled before the create call)');
    }
    switch (q.tradeState) {
      case 'SUCCESS':
        return await settlePaid(q);
      case 'CLOSED':
        return await markClosed('closed at the gateway');
      case 'REFUND':
        return await finishRefund('退款');
      case 'NOTPAY':
      case 'USERPAYING':
      case 'PAYERROR': {
        try {
          await gateway.closeOrder({ outTradeNo: no }, opts);
        } catch (e) {
          const code = codeOf(e);
          if (code === 'ORDER_CLOSED' || code === 'ORDER_NOT_EXIST') return await markClosed('closed at the gateway');
          if (code !== 'ORDER_PAID') throw Object.assign(new StillOpen(`close order: ${why(e)}`), { code });
          // paid just before the close: confirm by query, then it is a paid order
          const again = await call('query order', () => gateway.queryOrder({ outTradeNo: no }, opts));
          if (again.tradeState === 'SUCCESS') return await settlePaid(again);
          if (again.tradeState === 'REFUND') return await finishRefund('退款');
          return open(`close said ORDER_PAID but the order is ${again.tradeState}`);
        }
        return await markClosed(`closed by recovery (was ${q.tradeState})`);
      }
    }
  } catch (e) {
    if (e instanceof StillOpen) return open(e.message);
    throw e;
  }
}
