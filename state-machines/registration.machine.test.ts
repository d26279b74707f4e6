import { describe, expect, it } from 'vitest';
import { assign, createActor, fromPromise, SimulatedClock, type EventObject } from 'xstate';
import type { Registration } from '../backends/his/types.ts';
import { createPaymentMachine, merchantOrderNo, refundNoFor, type PaymentOutput } from './payment.machine.ts';
import type { PrintReceiptInput, PrintReceiptOutput, UndeliveredRecord } from './provident-fund.machine.ts';
import { createRegistrationMachine, idempotencyKeyFor, registrationView, type RegistrationInput } from './registration.machine.ts';
import { registrationSlip } from './receipts.ts';
import { doneOf, modelPaths, replay, type ModelSpec, type Outcome, type PendingCall } from './testing/model-paths.ts';
import { afterActing, DEPARTMENTS, DOCTORS, FakeGateway, FakeHis, FakePaymentJournal, paymentImplementations, rejected, settle, timeoutError } from './testing/fake-backends.ts';

const SESSION = 'reg-session-0001';
const ID = '420106199001011234';
const PATIENT = { name: '张三', idNumber: ID };
const CARD = { ...PATIENT, idNumberValid: true };
const KIOSK = { id: 'sz-renmin-hosp-lobby-03', name: '市人民医院 门诊大厅 自助挂号缴费机 3号' };
const be = (kind: string, outcome: string, code: string) => ({ kind, outcome, code, message: code });
/** Tuesday 2025-11-25 08:30 in Asia/Shanghai: the focused tests' clock (the fake HIS's slots are that morning) */
const MORNING = Date.parse('2025-11-25T08:30:00+08:00');
// the model's clock is T0 (22:00 in Shanghai on the 25th): its slots are the next day's
const SLOTS = [{ id: 'S1', departmentId: 'D1', doctorId: 'DR1', date: '2025-11-26', time: '09:00-09:30', feeFen: 5000, remaining: 3 }];
const REG: Registration = {
  bookingId: 'B1',
  idempotencyKey: idempotencyKeyFor(SESSION, 1),
  departmentId: 'D1',
  departmentName: '内科',
  doctorId: 'DR1',
  doctorName: '王医生',
  slotId: 'S1',
  date: '2025-11-26',
  time: '09:00-09:30',
  queueNumber: 7,
  feeFen: 5000,
  paymentOrderNo: merchantOrderNo(SESSION, 1),
  status: 'booked',
  createdAt: '2025-11-25T09:01:00+08:00',
};
const EARLIER_D1: Registration = { ...REG, bookingId: 'B0', idempotencyKey: 'earlier', paymentOrderNo: 'DESK1' };
const baseInput: RegistrationInput = {
  sessionId: SESSION,
  today: '2025-11-25',
  kiosk: KIOSK,
  payment: { methods: ['nativeQr', 'paymentCode'], orderDeadlineSeconds: 180 },
};

const paymentOut = (final: PaymentOutput['final'], wasPaid: boolean, reason: PaymentOutput['reason'] = 'used'): Outcome => ({
  output: { outTradeNo: merchantOrderNo(SESSION, 1), final, amountFen: 5000, method: 'nativeQr', transactionId: wasPaid ? 'TX1' : null, refundNo: null, reason, wasPaid, failure: null },
});
const LOCKED = { outcome: 'locked', replayed: false, lock: { idempotencyKey: 'any', slotId: 'S1', feeFen: 5000, expiresAt: '2030-01-01T00:00:00+08:00' } };

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
const modelMachine = createRegistrationMachine(() => Date.UTC(2025, 10, 25, 14, 0, 0)).provide({ actors: { payment: fromPromise<PaymentOutput, unknown>(() => new Promise(() => {})) } as never });

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
      as: c.allowSameDepartment,
      lk: c.lock !== null,
      cf: (c.conflict as { reason: string } | null)?.reason ?? null,
      reg: c.registration !== null,
      tries: [c.lockTries, c.registerTries, c.releaseTries],
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

const inputsOf = <T>(calls: readonly PendingCall[], src: string) => calls.filter((x) => x.src === src).map((x) => x.input as T);

