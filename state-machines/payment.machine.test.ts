import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { RefundQuery } from '../backends/payment/types.ts';
import {
  createPaymentMachine,
  isMerchantOrderNo,
  merchantOrderNo,
  paymentView,
  refundNoFor,
  type PaymentInput,
  type RefundInput,
  type PaymentLedgerState,
  type PaymentOutput,
  type PaymentRecordChange,
} from './payment.machine.ts';
import { modelPaths, replay, T0, type ModelSpec, type PendingCall } from './testing/model-paths.ts';
import { afterActing, FakeGateway, FakePaymentJournal, gate, paymentImplementations, rejected, settle, timeoutError } from './testing/fake-backends.ts';

const SESSION = '7f0c2a4e-93b1-4d5e-a6f7-0123456789ab';
const NO = merchantOrderNo(SESSION, 1);
const be = (kind: string, outcome: string, code: string) => ({ kind, outcome, code, message: code });
const query = (tradeState: string) => ({ output: { outTradeNo: NO, tradeState, amountFen: 5000, ...(tradeState === 'SUCCESS' ? { transactionId: 'TX1' } : {}) } });
const refundAnswer = (status: string) => ({ output: { outRefundNo: refundNoFor(NO), outTradeNo: NO, status, amountFen: 5000 } });

/** The journal's rules for a payment row (runtime/journal PaymentJournal): what a record sequence must respect. */
const FINAL: PaymentLedgerState[] = ['used', 'closed', 'refunded', 'refund-abnormal'];
function checkLedger(records: PaymentRecordChange[], refundJournaled: boolean, refundCalled: boolean): void {
  let state: PaymentLedgerState = 'journaled';
  for (const r of records) {
    if (FINAL.includes(state) && r.state !== state) throw new Error(`ledger left final ${state} for ${r.state}`);
    if (r.state === 'used' && state !== 'paid') throw new Error(`used after ${state}, not after paid`);
    // refunded by us: with the journaled number; refunded elsewhere (the query says REFUND): no number, no call of ours
    if (r.state === 'refunded' && r.refundNo !== undefined && !refundJournaled) throw new Error('refunded without a journaled refund number');
    if (r.state === 'refunded' && r.refundNo === undefined && refundCalled) throw new Error('refunded by us but recorded without the refund number');
    // the gateway gave our refund up: only after our refund call, with the journaled number
    if (r.state === 'refund-abnormal' && (!refundJournaled || !refundCalled || r.refundNo !== refundNoFor(NO))) throw new Error('refund-abnormal without our journaled refund');
    state = r.state;
  }
}

let records: PaymentRecordChange[] = [];

