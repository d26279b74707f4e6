import { z } from 'zod';
import { BackendError, type CallOptions } from '../errors.ts';
import { JsonHttpBackend, bearer, type HttpBackendOptions } from '../http-call.ts';
import type {
  ConfirmRegistrationRequest,
  ConfirmRegistrationResult,
  Department,
  Doctor,
  His,
  LockSlotRequest,
  LockSlotResult,
  Patient,
  Registration,
  ReleaseSlotResult,
  Slot,
} from './types.ts';

/**
 * Hospital information system over HTTP. JSON, camelCase, fees in fen, dates YYYY-MM-DD (hospital's
 * local day). Optional `Authorization: Bearer <credential>`.
 *
 *   POST /his/v1/patients/by-insurance-voucher {code}          200 {patient: {idNumber, name}}
 *        400 {code:"VOUCHER_INVALID"|"VOUCHER_EXPIRED", message}
 *        (a read; POST keeps the voucher code out of URLs and access logs)
 *   GET  /his/v1/departments                                   200 {departments: Department[]}
 *   GET  /his/v1/departments/{departmentId}/doctors?date=D     200 {doctors: Doctor[]}
 *   GET  /his/v1/doctors/{doctorId}/slots?date=D               200 {slots: Slot[]}
 *   POST /his/v1/registrations/search {idNumber, date}         200 {registrations: Registration[]}
 *        (a read; POST keeps the ID number out of URLs and access logs)
 *   POST /his/v1/slot-locks  LockSlotRequest                    锁号 (a write)
 *        201 {outcome:"locked", lock: SlotLock, replayed:false}
 *        200 {outcome:"locked", lock, replayed:true}                same key, same request
 *        409 {code:"SAME_DEPARTMENT", message, existing: Registration[]}
 *        409 {code:"SLOT_TAKEN" | "SLOT_PASSED", message, slotId}
 *        409 {code:"IDEMPOTENCY_KEY_REUSED", message}
 *   POST /his/v1/slot-locks/{key}/confirm {paymentOrderNo}      确认挂号 (a write)
 *        201 {outcome:"booked", registration, replayed:false}; 200 … replayed:true
 *        409 {code:"LOCK_NOT_HELD", message, reason:"expired"|"released"|"unknown-key"}
 *        409 {code:"IDEMPOTENCY_KEY_REUSED", message, existing: Registration}
 *   POST /his/v1/slot-locks/{key}/release                      解锁 (a write; never cancels a booking)
 *        200 {outcome:"released"|"not-held"|"booked"}
 *   GET  /his/v1/registrations/by-key/{idempotencyKey}         200 {registration}; 404 {code:"NOT_FOUND"}
 *
 * Other errors: `{code, message}` with 4xx (PARAM_ERROR, SLOT_NOT_FOUND, DOCTOR_NOT_FOUND,
 * DEPARTMENT_NOT_FOUND) or 5xx. A 404 without `code: "NOT_FOUND"` (e.g. a wrong base URL) is a
 * protocol error, never "no registration".
 */

export interface HttpHisOptions extends HttpBackendOptions {
  credential?: string;
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const fen = z.number().int().min(0);
const department = z.object({ id: z.string().min(1), name: z.string().min(1), location: z.string() });
const doctor = z.object({ id: z.string().min(1), departmentId: z.string().min(1), name: z.string().min(1), title: z.string() });
const slot = z.object({
  id: z.string().min(1),
  departmentId: z.string().min(1),
  doctorId: z.string().min(1),
  date: day,
  time: z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/),
  feeFen: fen,
  remaining: z.number().int().min(0),
});
const registration = z.object({
  bookingId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  departmentId: z.string().min(1),
  departmentName: z.string(),
  doctorId: z.string().min(1),
  doctorName: z.string(),
  slotId: z.string().min(1),
  date: day,
  time: z.string(),
  queueNumber: z.number().int().min(1),
  feeFen: fen,
  paymentOrderNo: z.string(),
  status: z.enum(['booked', 'cancelled']),
  createdAt: z.string(),
});
const lock = z.object({ idempotencyKey: z.string().min(1), slotId: z.string().min(1), feeFen: fen, expiresAt: z.string().min(1) });
const lockAnswer = z.union([
  z.object({ outcome: z.literal('locked'), lock, replayed: z.boolean() }),
  z.object({ code: z.literal('SAME_DEPARTMENT'), existing: z.array(registration).min(1) }),
  z.object({ code: z.enum(['SLOT_TAKEN', 'SLOT_PASSED']), slotId: z.string().min(1) }),
  z.object({ code: z.literal('IDEMPOTENCY_KEY_REUSED') }),
]);
const confirmAnswer = z.union([
  z.object({ outcome: z.literal('booked'), registration, replayed: z.boolean() }),
  z.object({ code: z.literal('LOCK_NOT_HELD'), reason: z.enum(['expired', 'released', 'unknown-key']) }),
  z.object({ code: z.literal('IDEMPOTENCY_KEY_REUSED'), existing: registration }),
]);
const releaseAnswer = z.object({ outcome: z.enum(['released', 'not-held', 'booked']) });
const byKeyAnswer = z.union([z.object({ registration }), z.object({ code: z.literal('NOT_FOUND') })]);

