/** Issue 11: a status-derived fault is raised, and cleared, only after K consistent reads in a row. */
import { describe, expect, it } from 'vitest';
import { FaultDebouncer } from './fault-debounce.ts';

describe('FaultDebouncer', () => {
  it('raises after K reads in a row show the code, clears after K reads in a row do not', () => {
    const d = new FaultDebouncer<string>(3);
    expect(d.observe(['PAPER_OUT'])).toEqual({ raised: [], cleared: [] });
    expect(d.pending).toBe(true);
    expect(d.observe(['PAPER_OUT'])).toEqual({ raised: [], cleared: [] });
    expect(d.observe(['PAPER_OUT'])).toEqual({ raised: ['PAPER_OUT'], cleared: [] });
    expect(d.codes).toEqual(['PAPER_OUT']);
    expect(d.pending).toBe(false);
    d.observe([]);
    d.observe([]);
    expect(d.has('PAPER_OUT')).toBe(true);
    expect(d.observe([])).toEqual({ raised: [], cleared: ['PAPER_OUT'] });
    expect(d.codes).toEqual([]);
  });

  it('a read that agrees with the confirmed state ends the run: flicker never gets there', () => {
    const d = new FaultDebouncer<string>(3);
    const seen: string[][] = [];
    for (const read of [['A'], ['A'], [], ['A'], ['A'], [], ['A']]) {
      d.observe(read);
      seen.push(d.codes);
    }
    expect(seen.every((c) => c.length === 0)).toBe(true);
    expect(d.pending).toBe(true);
  });

  it('each code on its own: a steady warning is not disturbed by a fault that comes and goes', () => {
    const d = new FaultDebouncer<string>(2);
    d.observe(['NEAR_END']);
    d.observe(['NEAR_END']);
    d.observe(['NEAR_END', 'COVER_OPEN']);
    d.observe(['NEAR_END', 'COVER_OPEN']);
    expect(d.codes).toEqual(['NEAR_END', 'COVER_OPEN']);
    d.observe(['NEAR_END']);
    expect(d.observe(['NEAR_END'])).toEqual({ raised: [], cleared: ['COVER_OPEN'] });
    expect(d.codes).toEqual(['NEAR_END']);
  });

  it('K = 1 believes every read; dropPending forgets a change in progress; a bad K is refused', () => {
    const one = new FaultDebouncer<string>(1);
    expect(one.observe(['X']).raised).toEqual(['X']);
    const d = new FaultDebouncer<string>(3);
    d.observe(['X']);
    d.observe(['X']);
    d.dropPending();
    expect(d.observe(['X']).raised).toEqual([]);
    expect(() => new FaultDebouncer(0)).toThrow(/confirmReads must be a whole number ≥ 1, got 0/);
  });
});
