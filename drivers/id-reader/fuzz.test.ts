import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, SamDeframer, SamFrameError, decodeFrame, encodeReply, encodeRequest, SamCommand } from './protocol.ts';
import { decodeIdCardReply, encodeCardText } from './card.ts';
import { readReplyData } from '../../hardware-sim/id-reader/simulator.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';

/** Deterministic PRNG (xorshift32) so a failure can be replayed from its seed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const SEEDS: Uint8Array[] = [
  encodeReply(0x90),
  encodeReply(0x80),
  encodeReply(0x9f, [0, 0, 0, 0]),
  encodeReply(0x90, new Uint8Array(8)),
  encodeReply(0x90, new Uint8Array(70).fill(0x20)),
  encodeRequest(SamCommand.FIND_CARD),
  ...SAMPLE_IDENTITIES.map((i) => encodeReply(0x90, readReplyData(encodeCardText(i.card)))),
  encodeReply(0x90, readReplyData(encodeCardText(SAMPLE_IDENTITIES[0]!.card), true)),
];

function mutate(r: () => number, src: Uint8Array): Uint8Array {
  const b = src.slice();
  const kind = Math.floor(r() * 6);
  const pos = () => Math.floor(r() * b.length);
  switch (kind) {
    case 0: // flip bits
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) { const i = pos(); b[i] = b[i]! ^ (1 << Math.floor(r() * 8)); }
      return b;
    case 1: // truncate
      return b.subarray(0, pos());
    case 2: {
      // extend with noise
      const out = new Uint8Array(b.length + 1 + Math.floor(r() * 8));
      out.set(b);
      for (let i = b.length; i < out.length; i++) out[i] = Math.floor(r() * 256);
      return out;
    }
    case 3: // corrupt the length field
      b[5] = Math.floor(r() * 256);
      b[6] = Math.floor(r() * 256);
      return b;
    case 4: // random byte in the text block (dates, type flag…), checksum fixed up so it reaches the parser
      if (b.length > 300) {
        b[14 + Math.floor(r() * 256)] = Math.floor(r() * 256);
        let x = 0;
        for (let i = 5; i < b.length - 1; i++) x ^= b[i]!;
        b[b.length - 1] = x;
      }
      return b;
    default: {
      // insert garbage at the front
      const k = 1 + Math.floor(r() * 5);
      const out = new Uint8Array(k + b.length);
      for (let i = 0; i < k; i++) out[i] = Math.floor(r() * 256);
      out.set(b, k);
      return out;
    }
  }
}

describe('fuzz', () => {
  it('decodeFrame and decodeIdCardReply: 120k random and mutated inputs, only SamFrameError', () => {
    const r = rng(0x5eed);
    let ok = 0;
    let typed = 0;
    for (let n = 0; n < 120_000; n++) {
      let input: Uint8Array;
      if (n % 2 === 0) {
        // random: mostly short, sometimes starting with the preamble
        const len = Math.floor(r() * (r() < 0.9 ? 40 : 1500));
        input = Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
        if (r() < 0.5 && len >= 5) input.set([0xaa, 0xaa, 0xaa, 0x96, 0x69]);
      } else {
        input = mutate(r, SEEDS[n % SEEDS.length]!);
      }
      try {
        decodeFrame(input);
        decodeIdCardReply(input);
        ok++;
      } catch (e) {
        if (!(e instanceof SamFrameError)) throw new Error(`input #${n} threw ${String(e)}`);
        if (!(e.offset >= 0 && e.offset <= input.length)) throw new Error(`input #${n}: offset ${e.offset} outside 0..${input.length}`);
        typed++;
      }
    }
    expect(ok + typed).toBe(120_000);
    expect(ok).toBeGreaterThan(0);
    expect(typed).toBeGreaterThan(0);
  });

  it('SamDeframer: 100k random and mutated chunks, bounded buffer, every valid frame found', () => {
    const r = rng(0xc0ffee);
    const d = new SamDeframer();
    let frames = 0;
    let errors = 0;
    let validSent = 0;
    let maxBuffered = 0;
    for (let n = 0; n < 100_000; n++) {
      let chunk: Uint8Array;
      const pick = r();
      if (pick < 0.4) chunk = Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256));
      else if (pick < 0.8) chunk = mutate(r, SEEDS[n % SEEDS.length]!);
      else {
        // an intact small frame after a reset: it must come out
        d.reset();
        chunk = SEEDS[n % 6]!;
        validSent++;
        const out = d.push(chunk);
        const got = out.filter((o) => 'frame' in o).length;
        if (got !== 1) throw new Error(`intact frame #${n} not found`);
        frames += got;
        continue;
      }
      // deliver in random slices, as a serial port does
      let at = 0;
      while (at < chunk.length) {
        const step = 1 + Math.floor(r() * 300);
        for (const item of d.push(chunk.subarray(at, at + step))) {
          if ('frame' in item) frames++;
          else {
            if (!(item.error instanceof SamFrameError)) throw new Error(`chunk #${n}: untyped error ${String(item.error)}`);
            errors++;
          }
        }
        at += step;
        if (d.bufferedBytes > MAX_FRAME_BYTES) throw new Error(`chunk #${n}: deframer holds ${d.bufferedBytes} bytes`);
        maxBuffered = Math.max(maxBuffered, d.bufferedBytes);
      }
    }
    expect(frames).toBeGreaterThanOrEqual(validSent);
    expect(maxBuffered).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(errors).toBeGreaterThan(0);
  });
});
