/**
 * Hospital registration (挂号):
 *
 *   identifying ─ CARD_READ / MEDICAL_INSURANCE_SCANNED → loadingRegistrations
 *     ├─ today's registrations exist → existingRegistrations (shown first: CONTINUE | DONE)
 *     └─ loadingDepartments → choosingDepartment → loadingDoctors → choosingDoctor
 *          → loadingSlots → choosingSlot → confirmingFee (CONFIRM: the idempotency key is made here)
 *          → choosingPaymentMethod → charging:
 *               paying (the payment machine is a child, invoked for the whole of `charging`)
 *                 └ PAYMENT_PAID → registering (register with the key kept in context)
 *                     ├ booked → markingUsed (MARK_USED → payment final 'used') → printingSlip → takingSlip → ended
 *                     ├ conflict existing-registration → existingConflict: KEEP_EXISTING → refund | ADD_ANYWAY → registering (new key)
 *                     ├ conflict slot-taken → refund → moneyReturned (CHOOSE_ANOTHER_SLOT)
 *                     └ failed (not done) → refund;  unknown → same key again, then registrationByKey, else refund
 *
 * Never an implicit cancel: this machine has no way to cancel a booking at all; a second
 * registration for the same patient is an explicit choice (ADD_ANYWAY with allowAdditional).
 *
 * Idempotency keys (decided): one key per *booking attempt*, `${sessionId}-R${n}`, assigned in the
 * transition before the first call (so it is in the journaled snapshot before the HIS sees it)
 * and reused for every retry of that attempt (timeouts, a restore). ADD_ANYWAY is a new
 * decision by the patient after a definite "not booked (conflict)" answer, so it is a new
 * attempt with a new key: reusing the old key would make the request differ from the first one
 * under the same key (allowAdditional), which the HIS may rightly refuse as key-reused, or it may
 * replay the cached conflict forever.
 *
 * Slot taken after payment (decided): refund first, then let the patient choose another slot and
 * pay again. Carrying the paid order over would keep money held while the patient browses (idle
 * timeouts, abandoned sessions) and tie an order whose amount and description name one slot to
 * another; refund-first keeps every paid order bound to exactly one booking attempt.
 */
import { assign, fromPromise, raise, sendTo, setup } from 'xstate';
import type { Department, Doctor, Patient, RegisterRequest, RegisterResult, Registration, Slot } from '../backends/his/types.ts';
import type { PrintJob } from '../drivers/printer/job.ts';
import { maskIdNumber, maskName } from '../contracts/pii.ts';
import { msUntil, systemNow, type Now } from './deadlines.ts';
import { backoffMs, callFailure, notProvided, printFailure, type CallFailure, type PrintFailure } from './failures.ts';
import { IDLE_REGION, idleDelays, idleTiming, type IdleContext, type IdleSettings, type NearbyKiosk } from './idle.ts';
import { createPaymentMachine, type PaymentMethod, type PaymentOutput, type PaymentPaidEvent } from './payment.machine.ts';
import type { IdCardLike, PrintReceiptInput, PrintReceiptOutput, UndeliveredRecord } from './provident-fund.machine.ts';
import { registrationSlip, type KioskIdentity } from './receipts.ts';

export type RegistrationIdentifyBy = 'idCard' | 'medicalInsuranceQr';

export interface RegistrationInput {
  sessionId: string;
  /** today in the kiosk's time zone, YYYY-MM-DD: registrations, doctors and slots are for today */
  today: string;
  kiosk: KioskIdentity;
  /** config services.hospitalRegistration.identifyBy (default both) */
  identifyBy?: RegistrationIdentifyBy[];
  /** config services.hospitalRegistration.allowWithoutPrinter */
  allowWithoutPrinter?: boolean;
  /** device health when the session started (default true) */
  printerAvailable?: boolean;
  /** config services.payment */
  payment?: { methods?: PaymentMethod[]; orderDeadlineSeconds?: number; settleWaitSeconds?: number };
  idle?: IdleSettings;
  elderlyMode?: boolean;
  takeReceiptSeconds?: number;
  nearbyKiosks?: NearbyKiosk[];
}

export type RegistrationOutcome = 'registered' | 'viewed-existing' | 'not-registered' | 'cancelled' | 'timeout';
export type RefundReason = 'kept-existing' | 'slot-taken' | 'register-failed' | 'cancelled' | 'timeout';
export type LoadStep = 'registrations' | 'departments' | 'doctors' | 'slots';

