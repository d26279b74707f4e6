import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createActor, toPromise } from 'xstate';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import type { PaymentGateway } from '../../backends/payment/types.ts';
import { eventually } from '../../backends/test-helpers.ts';
import { openJournal, type Journal } from '../journal/journal.ts';
import { backOfficeForSimulators } from './back-office.ts';
import { createFlowRuntime, type FlowRuntime } from './runtime.ts';
import { TransitionWrites } from './transition-writes.ts';
import { paymentImplementations } from './payment-actors.ts';
import { createPaymentMachine, refundNoFor } from '../../state-machines/payment.machine.ts';
import type { HostedSession } from '../sessions/session-host.ts';
import { NOON_SHANGHAI, pinnedNow } from '../../tests/pinned-clock.ts';

const CARD = { name: '张测试', idNumber: '110101199003071233', idNumberValid: true };

let dir: string;
let journal: Journal;
let bo: BackOffice;
let flows: FlowRuntime | undefined;
/** the kiosk's and the back offices' clock: noon in Shanghai (the hospital's slots are open), whenever this runs */
let now = pinnedNow(NOON_SHANGHAI);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zizhu-flows-'));
  journal = openJournal({ path: join(dir, 'journal.sqlite') });
  now = pinnedNow(NOON_SHANGHAI);
  bo = await startBackOffice({ now, payment: { refundProcessingMs: 10, userPayingMs: 20 } });
});
afterEach(async () => {
  flows?.close();
  flows = undefined;
  if (journal.isOpen) journal.close();
  await bo.close();
  await rm(dir, { recursive: true, force: true });
});

/** What another process reading the file sees: only what was committed. */
function committed<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'journal.sqlite'), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function runtime(gateway: PaymentGateway) {
  const clients = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 500 });
  flows = createFlowRuntime({ journal, backends: { ...clients, payment: gateway }, kiosk: { id: 'test-kiosk-01', name: '测试机' }, clock: { now }, retryPauseMs: () => 10 });
  return flows;
}

const step = (s: HostedSession) => JSON.stringify(s.actor.getSnapshot().value);

/** Card → department → doctor → slot → confirm → native QR: the session is then paying. */
async function toPayment(s: HostedSession, method: 'nativeQr' | 'paymentCode' = 'nativeQr') {
  s.actor.send({ type: 'CARD_READ', card: CARD });
  await eventually('departments', () => step(s).includes('choosingDepartment'));
  s.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'NK' });
  await eventually('doctors', () => step(s).includes('choosingDoctor'));
  s.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'NK02' });
  await eventually('slots', () => step(s).includes('choosingSlot'));
  const slot = (s.actor.getSnapshot().context as { slots: { id: string; remaining: number }[] }).slots.find((x) => x.remaining > 0)!;
  s.actor.send({ type: 'SLOT_CHOSEN', slotId: slot.id });
  await eventually('fee', () => step(s).includes('confirmingFee'));
  s.actor.send({ type: 'CONFIRM' });
  await eventually('method', () => step(s).includes('choosingPaymentMethod'));
  s.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method });
}

const child = (s: HostedSession) => (s.actor.getSnapshot().children as Record<string, { getSnapshot(): { value: unknown; context: { outTradeNo: string; codeUrl: string | null } } }>).payment;

