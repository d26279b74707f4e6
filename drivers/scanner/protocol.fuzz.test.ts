import { describe, it, expect } from 'vitest';
import { HidPosAssembler, LineAssembler, ScannerProtocolError, encodeHidPosReports, type HidPosLayoutName, type LineTerminator } from './protocol.ts';
import { type FrameEdit, type SeededRandom, mutate, randomBytes, seededRandom } from '../../tests/fuzz/inputs.ts';

/** HID-POS specific: odd values in the length byte (1) and the continuation flag (63) */
const corruptHidHeader: FrameEdit = (r, report) => {
  const b = report.slice();
  if (b.length > 1) b[1] = r.pick([0, 1, 55, 56, 57, 200, 255]);
  if (b.length > 63) b[63] = r.int(4);
  return b;
};

/** HID-POS specific: claim more reports follow */
const setContinuation: FrameEdit = (_r, report) => {
  const b = report.slice();
  if (b.length > 63) b[63] = 1;
  return b;
};

const mutateInput = (r: SeededRandom, input: Uint8Array) => mutate(r, input, { use: ['setByte', 'truncate', 'insertBytes'], extra: [corruptHidHeader, setContinuation] });

const N = 110_000;

describe('fuzz: HID-POS assembler', () => {
  for (const layout of ['honeywell', 'newland'] as HidPosLayoutName[]) {
    it(`${layout}: ${N} random and mutated reports → only typed errors, bounded buffer`, () => {
      const r = seededRandom(layout === 'honeywell' ? 0x5eed : 0xbeef);
      const max = 2048;
      const a = new HidPosAssembler(layout, { maxMessageBytes: max });
      const valid = Array.from({ length: 32 }, () => encodeHidPosReports(layout, randomBytes(r, 1 + r.int(300)), { aim: ']Q1', codeId: 's' })).flat();
      let messages = 0;
      let errors = 0;
      for (let i = 0; i < N; i++) {
        const kind = r.int(4);
        const report = kind === 0 ? randomBytes(r, r.int(80)) : kind === 1 ? r.pick(valid) : mutateInput(r, r.pick(valid));
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
      const r = seededRandom(t.length * 7919);
      const max = 256;
      const a = new LineAssembler({ terminator: t, maxLineBytes: max });
      const sep = t === 'CR' ? '\r' : t === 'LF' ? '\n' : '\r\n';
      const valid = Array.from({ length: 32 }, (_, i) => new TextEncoder().encode(`${'1345678901234567'.slice(0, 1 + (i % 16))}${'x'.repeat(r.int(300))}${sep}`));
      let lines = 0;
      let errors = 0;
      for (let i = 0; i < N; i++) {
        const kind = r.int(3);
        const chunk = kind === 0 ? randomBytes(r, r.int(64)) : kind === 1 ? r.pick(valid) : mutateInput(r, r.pick(valid));
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
