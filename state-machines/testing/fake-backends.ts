/**
 * Small in-memory stand-ins for the payment gateway and the HIS, for the focused machine tests
 * (the real simulators live in backends/; integration tests use those). They follow the
 * interfaces' rules that the machines rely on: one order per number, refunds idempotent per
 * refund number, locks and confirms idempotent per key, another registration in the same department
 * an explicit conflict before payment, a released key never locks again.
 * Every call is logged in order, with the journal writes, so tests can check what came first.
 */
import { fromPromise } from 'xstate';
import type { OrderQuery, RefundQuery, TradeState } from '../../backends/payment/types.ts';
import type {
  ConfirmRegistrationRequest,
  ConfirmRegistrationResult,
  Department,
  Doctor,
  LockSlotRequest,
  LockSlotResult,
  Patient,
  Registration,
  ReleaseSlotResult,
  Slot,
} from '../../backends/his/types.ts';
import type {
  CreateNativeOrderInput,
  JournalOrderInput,
  JournalRefundInput,
  MicropayInput,
  MicropayOutput,
  PaymentRecordChange,
  RefundInput,
} from '../payment.machine.ts';

/** Shaped like backends/errors.ts BackendError (machines read the fields, never the class). */
export class FakeBackendError extends Error {
  constructor(
    readonly backend: string,
    readonly kind: 'timeout' | 'unavailable' | 'rejected' | 'protocol',
    readonly outcome: 'unknown' | 'not-done',
    readonly code: string,
  ) {
    super(`${backend} ${kind} (${code})`);
  }
}

export const timeoutError = (backend = 'payment') => new FakeBackendError(backend, 'timeout', 'unknown', 'ETIMEDOUT');
export const rejected = (code: string, backend = 'payment') => new FakeBackendError(backend, 'rejected', 'not-done', code);
/** A failure that happens after the other side acted (the answer is lost on the way back). */
export const afterActing = (error: unknown) => ({ afterActing: true as const, error });

function takeFailure(failNext: Map<string, unknown[]>, op: string, phase: 'before' | 'after'): void {
  const list = failNext.get(op);
  if (!list || list.length === 0) return;
  const head = list[0] as { afterActing?: boolean; error?: unknown };
  const isAfter = head !== null && typeof head === 'object' && head.afterActing === true;
  if ((phase === 'after') !== isAfter) return;
  list.shift();
  throw isAfter ? head.error : head;
}

interface FakeOrder {
  outTradeNo: string;
  amountFen: number;
  state: TradeState;
  transactionId?: string;
  charges: number;
}

/** One shared log of what happened, in order. */
export type CallLog = string[];

export class FakeGateway {
  readonly orders = new Map<string, FakeOrder>();
  readonly refunds = new Map<string, RefundQuery>();
  /** scripted failures: the next call of `op` throws this (then behaves) */
  readonly failNext = new Map<string, unknown[]>();
  /** what micropay does with a fresh order */
  micropayResult: 'SUCCESS' | 'USERPAYING' | 'NOT_ENOUGH' = 'SUCCESS';
  /** the first refund answer (later queries say SUCCESS) */
  refundAnswer: 'SUCCESS' | 'PROCESSING' = 'SUCCESS';
  private seq = 0;

  constructor(readonly log: CallLog = []) {}

  fail(op: string, ...errors: unknown[]): this {
    this.failNext.set(op, [...(this.failNext.get(op) ?? []), ...errors]);
    return this;
  }

  /** Throws the scripted failure for `op` if one is due in this phase (`afterActing` ones once the gateway acted). */
  private maybeFail(op: string, phase: 'before' | 'after' = 'before'): void {
    takeFailure(this.failNext, op, phase);
  }

  /** The patient pays (scans the code, confirms on the phone). */
  pay(outTradeNo: string): void {
    const o = this.orders.get(outTradeNo);
    if (!o) throw new Error(`no order ${outTradeNo}`);
    if (o.state === 'NOTPAY' || o.state === 'USERPAYING') {
      o.state = 'SUCCESS';
      o.charges++;
      o.transactionId = `TX${++this.seq}`;
    }
  }