/** The booking and money rules every path must keep. */
const bookingChecks: ModelSpec['check'] = (sut, calls) => {
  const c = sut.context as { outcome: string | null; payment: PaymentOutput | null; registration: Registration | null; patient: unknown; lock: { expiresAt: number | null } | null; idempotencyKey: string | null };
  // money moves only while the HIS holds the place (a lock it granted)
  if (flowOf(sut) === 'charging.paying' && c.lock?.expiresAt == null) throw new Error('paying without a granted lock');
  if (sut.status === 'done') {
    // registered ⇔ the payment was used, and a used payment always has its registration
    if (c.outcome === 'registered' && c.payment?.final !== 'used') throw new Error('registered without a used payment');
    if (c.payment?.final === 'used' && !c.registration) throw new Error('a used payment without a registration');
    if (c.patient !== null) throw new Error('the patient is still in the ended session');
    // no session ends while a place may still be held for it
    if (c.lock !== null) throw new Error('ended while a place may still be held');
  }
  const locks = inputsOf<{ idempotencyKey: string; allowSameDepartment?: boolean }>(calls, 'lockSlot');
  // a second registration in the same department is an explicit choice with a new key, never a retry of the refused one
  for (const l of locks.filter((x) => x.allowSameDepartment)) {
    if (locks.some((x) => !x.allowSameDepartment && x.idempotencyKey === l.idempotencyKey)) throw new Error('ADD_ANYWAY reused the key of the refused lock');
  }
  // a released key never locks again
  const lockCalls = calls.filter((x) => x.src === 'lockSlot');
  for (const r of calls.filter((x) => x.src === 'releaseSlot')) {
    const key = (r.input as { idempotencyKey: string }).idempotencyKey;
    if (lockCalls.some((l) => l.seq > r.seq && (l.input as { idempotencyKey: string }).idempotencyKey === key)) throw new Error(`key ${key} locked again after its release`);
  }
  // confirm only the current attempt's lock, and only with a paid order
  for (const x of inputsOf<{ idempotencyKey: string; paymentOrderNo: string }>(calls, 'confirmRegistration')) {
    if (!x.paymentOrderNo) throw new Error('confirm called without a paid order');
    if (!locks.some((l) => l.idempotencyKey === x.idempotencyKey)) throw new Error('confirm with a key that never locked');
  }
  // only the HIS calls the flow knows: nothing that could cancel a booking
  const known = new Set(['identifyByMedicalInsurance', 'todaysRegistrations', 'departments', 'doctors', 'slots', 'lockSlot', 'confirmRegistration', 'releaseSlot', 'registrationByKey', 'printReceipt', 'payment']);
  for (const x of calls) if (!known.has(x.src)) throw new Error(`unexpected call ${x.src}`);
};