export interface RegistrationContext extends IdleContext {
  sessionId: string;
  today: string;
  kiosk: KioskIdentity;
  identifyBy: RegistrationIdentifyBy[];
  allowWithoutPrinter: boolean;
  printerAvailable: boolean;
  paymentMethods: PaymentMethod[];
  orderDeadlineSeconds: number;
  settleWaitSeconds: number;
  nearbyKiosks: NearbyKiosk[];
  takeReceiptMs: number;
  takeDeadline: number | null;
  patient: Patient | null;
  identifyProblem: string | null;
  /** today's registrations of this patient (shown first) */
  todays: Registration[];
  departments: Department[];
  doctors: Doctor[];
  slots: Slot[];
  department: Department | null;
  doctor: Doctor | null;
  slot: Slot | null;
  loadFailed: LoadStep | null;
  paymentMethod: PaymentMethod | null;
  paymentAttempt: number;
  paidOrder: { outTradeNo: string; amountFen: number; transactionId: string | null } | null;
  registrationAttempt: number;
  /** made before the first register call of an attempt, reused by every retry of it */
  idempotencyKey: string | null;
  allowAdditional: boolean;
  registerTries: number;
  conflict: { reason: 'existing-registration'; existing: Registration[] } | { reason: 'slot-taken'; slotId: string } | null;
  registration: Registration | null;
  refundReason: RefundReason | null;
  /** the last payment's result */
  payment: PaymentOutput | null;
  slip: PrintJob | null;
  printJobId: string | null;
  printFailure: PrintFailure | null;
  lastFailure: CallFailure | null;
  outcome: RegistrationOutcome | null;
}

export interface RegistrationOutput {
  outcome: RegistrationOutcome;
  registration: Registration | null;
  payment: PaymentOutput | null;
  printed: boolean;
  printJobId: string | null;
  fault: string | null;
}

export type RegistrationEvent =
  | { type: 'CARD_READ'; card: IdCardLike }
  | { type: 'MEDICAL_INSURANCE_SCANNED'; code: string }
  | { type: 'CONTINUE' }
  | { type: 'DONE' }
  | { type: 'DEPARTMENT_CHOSEN'; departmentId: string }
  | { type: 'DOCTOR_CHOSEN'; doctorId: string }
  | { type: 'SLOT_CHOSEN'; slotId: string }
  | { type: 'CONFIRM' }
  | { type: 'PAYMENT_METHOD_CHOSEN'; method: PaymentMethod }
  /** forwarded to the payment */
  | { type: 'PAYMENT_CODE_SCANNED'; code: string }
  /** the gateway's async notification for the order being paid: forwarded (the payment queries at once) */
  | { type: 'PAYMENT_NOTIFIED'; outTradeNo: string }
  /** from the payment child */
  | PaymentPaidEvent
  | { type: 'KEEP_EXISTING' }
  | { type: 'ADD_ANYWAY' }
  | { type: 'CHOOSE_ANOTHER_SLOT' }
  | { type: 'RETRY' }
  | { type: 'RETRY_PAYMENT' }
  | { type: 'BACK' }
  | { type: 'TAKEN' }
  | { type: 'CANCEL' }
  | { type: 'TOUCH' }
  /** sent by the runtime right after restoring a snapshot: re-arms the timers (and the payment's) */
  | { type: 'zizhu.resume' }
  // internal
  | { type: 'IDLE_TIMEOUT' }
  | { type: 'idle.restart' }
  | { type: 'idle.pause' };

export const REGISTER_TRIES = 3;

/** The idempotency key of the session's `attempt`-th booking attempt. */
export function idempotencyKeyFor(sessionId: string, attempt: number): string {
  return `${sessionId}-R${attempt}`;
}

export function delaysFor(now: Now = systemNow) {
  return {
    ...idleDelays(now),
    untilTakeDeadline: ({ context }: { context: RegistrationContext }) => msUntil(context.takeDeadline, now),
    registerRetryPause: ({ context }: { context: RegistrationContext }) => backoffMs(context.registerTries - 1),
  };
}

/**
 * The registration machine with its clock; its payment child gets the same clock. The runtime
 * provides the HIS and printer actors, and the payment child with its gateway actors:
 * `createRegistrationMachine(now).provide({ actors: { ..., payment: createPaymentMachine(now).provide({ actors, actions }) } })`.
 */
