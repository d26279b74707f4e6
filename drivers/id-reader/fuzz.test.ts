import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, SamDeframer, SamFrameError, decodeFrame, encodeReply, encodeRequest, SamCommand, xorChecksum } from './protocol.ts';
import { decodeIdCardReply } from './card.ts';
import { readReplyFrame } from '../../hardware-sim/id-reader/simulator.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { type FrameEdit, type SeededRandom, mutate, randomBytes, seededRandom } from '../../tests/fuzz/inputs.ts';

const SEEDS: Uint8Array[] = [
  encodeReply(0x90),
  encodeReply(0x80),
  encodeReply(0x9f, [0, 0, 0, 0]),
  encodeReply(0x90, new Uint8Array(8)),
  encodeReply(0x90, new Uint8Array(70).fill(0x20)),
  encodeRequest(SamCommand.FIND_CARD),
  ...SAMPLE_IDENTITIES.map((i) => readReplyFrame(i.card)),
  readReplyFrame(SAMPLE_IDENTITIES[0]!.card, { withFingerprint: true }),
];

/** The length field (bytes 5–6) set to anything: the deframer must not trust it. */
const corruptLength: FrameEdit = (r, frame) => {
  const b = frame.slice();
  if (b.length > 6) {
    b[5] = r.byte();
    b[6] = r.byte();
  }
  return b;
};

/** A random byte in the text block (dates, type flag…), checksum fixed up so it reaches the card parser. */
const corruptCardText: FrameEdit = (r, frame) => {
  const b = frame.slice();
  if (b.length > 300) {
    b[14 + r.int(256)] = r.byte();
    b[b.length - 1] = xorChecksum(b, 5, b.length - 1);
  }
  return b;
};

/** One edit per input, so the checksum fixed up by corruptCardText stays right. */
const mutateFrame = (r: SeededRandom, frame: Uint8Array) =>
  mutate(r, frame, { maxEdits: 1, use: ['flipBits', 'truncate', 'appendNoise', 'prependGarbage'], extra: [corruptLength, corruptCardText] });

describe('fuzz', () => {
  it('decodeFrame and decodeIdCardReply: 120k random and mutated inputs, only SamFrameError', () => {
    const r = seededRandom(0x5eed);
    let ok = 0;
    let typed = 0;
    for (let n = 0; n < 120_000; n++) {
      let input: Uint8Array;
      if (n % 2 === 0) {
        // random: mostly short, sometimes starting with the preamble
        const len = r.int(r.chance(0.9) ? 40 : 1500);
        input = randomBytes(r, len);
        if (r.chance(0.5) && len >= 5) input.set([0xaa, 0xaa, 0xaa, 0x96, 0x69]);
      } else {
        input = mutateFrame(r, SEEDS[n % SEEDS.length]!);
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
    const r = seededRandom(0xc0ffee);
    const d = new SamDeframer();
    let frames = 0;
    let errors = 0;
    let validSent = 0;
    let maxBuffered = 0;
    for (let n = 0; n < 100_000; n++) {
      let chunk: Uint8Array;
      const pick = r.next();
      if (pick < 0.4) chunk = randomBytes(r, r.int(64));
      else if (pick < 0.8) chunk = mutateFrame(r, SEEDS[n % SEEDS.length]!);
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
        const step = 1 + r.int(300);
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
