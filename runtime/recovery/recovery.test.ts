import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { refundNoFor, merchantOrderNo } from '../../state-machines/payment.machine.ts';
import { idempotencyKeyFor } from '../../state-machines/registration.machine.ts';
import { openJournal, type Journal } from '../journal/journal.ts';
import { backOfficeForSimulators, type BackOfficeClients } from '../flows/back-office.ts';
import { registrationFacts } from '../flows/registration-actors.ts';
import { Recovery } from './recovery.ts';
import { startNotifyReceiver } from '../flows/notify-receiver.ts';
import type { PaymentNotification } from '../../backends/payment/types.ts';
import { eventually } from '../../backends/test-helpers.ts';
import { NOON_SHANGHAI, pinnedNow } from '../../tests/pinned-clock.ts';

const PATIENT = { idNumber: '110101199003071233', name: '张测试' };

let dir: string;
let journal: Journal;
let bo: BackOffice;
let clients: BackOfficeClients;
let n = 0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zizhu-recovery-'));
  journal = openJournal({ path: join(dir, 'journal.sqlite') });
  // the hospital's "today" and slots at noon in Shanghai, whenever this runs
  bo = await startBackOffice({ his: { now: pinnedNow(NOON_SHANGHAI) }, payment: { refundProcessingMs: 10 } });
  clients = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 300 });
});
const running: Recovery[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) r.stop();
  if (journal.isOpen) journal.close();
  await bo.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A registration session the last run left open: paying (or paid) for attempt 1, as its snapshot says;
 * `locked`: the HIS holds a place under the attempt's key (the snapshot's `lock`); `order: false`: it
 * stopped while locking, before any order.
 */
function interruptedSession(opts: { paid?: boolean; locked?: boolean; order?: boolean } = {}) {
  const sessionId = `sess${++n}x${Date.now()}`;
  const outTradeNo = merchantOrderNo(sessionId, 1);
  const key = idempotencyKeyFor(sessionId, 1);
  const withOrder = opts.order ?? true;
  const state = {
    status: 'active',
    value: { session: { flow: withOrder ? { charging: opts.paid ? 'registering' : 'paying' } : 'lockingSlot', idle: 'paused' } },
    context: {
      sessionId,
      patient: PATIENT,
      idempotencyKey: key,
      lock: opts.locked ? { expiresAt: null } : null,
      paidOrder: opts.paid ? { outTradeNo, amountFen: 5000, transactionId: null } : null,
      payment: null,
    },
    children: withOrder ? { payment: { snapshot: { status: 'active', value: 'awaiting', context: { outTradeNo } }, src: 'payment' } } : {},
  };
  journal.sessions.start({ id: sessionId, service: 'hospitalRegistration', state });
  if (withOrder) journal.payments.journal({ merchantOrderNo: outTradeNo, amountFen: 5000, method: 'nativeQr', sessionId });
  return { sessionId, outTradeNo, key };
}

/** 锁号 at the simulated HIS under the attempt's key, as the interrupted session did. */
async function lockAt(key: string) {
  const r = await clients.his!.lockSlot({ idempotencyKey: key, patient: PATIENT, slotId: slot(), holdSeconds: 600 });
  expect(r.outcome).toBe('locked');
}
const lockStatus = (key: string) => bo.his.ledger().locks.find((l) => l.idempotencyKey === key)?.status;

function recovery(o: { notExistGraceMs?: number; now?: () => number } = {}) {
  const r = new Recovery({ journal, gateway: clients.payment!, his: clients.his!, facts: { hospitalRegistration: registrationFacts }, retry: { firstMs: 20, maxMs: 100 }, ...o });
  running.push(r);
  return r;
}
const slot = () => bo.his.slotsOf('NK02')[0]!.id;
const create = (no: string) => clients.payment!.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费 内科', expiresAt: new Date(Date.now() + 60_000).toISOString() });

