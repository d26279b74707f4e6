import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BackOfficeSim, SimInputError, SimReject, businessInput, shanghaiDate, shanghaiIso, type ActiveFault, type SimAnswer, type SimCommonOptions, type SimRequest } from '../sim-server.ts';
import { INSURANCE_VOUCHER_CODE, SimCodeBook, insuranceVoucherFor, type SimPerson } from '../sim-persons.ts';
import type { Patient, Registration, Slot, SlotLock } from './types.ts';
import { BOOKING_DAYS, FULL_SLOTS, SIM_DEPARTMENTS, SIM_DOCTORS, SIM_FEES_FEN, SLOT_TIMES } from './sim-seed.ts';

export { insuranceVoucherFor };
export { BOOKING_DAYS, SIM_DEPARTMENTS, SIM_DOCTORS, SIM_FEES_FEN } from './sim-seed.ts';

/**
 * A hospital information system on loopback, speaking the REST shape in ./http.ts.
 *
 * Seed: six departments (内科 外科 儿科 眼科 口腔科 皮肤科), two doctors each, six slots per doctor
 * per day, bookable from today (Asia/Shanghai) for BOOKING_DAYS days — generated on first use, so
 * "today" always has slots, however long the simulator runs; other dates have none;
 * fees 普通 50 元 / 副主任 60 元 / 主任 80 元 in fen. 眼科's 主任 morning is fully booked (约满).
 *
 * Slots whose time is over are not listed and cannot be locked (SLOT_PASSED): at 21:48 there is no
 * 08:00–09:00 any more; at 08:40 there still is (a slot is open until its end, in Asia/Shanghai).
 *
 * Booking is 锁号 → 支付 → 确认挂号, all by the attempt's idempotency key:
 * - lock: takes one place for `holdSeconds` (capped at `maxHoldSeconds`); the place comes back by
 *   itself when the hold expires. A booked registration of the patient in the *same department* that
 *   day → conflict `same-department` unless allowSameDepartment (another department is no conflict:
 *   both stay valid — never the "冲号" where a second department silently cancels the first); no place
 *   left → `slot-taken` (fault `slot-taken` on route `lockSlot` empties the slot just before); the same
 *   key and request → the same lock, replayed; the same key for anything else, or a lock that has
 *   ended → `key-reused`.
 * - confirm: the held place becomes a booking with a queue number; same key and order → replayed;
 *   expired / released / unknown key → LOCK_NOT_HELD (nothing booked).
 * - release: gives a held place back; a confirmed key stays booked (`booked`), anything else `not-held`.
 * Nothing here ever cancels a booking by itself.
 *
 * Medical-insurance e-vouchers (医保电子凭证): the HIS resolves a scanned voucher to the patient (in a
 * real hospital through the medical-insurance platform). It knows the vouchers of the sample people
 * (../sim-persons.ts: `insuranceVoucherFor(identityId)` is the current one, `(identityId, 'expired')`
 * an expired one); anything else is VOUCHER_INVALID, an expired one VOUCHER_EXPIRED. `expireVoucher`
 * lets a current voucher expire (the patient waited too long with the code on screen).
 *
 * Routes for faults: patientByInsuranceVoucher, departments, doctors, slots, todaysRegistrations,
 * lockSlot, confirmRegistration, releaseSlot, registrationByKey.
 * Control routes (besides /__sim/{state,ledger,faults,reset}): POST /__sim/take-slot {slotId},
 * POST /__sim/desk-booking {idNumber, name, slotId} (staff book at the desk, no kiosk involved),
 * GET /__sim/vouchers (every known voucher, by identity), POST /__sim/expire-voucher {code}.
 */

export const HIS_ROUTES = ['patientByInsuranceVoucher', 'departments', 'doctors', 'slots', 'todaysRegistrations', 'lockSlot', 'confirmRegistration', 'releaseSlot', 'registrationByKey'] as const;
export type HisRoute = (typeof HIS_ROUTES)[number];

