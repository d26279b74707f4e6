/**
 * Inputs for the fuzz tests, in one place: a seeded PRNG (so a failing input replays from its
 * seed and index), random byte strings, and mutations of a valid frame. A test adds only what is
 * particular to its protocol — "corrupt the length field", "set the continuation bit", "bytes that
 * start a message" — through `MutateOptions`.
 */

import { randomBytes, type SeededRandom } from '../../hardware-sim/seeded-random.ts';

// the PRNG lives with the simulator (its line noise uses it); the fuzz tests draw from the same source
export { randomBytes, seededRandom, type RandomBytesOptions, type SeededRandom } from '../../hardware-sim/seeded-random.ts';

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
