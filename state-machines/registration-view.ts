/**
 * What the screen shows of a registration session (the bridge's RegistrationView): the patient
 * masked, the lists and the booking as the HIS gave them, nothing the screen does not need.
 */
import type { Registration } from '../backends/his/types.ts';
import { maskIdNumber, maskName } from '../contracts/pii.ts';
import type { RegistrationContext } from './registration.machine.ts';

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
    conflict: c.conflict && c.conflict.reason === 'same-department' ? { reason: c.conflict.reason, existing: c.conflict.existing.map(registrationSummary) } : c.conflict,
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