const TO_CONFIRM = <EventObject[]>[
  { type: 'CARD_READ', card: CARD },
  doneOf('registration.session.flow.loadingRegistrations', []),
  doneOf('registration.session.flow.loadingDepartments', DEPARTMENTS),
  { type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' },
  doneOf('registration.session.flow.loadingDoctors', DOCTORS),
  { type: 'DOCTOR_CHOSEN', doctorId: 'DR1' },
  doneOf('registration.session.flow.loadingSlots', SLOTS),
  { type: 'SLOT_CHOSEN', slotId: 'S1' },
];

describe('registration machine: model-based (all simple paths)', () => {
  it('finding a slot: identify, today’s registrations first, department (same one today: asked at once) → doctor → slot → fee, with back steps and retries', async () => {
    const spec = registrationSpec({
      outcomes: {
        identifyByMedicalInsurance: [{ output: PATIENT }, { error: be('rejected', 'not-done', 'NOT_FOUND') }],
        todaysRegistrations: [{ output: [] }, { output: [EARLIER_D1] }, { error: be('timeout', 'unknown', 'ETIMEDOUT') }],
        departments: [{ output: DEPARTMENTS }, { error: be('unavailable', 'not-done', '503') }],
        doctors: [{ output: DOCTORS }, { error: be('unavailable', 'not-done', '503') }],
        slots: [{ output: SLOTS }],
        lockSlot: () => [],
        payment: () => [],
      },
      // the lock and the money have their own model
      stopWhen: (s) => flowOf(s) === 'lockingSlot',
      abstract: (c) => ({ o: c.outcome, p: c.patient !== null, lf: c.loadFailed, m: c.paymentMethod, as: c.allowSameDepartment, t: (c.todays as unknown[]).length }),
      check: bookingChecks,
    });
    const paths = modelPaths(spec);
    expect(paths.length).toBeGreaterThan(30);
    const ends = new Set<string>();
    const visited = new Set<string>();
    for (const path of paths) {
      const { final, calls } = await replay(spec, path);
      ends.add(final.status === 'done' ? (final.output as { outcome: string }).outcome : flowOf(final));
      for (const st of path.steps) visited.add(flowOf(st.state));
      // nothing is paid while the patient is still choosing; the lock comes last, after CONFIRM
      expect(calls.filter((c) => ['confirmRegistration', 'payment'].includes(c.src))).toEqual([]);
      if (calls.some((c) => c.src === 'lockSlot')) expect(flowOf(final)).toBe('lockingSlot');
    }
    expect(ends).toContain('viewed-existing');
    expect(ends).toContain('cancelled');
    expect(ends).toContain('lockingSlot');
    expect(visited).toContain('sameDepartment');
  });

  it('locking and paying: every conflict is told before payment; whatever ends without a booking gives the place back', async () => {
    const spec = registrationSpec({
      prefix: <EventObject[]>[...TO_CONFIRM, { type: 'CONFIRM' }, { type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' }],
      outcomes: {
        // the steps before locking are the prefix (and the first model): faked, finished only by the prefix
        todaysRegistrations: () => [],
        departments: () => [],
        doctors: () => [],
        slots: () => [],
        // confirming has its own model
        confirmRegistration: () => [],
        payment: (s) => (flowOf(s) === 'charging.paying' ? paymentOutcomes(s) : []),
        lockSlot: [
          { output: LOCKED },
          { output: { outcome: 'conflict', reason: 'same-department', existing: [EARLIER_D1] } },
          { output: { outcome: 'conflict', reason: 'slot-taken', slotId: 'S1' } },
          { error: be('timeout', 'unknown', 'ETIMEDOUT') },
          { error: be('rejected', 'not-done', 'PATIENT_BLOCKED') },
        ],
        releaseSlot: [{ output: { outcome: 'released' } }, { error: be('timeout', 'unknown', 'ETIMEDOUT') }],
      },
      // back in the first model's territory (choosing again), or paid (the next model)
      stopWhen: (s) => ['loadingSlots', 'choosingPaymentMethod', 'choosingDepartment', 'loadingDoctors', 'charging.registering'].includes(flowOf(s)),
      check: bookingChecks,
    });
    const paths = modelPaths(spec);
    expect(paths.length).toBeGreaterThan(50);
    const ends = new Set<string>(); // and the steps on the way
    for (const path of paths) {
      const { final, calls } = await replay(spec, path);
      ends.add(final.status === 'done' ? `ended ${(final.output as { outcome: string }).outcome}` : flowOf(final));
      for (const st of path.steps) ends.add(flowOf(st.state));
      // a refused lock is told before any payment starts
      const lockSeq = calls.find((c) => c.src === 'lockSlot')!.seq;
      if (path.steps.some((st) => ['sameDepartment', 'slotTaken'].includes(flowOf(st.state)))) expect(calls.filter((c) => c.src === 'payment' && c.seq < lockSeq)).toEqual([]);
    }
        for (const e of ['ended cancelled', 'ended not-registered', 'sameDepartment', 'slotTaken', 'unavailable', 'paymentNotCompleted', 'moneyReturned', 'charging.registering']) expect(ends, e).toContain(e);

    // the checks can fail: a machine whose ADD_ANYWAY keeps the refused key is caught
    const broken: ModelSpec = {
      ...spec,
      sut: (now) => createRegistrationMachine(now).provide({ actions: { nextRegistrationAttempt: assign({ lock: { expiresAt: null }, lockTries: 0, registerTries: 0, releaseTries: 0, conflict: null, loadFailed: null }) } }),
    };
    const addAnyway = paths.filter((p) => p.steps.some((st) => st.event.type === 'ADD_ANYWAY')).slice(0, 20);
    expect(addAnyway.length).toBeGreaterThan(0);
    const caught = await Promise.all(addAnyway.map((p) => replay(broken, p).then(() => null, (e: Error) => e.message)));
    expect(caught.some((m) => m?.includes('ADD_ANYWAY reused the key') || m?.includes('locked again after its release'))).toBe(true);

    // … and so is one that ends without giving the place back
    const leaky: ModelSpec = { ...spec, sut: (now) => createRegistrationMachine(now).provide({ guards: { holdsLock: () => false } }) };
    const cancelWhileLocking = paths.filter((p) => p.steps.some((st, i) => i > 0 && st.event.type === 'CANCEL' && flowOf(p.steps[i - 1]!.state) === 'lockingSlot')).slice(0, 5);
    expect(cancelWhileLocking.length).toBeGreaterThan(0);
    const leaked = await Promise.all(cancelWhileLocking.map((p) => replay(leaky, p).then(() => null, (e: Error) => e.message)));
    expect(leaked.every((m) => m !== null)).toBe(true);
    const ended = { status: 'done', value: 'ended', context: { outcome: 'cancelled', payment: null, registration: null, patient: null, lock: { expiresAt: null } } };
    expect(() => bookingChecks!(ended as never, [])).toThrow('place may still be held');
  });

  it('confirming after payment: refunds, retries, printing — registered only with a used payment, never a place left held', async () => {
    const spec = registrationSpec({
      prefix: <EventObject[]>[
        ...TO_CONFIRM,
        { type: 'CONFIRM' },
        { type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' },
        doneOf('registration.session.flow.lockingSlot', LOCKED),
        { type: 'PAYMENT_PAID', outTradeNo: merchantOrderNo(SESSION, 1), amountFen: 5000, transactionId: 'TX1' },
      ],
      outcomes: {
        todaysRegistrations: () => [],
        departments: () => [],
        doctors: () => [],
        slots: () => [],
        lockSlot: () => [],
        payment: paymentOutcomes,
        confirmRegistration: [
          { output: { outcome: 'booked', registration: REG, replayed: false } },
          { output: { outcome: 'not-held', reason: 'expired' } },
          { error: be('timeout', 'unknown', 'ETIMEDOUT') },
          { error: be('rejected', 'not-done', 'PATIENT_BLOCKED') },
        ],
        registrationByKey: [{ output: REG }, { output: null }],
        releaseSlot: [{ output: { outcome: 'released' } }, { error: be('timeout', 'unknown', 'ETIMEDOUT') }],
        printReceipt: [{ output: { delivered: true, taken: true } }, { output: { delivered: true, taken: null } }, { error: { code: 'PRINTER_PAPER_OUT', detail: 'paper end' } }],
      },
      check: bookingChecks,
    });
    const paths = modelPaths(spec);
    expect(paths.length).toBeGreaterThan(20);
    const outcomes = new Set<string>();
    for (const path of paths) {
      const { final, calls } = await replay(spec, path);
      if (final.status === 'done') outcomes.add((final.output as { outcome: string }).outcome);
      // confirmed with the key of the lock that was granted, never a new one
      for (const c of calls.filter((x) => x.src === 'confirmRegistration')) expect((c.input as { idempotencyKey: string }).idempotencyKey).toBe(idempotencyKeyFor(SESSION, 1));
    }
    expect([...outcomes].sort()).toEqual(['not-registered', 'registered']);
  });

  it('idle timeout on every step the patient must act on; never while a place is held or money moves', async () => {
    const spec = registrationSpec({
      input: { ...baseInput, payment: { methods: ['nativeQr'] } },
      events: () => [
        { type: 'CARD_READ', card: CARD },
        { type: 'CONTINUE' },
        { type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' },
        { type: 'ADD_ANYWAY' },
        { type: 'DOCTOR_CHOSEN', doctorId: 'DR1' },
        { type: 'SLOT_CHOSEN', slotId: 'S1' },
        { type: 'CONFIRM' },
        { type: 'PAYMENT_PAID', outTradeNo: merchantOrderNo(SESSION, 1), amountFen: 5000, transactionId: 'TX1' },
        { type: 'TOUCH' },
      ],
      outcomes: {
        todaysRegistrations: [{ output: [EARLIER_D1] }],
        departments: [{ output: DEPARTMENTS }],
        doctors: [{ output: DOCTORS }],
        slots: [{ output: SLOTS }],
        lockSlot: [{ output: LOCKED }, { output: { outcome: 'conflict', reason: 'slot-taken', slotId: 'S1' } }],
        confirmRegistration: [{ output: { outcome: 'not-held', reason: 'expired' } }],
        releaseSlot: [{ output: { outcome: 'released' } }],
        payment: paymentOutcomes,
      },
      skipTimer: undefined,
      abstract: (c) => ({ o: c.outcome, rr: c.refundReason, lk: c.lock !== null, as: c.allowSameDepartment, pay: (c.payment as PaymentOutput | null)?.final ?? null }),
      check: bookingChecks,
      shortest: false,
    });
    const paths = modelPaths(spec);
    const ends = new Set<string>();
    for (const path of paths) {
      const { final } = await replay(spec, path);
      if (final.status === 'done') ends.add(`${(final.output as { outcome: string }).outcome}/${(final.output as { payment: PaymentOutput | null }).payment?.final ?? '-'}`);
      // the idle timer never fires while a place is held or the payment runs
      for (let i = 1; i < path.steps.length; i++) {
        if (/Idle|idle/.test(path.steps[i]!.event.type) && path.steps[i - 1]!.state.context.lock !== null) throw new Error(`idle timer while a place is held: ${path.description}`);
      }
    }
    expect(ends).toContain('timeout/-');
    expect(ends).toContain('timeout/closed'); // walked away from "payment not completed": nothing was taken
    // nobody walks away from money taken: no timeout ends with a charge refunded or used
    expect([...ends].filter((e) => /^timeout\/(refunded|used|pending)/.test(e))).toEqual([]);
  });
});

// ───────────────────────────── focused tests (real payment machine, fake gateway and HIS) ─────────────────────────────

function run(input: Partial<RegistrationInput> = {}, opts: { his?: FakeHis; gw?: FakeGateway; at?: number; print?: (i: PrintReceiptInput) => Promise<PrintReceiptOutput> } = {}) {
  const clock = new SimulatedClock();
  clock.set(opts.at ?? MORNING);
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
  const payment = () => actor.getSnapshot().children.payment as { getSnapshot(): { value: unknown; context: { codeUrl: string | null; outTradeNo: string; deadlineSeconds: number } } } | undefined;
  const ops = () => his.calls.map((c) => c.op);
  return { actor, clock, gw, his, journal, prints, undeliveredRecords, flow, payment, machine, ops };
}

type Run = ReturnType<typeof run>;

/** identify → (today's list) → department → doctor → slot → confirm (and the method). */
async function toConfirmed(r: Run, opts: { department?: string; doctor?: string; slot?: string; method?: 'nativeQr' | 'paymentCode' } = {}) {
  r.actor.send({ type: 'CARD_READ', card: CARD });
  await settle();
  if (r.flow() === 'existingRegistrations') r.actor.send({ type: 'CONTINUE' });
  await settle();
  r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: opts.department ?? 'D1' });
  await settle();
  if (r.flow() === 'sameDepartment') return;
  r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: opts.doctor ?? 'DR1' });
  await settle();
  r.actor.send({ type: 'SLOT_CHOSEN', slotId: opts.slot ?? 'S1' });
  r.actor.send({ type: 'CONFIRM' });
  r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: opts.method ?? 'nativeQr' });
  await settle();
}