  createNativeOrder(req: CreateNativeOrderInput): { codeUrl: string } {
    this.log.push(`createNativeOrder ${req.outTradeNo}`);
    this.maybeFail('createNativeOrder');
    const o = this.orders.get(req.outTradeNo);
    if (o && (o.state === 'SUCCESS' || o.state === 'REFUND')) throw rejected('ORDER_PAID');
    if (o && o.state === 'CLOSED') throw rejected('ORDER_CLOSED');
    if (!o) this.orders.set(req.outTradeNo, { outTradeNo: req.outTradeNo, amountFen: req.amountFen, state: 'NOTPAY', charges: 0 });
    this.maybeFail('createNativeOrder', 'after');
    return { codeUrl: `weixin://wxpay/bizpayurl?pr=${req.outTradeNo}` };
  }

  micropay(req: MicropayInput): MicropayOutput {
    this.log.push(`micropay ${req.outTradeNo}`);
    this.maybeFail('micropay');
    let o = this.orders.get(req.outTradeNo);
    if (!o) {
      o = { outTradeNo: req.outTradeNo, amountFen: req.amountFen, state: 'USERPAYING', charges: 0 };
      this.orders.set(req.outTradeNo, o);
      if (this.micropayResult === 'SUCCESS') this.pay(req.outTradeNo);
      if (this.micropayResult === 'NOT_ENOUGH') {
        o.state = 'PAYERROR';
        throw rejected('NOT_ENOUGH');
      }
    }
    this.maybeFail('micropay', 'after');
    if (o.state === 'SUCCESS') return { tradeState: 'SUCCESS', transactionId: o.transactionId! };
    return { tradeState: 'USERPAYING' };
  }

  queryOrder(req: { outTradeNo: string }): OrderQuery {
    this.log.push(`queryOrder ${req.outTradeNo}`);
    this.maybeFail('queryOrder');
    const o = this.orders.get(req.outTradeNo);
    if (!o) throw rejected('ORDER_NOT_EXIST');
    return { outTradeNo: o.outTradeNo, tradeState: o.state, amountFen: o.amountFen, ...(o.transactionId ? { transactionId: o.transactionId } : {}) };
  }

  closeOrder(req: { outTradeNo: string }): void {
    this.log.push(`closeOrder ${req.outTradeNo}`);
    this.maybeFail('closeOrder');
    const o = this.orders.get(req.outTradeNo);
    if (!o) throw rejected('ORDER_NOT_EXIST');
    if (o.state === 'SUCCESS' || o.state === 'REFUND') throw rejected('ORDER_PAID');
    o.state = 'CLOSED';
  }

  refund(req: RefundInput): RefundQuery {
    this.log.push(`refund ${req.outTradeNo} ${req.outRefundNo}`);
    this.maybeFail('refund');
    const existing = this.refunds.get(req.outRefundNo);
    if (existing) return existing;
    const o = this.orders.get(req.outTradeNo);
    if (!o) throw rejected('ORDER_NOT_EXIST');
    if (o.charges === 0) throw rejected('ORDER_NOT_PAID');
    const r: RefundQuery = { outRefundNo: req.outRefundNo, outTradeNo: req.outTradeNo, status: this.refundAnswer, amountFen: req.amountFen, refundId: `RF${++this.seq}` };
    this.refunds.set(req.outRefundNo, r);
    o.state = 'REFUND';
    this.maybeFail('refund', 'after');
    const answer = { ...r };
    r.status = 'SUCCESS';
    return answer;
  }

  queryRefund(req: { outRefundNo: string }): RefundQuery {
    this.log.push(`queryRefund ${req.outRefundNo}`);
    this.maybeFail('queryRefund');
    const r = this.refunds.get(req.outRefundNo);
    if (!r) throw rejected('REFUND_NOT_EXIST');
    return { ...r };
  }