describe('the payment machine’s journal actors', () => {
  it('commits the order number with a session event and snapshot before the gateway is asked to create the order', async () => {
    const real = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 500 }).payment!;
    const seenAtCreate: unknown[] = [];
    const gateway: PaymentGateway = {
      ...real,
      createNativeOrder: (req, opts) => {
        seenAtCreate.push(
          committed((db) => ({
            row: db.prepare('SELECT state, session_id FROM payments WHERE merchant_order_no = ?').get(req.outTradeNo),
            event: db.prepare("SELECT event FROM session_events WHERE event LIKE '%zizhu.payment.journaled%' AND event LIKE ?").get(`%${req.outTradeNo}%`),
          })),
        );
        return real.createNativeOrder(req, opts);
      },
      queryOrder: (r, o) => real.queryOrder(r, o),
      closeOrder: (r, o) => real.closeOrder(r, o),
      micropay: (r, o) => real.micropay(r, o),
      refund: (r, o) => real.refund(r, o),
      queryRefund: (r, o) => real.queryRefund(r, o),
    };
    const s = runtime(gateway).startSession('hospitalRegistration');
    await toPayment(s);
    await eventually('QR shown', () => child(s)?.getSnapshot().context.codeUrl || undefined);
    expect(seenAtCreate).toHaveLength(1);
    const seen = seenAtCreate[0] as { row: { state: string; session_id: string }; event: { event: string } | undefined };
    expect(seen.row).toEqual({ state: 'journaled', session_id: s.id });
    expect(seen.event).toBeDefined();
    // the snapshot journaled with it holds the payment machine in journalingOrder
    const record = journal.sessions.events(s.id).find((e) => (e.event as { type: string }).type === 'zizhu.payment.journaled')!;
    expect(record).toBeDefined();
    s.actor.send({ type: 'CANCEL' });
    expect(await s.ended).toBe('cancelled');
    expect(journal.payments.forSession(s.id).map((p) => p.state)).toEqual(['closed']);
  });

  it('journals each payment state change in the transaction of the transition that made it', async () => {
    const gateway = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 500 }).payment!;
    const s = runtime(gateway).startSession('hospitalRegistration');
    await toPayment(s);
    await eventually('QR shown', () => child(s)?.getSnapshot().context.codeUrl || undefined);
    const no = child(s)!.getSnapshot().context.outTradeNo;
    expect(journal.payments.get(no).state).toBe('awaiting-payment');
    // the transition to awaiting is journaled (as a payment-machine event) with the row's new state
    const awaiting = journal.sessions.events(s.id).filter((e) => (e.event as { childActor?: string }).childActor === 'payment');
    expect(awaiting.length).toBeGreaterThan(0);
    bo.payment.pay(no);
    await eventually('registered', () => step(s).includes('takingSlip') || step(s).includes('slipNotPrinted'));
    expect(journal.payments.get(no).state).toBe('used');
  });

  it('is idempotent when run again for the same order (a restored snapshot re-runs it), and refuses a number journaled for someone else', async () => {
    const writes = new TransitionWrites();
    const gateway = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 500 }).payment!;
    const impl = paymentImplementations({ journal, gateway, writes, snapshotOf: () => undefined });
    journal.sessions.start({ id: 'S1', service: 'hospitalRegistration', state: {} });
    journal.sessions.start({ id: 'S2', service: 'hospitalRegistration', state: {} });
    const input = { outTradeNo: 'SESS1P1', amountFen: 5000, method: 'nativeQr' as const, sessionId: 'S1', deadlineAt: null };
    await toPromise(createActor(impl.actors.journalOrder, { input }).start());
    await toPromise(createActor(impl.actors.journalOrder, { input }).start());
    expect(journal.payments.forSession('S1')).toHaveLength(1);
    await expect(toPromise(createActor(impl.actors.journalOrder, { input: { ...input, sessionId: 'S2' } }).start())).rejects.toThrow(/already journaled/);
  });

  it('refunds in refund mode with the one stable refund number, even when the first answer is lost', async () => {
    const writes = new TransitionWrites();
    const gateway = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 500 }).payment!;
    const impl = paymentImplementations({ journal, gateway, writes, snapshotOf: () => undefined });
    journal.sessions.start({ id: 'S3', service: 'hospitalRegistration', state: {} });
    journal.payments.journal({ merchantOrderNo: 'SESS3P1', amountFen: 5000, method: 'nativeQr', sessionId: 'S3' });
    await gateway.createNativeOrder({ outTradeNo: 'SESS3P1', amountFen: 5000, description: '挂号费', expiresAt: new Date(now() + 60_000).toISOString() });
    bo.payment.pay('SESS3P1');
    bo.payment.injectFault({ route: 'refund', mode: 'unknown-result', times: 1 });
    const machine = createPaymentMachine().provide({ actors: impl.actors, actions: impl.actions, delays: { retryPause: 10 } });
    const out = await toPromise(createActor(machine, { input: { sessionId: 'S3', amountFen: 5000, description: '挂号费', outTradeNo: 'SESS3P1', settle: { refundReason: '测试' } } }).start());
    expect(out).toMatchObject({ final: 'refunded', refundNo: refundNoFor('SESS3P1') });
    expect(journal.payments.get('SESS3P1')).toMatchObject({ state: 'refunded', refundNo: refundNoFor('SESS3P1') });
    expect(bo.payment.order('SESS3P1')!.refunds).toHaveLength(1);
  });
});

