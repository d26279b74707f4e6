import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  DuplicateFilter,
  HidPosAssembler,
  LineAssembler,
  ScannerProtocolError,
  decodeScanText,
  encodeHidPosReports,
  terminatorBytes,
  type HidPosLayoutName,
  type LineTerminator,
} from './protocol.ts';

const ascii = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
/** a 64-byte report from its leading bytes and trailer (index → value) */
function report(lead: number[], trailer: Record<number, number> = {}): Uint8Array {
  const r = new Uint8Array(64);
  r.set(lead);
  for (const [i, v] of Object.entries(trailer)) r[Number(i)] = v;
  return r;
}
function thrown(f: () => unknown): ScannerProtocolError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScannerProtocolError);
    return e as ScannerProtocolError;
  }
  throw new Error('expected a ScannerProtocolError');
}

describe('HID-POS, Honeywell layout', () => {
  // Captured from a Honeywell Voyager 1602g in HID-POS mode answering the REVINF. menu command
  // (github.com/HenkVanAsselt/python_hon_usbhid, README "Data received: [...]"), verbatim.
  const captured: number[][] = [
    [2, 56, 93, 88, 48, 80, 114, 111, 100, 117, 99, 116, 32, 78, 97, 109, 101, 58, 32, 86, 111, 121, 97, 103, 101, 114, 32, 49, 54, 48, 50, 103, 13, 10, 66, 111, 111, 116, 32, 82, 101, 118, 105, 115, 105, 111, 110, 58, 32, 58, 32, 56, 57, 57, 50, 13, 10, 83, 111, 102, 116, 63, 0, 1],
    [2, 56, 93, 88, 48, 119, 97, 114, 101, 32, 80, 97, 114, 116, 32, 78, 117, 109, 98, 101, 114, 58, 32, 67, 87, 48, 48, 48, 48, 56, 50, 66, 66, 65, 13, 10, 83, 111, 102, 116, 119, 97, 114, 101, 32, 82, 101, 118, 105, 115, 105, 111, 110, 58, 32, 36, 80, 114, 111, 106, 101, 63, 0, 1],
    [2, 56, 93, 88, 48, 99, 116, 82, 101, 118, 105, 115, 105, 111, 110, 58, 32, 49, 54, 51, 52, 53, 32, 13, 10, 83, 101, 114, 105, 97, 108, 32, 78, 117, 109, 98, 101, 114, 58, 32, 49, 53, 50, 51, 50, 66, 49, 70, 48, 67, 13, 10, 83, 117, 112, 112, 111, 114, 116, 101, 100, 63, 0, 1],
    [2, 56, 93, 88, 48, 32, 73, 70, 58, 32, 66, 108, 117, 101, 116, 111, 111, 116, 104, 13, 10, 80, 67, 66, 32, 65, 115, 115, 101, 109, 98, 108, 121, 32, 73, 68, 58, 32, 48, 48, 48, 48, 48, 48, 13, 10, 69, 110, 103, 105, 110, 101, 32, 70, 105, 114, 109, 119, 97, 114, 101, 63, 0, 1],
    [2, 56, 93, 88, 48, 32, 84, 121, 112, 101, 58, 32, 78, 47, 65, 32, 32, 32, 82, 101, 118, 105, 115, 105, 111, 110, 58, 32, 78, 47, 65, 32, 32, 32, 83, 101, 114, 105, 97, 108, 32, 78, 117, 109, 98, 101, 114, 58, 32, 78, 47, 65, 32, 32, 32, 67, 104, 101, 99, 107, 115, 63, 0, 1],
    [2, 9, 93, 88, 48, 117, 109, 58, 32, 78, 47, 65, 13, 10, ...new Array(47).fill(0), 63, 0, 0],
    [2, 8, 93, 90, 54, 82, 69, 86, 73, 78, 70, 6, 46, ...new Array(48).fill(0), 54, 0, 0],
  ];

  it('joins the captured Voyager 1602g reports until the continuation bit clears', () => {
    expect(captured.every((r) => r.length === 64)).toBe(true);
    const a = new HidPosAssembler('honeywell');
    const out = captured.map((r) => a.push(Uint8Array.from(r)));
    expect(out.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const first = out[5]!;
    expect(first.reports).toBe(6);
    expect(first.aim).toBe(']X0');
    expect(first.codeId).toBe('?');
    expect(first.symbology).toBeUndefined();
    expect(text(first.bytes)).toBe(
      'Product Name: Voyager 1602g\r\nBoot Revision: : 8992\r\nSoftware Part Number: CW000082BBA\r\n' +
        'Software Revision: $ProjectRevision: 16345 \r\nSerial Number: 15232B1F0C\r\nSupported IF: Bluetooth\r\n' +
        'PCB Assembly ID: 000000\r\nEngine Firmware Type: N/A   Revision: N/A   Serial Number: N/A   Checksum: N/A\r\n',
    );
    expect(first.bytes.length).toBe(5 * 56 + 9);
    const second = out[6]!;
    expect(second.reports).toBe(1);
    expect(second.aim).toBe(']Z6');
    expect(Array.from(second.bytes)).toEqual([...ascii('REVINF'), 0x06, 0x2e]);
    expect(a.pendingBytes).toBe(0);
  });

  it('reads a 60-byte QR split over two reports, as in the Access-IS HID-POS manual example (]Q0, Code ID "s", byte 63 = 1 then 0)', () => {
    // Access-IS ATR110/LSR118 product manuals, appendix "HID reports": 60 bytes of boarding-pass
    // data in two reports, 56 + 4, AIM "]Q0" at bytes 2–4, 's' at byte 61, continuation in byte 63.
    const data = ascii('M1GATHERGOOD/MICHAEL  YABCDEF LHRDURAK 3542 052Y003D23  1234');
    expect(data.length).toBe(60);
    const r1 = report([2, 56, 0x5d, 0x51, 0x30, ...data.slice(0, 56)], { 61: 0x73, 63: 1 });
    const r2 = report([2, 4, 0x5d, 0x51, 0x30, ...data.slice(56)], { 61: 0x73, 63: 0 });
    const a = new HidPosAssembler('honeywell');
    expect(a.push(r1)).toBeUndefined();
    expect(a.pendingBytes).toBe(56);
    const m = a.push(r2)!;
    expect(text(m.bytes)).toBe(text(data));
    expect(m).toMatchObject({ aim: ']Q0', codeId: 's', symbology: 'qr', reports: 2 });
  });

  it('names symbologies from the AIM id first, then the Honeywell Code ID', () => {
    const a = new HidPosAssembler('honeywell');
    expect(a.push(report([2, 1, 0x5d, 0x64, 0x31, 0x41], { 61: 0x77 }))!.symbology).toBe('data-matrix');
    expect(a.push(report([2, 1, 0, 0, 0, 0x41], { 61: 0x73 }))!).toMatchObject({ symbology: 'qr', codeId: 's' });
    const none = a.push(report([2, 1, 0, 0, 0, 0x41]))!;
    expect(none.aim).toBeUndefined();
    expect(none.codeId).toBeUndefined();
    expect(none.symbology).toBeUndefined();
  });
});

describe('HID-POS, Newland layout', () => {
  // Replies captured from a Newland FM30 in HID-POS mode, published on Newland's wiki
  // ("How to send and acquire data in HID POS", www.newlandaidc.com/en/Services/wiki_info/435.html).
  const serialNumberReply = hex(
    '02 0E 02 00 00 08 45 4C 30 33 30 30 39 35 25 51' + ' 00'.repeat(48),
  );
  const ackReply = hex('02 07 02 00 00 01 00 33 31' + ' 00'.repeat(55));

  it('decodes the captured FM30 replies (data from byte 2, length in byte 1)', () => {
    expect(serialNumberReply.length).toBe(64);
    expect(ackReply.length).toBe(64);
    const a = new HidPosAssembler('newland');
    const sn = a.push(serialNumberReply)!;
    expect(Array.from(sn.bytes)).toEqual([0x02, 0x00, 0x00, 0x08, ...ascii('EL030095'), 0x25, 0x51]);
    expect(text(sn.bytes.slice(4, 12))).toBe('EL030095');
    expect(sn.codeId).toBeUndefined();
    expect(sn.aim).toBeUndefined();
    const ack = a.push(ackReply)!;
    expect(Array.from(ack.bytes)).toEqual([0x02, 0x00, 0x00, 0x01, 0x00, 0x33, 0x31]);
  });

  it('concatenates on byte 63 bit 0 and reads the Code ID from byte 62', () => {
    const data = ascii('x'.repeat(56) + 'tail');
    const a = new HidPosAssembler('newland');
    expect(a.push(report([2, 56, ...data.slice(0, 56)], { 62: 0x51, 63: 1 }))).toBeUndefined();
    const m = a.push(report([2, 4, ...data.slice(56)], { 62: 0x51, 63: 0 }))!;
    expect(text(m.bytes)).toBe(text(data));
    expect(m).toMatchObject({ codeId: 'Q', symbology: 'qr', reports: 2 });
  });
});

describe('HID-POS errors are typed, say where, and do not lose the stream', () => {
  it('another report id is rejected without disturbing a message in progress', () => {
    const a = new HidPosAssembler('honeywell');
    a.push(report([2, 2, 0, 0, 0, 0x41, 0x42], { 63: 1 }));
    const e = thrown(() => a.push(report([4, 1, 0x55])));
    expect(e.code).toBe('BAD_REPORT_ID');
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/0x04.*0x02/);
    expect(text(a.push(report([2, 1, 0, 0, 0, 0x43]))!.bytes)).toBe('ABC');
  });

  it('a length over 56 is BAD_LENGTH at byte 1 and drops the partial message', () => {
    const a = new HidPosAssembler('honeywell');
    a.push(report([2, 2, 0, 0, 0, 0x41, 0x42], { 63: 1 }));
    const e = thrown(() => a.push(report([2, 57])));
    expect(e.code).toBe('BAD_LENGTH');
    expect(e.offset).toBe(1);
    expect(a.pendingBytes).toBe(0);
    expect(text(a.push(report([2, 1, 0, 0, 0, 0x5a]))!.bytes)).toBe('Z');
  });

  it('a report shorter than its length byte says is SHORT_REPORT', () => {
    const a = new HidPosAssembler('newland');
    const e = thrown(() => a.push(Uint8Array.of(2, 10, 0x41, 0x42)));
    expect(e.code).toBe('SHORT_REPORT');
    expect(e.message).toMatch(/10 data bytes.*only 4 bytes/);
    expect(thrown(() => a.push(Uint8Array.of(2))).code).toBe('SHORT_REPORT');
  });

  it('a message over the limit is MESSAGE_TOO_LONG; its remaining reports are skipped, the next message is fine', () => {
    const a = new HidPosAssembler('honeywell', { maxMessageBytes: 100 });
    const big = encodeHidPosReports('honeywell', new Uint8Array(300).fill(0x41), { aim: ']Q1' });
    expect(big.length).toBe(6);
    expect(a.push(big[0]!)).toBeUndefined();
    const e = thrown(() => a.push(big[1]!));
    expect(e.code).toBe('MESSAGE_TOO_LONG');
    for (const r of big.slice(2)) expect(a.push(r)).toBeUndefined();
    expect(a.pendingBytes).toBe(0);
    expect(text(a.push(encodeHidPosReports('honeywell', ascii('ok'))[0]!)!.bytes)).toBe('ok');
  });

  it('an empty report (length 0, last) yields nothing', () => {
    expect(new HidPosAssembler('honeywell').push(report([2, 0]))).toBeUndefined();
  });
});

