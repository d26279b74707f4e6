import { describe, expect, it } from 'vitest';
import { frameEdits, mutate, randomBytes, randomSlice, seededRandom } from './inputs.ts';

describe('fuzz inputs', () => {
  it('the same seed gives the same inputs, so a failure replays', () => {
    const run = (seed: number) => {
      const r = seededRandom(seed);
      const frame = randomBytes(r, 64);
      return [frame, mutate(r, frame), randomSlice(r, frame, 10), randomBytes(r, 32, { favour: [0x1b] })].map((b) => Buffer.from(b).toString('hex'));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('numbers stay in range; a zero seed still moves', () => {
    const r = seededRandom(0);
    for (let i = 0; i < 10_000; i++) {
      const n = r.int(7);
      expect(n >= 0 && n < 7 && Number.isInteger(n)).toBe(true);
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(() => r.pick([])).toThrow(/no items/);
  });

  it('mutations never modify the frame they start from, even when it is empty', () => {
    const r = seededRandom(7);
    const frame = randomBytes(r, 40);
    const copy = frame.slice();
    for (let i = 0; i < 2000; i++) mutate(r, frame, { interesting: [0x10], extra: [(_r, f) => f.slice(1)] });
    expect(frame).toEqual(copy);
    for (const edit of Object.values(frameEdits)) expect(edit(r, new Uint8Array(0))).toBeInstanceOf(Uint8Array);
  });
});