export function createRegistrationMachine(now: Now = systemNow) {
  return setup({
    types: {
      context: {} as RegistrationContext,
      events: {} as RegistrationEvent,
      input: {} as RegistrationInput,
      output: {} as RegistrationOutput,
    },
    actors: {
      /** 医保电子凭证 QR → who it is (the medical-insurance platform) */
      identifyByMedicalInsurance: fromPromise<Patient, { code: string }>(async () => notProvided('identifyByMedicalInsurance')),
      todaysRegistrations: fromPromise<Registration[], { idNumber: string; date: string }>(async () => notProvided('todaysRegistrations')),
      departments: fromPromise<Department[], Record<string, never>>(async () => notProvided('departments')),
      doctors: fromPromise<Doctor[], { departmentId: string; date: string }>(async () => notProvided('doctors')),
      slots: fromPromise<Slot[], { doctorId: string; date: string }>(async () => notProvided('slots')),
      register: fromPromise<RegisterResult, RegisterRequest>(async () => notProvided('register')),
      registrationByKey: fromPromise<Registration | null, { idempotencyKey: string }>(async () => notProvided('registrationByKey')),
      printReceipt: fromPromise<PrintReceiptOutput, PrintReceiptInput>(async () => notProvided('printReceipt')),
      payment: createPaymentMachine(now),
    },
    actions: {
      recordUndelivered: (_args, _params: UndeliveredRecord) => {},
      armIdle: assign({ idleDeadline: ({ context }) => now() + context.idleTimeoutMs }),
      raiseIdleTimeout: raise({ type: 'IDLE_TIMEOUT' }),
      armTakeDeadline: assign({ takeDeadline: ({ context }) => context.takeDeadline ?? now() + context.takeReceiptMs }),
      restartIdle: raise({ type: 'idle.restart' }),
      pauseIdle: raise({ type: 'idle.pause' }),
      outcome: assign({ outcome: ({ context }, params: { outcome: RegistrationOutcome }) => context.outcome ?? params.outcome }),
      failed: assign({ lastFailure: ({ event }) => callFailure((event as { error?: unknown }).error) }),
      nextPaymentAttempt: assign({ paymentAttempt: ({ context }) => context.paymentAttempt + 1, paidOrder: null, payment: null }),
      nextRegistrationAttempt: assign({
        registrationAttempt: ({ context }) => context.registrationAttempt + 1,
        idempotencyKey: ({ context }) => idempotencyKeyFor(context.sessionId, context.registrationAttempt + 1),
        registerTries: 0,
        conflict: null,
      }),
      forgetPersonalData: assign({ patient: null, todays: [], conflict: null }),
    },
    guards: {
      singleMethod: ({ context }) => context.paymentMethods.length === 1,
    },
    delays: delaysFor(now),
  }).createMachine({
    id: 'registration',
    context: ({ input }) => {
      const methods = input.payment?.methods && input.payment.methods.length > 0 ? [...new Set(input.payment.methods)] : (['nativeQr', 'paymentCode'] as PaymentMethod[]);
      return {
        sessionId: input.sessionId,
        today: input.today,
        kiosk: input.kiosk,
        identifyBy: input.identifyBy && input.identifyBy.length > 0 ? input.identifyBy : ['idCard', 'medicalInsuranceQr'],
        allowWithoutPrinter: input.allowWithoutPrinter ?? false,
        printerAvailable: input.printerAvailable ?? true,
        paymentMethods: methods,
        orderDeadlineSeconds: input.payment?.orderDeadlineSeconds ?? 180,
        settleWaitSeconds: input.payment?.settleWaitSeconds ?? 60,
        nearbyKiosks: input.nearbyKiosks ?? [],
        ...idleTiming(input.idle, input.elderlyMode),
        idleDeadline: null,
        takeReceiptMs: (input.takeReceiptSeconds ?? 15) * (input.elderlyMode ? 2 : 1) * 1000,
        takeDeadline: null,
        patient: null,
        identifyProblem: null,
        todays: [],
        departments: [],
        doctors: [],
        slots: [],
        department: null,
        doctor: null,
        slot: null,
        loadFailed: null,
        paymentMethod: methods.length === 1 ? methods[0]! : null,
        paymentAttempt: 0,
        paidOrder: null,
        registrationAttempt: 0,
        idempotencyKey: null,
        allowAdditional: false,
        registerTries: 0,
        conflict: null,
        registration: null,
        refundReason: null,
        payment: null,
        slip: null,
        printJobId: null,
        printFailure: null,
        lastFailure: null,
        outcome: null,
      };
    },
    initial: 'session',
    states: {
      session: {
        type: 'parallel',
        states: {
          flow: {
            initial: 'identifying',
            on: {
              CANCEL: { target: '#registration.ended', actions: { type: 'outcome', params: { outcome: 'cancelled' } } },
              IDLE_TIMEOUT: { target: '#registration.ended', actions: { type: 'outcome', params: { outcome: 'timeout' } } },
            },
            states: {
              identifying: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  CARD_READ: [
                    { guard: ({ context }) => !context.identifyBy.includes('idCard'), actions: assign({ identifyProblem: 'method-not-offered' }) },
                    { guard: ({ event }) => event.card.idNumberValid === false || !event.card.idNumber, actions: assign({ identifyProblem: 'card-unreadable' }) },
                    {
                      target: 'loadingRegistrations',
                      actions: assign({ patient: ({ event }) => ({ name: event.card.name, idNumber: event.card.idNumber }), identifyProblem: null }),
                    },
                  ],
                  MEDICAL_INSURANCE_SCANNED: [
                    { guard: ({ context }) => context.identifyBy.includes('medicalInsuranceQr'), target: 'resolvingVoucher', actions: assign({ identifyProblem: null }) },
                    { actions: assign({ identifyProblem: 'method-not-offered' }) },
                  ],
                },
              },
              resolvingVoucher: {
                entry: 'pauseIdle',
                invoke: {
                  src: 'identifyByMedicalInsurance',
                  input: ({ event }) => ({ code: event.type === 'MEDICAL_INSURANCE_SCANNED' ? event.code.trim() : '' }),
                  onDone: { target: 'loadingRegistrations', actions: assign({ patient: ({ event }) => ({ name: event.output.name, idNumber: event.output.idNumber }) }) },
                  onError: { target: 'identifying', actions: ['failed', assign({ identifyProblem: 'code-not-recognised' })] },
                },
              },
              loadingRegistrations: {
                entry: 'pauseIdle',
                invoke: {
                  src: 'todaysRegistrations',
                  input: ({ context }) => ({ idNumber: context.patient?.idNumber ?? '', date: context.today }),
                  onDone: [
                    {
                      guard: ({ event }) => event.output.some((r) => r.status === 'booked'),
                      target: 'existingRegistrations',
                      actions: assign({ todays: ({ event }) => event.output.filter((r) => r.status === 'booked') }),
                    },
                    { target: 'loadingDepartments', actions: assign({ todays: [] }) },
                  ],
                  onError: { target: 'unavailable', actions: ['failed', assign({ loadFailed: 'registrations' as const })] },
                },
              },
              /** today's registrations, shown before anything else */
              existingRegistrations: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  CONTINUE: 'loadingDepartments',
                  DONE: { target: '#registration.ended', actions: { type: 'outcome', params: { outcome: 'viewed-existing' } } },
                },
              },
              loadingDepartments: {
                entry: 'pauseIdle',
                invoke: {
                  src: 'departments',
                  input: () => ({}),
                  onDone: { target: 'choosingDepartment', actions: assign({ departments: ({ event }) => event.output }) },
                  onError: { target: 'unavailable', actions: ['failed', assign({ loadFailed: 'departments' as const })] },
                },
              },
              choosingDepartment: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  DEPARTMENT_CHOSEN: {
                    guard: ({ context, event }) => context.departments.some((d) => d.id === event.departmentId),
                    target: 'loadingDoctors',
                    actions: assign({ department: ({ context, event }) => context.departments.find((d) => d.id === event.departmentId) ?? null }),
                  },
                },
              },
              loadingDoctors: {
                entry: 'pauseIdle',
                invoke: {
                  src: 'doctors',
                  input: ({ context }) => ({ departmentId: context.department?.id ?? '', date: context.today }),
                  onDone: { target: 'choosingDoctor', actions: assign({ doctors: ({ event }) => event.output }) },
                  onError: { target: 'unavailable', actions: ['failed', assign({ loadFailed: 'doctors' as const })] },
                },
              },
              choosingDoctor: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  DOCTOR_CHOSEN: {
                    guard: ({ context, event }) => context.doctors.some((d) => d.id === event.doctorId),
                    target: 'loadingSlots',
                    actions: assign({ doctor: ({ context, event }) => context.doctors.find((d) => d.id === event.doctorId) ?? null }),
                  },
                  BACK: 'choosingDepartment',
                },
              },
              loadingSlots: {
                entry: 'pauseIdle',
                invoke: {
                  src: 'slots',
                  input: ({ context }) => ({ doctorId: context.doctor?.id ?? '', date: context.today }),
                  onDone: { target: 'choosingSlot', actions: assign({ slots: ({ event }) => event.output }) },
                  onError: { target: 'unavailable', actions: ['failed', assign({ loadFailed: 'slots' as const })] },
                },
              },
              choosingSlot: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  SLOT_CHOSEN: {
                    // a free slot (fee 0) would need no payment: not offered by this flow yet
                    guard: ({ context, event }) => context.slots.some((s) => s.id === event.slotId && s.remaining > 0 && s.feeFen > 0),
                    target: 'confirmingFee',
                    actions: assign({ slot: ({ context, event }) => context.slots.find((s) => s.id === event.slotId) ?? null }),
                  },
                  BACK: 'choosingDoctor',
                },
              },
              confirmingFee: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  CONFIRM: [
                    { guard: 'singleMethod', target: 'charging', actions: ['nextRegistrationAttempt', assign({ allowAdditional: false }), 'nextPaymentAttempt'] },
                    { target: 'choosingPaymentMethod', actions: ['nextRegistrationAttempt', assign({ allowAdditional: false })] },
                  ],
                  BACK: 'choosingSlot',
                },
              },
              choosingPaymentMethod: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  PAYMENT_METHOD_CHOSEN: {
                    guard: ({ context, event }) => context.paymentMethods.includes(event.method),
                    target: 'charging',
                    actions: [assign({ paymentMethod: ({ event }) => event.method }), 'nextPaymentAttempt'],
                  },
                  BACK: 'confirmingFee',
                },
              },
              /** a back office did not answer while loading: offer to try again */
              unavailable: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  RETRY: [
                    { guard: ({ context }) => context.loadFailed === 'registrations', target: 'loadingRegistrations' },
                    { guard: ({ context }) => context.loadFailed === 'departments', target: 'loadingDepartments' },
                    { guard: ({ context }) => context.loadFailed === 'doctors', target: 'loadingDoctors' },
                    { target: 'loadingSlots' },
                  ],
                },
              },

              /** the payment child lives as long as this state: it is paid, used or refunded inside it */
              charging: {
                invoke: {
                  id: 'payment',
                  src: 'payment',
                  input: ({ context }) => ({
                    sessionId: context.sessionId,
                    amountFen: context.slot?.feeFen ?? 0,
                    description: `挂号费 ${context.department?.name ?? ''} ${context.doctor?.name ?? ''}`.trim(),
                    methods: context.paymentMethods,
                    method: context.paymentMethod,
                    attempt: context.paymentAttempt,
                    deadlineSeconds: context.orderDeadlineSeconds,
                    settleWaitSeconds: context.settleWaitSeconds,
                  }),
                  onDone: [
                    {
                      guard: ({ event }) => event.output.final === 'used',
                      target: 'slipReady',
                      actions: assign({
                        payment: ({ event }) => event.output,
                        slip: ({ context }) => (context.registration ? registrationSlip(context.registration, context.patient ?? { name: '' }, context.kiosk) : null),
                      }),
                    },
                    {
                      guard: ({ context, event }) => event.output.wasPaid && context.outcome === 'timeout',
                      target: '#registration.ended',
                      actions: assign({ payment: ({ event }) => event.output }),
                    },
                    { guard: ({ event }) => event.output.wasPaid, target: 'moneyReturned', actions: assign({ payment: ({ event }) => event.output }) },
                    {
                      guard: ({ context }) => context.outcome === 'cancelled' || context.outcome === 'timeout',
                      target: '#registration.ended',
                      actions: assign({ payment: ({ event }) => event.output }),
                    },
                    { target: 'paymentNotCompleted', actions: assign({ payment: ({ event }) => event.output }) },
                  ],
                },
                on: {
                  IDLE_TIMEOUT: { target: '.refunding', actions: [{ type: 'outcome', params: { outcome: 'timeout' } }, assign({ refundReason: 'timeout' as const })] },
                  'zizhu.resume': { actions: sendTo('payment', { type: 'zizhu.resume' }) },
                  // money may be moving: a cancel is decided per step below
                  CANCEL: { actions: [] },
                },
                initial: 'paying',
                states: {
                  paying: {
                    entry: 'pauseIdle',
                    on: {
                      PAYMENT_PAID: {
                        target: 'registering',
                        actions: assign({ paidOrder: ({ event }) => ({ outTradeNo: event.outTradeNo, amountFen: event.amountFen, transactionId: event.transactionId }) }),
                      },
                      PAYMENT_CODE_SCANNED: { actions: sendTo('payment', ({ event }) => event) },
                      PAYMENT_NOTIFIED: { actions: sendTo('payment', ({ event }) => event) },
                      // the payment's own method step (only when no method was chosen before charging)
                      PAYMENT_METHOD_CHOSEN: { actions: sendTo('payment', ({ event }) => ({ type: 'METHOD_CHOSEN' as const, method: event.method })) },
                      // before payment: the payment closes the order; if it turns out paid, it refunds
                      CANCEL: { actions: [{ type: 'outcome', params: { outcome: 'cancelled' } }, sendTo('payment', { type: 'CANCEL' })] },
                    },
                  },
                  registering: {
                    entry: ['pauseIdle', assign({ registerTries: ({ context }) => context.registerTries + 1 })],
                    invoke: {
                      src: 'register',
                      input: ({ context }) => ({
                        idempotencyKey: context.idempotencyKey ?? idempotencyKeyFor(context.sessionId, context.registrationAttempt),
                        patient: context.patient ?? { idNumber: '', name: '' },
                        slotId: context.slot?.id ?? '',
                        paymentOrderNo: context.paidOrder?.outTradeNo ?? '',
                        ...(context.allowAdditional ? { allowAdditional: true } : {}),
                      }),
                      onDone: [
                        { guard: ({ event }) => event.output.outcome === 'booked', target: 'markingUsed', actions: assign({ registration: ({ event }) => bookedOf(event.output) }) },
                        {
                          guard: ({ event }) => event.output.outcome === 'conflict' && event.output.reason === 'existing-registration',
                          target: 'existingConflict',
                          actions: assign({ conflict: ({ event }) => conflictOf(event.output) }),
                        },
                        {
                          guard: ({ event }) => event.output.outcome === 'conflict' && event.output.reason === 'slot-taken',
                          target: 'refunding',
                          actions: assign({ conflict: ({ event }) => conflictOf(event.output), refundReason: 'slot-taken' as const }),
                        },
                        // key-reused: a booking under our key — ours only if our order paid for it
                        {
                          guard: ({ context, event }) =>
                            event.output.outcome === 'conflict' &&
                            event.output.reason === 'key-reused' &&
                            event.output.existing.paymentOrderNo === context.paidOrder?.outTradeNo &&
                            event.output.existing.status === 'booked',
                          target: 'markingUsed',
                          actions: assign({ registration: ({ event }) => (event.output.outcome === 'conflict' && event.output.reason === 'key-reused' ? event.output.existing : null) }),
                        },
                        { target: 'refunding', actions: assign({ refundReason: 'register-failed' as const }) },
                      ],
                      onError: [
                        // the HIS may have booked: ask again with the same key (it replays the booking)
                        {
                          guard: ({ context, event }) => callFailure(event.error).outcome === 'unknown' && context.registerTries < REGISTER_TRIES,
                          target: 'registerPausing',
                          actions: 'failed',
                        },
                        { guard: ({ event }) => callFailure(event.error).outcome === 'unknown', target: 'checkingRegistration', actions: 'failed' },
                        { target: 'refunding', actions: ['failed', assign({ refundReason: 'register-failed' as const })] },
                      ],
                    },
                  },
                  registerPausing: {
                    after: { registerRetryPause: 'registering' },
                    on: { 'zizhu.resume': { target: 'registerPausing', reenter: true, actions: sendTo('payment', { type: 'zizhu.resume' }) } },
                  },
                  /** still no answer after the retries: what does the HIS have under our key? */
                  checkingRegistration: {
                    invoke: {
                      src: 'registrationByKey',
                      input: ({ context }) => ({ idempotencyKey: context.idempotencyKey ?? '' }),
                      onDone: [
                        { guard: ({ event }) => event.output !== null && event.output.status === 'booked', target: 'markingUsed', actions: assign({ registration: ({ event }) => event.output }) },
                        { target: 'refunding', actions: assign({ refundReason: 'register-failed' as const }) },
                      ],
                      // policy: money back when the booking cannot be confirmed (reconciliation re-checks the key)
                      onError: { target: 'refunding', actions: ['failed', assign({ refundReason: 'register-failed' as const })] },
                    },
                  },
                  /** 您今天已有挂号：保留已有挂号（退款）还是再挂一个？ */
                  existingConflict: {
                    entry: ['armIdle', 'restartIdle'],
                    on: {
                      KEEP_EXISTING: { target: 'refunding', actions: assign({ refundReason: 'kept-existing' as const }) },
                      ADD_ANYWAY: { target: 'registering', actions: ['nextRegistrationAttempt', assign({ allowAdditional: true })] },
                      CANCEL: { target: 'refunding', actions: [{ type: 'outcome', params: { outcome: 'cancelled' } }, assign({ refundReason: 'cancelled' as const })] },
                    },
                  },
                  markingUsed: {
                    entry: ['pauseIdle', sendTo('payment', { type: 'MARK_USED' })],
                  },
                  refunding: {
                    entry: ['pauseIdle', sendTo('payment', ({ context }) => ({ type: 'REFUND_REQUESTED' as const, reason: refundWords(context.refundReason) }))],
                  },
                },
              },

              /** money went back (or is on its way): say why; after slot-taken, offer another slot */
              moneyReturned: {
                entry: ['armIdle', 'restartIdle', { type: 'outcome', params: { outcome: 'not-registered' } }],
                on: {
                  CHOOSE_ANOTHER_SLOT: {
                    guard: ({ context }) => context.refundReason === 'slot-taken' && context.outcome === 'not-registered',
                    target: 'loadingSlots',
                    actions: assign({ outcome: null, slot: null, conflict: null, refundReason: null }),
                  },
                  DONE: '#registration.ended',
                },
              },
              /** the payment did not go through (declined, deadline, gateway down): nothing was taken */
              paymentNotCompleted: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  RETRY_PAYMENT: [
                    { guard: 'singleMethod', target: 'charging', actions: 'nextPaymentAttempt' },
                    { target: 'choosingPaymentMethod' },
                  ],
                  DONE: { target: '#registration.ended', actions: { type: 'outcome', params: { outcome: 'not-registered' } } },
                },
              },
              slipReady: {
                entry: { type: 'outcome', params: { outcome: 'registered' } },
                always: [
                  { guard: ({ context }) => !context.printerAvailable && context.allowWithoutPrinter, target: 'slipOnScreen' },
                  { target: 'printingSlip', actions: assign({ printJobId: ({ context }) => `${context.sessionId}-slip-${context.registrationAttempt}` }) },
                ],
              },
              printingSlip: {
                entry: 'pauseIdle',
                invoke: {
                  src: 'printReceipt',
                  input: ({ context }) => ({
                    job: context.slip ?? { title: '挂号凭条', lines: [{ kind: 'text' as const, text: '' }] },
                    sessionId: context.sessionId,
                    printJobId: context.printJobId ?? `${context.sessionId}-slip-${context.registrationAttempt}`,
                    kind: 'registration-slip',
                  }),
                  onDone: [{ guard: ({ event }) => event.output.taken === true, target: '#registration.ended' }, { target: 'takingSlip' }],
                  onError: {
                    target: 'slipNotPrinted',
                    actions: [
                      assign({ printFailure: ({ event }) => printFailure(event.error) }),
                      {
                        type: 'recordUndelivered',
                        params: ({ context }) => ({
                          sessionId: context.sessionId,
                          service: 'hospitalRegistration' as const,
                          printJobId: context.printJobId,
                          title: '挂号凭条',
                          fault: context.printFailure?.code ?? 'PRINT_NOT_DELIVERED',
                          detail: context.printFailure?.detail ?? '',
                        }),
                      },
                    ],
                  },
                },
                on: { CANCEL: { actions: [] } },
              },
              takingSlip: {
                entry: ['pauseIdle', 'armTakeDeadline'],
                after: { untilTakeDeadline: '#registration.ended' },
                on: {
                  TAKEN: '#registration.ended',
                  DONE: '#registration.ended',
                  CANCEL: '#registration.ended',
                  'zizhu.resume': { target: 'takingSlip', reenter: true },
                },
              },
              /** printer out of service and the config allows it: the slip on screen */
              slipOnScreen: {
                entry: ['armIdle', 'restartIdle'],
                on: { DONE: '#registration.ended' },
              },
              /** the slip did not come out: the registration stands; show it on screen, say so */
              slipNotPrinted: {
                entry: ['armIdle', 'restartIdle'],
                on: { DONE: '#registration.ended' },
              },
            },
          },
          idle: IDLE_REGION,
        },
      },
      ended: { type: 'final', entry: 'forgetPersonalData' },
    },
    output: ({ context }) => ({
      outcome: context.outcome ?? 'cancelled',
      registration: context.registration,
      payment: context.payment,
      printed: context.printJobId !== null && context.printFailure === null && context.outcome === 'registered',
      printJobId: context.printJobId,
      fault: context.printFailure?.code ?? null,
    }),
  });
}

