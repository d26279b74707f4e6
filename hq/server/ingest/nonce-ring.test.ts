import { describe, expect, it } from 'vitest';
import { SIGNATURE_WINDOW_MS } from '../../../contracts/hq.ts';
import { addToRing, inRing, parseRing, RING_SIZE, type RingEntry } from './nonce-ring.ts';

const NOW = Date.UTC(2026, 5, 10, 4, 0, 0);

describe('the nonce ring', () => {
  it('keeps the newest RING_SIZE by signed timestamp and spills the oldest', () => {
    let ring: RingEntry[] = [];
    const spilled: RingEntry[] = [];
    // out of order, as concurrent requests may arrive
    const order = Array.from({ length: RING_SIZE + 2 }, (_, i) => i).sort((a, b) => (a % 3) - (b % 3) || a - b);
    for (const i of order) {
      const r = addToRing(ring, [NOW - 60_000 + i * 1_000, `n${i}`], NOW);
      ring = r.ring;
      spilled.push(...r.spilled);
    }
    expect(ring).toHaveLength(RING_SIZE);
    expect(ring.map((e) => e[0])).toEqual([...ring.map((e) => e[0])].sort((a, b) => a - b));
    expect(spilled.map((e) => e[1]).sort()).toEqual(['n0', 'n1']);
    expect(inRing(ring, 'n2')).toBe(true);
    expect(inRing(ring, 'n0')).toBe(false);
  });

  it('drops what left the signature window, without spilling it', () => {
    const { ring, spilled } = addToRing([[NOW - SIGNATURE_WINDOW_MS - 1, 'old'], [NOW - SIGNATURE_WINDOW_MS, 'edge']], [NOW, 'new'], NOW);
    expect(ring.map((e) => e[1])).toEqual(['edge', 'new']);
    expect(spilled).toEqual([]);
  });

  it('reads a damaged or foreign value as empty, and skips bad entries', () => {
    expect(parseRing('not json')).toEqual([]);
    expect(parseRing(null)).toEqual([]);
    expect(parseRing('{"a":1}')).toEqual([]);
    expect(parseRing('[[1,"a"],["x","b"],[2],[3,"c"]]')).toEqual([
      [1, 'a'],
      [3, 'c'],
    ]);
  });
});
