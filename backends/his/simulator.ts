import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BackOfficeSim, SimInputError, SimReject, businessInput, shanghaiDate, shanghaiIso, type ActiveFault, type SimAnswer, type SimCommonOptions, type SimRequest } from '../sim-server.ts';
import { INSURANCE_VOUCHER_CODE, SimCodeBook, insuranceVoucherFor, type SimPerson } from '../sim-persons.ts';
import type { Department, Doctor, Registration, Slot } from './types.ts';

export { insuranceVoucherFor };

/**
 * A hospital information system on loopback, speaking the REST shape in ./http.ts.
 *
 * Seed: six departments (内科 外科 儿科 眼科 口腔科 皮肤科), two doctors each, six slots per doctor
 * per day, bookable from today (Asia/Shanghai) for BOOKING_DAYS days — generated on first use, so
 * "today" always has slots, however long the simulator runs; other dates have none;
 * fees 普通 50 元 / 副主任 60 元 / 主任 80 元 in fen. 眼科's 主任 morning is fully booked (约满).
 *
 * Register:
 * - idempotent by key: same key + same patient, slot and payment order → the same booking, `replayed: true`;
 *   same key with anything different → conflict `key-reused`;
 * - a booked registration for the patient on that day → conflict `existing-registration` unless allowAdditional;
 * - no remaining → conflict `slot-taken`; fault `slot-taken` on route `register` empties the slot just before.
 * - never cancels anything by itself.
 *
 * Medical-insurance e-vouchers (医保电子凭证): the HIS resolves a scanned voucher to the patient (in a
 * real hospital through the medical-insurance platform). It knows the vouchers of the sample people
 * (../sim-persons.ts: `insuranceVoucherFor(identityId)` is the current one, `(identityId, 'expired')`
 * an expired one); anything else is VOUCHER_INVALID, an expired one VOUCHER_EXPIRED. `expireVoucher`
 * lets a current voucher expire (the patient waited too long with the code on screen).
 *
 * Routes for faults: patientByInsuranceVoucher, departments, doctors, slots, todaysRegistrations,
 * register, registrationByKey.
 * Control routes (besides /__sim/{state,ledger,faults,reset}): POST /__sim/take-slot {slotId},
 * GET /__sim/vouchers (every known voucher, by identity), POST /__sim/expire-voucher {code}.
 */

export const HIS_ROUTES = ['patientByInsuranceVoucher', 'departments', 'doctors', 'slots', 'todaysRegistrations', 'register', 'registrationByKey'] as const;
export type HisRoute = (typeof HIS_ROUTES)[number];

export const SIM_DEPARTMENTS: readonly Department[] = [
  { id: 'NK', name: '内科', location: '门诊楼二层A区' },
  { id: 'WK', name: '外科', location: '门诊楼二层B区' },
  { id: 'EK', name: '儿科', location: '门诊楼一层东侧' },
  { id: 'YK', name: '眼科', location: '门诊楼三层A区' },
  { id: 'KQ', name: '口腔科', location: '门诊楼三层B区' },
  { id: 'PF', name: '皮肤科', location: '门诊楼四层' },
];

export const SIM_DOCTORS: readonly Doctor[] = [
  { id: 'NK01', departmentId: 'NK', name: '王测试', title: '主任医师' },
  { id: 'NK02', departmentId: 'NK', name: '刘样例', title: '主治医师' },
  { id: 'WK01', departmentId: 'WK', name: '赵测试', title: '副主任医师' },
  { id: 'WK02', departmentId: 'WK', name: '外科普通门诊', title: '普通门诊' },
  { id: 'EK01', departmentId: 'EK', name: '孙测试', title: '主任医师' },
  { id: 'EK02', departmentId: 'EK', name: '周样例', title: '主治医师' },
  { id: 'YK01', departmentId: 'YK', name: '吴测试', title: '主任医师' },
  { id: 'YK02', departmentId: 'YK', name: '眼科普通门诊', title: '普通门诊' },
  { id: 'KQ01', departmentId: 'KQ', name: '郑测试', title: '副主任医师' },
  { id: 'KQ02', departmentId: 'KQ', name: '冯样例', title: '主治医师' },
  { id: 'PF01', departmentId: 'PF', name: '陈测试医生', title: '主任医师' },
  { id: 'PF02', departmentId: 'PF', name: '皮肤科普通门诊', title: '普通门诊' },
];