export interface HisSimOptions extends SimCommonOptions {
  /** patients per slot (default 20) */
  slotCapacity?: number;
  /** the longest a place is held for a lock, whatever the kiosk asks (default 900 s) */
  maxHoldSeconds?: number;
}

export interface LedgerBooking extends Registration {
  idNumber: string;
  patientName: string;
  /** confirm requests that carried this booking's key (1 + replays) */
  requests: number;
}

export interface LedgerLock {
  idempotencyKey: string;
  slotId: string;
  departmentId: string;
  idNumber: string;
  /** held: the place is taken for this attempt; confirmed: it became a booking */
  status: 'held' | 'confirmed' | 'released' | 'expired';
  /** epoch ms */
  expiresAt: number;
  /** lock requests that carried this key (1 + replays) */
  requests: number;
  allowSameDepartment: boolean;
  /** the kiosk asked to confirm it after the hold had run out: refused, nothing booked (the kiosk did its part) */
  confirmRefused?: boolean;
}

export interface HisLedger {
  bookings: LedgerBooking[];
  locks: LedgerLock[];
  totals: {
    booked: number;
    cancelled: number;
    replays: number;
    locks: { held: number; confirmed: number; released: number; expired: number };
    conflicts: { sameDepartment: number; slotTaken: number; slotPassed: number; keyReused: number; notHeld: number };
  };
}

type Booking = LedgerBooking;
type Lock = LedgerLock & { patientName: string; feeFen: number };

const noConflicts = () => ({ sameDepartment: 0, slotTaken: 0, slotPassed: 0, keyReused: 0, notHeld: 0 });

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date YYYY-MM-DD' });
const idempotencyKey = z.string().min(8).max(64);
const lockBody = z.object({
  idempotencyKey,
  patient: z.object({ idNumber: z.string().min(6).max(32), name: z.string().min(1).max(64) }),
  slotId: z.string().min(1),
  holdSeconds: z.number().int().min(1).max(86_400),
  allowSameDepartment: z.boolean().optional(),
});
const confirmBody = z.object({ paymentOrderNo: z.string().min(1).max(64) });

export class HisSimulator extends BackOfficeSim {
  private readonly capacity: number;
  private readonly maxHoldSeconds: number;
  private slotsByDate = new Map<string, Map<string, Slot>>();
  private bookings: Booking[] = [];
  private byKey = new Map<string, Booking>();
  private locks = new Map<string, Lock>();
  /** keys released before any lock arrived under them */
  private releasedUnknown = new Set<string>();
  private queue = new Map<string, number>();
  private conflicts = noConflicts();
  private seq = 0;
  private readonly vouchers = new SimCodeBook(insuranceVoucherFor, INSURANCE_VOUCHER_CODE, {
    invalid: { code: 'VOUCHER_INVALID', message: '医保电子凭证无效：this is not a medical-insurance e-voucher the platform knows' },
    expired: { code: 'VOUCHER_EXPIRED', message: '医保电子凭证已过期：please refresh the e-voucher on the phone and scan it again' },
    unknown: 'no such voucher (GET /__sim/vouchers lists the known ones)',
  });

  constructor(opts: HisSimOptions = {}) {
    super('his', HIS_ROUTES, { 'slot-taken': ['lockSlot'], 'hold-expired': ['confirmRegistration'] }, opts);
    this.capacity = opts.slotCapacity ?? 20;
    this.maxHoldSeconds = opts.maxHoldSeconds ?? 900;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new Error(`HIS simulator: slotCapacity must be a positive integer (got ${opts.slotCapacity})`);
    if (!Number.isInteger(this.maxHoldSeconds) || this.maxHoldSeconds < 1) throw new Error(`HIS simulator: maxHoldSeconds must be a positive integer (got ${opts.maxHoldSeconds})`);
  }

  /** "today" for the simulated hospital: YYYY-MM-DD in Asia/Shanghai */
  today(): string {
    return shanghaiDate(this.now());
  }

