/**
 * Hospital registration (挂号), decided before the patient pays: 锁号 → 支付 → 确认挂号.
 *
 *   identifying ─ CARD_READ / MEDICAL_INSURANCE_SCANNED → loadingRegistrations
 *     ├─ today's registrations exist → existingRegistrations (shown first: CONTINUE | DONE)
 *     └─ loadingDepartments → choosingDepartment
 *          ├─ a registration today in that department → sameDepartment (ADD_ANYWAY | BACK)
 *          └─ loadingDoctors → choosingDoctor → loadingSlots (slots whose time is over are dropped)
 *               → choosingSlot → confirmingFee (shows whom it is for) → [choosingPaymentMethod]
 *               → lockingSlot (锁号 with a new idempotency key, before any money moves)
 *                   ├ locked → charging: paying (the payment child) ─ PAYMENT_PAID → registering (确认挂号)
 *                   │            ├ booked → markingUsed (payment 'used') → printingSlip → takingSlip → ended
 *                   │            └ not held / refused → refunding;  unknown → same key again, then registrationByKey
 *                   ├ same department (booked meanwhile) → sameDepartment
 *                   ├ slot taken / over → slotTaken (CHOOSE_ANOTHER_SLOT): nothing was paid
 *                   └ failed → unavailable (RETRY: a new attempt)
 *          charging ends without a booking (not paid, cancelled, refunded) → releasingSlot (解锁)
 *               → moneyReturned | paymentNotCompleted (RETRY_PAYMENT locks again) | ended
 *
 * Decided:
 * - Every conflict is told before payment. Another department the same day is no conflict (both stay
 *   valid); the same department is an explicit choice (ADD_ANYWAY → allowSameDepartment), asked as soon
 *   as the department is chosen when today's list shows it, else when the HIS refuses the lock.
 *   There is no way to cancel a booking in this machine at all.
 * - One idempotency key per *lock attempt*, `${sessionId}-R${n}`, assigned in the transition into
 *   lockingSlot (so it is journaled before the HIS sees it) and used for that attempt's lock, its
 *   retries, its confirm and its release. Retrying after a refusal or a failed payment is a new attempt
 *   with a new key: a released key never locks again at the HIS.
 * - `lock` in context means "a place may be held under the current key": set before the lock call,
 *   cleared when the place became a booking or was released. Anything that ends without a booking
 *   passes through releasingSlot; if the HIS cannot be reached after a few tries, the hold simply
 *   expires there. Recovery releases the lock of a session the agent left (runtime/recovery).
 * - The hold asked for covers paying and confirming; a shorter hold granted by the HIS shortens the
 *   payment deadline, so the patient cannot pay for a place the HIS has already given back.
 */
import { assign, fromPromise, raise, sendTo, setup } from 'xstate';
import type { ConfirmRegistrationRequest, ConfirmRegistrationResult, Department, Doctor, LockSlotRequest, LockSlotResult, Patient, Registration, ReleaseSlotResult, Slot } from '../backends/his/types.ts';
import type { PrintJob } from '../drivers/printer/job.ts';
import { msUntil, systemNow, type Now } from './deadlines.ts';
import { backoffMs, callFailure, notProvided, printFailure, type CallFailure, type PrintFailure } from './failures.ts';
import { IDLE_REGION, idleDelays, idleTiming, type IdleContext, type IdleSettings, type NearbyKiosk } from './idle.ts';
import { createPaymentMachine, type PaymentMethod, type PaymentOutput, type PaymentPaidEvent } from './payment.machine.ts';
import type { IdCardLike, PrintReceiptInput, PrintReceiptOutput, UndeliveredRecord } from './provident-fund.machine.ts';
import { registrationSlip, type KioskIdentity } from './receipts.ts';
import { HOSPITAL_TIME_ZONE, openSlots } from './slot-times.ts';

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
  /** the hospital's time zone: slots whose time is over there are not offered (default Asia/Shanghai) */
  timeZone?: string;
}

export type RegistrationOutcome = 'registered' | 'viewed-existing' | 'not-registered' | 'cancelled' | 'timeout';
export type RefundReason = 'register-failed' | 'cancelled';
/** what did not answer: a list, or the lock */
export type LoadStep = 'registrations' | 'departments' | 'doctors' | 'slots' | 'lock';
export type RegistrationConflict = { reason: 'same-department'; existing: Registration[] } | { reason: 'slot-taken' | 'slot-passed'; slotId: string };