  /** money the patient is out of, per order: charged and not refunded */
  netFen(outTradeNo: string): number {
    const o = this.orders.get(outTradeNo);
    if (!o) return 0;
    const refunded = [...this.refunds.values()].filter((r) => r.outTradeNo === outTradeNo && r.status === 'SUCCESS').reduce((a, r) => a + r.amountFen, 0);
    return o.charges * o.amountFen - refunded;
  }
}

/** A journal as the machines see it: records orders and refund numbers, logs the writes. */
export class FakePaymentJournal {
  readonly orders = new Map<string, JournalOrderInput & { refundNo: string | null }>();
  readonly records: PaymentRecordChange[] = [];
  constructor(readonly log: CallLog = []) {}

  journalOrder(input: JournalOrderInput): { outTradeNo: string } {
    this.log.push(`journalOrder ${input.outTradeNo}`);
    if (!this.orders.has(input.outTradeNo)) this.orders.set(input.outTradeNo, { ...input, refundNo: null });
    return { outTradeNo: input.outTradeNo };
  }

  journalRefund(input: JournalRefundInput): { refundNo: string } {
    this.log.push(`journalRefund ${input.outTradeNo} ${input.refundNo}`);
    const o = this.orders.get(input.outTradeNo);
    if (!o) throw new Error(`no journaled order ${input.outTradeNo}`);
    // the first number decided is kept for good
    if (o.refundNo === null) o.refundNo = input.refundNo;
    return { refundNo: o.refundNo };
  }

  record(change: PaymentRecordChange): void {
    this.log.push(`record ${change.outTradeNo} ${change.state}`);
    this.records.push(change);
  }
}

/** A deferred: `gate()` returns a promise the test releases with `open()`. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** The payment machine's actors and `recordPayment` backed by the fakes. `hold` delays an operation until its gate opens. */
export function paymentImplementations(gw: FakeGateway, journal: FakePaymentJournal, hold: Partial<Record<string, Promise<void>>> = {}) {
  const held = async (op: string) => {
    if (hold[op]) await hold[op];
  };
  return {
    actors: {
      journalOrder: fromPromise<unknown, JournalOrderInput>(async ({ input }) => (await held('journalOrder'), journal.journalOrder(input))),
      createNativeOrder: fromPromise<{ codeUrl: string }, CreateNativeOrderInput>(async ({ input }) => (await held('createNativeOrder'), gw.createNativeOrder(input))),
      micropay: fromPromise<MicropayOutput, MicropayInput>(async ({ input }) => (await held('micropay'), gw.micropay(input))),
      queryOrder: fromPromise<OrderQuery, { outTradeNo: string }>(async ({ input }) => (await held('queryOrder'), gw.queryOrder(input))),
      closeOrder: fromPromise<unknown, { outTradeNo: string }>(async ({ input }) => (await held('closeOrder'), gw.closeOrder(input))),
      journalRefund: fromPromise<{ refundNo: string } | void, JournalRefundInput>(async ({ input }) => (await held('journalRefund'), journal.journalRefund(input))),
      refund: fromPromise<RefundQuery, RefundInput>(async ({ input }) => (await held('refund'), gw.refund(input))),
      queryRefund: fromPromise<RefundQuery, { outRefundNo: string }>(async ({ input }) => (await held('queryRefund'), gw.queryRefund(input))),
    },
    actions: {
      recordPayment: (_args: unknown, params: PaymentRecordChange) => journal.record(params),
    },
  };
}

// ───────────────────────────── HIS ─────────────────────────────

export const DEPARTMENTS: Department[] = [
  { id: 'D1', name: '内科', location: '门诊楼二层' },
  { id: 'D2', name: '外科', location: '门诊楼三层' },
];
export const DOCTORS: Doctor[] = [
  { id: 'DR1', departmentId: 'D1', name: '王医生', title: '主任医师' },
  { id: 'DR2', departmentId: 'D1', name: '李医生', title: '主治医师' },
  { id: 'DR3', departmentId: 'D2', name: '赵医生', title: '副主任医师' },
];