function bookedOf(r: RegisterResult): Registration | null {
  return r.outcome === 'booked' ? r.registration : null;
}

function conflictOf(r: RegisterResult): RegistrationContext['conflict'] {
  if (r.outcome !== 'conflict') return null;
  if (r.reason === 'existing-registration') return { reason: 'existing-registration', existing: r.existing };
  if (r.reason === 'slot-taken') return { reason: 'slot-taken', slotId: r.slotId };
  return null;
}

/** The refund reason as the gateway records it (shown on the patient's bill). */
export function refundWords(reason: RefundReason | null): string {
  switch (reason) {
    case 'kept-existing':
      return '患者保留已有挂号';
    case 'slot-taken':
      return '号源已被占用';
    case 'register-failed':
      return '挂号未成功';
    case 'cancelled':
      return '患者取消';
    case 'timeout':
      return '操作超时';
    default:
      return '退款';
  }
}

export const registrationMachine = createRegistrationMachine();
export type RegistrationMachine = ReturnType<typeof createRegistrationMachine>;

/** A registration as the screen shows it: only the fields of the HIS contract (whatever else an adapter passed along stays out). */
export function registrationSummary(r: Registration): Registration {
  return {
    bookingId: r.bookingId,
    idempotencyKey: r.idempotencyKey,
    departmentId: r.departmentId,
    departmentName: r.departmentName,
    doctorId: r.doctorId,
    doctorName: r.doctorName,
    slotId: r.slotId,
    date: r.date,
    time: r.time,
    queueNumber: r.queueNumber,
    feeFen: r.feeFen,
    paymentOrderNo: r.paymentOrderNo,
    status: r.status,
    createdAt: r.createdAt,
  };
}