/** The patient pays the QR order shown now. */
async function pays(r: Run): Promise<string> {
  const no = r.payment()!.getSnapshot().context.outTradeNo;
  r.gw.pay(no);
  r.clock.increment(1_000);
  await settle();
  return no;
}

async function toPaid(r: Run, opts: { slot?: string } = {}): Promise<string> {
  await toConfirmed(r, opts);
  return pays(r);
}

describe('registration machine: 锁号 → 支付 → 确认挂号', () => {
  it('happy path: today’s registration (another department) shown first and no conflict; the place is locked before the order exists; confirmed with the same key; slip says where to go', async () => {
    const his = new FakeHis();
    const earlier = his.book(PATIENT, 'S3'); // 外科, D2
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
    expect(r.flow()).toBe('choosingDoctor');
    r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
    await settle();
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'S1' });
    expect(r.flow()).toBe('confirmingFee');
    // whom it is for, masked
    expect(registrationView(r.actor.getSnapshot()).patient).toEqual({ name: '张**', idNumber: '4201**********1234' });
    r.actor.send({ type: 'CONFIRM' });
    expect(r.flow()).toBe('choosingPaymentMethod');
    expect(r.ops()).not.toContain('lockSlot');
    r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
    // the key is in context (journaled) before the HIS sees it
    expect(r.actor.getSnapshot().context).toMatchObject({ idempotencyKey: idempotencyKeyFor(SESSION, 1), lock: { expiresAt: null } });
    await settle();
    expect(r.flow()).toBe('charging.paying');
    expect(r.gw.log.indexOf('his.lockSlot')).toBeLessThan(r.gw.log.indexOf(`journalOrder ${merchantOrderNo(SESSION, 1)}`));
    expect(r.his.calls.find((c) => c.op === 'lockSlot')!.req).toMatchObject({ idempotencyKey: idempotencyKeyFor(SESSION, 1), slotId: 'S1', holdSeconds: 180 + 60 + 120 });
    const no = await pays(r);
    expect(r.actor.getSnapshot().status).toBe('done');
    const out = r.actor.getSnapshot().output!;
    expect(out).toMatchObject({ outcome: 'registered', printed: true, payment: { final: 'used', outTradeNo: no } });
    expect(out.registration).toMatchObject({ slotId: 'S1', paymentOrderNo: no, status: 'booked', idempotencyKey: idempotencyKeyFor(SESSION, 1) });
    expect(his.calls.find((c) => c.op === 'confirmRegistration')!.req).toEqual({ idempotencyKey: idempotencyKeyFor(SESSION, 1), paymentOrderNo: no });
    // both registrations stay valid
    expect(his.registrations.map((x) => [x.departmentId, x.status])).toEqual([
      ['D2', 'booked'],
      ['D1', 'booked'],
    ]);
    expect(r.ops()).not.toContain('releaseSlot');
    expect(r.prints[0]).toMatchObject({ printJobId: `${SESSION}-slip-1`, job: registrationSlip(out.registration!, PATIENT, KIOSK, '门诊楼二层') });
    expect(JSON.stringify(r.prints[0]!.job)).toContain('门诊楼二层');
    expect(r.journal.records.map((x) => x.state)).toEqual(['awaiting-payment', 'paid', 'used']);
  });

  it('the same department today is asked as soon as it is chosen, before any lock or order: ADD_ANYWAY goes on (both valid), BACK chooses another', async () => {
    const his = new FakeHis();
    const earlier = his.book(PATIENT, 'S2'); // 内科, D1
    const r = run({}, { his });
    await toConfirmed(r, { department: 'D1' });
    expect(r.flow()).toBe('sameDepartment');
    expect(registrationView(r.actor.getSnapshot()).conflict).toEqual({ reason: 'same-department', existing: [earlier] });
    expect(r.gw.orders.size).toBe(0);
    r.actor.send({ type: 'BACK' });
    expect(r.flow()).toBe('choosingDepartment');
    r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
    r.actor.send({ type: 'ADD_ANYWAY' });
    await settle();
    expect(r.flow()).toBe('choosingDoctor');
    r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
    await settle();
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'S1' });
    r.actor.send({ type: 'CONFIRM' });
    r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
    await settle();
    expect(his.calls.find((c) => c.op === 'lockSlot')!.req).toMatchObject({ allowSameDepartment: true });
    await pays(r);
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'registered' });
    expect(his.registrations.filter((x) => x.departmentId === 'D1' && x.status === 'booked')).toHaveLength(2);
  });

  it('booked in that department meanwhile (the HIS refuses the lock): asked before payment; ADD_ANYWAY locks again with a new key', async () => {
    const his = new FakeHis();
    const r = run({}, { his });
    r.actor.send({ type: 'CARD_READ', card: CARD });
    await settle();
    // at the desk, while the patient chooses at the kiosk
    his.book(PATIENT, 'S2');
    await toConfirmed(r);
    expect(r.flow()).toBe('sameDepartment');
    expect(r.gw.orders.size).toBe(0);
    expect(r.actor.getSnapshot().context.lock).toBeNull();
    r.actor.send({ type: 'ADD_ANYWAY' });
    await settle();
    expect(r.flow()).toBe('charging.paying');
    const locks = his.calls.filter((c) => c.op === 'lockSlot').map((c) => c.req);
    expect(locks).toEqual([
      expect.objectContaining({ idempotencyKey: idempotencyKeyFor(SESSION, 1) }),
      expect.objectContaining({ idempotencyKey: idempotencyKeyFor(SESSION, 2), allowSameDepartment: true }),
    ]);
    await pays(r);
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', registration: { idempotencyKey: idempotencyKeyFor(SESSION, 2) } });
  });

  it('slot taken meanwhile: told at the lock, before any money; another slot is chosen and paid once', async () => {
    const his = new FakeHis();
    his.taken.add('S1');
    const r = run({}, { his });
    await toConfirmed(r);
    expect(r.flow()).toBe('slotTaken');
    expect(registrationView(r.actor.getSnapshot()).conflict).toEqual({ reason: 'slot-taken', slotId: 'S1' });
    expect(r.gw.orders.size).toBe(0);
    r.actor.send({ type: 'CHOOSE_ANOTHER_SLOT' });
    await settle();
    expect(r.flow()).toBe('choosingSlot');
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'S2' });
    r.actor.send({ type: 'CONFIRM' });
    r.actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
    await settle();
    const no = await pays(r);
    expect(no).toBe(merchantOrderNo(SESSION, 1));
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', registration: { slotId: 'S2', paymentOrderNo: no, idempotencyKey: idempotencyKeyFor(SESSION, 2) } });
    expect([...r.gw.orders.keys()]).toEqual([no]);
  });

  it.each([
    ['21:48', '2025-11-25T21:48:00+08:00', []],
    ['09:10 (09:00–09:30 still on)', '2025-11-25T09:10:00+08:00', ['S1', 'S2', 'S3']],
    ['09:30', '2025-11-25T09:30:00+08:00', ['S2', 'S3']],
    ['07:00', '2025-11-25T07:00:00+08:00', ['S1', 'S2', 'S3']],
  ])('at %s Shanghai, slots whose time is over are not offered, even when the HIS lists them', async (_label, at, offered) => {
    const his = new FakeHis();
    his.slots = his.slots.map((s) => ({ ...s, doctorId: 'DR1' }));
    const r = run({}, { his, at: Date.parse(at) });
    await toConfirmed(r, { slot: 'S1' });
    const view = registrationView(r.actor.getSnapshot());
    expect(view.slots.map((s) => s.id)).toEqual(offered);
    if (offered.includes('S1')) expect(r.flow()).toBe('charging.paying');
    else {
      expect(r.flow()).toBe('choosingSlot');
      expect(r.ops()).not.toContain('lockSlot');
    }
  });

  it('confirm result unknown: the same key again; the HIS replays the booking (no double booking, no refund)', async () => {
    const his = new FakeHis();
    his.fail('confirmRegistration', afterActing(timeoutError('his')));
    const r = run({}, { his });
    const no = await toPaid(r);
    expect(r.flow()).toBe('charging.registerPausing');
    r.clock.increment(1_000);
    await settle();
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', payment: { final: 'used' } });
    const keys = his.calls.filter((c) => c.op === 'confirmRegistration').map((c) => (c.req as { idempotencyKey: string }).idempotencyKey);
    expect(keys).toEqual([idempotencyKeyFor(SESSION, 1), idempotencyKeyFor(SESSION, 1)]);
    expect(his.registrations).toHaveLength(1);
    expect(r.gw.netFen(no)).toBe(5000);
  });

  it('confirm keeps timing out: ask the HIS by key; not there → refund, and the place is released', async () => {
    const his = new FakeHis();
    his.fail('confirmRegistration', timeoutError('his'), timeoutError('his'), timeoutError('his'));
    const r = run({}, { his });
    const no = await toPaid(r);
    r.clock.increment(1_000);
    await settle();
    r.clock.increment(2_000);
    await settle();
    expect(r.ops().filter((op) => ['confirmRegistration', 'registrationByKey', 'releaseSlot'].includes(op))).toEqual(['confirmRegistration', 'confirmRegistration', 'confirmRegistration', 'registrationByKey', 'releaseSlot']);
    expect(r.flow()).toBe('moneyReturned');
    expect(r.actor.getSnapshot().context.refundReason).toBe('register-failed');
    expect(r.gw.netFen(no)).toBe(0);
    expect(his.held()).toEqual([]);
  });

  it('the hold ran out before the confirm (not held): the money goes back; refused (not done) likewise', async () => {
    const his = new FakeHis();
    const r = run({}, { his });
    await toConfirmed(r);
    his.locks.get(idempotencyKeyFor(SESSION, 1))!.status = 'released';
    const no = await pays(r);
    expect(r.flow()).toBe('moneyReturned');
    expect(r.gw.netFen(no)).toBe(0);
    expect(r.gw.log).toContain(`refund ${no} ${refundNoFor(no)}`);

    const blocked = new FakeHis();
    blocked.fail('confirmRegistration', rejected('PATIENT_BLOCKED', 'his'));
    const b = run({}, { his: blocked });
    const paid = await toPaid(b);
    expect(b.flow()).toBe('moneyReturned');
    expect(b.gw.netFen(paid)).toBe(0);
    expect(registrationView(b.actor.getSnapshot()).failureCode).toBe('PATIENT_BLOCKED');
    expect(blocked.held()).toEqual([]);
  });

  it('cancel while the QR is shown: the order is closed and the place released; cancel just as the patient paid: refunded and released', async () => {
    const r = run();
    await toConfirmed(r);
    expect(r.his.held()).toHaveLength(1);
    r.actor.send({ type: 'CANCEL' });
    await settle();
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'cancelled', payment: { final: 'closed', wasPaid: false } });
    expect(r.gw.log).toContain(`closeOrder ${merchantOrderNo(SESSION, 1)}`);
    expect(r.his.held()).toEqual([]);

    const late = run();
    late.gw.fail('closeOrder', rejected('ORDER_PAID'));
    await toConfirmed(late);
    const no = merchantOrderNo(SESSION, 1);
    late.gw.pay(no);
    late.actor.send({ type: 'CANCEL' });
    await settle(10);
    expect(late.flow()).toBe('moneyReturned');
    expect(late.gw.netFen(no)).toBe(0);
    expect(late.ops()).not.toContain('confirmRegistration');
    expect(late.his.held()).toEqual([]);
    late.actor.send({ type: 'DONE' });
    expect(late.actor.getSnapshot().output).toMatchObject({ outcome: 'cancelled', payment: { final: 'refunded' } });
  });

  it('cancel while the lock is on its way: the place is released by key, the session ends', async () => {
    const his = new FakeHis();
    const r = run({}, { his });
    const gateOpen: { open?: () => void } = {};
    const slow = fromPromise(async ({ input }: { input: Parameters<FakeHis['lockSlot']>[0] }) => {
      await new Promise<void>((res) => (gateOpen.open = res));
      return his.lockSlot(input);
    });
    const actor = createActor(r.machine.provide({ actors: { lockSlot: slow } as never }), { clock: r.clock, input: baseInput });
    actor.start();
    actor.send({ type: 'CARD_READ', card: CARD });
    await settle();
    actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
    await settle();
    actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
    await settle();
    actor.send({ type: 'SLOT_CHOSEN', slotId: 'S1' });
    actor.send({ type: 'CONFIRM' });
    actor.send({ type: 'PAYMENT_METHOD_CHOSEN', method: 'nativeQr' });
    await settle();
    expect(flowOf(actor.getSnapshot() as unknown as View)).toBe('lockingSlot');
    actor.send({ type: 'CANCEL' });
    await settle();
    expect(actor.getSnapshot().output).toMatchObject({ outcome: 'cancelled', payment: null });
    expect(his.calls.filter((c) => c.op === 'releaseSlot').map((c) => c.req)).toEqual([{ idempotencyKey: idempotencyKeyFor(SESSION, 1) }]);
    // the lock request lands after all: the released key takes no place
    gateOpen.open!();
    await settle();
    expect(his.lockSlot({ idempotencyKey: idempotencyKeyFor(SESSION, 1), patient: PATIENT, slotId: 'S1', holdSeconds: 60 })).toEqual({ outcome: 'conflict', reason: 'key-reused' });
    expect(his.held()).toEqual([]);
  });

  it('payment deadline passes: nothing taken, the place released; paying again locks again with a new key', async () => {
    const r = run({ payment: { methods: ['nativeQr'], orderDeadlineSeconds: 60, settleWaitSeconds: 5 } });
    r.actor.send({ type: 'CARD_READ', card: CARD });
    await settle();
    r.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'D1' });
    await settle();
    r.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'DR1' });
    await settle();
    r.actor.send({ type: 'SLOT_CHOSEN', slotId: 'S1' });
    r.actor.send({ type: 'CONFIRM' });
    await settle();
    expect(r.flow()).toBe('charging.paying');
    for (let i = 0; i < 10 && r.flow() !== 'paymentNotCompleted'; i++) {
      r.clock.increment(10_000);
      await settle();
    }
    expect(r.flow()).toBe('paymentNotCompleted');
    expect(r.his.held()).toEqual([]);
    r.actor.send({ type: 'RETRY_PAYMENT' });
    await settle();
    expect(r.flow()).toBe('charging.paying');
    expect(r.his.calls.filter((c) => c.op === 'lockSlot').map((c) => (c.req as { idempotencyKey: string }).idempotencyKey)).toEqual([idempotencyKeyFor(SESSION, 1), idempotencyKeyFor(SESSION, 2)]);
    const no = await pays(r);
    expect(no).toBe(merchantOrderNo(SESSION, 2));
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', registration: { idempotencyKey: idempotencyKeyFor(SESSION, 2) } });
  });

  it('the lock gets no answer: the same key twice more, then the place is released by key and the HIS said to be unavailable; RETRY is a new attempt', async () => {
    const his = new FakeHis();
    his.fail('lockSlot', timeoutError('his'), timeoutError('his'), afterActing(timeoutError('his')));
    const r = run({}, { his });
    await toConfirmed(r);
    r.clock.increment(1_000);
    await settle();
    r.clock.increment(2_000);
    await settle();
    expect(r.flow()).toBe('unavailable');
    expect(r.ops().filter((op) => op === 'lockSlot' || op === 'releaseSlot')).toEqual(['lockSlot', 'lockSlot', 'lockSlot', 'releaseSlot']);
    expect(his.held()).toEqual([]);
    expect(r.gw.orders.size).toBe(0);
    r.actor.send({ type: 'RETRY' });
    await settle();
    expect(r.flow()).toBe('charging.paying');
    expect(r.actor.getSnapshot().context.idempotencyKey).toBe(idempotencyKeyFor(SESSION, 2));
  });

  it('a release the HIS does not answer is tried three times, then the hold is left to expire there', async () => {
    const his = new FakeHis();
    his.fail('releaseSlot', timeoutError('his'), timeoutError('his'), timeoutError('his'));
    const r = run({}, { his });
    await toConfirmed(r);
    r.actor.send({ type: 'CANCEL' });
    await settle();
    r.clock.increment(1_000);
    await settle();
    r.clock.increment(2_000);
    await settle();
    expect(r.ops().filter((op) => op === 'releaseSlot')).toHaveLength(3);
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'cancelled' });
    expect(r.actor.getSnapshot().context.lock).toBeNull();
  });

  it('a shorter hold than asked shortens the payment deadline, so nobody pays for a place already given back', async () => {
    const his = new FakeHis();
    his.expiresAt = MORNING + 300_000; // five minutes
    const r = run({ payment: { methods: ['nativeQr'], orderDeadlineSeconds: 180, settleWaitSeconds: 60 } }, { his });
    await toConfirmed(r);
    expect(r.flow()).toBe('charging.paying');
    // 300 s − 60 s settle − 120 s for confirming
    expect(r.payment()!.getSnapshot().context).toMatchObject({ deadlineSeconds: 120 });
    // a configured deadline shorter than anything the hold needs is kept as it is
    const quick = run({ payment: { methods: ['nativeQr'], orderDeadlineSeconds: 10, settleWaitSeconds: 4 } });
    await toConfirmed(quick);
    expect(quick.payment()!.getSnapshot().context).toMatchObject({ deadlineSeconds: 10 });
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

  it('a session restored mid-refund keeps its refund number, forwards the resume to the payment, finishes the refund and releases the place', async () => {
    const his = new FakeHis();
    his.fail('confirmRegistration', rejected('PATIENT_BLOCKED', 'his'));
    const r = run({}, { his });
    r.gw.fail('refund', afterActing(timeoutError()));
    const no = await toPaid(r);
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
    expect(his.held()).toEqual([]);
  });

  it('payment code: the scan is passed to the payment, charged, registered', async () => {
    const r = run();
    await toConfirmed(r, { method: 'paymentCode' });
    expect(r.payment()!.getSnapshot().value).toBe('waitingForPaymentCode');
    r.actor.send({ type: 'PAYMENT_CODE_SCANNED', code: '134567890123456789' });
    await settle();
    expect(r.actor.getSnapshot().output).toMatchObject({ outcome: 'registered', payment: { final: 'used', method: 'paymentCode' } });
    const money = r.gw.log.filter((l) => !l.startsWith('record'));
    expect(money.slice(money.indexOf('his.lockSlot'), money.indexOf('his.lockSlot') + 3)).toEqual(['his.lockSlot', `journalOrder ${merchantOrderNo(SESSION, 1)}`, `micropay ${merchantOrderNo(SESSION, 1)}`]);
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
      { ...his.slots[0]!, id: 'FULL', remaining: 0 },
      { ...his.slots[0]!, id: 'FREE', feeFen: 0 },
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