  /** The slots of a doctor on a date, as the HIS would list them now (slots whose time is over are not). */
  slotsOf(doctorId: string, day: string = this.today()): Slot[] {
    this.expireLocks();
    return [...this.slotsFor(day).values()].filter((s) => s.doctorId === doctorId && !this.passed(s)).map((s) => ({ ...s }));
  }

  /** Someone else takes the slot: its remaining drops to 0. */
  takeSlot(slotId: string): Slot {
    const slot = this.slot(slotId);
    if (!slot) throw new SimInputError(`no slot "${slotId}" (slot ids look like NK01-20250101-0800)`);
    slot.remaining = 0;
    return { ...slot };
  }

  /** Staff book a patient at the hospital desk (no kiosk, no lock, paid at the desk). */
  bookAtDesk(patient: Patient, slotId: string): Registration {
    this.expireLocks();
    const slot = this.slot(slotId);
    if (!slot) throw new SimInputError(`no slot "${slotId}" (slot ids look like NK01-20250101-0800)`);
    if (this.passed(slot) || slot.remaining <= 0) throw new SimInputError(`slot ${slotId} (${slot.date} ${slot.time}) cannot be booked: ${slot.remaining <= 0 ? 'no places left' : 'its time is over'}`);
    slot.remaining--;
    const n = ++this.seq;
    return toRegistration(this.book(slot, { idempotencyKey: `desk-${String(n).padStart(6, '0')}`, idNumber: patient.idNumber, patientName: patient.name }, `DESK${String(n).padStart(6, '0')}`));
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
    this.expireLocks();
    const locks = [...this.locks.values()].map(({ patientName: _n, feeFen: _f, ...l }) => l);
    const count = (status: LedgerLock['status']) => locks.filter((l) => l.status === status).length;
    return {
      bookings: this.bookings.map((b) => ({ ...b })),
      locks,
      totals: {
        booked: this.bookings.filter((b) => b.status === 'booked').length,
        cancelled: this.bookings.filter((b) => b.status === 'cancelled').length,
        replays: this.bookings.reduce((a, b) => a + b.requests - 1, 0) + locks.reduce((a, l) => a + l.requests - 1, 0),
        locks: { held: count('held'), confirmed: count('confirmed'), released: count('released'), expired: count('expired') },
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
    this.locks.clear();
    this.releasedUnknown.clear();
    this.queue.clear();
    this.conflicts = noConflicts();
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
      return { body: { registrations: this.bookedOn(q.idNumber, q.date).map(toRegistration) } };
    });
    this.route(app, 'POST', '/his/v1/slot-locks', 'lockSlot', (r, f) => this.lock(r, f));
    this.route(app, 'POST', '/his/v1/slot-locks/:key/confirm', 'confirmRegistration', (r, f) => this.confirm(r.params.key ?? '', businessInput(confirmBody, r.body, 'body').paymentOrderNo, f));
    this.route(app, 'POST', '/his/v1/slot-locks/:key/release', 'releaseSlot', (r) => ({ body: { outcome: this.release(r.params.key ?? '') } }));
    this.route(app, 'GET', '/his/v1/registrations/by-key/:key', 'registrationByKey', (r) => {
      const b = this.byKey.get(r.params.key ?? '');
      if (!b) throw new SimReject(404, 'NOT_FOUND', `no registration with idempotency key "${r.params.key}"`);
      return { body: { registration: toRegistration(b) } };
    });
  }

  protected override defineControl(app: FastifyInstance): void {
    this.control(app, '/__sim/take-slot', z.strictObject({ slotId: z.string().min(1) }), (i) => ({ slot: this.takeSlot(i.slotId) }));
    this.control(app, '/__sim/desk-booking', z.strictObject({ idNumber: z.string().min(6), name: z.string().min(1), slotId: z.string().min(1) }), (i) => ({
      registration: this.bookAtDesk({ idNumber: i.idNumber, name: i.name }, i.slotId),
    }));
    this.control(app, '/__sim/expire-voucher', z.strictObject({ code: z.string().min(1) }), (i) => ({ identityId: this.expireVoucher(i.code.trim()).identityId }));
    app.get('/__sim/vouchers', async () => ({
      vouchers: this.vouchers.listing().map((v) => ({ identityId: v.identityId, voucher: v.code, expiredVoucher: v.expiredCode, expired: v.expired })),
    }));
  }