export interface FakeLock {
  key: string;
  slotId: string;
  idNumber: string;
  name: string;
  status: 'held' | 'confirmed' | 'released';
}

export class FakeHis {
  readonly registrations: Registration[] = [];
  readonly locks = new Map<string, FakeLock>();
  /** whose each booking is (kept beside the record: a Registration carries no patient) */
  private readonly patientOf = new Map<string, string>();
  readonly calls: { op: string; req: unknown }[] = [];
  readonly failNext = new Map<string, unknown[]>();
  /** slots taken by someone else */
  readonly taken = new Set<string>();
  /** when the holds it grants expire (epoch ms); null: far in the future */
  expiresAt: number | null = null;
  slots: Slot[] = [
    { id: 'S1', departmentId: 'D1', doctorId: 'DR1', date: '2025-11-25', time: '09:00-09:30', feeFen: 5000, remaining: 3 },
    { id: 'S2', departmentId: 'D1', doctorId: 'DR1', date: '2025-11-25', time: '09:30-10:00', feeFen: 5000, remaining: 1 },
    { id: 'S3', departmentId: 'D2', doctorId: 'DR3', date: '2025-11-25', time: '10:00-10:30', feeFen: 6000, remaining: 5 },
  ];
  private queue = 0;

  constructor(readonly log: CallLog = []) {}

  fail(op: string, ...errors: unknown[]): this {
    this.failNext.set(op, [...(this.failNext.get(op) ?? []), ...errors]);
    return this;
  }

  private call(op: string, req: unknown): void {
    this.calls.push({ op, req });
    this.log.push(`his.${op}`);
    takeFailure(this.failNext, op, 'before');
  }

  /** locks holding a place now */
  held(): FakeLock[] {
    return [...this.locks.values()].filter((l) => l.status === 'held');
  }

  /** a registration booked earlier today (another session, another kiosk, the desk) */
  book(patient: Patient, slotId: string, key = `earlier-${this.registrations.length + 1}`): Registration {
    const slot = this.slots.find((s) => s.id === slotId)!;
    const doctor = DOCTORS.find((d) => d.id === slot.doctorId)!;
    const dept = DEPARTMENTS.find((d) => d.id === slot.departmentId)!;
    const r: Registration = {
      bookingId: `B${this.registrations.length + 1}`,
      idempotencyKey: key,
      departmentId: dept.id,
      departmentName: dept.name,
      doctorId: doctor.id,
      doctorName: doctor.name,
      slotId,
      date: slot.date,
      time: slot.time,
      queueNumber: ++this.queue,
      feeFen: slot.feeFen,
      paymentOrderNo: `PAY-${key}`,
      status: 'booked',
      createdAt: '2025-11-25T08:00:00+08:00',
    };
    this.patientOf.set(r.bookingId, patient.idNumber);
    this.registrations.push(r);
    return r;
  }

  todaysRegistrations(req: { idNumber: string; date: string }): Registration[] {
    this.call('todaysRegistrations', req);
    return this.registrations.filter((r) => this.patientOf.get(r.bookingId) === req.idNumber && r.date === req.date);
  }

  lockSlot(req: LockSlotRequest): LockSlotResult {
    this.call('lockSlot', req);
    const prior = this.locks.get(req.idempotencyKey);
    const slot = this.slots.find((s) => s.id === req.slotId);
    const lock = { idempotencyKey: req.idempotencyKey, slotId: req.slotId, feeFen: slot?.feeFen ?? 0, expiresAt: new Date(this.expiresAt ?? Date.UTC(2030, 0, 1)).toISOString() };
    if (prior) return prior.status === 'held' && prior.slotId === req.slotId ? { outcome: 'locked', lock, replayed: true } : { outcome: 'conflict', reason: 'key-reused' };
    if (this.taken.has(req.slotId)) return { outcome: 'conflict', reason: 'slot-taken', slotId: req.slotId };
    const existing = this.registrations.filter((r) => this.patientOf.get(r.bookingId) === req.patient.idNumber && r.status === 'booked' && r.departmentId === slot?.departmentId);
    if (existing.length > 0 && !req.allowSameDepartment) return { outcome: 'conflict', reason: 'same-department', existing };
    this.locks.set(req.idempotencyKey, { key: req.idempotencyKey, slotId: req.slotId, idNumber: req.patient.idNumber, name: req.patient.name, status: 'held' });
    takeFailure(this.failNext, 'lockSlot', 'after');
    return { outcome: 'locked', lock, replayed: false };
  }

