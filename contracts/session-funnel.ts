/**
 * How far a session got and why it did not complete, as one rule the kiosk (which fills
 * session.ended's `stepsReached` and `failure`) and HQ (which reads older kiosks' events that
 * carry only `outcome` and `lastStep`) both apply.
 *
 * - Every state of a service's flow belongs to one funnel step (`FUNNEL_STEPS`): the loading state
 *   before a choice belongs to the choice, the error and "what now" states after a step belong to it.
 * - Completed means the person got what the service gives, or the back office's final answer that no
 *   retry would change (no provident-fund account; today's registrations shown and left at that).
 * - A session that did not complete failed for one of FAILURE_REASONS: the printer or the kiosk
 *   itself (`device`, also an agent restart mid-session and an ID card the reader could not read),
 *   a back office that did not answer (`back-office`), a payment that did not go through
 *   (`payment`), or the person left (`timeout`, `cancelled`) with nothing of ours to blame.
 */
import { FUNNEL_STEPS, type FailureReason, type FunnelService } from './hq-analytics.ts';

/** Outcomes (session.ended `outcome`) that count as completed. */
export const COMPLETED_OUTCOMES: ReadonlySet<string> = new Set(['completed', 'registered', 'viewed-existing', 'no-account']);

/** Every flow state → its funnel step; states not listed (a retry screen shared by several steps) have none. */
const STEP_OF: Record<FunnelService, Record<string, string>> = {
  providentFundStatement: {
    ...each('identifying', ['identifying', 'resolvingSocialSecurityCode']),
    ...each('choosingPeriod', ['choosingPeriod']),
    ...each('fetching', ['fetching', 'fetchFailed', 'noAccount']),
    ...each('preview', ['preview']),
    ...each('printing', ['printing', 'takingReceipt', 'undelivered']),
  },
  hospitalRegistration: {
    ...each('identifying', ['identifying', 'resolvingVoucher', 'loadingRegistrations', 'existingRegistrations']),
    ...each('choosingDepartment', ['loadingDepartments', 'choosingDepartment', 'sameDepartment']),
    ...each('choosingDoctor', ['loadingDoctors', 'choosingDoctor']),
    ...each('choosingSlot', ['loadingSlots', 'choosingSlot', 'slotTaken']),
    ...each('confirmingFee', ['confirmingFee', 'choosingPaymentMethod', 'lockingSlot', 'lockPausing']),
    ...each('paying', ['charging', 'paying', 'releasingSlot', 'releasePausing', 'slotReleased', 'paymentNotCompleted']),
    ...each('registering', ['registering', 'registerPausing', 'checkingRegistration', 'markingUsed', 'refunding', 'moneyReturned']),
    ...each('printingSlip', ['slipReady', 'printingSlip', 'takingSlip', 'slipOnScreen', 'slipNotPrinted']),
  },
};

function each(step: string, states: readonly string[]): Record<string, string> {
  return Object.fromEntries(states.map((s) => [s, step]));
}

/** States after a back office did not answer (the person may then cancel or time out there). */
const BACK_OFFICE_STATES = new Set(['fetchFailed', 'unavailable']);
/** States after the receipt or slip did not come out. */
const PRINTER_STATES = new Set(['undelivered', 'slipNotPrinted']);

export const isFunnelService = (service: string): service is FunnelService => Object.hasOwn(FUNNEL_STEPS, service);

/** The funnel steps of `service` (none for a service this HQ does not know). */
export const funnelStepsOf = (service: string): readonly string[] => (isFunnelService(service) ? FUNNEL_STEPS[service] : []);

/** The states of a `lastStep` path ("session.flow.charging.paying"), deepest first. */
const statesOf = (lastStep: string): string[] => lastStep.split('.').reverse();

/** The funnel step a flow state (or a whole `lastStep` path) belongs to; null when none does. */
export function funnelStepOf(service: string, lastStep: string): string | null {
  if (!isFunnelService(service)) return null;
  const map = STEP_OF[service];
  for (const s of statesOf(lastStep)) if (Object.hasOwn(map, s)) return map[s]!;
  return null;
}

/** The funnel's steps up to and including `step` (a session that reached it reached those); [] for an unknown step. */
export function stepsUpTo(service: string, step: string | null): string[] {
  const steps = funnelStepsOf(service);
  const i = step === null ? -1 : steps.indexOf(step);
  return steps.slice(0, i + 1);
}

/** What the kiosk knew besides the outcome and the step (all optional: HQ reads older events without them). */
export interface EndHints {
  /** the flow's identifyProblem: `card-unreadable` when the reader could not read the card */
  identifyProblem?: string | null;
  /** the registration's refundReason: `register-failed` when the HIS did not book after payment */
  refundReason?: string | null;
  /** a payment was started and ended unpaid (declined, its deadline passed, the gateway down) */
  paymentFailed?: boolean;
}

/** Why a session did not complete; null when it did. */
export function failureOf(end: { outcome: string; lastStep: string }, hints: EndHints = {}): FailureReason | null {
  const { outcome } = end;
  if (COMPLETED_OUTCOMES.has(outcome)) return null;
  // the kiosk itself: an agent restart ended it (recovered) or the flow broke (failed, stopped)
  if (outcome === 'recovered' || outcome === 'failed' || outcome === 'stopped' || outcome === 'undelivered') return 'device';
  const states = statesOf(end.lastStep);
  if (states.some((s) => PRINTER_STATES.has(s))) return 'device';
  if (states.some((s) => BACK_OFFICE_STATES.has(s)) || hints.refundReason === 'register-failed') return 'back-office';
  if (states.includes('paymentNotCompleted') || hints.paymentFailed) return 'payment';
  if (hints.identifyProblem === 'card-unreadable' && states.includes('identifying')) return 'device';
  if (outcome === 'timeout') return 'timeout';
  return 'cancelled';
}
