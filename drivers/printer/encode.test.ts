import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import { describe, expect, it } from 'vitest';
import {
  BUFFER_CLEAR_REQUEST,
  CUSTOM_FULL_STATUS_REQUEST,
  CompletionIdSequence,
  PrintJobError,
  completionRequest,
  encodePrintJob,
  encodeQr,
  encodeReceipt,
  isValidCompletionId,
  layoutReceipt,
  statusRequestBytes,
} from './encode.ts';
import { toGlyphs } from './gb18030.ts';
import type { PrintJob } from './job.ts';
import { PRINTER_PROFILES } from './profiles.ts';
import { providentFundStatementJob } from './sample-jobs.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const epson = PRINTER_PROFILES['epson-generic'];

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe('command bytes', () => {
  it('QR: GS ( k model 2, size, EC level, store, print — as in the Epson reference', () => {
    expect(hex(encodeQr('abc', { moduleSize: 6, errorCorrection: 'M' }))).toBe(
      [
        '1d286b0400314132' + '00', // fn 65: model 2
        '1d286b0300314306', // fn 67: module size 6
        '1d286b0300314531', // fn 69: error correction M (0x31)
        '1d286b0600315030' + '616263', // fn 80: store, pL = 3 + 3
        '1d286b0300315130', // fn 81: print
      ].join(''),
    );
  });

  it('QR bytes equal what @point-of-sale/receipt-printer-encoder emits for the same symbol (another implementation)', () => {
    const theirs = new ReceiptPrinterEncoder({ language: 'esc-pos', columns: 48 }).qrcode('https://gjj.example.gov.cn/v?a=1', { model: 2, size: 6, errorlevel: 'm' }).encode();
    const ours = encodeQr('https://gjj.example.gov.cn/v?a=1', { moduleSize: 6, errorCorrection: 'M' });
    expect(indexOf(theirs, ours)).toBeGreaterThanOrEqual(0);
  });

  it('QR: UTF-8 data, long data uses pH, over-capacity data is refused with its path', () => {
    const q = encodeQr('公积金', {});
    expect(hex(q)).toContain('1d286b0c00315030' + Buffer.from('公积金').toString('hex'));
    const big = encodeQr('x'.repeat(300), {});
    expect(hex(big)).toContain('1d286b2f01315030'); // 303 = 0x012F
    expect(() => encodeQr('x'.repeat(1300), { errorCorrection: 'H' }, 'lines[4]')).toThrow(/lines\[4\]\.data: QR data is 1300 bytes; level H holds at most 1273/);
  });

  it('GS ( H completion request with a 4-byte id (Epson: d1..d4 in 0x20–0x7E)', () => {
    expect(hex(completionRequest('0001'))).toBe('1d284806003030' + '30303031');
    expect(() => completionRequest('abc')).toThrow(PrintJobError);
    expect(() => completionRequest('ab\x01c')).toThrow(/0x20–0x7E/);
    const seq = new CompletionIdSequence(36 ** 4 - 2);
    const ids = [seq.next(), seq.next(), seq.next()];
    expect(ids).toEqual(['ZZZZ', '0000', '0001']);
    expect(ids.every(isValidCompletionId)).toBe(true);
  });

  it('status, ASB and buffer-clear requests', () => {
    expect(hex(statusRequestBytes('dle-eot-1'))).toBe('100401');
    expect(hex(statusRequestBytes('dle-eot-4'))).toBe('100404');
    expect(hex(CUSTOM_FULL_STATUS_REQUEST)).toBe('100414');
    expect(hex(BUFFER_CLEAR_REQUEST)).toBe('10140801031401060208');
  });
});