function paymentSpec(input: PaymentInput): ModelSpec {
  return {
    model: createPaymentMachine(() => T0),
    sut: (now) => createPaymentMachine(now).provide({ actions: { recordPayment: (_: unknown, p: PaymentRecordChange) => records.push(p) } }),
    reset: () => {
      records = [];
    },
    input,
    // one outcome per distinct next state where several lead to the same one (a parallel edge
    // multiplies every path through it); the rest are focused tests below
    outcomes: {
      journalOrder: [{ output: { outTradeNo: NO } }, { error: new Error('disk full') }],
      createNativeOrder: [{ output: { codeUrl: 'weixin://wxpay/bizpayurl?pr=X' } }, { error: be('timeout', 'unknown', 'ETIMEDOUT') }, { error: be('unavailable', 'not-done', 'ECONNREFUSED') }],
      micropay: [{ output: { tradeState: 'SUCCESS', transactionId: 'TX1' } }, { error: be('timeout', 'unknown', 'ETIMEDOUT') }, { error: be('rejected', 'not-done', 'NOT_ENOUGH') }],
      queryOrder: [query('SUCCESS'), query('NOTPAY'), query('CLOSED'), query('REFUND'), query('PAYERROR')],
      closeOrder: [{ output: undefined }, { error: be('rejected', 'not-done', 'ORDER_PAID') }, { error: be('timeout', 'unknown', 'ETIMEDOUT') }],
      journalRefund: [{ output: { refundNo: refundNoFor(NO) } }, { error: new Error('disk full') }],
      refund: [refundAnswer('SUCCESS'), refundAnswer('PROCESSING'), refundAnswer('ABNORMAL')],
      queryRefund: [refundAnswer('SUCCESS'), refundAnswer('PROCESSING'), refundAnswer('ABNORMAL'), { error: be('rejected', 'not-done', 'REFUND_NOT_EXIST') }],
    },
    events: () => [
      { type: 'METHOD_CHOSEN', method: 'nativeQr' },
      { type: 'METHOD_CHOSEN', method: 'paymentCode' },
      { type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' },
      { type: 'PAYMENT_CODE_SCANNED', code: 'hello' },
      { type: 'CANCEL' },
      { type: 'MARK_USED' },
      { type: 'REFUND_REQUESTED', reason: '挂号未成功' },
    ],
    abstract: (c) => ({ m: c.method, cr: c.cancelRequested, f: c.final, p: c.wasPaid, rn: c.refundNo !== null }),
    check: (sut, calls) => checkEffectOrder(sut.context, calls),
  };
}

/** Journal before gateway: no create/charge before a journalOrder resolved, no refund before journalRefund resolved. */
function checkEffectOrder(context: Record<string, unknown>, calls: readonly PendingCall[]): void {
  const resolvedAt = (src: string) => calls.filter((c) => c.src === src && c.settledAs === 'resolved').map((c) => c.settledSeq!);
  for (const c of calls) {
    if (c.src === 'createNativeOrder' || c.src === 'micropay') {
      if (!resolvedAt('journalOrder').some((s) => s < c.seq)) throw new Error(`${c.src} was called before the order number was journaled`);
    }
    if (c.src === 'refund') {
      if (!resolvedAt('journalRefund').some((s) => s < c.seq)) throw new Error('refund was called before the refund number was journaled');
      if ((c.input as { outRefundNo: string }).outRefundNo !== refundNoFor(NO)) throw new Error('refund number changed');
    }
  }
  // money rule: an order that was paid never ends 'closed' or 'none'
  if (context.wasPaid && (context.final === 'closed' || context.final === 'none')) throw new Error(`a paid order ended ${String(context.final)}`);
  checkLedger(
    records,
    calls.some((c) => c.src === 'journalRefund' && c.settledAs === 'resolved'),
    calls.some((c) => c.src === 'refund'),
  );
}

describe('payment machine: model-based (all simple paths)', () => {
  const cases: [string, PaymentInput][] = [
    ['method chosen on the payment screen', { sessionId: SESSION, amountFen: 5000, description: '挂号费 内科 王医生' }],
    ['refund mode (reconciliation)', { sessionId: SESSION, amountFen: 5000, description: '挂号费 内科 王医生', outTradeNo: NO, method: 'nativeQr', settle: { refundReason: '挂号未成功' } }],
  ];
  for (const [name, input] of cases) {
    it(`${name}: the running machine follows the model on every path, journals before each gateway effect and never closes a paid order`, async () => {
      const spec = paymentSpec(input);
      const paths = modelPaths(spec);
      expect(paths.length).toBeGreaterThan(20);
      const finals = new Set<string>();
      for (const path of paths) {
        const { final } = await replay(spec, path);
        if (final.status === 'done') finals.add((final.output as PaymentOutput).final);
      }
      if (!input.settle) expect([...finals].sort()).toEqual(['closed', 'none', 'pending', 'refund-abnormal', 'refunded', 'used']);
      else expect([...finals].sort(), [...finals].join()).toEqual(['closed', 'pending', 'refund-abnormal', 'refunded']);
    });
  }

  it('the model check can fail: a machine that forgets a cancel during create is caught', async () => {
    const spec = paymentSpec({ sessionId: SESSION, amountFen: 5000, description: '挂号费', method: 'nativeQr' });
    const broken: ModelSpec = { ...spec, sut: (now) => createPaymentMachine(now).provide({ guards: { cancelRequested: () => false } }) };
    // paths where the patient cancels while the create call is in flight
    const paths = modelPaths(spec).filter((p) => p.steps.some((s, i) => s.event.type === 'CANCEL' && i > 0 && p.steps[i - 1]!.state.value === 'creatingNativeOrder'));
    expect(paths.length).toBeGreaterThan(0);
    let failures = 0;
    for (const path of paths) await replay(broken, path).catch(() => failures++);
    expect(failures).toBeGreaterThan(0);
  });
});

// ───────────────────────────── focused tests ─────────────────────────────

function run(input: Partial<PaymentInput> & { method?: PaymentInput['method'] }, opts: { gw?: FakeGateway; journal?: FakePaymentJournal; hold?: Record<string, Promise<void>> } = {}) {
  const log: string[] = [];
  const gw = opts.gw ?? new FakeGateway(log);
  const journal = opts.journal ?? new FakePaymentJournal(gw.log);
  const clock = new SimulatedClock();
  clock.set(T0);
  const machine = createPaymentMachine(() => clock.now()).provide(paymentImplementations(gw, journal, opts.hold));
  const actor = createActor(machine, { clock, input: { sessionId: SESSION, amountFen: 5000, description: '挂号费 内科 王医生', ...input } as PaymentInput });
  actor.start();
  return { actor, gw, journal, clock, machine, log: gw.log };
}

describe('payment machine: money rules', () => {
  it('journals the order number before the create call, and the create waits for the journal', async () => {
    const journalWrite = gate();
    const { actor, log } = run({ method: 'nativeQr' }, { hold: { journalOrder: journalWrite.wait } });
    await settle();
    expect(actor.getSnapshot().value).toBe('journalingOrder');
    expect(log).toEqual([]); // the journal has not finished: nothing went to the gateway
    journalWrite.open();
    await settle();
    expect(log.slice(0, 2)).toEqual([`journalOrder ${NO}`, `createNativeOrder ${NO}`]);
    expect(actor.getSnapshot().context.codeUrl).toContain(NO);
  });

  it('a payment code is journaled before the charge, and a bad scan is refused without a call', async () => {
    const { actor, log } = run({ method: 'paymentCode' });
    actor.send({ type: 'PAYMENT_CODE_SCANNED', code: 'https://example.cn/not-a-code' });
    await settle();
    expect(actor.getSnapshot().context.badCode).toBe(true);
    expect(log).toEqual([]);
    actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    expect(log.slice(0, 2)).toEqual([`journalOrder ${NO}`, `micropay ${NO}`]);
    expect(actor.getSnapshot().value).toBe('paid');
    expect(actor.getSnapshot().context.authCode).toBeNull(); // the credential is not kept once charged
  });

  it('an unknown create result is queried, never assumed: timeout after the gateway acted → query → paid', async () => {
    const gw = new FakeGateway();
    gw.fail('createNativeOrder', afterActing(timeoutError()));
    const { actor, journal, clock } = run({ method: 'nativeQr' }, { gw });
    await settle();
    expect(actor.getSnapshot().matches('awaiting')).toBe(true);
    expect(journal.records.at(-1)?.state).toBe('unknown');
    gw.pay(NO); // the order exists at the gateway although the kiosk never saw the code url
    clock.increment(1_000); // the next query
    await settle();
    expect(gw.log).toContain(`queryOrder ${NO}`);
    expect(actor.getSnapshot().value).toBe('paid');
    actor.send({ type: 'MARK_USED' });
    expect(actor.getSnapshot().output).toMatchObject({ outTradeNo: NO, final: 'used', wasPaid: true, transactionId: expect.stringMatching(/^TX/) });
  });

  it('USERPAYING keeps querying with backoff until the patient confirms', async () => {
    const gw = new FakeGateway();
    gw.micropayResult = 'USERPAYING';
    const { actor, clock, log } = run({ method: 'paymentCode' }, { gw });
    actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    const queries = () => log.filter((l) => l.startsWith('queryOrder')).length;
    expect(queries()).toBe(1);
    clock.increment(1_000);
    await settle();
    clock.increment(2_000);
    await settle();
    expect(queries()).toBe(3);
    expect(actor.getSnapshot().matches('awaiting')).toBe(true);
    gw.pay(NO);
    clock.increment(3_000);
    await settle();
    expect(actor.getSnapshot().value).toBe('paid');
  });

  it('deadline → close → ORDER_PAID → it is paid (late success), confirmed by query', async () => {
    const gw = new FakeGateway();
    const { actor, clock, log } = run({ method: 'nativeQr', deadlineSeconds: 60 }, { gw });
    await settle();
    // the patient pays in the last second; the kiosk has not queried since
    clock.increment(59_000);
    await settle();
    expect(actor.getSnapshot().matches('awaiting')).toBe(true);
    gw.pay(NO);
    clock.increment(1_000);
    await settle();
    // the close comes back ORDER_PAID; the query that confirms it says SUCCESS
    expect(log.slice(-3)).toEqual([`closeOrder ${NO}`, `queryOrder ${NO}`, `record ${NO} paid`]);
    expect(actor.getSnapshot().value).toBe('paid');
    expect(actor.getSnapshot().context.endReason).toBe('deadline');
    expect(log.filter((l) => l.startsWith('queryOrder')).length).toBeGreaterThanOrEqual(2);
  });

  it('not paid by the deadline → closed (final), the ledger says closed', async () => {
    const { actor, clock, journal } = run({ method: 'nativeQr', deadlineSeconds: 30 });
    await settle();
    for (let i = 0; i < 12; i++) {
      clock.increment(5_000);
      await settle();
    }
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toMatchObject({ final: 'closed', reason: 'deadline', wasPaid: false });
    expect(journal.records.map((r) => r.state)).toEqual(['awaiting-payment', 'closing', 'closed']);
  });

  it('cancel before payment closes the order; cancel after payment refunds it', async () => {
    const before = run({ method: 'nativeQr' });
    await settle();
    before.actor.send({ type: 'CANCEL' });
    await settle();
    expect(before.actor.getSnapshot().output).toMatchObject({ final: 'closed', reason: 'cancelled' });
    expect(before.log.some((l) => l.startsWith('refund'))).toBe(false);

    const after = run({ method: 'paymentCode' });
    after.actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    expect(after.actor.getSnapshot().value).toBe('paid');
    after.actor.send({ type: 'CANCEL' });
    await settle();
    expect(after.actor.getSnapshot().output).toMatchObject({ final: 'refunded', reason: 'cancelled', wasPaid: true, refundNo: refundNoFor(NO) });
    expect(after.gw.netFen(NO)).toBe(0);
    const refundLog = after.log.filter((l) => l.startsWith('journalRefund') || l.startsWith('refund '));
    expect(refundLog).toEqual([`journalRefund ${NO} ${refundNoFor(NO)}`, `refund ${NO} ${refundNoFor(NO)}`]);
  });

  it('cancel while the create call is in flight: the create finishes, then the order is closed; paid meanwhile → refunded', async () => {
    const create = gate();
    const gw = new FakeGateway();
    const { actor } = run({ method: 'nativeQr' }, { gw, hold: { createNativeOrder: create.wait } });
    await settle();
    actor.send({ type: 'CANCEL' });
    create.open();
    await settle();
    expect(gw.log).toContain(`closeOrder ${NO}`);
    expect(actor.getSnapshot().output).toMatchObject({ final: 'closed', reason: 'cancelled' });

    const gw2 = new FakeGateway();
    gw2.fail('closeOrder', timeoutError());
    const second = run({ method: 'nativeQr' }, { gw: gw2 });
    await settle();
    second.actor.send({ type: 'CANCEL' });
    gw2.pay(NO); // paid while the close was failing
    await settle();
    second.clock.increment(1_000);
    await settle(10);
    expect(second.actor.getSnapshot().output).toMatchObject({ final: 'refunded', reason: 'cancelled', wasPaid: true });
    expect(gw2.netFen(NO)).toBe(0);
  });

  it('a cancel during journaling never reaches the gateway', async () => {
    const journalWrite = gate();
    const { actor, log, journal } = run({ method: 'nativeQr' }, { hold: { journalOrder: journalWrite.wait } });
    actor.send({ type: 'CANCEL' });
    journalWrite.open();
    await settle();
    expect(log).toEqual([`journalOrder ${NO}`, `record ${NO} closed`]);
    expect(actor.getSnapshot().output).toMatchObject({ final: 'closed', reason: 'cancelled' });
    expect(journal.records).toEqual([{ outTradeNo: NO, state: 'closed', detail: 'cancelled' }]);
  });

  it('refund: PROCESSING is queried until SUCCESS; the refund number is the same on every call', async () => {
    const gw = new FakeGateway();
    gw.refundAnswer = 'PROCESSING';
    gw.fail('queryRefund', timeoutError());
    const { actor, clock, log } = run({ method: 'paymentCode' }, { gw });
    actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    actor.send({ type: 'REFUND_REQUESTED', reason: '挂号未成功' });
    await settle();
    expect(actor.getSnapshot().matches({ refunding: 'pausing' })).toBe(true);
    clock.increment(1_000);
    await settle();
    clock.increment(2_000);
    await settle();
    expect(actor.getSnapshot().output).toMatchObject({ final: 'refunded', reason: 'refund-requested', refundNo: refundNoFor(NO) });
    const numbers = log.filter((l) => /^(refund|queryRefund|journalRefund) /.test(l)).map((l) => l.split(' ').at(-1));
    expect(new Set(numbers)).toEqual(new Set([refundNoFor(NO)]));
  });

  it('a refund the gateway gives up (ABNORMAL) ends final "refund-abnormal" — not refunded, not pending — and is never asked again', async () => {
    const gw = new FakeGateway();
    gw.refundAnswer = 'PROCESSING';
    const { actor, clock, journal, log } = run({ method: 'paymentCode' }, { gw });
    actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    actor.send({ type: 'REFUND_REQUESTED', reason: '挂号未成功' });
    await settle();
    expect(actor.getSnapshot().matches({ refunding: 'pausing' })).toBe(true);
    // the payer's card is closed: the gateway ends the refund ABNORMAL
    gw.refunds.get(refundNoFor(NO))!.status = 'ABNORMAL';
    clock.increment(1_000);
    await settle();
    const snap = actor.getSnapshot();
    expect(snap.value).toBe('refundAbnormal');
    expect(snap.status).toBe('done');
    expect(snap.output).toMatchObject({ final: 'refund-abnormal', wasPaid: true, refundNo: refundNoFor(NO), reason: 'refund-requested', failure: { code: 'REFUND_ABNORMAL' } });
    expect(journal.records.at(-1)).toMatchObject({ state: 'refund-abnormal', refundNo: refundNoFor(NO) });
    expect(journal.records.some((r) => r.state === 'refunded')).toBe(false);
    // the screen: not "refunded"; the bridge's pending with the reason
    expect(paymentView(snap)).toMatchObject({ final: 'refund-abnormal', failureCode: 'REFUND_ABNORMAL' });
    const calls = log.length;
    clock.increment(600_000);
    await settle();
    expect(log.length).toBe(calls);
  });

  it('an ABNORMAL answer to the refund call itself ends refund-abnormal at once', async () => {
    const gw = new FakeGateway();
    const journal = new FakePaymentJournal(gw.log);
    const impl = paymentImplementations(gw, journal);
    const machine = createPaymentMachine(() => T0).provide({
      ...impl,
      actors: { ...impl.actors, refund: fromPromise<RefundQuery, RefundInput>(async ({ input }) => ({ outRefundNo: input.outRefundNo, outTradeNo: input.outTradeNo, status: 'ABNORMAL', amountFen: input.amountFen })) },
    });
    const actor = createActor(machine, { input: { sessionId: SESSION, amountFen: 5000, description: '挂号费', method: 'paymentCode' } }).start();
    actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    actor.send({ type: 'CANCEL' });
    await settle();
    expect(actor.getSnapshot().output).toMatchObject({ final: 'refund-abnormal', reason: 'cancelled', refundNo: refundNoFor(NO) });
    expect(journal.records.map((r) => r.state)).toEqual(['paid', 'refund-abnormal']);
    expect(gw.log.filter((l) => l.startsWith('queryRefund'))).toEqual([]);
  });

  it('a refund not confirmed in time ends "pending" with the ledger left unfinished for reconciliation', async () => {
    const gw = new FakeGateway();
    const { actor, clock, journal } = run({ method: 'paymentCode', settleWaitSeconds: 10 }, { gw });
    actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    for (let i = 0; i < 10; i++) gw.fail('refund', timeoutError());
    for (let i = 0; i < 10; i++) gw.fail('queryRefund', timeoutError());
    actor.send({ type: 'REFUND_REQUESTED', reason: '挂号未成功' });
    for (let i = 0; i < 8; i++) {
      clock.increment(2_000);
      await settle();
    }
    expect(actor.getSnapshot().output).toMatchObject({ final: 'pending', wasPaid: true });
    expect(journal.records.at(-1)).toMatchObject({ state: 'refunding' });
    expect(journal.records.some((r) => FINAL.includes(r.state))).toBe(false);
  });

  it('refund number and remaining deadline survive a restore mid-refund (getPersistedSnapshot → createActor({ snapshot }))', async () => {
    const gw = new FakeGateway();
    const journal = new FakePaymentJournal(gw.log);
    const first = run({ method: 'paymentCode', settleWaitSeconds: 60 }, { gw, journal });
    first.actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    gw.fail('refund', afterActing(timeoutError())); // the gateway refunded, the answer was lost
    first.actor.send({ type: 'REFUND_REQUESTED', reason: '挂号未成功' });
    await settle();
    expect(first.actor.getSnapshot().matches({ refunding: 'pausing' })).toBe(true);
    const settleDeadline = first.actor.getSnapshot().context.settleDeadline!;
    first.clock.increment(500); // 0.5 s into the pause
    const persisted = JSON.parse(JSON.stringify(first.actor.getPersistedSnapshot()));
    first.actor.stop(); // power cut

    // the gateway stays down for a while after the restart
    for (let i = 0; i < 30; i++) gw.fail('queryRefund', timeoutError());
    const clock = new SimulatedClock();
    clock.set(first.clock.now() + 20_000); // the agent came back 20 s later
    const machine = createPaymentMachine(() => clock.now()).provide(paymentImplementations(gw, journal));
    const restored = createActor(machine, { clock, snapshot: persisted, input: undefined as never });
    restored.start();
    restored.send({ type: 'zizhu.resume' });
    await settle();
    expect(restored.getSnapshot().context.refundNo).toBe(refundNoFor(NO));
    expect(restored.getSnapshot().context.settleDeadline).toBe(settleDeadline);
    // resumes with the time that was left: 60 s − 20.5 s
    while (clock.now() + 5_000 < settleDeadline) {
      clock.increment(5_000);
      await settle();
    }
    expect(restored.getSnapshot().status).toBe('active');
    clock.set(settleDeadline);
    await settle();
    expect(restored.getSnapshot().output).toMatchObject({ final: 'pending', refundNo: refundNoFor(NO) });
    const numbers = gw.log.filter((l) => /^(refund|queryRefund) /.test(l)).map((l) => l.split(' ').at(-1));
    expect(new Set(numbers)).toEqual(new Set([refundNoFor(NO)]));
    expect(gw.refunds.size).toBe(1);
  });

  it('a restored order resumes with the payment time that was left', async () => {
    const first = run({ method: 'nativeQr', deadlineSeconds: 180 });
    await settle();
    const deadline = first.actor.getSnapshot().context.paymentDeadline!;
    expect(deadline).toBe(T0 + 180_000);
    first.clock.increment(100_000);
    await settle();
    const persisted = first.actor.getPersistedSnapshot();
    first.actor.stop();
    const clock = new SimulatedClock();
    clock.set(first.clock.now());
    const restored = createActor(createPaymentMachine(() => clock.now()).provide(paymentImplementations(first.gw, first.journal)), { clock, snapshot: persisted, input: undefined as never });
    restored.start();
    restored.send({ type: 'zizhu.resume' });
    await settle();
    clock.increment(79_000);
    await settle();
    expect(restored.getSnapshot().matches('awaiting')).toBe(true);
    clock.increment(1_000);
    await settle();
    expect(first.gw.log).toContain(`closeOrder ${NO}`);
    expect(restored.getSnapshot().output).toMatchObject({ final: 'closed', reason: 'deadline' });
  });

  it('a payment notification makes it query at once (and is never trusted alone)', async () => {
    const { actor, gw, clock, log } = run({ method: 'nativeQr' });
    await settle();
    clock.increment(1_000);
    await settle();
    const before = log.filter((l) => l.startsWith('queryOrder')).length;
    actor.send({ type: 'PAYMENT_NOTIFIED', outTradeNo: NO });
    await settle();
    expect(log.filter((l) => l.startsWith('queryOrder')).length).toBe(before + 1);
    expect(actor.getSnapshot().matches('awaiting')).toBe(true); // not paid: the query says NOTPAY
    gw.pay(NO);
    actor.send({ type: 'PAYMENT_NOTIFIED', outTradeNo: NO });
    await settle();
    expect(actor.getSnapshot().value).toBe('paid');
  });

  it('a declined payment code closes the order and says why', async () => {
    const gw = new FakeGateway();
    gw.micropayResult = 'NOT_ENOUGH';
    const { actor } = run({ method: 'paymentCode' }, { gw });
    actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    expect(actor.getSnapshot().output).toMatchObject({ final: 'closed', reason: 'declined', wasPaid: false, failure: { code: 'NOT_ENOUGH' } });
  });

  it('refund mode settles an order left behind: paid → refunded, unpaid → closed', async () => {
    const gw = new FakeGateway();
    gw.createNativeOrder({ outTradeNo: NO, amountFen: 5000, description: 'x', expiresAt: '' });
    gw.pay(NO);
    const journal = new FakePaymentJournal(gw.log);
    journal.journalOrder({ outTradeNo: NO, amountFen: 5000, method: 'nativeQr', sessionId: SESSION, deadlineAt: null });
    const paidOne = run({ outTradeNo: NO, method: 'nativeQr', settle: { refundReason: '挂号未成功' } }, { gw, journal });
    await settle(10);
    expect(paidOne.actor.getSnapshot().output).toMatchObject({ final: 'refunded', wasPaid: true });
    expect(gw.netFen(NO)).toBe(0);

    const other = merchantOrderNo(SESSION, 2);
    gw.createNativeOrder({ outTradeNo: other, amountFen: 5000, description: 'x', expiresAt: '' });
    journal.journalOrder({ outTradeNo: other, amountFen: 5000, method: 'nativeQr', sessionId: SESSION, deadlineAt: null });
    const unpaid = run({ outTradeNo: other, method: 'nativeQr', settle: { refundReason: '挂号未成功' } }, { gw, journal });
    await settle(10);
    expect(unpaid.actor.getSnapshot().output).toMatchObject({ final: 'closed', wasPaid: false });
    expect(gw.log.filter((l) => l.startsWith('refund ')).length).toBe(1);
  });

  it('without a method chosen it waits on the method screen; an unknown method is ignored', () => {
    const { actor } = run({ methods: ['nativeQr', 'paymentCode'] });
    expect(actor.getSnapshot().value).toBe('choosingMethod');
    actor.send({ type: 'METHOD_CHOSEN', method: 'cash' as never });
    expect(actor.getSnapshot().value).toBe('choosingMethod');
    const single = run({ methods: ['paymentCode'] });
    expect(single.actor.getSnapshot().value).toBe('waitingForPaymentCode');
    single.actor.send({ type: 'METHOD_CHOSEN', method: 'nativeQr' });
    expect(single.actor.getSnapshot().value).toBe('waitingForPaymentCode');
  });

  it('refuses a bad amount or order number at the start, in words', () => {
    const clock = new SimulatedClock();
    const m = createPaymentMachine(() => clock.now());
    expect(createActor(m, { input: { sessionId: SESSION, amountFen: 0, description: 'x' } }).getSnapshot().error).toMatchObject({ message: expect.stringContaining('positive whole number of fen') });
    expect(createActor(m, { input: { sessionId: SESSION, amountFen: 100, description: 'x', outTradeNo: 'has space' } }).getSnapshot().error).toMatchObject({
      message: expect.stringContaining('1–32 characters'),
    });
  });
});

describe('merchant order numbers', () => {
  it('are deterministic, ≤ 32 characters of [A-Za-z0-9_-], and differ per attempt and session', () => {
    const a = merchantOrderNo(SESSION, 1);
    expect(a).toBe(merchantOrderNo(SESSION, 1));
    expect(isMerchantOrderNo(a)).toBe(true);
    expect(merchantOrderNo(SESSION, 2)).not.toBe(a);
    expect(merchantOrderNo(SESSION.replace('7f0c', '7f0d'), 1)).not.toBe(a);
    expect(merchantOrderNo('kiosk-sz-0001-session-0000000000001', 999).length).toBeLessThanOrEqual(32);
    expect(merchantOrderNo('kiosk-sz-0001-session-0000000000001', 1)).not.toBe(merchantOrderNo('kiosk-sz-0001-session-0000000000002', 1));
    expect(merchantOrderNo('short-1', 3)).toBe('short1P3');
    expect(() => merchantOrderNo(SESSION, 0)).toThrow(/attempt must be 1–999/);
    expect(() => merchantOrderNo('——', 1)).toThrow(/no letters or digits/);
  });

  it('refund numbers derive from the order number and stay within the gateway limit', () => {
    expect(refundNoFor(NO)).toBe(`${NO}R1`);
    expect(refundNoFor(NO).length).toBeLessThanOrEqual(64);
  });

  it('a failed query keeps the order open (nothing assumed); only a refusal code closes it as declined', async () => {
    const gw = new FakeGateway();
    gw.fail('queryOrder', timeoutError(), rejected('SYSTEMERROR'), rejected('NOT_ENOUGH'));
    const { actor, clock } = run({ method: 'nativeQr' }, { gw });
    await settle();
    clock.increment(1_000);
    await settle();
    expect(actor.getSnapshot().matches('awaiting')).toBe(true);
    clock.increment(2_000);
    await settle();
    expect(actor.getSnapshot().output).toMatchObject({ final: 'closed', reason: 'declined', failure: { code: 'NOT_ENOUGH' } });
  });
});