/** 医事服务费 by title, in fen */
export const SIM_FEES_FEN: Readonly<Record<string, number>> = { 主任医师: 8000, 副主任医师: 6000, 主治医师: 5000, 普通门诊: 5000 };

/** how many days ahead, today included, slots can be listed and booked */
export const BOOKING_DAYS = 7;

const SLOT_TIMES = ['08:00-09:00', '09:00-10:00', '10:00-11:00', '13:30-14:30', '14:30-15:30', '15:30-16:30'] as const;
/** seeded as fully booked (约满): doctor id → slot times */
const FULL_SLOTS: Readonly<Record<string, readonly string[]>> = { YK01: ['08:00-09:00', '09:00-10:00', '10:00-11:00'] };

export interface HisSimOptions extends SimCommonOptions {
  /** patients per slot (default 20) */
  slotCapacity?: number;
}

export interface LedgerBooking extends Registration {
  idNumber: string;
  patientName: string;
  /** register requests that carried this booking's key (1 + replays) */
  requests: number;
}

export interface HisLedger {
  bookings: LedgerBooking[];
  totals: { booked: number; cancelled: number; replays: number; conflicts: { existingRegistration: number; slotTaken: number; keyReused: number } };
}

type Booking = LedgerBooking;

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date YYYY-MM-DD' });
const registerBody = z.object({
  idempotencyKey: z.string().min(8).max(64),
  patient: z.object({ idNumber: z.string().min(6).max(32), name: z.string().min(1).max(64) }),
  slotId: z.string().min(1),
  paymentOrderNo: z.string().min(1).max(64),
  allowAdditional: z.boolean().optional(),
});

export class HisSimulator extends BackOfficeSim {
  private readonly capacity: number;
  private slotsByDate = new Map<string, Map<string, Slot>>();
  private bookings: Booking[] = [];
  private byKey = new Map<string, Booking>();
  private queue = new Map<string, number>();
  private conflicts = { existingRegistration: 0, slotTaken: 0, keyReused: 0 };
  private seq = 0;
  private readonly vouchers = new SimCodeBook(insuranceVoucherFor, INSURANCE_VOUCHER_CODE, {
    invalid: { code: 'VOUCHER_INVALID', message: '医保电子凭证无效：this is not a medical-insurance e-voucher the platform knows' },
    expired: { code: 'VOUCHER_EXPIRED', message: '医保电子凭证已过期：please refresh the e-voucher on the phone and scan it again' },
    unknown: 'no such voucher (GET /__sim/vouchers lists the known ones)',
  });

  constructor(opts: HisSimOptions = {}) {
    super('his', HIS_ROUTES, { 'slot-taken': ['register'] }, opts);
    this.capacity = opts.slotCapacity ?? 20;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new Error(`HIS simulator: slotCapacity must be a positive integer (got ${opts.slotCapacity})`);
  }

  /** "today" for the simulated hospital: YYYY-MM-DD in Asia/Shanghai */
  today(): string {
    return shanghaiDate(this.now());
  }

  /** The slots of a doctor on a date, as the HIS would list them now. */
  slotsOf(doctorId: string, day: string = this.today()): Slot[] {
    return [...this.slotsFor(day).values()].filter((s) => s.doctorId === doctorId).map((s) => ({ ...s }));
  }

  /** Someone else takes the slot: its remaining drops to 0. */
  takeSlot(slotId: string): Slot {
    const slot = this.slot(slotId);
    if (!slot) throw new SimInputError(`no slot "${slotId}" (slot ids look like NK01-20250101-0800)`);
    slot.remaining = 0;
    return { ...slot };
  }

  /** Staff cancel a booking at the hospital desk (the kiosk never does this implicitly). */
  cancelBooking(bookingId: string): Registration {
    const b = this.bookings.find((x) => x.bookingId === bookingId);
    if (!b) throw new SimInputError(`no booking "${bookingId}"`);
    if (b.status === 'booked') {
      b.status = 'cancelled';
      const slot = this.slot(b.slotId);
      if (slot) slot.remaining++;
    }
    return toRegistration(b);
  }

  /** The patient a voucher belongs to, as the HIS route answers it; throws SimReject VOUCHER_INVALID / VOUCHER_EXPIRED. */
  patientByVoucher(code: string): { idNumber: string; name: string } {
    const person = this.vouchers.resolve(code);
    return { idNumber: person.idNumber, name: person.name };
  }

  /** A current voucher expires (the next scan of it is VOUCHER_EXPIRED). */
  expireVoucher(code: string): SimPerson {
    return this.vouchers.expire(code);
  }

