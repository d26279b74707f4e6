import { describe, expect, it } from 'vitest';
import { assign, createActor, fromPromise, SimulatedClock, type EventObject } from 'xstate';
import type { Registration } from '../backends/his/types.ts';
import { createPaymentMachine, merchantOrderNo, refundNoFor, type PaymentOutput } from './payment.machine.ts';
import type { PrintReceiptInput, PrintReceiptOutput, UndeliveredRecord } from './provident-fund.machine.ts';
import { createRegistrationMachine, idempotencyKeyFor, registrationView, type RegistrationInput } from './registration.machine.ts';
import { registrationSlip } from './receipts.ts';
import { doneOf, modelPaths, replay, T0, type ModelSpec, type Outcome } from './testing/model-paths.ts';
import { afterActing, DEPARTMENTS, DOCTORS, FakeGateway, FakeHis, FakePaymentJournal, paymentImplementations, rejected, settle, timeoutError } from './testing/fake-backends.ts';

const SESSION = 'reg-session-0001';
const ID = '420106199001011234';
const PATIENT = { name: '张三', idNumber: ID };
const CARD = { ...PATIENT, idNumberValid: true };
const KIOSK = { id: 'sz-renmin-hosp-lobby-03', name: '市人民医院 门诊大厅 自助挂号缴费机 3号' };
const be = (kind: string, outcome: string, code: string) => ({ kind, outcome, code, message: code });
const SLOTS = [{ id: 'S1', departmentId: 'D1', doctorId: 'DR1', date: '2025-11-25', time: '09:00-09:30', feeFen: 5000, remaining: 3 }];
const REG: Registration = {
  bookingId: 'B1',
  idempotencyKey: idempotencyKeyFor(SESSION, 1),
  departmentId: 'D1',
  departmentName: '内科',
  doctorId: 'DR1',
  doctorName: '王医生',
  slotId: 'S1',
  date: '2025-11-25',
  time: '09:00-09:30',
  queueNumber: 7,
  feeFen: 5000,
  paymentOrderNo: merchantOrderNo(SESSION, 1),
  status: 'booked',
  createdAt: '2025-11-25T09:01:00+08:00',
};
const baseInput: RegistrationInput = {
  sessionId: SESSION,
  today: '2025-11-25',
  kiosk: KIOSK,
  payment: { methods: ['nativeQr', 'paymentCode'], orderDeadlineSeconds: 180 },
};

const paymentOut = (final: PaymentOutput['final'], wasPaid: boolean, reason: PaymentOutput['reason'] = 'used'): Outcome => ({
  output: { outTradeNo: merchantOrderNo(SESSION, 1), final, amountFen: 5000, method: 'nativeQr', transactionId: wasPaid ? 'TX1' : null, refundNo: null, reason, wasPaid, failure: null },
});

type View = { value: unknown; context: Record<string, unknown> };
const flowOf = (s: View): string => {
  const f = (s.value as { session?: { flow: unknown } }).session?.flow;
  return f === undefined ? String(s.value) : typeof f === 'string' ? f : Object.entries(f as object).map(([k, v]) => `${k}.${String(v)}`)[0]!;
};

