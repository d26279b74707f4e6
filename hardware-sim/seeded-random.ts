/**
 * The seeded random source of the fuzz tests and of the hardware simulator's line noise (issue 11:
 * `POST /devices/:device/noise {bytes, seed}` writes exactly `randomBytes(seededRandom(seed), bytes)`),
 * so a failing input or a noise burst replays from its seed on every machine.
 */

/** xorshift32: small, fast, and the same sequence on every machine for the same seed. */
export interface SeededRandom {
  readonly seed: number;
  /** uniform in [0, 1) */
  next(): number;
  /** an integer in [0, n) */
  int(n: number): number;
  /** an integer in [0, 255] */
  byte(): number;
  /** true with probability p */
  chance(p: number): boolean;
  /** one of `items` (which must not be empty) */
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): SeededRandom {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    byte: () => int(256),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]) => {
      if (items.length === 0) throw new Error('seededRandom.pick: no items to pick from');
      return items[int(items.length)]!;
    },
  };
}

export interface RandomBytesOptions {
  /** bytes to draw more often than chance would (e.g. ESC, GS, DLE), so deep parser paths are reached */
  favour?: readonly number[];
  /** how often a byte is drawn from `favour` instead of 0..255 (default 0.15) */
  favourChance?: number;
}

/** `length` random bytes. */
export function randomBytes(r: SeededRandom, length: number, opts: RandomBytesOptions = {}): Uint8Array {
  const out = new Uint8Array(length);
  const favour = opts.favour?.length ? opts.favour : undefined;
  const p = opts.favourChance ?? 0.15;
  for (let i = 0; i < length; i++) out[i] = favour && r.chance(p) ? r.pick(favour) : r.byte();
  return out;
}
