/**
 * The soak's verdict: the payment gateway's ledger, the HIS ledger and the kiosk's journal,
 * compared after the last agent run stopped. Pure (no I/O besides reading the journal file).
 *
 * Definitions (an "order" is a merchant order number; "net paid" = what the gateway charged for
 * it minus what it refunded successfully, `paidFen - refundedFen`; "booked for an order" = a HIS
 * booking in status `booked` whose `paymentOrderNo` is that order):
 *
 * - doubleCharges: orders the gateway charged more than once (`charges > 1`), plus kiosk sessions
 *   (one patient's registration attempt: the journal maps each order to its session) holding more
 *   than one order with net paid > 0 at the end.
 * - lostPaidRegistrations: orders the journal marks `used` (paid, and the money spent on a booking)
 *   for which the HIS has no booking, or whose money the gateway does not hold (net paid ≤ 0).
 * - nonFinalOrders: journal payments rows not in a final state (used, closed, refunded, refund-abnormal), plus
 *   gateway orders still NOTPAY or USERPAYING (an order nobody closed — e.g. one the journal never
 *   knew), plus gateway refunds still PROCESSING. Each order counted once.
 * - unrefundedOrphans: gateway orders with net paid > 0 and no booking for them: the patient paid
 *   and has neither a registration nor the money back.
 * - strandedLocks: places the HIS held for the kiosk (锁号) that were neither confirmed (确认挂号) nor
 *   released (解锁) — still held, or given back only by the HIS's own hold expiry (except a hold that
 *   ran out before the kiosk's confirm, which the HIS refused: then it was not the kiosk's). Every attempt
 *   that ends without a booking must give its place back (the live flow, or recovery after a kill).
 * - refundAbnormal (reported in `details` only, not a failure): orders the journal marks
 *   `refund-abnormal` — the gateway gave the refund up (ABNORMAL), the merchant still holds the money
 *   and staff hand it over (HQ was told). Their ABNORMAL amount is not counted as kept money: such an
 *   order is neither an unrefunded orphan nor a second paid order of its session. An ABNORMAL refund
 *   the journal calls anything else (e.g. `refunded`) is not excused: the kiosk pretended.
 * - journalIntegrity: "ok" when SQLite's integrity_check and foreign_key_check pass, every session's
 *   events are numbered 1..last_seq without a gap, and no session is left open; else what failed.
 */
import Database from 'better-sqlite3';
import type { HisLedger } from '../../backends/his/simulator.ts';
import type { PaymentLedger } from '../../backends/payment/simulator.ts';

export interface SoakCounts {
  iterations: number;
  doubleCharges: number;
  lostPaidRegistrations: number;
  nonFinalOrders: number;
  unrefundedOrphans: number;
  strandedLocks: number;
  journalIntegrity: string;
}

export interface JournalView {
  payments: { merchantOrderNo: string; sessionId: string | null; state: string; final: boolean }[];
  integrity: string;
}

const FINAL = new Set(['used', 'closed', 'refunded', 'refund-abnormal']);

/** Read what the audit needs from the journal file (read-only; the agent must have stopped). */
export function readJournalForAudit(path: string): JournalView {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const problems: string[] = [];
    const integrity = (db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (integrity.length !== 1 || integrity[0] !== 'ok') problems.push(`integrity_check: ${integrity.slice(0, 3).join('; ')}`);
    const fk = db.pragma('foreign_key_check') as unknown[];
    if (fk.length) problems.push(`foreign_key_check: ${fk.length} row(s)`);
    const gaps = db
      .prepare(
        `SELECT s.id, s.last_seq AS last, count(e.seq) AS n, coalesce(max(e.seq), 0) AS top
           FROM sessions s LEFT JOIN session_events e ON e.session_id = s.id GROUP BY s.id HAVING n <> last OR top <> last`,
      )
      .all() as { id: string }[];
    if (gaps.length) problems.push(`${gaps.length} session(s) with missing events (first ${gaps[0]!.id})`);
    const open = (db.prepare('SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL').get() as { n: number }).n;
    if (open) problems.push(`${open} session(s) left open`);
    const payments = (db.prepare('SELECT merchant_order_no, session_id, state, final_at FROM payments').all() as { merchant_order_no: string; session_id: string | null; state: string; final_at: number | null }[]).map(
      (r) => ({ merchantOrderNo: r.merchant_order_no, sessionId: r.session_id, state: r.state, final: r.final_at !== null && FINAL.has(r.state) }),
    );
    return { payments, integrity: problems.length ? problems.join('; ') : 'ok' };
  } finally {
    db.close();
  }
}

