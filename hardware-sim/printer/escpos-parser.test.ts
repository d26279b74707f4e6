import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import { describe, expect, it } from 'vitest';
import { encodePrintJob } from '../../drivers/printer/encode.ts';
import { PRINTER_PROFILES } from '../../drivers/printer/profiles.ts';
import { providentFundStatementJob } from '../../drivers/printer/sample-jobs.ts';
import { type EscPosEvent, EscPosParser } from './escpos-parser.ts';
import { SimulatedPrinter } from './simulated-printer.ts';
import { mutate, randomBytes, randomSlice, seededRandom } from '../../tests/fuzz/inputs.ts';

const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'));

function parseAll(input: Uint8Array, chunk = input.length, maxBuffer?: number): { events: EscPosEvent[]; parser: EscPosParser } {
  const parser = new EscPosParser(maxBuffer ? { maxBuffer } : {});
  const events: EscPosEvent[] = [];
  for (let i = 0; i < input.length; i += Math.max(1, chunk)) events.push(...parser.push(input.subarray(i, i + Math.max(1, chunk))));
  return { events, parser };
}

/** Commands and controls in order, text runs merged: what must not depend on chunking. */
function shape(events: EscPosEvent[]): string[] {
  const out: string[] = [];
  let text = '';
  for (const e of events) {
    if (e.kind === 'text') {
      text += Buffer.from(e.bytes).toString('hex');
      continue;
    }
    if (text) out.push(`text:${text}`);
    text = '';
    if (e.kind === 'command') out.push(`${e.name}:${Buffer.from(e.params).toString('hex')}${e.skipped ? `+${e.skipped}` : ''}`);
    else if (e.kind === 'control') out.push(e.code);
    else out.push(`unknown:${Buffer.from(e.bytes).toString('hex')}`);
  }
  if (text) out.push(`text:${text}`);
  return out;
}

/** ESC, GS, FS, DLE, LF: drawn more often so the parser's deep paths are reached */
const COMMAND_PREFIXES = [0x1b, 0x1d, 0x1c, 0x10, 0x0a];

describe('EscPosParser', () => {
  it('splits a job into commands, text and controls; payloads are never read as commands', () => {
    const input = bytes(
      [
        '1b40', // ESC @
        '1b6101', // ESC a 1
        '1d2111', // GS ! 0x11
        '1c26 d6d0 1c2e', // FS & 中 FS .
        '0a', // LF
        '1d7630 00 0200 0300 100401 1b4000', // GS v 0: 2 bytes × 3 rows; the payload holds "10 04 01" and "1B 40"
        '1d286b 0600 315030 1b4041', // GS ( k store: data "ESC @ A"
        '1d5601', // GS V 1
        '1d284806003030 41423132', // GS ( H "AB12"
        '100401', // DLE EOT 1
        '10140801031401060208', // DLE DC4 fn 8
      ].join(''),
    );
    const expected = [
      'ESC @:',
      'ESC a:01',
      'GS !:11',
      'FS &:',
      'text:d6d0',
      'FS .:',
      'LF',
      'GS v 0:300002000300+6',
      'GS ( k:0600315030' + '1b4041',
      'GS V:01',
      'GS ( H:0600303041423132',
      'DLE EOT:01',
      'DLE DC4:0801031401060208',
    ];
    for (const chunk of [1, 2, 7, input.length]) expect(shape(parseAll(input, chunk).events), `chunk ${chunk}`).toEqual(expected);
    const rt = parseAll(input).events.filter((e) => e.kind === 'command' && e.realtime);
    expect(rt.map((e) => e.kind === 'command' && e.name)).toEqual(['DLE EOT', 'DLE DC4']);
  });

  it('parses everything @point-of-sale/receipt-printer-encoder emits for a receipt without unknowns', () => {
    const enc = new ReceiptPrinterEncoder({ language: 'esc-pos', columns: 48, printerModel: 'epson-tm-t88vi' });
    const out = enc
      .initialize()
      .codepage('cp437')
      .align('center')
      .bold(true)
      .underline(true)
      .size(2, 2)
      .line('TOTAL')
      .size(1, 1)
      .underline(false)
      .bold(false)
      .italic(true)
      .line('x')
      .italic(false)
      .invert(true)
      .line('inv')
      .invert(false)
      .rule()
      .table([{ width: 20 }, { width: 28, align: 'right' }], [['a', 'b']])
      .barcode('4006381333931', 'ean13', 60)
      .qrcode('https://example.cn', { model: 2, size: 6, errorlevel: 'm' })
      .pdf417('hello')
      .pulse()
      .newline(3)
      .cut('full')
      .encode();
    const { events } = parseAll(out);
    expect(events.filter((e) => e.kind === 'unknown')).toEqual([]);
    expect(events.some((e) => e.kind === 'command' && e.name === 'GS k')).toBe(true);
    expect(events.some((e) => e.kind === 'command' && e.name === 'GS V')).toBe(true);
  });

  it('skips a 100 kB raster image by count, holding only a few bytes', () => {
    const header = bytes('1d7630 00 6400 e803'); // 100 bytes × 1000 rows
    const parser = new EscPosParser();
    const events = parser.push(header);
    let maxPending = 0;
    for (let i = 0; i < 100; i++) {
      events.push(...parser.push(new Uint8Array(1000).fill(0x10)));
      maxPending = Math.max(maxPending, parser.pending);
    }
    events.push(...parser.push(bytes('100404')));
    expect(maxPending).toBe(0);
    expect(shape(events)).toEqual(['GS v 0:30006400e803+100000', 'DLE EOT:04']);
  });

  it('fuzz: 100k random and mutated inputs — only events, bounded buffer; the simulator survives them too', () => {
    const r = seededRandom(0xe5c9);
    const seeds = [
      encodePrintJob(providentFundStatementJob({ months: 3 }), PRINTER_PROFILES['epson-generic'], '0001').bytes,
      new ReceiptPrinterEncoder({ language: 'esc-pos', columns: 48 }).initialize().line('abc').qrcode('x').barcode('123', 'code128', 40).cut().encode(),
    ];
    const MAX = 2048;
    const sim = new SimulatedPrinter({ profile: 'custom-vkp80', keepReceipts: 5 });
    let events = 0;
    for (let i = 0; i < 100_000; i++) {
      const input =
        i % 2 === 0
          ? randomBytes(r, r.int(64), { favour: COMMAND_PREFIXES })
          : mutate(r, randomSlice(r, seeds[i % seeds.length]!, 200), { use: ['setByte'] });
      const parser = new EscPosParser({ maxBuffer: MAX });
      for (let o = 0; o < input.length; o += 17) {
        events += parser.push(input.subarray(o, o + 17)).length;
        if (parser.pending > MAX) throw new Error(`parser holds ${parser.pending} bytes`);
      }
      sim.receive(input);
    }
    expect(events).toBeGreaterThan(100_000);
    expect(sim.receiptList().length).toBeLessThanOrEqual(5);
    expect(sim.state().queue.ops).toBeLessThanOrEqual(100_000);
  });
});