describe('encodeHidPosReports ↔ HidPosAssembler', () => {
  it('round-trips any data in both layouts', () => {
    fc.assert(
      fc.property(fc.constantFrom<HidPosLayoutName>('honeywell', 'newland'), fc.uint8Array({ minLength: 1, maxLength: 600 }), (layout, data) => {
        const reports = encodeHidPosReports(layout, data, { aim: ']Q1', codeId: layout === 'honeywell' ? 's' : 'Q' });
        expect(reports.length).toBe(Math.ceil(data.length / 56));
        expect(reports.every((r) => r.length === 64 && r[0] === 2)).toBe(true);
        const a = new HidPosAssembler(layout);
        const out = reports.map((r) => a.push(r));
        expect(out.slice(0, -1).every((m) => m === undefined)).toBe(true);
        const m = out.at(-1)!;
        expect(Array.from(m.bytes)).toEqual(Array.from(data));
        expect(m.symbology).toBe('qr');
      }),
      { numRuns: 300 },
    );
  });
});

describe('serial line mode', () => {
  const join = (codes: string[], t: LineTerminator) => {
    const sep = text(terminatorBytes(t));
    return ascii(codes.map((c) => c + sep).join(''));
  };
  function feed(a: LineAssembler, bytes: Uint8Array, cuts: number[]): { lines: string[]; errors: ScannerProtocolError[] } {
    const lines: string[] = [];
    const errors: ScannerProtocolError[] = [];
    let prev = 0;
    for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((x, y) => x - y), bytes.length]) {
      const r = a.push(bytes.slice(prev, c));
      lines.push(...r.lines.map(text));
      errors.push(...r.errors);
      prev = c;
    }
    return { lines, errors };
  }

  for (const t of ['CR', 'LF', 'CRLF'] as const) {
    it(`${t}: every code comes out once, wherever the chunks split (including inside CRLF)`, () => {
      const codes = ['134567890123456789', '281234567890123456', 'https://example.org/r?id=1', '424366950908404089609933' + '0000'];
      const bytes = join(codes, t);
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect(feed(new LineAssembler({ terminator: t }), bytes, [cut]).lines).toEqual(codes);
      }
      // byte by byte
      expect(feed(new LineAssembler({ terminator: t }), bytes, [...bytes.keys()]).lines).toEqual(codes);
    });
  }

  it('CR or LF configured but the scanner sends CRLF: the other half is not part of the code', () => {
    const bytes = ascii('A1\r\nB2\r\n');
    expect(feed(new LineAssembler({ terminator: 'CR' }), bytes, [3]).lines).toEqual(['A1', 'B2']);
    expect(feed(new LineAssembler({ terminator: 'LF' }), bytes, [3]).lines).toEqual(['A1', 'B2']);
  });

  it('CRLF configured: a lone CR is data, not a suffix', () => {
    expect(feed(new LineAssembler({ terminator: 'CRLF' }), ascii('A\rB\r\n'), [2]).lines).toEqual(['A\rB']);
  });

  it('empty lines are skipped', () => {
    expect(feed(new LineAssembler({ terminator: 'LF' }), ascii('\n\nX\n\n'), []).lines).toEqual(['X']);
  });

  it('a line over the limit is LINE_TOO_LONG at its first byte, dropped up to its suffix; the next code is fine', () => {
    const a = new LineAssembler({ terminator: 'CR', maxLineBytes: 8 });
    const r = feed(a, ascii('OK\r0123456789ABCDEF\rNEXT\r'), [5, 12]);
    expect(r.lines).toEqual(['OK', 'NEXT']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.code).toBe('LINE_TOO_LONG');
    expect(r.errors[0]!.offset).toBe(3);
    expect(r.errors[0]!.message).toMatch(/no CR suffix within 8 bytes/);
    // exactly the limit is fine
    expect(feed(a, ascii('12345678\r'), []).lines).toEqual(['12345678']);
  });

  it('holds at most maxLineBytes while waiting for a suffix', () => {
    const a = new LineAssembler({ terminator: 'LF', maxLineBytes: 64 });
    for (let i = 0; i < 100; i++) {
      a.push(new Uint8Array(50).fill(0x41));
      expect(a.pendingBytes).toBeLessThanOrEqual(64);
    }
  });
});

describe('duplicate-scan suppression', () => {
  it('drops the same code within the window; the window slides while the code is held under the scanner', () => {
    const d = new DuplicateFilter(1000);
    expect(d.accept('A', 0)).toBe(true);
    expect(d.accept('A', 400)).toBe(false);
    expect(d.accept('B', 500)).toBe(true);
    expect(d.accept('A', 1300)).toBe(false); // seen at 400, still held
    expect(d.accept('A', 2300)).toBe(true); // away for 1000 ms
    expect(d.accept('A', 2300)).toBe(false);
  });
  it('remembers a bounded number of codes', () => {
    const d = new DuplicateFilter(1000, 4);
    for (const c of ['1', '2', '3', '4', '5']) d.accept(c, 0);
    expect(d.accept('1', 1)).toBe(true); // forgotten
    expect(d.accept('5', 1)).toBe(false);
  });
});

describe('decodeScanText', () => {
  it('UTF-8 when valid, else GB18030', () => {
    expect(decodeScanText(ascii('挂号 A01'))).toBe('挂号 A01');
    expect(decodeScanText(Uint8Array.of(0xb9, 0xd2, 0xba, 0xc5))).toBe('挂号');
  });
});
