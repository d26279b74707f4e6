/**
 * First-time success from a set of ended sessions (pure): which session is a person's first try,
 * and the counts of one report row.
 *
 * The rule: a session is a retry when the same person (personHash) had a session of the same
 * service at the same kiosk that ended within RETRY_WINDOW_MS (30 min) before it started; every
 * other session is a first try, and so is every session without a personHash (nobody identified,
 * or an older kiosk). A first try and the retries that follow it, each within 30 minutes of the
 * one before, are one person's attempt: when the first try failed and a retry completed, the
 * attempt counts in `completedOnRetry` (on the first try's row) and the first try stays failed.
 * firstTimeSuccessRate = first tries completed / first tries.
 */
import { FAILURE_REASONS, RETRY_WINDOW_MS, type FailureReason, type FirstTimeRow } from '../../../contracts/hq-analytics.ts';
import { funnelStepOf, funnelStepsOf } from '../../../contracts/session-funnel.ts';

export interface EndedSession {
  id: string;
  kioskId: string;
  service: string;
  /** the kiosk's clock, epoch ms */
  startedAt: number;
  endedAt: number;
  personHash: string | null;
  completed: boolean;
  failure: FailureReason | null;
  lastStep: string;
  /** the funnel steps reached, in order */
  steps: readonly string[];
}

export interface Tries {
  /** ids of the sessions that are first tries */
  first: Set<string>;
  /** ids of the first tries that failed and whose person completed on a retry */
  completedOnRetry: Set<string>;
}

/** Which sessions are first tries, and which failed first tries were made good by a retry. */
export function classifyTries(sessions: readonly EndedSession[]): Tries {
  const first = new Set<string>();
  const completedOnRetry = new Set<string>();
  const byPerson = new Map<string, EndedSession[]>();
  for (const s of sessions) {
    if (s.personHash === null) {
      first.add(s.id);
      continue;
    }
    const key = `${s.kioskId}\u0000${s.service}\u0000${s.personHash}`;
    const list = byPerson.get(key);
    if (list) list.push(s);
    else byPerson.set(key, [s]);
  }
  for (const list of byPerson.values()) {
    list.sort((a, b) => a.endedAt - b.endedAt || a.startedAt - b.startedAt);
    let attempt: EndedSession | undefined;
    let previous: EndedSession | undefined;
    for (const s of list) {
      if (!previous || previous.endedAt < s.startedAt - RETRY_WINDOW_MS) {
        attempt = s;
        first.add(s.id);
      } else if (s.completed && !attempt!.completed) completedOnRetry.add(attempt!.id);
      previous = s;
    }
  }
  return { first, completedOnRetry };
}

/** A report row's counts as they add up, session by session. */
export class RowCounts {
  started = 0;
  completed = 0;
  private firstTries = 0;
  private firstCompleted = 0;
  private retriedOk = 0;
  private readonly failed = Object.fromEntries(FAILURE_REASONS.map((r) => [r, 0])) as Record<FailureReason, number>;
  private readonly reached = new Map<string, number>();
  private readonly abandonedAt = new Map<string, number>();

  constructor(readonly service: string) {
    for (const step of funnelStepsOf(service)) this.reached.set(step, 0);
  }

  add(s: EndedSession, tries: Tries): void {
    this.started++;
    for (const step of s.steps) this.reached.set(step, (this.reached.get(step) ?? 0) + 1);
    if (tries.first.has(s.id)) {
      this.firstTries++;
      if (s.completed) this.firstCompleted++;
    }
    if (tries.completedOnRetry.has(s.id)) this.retriedOk++;
    if (s.completed) {
      this.completed++;
      return;
    }
    if (s.failure) this.failed[s.failure]++;
    // where the person was when it ended; a state of no single step (a shared retry screen): the furthest step reached
    const at = funnelStepOf(s.service, s.lastStep) ?? s.steps.at(-1) ?? (s.lastStep.split('.').at(-1) || s.lastStep);
    this.abandonedAt.set(at, (this.abandonedAt.get(at) ?? 0) + 1);
  }

  row(place: { key: string; district: string | null; site: string | null }): FirstTimeRow {
    const order = funnelStepsOf(this.service);
    const rank = (step: string) => (order.includes(step) ? order.indexOf(step) : order.length);
    return {
      ...place,
      service: this.service,
      started: this.started,
      completed: this.completed,
      abandoned: this.started - this.completed,
      failed: { ...this.failed },
      completedOnRetry: this.retriedOk,
      firstTries: this.firstTries,
      firstTimeSuccessRate: this.firstTries === 0 ? null : this.firstCompleted / this.firstTries,
      funnel: [...this.reached].map(([step, reached]) => ({ step, reached })),
      abandonedAt: [...this.abandonedAt]
        .sort((a, b) => rank(a[0]) - rank(b[0]) || b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([step, count]) => ({ step, count })),
    };
  }
}