  confirmRegistration(req: ConfirmRegistrationRequest): ConfirmRegistrationResult {
    this.call('confirmRegistration', req);
    const same = this.registrations.find((r) => r.idempotencyKey === req.idempotencyKey);
    if (same) return same.paymentOrderNo === req.paymentOrderNo ? { outcome: 'booked', registration: same, replayed: true } : { outcome: 'conflict', reason: 'key-reused', existing: same };
    const lock = this.locks.get(req.idempotencyKey);
    if (!lock || lock.status !== 'held') return { outcome: 'not-held', reason: lock ? 'released' : 'unknown-key' };
    lock.status = 'confirmed';
    const r = this.book({ idNumber: lock.idNumber, name: lock.name }, lock.slotId, req.idempotencyKey);
    r.paymentOrderNo = req.paymentOrderNo;
    takeFailure(this.failNext, 'confirmRegistration', 'after');
    return { outcome: 'booked', registration: r, replayed: false };
  }

  releaseSlot(req: { idempotencyKey: string }): ReleaseSlotResult {
    this.call('releaseSlot', req);
    if (this.registrations.some((r) => r.idempotencyKey === req.idempotencyKey)) return { outcome: 'booked' };
    const lock = this.locks.get(req.idempotencyKey);
    if (!lock) {
      this.locks.set(req.idempotencyKey, { key: req.idempotencyKey, slotId: '', idNumber: '', name: '', status: 'released' });
      return { outcome: 'not-held' };
    }
    if (lock.status !== 'held') return { outcome: 'not-held' };
    lock.status = 'released';
    return { outcome: 'released' };
  }

  registrationByKey(req: { idempotencyKey: string }): Registration | null {
    this.call('registrationByKey', req);
    return this.registrations.find((r) => r.idempotencyKey === req.idempotencyKey) ?? null;
  }

  actors() {
    return {
      todaysRegistrations: fromPromise<Registration[], { idNumber: string; date: string }>(async ({ input }) => this.todaysRegistrations(input)),
      departments: fromPromise<Department[], Record<string, never>>(async () => (this.call('departments', {}), DEPARTMENTS)),
      doctors: fromPromise<Doctor[], { departmentId: string; date: string }>(async ({ input }) => (this.call('doctors', input), DOCTORS.filter((d) => d.departmentId === input.departmentId))),
      slots: fromPromise<Slot[], { doctorId: string; date: string }>(async ({ input }) => (this.call('slots', input), this.slots.filter((s) => s.doctorId === input.doctorId))),
      lockSlot: fromPromise<LockSlotResult, LockSlotRequest>(async ({ input }) => this.lockSlot(input)),
      confirmRegistration: fromPromise<ConfirmRegistrationResult, ConfirmRegistrationRequest>(async ({ input }) => this.confirmRegistration(input)),
      releaseSlot: fromPromise<ReleaseSlotResult, { idempotencyKey: string }>(async ({ input }) => this.releaseSlot(input)),
      registrationByKey: fromPromise<Registration | null, { idempotencyKey: string }>(async ({ input }) => this.registrationByKey(input)),
      identifyByMedicalInsurance: fromPromise<Patient, { code: string }>(async ({ input }) => {
        this.call('identifyByMedicalInsurance', input);
        if (!/^424\d{25}$/.test(input.code)) throw rejected('NOT_FOUND', 'his');
        return { idNumber: '420106199001011234', name: '张三' };
      }),
    };
  }
}

/** Let promise actors settle and their events be processed. */
export async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
