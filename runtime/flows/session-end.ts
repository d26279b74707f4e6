/**
 * What session.ended tells HQ beyond outcome and last step, for first-time success: who it was as
 * an anonymous hash (person-hash.ts), how far along the funnel the session got, and why it did not
 * complete (contracts/session-funnel.ts). Followed per running session from its transitions and
 * forgotten when it ends; the ID number itself is never kept here, only its hash.
 */
import type { FailureReason } from '../../contracts/hq-analytics.ts';
import { failureOf, funnelStepOf, funnelStepsOf, type EndHints } from '../../contracts/session-funnel.ts';
import { stepOf } from '../recovery/recovery.ts';
import type { PersonHasher } from './person-hash.ts';

export interface SessionEndFields {
  personHash: string | null;
  stepsReached: string[];
  failure: FailureReason | null;
}

/** payment ends that mean the payment did not go through (not the person cancelling it) */
const PAYMENT_FAILED = new Set(['deadline', 'declined', 'create-failed', 'journal-failed']);

interface FlowContext {
  holder?: { idNumber?: unknown } | null;
  patient?: { idNumber?: unknown } | null;
  identifyProblem?: string | null;
  refundReason?: string | null;
  payment?: { reason?: string; wasPaid?: boolean } | null;
}

const contextOf = (state: unknown): FlowContext => ((state && typeof state === 'object' && (state as { context?: unknown }).context) || {}) as FlowContext;

export class SessionProgress {
  private readonly sessions = new Map<string, { furthest: number; personHash: string | null }>();

  constructor(private readonly hasher?: PersonHasher) {}

  /** After a transition of a session: the step it is in (a snapshot with `value`) and whom it serves. */
  seen(sessionId: string, service: string, state: unknown): void {
    if ((state as { status?: unknown } | null)?.status !== 'active') return; // ended already: nothing more to follow
    let s = this.sessions.get(sessionId);
    if (!s) this.sessions.set(sessionId, (s = { furthest: 0, personHash: null }));
    const at = funnelStepsOf(service).indexOf(funnelStepOf(service, stepOf(state)) ?? '');
    if (at > s.furthest) s.furthest = at;
    const c = contextOf(state);
    const id = c.holder?.idNumber ?? c.patient?.idNumber;
    if (this.hasher && typeof id === 'string' && id.trim() !== '') s.personHash = this.hasher(id);
  }

  /** The session ended (`lastState`: its snapshot before the end): its fields for session.ended; the session is forgotten. */
  ended(sessionId: string, service: string, outcome: string, lastState: unknown): SessionEndFields {
    this.seen(sessionId, service, lastState);
    const s = this.sessions.get(sessionId)!;
    this.sessions.delete(sessionId);
    const c = contextOf(lastState);
    const hints: EndHints = {
      identifyProblem: c.identifyProblem ?? null,
      refundReason: c.refundReason ?? null,
      paymentFailed: !!c.payment && !c.payment.wasPaid && PAYMENT_FAILED.has(c.payment.reason ?? ''),
    };
    const steps = funnelStepsOf(service);
    return {
      personHash: s.personHash,
      stepsReached: steps.slice(0, steps.length > 0 ? s.furthest + 1 : 0),
      failure: failureOf({ outcome, lastStep: stepOf(lastState) }, hints),
    };
  }

  /** stop following a session that did not end here (agent shutdown) */
  forget(sessionId: string): void {
    this.sessions.delete(sessionId);
  }
}
