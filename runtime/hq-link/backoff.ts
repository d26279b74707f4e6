/**
 * The link's retry delay: exponential from `initialMs`, doubling per failure in a row, capped at
 * `maxMs` (60 s), with "equal jitter" — half the step fixed, half random — so a fleet that lost HQ
 * together does not come back in one wave, yet every kiosk still retries within the cap.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** [0, 1) */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, random: Math.random };

/** The delay after `failures` failed deliveries in a row (1 = the first failure). */
export function backoffDelayMs(failures: number, p: BackoffPolicy = DEFAULT_BACKOFF): number {
  const step = Math.min(p.maxMs, p.initialMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  const r = Math.min(Math.max(p.random(), 0), 1);
  return Math.min(p.maxMs, Math.round(step / 2 + (r * step) / 2));
}