  ledger(): HisLedger {
    return {
      bookings: this.bookings.map((b) => ({ ...b })),
      totals: {
        booked: this.bookings.filter((b) => b.status === 'booked').length,
        cancelled: this.bookings.filter((b) => b.status === 'cancelled').length,
        replays: this.bookings.reduce((a, b) => a + b.requests - 1, 0),
        conflicts: { ...this.conflicts },
      },
    };
  }

  state(): unknown {
    return {
      today: this.today(),
      departments: SIM_DEPARTMENTS.length,
      doctors: SIM_DOCTORS.length,
      slotCapacity: this.capacity,
      ...this.ledger().totals,
      voucherLookups: this.vouchers.lookups(),
      faults: this.activeFaults(),
    };
  }

  reset(): void {
    this.slotsByDate.clear();
    this.bookings = [];
    this.byKey.clear();
    this.queue.clear();
    this.conflicts = { existingRegistration: 0, slotTaken: 0, keyReused: 0 };
    this.vouchers.reset();
    this.clearFaults();
  }

  // ── HTTP ──

  protected defineRoutes(app: FastifyInstance): void {
    this.route(app, 'POST', '/his/v1/patients/by-insurance-voucher', 'patientByInsuranceVoucher', (r) => {
      const b = businessInput(z.object({ code: z.string().min(1).max(512) }), r.body, 'body');
      return { body: { patient: this.patientByVoucher(b.code.trim()) } };
    });
    this.route(app, 'GET', '/his/v1/departments', 'departments', () => ({ body: { departments: SIM_DEPARTMENTS } }));
    this.route(app, 'GET', '/his/v1/departments/:departmentId/doctors', 'doctors', (r) => {
      const day = businessInput(date, r.query.date, 'date');
      const dep = SIM_DEPARTMENTS.find((d) => d.id === r.params.departmentId);
      if (!dep) throw new SimReject(404, 'DEPARTMENT_NOT_FOUND', `no department "${r.params.departmentId}"`);
      void day;
      return { body: { doctors: SIM_DOCTORS.filter((d) => d.departmentId === dep.id) } };
    });
    this.route(app, 'GET', '/his/v1/doctors/:doctorId/slots', 'slots', (r) => {
      const day = businessInput(date, r.query.date, 'date');
      const doc = SIM_DOCTORS.find((d) => d.id === r.params.doctorId);
      if (!doc) throw new SimReject(404, 'DOCTOR_NOT_FOUND', `no doctor "${r.params.doctorId}"`);
      return { body: { slots: this.slotsOf(doc.id, day) } };
    });
    this.route(app, 'POST', '/his/v1/registrations/search', 'todaysRegistrations', (r) => {
      const q = businessInput(z.object({ idNumber: z.string().min(1), date }), r.body, 'body');
      return { body: { registrations: this.bookings.filter((b) => b.idNumber === q.idNumber && b.date === q.date && b.status === 'booked').map(toRegistration) } };
    });
    this.route(app, 'POST', '/his/v1/registrations', 'register', (r, f) => this.register(r, f));
    this.route(app, 'GET', '/his/v1/registrations/by-key/:key', 'registrationByKey', (r) => {
      const b = this.byKey.get(r.params.key ?? '');
      if (!b) throw new SimReject(404, 'NOT_FOUND', `no registration with idempotency key "${r.params.key}"`);
      return { body: { registration: toRegistration(b) } };
    });
  }

  protected override defineControl(app: FastifyInstance): void {
    this.control(app, '/__sim/take-slot', z.strictObject({ slotId: z.string().min(1) }), (i) => ({ slot: this.takeSlot(i.slotId) }));
    this.control(app, '/__sim/expire-voucher', z.strictObject({ code: z.string().min(1) }), (i) => ({ identityId: this.expireVoucher(i.code.trim()).identityId }));
    app.get('/__sim/vouchers', async () => ({
      vouchers: this.vouchers.listing().map((v) => ({ identityId: v.identityId, voucher: v.code, expiredVoucher: v.expiredCode, expired: v.expired })),
    }));
  }