describe('a refund the gateway gives up (ABNORMAL)', () => {
  it('in a live session: the payment ends refund-abnormal, the journal says so with the refund number, HQ gets payment.refund-abnormal once, nothing is left to reconcile', async () => {
    const gateway = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 500 }).payment!;
    const adopted: string[] = [];
    const clients = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 500 });
    flows = createFlowRuntime({ journal, backends: { ...clients, payment: gateway }, kiosk: { id: 'test-kiosk-01', name: '测试机' }, clock: { now }, retryPauseMs: () => 10, onUnfinishedOrder: (no) => adopted.push(no) });
    const s = flows.startSession('hospitalRegistration');
    await toPayment(s);
    await eventually('QR shown', () => child(s)?.getSnapshot().context.codeUrl || undefined);
    const no = child(s)!.getSnapshot().context.outTradeNo;
    // the hold on the place runs out just before the booking is confirmed: the fee must go back — to a closed card
    expect(await clients.his!.releaseSlot({ idempotencyKey: `${s.id}-R1` })).toEqual({ outcome: 'released' });
    bo.payment.refundsEndAbnormal(no);
    bo.payment.pay(no);
    await eventually('money not returned screen', () => step(s).includes('moneyReturned'));
    const result = (s.actor.getSnapshot().context as { payment: { final: string; wasPaid: boolean; refundNo: string } | null }).payment;
    expect(result).toMatchObject({ final: 'refund-abnormal', wasPaid: true, refundNo: refundNoFor(no) });
    expect(journal.payments.get(no)).toMatchObject({ state: 'refund-abnormal', refundNo: refundNoFor(no) });
    expect(journal.payments.get(no).finalAt).not.toBeNull();
    const events = journal.outbox.claim({ limit: 50 }).filter((e) => e.kind === 'payment.refund-abnormal');
    expect(events.map((e) => e.payload)).toEqual([expect.objectContaining({ merchantOrderNo: no, refundNo: refundNoFor(no), amountFen: bo.payment.order(no)!.amountFen, sessionId: s.id })]);
    expect(bo.payment.order(no)).toMatchObject({ charges: 1, refundedFen: 0, refundAbnormalFen: bo.payment.order(no)!.amountFen });
    s.actor.send({ type: 'DONE' });
    expect(await s.ended).toBe('not-registered');
    expect(adopted).toEqual([]);
    expect(journal.payments.listUnfinished()).toEqual([]);
    // the gateway's answer that ended the payment is in the session's audit trail
    expect(JSON.stringify(journal.sessions.events(s.id).map((e) => e.event))).toContain('"status":"ABNORMAL"');
  });
});

describe('TransitionWrites', () => {
  it('holds a hosted session’s writes for its next journaled transition and never lets a failing write break it', () => {
    const done: string[] = [];
    const warnings: string[] = [];
    const w = new TransitionWrites({ info: () => {}, warn: (m) => warnings.push(m), error: () => {} });
    w.add('A', 'not hosted', () => done.push('now'));
    expect(done).toEqual(['now']);
    w.host('A');
    w.add('A', 'first', () => done.push('first'));
    w.add('A', 'broken', () => {
      throw new Error('disk full');
    });
    w.add('A', 'second', () => done.push('second'));
    expect(w.waiting('A')).toBe(3);
    w.flush('A');
    expect(done).toEqual(['now', 'first', 'second']);
    expect(warnings.join()).toContain('broken was not journaled: disk full');
    w.add('A', 'late', () => done.push('late'));
    w.release('A');
    expect(done.at(-1)).toBe('late');
  });
});
