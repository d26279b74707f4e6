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

export interface RegisterRequest {
  /** one per attempted booking; a retry with the same key and the same booking returns the same registration */
  idempotencyKey: string;
  patient: Patient;
  slotId: string;
  paymentOrderNo: string;
  /** the patient has seen their existing registrations today and chose to add this one */
  allowAdditional?: boolean;
}

/**
 * Never an implicit cancel: a second booking for the same patient today is an explicit conflict
 * unless `allowAdditional` was set; the same idempotency key with a different booking is a conflict too.
 */
export type RegisterResult =
  | { outcome: 'booked'; registration: Registration; replayed: boolean }
  | { outcome: 'conflict'; reason: 'existing-registration'; existing: Registration[] }
  | { outcome: 'conflict'; reason: 'slot-taken'; slotId: string }
  | { outcome: 'conflict'; reason: 'key-reused'; existing: Registration };

/**
 * The hospital information system. `patientByInsuranceVoucher` resolves a scanned medical-insurance
 * e-voucher (医保电子凭证) QR to the patient, through the medical-insurance platform behind the HIS;
 * rejections: BackendError kind 'rejected' with code `VOUCHER_INVALID` (not a voucher, or unknown)
 * or `VOUCHER_EXPIRED` (the patient must refresh the code on the phone). A read.
 */
export interface His {
  patientByInsuranceVoucher(req: { code: string }, opts?: CallOptions): Promise<Patient>;
  departments(opts?: CallOptions): Promise<Department[]>;
  doctors(req: { departmentId: string; date: string }, opts?: CallOptions): Promise<Doctor[]>;
  slots(req: { doctorId: string; date: string }, opts?: CallOptions): Promise<Slot[]>;
  todaysRegistrations(req: { idNumber: string; date: string }, opts?: CallOptions): Promise<Registration[]>;
  register(req: RegisterRequest, opts?: CallOptions): Promise<RegisterResult>;
  /** for recovery: what became of an attempt (null = never booked) */
  registrationByKey(req: { idempotencyKey: string }, opts?: CallOptions): Promise<Registration | null>;
}