export class HttpHis implements His {
  private readonly http: JsonHttpBackend;
  constructor(options: HttpHisOptions) {
    this.http = new JsonHttpBackend('his', { ...options, authenticate: options.authenticate ?? bearer(options.credential) });
  }

  async patientByInsuranceVoucher(req: { code: string }, opts?: CallOptions): Promise<Patient> {
    const { body } = await this.http.call(
      {
        // the code is a credential: it is never part of an error message
        operation: 'resolve a medical-insurance e-voucher',
        method: 'POST',
        path: '/his/v1/patients/by-insurance-voucher',
        body: { code: req.code },
        write: false,
        schema: z.object({ patient: z.object({ idNumber: z.string().min(1), name: z.string().min(1) }) }),
      },
      opts,
    );
    return { idNumber: body.patient.idNumber, name: body.patient.name };
  }

  async departments(opts?: CallOptions): Promise<Department[]> {
    const { body } = await this.http.call(
      { operation: 'list departments', method: 'GET', path: '/his/v1/departments', write: false, schema: z.object({ departments: z.array(department) }) },
      opts,
    );
    return body.departments;
  }

  async doctors(req: { departmentId: string; date: string }, opts?: CallOptions): Promise<Doctor[]> {
    const { body } = await this.http.call(
      {
        operation: `list doctors of ${req.departmentId} on ${req.date}`,
        method: 'GET',
        path: `/his/v1/departments/${encodeURIComponent(req.departmentId)}/doctors?date=${encodeURIComponent(req.date)}`,
        write: false,
        schema: z.object({ doctors: z.array(doctor) }),
      },
      opts,
    );
    return body.doctors;
  }

  async slots(req: { doctorId: string; date: string }, opts?: CallOptions): Promise<Slot[]> {
    const { body } = await this.http.call(
      {
        operation: `list slots of ${req.doctorId} on ${req.date}`,
        method: 'GET',
        path: `/his/v1/doctors/${encodeURIComponent(req.doctorId)}/slots?date=${encodeURIComponent(req.date)}`,
        write: false,
        schema: z.object({ slots: z.array(slot) }),
      },
      opts,
    );
    return body.slots;
  }

  async todaysRegistrations(req: { idNumber: string; date: string }, opts?: CallOptions): Promise<Registration[]> {
    const { body } = await this.http.call(
      {
        operation: `list the patient's registrations on ${req.date}`,
        method: 'POST',
        path: '/his/v1/registrations/search',
        body: { idNumber: req.idNumber, date: req.date },
        write: false,
        schema: z.object({ registrations: z.array(registration) }),
      },
      opts,
    );
    return body.registrations;
  }

