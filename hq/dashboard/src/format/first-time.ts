/**
 * The first-time success page's sums per service over HQ's rows (service × group): counts add up
 * exactly, and so does the rate: each group's first tries that completed (its rate × its first
 * tries, a whole number) over all the first tries.
 */
import { FAILURE_REASONS, type FailureReason, type FirstTimeRow } from '../../../../contracts/hq-analytics.ts';

export interface ServiceTotals {
  service: string;
  groups: number;
  started: number;
  completed: number;
  abandoned: number;
  failed: Record<FailureReason, number>;
  completedOnRetry: number;
  rate: number | null;
  /** in the flow's order: sessions that reached the step, and those whose last step it was without completing */
  funnel: { step: string; reached: number; abandoned: number }[];
}

/** the steps of several funnels in one order: each list's order kept, a new step goes after its predecessor (at the end when it has none) */
export function mergeSteps(lists: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  for (const list of lists) {
    let after = -1;
    for (const step of list) {
      const at = out.indexOf(step);
      if (at >= 0) after = at;
      else if (after < 0) after = out.push(step) - 1;
      else out.splice(++after, 0, step);
    }
  }
  return out;
}

export function serviceTotals(rows: readonly FirstTimeRow[]): ServiceTotals[] {
  const byService = new Map<string, FirstTimeRow[]>();
  for (const r of rows) byService.set(r.service, [...(byService.get(r.service) ?? []), r]);
  return [...byService.entries()].map(([service, list]) => {
    const failed = Object.fromEntries(FAILURE_REASONS.map((f) => [f, 0])) as Record<FailureReason, number>;
    const reached = new Map<string, number>();
    const left = new Map<string, number>();
    let started = 0;
    let completed = 0;
    let abandoned = 0;
    let completedOnRetry = 0;
    let firstTries = 0;
    let firstCompleted = 0;
    for (const r of list) {
      firstTries += r.firstTries;
      firstCompleted += Math.round((r.firstTimeSuccessRate ?? 0) * r.firstTries);
      started += r.started;
      completed += r.completed;
      abandoned += r.abandoned;
      completedOnRetry += r.completedOnRetry;
      for (const f of FAILURE_REASONS) failed[f] += r.failed[f] ?? 0;
      for (const s of r.funnel) reached.set(s.step, (reached.get(s.step) ?? 0) + s.reached);
      for (const s of r.abandonedAt) left.set(s.step, (left.get(s.step) ?? 0) + s.count);
    }
    const steps = mergeSteps([...list.map((r) => r.funnel.map((s) => s.step)), ...list.map((r) => r.abandonedAt.map((s) => s.step))]);
    return {
      service,
      groups: list.length,
      started,
      completed,
      abandoned,
      failed,
      completedOnRetry,
      rate: firstTries > 0 ? firstCompleted / firstTries : null,
      funnel: steps.map((step) => ({ step, reached: reached.get(step) ?? 0, abandoned: left.get(step) ?? 0 })),
    };
  });
}

/** the reason most sessions failed for, or null when none failed */
export function topFailure(failed: Partial<Record<FailureReason, number>>): { reason: FailureReason; count: number } | null {
  let top: { reason: FailureReason; count: number } | null = null;
  for (const reason of FAILURE_REASONS) {
    const count = failed[reason] ?? 0;
    if (count > 0 && (!top || count > top.count)) top = { reason, count };
  }
  return top;
}