  private lock(req: SimRequest, fault: ActiveFault | undefined): SimAnswer {
    this.expireLocks();
    const b = businessInput(lockBody, req.body, 'body');
    const prior = this.locks.get(b.idempotencyKey);
    if (this.releasedUnknown.has(b.idempotencyKey)) {
      this.conflicts.keyReused++;
      throw new SimReject(409, 'IDEMPOTENCY_KEY_REUSED', `idempotency key ${b.idempotencyKey} was released before it locked anything; a new attempt needs a new key`);
    }
    if (prior) {
      if (prior.status === 'held' && prior.slotId === b.slotId && prior.idNumber === b.patient.idNumber) {
        prior.requests++;
        return { status: 200, body: { outcome: 'locked', lock: toLock(prior), replayed: true } };
      }
      this.conflicts.keyReused++;
      throw new SimReject(409, 'IDEMPOTENCY_KEY_REUSED', `idempotency key ${b.idempotencyKey} already locked slot ${prior.slotId} (now ${prior.status}); a new attempt needs a new key`);
    }
    const slot = this.slot(b.slotId);
    if (!slot) throw new SimReject(404, 'SLOT_NOT_FOUND', `no slot "${b.slotId}"`);
    if (this.passed(slot)) {
      this.conflicts.slotPassed++;
      throw new SimReject(409, 'SLOT_PASSED', `slot ${slot.id} (${slot.date} ${slot.time}) is over`, { slotId: slot.id });
    }
    if (fault?.mode === 'slot-taken') slot.remaining = 0;
    const sameDepartment = this.bookedOn(b.patient.idNumber, slot.date).filter((x) => x.departmentId === slot.departmentId);
    if (sameDepartment.length > 0 && !b.allowSameDepartment) {
      this.conflicts.sameDepartment++;
      throw new SimReject(409, 'SAME_DEPARTMENT', `the patient already has ${sameDepartment.length} registration(s) in ${slot.departmentId} on ${slot.date}; set allowSameDepartment once they chose to add one`, {
        existing: sameDepartment.map(toRegistration),
      });
    }
    if (slot.remaining <= 0) {
      this.conflicts.slotTaken++;
      throw new SimReject(409, 'SLOT_TAKEN', `slot ${slot.id} (${slot.date} ${slot.time}) has no places left`, { slotId: slot.id });
    }
    slot.remaining--;
    const lock: Lock = {
      idempotencyKey: b.idempotencyKey,
      slotId: slot.id,
      departmentId: slot.departmentId,
      idNumber: b.patient.idNumber,
      patientName: b.patient.name,
      feeFen: slot.feeFen,
      status: 'held',
      expiresAt: this.now() + Math.min(b.holdSeconds, this.maxHoldSeconds) * 1000,
      requests: 1,
      allowSameDepartment: b.allowSameDepartment === true,
    };
    this.locks.set(lock.idempotencyKey, lock);
    return { status: 201, body: { outcome: 'locked', lock: toLock(lock), replayed: false } };
  }