/** What the screen shows: the patient masked; lists and the booking as they are. */
export function registrationView(snapshot: { value: unknown; context: RegistrationContext }) {
  const c = snapshot.context;
  return {
    step: snapshot.value,
    patient: c.patient ? { name: maskName(c.patient.name), idNumber: maskIdNumber(c.patient.idNumber) } : null,
    identifyBy: c.identifyBy,
    identifyProblem: c.identifyProblem,
    todays: c.todays.map(registrationSummary),
    departments: c.departments,
    doctors: c.doctors,
    slots: c.slots,
    department: c.department,
    doctor: c.doctor,
    slot: c.slot,
    paymentMethods: c.paymentMethods,
    conflict: c.conflict && c.conflict.reason === 'existing-registration' ? { reason: c.conflict.reason, existing: c.conflict.existing.map(registrationSummary) } : c.conflict,
    registration: c.registration ? registrationSummary(c.registration) : null,
    refundReason: c.refundReason,
    payment: c.payment ? { final: c.payment.final, reason: c.payment.reason, amountFen: c.payment.amountFen, failureCode: c.payment.failure?.code ?? null } : null,
    slip: c.slip,
    printFault: c.printFailure?.code ?? null,
    nearbyKiosks: c.nearbyKiosks,
    idleDeadline: c.idleDeadline,
    takeDeadline: c.takeDeadline,
    failureCode: c.lastFailure?.code ?? null,
  };
}
