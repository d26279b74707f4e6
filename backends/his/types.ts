import type { CallOptions } from '../errors.ts';

export interface Department {
  id: string;
  name: string;
  /** e.g. 门诊楼二层 */
  location: string;
}

export interface Doctor {
  id: string;
  departmentId: string;
  name: string;
  /** 主任医师 / 副主任医师 / 主治医师 / 普通门诊 */
  title: string;
}

export interface Slot {
  id: string;
  departmentId: string;
  doctorId: string;
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM-HH:MM */
  time: string;
  feeFen: number;
  remaining: number;
}

export interface Patient {
  idNumber: string;
  name: string;
}

export interface Registration {
  bookingId: string;
  idempotencyKey: string;
  departmentId: string;
  departmentName: string;
  doctorId: string;
  doctorName: string;
  slotId: string;
  date: string;
  time: string;
  /** 就诊序号 */
  queueNumber: number;
  feeFen: number;
  /** merchant order number of the payment that paid for it */
  paymentOrderNo: string;
  status: 'booked' | 'cancelled';
  /** ISO */
  createdAt: string;
}

/** A place in a slot, held for one booking attempt until it is confirmed (paid), released, or expires. */
export interface SlotLock {
  idempotencyKey: string;
  slotId: string;
  feeFen: number;
  /** ISO: the HIS gives the place back by itself at this moment unless it was confirmed */
  expiresAt: string;
}

export interface LockSlotRequest {
  /** one per booking attempt; the same key locks, confirms and releases that attempt's place */
  idempotencyKey: string;
  patient: Patient;
  slotId: string;
  /** how long the kiosk needs the place (choosing how to pay, paying, confirming); the HIS may hold it shorter: see `expiresAt` */
  holdSeconds: number;
  /** the patient saw their registration in the same department that day and chose to add this one */
  allowSameDepartment?: boolean;
}

/**
 * 锁号. Before any money moves. A registration in *another* department the same day is no conflict
 * (both stay valid); one in the same department is `same-department` unless `allowSameDepartment`.
 * The same key with the same request is the same lock (`replayed`); the same key for anything else, or
 * for a lock that has ended (released, expired, confirmed), is `key-reused`.
 */
export type LockSlotResult =
  | { outcome: 'locked'; lock: SlotLock; replayed: boolean }
  | { outcome: 'conflict'; reason: 'same-department'; existing: Registration[] }
  | { outcome: 'conflict'; reason: 'slot-taken'; slotId: string }
  /** the slot's time is over (a 08:00–09:00 slot at 21:48) */
  | { outcome: 'conflict'; reason: 'slot-passed'; slotId: string }
  | { outcome: 'conflict'; reason: 'key-reused' };

export interface ConfirmRegistrationRequest {
  idempotencyKey: string;
  /** merchant order number of the payment that paid for it */
  paymentOrderNo: string;
}

/**
 * 确认挂号: the locked place becomes a booking. Idempotent by key: the same key and order returns the
 * same registration (`replayed`). `not-held`: nothing was booked (the lock expired, was released, or
 * never existed) — the money goes back. A booking under the key paid by another order is `key-reused`.
 */
export type ConfirmRegistrationResult =
  | { outcome: 'booked'; registration: Registration; replayed: boolean }
  | { outcome: 'not-held'; reason: 'expired' | 'released' | 'unknown-key' }
  | { outcome: 'conflict'; reason: 'key-reused'; existing: Registration };

/**
 * 解锁: give a held place back. Idempotent, and never a cancel: a key already confirmed answers
 * `booked` and the booking stays; a key the HIS does not hold (expired, released, never locked) answers
 * `not-held`. A key released once can never lock again (a lock request still on the wire is refused).
 */
export type ReleaseSlotResult = { outcome: 'released' | 'not-held' | 'booked' };

/**
 * The hospital information system. `patientByInsuranceVoucher` resolves a scanned medical-insurance
 * e-voucher (医保电子凭证) QR to the patient, through the medical-insurance platform behind the HIS;
 * rejections: BackendError kind 'rejected' with code `VOUCHER_INVALID` (not a voucher, or unknown)
 * or `VOUCHER_EXPIRED` (the patient must refresh the code on the phone). A read.
 *
 * Booking is 锁号 → 支付 → 确认挂号: `lockSlot` holds a place before the patient pays (every conflict is
 * told before money moves), `confirmRegistration` books it once paid, `releaseSlot` gives it back when
 * the patient does not pay. All three by the attempt's idempotency key; nothing here cancels a booking.
 */
export interface His {
  patientByInsuranceVoucher(req: { code: string }, opts?: CallOptions): Promise<Patient>;
  departments(opts?: CallOptions): Promise<Department[]>;
  doctors(req: { departmentId: string; date: string }, opts?: CallOptions): Promise<Doctor[]>;
  slots(req: { doctorId: string; date: string }, opts?: CallOptions): Promise<Slot[]>;
  todaysRegistrations(req: { idNumber: string; date: string }, opts?: CallOptions): Promise<Registration[]>;
  /** 锁号, before payment */
  lockSlot(req: LockSlotRequest, opts?: CallOptions): Promise<LockSlotResult>;
  /** 确认挂号, after payment */
  confirmRegistration(req: ConfirmRegistrationRequest, opts?: CallOptions): Promise<ConfirmRegistrationResult>;
  /** 解锁, when the patient does not pay (cancel, timeout, payment failed, refund) */
  releaseSlot(req: { idempotencyKey: string }, opts?: CallOptions): Promise<ReleaseSlotResult>;
  /** for recovery: what became of an attempt (null = never booked) */
  registrationByKey(req: { idempotencyKey: string }, opts?: CallOptions): Promise<Registration | null>;
}
