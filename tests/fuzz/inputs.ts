/**
 * Inputs for the fuzz tests, in one place: a seeded PRNG (so a failing input replays from its
 * seed and index), random byte strings, and mutations of a valid frame. A test adds only what is
 * particular to its protocol — "corrupt the length field", "set the continuation bit", "bytes that
 * start a message" — through `MutateOptions`.
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

/** A random run of 1..maxLength bytes from `frame` (fewer where the frame ends first). */
export function randomSlice(r: SeededRandom, frame: Uint8Array, maxLength: number): Uint8Array {
  const start = r.int(frame.length);
  return frame.slice(start, start + 1 + r.int(maxLength));
}

/** One edit of a frame. Returns the edited bytes; never modifies `frame`. */
export type FrameEdit = (r: SeededRandom, frame: Uint8Array) => Uint8Array;

const insertAt = (frame: Uint8Array, at: number, bytes: Uint8Array): Uint8Array => {
  const out = new Uint8Array(frame.length + bytes.length);
  out.set(frame.subarray(0, at));
  out.set(bytes, at);
  out.set(frame.subarray(at), at + bytes.length);
  return out;
};

/** The protocol-independent edits `mutate` picks from. */
export const frameEdits = {
  /** flip 1–3 single bits */
  flipBits: (r, frame) => {
    const out = frame.slice();
    if (out.length === 0) return out;
    for (let k = 1 + r.int(3); k > 0; k--) {
      const i = r.int(out.length);
      out[i] = out[i]! ^ (1 << r.int(8));
    }
    return out;
  },
  /** overwrite one byte with a random value */
  setByte: (r, frame) => {
    const out = frame.slice();
    if (out.length > 0) out[r.int(out.length)] = r.byte();
    return out;
  },
  /** insert 1–8 random bytes anywhere */
  insertBytes: (r, frame) => insertAt(frame, r.int(frame.length + 1), randomBytes(r, 1 + r.int(8))),
  /** drop one byte */
  deleteByte: (r, frame) => {
    if (frame.length === 0) return frame.slice();
    const at = r.int(frame.length);
    return insertAt(frame.subarray(0, at), at, frame.subarray(at + 1));
  },
  /** cut the frame short (possibly to nothing) */
  truncate: (r, frame) => frame.slice(0, r.int(frame.length + 1)),
  /** 1–5 garbage bytes before the frame: the decoder must resynchronise */
  prependGarbage: (r, frame) => insertAt(frame, 0, randomBytes(r, 1 + r.int(5))),
  /** 1–8 noise bytes after it */
  appendNoise: (r, frame) => insertAt(frame, frame.length, randomBytes(r, 1 + r.int(8))),
} satisfies Record<string, FrameEdit>;

export type FrameEditName = keyof typeof frameEdits;

export interface MutateOptions {
  /** apply 1..maxEdits edits in a row (default 4) */
  maxEdits?: number;
  /** which generic edits to use (default: all of `frameEdits`) */
  use?: readonly FrameEditName[];
  /** bytes that mean something in this protocol (message starts, escape bytes): one may be inserted anywhere */
  interesting?: readonly number[];
  /** protocol-specific edits, picked as often as each generic one */
  extra?: readonly FrameEdit[];
}

/** A mutated copy of a valid `frame`: 1..maxEdits edits, each picked at random from the generic and extra ones. */
export function mutate(r: SeededRandom, frame: Uint8Array, opts: MutateOptions = {}): Uint8Array {
  const choices: FrameEdit[] = (opts.use ?? (Object.keys(frameEdits) as FrameEditName[])).map((name) => frameEdits[name]);
  const interesting = opts.interesting;
  if (interesting?.length) choices.push((rr, f) => insertAt(f, rr.int(f.length + 1), Uint8Array.of(rr.pick(interesting))));
  choices.push(...(opts.extra ?? []));
  let out = frame;
  for (let n = 1 + r.int(Math.max(1, opts.maxEdits ?? 4)); n > 0; n--) out = r.pick(choices)(r, out);
  return out === frame ? frame.slice() : out;
}
