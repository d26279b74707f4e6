/**
 * The fleet simulator's one source of randomness: a seeded mulberry32 per kiosk, so a kiosk draws the
 * same faults, sessions and jitter in every run with the same seed, whatever order requests finish in.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** an integer in [0, n) */
  int(n: number): number;
  /** uniform in [lo, hi) */
  between(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  /** the wait until the next event of a Poisson process with `perMs` events per ms (Infinity at rate 0) */
  exp(perMs: number): number;
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    between: (lo, hi) => lo + next() * (hi - lo),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    exp: (perMs) => (perMs > 0 ? -Math.log(1 - next()) / perMs : Infinity),
  };
}

/** The seed of stream `i` under the run's `seed` (distinct, well-mixed for neighbouring i). */
export function streamSeed(seed: number, i: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** Exponential backoff with jitter: attempt 1 waits [base/2, base), each further attempt twice that, capped at `capMs`. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, rng: Rng): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return ceiling / 2 + rng.next() * (ceiling / 2);
}