export interface RegistrationContext extends IdleContext {
  sessionId: string;
  today: string;
  timeZone: string;
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
  /** made in the transition into lockingSlot; the attempt's lock, confirm and release all use it */
  idempotencyKey: string | null;
  /** a place may be held under `idempotencyKey` (expiresAt: epoch ms, as the HIS granted; null before it answered) */
  lock: { expiresAt: number | null } | null;
  /** the patient chose to register again in a department they are registered in today */
  allowSameDepartment: boolean;
  lockTries: number;
  registerTries: number;
  releaseTries: number;
  conflict: RegistrationConflict | null;
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
export const LOCK_TRIES = 3;
export const RELEASE_TRIES = 3;
/** what the hold covers beyond paying: the settle wait, confirming and its retries */
export const CONFIRM_MARGIN_SECONDS = 120;
/** a short hold never cuts the configured payment deadline below this (a hold that short the HIS should not grant) */
const MIN_PAYMENT_SECONDS = 30;

/** The idempotency key of the session's `attempt`-th booking attempt. */
export function idempotencyKeyFor(sessionId: string, attempt: number): string {
  return `${sessionId}-R${attempt}`;
}

export function delaysFor(now: Now = systemNow) {
  return {
    ...idleDelays(now),
    untilTakeDeadline: ({ context }: { context: RegistrationContext }) => msUntil(context.takeDeadline, now),
    registerRetryPause: ({ context }: { context: RegistrationContext }) => backoffMs(context.registerTries - 1),
    lockRetryPause: ({ context }: { context: RegistrationContext }) => backoffMs(context.lockTries - 1),
    releaseRetryPause: ({ context }: { context: RegistrationContext }) => backoffMs(context.releaseTries - 1),
  };
}

/** How long to ask the HIS to hold the place: paying, the settle wait after the deadline, confirming. */
export function holdSecondsFor(c: Pick<RegistrationContext, 'orderDeadlineSeconds' | 'settleWaitSeconds'>): number {
  return Math.ceil(c.orderDeadlineSeconds + c.settleWaitSeconds + CONFIRM_MARGIN_SECONDS);
}

/** The payment deadline: the configured one, cut so that paying and confirming end before the hold does. */
export function paymentDeadlineSeconds(c: Pick<RegistrationContext, 'orderDeadlineSeconds' | 'settleWaitSeconds' | 'lock'>, at: number): number {
  const expiresAt = c.lock?.expiresAt;
  if (expiresAt === null || expiresAt === undefined) return c.orderDeadlineSeconds;
  const fits = Math.floor((expiresAt - at) / 1000) - c.settleWaitSeconds - CONFIRM_MARGIN_SECONDS;
  return Math.min(c.orderDeadlineSeconds, Math.max(MIN_PAYMENT_SECONDS, fits));
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
      lockSlot: fromPromise<LockSlotResult, LockSlotRequest>(async () => notProvided('lockSlot')),
      confirmRegistration: fromPromise<ConfirmRegistrationResult, ConfirmRegistrationRequest>(async () => notProvided('confirmRegistration')),
      releaseSlot: fromPromise<ReleaseSlotResult, { idempotencyKey: string }>(async () => notProvided('releaseSlot')),
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
      /** a new lock attempt: a new key, and from now on a place may be held under it (journaled before the call) */
      nextRegistrationAttempt: assign({
        registrationAttempt: ({ context }) => context.registrationAttempt + 1,
        idempotencyKey: ({ context }) => idempotencyKeyFor(context.sessionId, context.registrationAttempt + 1),
        lock: { expiresAt: null },
        lockTries: 0,
        registerTries: 0,
        releaseTries: 0,
        conflict: null,
        loadFailed: null,
      }),
      chooseDepartment: assign({
        department: ({ context, event }) => (event.type === 'DEPARTMENT_CHOSEN' ? (context.departments.find((d) => d.id === event.departmentId) ?? null) : context.department),
        doctor: null,
        slot: null,
        allowSameDepartment: false,
        conflict: null,
      }),
      forgetPersonalData: assign({ patient: null, todays: [], conflict: null }),
    },
    guards: {
      singleMethod: ({ context }) => context.paymentMethods.length === 1,
      holdsLock: ({ context }) => context.lock !== null,
    },
    delays: delaysFor(now),
  }).createMachine({
    id: 'registration',
    context: ({ input }) => {
      const methods = input.payment?.methods && input.payment.methods.length > 0 ? [...new Set(input.payment.methods)] : (['nativeQr', 'paymentCode'] as PaymentMethod[]);
      return {
        sessionId: input.sessionId,
        today: input.today,
        timeZone: input.timeZone ?? HOSPITAL_TIME_ZONE,
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
        lock: null,
        allowSameDepartment: false,
        lockTries: 0,
        registerTries: 0,
        releaseTries: 0,
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
              // a place held for the patient is given back before the session ends
              CANCEL: [
                { guard: 'holdsLock', target: '.releasingSlot', actions: { type: 'outcome', params: { outcome: 'cancelled' } } },
                { target: '#registration.ended', actions: { type: 'outcome', params: { outcome: 'cancelled' } } },
              ],
              IDLE_TIMEOUT: [
                { guard: 'holdsLock', target: '.releasingSlot', actions: { type: 'outcome', params: { outcome: 'timeout' } } },
                { target: '#registration.ended', actions: { type: 'outcome', params: { outcome: 'timeout' } } },
              ],
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
                  DEPARTMENT_CHOSEN: [
                    {
                      guard: ({ context, event }) => context.departments.some((d) => d.id === event.departmentId) && sameDepartment(context.todays, event.departmentId).length > 0,
                      target: 'sameDepartment',
                      actions: ['chooseDepartment', assign({ conflict: ({ context, event }) => ({ reason: 'same-department' as const, existing: sameDepartment(context.todays, event.departmentId) }) })],
                    },
                    { guard: ({ context, event }) => context.departments.some((d) => d.id === event.departmentId), target: 'loadingDoctors', actions: 'chooseDepartment' },
                  ],
                },
              },
              /** 您今天已挂过该科室：仍要再挂一个（两个都有效）还是换个科室？ Nothing is held or paid here. */
              sameDepartment: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  ADD_ANYWAY: [
                    // refused at the lock (booked meanwhile): lock again, allowed, with a new key
                    { guard: ({ context }) => context.slot !== null, target: 'lockingSlot', actions: [assign({ allowSameDepartment: true }), 'nextRegistrationAttempt'] },
                    { target: 'loadingDoctors', actions: assign({ allowSameDepartment: true, conflict: null }) },
                  ],
                  BACK: { target: 'choosingDepartment', actions: assign({ conflict: null, doctor: null, slot: null, allowSameDepartment: false }) },
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
                  // a slot whose time is over is never offered, whatever the HIS lists
                  onDone: { target: 'choosingSlot', actions: assign({ slots: ({ context, event }) => openSlots(event.output, now(), context.timeZone) }) },
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
              /** the fee, the slot, where to go and whom it is for (masked on screen) */
              confirmingFee: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  CONFIRM: [{ guard: 'singleMethod', target: 'lockingSlot', actions: 'nextRegistrationAttempt' }, { target: 'choosingPaymentMethod' }],
                  BACK: 'choosingSlot',
                },
              },
              choosingPaymentMethod: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  PAYMENT_METHOD_CHOSEN: {
                    guard: ({ context, event }) => context.paymentMethods.includes(event.method),
                    target: 'lockingSlot',
                    actions: [assign({ paymentMethod: ({ event }) => event.method }), 'nextRegistrationAttempt'],
                  },
                  BACK: 'confirmingFee',
                },
              },
              /** 锁号: the place is held before any money moves; every conflict is told here */
              lockingSlot: {
                entry: ['pauseIdle', assign({ lockTries: ({ context }) => context.lockTries + 1 })],
                invoke: {
                  src: 'lockSlot',
                  input: ({ context }) => ({
                    idempotencyKey: context.idempotencyKey ?? idempotencyKeyFor(context.sessionId, context.registrationAttempt),
                    patient: context.patient ?? { idNumber: '', name: '' },
                    slotId: context.slot?.id ?? '',
                    holdSeconds: holdSecondsFor(context),
                    ...(context.allowSameDepartment ? { allowSameDepartment: true } : {}),
                  }),
                  onDone: [
                    {
                      guard: ({ event }) => event.output.outcome === 'locked',
                      target: 'charging',
                      actions: [assign({ lock: ({ event }) => ({ expiresAt: event.output.outcome === 'locked' ? parseInstant(event.output.lock.expiresAt) : null }) }), 'nextPaymentAttempt'],
                    },
                    {
                      guard: ({ event }) => event.output.outcome === 'conflict' && event.output.reason === 'same-department',
                      target: 'sameDepartment',
                      actions: assign({ lock: null, conflict: ({ event }) => conflictOf(event.output) }),
                    },
                    {
                      guard: ({ event }) => event.output.outcome === 'conflict' && (event.output.reason === 'slot-taken' || event.output.reason === 'slot-passed'),
                      target: 'slotTaken',
                      actions: assign({ lock: null, conflict: ({ event }) => conflictOf(event.output) }),
                    },
                    // key-reused: the HIS holds nothing for this attempt under its key
                    { target: 'unavailable', actions: assign({ lock: null, loadFailed: 'lock' as const }) },
                  ],
                  onError: [
                    { guard: ({ context, event }) => callFailure(event.error).outcome === 'unknown' && context.lockTries < LOCK_TRIES, target: 'lockPausing', actions: 'failed' },
                    // still no answer: a place may be held for us; give it back before saying so
                    { guard: ({ event }) => callFailure(event.error).outcome === 'unknown', target: 'releasingSlot', actions: ['failed', assign({ loadFailed: 'lock' as const })] },
                    { target: 'unavailable', actions: ['failed', assign({ lock: null, loadFailed: 'lock' as const })] },
                  ],
                },
              },
              lockPausing: {
                after: { lockRetryPause: 'lockingSlot' },
                on: { 'zizhu.resume': { target: 'lockPausing', reenter: true } },
              },
              /** the slot was taken meanwhile, or its time is over: nothing was paid */
              slotTaken: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  CHOOSE_ANOTHER_SLOT: { target: 'loadingSlots', actions: assign({ slot: null, conflict: null }) },
                  DONE: { target: '#registration.ended', actions: { type: 'outcome', params: { outcome: 'not-registered' } } },
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
                    { guard: ({ context }) => context.loadFailed === 'lock', target: 'lockingSlot', actions: 'nextRegistrationAttempt' },
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
                    deadlineSeconds: paymentDeadlineSeconds(context, now()),
                    settleWaitSeconds: context.settleWaitSeconds,
                  }),
                  onDone: [
                    {
                      guard: ({ event }) => event.output.final === 'used',
                      target: 'slipReady',
                      actions: assign({
                        payment: ({ event }) => event.output,
                        slip: ({ context }) =>
                          context.registration ? registrationSlip(context.registration, context.patient ?? { name: '' }, context.kiosk, context.department?.location ?? null) : null,
                      }),
                    },
                    // no booking (not paid, cancelled, refunded): the place goes back first
                    { target: 'releasingSlot', actions: assign({ payment: ({ event }) => event.output }) },
                  ],
                },
                on: {
                  // money may be moving and idle is paused in every step here (the payment has its own deadline)
                  IDLE_TIMEOUT: { actions: [] },
                  'zizhu.resume': { actions: sendTo('payment', { type: 'zizhu.resume' }) },
                  // a cancel is decided per step below
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
                  /** 确认挂号: the held place becomes the booking, with the key of the lock */
                  registering: {
                    entry: ['pauseIdle', assign({ registerTries: ({ context }) => context.registerTries + 1 })],
                    invoke: {
                      src: 'confirmRegistration',
                      input: ({ context }) => ({
                        idempotencyKey: context.idempotencyKey ?? idempotencyKeyFor(context.sessionId, context.registrationAttempt),
                        paymentOrderNo: context.paidOrder?.outTradeNo ?? '',
                      }),
                      onDone: [
                        {
                          guard: ({ event }) => event.output.outcome === 'booked',
                          target: 'markingUsed',
                          actions: assign({ registration: ({ event }) => (event.output.outcome === 'booked' ? event.output.registration : null), lock: null }),
                        },
                        // key-reused: a booking under our key — ours only if our order paid for it
                        {
                          guard: ({ context, event }) =>
                            event.output.outcome === 'conflict' && event.output.existing.paymentOrderNo === context.paidOrder?.outTradeNo && event.output.existing.status === 'booked',
                          target: 'markingUsed',
                          actions: assign({ registration: ({ event }) => (event.output.outcome === 'conflict' ? event.output.existing : null), lock: null }),
                        },
                        // not held (the hold ran out, or was lost): nothing booked, the money goes back
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
                        {
                          guard: ({ context, event }) => event.output !== null && event.output.status === 'booked' && event.output.paymentOrderNo === context.paidOrder?.outTradeNo,
                          target: 'markingUsed',
                          actions: assign({ registration: ({ event }) => event.output, lock: null }),
                        },
                        { target: 'refunding', actions: assign({ refundReason: 'register-failed' as const }) },
                      ],
                      // policy: money back when the booking cannot be confirmed (reconciliation re-checks the key)
                      onError: { target: 'refunding', actions: ['failed', assign({ refundReason: 'register-failed' as const })] },
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

              /** 解锁: the place goes back to the HIS (idempotent; a booked key stays booked), then on */
              releasingSlot: {
                entry: ['pauseIdle', assign({ releaseTries: ({ context }) => context.releaseTries + 1 })],
                invoke: {
                  src: 'releaseSlot',
                  input: ({ context }) => ({ idempotencyKey: context.idempotencyKey ?? '' }),
                  onDone: { target: 'slotReleased', actions: assign({ lock: null }) },
                  onError: [
                    { guard: ({ context }) => context.releaseTries < RELEASE_TRIES, target: 'releasePausing', actions: 'failed' },
                    // the HIS gives the place back by itself when the hold expires
                    { target: 'slotReleased', actions: ['failed', assign({ lock: null })] },
                  ],
                },
                on: { CANCEL: { actions: [] } },
              },
              releasePausing: {
                after: { releaseRetryPause: 'releasingSlot' },
                on: { CANCEL: { actions: [] }, 'zizhu.resume': { target: 'releasePausing', reenter: true } },
              },
              slotReleased: {
                always: [
                  { guard: ({ context }) => context.payment?.wasPaid === true && context.outcome !== 'timeout', target: 'moneyReturned' },
                  { guard: ({ context }) => context.outcome === 'cancelled' || context.outcome === 'timeout', target: '#registration.ended' },
                  { guard: ({ context }) => context.loadFailed === 'lock', target: 'unavailable' },
                  { guard: ({ context }) => context.payment !== null, target: 'paymentNotCompleted' },
                  { target: '#registration.ended', actions: { type: 'outcome', params: { outcome: 'not-registered' } } },
                ],
              },

              /** money went back (or is on its way): say why */
              moneyReturned: {
                entry: ['armIdle', 'restartIdle', { type: 'outcome', params: { outcome: 'not-registered' } }],
                on: { DONE: '#registration.ended' },
              },
              /** the payment did not go through (declined, deadline, gateway down): nothing was taken; the place was given back */
              paymentNotCompleted: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  RETRY_PAYMENT: [{ guard: 'singleMethod', target: 'lockingSlot', actions: 'nextRegistrationAttempt' }, { target: 'choosingPaymentMethod' }],
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

function conflictOf(r: LockSlotResult): RegistrationConflict | null {
  if (r.outcome !== 'conflict') return null;
  if (r.reason === 'same-department') return { reason: 'same-department', existing: r.existing };
  if (r.reason === 'slot-taken' || r.reason === 'slot-passed') return { reason: r.reason, slotId: r.slotId };
  return null;
}

/** The patient's booked registrations today in that department. */
function sameDepartment(todays: readonly Registration[], departmentId: string): Registration[] {
  return todays.filter((r) => r.status === 'booked' && r.departmentId === departmentId);
}

function parseInstant(iso: string): number | null {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

/** The refund reason as the gateway records it (shown on the patient's bill). */
export function refundWords(reason: RefundReason | null): string {
  switch (reason) {
    case 'register-failed':
      return '挂号未成功';
    case 'cancelled':
      return '患者取消';
    default:
      return '退款';
  }
}

export const registrationMachine = createRegistrationMachine();
export type RegistrationMachine = ReturnType<typeof createRegistrationMachine>;

// what the screen shows of a registration session
export { registrationSummary, registrationView } from './registration-view.ts';
