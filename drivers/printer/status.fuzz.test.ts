import { describe, expect, it } from 'vitest';
import type { StatusRequest } from './profiles.ts';
import {
  HEALTHY_STATUS,
  type PrinterMessage,
  PrinterReplyError,
  PrinterStreamDemux,
  decodeAsb,
  decodeCompletionReply,
  decodeCustomFullStatus,
  decodeRealtimeStatus,
  encodeAsb,
  encodeCompletionReply,
  encodeCustomFullStatus,
  encodeRealtimeStatus,
} from './status.ts';
import { type SeededRandom, mutate, randomBytes, seededRandom } from '../../tests/fuzz/inputs.ts';

const REQS: StatusRequest[] = ['dle-eot-1', 'dle-eot-2', 'dle-eot-3', 'dle-eot-4', 'custom-full'];
const MAX_BLOCK = 80;

function messageLength(m: PrinterMessage): number {
  switch (m.kind) {
    case 'realtime-status':
      return 1;
    case 'asb':
      return 4;
    case 'custom-full-status':
      return 6;
    case 'completion':
      return 7;
    case 'buffer-cleared':
      return 3;
    case 'block':
    case 'garbage':
      return m.bytes.length;
  }
}

/** A plausible printer output stream and the requests it answers. */
function validStream(r: SeededRandom): { bytes: Uint8Array; reqs: StatusRequest[] } {
  const out: number[] = [];
  const reqs: StatusRequest[] = [];
  const n = 1 + r.int(8);
  for (let i = 0; i < n; i++) {
    const s = { ...HEALTHY_STATUS, offline: r.next() < 0.3, coverOpen: r.next() < 0.2, paperEnd: r.next() < 0.2, paperNearEnd: r.next() < 0.3, cutterError: r.next() < 0.1, ticketInOutput: r.next() < 0.5 };
    const k = r.int(5);
    if (k === 0) out.push(...encodeAsb(s));
    else if (k === 1) {
      const q = (1 + r.int(4)) as 1 | 2 | 3 | 4;
      reqs.push(`dle-eot-${q}` as StatusRequest);
      out.push(encodeRealtimeStatus(q, s));
    } else if (k === 2) {
      reqs.push('custom-full');
      out.push(...encodeCustomFullStatus(s));
    } else if (k === 3) out.push(...encodeCompletionReply(String.fromCharCode(...Array.from({ length: 4 }, () => 0x20 + r.int(95)))));
    else out.push(0x37, 0x25, 0x00);
  }
  return { bytes: Uint8Array.from(out), reqs };
}

/** bytes that start a printer message: inserting one anywhere tests the demux's resynchronisation */
const MESSAGE_STARTS = [0x10, 0x37, 0x5f, 0x14, 0x12];

function runDemux(input: Uint8Array, reqs: StatusRequest[], chunks: number[]): PrinterMessage[] {
  const d = new PrinterStreamDemux({ maxBlock: MAX_BLOCK });
  d.expect(...reqs);
  const out: PrinterMessage[] = [];
  let i = 0;
  for (const c of chunks) {
    out.push(...d.push(input.slice(i, i + c)));
    i += c;
    if (d.pending > MAX_BLOCK) throw new Error(`demux holds ${d.pending} bytes (> ${MAX_BLOCK})`);
  }
  out.push(...d.push(input.slice(i)));
  // every byte is accounted for: in a message, as garbage, or still pending
  const used = out.reduce((a, m) => a + messageLength(m), 0);
  if (used + d.pending !== input.length) throw new Error(`bytes lost: ${input.length} in, ${used} parsed, ${d.pending} pending`);
  return out;
}

const signature = (ms: PrinterMessage[]) =>
  ms
    .filter((m) => m.kind !== 'garbage')
    .map((m) => `${m.kind}@${m.offset}`)
    .join(' ');

describe('printer status fuzz', () => {
  it('demux: 60k random streams — never throws, bounded, every byte accounted for', () => {
    const r = seededRandom(0xc0ffee);
    for (let i = 0; i < 60_000; i++) {
      const input = randomBytes(r, r.int(48));
      const reqs = Array.from({ length: r.int(4) }, () => r.pick(REQS));
      const chunks = Array.from({ length: r.int(4) }, () => r.int(16));
      runDemux(input, reqs, chunks);
    }
  });

  it('demux: 50k mutated valid streams — same messages whatever the chunking', () => {
    const r = seededRandom(0xbeef);
    let messages = 0;
    for (let i = 0; i < 50_000; i++) {
      const { bytes, reqs } = validStream(r);
      const input = i % 5 === 0 ? bytes : mutate(r, bytes, { use: ['setByte', 'insertBytes', 'deleteByte'], interesting: MESSAGE_STARTS });
      const whole = runDemux(input, reqs, [input.length]);
      const chunks: number[] = [];
      for (let left = input.length; left > 0; ) {
        const c = 1 + r.int(Math.min(left, 9));
        chunks.push(c);
        left -= c;
      }
      const split = runDemux(input, reqs, chunks);
      if (signature(whole) !== signature(split)) throw new Error(`chunking changed the parse of ${Buffer.from(input).toString('hex')}: ${signature(whole)} vs ${signature(split)}`);
      if (i % 5 === 0 && whole.some((m) => m.kind === 'garbage')) throw new Error(`valid stream reported garbage: ${Buffer.from(input).toString('hex')}`);
      messages += whole.length;
    }
    expect(messages).toBeGreaterThan(50_000);
  });

  it('decoders: 40k random inputs — only PrinterReplyError', () => {
    const r = seededRandom(0x5eed);
    let rejected = 0;
    for (let i = 0; i < 40_000; i++) {
      const b = randomBytes(r, r.int(9));
      const tries: (() => unknown)[] = [
        () => decodeAsb(b),
        () => decodeCustomFullStatus(b),
        () => decodeCompletionReply(b),
        () => decodeRealtimeStatus((1 + r.int(4)) as 1 | 2 | 3 | 4, b[0] ?? 0),
      ];
      for (const t of tries) {
        try {
          t();
        } catch (e) {
          if (!(e instanceof PrinterReplyError)) throw e;
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThan(100_000);
  });
});
