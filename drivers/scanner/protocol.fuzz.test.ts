import { describe, it, expect } from 'vitest';
import { HidPosAssembler, LineAssembler, ScannerProtocolError, encodeHidPosReports, type HidPosLayoutName, type LineTerminator } from './protocol.ts';

/** xorshift32: deterministic, so a failure can be replayed from its seed */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n: number) => next() % n,
    bytes: (n: number) => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
  };
}

function mutate(r: ReturnType<typeof rng>, input: Uint8Array): Uint8Array {
  let b: Uint8Array = Uint8Array.from(input);
  const edits = 1 + r.int(4);
  for (let e = 0; e < edits; e++) {
    switch (r.int(5)) {
      case 0: // flip a byte
        if (b.length) b[r.int(b.length)] = r.int(256);
        break;
      case 1: // truncate
        b = b.slice(0, r.int(b.length + 1));
        break;
      case 2: {
        // insert random bytes
        const at = r.int(b.length + 1);
        b = Uint8Array.from([...b.slice(0, at), ...r.bytes(1 + r.int(8)), ...b.slice(at)]);
        break;
      }
      case 3: // interesting values in the header/trailer
        if (b.length > 1) b[1] = [0, 1, 55, 56, 57, 200, 255][r.int(7)]!;
        if (b.length > 63) b[63] = r.int(4);
        break;
      default: // set the continuation bit
        if (b.length > 63) b[63] = 1;
    }
  }
  return b;
}

const N = 110_000;

describe('fuzz: HID-POS assembler', () => {
  for (const layout of ['honeywell', 'newland'] as HidPosLayoutName[]) {
    it(`${layout}: ${N} random and mutated reports → only typed errors, bounded buffer`, () => {
      const r = rng(layout === 'honeywell' ? 0x5eed : 0xbeef);
      const max = 2048;
      const a = new HidPosAssembler(layout, { maxMessageBytes: max });
      const valid = Array.from({ length: 32 }, () => encodeHidPosReports(layout, r.bytes(1 + r.int(300)), { aim: ']Q1', codeId: 's' })).flat();
      let messages = 0;
      let errors = 0;
      for (let i = 0; i < N; i++) {
        const kind = r.int(4);
        const report = kind === 0 ? r.bytes(r.int(80)) : kind === 1 ? valid[r.int(valid.length)]! : mutate(r, valid[r.int(valid.length)]!);
        try {
          const m = a.push(report);
          if (m) {
            messages++;
            if (m.bytes.length === 0 || m.bytes.length > max) throw new Error(`message of ${m.bytes.length} bytes after input ${i}`);
          }
        } catch (e) {
          if (!(e instanceof ScannerProtocolError)) throw e;
          if (!(e.offset >= 0)) throw new Error(`bad offset ${e.offset}`);
          errors++;
        }
        if (a.pendingBytes > max) throw new Error(`pending ${a.pendingBytes} > ${max} after input ${i}`);
      }
      expect(messages).toBeGreaterThan(1000);
      expect(errors).toBeGreaterThan(1000);
    });
  }
});

describe('fuzz: serial line assembler', () => {
  for (const t of ['CR', 'LF', 'CRLF'] as LineTerminator[]) {
    it(`${t}: ${N} random and mutated chunks → only typed errors, bounded buffer, no suffix inside a code`, () => {
      const r = rng(t.length * 7919);
      const max = 256;
      const a = new LineAssembler({ terminator: t, maxLineBytes: max });
      const sep = t === 'CR' ? '\r' : t === 'LF' ? '\n' : '\r\n';
      const valid = Array.from({ length: 32 }, (_, i) => new TextEncoder().encode(`${'1345678901234567'.slice(0, 1 + (i % 16))}${'x'.repeat(r.int(300))}${sep}`));
      let lines = 0;
      let errors = 0;
      for (let i = 0; i < N; i++) {
        const kind = r.int(3);
        const chunk = kind === 0 ? r.bytes(r.int(64)) : kind === 1 ? valid[r.int(valid.length)]! : mutate(r, valid[r.int(valid.length)]!);
        const out = a.push(chunk);
        for (const e of out.errors) {
          if (!(e instanceof ScannerProtocolError) || e.code !== 'LINE_TOO_LONG') throw new Error(`unexpected ${String(e)}`);
          errors++;
        }
        for (const line of out.lines) {
          lines++;
          if (line.length === 0 || line.length > max) throw new Error(`line of ${line.length} bytes after input ${i}`);
          const s = Buffer.from(line).toString('latin1');
          if (t === 'CR' && s.includes('\r')) throw new Error('CR inside a code');
          if (t === 'LF' && s.includes('\n')) throw new Error('LF inside a code');
          if (t === 'CRLF' && s.includes('\r\n')) throw new Error('CRLF inside a code');
        }
        if (a.pendingBytes > max + 1) throw new Error(`pending ${a.pendingBytes} after input ${i}`);
      }
      expect(lines).toBeGreaterThan(1000);
      expect(errors).toBeGreaterThan(10);
    });
  }
});
