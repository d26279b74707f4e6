/**
 * The hospital registration machine's actors (state-machines/registration.machine.ts) backed by the
 * HIS adapter, and what recovery reads from a registration snapshot.
 *
 * `identifyByMedicalInsurance` asks the HIS who a scanned medical-insurance e-voucher belongs to.
 * `lockSlot` (锁号, before payment), `confirmRegistration` (确认挂号, once paid) and `releaseSlot`
 * (解锁) are idempotent by the key the machine keeps in context (`${sessionId}-R${n}`, made in the
 * transition into lockingSlot, so it is journaled before the HIS sees it): a repeated request
 * returns the same lock or booking. The lists (departments, doctors, slots, today's registrations)
 * are reads.
 */
import { fromPromise } from 'xstate';
import { BackendError } from '../../backends/errors.ts';
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
} from '../../backends/his/types.ts';
import type { SessionFacts } from '../recovery/recovery.ts';
import { stepOf } from '../recovery/recovery.ts';

const hisMissing = () => new BackendError('his', 'unavailable', 'not-done', 'NOT_CONFIGURED', 'no HIS is configured on this kiosk (backends.his)');

export function registrationActors(o: { his?: His }) {
  const his = () => {
    if (!o.his) throw hisMissing();
    return o.his;
  };
  return {
    // The HIS resolves the scanned 医保电子凭证 through the medical-insurance platform (a read);
    // VOUCHER_INVALID / VOUCHER_EXPIRED send the patient back to identifying with the reason.
    identifyByMedicalInsurance: fromPromise<Patient, { code: string }>(({ input, signal }) => his().patientByInsuranceVoucher({ code: input.code }, { signal })),
    todaysRegistrations: fromPromise<Registration[], { idNumber: string; date: string }>(({ input, signal }) => his().todaysRegistrations(input, { signal })),
    departments: fromPromise<Department[], Record<string, never>>(({ signal }) => his().departments({ signal })),
    doctors: fromPromise<Doctor[], { departmentId: string; date: string }>(({ input, signal }) => his().doctors(input, { signal })),
    slots: fromPromise<Slot[], { doctorId: string; date: string }>(({ input, signal }) => his().slots(input, { signal })),
    lockSlot: fromPromise<LockSlotResult, LockSlotRequest>(({ input, signal }) => his().lockSlot(input, { signal })),
    confirmRegistration: fromPromise<ConfirmRegistrationResult, ConfirmRegistrationRequest>(({ input, signal }) => his().confirmRegistration(input, { signal })),
    releaseSlot: fromPromise<ReleaseSlotResult, { idempotencyKey: string }>(({ input, signal }) => his().releaseSlot(input, { signal })),
    registrationByKey: fromPromise<Registration | null, { idempotencyKey: string }>(({ input, signal }) => his().registrationByKey(input, { signal })),
  };
}

interface RegistrationSnapshotView {
  context?: {
    idempotencyKey?: string | null;
    lock?: unknown;
    paidOrder?: { outTradeNo?: string } | null;
    payment?: { outTradeNo?: string } | null;
  };
  children?: Record<string, { snapshot?: { context?: { outTradeNo?: string } } } | undefined>;
}

/**
 * What recovery needs from a registration snapshot: the step, which order paid (or was about to
 * pay) for the booking attempt under the current idempotency key, and that key again if a place may
 * still be held under it (`context.lock`). Older orders of the session were never used for that key:
 * a registration is only confirmed with the order that is paid now.
 */
export function registrationFacts(state: unknown): Partial<SessionFacts> {
  const s = (state && typeof state === 'object' ? state : {}) as RegistrationSnapshotView;
  const key = s.context?.idempotencyKey ?? null;
  const byOrder: Record<string, string> = {};
  if (key) {
    const orders = [s.context?.paidOrder?.outTradeNo, s.children?.payment?.snapshot?.context?.outTradeNo, s.context?.payment?.outTradeNo];
    for (const no of orders) if (typeof no === 'string' && no) byOrder[no] = key;
  }
  return { step: stepOf(state), registrationKeyByOrder: byOrder, heldSlotLock: key && s.context?.lock ? key : null };
}