const EVENTS = [
  { type: 'CARD_READ', card: CARD },
  { type: 'MEDICAL_INSURANCE_SCANNED', code: '4243669509084040896099330000' },
  { type: 'CONTINUE' },
  { type: 'DONE' },
  { type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' },
  { type: 'DOCTOR_CHOSEN', doctorId: 'DR1' },
  { type: 'SLOT_CHOSEN', slotId: 'S1' },
  { type: 'CONFIRM' },
  { type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' },
  { type: 'PAYMENT_PAID', outTradeNo: merchantOrderNo(SESSION, 1), amountFen: 5000, transactionId: 'TX1' },
  { type: 'KEEP_EXISTING' },
  { type: 'ADD_ANYWAY' },
  { type: 'CHOOSE_ANOTHER_SLOT' },
  { type: 'RETRY' },
  { type: 'RETRY_PAYMENT' },
  { type: 'BACK' },
  { type: 'TAKEN' },
  { type: 'CANCEL' },
];

let undelivered: UndeliveredRecord[] = [];

// in the model the payment child is a stand-in (its done events come from the outcomes below); building
// the real payment machine on every modelled transition would only make the traversal slow
const modelMachine = createRegistrationMachine(() => T0).provide({ actors: { payment: fromPromise<PaymentOutput, unknown>(() => new Promise(() => {})) } as never });

function registrationSpec(over: Partial<ModelSpec>): ModelSpec {
  return {
    model: modelMachine,
    sut: (now) => createRegistrationMachine(now).provide({ actions: { recordUndelivered: (_: unknown, p: UndeliveredRecord) => undelivered.push(p) } }),
    reset: () => {
      undelivered = [];
    },
    input: baseInput,
    outcomes: {},
    events: () => EVENTS,
    abstract: (c) => ({
      o: c.outcome,
      p: c.patient !== null,
      lf: c.loadFailed,
      rr: c.refundReason,
      aa: c.allowAdditional,
      reg: c.registration !== null,
      tries: c.registerTries,
      pay: (c.payment as PaymentOutput | null)?.final ?? null,
    }),
    skipTimer: (t) => /Idle/.test(t),
    ...over,
  };
}

// the payment child as the model offers it: it finishes only the way a payment can at that step
const paymentOutcomes = (s: View): Outcome[] => {
  const step = flowOf(s);
  if (step === 'charging.markingUsed') return [paymentOut('used', true)];
  if (step === 'charging.refunding') return [paymentOut('refunded', true, 'refund-requested'), paymentOut('pending', true, 'refund-requested')];
  if (step === 'charging.paying') return [paymentOut('closed', false, 'deadline'), paymentOut('none', false, 'cancelled'), paymentOut('refunded', true, 'cancelled')];
  return []; // paid and waiting for the flow
};

const moneyChecks: ModelSpec['check'] = (sut, calls) => {
  const c = sut.context as { outcome: string | null; payment: PaymentOutput | null; registration: Registration | null; patient: unknown };
  // registered ⇔ the payment was used, and a used payment always has its registration
  if (sut.status === 'done') {
    if (c.outcome === 'registered' && c.payment?.final !== 'used') throw new Error('registered without a used payment');
    if (c.payment?.final === 'used' && !c.registration) throw new Error('a used payment without a registration');
    if (c.patient !== null) throw new Error('the patient is still in the ended session');
  }
  // a second registration is an explicit choice with a new key, never a retry of the old one
  const registers = calls.filter((x) => x.src === 'register').map((x) => x.input as { idempotencyKey: string; allowAdditional?: boolean; paymentOrderNo: string });
  for (const r of registers.filter((x) => x.allowAdditional)) {
    if (registers.some((x) => !x.allowAdditional && x.idempotencyKey === r.idempotencyKey)) throw new Error('ADD_ANYWAY reused the key of the conflicting attempt');
  }
  for (const r of registers) if (!r.paymentOrderNo) throw new Error('register called without a paid order');
  // only the HIS calls the flow knows: nothing that could cancel a booking
  const known = new Set(['identifyByMedicalInsurance', 'todaysRegistrations', 'departments', 'doctors', 'slots', 'register', 'registrationByKey', 'printReceipt', 'payment']);
  for (const x of calls) if (!known.has(x.src)) throw new Error(`unexpected call ${x.src}`);
};

describe('registration machine: model-based (all simple paths)', () => {
  it('finding a slot: identify, today’s registrations first, department → doctor → slot → fee, with back steps and back-office retries', async () => {
    const spec = registrationSpec({
      outcomes: {
        identifyByMedicalInsurance: [{ output: PATIENT }, { error: be('rejected', 'not-done', 'NOT_FOUND') }],
        todaysRegistrations: [{ output: [] }, { output: [{ ...REG, idempotencyKey: 'earlier' }] }, { error: be('timeout', 'unknown', 'ETIMEDOUT') }],
        departments: [{ output: DEPARTMENTS }, { error: be('unavailable', 'not-done', '503') }],
        doctors: [{ output: DOCTORS }, { error: be('unavailable', 'not-done', '503') }],
        slots: [{ output: SLOTS }],
        payment: () => [],
      },
      // the money part has its own model
      stopWhen: (s) => flowOf(s).startsWith('charging'),
      abstract: (c) => ({ o: c.outcome, p: c.patient !== null, lf: c.loadFailed, m: c.paymentMethod }),
    });
    const paths = modelPaths(spec);
    expect(paths.length).toBeGreaterThan(30);
    const ends = new Set<string>();
    for (const path of paths) {
      const { final, calls } = await replay(spec, path);
      ends.add(final.status === 'done' ? (final.output as { outcome: string }).outcome : flowOf(final));
      expect(calls.filter((c) => c.src === 'register')).toEqual([]);
    }
    expect(ends).toContain('viewed-existing');
    expect(ends).toContain('cancelled');
    expect(ends).toContain('charging.paying');
  });

  it('paying and registering: conflicts, refunds, retries, printing — registered only with a used payment, never an implicit cancel', async () => {
    const spec = registrationSpec({
      prefix: <EventObject[]>[
        { type: 'CARD_READ', card: CARD },
        doneOf('registration.session.flow.loadingRegistrations', []),
        doneOf('registration.session.flow.loadingDepartments', DEPARTMENTS),
        { type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' },
        doneOf('registration.session.flow.loadingDoctors', DOCTORS),
        { type: 'DOCTOR_CHOSEN', doctorId: 'DR1' },
        doneOf('registration.session.flow.loadingSlots', SLOTS),
        { type: 'SLOT_CHOSEN', slotId: 'S1' },
        { type: 'CONFIRM' },
        { type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' },
      ],
      outcomes: {
        // the steps before paying are the prefix (and the first model): faked, finished only by the prefix
        todaysRegistrations: () => [],
        departments: () => [],
        doctors: () => [],
        payment: paymentOutcomes,
        register: [
          { output: { outcome: 'booked', registration: REG, replayed: false } },
          { output: { outcome: 'conflict', reason: 'existing-registration', existing: [{ ...REG, bookingId: 'B0', idempotencyKey: 'earlier' }] } },
          { output: { outcome: 'conflict', reason: 'slot-taken', slotId: 'S1' } },
          { error: be('timeout', 'unknown', 'ETIMEDOUT') },
          { error: be('rejected', 'not-done', 'PATIENT_BLOCKED') },
        ],
        registrationByKey: [{ output: REG }, { output: null }],
        printReceipt: [{ output: { delivered: true, taken: true } }, { output: { delivered: true, taken: null } }, { error: { code: 'PRINTER_PAPER_OUT', detail: 'paper end' } }],
        slots: [{ output: SLOTS }],
      },
      // after CHOOSE_ANOTHER_SLOT / RETRY_PAYMENT the flow is back in the first model's territory
      stopWhen: (s) => ['loadingSlots', 'choosingPaymentMethod'].includes(flowOf(s)),
      check: moneyChecks,
    });
    const paths = modelPaths(spec);
    expect(paths.length).toBeGreaterThan(30);
    const outcomes = new Set<string>();
    for (const path of paths) {
      const { final } = await replay(spec, path);
      if (final.status === 'done') outcomes.add((final.output as { outcome: string }).outcome);
    }
    expect([...outcomes].sort()).toEqual(['cancelled', 'not-registered', 'registered']);

    // the checks can fail: a machine whose ADD_ANYWAY retries the conflicting key is caught
    const broken: ModelSpec = {
      ...spec,
      sut: (now) => createRegistrationMachine(now).provide({ actions: { nextRegistrationAttempt: assign({ registerTries: 0, conflict: null }) } }),
    };
    const addAnyway = paths.filter((p) => p.steps.some((st) => st.event.type === 'ADD_ANYWAY')).slice(0, 20);
    expect(addAnyway.length).toBeGreaterThan(0);
    const caught = await Promise.all(addAnyway.map((p) => replay(broken, p).then(() => null, (e: Error) => e.message)));
    expect(caught.some((m) => m?.includes('ADD_ANYWAY reused the key'))).toBe(true);
  });

  it('idle timeout on every step the patient must act on; with money taken it goes home through a refund', async () => {
    const spec = registrationSpec({
      input: { ...baseInput, payment: { methods: ['nativeQr'] } },
      events: () => [
        { type: 'CARD_READ', card: CARD },
        { type: 'CONTINUE' },
        { type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' },
        { type: 'DOCTOR_CHOSEN', doctorId: 'DR1' },
        { type: 'SLOT_CHOSEN', slotId: 'S1' },
        { type: 'CONFIRM' },
        { type: 'PAYMENT_PAID', outTradeNo: merchantOrderNo(SESSION, 1), amountFen: 5000, transactionId: 'TX1' },
        { type: 'TOUCH' },
      ],
      outcomes: {
        todaysRegistrations: [{ output: [{ ...REG, idempotencyKey: 'earlier' }] }],
        departments: [{ output: DEPARTMENTS }],
        doctors: [{ output: DOCTORS }],
        slots: [{ output: SLOTS }],
        register: [{ output: { outcome: 'conflict', reason: 'existing-registration', existing: [{ ...REG, idempotencyKey: 'earlier' }] } }],
        payment: paymentOutcomes,
      },
      skipTimer: undefined,
      abstract: (c) => ({ o: c.outcome, rr: c.refundReason }),
      check: moneyChecks,
      shortest: false,
    });
    const paths = modelPaths(spec);
    const ends = new Set<string>();
    for (const path of paths) {
      const { final, calls } = await replay(spec, path);
      if (final.status === 'done') ends.add(`${(final.output as { outcome: string }).outcome}/${(final.output as { payment: PaymentOutput | null }).payment?.final ?? '-'}`);
      // a timeout while the money is held asks the payment for a refund
      if (path.steps.some((s) => flowOf(s.state) === 'charging.refunding')) expect(calls.some((c) => c.src === 'payment')).toBe(true);
    }
    expect(ends).toContain('timeout/-');
    expect(ends).toContain('timeout/refunded');
  });
});

// ───────────────────────────── focused tests (real payment machine, fake gateway and HIS) ─────────────────────────────

function run(input: Partial<RegistrationInput> = {}, opts: { his?: FakeHis; gw?: FakeGateway; print?: (i: PrintReceiptInput) => Promise<PrintReceiptOutput> } = {}) {
  const clock = new SimulatedClock();
  clock.set(T0);
  const gw = opts.gw ?? new FakeGateway();
  const his = opts.his ?? new FakeHis(gw.log);
  const journal = new FakePaymentJournal(gw.log);
  const prints: PrintReceiptInput[] = [];
  const undeliveredRecords: UndeliveredRecord[] = [];
  const now = () => clock.now();
  const machine = createRegistrationMachine(now).provide({
    actors: {
      ...his.actors(),
      payment: createPaymentMachine(now).provide(paymentImplementations(gw, journal)),
      printReceipt: fromPromise<PrintReceiptOutput, PrintReceiptInput>(async ({ input }) => {
        prints.push(input);
        return opts.print ? opts.print(input) : { delivered: true, taken: true };
      }),
    },
    actions: { recordUndelivered: (_: unknown, p: UndeliveredRecord) => undeliveredRecords.push(p) },
  });
  const actor = createActor(machine, { clock, input: { ...baseInput, ...input } });
  actor.start();
  const flow = () => flowOf(actor.getSnapshot() as unknown as View);
  const payment = () => actor.getSnapshot().children.payment as { getSnapshot(): { value: unknown; context: { codeUrl: string | null; outTradeNo: string } } } | undefined;
  return { actor, clock, gw, his, journal, prints, undeliveredRecords, flow, payment, machine };
}

/** identify → … → pay with a QR code the patient then pays. */
async function toPaid(r: ReturnType<typeof run>, opts: { slot?: string } = {}) {
  r.actor.send({ type: 'CARD_READ', card: CARD });
  await settle();
  if (r.flow() === 'existingRegistrations') r.actor.send({ type: 'CONTINUE' });
  await settle();
  r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
  await settle();
  r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
  await settle();
  r.actor.send({ type: 'SLOT_CHOSEN', slotId: opts.slot ?? 'S1' });
  r.actor.send({ type: 'CONFIRM' });
  r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
  await settle();
  const no = r.payment()!.getSnapshot().context.outTradeNo;
  r.gw.pay(no);
  r.clock.increment(1_000);
  await settle();
  return no;
}

describe('registration machine: bookings and money', () => {
  it('happy path: today’s registrations shown first, pay, register with the key made before the call, slip, payment used', async () => {
    const his = new FakeHis();
    const earlier = his.book(PATIENT, 'S2');
    const r = run({}, { his });
    r.actor.send({ type: 'CARD_READ', card: CARD });
    await settle();
    expect(r.flow()).toBe('existingRegistrations');
    expect(registrationView(r.actor.getSnapshot()).todays).toEqual([earlier]);
    expect(JSON.stringify(registrationView(r.actor.getSnapshot()))).not.toContain(ID);
    r.actor.send({ type: 'CONTINUE' });
    await settle();
    r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
    await settle();
    r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
    await settle();
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'S1' });
    expect(r.flow()).toBe('confirmingFee');
    r.actor.send({ type: 'CONFIRM' });
    expect(r.actor.getSnapshot().context.idempotencyKey).toBe(idempotencyKeyFor(SESSION, 1));
    r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
    await settle();
    expect(r.flow()).toBe('charging.paying');
    const no = merchantOrderNo(SESSION, 1);
    expect(r.payment()!.getSnapshot().context.codeUrl).toContain(no);
    r.gw.pay(no);
    r.clock.increment(1_000);
    await settle();
    // the patient already had a registration today: explicit choice, nothing cancelled
    expect(r.flow()).toBe('charging.existingConflict');
    r.actor.send({ type: 'ADD_ANYWAY' });
    await settle();
    expect(r.actor.getSnapshot().status).toBe('done');
    const out = r.actor.getSnapshot().output!;
    expect(out).toMatchObject({ outcome: 'registered', printed: true, payment: { final: 'used', outTradeNo: no } });
    expect(out.registration).toMatchObject({ slotId: 'S1', paymentOrderNo: no, status: 'booked', idempotencyKey: idempotencyKeyFor(SESSION, 2) });
    const registers = his.calls.filter((c) => c.op === 'register').map((c) => c.req as { idempotencyKey: string; allowAdditional?: boolean });
    expect(registers).toEqual([
      expect.objectContaining({ idempotencyKey: idempotencyKeyFor(SESSION, 1) }),
      expect.objectContaining({ idempotencyKey: idempotencyKeyFor(SESSION, 2), allowAdditional: true }),
    ]);
    expect(his.registrations.every((x) => x.status === 'booked')).toBe(true);
    expect(r.prints[0]).toMatchObject({ printJobId: `${SESSION}-slip-2`, job: registrationSlip(out.registration!, PATIENT, KIOSK) });
    expect(r.journal.records.map((x) => x.state)).toEqual(['awaiting-payment', 'paid', 'used']);
  });

  it('KEEP_EXISTING: the existing registration stays, the new payment is refunded with its stable number', async () => {
    const his = new FakeHis();
    const earlier = his.book(PATIENT, 'S2');
    const r = run({}, { his });
    const no = await toPaid(r);
    expect(r.flow()).toBe('charging.existingConflict');
    expect(registrationView(r.actor.getSnapshot()).conflict).toEqual({ reason: 'existing-registration', existing: [earlier] });
    r.actor.send({ type: 'KEEP_EXISTING' });
    await settle();
    expect(r.flow()).toBe('moneyReturned');
    expect(r.gw.netFen(no)).toBe(0);
    expect(r.gw.log).toContain(`refund ${no} ${refundNoFor(no)}`);
    expect(his.registrations).toEqual([earlier]);
    expect(earlier.status).toBe('booked');
    r.actor.send({ type: 'DONE' });
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'not-registered', registration: null, payment: { final: 'refunded', wasPaid: true } });
  });

  it('slot taken after payment: refund first, then another slot and a new payment', async () => {
    const his = new FakeHis();
    his.taken.add('S1');
    const r = run({}, { his });
    const first = await toPaid(r);
    expect(r.flow()).toBe('moneyReturned');
    expect(r.actor.getSnapshot().context.refundReason).toBe('slot-taken');
    expect(r.gw.netFen(first)).toBe(0);
    r.actor.send({ type: 'CHOOSE_ANOTHER_SLOT' });
    await settle();
    expect(r.flow()).toBe('choosingSlot');
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'S2' });
    r.actor.send({ type: 'CONFIRM' });
    r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
    await settle();
    const second = r.payment()!.getSnapshot().context.outTradeNo;
    expect(second).toBe(merchantOrderNo(SESSION, 2));
    r.gw.pay(second);
    r.clock.increment(1_000);
    await settle();
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', registration: { slotId: 'S2', paymentOrderNo: second, idempotencyKey: idempotencyKeyFor(SESSION, 2) } });
    expect(r.gw.netFen(first) + r.gw.netFen(second)).toBe(5000);
  });

  it('register result unknown: the same key is sent again and the HIS replays the booking (no double booking, no refund)', async () => {
    const his = new FakeHis();
    his.fail('register', afterActing(timeoutError('his')));
    const r = run({}, { his });
    const no = await toPaid(r);
    expect(r.flow()).toBe('charging.registerPausing');
    r.clock.increment(1_000);
    await settle();
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', payment: { final: 'used' } });
    const keys = his.calls.filter((c) => c.op === 'register').map((c) => (c.req as { idempotencyKey: string }).idempotencyKey);
    expect(keys).toEqual([idempotencyKeyFor(SESSION, 1), idempotencyKeyFor(SESSION, 1)]);
    expect(his.registrations).toHaveLength(1);
    expect(r.gw.netFen(no)).toBe(5000);
  });

  it('register keeps timing out: ask the HIS by key; not there → refund', async () => {
    const his = new FakeHis();
    his.fail('register', timeoutError('his'), timeoutError('his'), timeoutError('his'));
    const r = run({}, { his });
    const no = await toPaid(r);
    r.clock.increment(1_000);
    await settle();
    r.clock.increment(2_000);
    await settle();
    expect(his.calls.map((c) => c.op).filter((op) => op === 'register' || op === 'registrationByKey')).toEqual(['register', 'register', 'register', 'registrationByKey']);
    expect(r.flow()).toBe('moneyReturned');
    expect(r.actor.getSnapshot().context.refundReason).toBe('register-failed');
    expect(r.gw.netFen(no)).toBe(0);
  });

  it('register refused (not done) after payment → refund', async () => {
    const his = new FakeHis();
    his.fail('register', rejected('PATIENT_BLOCKED', 'his'));
    const r = run({}, { his });
    const no = await toPaid(r);
    expect(r.flow()).toBe('moneyReturned');
    expect(r.gw.netFen(no)).toBe(0);
    expect(registrationView(r.actor.getSnapshot()).failureCode).toBe('PATIENT_BLOCKED');
  });

  it('cancel before payment closes the order; cancel after payment (deciding on a conflict) refunds', async () => {
    const r = run();
    r.actor.send({ type: 'CARD_READ', card: CARD });
    await settle();
    r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
    await settle();
    r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
    await settle();
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'S1' });
    r.actor.send({ type: 'CONFIRM' });
    r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
    await settle();
    r.actor.send({ type: 'CANCEL' });
    await settle();
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'cancelled', payment: { final: 'closed', wasPaid: false } });
    expect(r.gw.log).toContain(`closeOrder ${merchantOrderNo(SESSION, 1)}`);

    const his = new FakeHis();
    his.book(PATIENT, 'S2');
    const paid = run({}, { his });
    const no = await toPaid(paid);
    expect(paid.flow()).toBe('charging.existingConflict');
    paid.actor.send({ type: 'CANCEL' });
    await settle();
    expect(paid.flow()).toBe('moneyReturned');
    expect(paid.gw.netFen(no)).toBe(0);
    paid.actor.send({ type: 'DONE' });
    expect(paid.actor.getSnapshot().output).toMatchObject({ outcome: 'cancelled', payment: { final: 'refunded' } });
  });

  it('cancel while the QR is shown, but the patient had just paid: late success is refunded', async () => {
    const r = run();
    r.gw.fail('closeOrder', rejected('ORDER_PAID'));
    r.actor.send({ type: 'CARD_READ', card: CARD });
    await settle();
    r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
    await settle();
    r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
    await settle();
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'S1' });
    r.actor.send({ type: 'CONFIRM' });
    r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
    await settle();
    const no = merchantOrderNo(SESSION, 1);
    r.gw.pay(no);
    r.actor.send({ type: 'CANCEL' });
    await settle(10);
    expect(r.flow()).toBe('moneyReturned');
    expect(r.gw.netFen(no)).toBe(0);
    expect(r.his.calls.filter((c) => c.op === 'register')).toEqual([]);
  });

  it('idle timeout while the patient decides on a conflict: refund, then home', async () => {
    const his = new FakeHis();
    his.book(PATIENT, 'S2');
    const r = run({ idle: { timeoutSeconds: 60, warningSeconds: 15, elderlyTimeoutSeconds: 120 } }, { his });
    const no = await toPaid(r);
    expect(r.flow()).toBe('charging.existingConflict');
    r.clock.increment(45_000);
    expect((r.actor.getSnapshot().value as { session: { idle: string } }).session.idle).toBe('warning');
    r.clock.increment(15_000);
    await settle();
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'timeout', payment: { final: 'refunded', reason: 'refund-requested' } });
    expect(r.gw.netFen(no)).toBe(0);
  });

  it('printer out of service and allowed: the slip is shown on screen; a print that fails: shown, recorded, still registered', async () => {
    const off = run({ allowWithoutPrinter: true, printerAvailable: false });
    await toPaid(off);
    expect(off.flow()).toBe('slipOnScreen');
    expect(off.prints).toEqual([]);
    expect(registrationView(off.actor.getSnapshot()).slip?.title).toBe('挂号凭条');
    off.actor.send({ type: 'DONE' });
    expect(off.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', printed: false });

    const jam = run({}, { print: async () => Promise.reject({ code: 'PRINTER_PAPER_JAM', detail: 'jam at the cutter' }) });
    await toPaid(jam);
    expect(jam.flow()).toBe('slipNotPrinted');
    expect(jam.undeliveredRecords).toEqual([
      { sessionId: SESSION, service: 'hospitalRegistration', printJobId: `${SESSION}-slip-1`, title: '挂号凭条', fault: 'PRINTER_PAPER_JAM', detail: 'jam at the cutter' },
    ]);
    jam.actor.send({ type: 'DONE' });
    expect(jam.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', printed: false, fault: 'PRINTER_PAPER_JAM', payment: { final: 'used' } });
  });

  it('a session restored mid-refund keeps its refund number, forwards the resume to the payment and finishes the refund', async () => {
    const his = new FakeHis();
    his.book(PATIENT, 'S2');
    const r = run({}, { his });
    const no = await toPaid(r);
    r.gw.fail('refund', afterActing(timeoutError()));
    r.actor.send({ type: 'KEEP_EXISTING' });
    await settle();
    expect(r.flow()).toBe('charging.refunding');
    const persisted = JSON.parse(JSON.stringify(r.actor.getPersistedSnapshot()));
    r.actor.stop();
    expect(r.gw.refunds.size).toBe(1);

    r.clock.increment(30_000); // the agent restarts 30 s later
    const restored = createActor(r.machine, { clock: r.clock, snapshot: persisted, input: undefined as never });
    restored.start();
    restored.send({ type: 'zizhu.resume' });
    await settle(10);
    expect(flowOf(restored.getSnapshot() as unknown as View)).toBe('moneyReturned');
    expect(restored.getSnapshot().context.payment).toMatchObject({ final: 'refunded', refundNo: refundNoFor(no) });
    expect(r.gw.refunds.size).toBe(1);
    expect(r.gw.netFen(no)).toBe(0);
  });

  it('payment code: the scan is passed to the payment, charged, registered', async () => {
    const r = run();
    r.actor.send({ type: 'CARD_READ', card: CARD });
    await settle();
    r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
    await settle();
    r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
    await settle();
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'S1' });
    r.actor.send({ type: 'CONFIRM' });
    r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'paymentCode' });
    await settle();
    expect(r.payment()!.getSnapshot().value).toBe('waitingForPaymentCode');
    r.actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', payment: { final: 'used', method: 'paymentCode' } });
    const money = r.gw.log.filter((l) => !l.startsWith('his.') && !l.startsWith('record'));
    expect(money.slice(0, 2)).toEqual([`journalOrder ${merchantOrderNo(SESSION, 1)}`, `micropay ${merchantOrderNo(SESSION, 1)}`]);
  });

  it('identification by medical-insurance voucher, and refusals in words', async () => {
    const r = run({ identifyBy: ['medicalInsuranceQr'] });
    r.actor.send({ type: 'CARD_READ', card: CARD });
    expect(r.actor.getSnapshot().context.identifyProblem).toBe('method-not-offered');
    r.actor.send({ type: 'MEDICAL_INSURANCE_SCANNED', code: 'not-a-voucher' });
    await settle();
    expect(r.actor.getSnapshot().context.identifyProblem).toBe('code-not-recognised');
    r.actor.send({ type: 'MEDICAL_INSURANCE_SCANNED', code: '4243669509084040896099330000' });
    await settle();
    expect(r.flow()).toBe('choosingDepartment');
  });

  it('a back office down while loading offers a retry of that step', async () => {
    const his = new FakeHis();
    his.fail('doctors', timeoutError('his'));
    const r = run({}, { his });
    r.actor.send({ type: 'CARD_READ', card: CARD });
    await settle();
    r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
    await settle();
    expect(r.flow()).toBe('unavailable');
    r.actor.send({ type: 'RETRY' });
    await settle();
    expect(r.flow()).toBe('choosingDoctor');
  });

  it('a slot that is full or free of charge cannot be chosen', async () => {
    const his = new FakeHis();
    his.slots = [
      { ...SLOTS[0]!, id: 'FULL', remaining: 0 },
      { ...SLOTS[0]!, id: 'FREE', feeFen: 0 },
    ];
    const r = run({}, { his });
    r.actor.send({ type: 'CARD_READ', card: CARD });
    await settle();
    r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
    await settle();
    r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
    await settle();
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'FULL' });
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'FREE' });
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'NOPE' });
    expect(r.flow()).toBe('choosingSlot');
  });
});
