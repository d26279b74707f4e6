/**
 * Deadlines live in context as absolute epoch-ms values, never as running timers: a machine
 * restored from the journal after a restart must resume with the time that was left, and xstate
 * v5 does not restore pending delayed events reliably. A delayed transition's delay is computed
 * from the deadline in context and the clock *now*, so a restored machine re-arms it correctly.
 *
 * The clock is injected (`Now`): real time in the agent, a simulated clock in model-based tests.
 */
export type Now = () => number;

export const systemNow: Now = () => Date.now();

/**
 * A clock pinned to the instant `at` (epoch ms) when it is made, then running at real speed (timers
 * still fire in real time). Tests and `zizhu start --at` use it, so nothing depends on the wall clock:
 * the same test sees the same hours, "today" and slots at 02:00 and at 18:00 UTC.
 */
export function pinnedNow(at: number, elapsed: () => number = () => performance.now()): Now {
  const t0 = elapsed();
  return () => at + Math.round(elapsed() - t0);
}

/** Milliseconds left until `deadline` (epoch ms), never negative; no deadline → never (a day). */
export function msUntil(deadline: number | null | undefined, now: Now): number {
  if (deadline === null || deadline === undefined) return 24 * 60 * 60 * 1000;
  return Math.max(0, deadline - now());
}
