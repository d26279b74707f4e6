import { describe, it, expect } from 'vitest';
import { backoffDelay } from './reconnecting.ts';

describe('backoffDelay', () => {
  it('grows exponentially from initialMs, is capped at maxMs, with jitter in [d/2, d]', () => {
    const p = { initialMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, p, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, p, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
  });
  it('stays finite for huge attempt counts and odd policies', () => {
    for (const a of [0, 1, 1e3, 1e9, Number.MAX_SAFE_INTEGER]) {
      const d = backoffDelay(a, { initialMs: 0, maxMs: -5, factor: 0 }, Math.random);
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1);
    }
    expect(backoffDelay(1e9, {}, () => 1)).toBe(10_000);
  });
});