  private register(req: SimRequest, fault: ActiveFault | undefined): SimAnswer {
    const b = businessInput(registerBody, req.body, 'body');
    const prior = this.byKey.get(b.idempotencyKey);
    if (prior) {
      if (prior.slotId === b.slotId && prior.idNumber === b.patient.idNumber && prior.paymentOrderNo === b.paymentOrderNo) {
        prior.requests++;
        return { status: 200, body: { outcome: 'booked', registration: toRegistration(prior), replayed: true } };
      }
      this.conflicts.keyReused++;
      throw new SimReject(409, 'IDEMPOTENCY_KEY_REUSED', `idempotency key ${b.idempotencyKey} already booked a different registration`, { existing: toRegistration(prior) });
    }
    const slot = this.slot(b.slotId);
    if (!slot) throw new SimReject(404, 'SLOT_NOT_FOUND', `no slot "${b.slotId}"`);
    if (fault?.mode === 'slot-taken') slot.remaining = 0;
    const existing = this.bookings.filter((x) => x.idNumber === b.patient.idNumber && x.date === slot.date && x.status === 'booked');
    if (existing.length > 0 && !b.allowAdditional) {
      this.conflicts.existingRegistration++;
      throw new SimReject(409, 'EXISTING_REGISTRATION', `the patient already has ${existing.length} registration(s) on ${slot.date}; set allowAdditional after they chose to add one`, {
        existing: existing.map(toRegistration),
      });
    }
    if (slot.remaining <= 0) {
      this.conflicts.slotTaken++;
      throw new SimReject(409, 'SLOT_TAKEN', `slot ${slot.id} (${slot.date} ${slot.time}) has no places left`, { slotId: slot.id });
    }
    slot.remaining--;
    const dep = SIM_DEPARTMENTS.find((d) => d.id === slot.departmentId);
    const doc = SIM_DOCTORS.find((d) => d.id === slot.doctorId);
    const qKey = `${slot.doctorId}/${slot.date}`;
    const queueNumber = (this.queue.get(qKey) ?? 0) + 1;
    this.queue.set(qKey, queueNumber);
    const booking: Booking = {
      bookingId: `GH${slot.date.replaceAll('-', '')}${String(++this.seq).padStart(6, '0')}`,
      idempotencyKey: b.idempotencyKey,
      departmentId: slot.departmentId,
      departmentName: dep?.name ?? slot.departmentId,
      doctorId: slot.doctorId,
      doctorName: doc?.name ?? slot.doctorId,
      slotId: slot.id,
      date: slot.date,
      time: slot.time,
      queueNumber,
      feeFen: slot.feeFen,
      paymentOrderNo: b.paymentOrderNo,
      status: 'booked',
      createdAt: shanghaiIso(this.now()),
      idNumber: b.patient.idNumber,
      patientName: b.patient.name,
      requests: 1,
    };
    this.bookings.push(booking);
    this.byKey.set(booking.idempotencyKey, booking);
    return { status: 201, body: { outcome: 'booked', registration: toRegistration(booking), replayed: false } };
  }

  // ── seed ──

  private slotsFor(day: string): Map<string, Slot> {
    const first = this.today();
    if (day < first || day > addDays(first, BOOKING_DAYS - 1)) return new Map();
    let slots = this.slotsByDate.get(day);
    if (!slots) {
      slots = new Map();
      const compact = day.replaceAll('-', '');
      for (const doc of SIM_DOCTORS) {
        for (const time of SLOT_TIMES) {
          const id = `${doc.id}-${compact}-${time.slice(0, 5).replace(':', '')}`;
          const full = FULL_SLOTS[doc.id]?.includes(time) ?? false;
          slots.set(id, { id, departmentId: doc.departmentId, doctorId: doc.id, date: day, time, feeFen: SIM_FEES_FEN[doc.title] ?? 5000, remaining: full ? 0 : this.capacity });
        }
      }
      this.slotsByDate.set(day, slots);
    }
    return slots;
  }

  private slot(slotId: string): Slot | undefined {
    const m = slotId.match(/^[A-Z]{2}\d{2}-(\d{4})(\d{2})(\d{2})-\d{4}$/);
    if (!m) return undefined;
    return this.slotsFor(`${m[1]}-${m[2]}-${m[3]}`).get(slotId);
  }
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function toRegistration(b: Booking): Registration {
  return {
    bookingId: b.bookingId,
    idempotencyKey: b.idempotencyKey,
    departmentId: b.departmentId,
    departmentName: b.departmentName,
    doctorId: b.doctorId,
    doctorName: b.doctorName,
    slotId: b.slotId,
    date: b.date,
    time: b.time,
    queueNumber: b.queueNumber,
    feeFen: b.feeFen,
    paymentOrderNo: b.paymentOrderNo,
    status: b.status,
    createdAt: b.createdAt,
  };
}