  async lockSlot(req: LockSlotRequest, opts?: CallOptions): Promise<LockSlotResult> {
    const { body } = await this.http.call(
      {
        operation: `lock slot ${req.slotId} (key ${req.idempotencyKey})`,
        method: 'POST',
        path: '/his/v1/slot-locks',
        body: {
          idempotencyKey: req.idempotencyKey,
          patient: { idNumber: req.patient.idNumber, name: req.patient.name },
          slotId: req.slotId,
          holdSeconds: Math.max(1, Math.ceil(req.holdSeconds)),
          ...(req.allowSameDepartment ? { allowSameDepartment: true } : {}),
        },
        headers: { 'idempotency-key': req.idempotencyKey },
        write: true,
        schema: lockAnswer,
        answerStatuses: [409],
      },
      opts,
    );
    if ('outcome' in body) {
      if (body.lock.idempotencyKey !== req.idempotencyKey || body.lock.slotId !== req.slotId) {
        throw new BackendError('his', 'protocol', 'unknown', 'BAD_RESPONSE', `locked slot ${req.slotId} with key ${req.idempotencyKey}, the HIS answered with a lock of slot ${body.lock.slotId} (key ${body.lock.idempotencyKey}) — release by key before deciding`);
      }
      return { outcome: 'locked', lock: body.lock, replayed: body.replayed };
    }
    switch (body.code) {
      case 'SAME_DEPARTMENT':
        return { outcome: 'conflict', reason: 'same-department', existing: body.existing };
      case 'SLOT_TAKEN':
        return { outcome: 'conflict', reason: 'slot-taken', slotId: body.slotId };
      case 'SLOT_PASSED':
        return { outcome: 'conflict', reason: 'slot-passed', slotId: body.slotId };
      case 'IDEMPOTENCY_KEY_REUSED':
        return { outcome: 'conflict', reason: 'key-reused' };
    }
  }

  async confirmRegistration(req: ConfirmRegistrationRequest, opts?: CallOptions): Promise<ConfirmRegistrationResult> {
    const { body } = await this.http.call(
      {
        operation: `confirm registration ${req.idempotencyKey} paid by ${req.paymentOrderNo}`,
        method: 'POST',
        path: `/his/v1/slot-locks/${encodeURIComponent(req.idempotencyKey)}/confirm`,
        body: { paymentOrderNo: req.paymentOrderNo },
        headers: { 'idempotency-key': req.idempotencyKey },
        write: true,
        schema: confirmAnswer,
        answerStatuses: [409],
      },
      opts,
    );
    if ('outcome' in body) {
      if (body.registration.idempotencyKey !== req.idempotencyKey || body.registration.paymentOrderNo !== req.paymentOrderNo) {
        throw new BackendError('his', 'protocol', 'unknown', 'BAD_RESPONSE', `confirmed key ${req.idempotencyKey} paid by ${req.paymentOrderNo}, the HIS answered with booking ${body.registration.bookingId} (key ${body.registration.idempotencyKey}, order ${body.registration.paymentOrderNo}) — look it up by key before deciding`);
      }
      return { outcome: 'booked', registration: body.registration, replayed: body.replayed };
    }
    if (body.code === 'LOCK_NOT_HELD') return { outcome: 'not-held', reason: body.reason };
    return { outcome: 'conflict', reason: 'key-reused', existing: body.existing };
  }

  async releaseSlot(req: { idempotencyKey: string }, opts?: CallOptions): Promise<ReleaseSlotResult> {
    const { body } = await this.http.call(
      {
        operation: `release the slot locked with key ${req.idempotencyKey}`,
        method: 'POST',
        path: `/his/v1/slot-locks/${encodeURIComponent(req.idempotencyKey)}/release`,
        body: {},
        headers: { 'idempotency-key': req.idempotencyKey },
        write: true,
        schema: releaseAnswer,
      },
      opts,
    );
    return { outcome: body.outcome };
  }

  async registrationByKey(req: { idempotencyKey: string }, opts?: CallOptions): Promise<Registration | null> {
    const { status, body } = await this.http.call(
      {
        operation: `look up registration by key ${req.idempotencyKey}`,
        method: 'GET',
        path: `/his/v1/registrations/by-key/${encodeURIComponent(req.idempotencyKey)}`,
        write: false,
        schema: byKeyAnswer,
        answerStatuses: [404],
      },
      opts,
    );
    if (status === 404 && 'code' in body) return null;
    if (status !== 404 && 'registration' in body) return body.registration;
    throw new BackendError('his', 'protocol', 'not-done', 'BAD_RESPONSE', `look up registration by key ${req.idempotencyKey}: HTTP ${status} with a body that does not match it`);
  }
}