describe('layout', () => {
  it('wraps CJK at 24 characters on 48 columns, 12 at double width', () => {
    const text = '一二三四五六七八九十'.repeat(3); // 30 characters, 60 columns
    const lines = layoutReceipt({ title: 't', lines: [{ kind: 'text', text }] }, 48);
    expect(lines.map((l) => (l.kind === 'text' ? l.glyphs.length : -1))).toEqual([24, 6]);
    const wide = layoutReceipt({ title: 't', lines: [{ kind: 'text', text, width: 2 }] }, 48);
    expect(wide.map((l) => (l.kind === 'text' ? l.glyphs.length : -1))).toEqual([12, 12, 6]);
  });

  it('mixes ASCII and CJK widths, breaks ASCII at spaces and keeps 。 off a line start', () => {
    const lines = layoutReceipt({ title: 't', lines: [{ kind: 'text', text: '中'.repeat(23) + '文。abc defghij klm' }] }, 48);
    const texts = lines.map((l) => (l.kind === 'text' ? l.glyphs.map((g) => g.char).join('') : ''));
    expect(texts[0]).toBe('中'.repeat(23)); // 文 moved down with 。
    expect(texts[1]!.startsWith('文。abc')).toBe(true);
    const words = layoutReceipt({ title: 't', lines: [{ kind: 'text', text: 'aaaa '.repeat(9) + 'bbbbbbbb' }] }, 48);
    const w = words.map((l) => (l.kind === 'text' ? l.glyphs.map((g) => g.char).join('') : ''));
    expect(w).toEqual(['aaaa '.repeat(9).trimEnd(), 'bbbbbbbb']);
  });

  it('label–value pairs fill exactly 48 columns, or split when they do not fit', () => {
    const [line] = layoutReceipt({ title: 't', lines: [{ kind: 'pair', label: '账户余额', value: '¥79,016.14' }] }, 48);
    expect(line?.kind === 'text' && line.glyphs.reduce((a, g) => a + g.cols, 0)).toBe(48);
    const long = layoutReceipt({ title: 't', lines: [{ kind: 'pair', label: '单位名称'.repeat(6), value: '武汉市某某科技有限公司' }] }, 48);
    expect(long.length).toBe(2);
    expect(long[1]?.kind === 'text' && long[1].style.align).toBe('right');
  });
});

describe('encodeReceipt', () => {
  it('starts with ESC @ and ASB, sends Chinese in FS & mode, ends with the cut and the GS ( H trailer', () => {
    const job: PrintJob = { title: 't', lines: [{ kind: 'text', text: '余额¥5', align: 'center', bold: true }] };
    const r = encodePrintJob(job, epson, 'AB12');
    const h = hex(r.bytes);
    expect(h.startsWith('1b40' + '1c2e' + '1b4d00' + '1d610f')).toBe(true); // ESC @, FS ., ESC M 0, GS a 0F
    expect(h).toContain('1b6101'); // ESC a 1 (centre)
    expect(h).toContain('1b4501'); // ESC E 1
    expect(h).toContain('1c26' + 'd3e0b6eea3a4' + '1c2e'); // 余额￥ in Kanji mode
    expect(h).toContain('1d5601'); // GS V 1: partial cut (epson-generic default)
    expect(h.endsWith('1d284806003030' + Buffer.from('AB12').toString('hex'))).toBe(true);
    expect(r.completionId).toBe('AB12');
  });

  it('refuses a malformed job with the JSON path, before any byte exists', () => {
    expect(() => encodeReceipt({ title: 't', lines: [] }, epson)).toThrow(/^lines: /);
    expect(() => encodeReceipt({ title: 't', lines: [{ kind: 'text', text: 'x', width: 9 }] } as PrintJob, epson)).toThrow(/lines\[0\]\.width/);
    expect(() => encodeReceipt({ title: 't', lines: [{ kind: 'qr', data: 'x'.repeat(1999), errorCorrection: 'H' }] }, epson)).toThrow(
      expect.objectContaining({ name: 'PrintJobError', path: 'lines[0].data' }),
    );
  });

  it('the sample provident-fund statement is a 40+ line Chinese receipt without 4-byte codes', () => {
    const r = encodeReceipt(providentFundStatementJob(), epson);
    expect(r.lineCount).toBeGreaterThanOrEqual(40);
    expect(r.preview.join('\n')).toContain('住 房 公 积 金');
    expect(r.preview.some((l) => l.includes('账户余额') && l.includes('￥'))).toBe(true);
    expect(r.preview.every((l) => !l.includes('¥') && !l.includes('–'))).toBe(true);
    expect(r.paperMm).toBeGreaterThan(150);
    expect(toGlyphs(r.preview.join('')).every((g) => g.bytes.length <= 2)).toBe(true);
  });
});