export function auditSoak(iterations: number, pay: PaymentLedger, his: HisLedger, journal: JournalView): SoakCounts & { details: Record<string, string[]> & { refundAbnormal: string[] } } {
  const booked = new Set(his.bookings.filter((b) => b.status === 'booked').map((b) => b.paymentOrderNo));
  // refunds the gateway gave up, which the kiosk journaled as such (and told HQ): staff hand that money over
  const reportedAbnormal = new Set(journal.payments.filter((p) => p.state === 'refund-abnormal').map((p) => p.merchantOrderNo));
  const handedOverFen = (o: PaymentLedger['orders'][number]) => (reportedAbnormal.has(o.outTradeNo) ? o.refundAbnormalFen : 0);
  const netPaid = new Map(pay.orders.map((o) => [o.outTradeNo, o.paidFen - o.refundedFen - handedOverFen(o)]));
  const sessionOf = new Map(journal.payments.map((p) => [p.merchantOrderNo, p.sessionId]));

  const charged = pay.orders.filter((o) => o.charges > 1).map((o) => o.outTradeNo);
  const netPaidBySession = new Map<string, string[]>();
  for (const o of pay.orders) {
    const s = sessionOf.get(o.outTradeNo);
    if (!s || (netPaid.get(o.outTradeNo) ?? 0) <= 0) continue;
    netPaidBySession.set(s, [...(netPaidBySession.get(s) ?? []), o.outTradeNo]);
  }
  const twice = [...netPaidBySession.entries()].filter(([, orders]) => orders.length > 1).map(([s, orders]) => `${s}: ${orders.join(', ')}`);

  const lost = journal.payments.filter((p) => p.state === 'used' && (!booked.has(p.merchantOrderNo) || (netPaid.get(p.merchantOrderNo) ?? 0) <= 0)).map((p) => p.merchantOrderNo);

  const nonFinal = new Set<string>();
  for (const p of journal.payments) if (!p.final) nonFinal.add(p.merchantOrderNo);
  for (const o of pay.orders) {
    if (o.tradeState === 'NOTPAY' || o.tradeState === 'USERPAYING') nonFinal.add(o.outTradeNo);
    if (o.refundPendingFen > 0) nonFinal.add(o.outTradeNo);
  }

  const orphans = pay.orders.filter((o) => (netPaid.get(o.outTradeNo) ?? 0) > 0 && !booked.has(o.outTradeNo)).map((o) => o.outTradeNo);
  // a hold that ran out before the kiosk's confirm (which the HIS refused) was not left behind by the kiosk
  const stranded = his.locks.filter((l) => l.status === 'held' || (l.status === 'expired' && !l.confirmRefused)).map((l) => `${l.idempotencyKey} (${l.status})`);
  const abnormal = pay.orders.filter((o) => o.refundAbnormalFen > 0 && reportedAbnormal.has(o.outTradeNo)).map((o) => `${o.outTradeNo} (${o.refundAbnormalFen} fen)`);

  return {
    iterations,
    doubleCharges: charged.length + twice.length,
    lostPaidRegistrations: lost.length,
    nonFinalOrders: nonFinal.size,
    unrefundedOrphans: orphans.length,
    strandedLocks: stranded.length,
    journalIntegrity: journal.integrity,
    details: { doubleCharges: [...charged, ...twice], lostPaidRegistrations: lost, nonFinalOrders: [...nonFinal], unrefundedOrphans: orphans, strandedLocks: stranded, refundAbnormal: abnormal },
  };
}