describe('start-up recovery', () => {
  it('ends an interrupted session as recovered and tells HQ without personal data', async () => {
    const s = interruptedSession();
    const report = await recovery().start();
    expect(report.sessionsRecovered).toBe(1);
    const record = journal.sessions.get(s.sessionId);
    expect(record.outcome).toBe('recovered');
    expect(JSON.stringify(record.state)).not.toContain(PATIENT.idNumber);
    expect(JSON.stringify(record.state)).not.toContain(PATIENT.name);
    const events = journal.outbox.claim({ limit: 10 });
    const recovered = events.find((e) => e.kind === 'session.ended');
    expect(recovered?.payload).toMatchObject({ outcome: 'recovered', recovered: true, sessionId: s.sessionId, service: 'hospitalRegistration', lastStep: 'session.flow.charging.paying' });
    const text = JSON.stringify(events);
    expect(text).not.toContain(PATIENT.idNumber);
    expect(text).not.toContain(PATIENT.name);
    expect(journal.sessions.listOpen()).toEqual([]);
  });

  it('closes an order that was journaled but never reached the gateway, once it is old enough that no create can still be on the wire', async () => {
    const s = interruptedSession();
    const report = await recovery({ now: () => Date.now() + 61_000 }).start();
    expect(report.orders).toEqual([expect.objectContaining({ outTradeNo: s.outTradeNo, settled: true, final: 'closed' })]);
    expect(journal.payments.get(s.outTradeNo).state).toBe('closed');
  });

  it('does not close a young order the gateway does not know yet: a 付款码 charge sent just before the crash arrives late, and is refunded', async () => {
    const s = interruptedSession();
    const r = recovery({ notExistGraceMs: 60_000 });
    const report = await r.start();
    expect(report.orders[0]).toMatchObject({ outTradeNo: s.outTradeNo, settled: false });
    expect(report.orders[0]!.detail).toContain('not at the gateway yet');
    expect(journal.payments.get(s.outTradeNo).state).not.toBe('closed');
    // the request that was on the wire when the agent died: the patient is charged now
    await create(s.outTradeNo);
    bo.payment.pay(s.outTradeNo);
    // reconciliation retries (backoff 20 ms …): paid, no registration → refunded, never lost
    const deadline = Date.now() + 5_000;
    while (journal.payments.get(s.outTradeNo).state !== 'refunded' && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    expect(journal.payments.get(s.outTradeNo).state).toBe('refunded');
    expect(bo.payment.order(s.outTradeNo)?.refundedFen).toBe(5000);
  });

  it('closes an unpaid order at the gateway', async () => {
    const s = interruptedSession();
    await create(s.outTradeNo);
    await recovery().start();
    expect(journal.payments.get(s.outTradeNo).state).toBe('closed');
    expect(bo.payment.order(s.outTradeNo)?.tradeState).toBe('CLOSED');
  });

  it('marks a paid order used when the HIS has the registration under the attempt’s key', async () => {
    const s = interruptedSession({ paid: true });
    await create(s.outTradeNo);
    bo.payment.pay(s.outTradeNo);
    await lockAt(s.key);
    const booked = await clients.his!.confirmRegistration({ idempotencyKey: s.key, paymentOrderNo: s.outTradeNo });
    expect(booked.outcome).toBe('booked');
    const report = await recovery().start();
    expect(report.orders[0]).toMatchObject({ settled: true, final: 'used' });
    expect(journal.payments.get(s.outTradeNo).state).toBe('used');
    expect(bo.payment.order(s.outTradeNo)?.refundedFen).toBe(0);
  });

  it('refunds a paid order with no registration, with the stable refund number, confirmed by query', async () => {
    const s = interruptedSession({ paid: true });
    await create(s.outTradeNo);
    bo.payment.pay(s.outTradeNo);
    const report = await recovery().start();
    expect(report.orders[0]).toMatchObject({ settled: true, final: 'refunded' });
    const row = journal.payments.get(s.outTradeNo);
    expect(row).toMatchObject({ state: 'refunded', refundNo: refundNoFor(s.outTradeNo) });
    const order = bo.payment.order(s.outTradeNo)!;
    expect(order.refunds.map((r) => r.outRefundNo)).toEqual([refundNoFor(s.outTradeNo)]);
    expect(order.refundedFen).toBe(5000);
  });

  it('treats ORDER_PAID on close as paid: the patient paid just before the close, so the money goes back', async () => {
    const s = interruptedSession();
    await create(s.outTradeNo);
    bo.payment.injectFault({ route: 'closeOrder', mode: 'paid-meanwhile', times: 1 });
    await recovery().start();
    expect(journal.payments.get(s.outTradeNo).state).toBe('refunded');
    expect(bo.payment.order(s.outTradeNo)).toMatchObject({ charges: 1, refundedFen: 5000 });
  });

  it('finishes a refund already decided before the crash with the same number, never a second refund', async () => {
    const s = interruptedSession({ paid: true });
    await create(s.outTradeNo);
    bo.payment.pay(s.outTradeNo);
    journal.payments.setState(s.outTradeNo, 'paid');
    journal.payments.beginRefund(s.outTradeNo, refundNoFor(s.outTradeNo));
    // the refund went out, the answer was lost
    bo.payment.injectFault({ route: 'refund', mode: 'unknown-result', times: 1 });
    await expect(clients.payment!.refund({ outTradeNo: s.outTradeNo, outRefundNo: refundNoFor(s.outTradeNo), amountFen: 5000, reason: 'x' })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 30));
    await recovery().start();
    expect(journal.payments.get(s.outTradeNo).state).toBe('refunded');
    const order = bo.payment.order(s.outTradeNo)!;
    expect(order.refunds).toHaveLength(1);
    expect(order.refunds[0]!.requests).toBe(1);
  });

  it('never guesses: a gateway that does not answer leaves the order open, and it is retried until settled', async () => {
    const s = interruptedSession({ paid: true });
    await create(s.outTradeNo);
    bo.payment.pay(s.outTradeNo);
    bo.payment.injectFault({ route: 'queryOrder', mode: 'timeout', times: 2 });
    const r = recovery();
    const report = await r.start();
    expect(report.stillOpen).toEqual([s.outTradeNo]);
    expect(journal.payments.get(s.outTradeNo).state).not.toBe('refunded');
    await r.whenSettled();
    expect(journal.payments.get(s.outTradeNo).state).toBe('refunded');
    expect(journal.outbox.claim({ limit: 20 }).map((e) => e.kind)).toContain('payment.reconciled');
    r.stop();
  });

  it('a refund the gateway gives up (ABNORMAL) settles as refund-abnormal: final, never "refunded", HQ told once, not retried at the next start', async () => {
    const s = interruptedSession({ paid: true });
    await create(s.outTradeNo);
    bo.payment.pay(s.outTradeNo);
    bo.payment.refundsEndAbnormal(s.outTradeNo);
    const r = recovery();
    const report = await r.start();
    expect(report.orders).toEqual([expect.objectContaining({ outTradeNo: s.outTradeNo, settled: true, final: 'refund-abnormal' })]);
    expect(report.stillOpen).toEqual([]);
    expect(journal.payments.get(s.outTradeNo)).toMatchObject({ state: 'refund-abnormal', refundNo: refundNoFor(s.outTradeNo) });
    const events = journal.outbox.claim({ limit: 50 });
    expect(events.filter((e) => e.kind === 'payment.refund-abnormal').map((e) => e.payload)).toEqual([
      expect.objectContaining({ merchantOrderNo: s.outTradeNo, refundNo: refundNoFor(s.outTradeNo), amountFen: 5000 }),
    ]);
    expect(events.find((e) => e.kind === 'payment.reconciled')?.payload).toMatchObject({ final: 'refund-abnormal' });
    expect(bo.payment.order(s.outTradeNo)).toMatchObject({ refundedFen: 0, refundAbnormalFen: 5000 });
    await r.whenSettled();
    r.stop();
    // another start: nothing left to do, no second event, no second refund
    const again = await recovery().start();
    expect(again.orders).toEqual([]);
    expect(journal.outbox.claim({ limit: 50 }).filter((e) => e.kind === 'payment.refund-abnormal')).toEqual([]);
    expect(bo.payment.order(s.outTradeNo)!.refunds).toHaveLength(1);
  });

  it('a refund still processing stays open; the gateway’s REFUND.ABNORMAL notification settles it at once (queried, not trusted)', async () => {
    const notes: PaymentNotification[] = [];
    const receiver = await startNotifyReceiver({ onNotification: (note) => notes.push(note) });
    try {
      bo.payment.configure({ refundProcessingMs: 700, notifyUrl: receiver.url });
      const s = interruptedSession({ paid: true });
      await create(s.outTradeNo);
      bo.payment.pay(s.outTradeNo);
      bo.payment.refundsEndAbnormal(s.outTradeNo);
      // the next try would be a minute away
      const r = new Recovery({ journal, gateway: clients.payment!, his: clients.his!, facts: { hospitalRegistration: registrationFacts }, retry: { firstMs: 60_000, maxMs: 60_000 } });
      running.push(r);
      const report = await r.start();
      expect(report.stillOpen).toEqual([s.outTradeNo]);
      expect(journal.payments.get(s.outTradeNo).state).toBe('refunding');
      // not a notification for an order recovery holds: ignored
      expect(r.notified({ id: 'X', eventType: 'REFUND.ABNORMAL', outTradeNo: 'SOMEONEELSE1', amountFen: 1, createTime: '' })).toBe(false);
      const note = await eventually('REFUND.ABNORMAL notified', () => notes.find((x) => x.eventType === 'REFUND.ABNORMAL'), 3_000);
      expect(r.notified(note)).toBe(true);
      await r.whenSettled();
      expect(journal.payments.get(s.outTradeNo)).toMatchObject({ state: 'refund-abnormal', refundNo: refundNoFor(s.outTradeNo) });
      expect(journal.outbox.claim({ limit: 50 }).map((e) => e.kind)).toContain('payment.refund-abnormal');
    } finally {
      await receiver.close();
    }
  });

  describe('places the HIS holds for an interrupted registration (锁号 without 确认挂号)', () => {
    it('stopped while locking, before any order: the place is released by key before the session is ended', async () => {
      const s = interruptedSession({ locked: true, order: false });
      await lockAt(s.key);
      expect(lockStatus(s.key)).toBe('held');
      const report = await recovery().start();
      expect(report).toMatchObject({ sessionsRecovered: 1, orders: [], locksToRelease: [] });
      expect(lockStatus(s.key)).toBe('released');
      // the lock request may still have been on the wire: it takes no place afterwards
      expect(await clients.his!.lockSlot({ idempotencyKey: s.key, patient: PATIENT, slotId: slot(), holdSeconds: 600 })).toEqual({ outcome: 'conflict', reason: 'key-reused' });
      expect(journal.sessions.get(s.sessionId).state).toMatchObject({ zizhuRecovered: { heldSlotLock: s.key } });
    });

    it('locked and not paid: the order is closed and the place released', async () => {
      const s = interruptedSession({ locked: true });
      await lockAt(s.key);
      await create(s.outTradeNo);
      await recovery().start();
      expect(journal.payments.get(s.outTradeNo).state).toBe('closed');
      expect(lockStatus(s.key)).toBe('released');
    });

    it('locked and paid, not confirmed: refunded (the screen never said "registered"), and the place released — never booked late', async () => {
      const s = interruptedSession({ locked: true, paid: true });
      await lockAt(s.key);
      await create(s.outTradeNo);
      bo.payment.pay(s.outTradeNo);
      await recovery().start();
      expect(journal.payments.get(s.outTradeNo).state).toBe('refunded');
      expect(bo.payment.order(s.outTradeNo)?.refundedFen).toBe(5000);
      expect(lockStatus(s.key)).toBe('released');
      expect(bo.his.ledger().bookings).toEqual([]);
    });

    it('confirmed just before the stop: used, and the booking stays (a release never cancels)', async () => {
      const s = interruptedSession({ locked: true, paid: true });
      await lockAt(s.key);
      await create(s.outTradeNo);
      bo.payment.pay(s.outTradeNo);
      await clients.his!.confirmRegistration({ idempotencyKey: s.key, paymentOrderNo: s.outTradeNo });
      await recovery().start();
      expect(journal.payments.get(s.outTradeNo).state).toBe('used');
      expect(bo.his.ledger().bookings.map((b) => b.status)).toEqual(['booked']);
      expect(lockStatus(s.key)).toBe('confirmed');
    });

    it('a release the HIS does not answer keeps the order open (or, without an order, is retried) until it gets through', async () => {
      const withOrder = interruptedSession({ locked: true });
      await lockAt(withOrder.key);
      await create(withOrder.outTradeNo);
      const without = interruptedSession({ locked: true, order: false });
      await lockAt(without.key);
      bo.his.injectFault({ route: 'releaseSlot', mode: 'error', status: 503, times: 2 });
      const r = recovery();
      const report = await r.start();
      expect(report.locksToRelease.length + report.stillOpen.length).toBe(2);
      expect(journal.sessions.listOpen()).toEqual([]);
      await r.whenSettled();
      expect(lockStatus(withOrder.key)).toBe('released');
      expect(lockStatus(without.key)).toBe('released');
      expect(journal.payments.get(withOrder.outTradeNo).state).toBe('closed');
    });

    it('a session whose place was already given back (no lock in its snapshot) is not released again', async () => {
      const s = interruptedSession({ locked: false, order: false });
      // counts any release request that reaches the HIS
      bo.his.injectFault({ route: 'releaseSlot', mode: 'delay', ms: 0, times: 5 });
      await recovery().start();
      expect(bo.his.activeFaults()).toEqual([expect.objectContaining({ route: 'releaseSlot', hits: 0 })]);
      expect(journal.sessions.get(s.sessionId).outcome).toBe('recovered');
    });
  });

  it('marks print jobs whose outcome is unknown as not delivered, never to be printed again', async () => {
    const s = interruptedSession({ paid: true });
    journal.printJobs.create({ id: `${s.sessionId}-slip-1`, kind: 'registration-slip', sessionId: s.sessionId });
    journal.printJobs.update(`${s.sessionId}-slip-1`, { status: 'printing' });
    const report = await recovery().start();
    expect(report.printJobsFailed).toBe(1);
    expect(journal.printJobs.get(`${s.sessionId}-slip-1`)).toMatchObject({ status: 'failed', fault: 'PRINT_NOT_DELIVERED' });
    expect(journal.outbox.claim({ limit: 20 }).find((e) => e.kind === 'print.not_delivered')?.payload).toMatchObject({ mayHavePrinted: true });
  });
});
