import { describe, expect, it } from 'vitest';
import type { HisLedger, LedgerBooking } from '../../backends/his/simulator.ts';
import type { LedgerOrder, PaymentLedger } from '../../backends/payment/simulator.ts';
import { auditSoak, type JournalView } from './soak-audit.ts';

function order(no: string, o: Partial<LedgerOrder>): LedgerOrder {
  return {
    outTradeNo: no,
    kind: 'native',
    description: '挂号费',
    amountFen: 5000,
    tradeState: 'CLOSED',
    createdAt: '',
    expiresAt: null,
    paidAt: null,
    closedAt: null,
    transactionId: null,
    charges: 0,
    paidFen: 0,
    refundedFen: 0,
    refundPendingFen: 0,
    refundAbnormalFen: 0,
    refunds: [],
    requests: { create: 1, query: 0, close: 0 },
    ...o,
  };
}
const paid = (no: string, extra: Partial<LedgerOrder> = {}) => order(no, { tradeState: 'SUCCESS', charges: 1, paidFen: 5000, ...extra });
const booking = (no: string, status: 'booked' | 'cancelled' = 'booked') => ({ paymentOrderNo: no, status }) as LedgerBooking;
const ledger = (orders: LedgerOrder[]): PaymentLedger => ({ orders, totals: { orders: 0, charges: 0, chargedFen: 0, refundedFen: 0, refundPendingFen: 0, refundAbnormalFen: 0 } });
const his = (bookings: LedgerBooking[], locks: HisLedger['locks'] = []): HisLedger => ({
  bookings,
  locks,
  totals: { booked: 0, cancelled: 0, replays: 0, locks: { held: 0, confirmed: 0, released: 0, expired: 0 }, conflicts: { sameDepartment: 0, slotTaken: 0, slotPassed: 0, keyReused: 0, notHeld: 0 } },
});
const lock = (key: string, status: HisLedger['locks'][number]['status']) => ({ idempotencyKey: key, slotId: 'NK01-20260610-0900', departmentId: 'NK', idNumber: 'x', status, expiresAt: 0, requests: 1, allowSameDepartment: false });
const journal = (rows: [string, string | null, string][], integrity = 'ok'): JournalView => ({
  payments: rows.map(([no, session, state]) => ({ merchantOrderNo: no, sessionId: session, state, final: ['used', 'closed', 'refunded', 'refund-abnormal'].includes(state) })),
  integrity,
});

describe('the soak audit', () => {
  it('counts nothing when every order is used with a booking, closed, or refunded', () => {
    const r = auditSoak(
      3,
      ledger([paid('A'), order('B', {}), paid('C', { tradeState: 'REFUND', refundedFen: 5000 })]),
      his([booking('A')]),
      journal([['A', 's1', 'used'], ['B', 's2', 'closed'], ['C', 's3', 'refunded']]),
    );
    expect(r).toMatchObject({ iterations: 3, doubleCharges: 0, lostPaidRegistrations: 0, nonFinalOrders: 0, unrefundedOrphans: 0, strandedLocks: 0, journalIntegrity: 'ok' });
  });

  it('finds places the HIS held that were neither confirmed nor released (still held, or only expired)', () => {
    const r = auditSoak(1, ledger([]), his([], [lock('K1', 'confirmed'), lock('K2', 'released'), lock('K3', 'held'), lock('K4', 'expired')]), journal([]));
    expect(r.strandedLocks).toBe(2);
    expect(r.details.strandedLocks).toEqual(['K3 (held)', 'K4 (expired)']);
  });

  it('finds a charge taken twice, and a session holding two paid orders', () => {
    const r = auditSoak(1, ledger([paid('A', { charges: 2, paidFen: 10000 }), paid('B'), paid('C')]), his([booking('A'), booking('B'), booking('C')]), journal([['A', 's1', 'used'], ['B', 's2', 'used'], ['C', 's2', 'used']]));
    expect(r.doubleCharges).toBe(2);
    expect(r.details.doubleCharges).toEqual(['A', 's2: B, C']);
  });

  it('finds an order marked used with no booking behind it', () => {
    const r = auditSoak(1, ledger([paid('A')]), his([booking('A', 'cancelled')]), journal([['A', 's1', 'used']]));
    expect(r.lostPaidRegistrations).toBe(1);
  });

  it('finds orders left open in the journal or at the gateway (also ones the journal never knew)', () => {
    const r = auditSoak(1, ledger([order('A', { tradeState: 'NOTPAY' }), order('B', { tradeState: 'USERPAYING' }), paid('C', { tradeState: 'REFUND', refundPendingFen: 5000 })]), his([]), journal([['C', 's1', 'refunding'], ['D', 's2', 'journaled']]));
    expect(r.nonFinalOrders).toBe(4);
  });

  it('finds money kept without a booking and not refunded', () => {
    const r = auditSoak(1, ledger([paid('A'), paid('B', { tradeState: 'REFUND', refundedFen: 5000 })]), his([]), journal([['A', 's1', 'refunded'], ['B', 's2', 'refunded']]));
    expect(r.unrefundedOrphans).toBe(1);
    expect(r.details.unrefundedOrphans).toEqual(['A']);
  });

  it('reports a refund the gateway gave up (ABNORMAL) that the kiosk journaled as such: not an orphan, not a double charge, not open', () => {
    const abnormal = paid('A', { tradeState: 'REFUND', refundAbnormalFen: 5000 });
    // the same session paid again afterwards and was booked
    const r = auditSoak(1, ledger([abnormal, paid('B')]), his([booking('B')]), journal([['A', 's1', 'refund-abnormal'], ['B', 's1', 'used']]));
    expect(r).toMatchObject({ doubleCharges: 0, lostPaidRegistrations: 0, nonFinalOrders: 0, unrefundedOrphans: 0 });
    expect(r.details.refundAbnormal).toEqual(['A (5000 fen)']);
  });

  it('does not excuse an ABNORMAL refund the kiosk journaled as refunded (it pretended) or left open', () => {
    const pretended = auditSoak(1, ledger([paid('A', { tradeState: 'REFUND', refundAbnormalFen: 5000 })]), his([]), journal([['A', 's1', 'refunded']]));
    expect(pretended.unrefundedOrphans).toBe(1);
    expect(pretended.details.refundAbnormal).toEqual([]);
    const open = auditSoak(1, ledger([paid('A', { tradeState: 'REFUND', refundAbnormalFen: 5000 })]), his([]), journal([['A', 's1', 'refunding']]));
    expect(open).toMatchObject({ nonFinalOrders: 1, unrefundedOrphans: 1 });
  });
});