  private confirm(key: string, paymentOrderNo: string, fault?: ActiveFault): SimAnswer {
    const held = this.locks.get(key);
    if (fault?.mode === 'hold-expired' && held?.status === 'held') held.expiresAt = this.now();
    this.expireLocks();
    const booked = this.byKey.get(key);
    if (booked) {
      if (booked.paymentOrderNo !== paymentOrderNo) {
        this.conflicts.keyReused++;
        throw new SimReject(409, 'IDEMPOTENCY_KEY_REUSED', `idempotency key ${key} is booked already, paid by ${booked.paymentOrderNo}`, { existing: toRegistration(booked) });
      }
      booked.requests++;
      return { status: 200, body: { outcome: 'booked', registration: toRegistration(booked), replayed: true } };
    }
    const lock = this.locks.get(key);
    if (!lock || lock.status !== 'held') {
      this.conflicts.notHeld++;
      if (lock?.status === 'expired') lock.confirmRefused = true;
      const reason = !lock ? 'unknown-key' : lock.status === 'expired' ? 'expired' : 'released';
      throw new SimReject(409, 'LOCK_NOT_HELD', `no place is held under key ${key} (${reason}); nothing was booked`, { reason });
    }
    const slot = this.slot(lock.slotId);
    if (!slot) throw new SimReject(404, 'SLOT_NOT_FOUND', `no slot "${lock.slotId}"`);
    lock.status = 'confirmed';
    const booking = this.book(slot, lock, paymentOrderNo);
    return { status: 201, body: { outcome: 'booked', registration: toRegistration(booking), replayed: false } };
  }

  private release(key: string): 'released' | 'not-held' | 'booked' {
    this.expireLocks();
    if (this.byKey.has(key)) return 'booked';
    const lock = this.locks.get(key);
    if (!lock) {
      // a lock request still on the wire must not take a place after its attempt gave it up
      this.releasedUnknown.add(key);
      return 'not-held';
    }
    if (lock.status !== 'held') return 'not-held';
    lock.status = 'released';
    const slot = this.slot(lock.slotId);
    if (slot) slot.remaining++;
    return 'released';
  }

  private book(slot: Slot, who: { idempotencyKey: string; idNumber: string; patientName: string }, paymentOrderNo: string): Booking {
    const dep = SIM_DEPARTMENTS.find((d) => d.id === slot.departmentId);
    const doc = SIM_DOCTORS.find((d) => d.id === slot.doctorId);
    const qKey = `${slot.doctorId}/${slot.date}`;
    const queueNumber = (this.queue.get(qKey) ?? 0) + 1;
    this.queue.set(qKey, queueNumber);
    const booking: Booking = {
      bookingId: `GH${slot.date.replaceAll('-', '')}${String(++this.seq).padStart(6, '0')}`,
      idempotencyKey: who.idempotencyKey,
      departmentId: slot.departmentId,
      departmentName: dep?.name ?? slot.departmentId,
      doctorId: slot.doctorId,
      doctorName: doc?.name ?? slot.doctorId,
      slotId: slot.id,
      date: slot.date,
      time: slot.time,
      queueNumber,
      feeFen: slot.feeFen,
      paymentOrderNo,
      status: 'booked',
      createdAt: shanghaiIso(this.now()),
      idNumber: who.idNumber,
      patientName: who.patientName,
      requests: 1,
    };
    this.bookings.push(booking);
    this.byKey.set(booking.idempotencyKey, booking);
    return booking;
  }

  private bookedOn(idNumber: string, day: string): Booking[] {
    return this.bookings.filter((b) => b.idNumber === idNumber && b.date === day && b.status === 'booked');
  }

  /** Holds that ran out give their place back. */
  private expireLocks(): void {
    const now = this.now();
    for (const l of this.locks.values()) {
      if (l.status !== 'held' || l.expiresAt > now) continue;
      l.status = 'expired';
      const slot = this.slot(l.slotId);
      if (slot) slot.remaining++;
    }
  }

  /** Is the slot's time over (its end has passed, in Asia/Shanghai)? */
  private passed(slot: Slot): boolean {
    const nowIso = shanghaiIso(this.now());
    const today = nowIso.slice(0, 10);
    return slot.date < today || (slot.date === today && slot.time.slice(6, 11) <= nowIso.slice(11, 16));
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

function toLock(l: Lock): SlotLock {
  return { idempotencyKey: l.idempotencyKey, slotId: l.slotId, feeFen: l.feeFen, expiresAt: shanghaiIso(l.expiresAt) };
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
