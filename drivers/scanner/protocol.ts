/**
 * QR/barcode scanner wire codecs. Pure: no ports, no timers.
 *
 * 1. HID-POS (USB HID usage page 0x8C, "Bar Code Scanner"). A decoded code arrives as one or
 *    more 64-byte input reports (hidapi/node-hid hand them over with the report id as byte 0):
 *
 *    Honeywell layout — Access-IS ATR110 / LSR118 product manuals, appendix "HID reports"
 *    (same layout Honeywell uses; confirmed by reports captured from a Honeywell Voyager 1602g,
 *    github.com/HenkVanAsselt/python_hon_usbhid README, and by
 *    github.com/NielsLeenheer/WebHidBarcodeScanner src/main.js):
 *      byte 0      report id 0x02
 *      byte 1      length of the data field (0..56), AIM bytes not counted
 *      bytes 2–4   AIM symbology identifier, e.g. "]Q1" (ISO/IEC 15424)
 *      bytes 5–60  data (up to 56 bytes), zero padded
 *      byte 61     Honeywell Code ID character (e.g. 's' = QR), "further symbology identifier"
 *      byte 62     reserved
 *      byte 63     bit 0: 1 = more reports follow for this code, 0 = last report
 *
 *    Newland layout — Newland NLS-FM420 integration guide, "HID-POS / Getting Scanned Data"
 *    (also quoted in a public node-hid FM430 driver); captured replies on Newland's wiki
 *    www.newlandaidc.com/en/Services/wiki_info/435.html ("How to send and acquire data in HID POS"):
 *      byte 0      report id 0x02 (output/command reports use id 0x04)
 *      byte 1      length of the decoded data (1..56)
 *      bytes 2–57  decoded data
 *      bytes 58–61 reserved
 *      byte 62     Newland Code ID character, or 0x00
 *      byte 63     bit 0: decode data continued
 *
 *    Reports are concatenated until one arrives with the continuation bit clear.
 *
 * 2. USB-CDC / RS-232 serial: the scanner writes the code followed by a suffix (CR, LF or CRLF).
 */

import { concatBytes } from '../transport/bytes.ts';

export type ScannerProtocolErrorCode =
  | 'SHORT_REPORT'
  | 'BAD_REPORT_ID'
  | 'BAD_LENGTH'
  | 'MESSAGE_TOO_LONG'
  | 'LINE_TOO_LONG';

/** A malformed input from the scanner: what, where (byte offset) and what to do. Never thrown for good input. */
export class ScannerProtocolError extends Error {
  override readonly name = 'ScannerProtocolError';
  constructor(
    readonly code: ScannerProtocolErrorCode,
    /** byte offset inside the report (HID) or in the serial stream since start (serial) */
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${code} at byte ${offset}: ${detail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// HID-POS
// ---------------------------------------------------------------------------------------------

export type HidPosLayoutName = 'honeywell' | 'newland';

export interface HidPosLayout {
  name: HidPosLayoutName;
  /** input report id carrying scanned data */
  reportId: number;
  /** full report size including the id byte */
  reportBytes: number;
  lengthOffset: number;
  dataOffset: number;
  maxDataBytes: number;
  /** where the 3-byte AIM id sits, if the layout carries one */
  aimOffset?: number;
  codeIdOffset: number;
  continuationOffset: number;
}

export const HONEYWELL_LAYOUT: HidPosLayout = {
  name: 'honeywell',
  reportId: 0x02,
  reportBytes: 64,
  lengthOffset: 1,
  aimOffset: 2,
  dataOffset: 5,
  maxDataBytes: 56,
  codeIdOffset: 61,
  continuationOffset: 63,
};

export const NEWLAND_LAYOUT: HidPosLayout = {
  name: 'newland',
  reportId: 0x02,
  reportBytes: 64,
  lengthOffset: 1,
  dataOffset: 2,
  maxDataBytes: 56,
  codeIdOffset: 62,
  continuationOffset: 63,
};

export const HID_POS_LAYOUTS: Record<HidPosLayoutName, HidPosLayout> = { honeywell: HONEYWELL_LAYOUT, newland: NEWLAND_LAYOUT };

/** AIM symbology identifier code characters (ISO/IEC 15424), the ones a kiosk meets. */
const AIM_SYMBOLOGY: Record<string, string> = {
  A: 'code39',
  C: 'code128',
  E: 'ean-upc',
  F: 'codabar',
  G: 'code93',
  I: 'itf',
  L: 'pdf417',
  Q: 'qr',
  d: 'data-matrix',
  e: 'gs1-databar',
  h: 'han-xin',
  z: 'aztec',
};

/** Honeywell Code ID characters (Honeywell user guides' Code ID table; as used by WebHidBarcodeScanner). */
const HONEYWELL_CODE_ID: Record<string, string> = {
  s: 'qr',
  w: 'data-matrix',
  r: 'pdf417',
  R: 'micro-pdf417',
  z: 'aztec',
  H: 'han-xin',
  j: 'code128',
  I: 'gs1-128',
  b: 'code39',
  i: 'code93',
  a: 'codabar',
  e: 'itf',
  d: 'ean13',
  D: 'ean8',
  c: 'upca',
  E: 'upce',
  y: 'gs1-databar',
};

/**
 * Newland Code ID characters. Only the 2D codes a kiosk cares about, as listed in Newland
 * user guides' "Code ID" appendix (QR 'Q', Data Matrix 'u', PDF417 'r', Aztec 'z').
 * Assumption to verify against the exact model's guide: other ids are passed through as `codeId`.
 */
const NEWLAND_CODE_ID: Record<string, string> = { Q: 'qr', u: 'data-matrix', r: 'pdf417', z: 'aztec' };

export interface HidPosMessage {
  /** the decoded data, all reports concatenated */
  bytes: Uint8Array;
  /** AIM id like "]Q1" when the layout carries it and the scanner filled it in */
  aim?: string;
  /** the vendor Code ID character, when present */
  codeId?: string;
  /** symbology name derived from AIM id or Code ID, when known */
  symbology?: string;
  /** how many reports made up this message */
  reports: number;
}

function printable(b: number | undefined): b is number {
  return b !== undefined && b >= 0x21 && b <= 0x7e;
}

/**
 * Joins HID-POS input reports into scanned messages. Bounded: a message longer than
 * `maxMessageBytes` is dropped (typed error) and its remaining reports are skipped.
 */
export class HidPosAssembler {
  readonly layout: HidPosLayout;
  readonly maxMessageBytes: number;
  private chunks: Uint8Array[] = [];
  private total = 0;
  private first: { aim?: string; codeId?: string } | undefined;
  private reportCount = 0;
  private skipping = false;

  constructor(layout: HidPosLayout | HidPosLayoutName, opts: { maxMessageBytes?: number } = {}) {
    this.layout = typeof layout === 'string' ? HID_POS_LAYOUTS[layout] : layout;
    this.maxMessageBytes = opts.maxMessageBytes ?? 8192;
  }

  /** bytes held for an unfinished message */
  get pendingBytes(): number {
    return this.total;
  }

  reset(): void {
    this.chunks = [];
    this.total = 0;
    this.first = undefined;
    this.reportCount = 0;
    this.skipping = false;
  }

  /**
   * Feed one input report (report id first). Returns the finished message when this report
   * ends one, else undefined. Throws ScannerProtocolError on a malformed report; a report with
   * another id is rejected without disturbing a message in progress.
   */
  push(report: Uint8Array): HidPosMessage | undefined {
    const L = this.layout;
    if (report.length < L.dataOffset) {
      this.reset();
      throw new ScannerProtocolError('SHORT_REPORT', report.length, `HID-POS report is ${report.length} bytes; the ${L.name} layout needs at least ${L.dataOffset} before the data (check the configured layout)`);
    }
    if (report[0] !== L.reportId) {
      throw new ScannerProtocolError(
        'BAD_REPORT_ID',
        0,
        `report id 0x${report[0]!.toString(16).padStart(2, '0')} is not the scanned-data report 0x${L.reportId.toString(16).padStart(2, '0')}; ignored`,
      );
    }
    const len = report[L.lengthOffset]!;
    if (len > L.maxDataBytes) {
      this.reset();
      throw new ScannerProtocolError('BAD_LENGTH', L.lengthOffset, `length byte says ${len} data bytes; a ${L.name} HID-POS report carries at most ${L.maxDataBytes} (wrong layout configured?)`);
    }
    if (L.dataOffset + len > report.length) {
      this.reset();
      throw new ScannerProtocolError('SHORT_REPORT', report.length, `length byte says ${len} data bytes from offset ${L.dataOffset}, but the report is only ${report.length} bytes`);
    }
    const more = report.length > L.continuationOffset && (report[L.continuationOffset]! & 0x01) === 1;

    if (this.skipping) {
      if (!more) this.skipping = false;
      return undefined;
    }

    if (this.reportCount === 0) {
      const first: { aim?: string; codeId?: string } = {};
      if (L.aimOffset !== undefined && report[L.aimOffset] === 0x5d && printable(report[L.aimOffset + 1]) && printable(report[L.aimOffset + 2])) {
        first.aim = String.fromCharCode(0x5d, report[L.aimOffset + 1]!, report[L.aimOffset + 2]!);
      }
      const cid = report.length > L.codeIdOffset ? report[L.codeIdOffset] : undefined;
      if (printable(cid)) first.codeId = String.fromCharCode(cid);
      this.first = first;
    }
    this.reportCount++;

    if (this.total + len > this.maxMessageBytes) {
      const had = this.total + len;
      this.reset();
      this.skipping = more;
      throw new ScannerProtocolError('MESSAGE_TOO_LONG', L.lengthOffset, `scanned message exceeds ${this.maxMessageBytes} bytes (${had} so far); dropped`);
    }
    if (len > 0) {
      this.chunks.push(report.slice(L.dataOffset, L.dataOffset + len));
      this.total += len;
    }
    if (more) return undefined;

    const bytes = concatBytes(this.chunks);
    const first = this.first ?? {};
    const reports = this.reportCount;
    this.reset();
    if (bytes.length === 0) return undefined;
    const symbology = symbologyOf(L.name, first.aim, first.codeId);
    return {
      bytes,
      reports,
      ...(first.aim ? { aim: first.aim } : {}),
      ...(first.codeId ? { codeId: first.codeId } : {}),
      ...(symbology ? { symbology } : {}),
    };
  }
}

export function symbologyOf(layout: HidPosLayoutName, aim?: string, codeId?: string): string | undefined {
  if (aim && aim.length === 3) {
    const s = AIM_SYMBOLOGY[aim[1]!];
    if (s) return s;
  }
  if (codeId) return (layout === 'honeywell' ? HONEYWELL_CODE_ID : NEWLAND_CODE_ID)[codeId];
  return undefined;
}

/**
 * What a scanner sends for one decoded code: 64-byte input reports in the given layout,
 * 56 data bytes each, continuation bit set on all but the last. Used by the simulator.
 */
export function encodeHidPosReports(layout: HidPosLayout | HidPosLayoutName, data: Uint8Array, opts: { aim?: string; codeId?: string } = {}): Uint8Array[] {
  const L = typeof layout === 'string' ? HID_POS_LAYOUTS[layout] : layout;
  const reports: Uint8Array[] = [];
  let pos = 0;
  do {
    const n = Math.min(L.maxDataBytes, data.length - pos);
    const r = new Uint8Array(L.reportBytes);
    r[0] = L.reportId;
    r[L.lengthOffset] = n;
    if (L.aimOffset !== undefined && opts.aim && opts.aim.length === 3) {
      for (let i = 0; i < 3; i++) r[L.aimOffset + i] = opts.aim.charCodeAt(i) & 0x7f;
    }
    r.set(data.subarray(pos, pos + n), L.dataOffset);
    if (opts.codeId) r[L.codeIdOffset] = opts.codeId.charCodeAt(0) & 0x7f;
    pos += n;
    r[L.continuationOffset] = pos < data.length ? 0x01 : 0x00;
    reports.push(r);
  } while (pos < data.length);
  return reports;
}

// ---------------------------------------------------------------------------------------------
// Serial line mode
// ---------------------------------------------------------------------------------------------

export type LineTerminator = 'CR' | 'LF' | 'CRLF';

export interface LineResult {
  lines: Uint8Array[];
  errors: ScannerProtocolError[];
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Splits a serial byte stream into scanned codes at the configured suffix. Tolerant of
 * chunk boundaries anywhere (including between CR and LF), of a CRLF suffix when CR or LF
 * was configured (the other half is dropped), and skips empty lines. Bounded: a line longer
 * than `maxLineBytes` yields LINE_TOO_LONG and is discarded up to its terminator.
 */
export class LineAssembler {
  readonly terminator: LineTerminator;
  readonly maxLineBytes: number;
  private buf: Uint8Array;
  private len = 0;
  /** stream offset of the first byte of the current line */
  private lineStart = 0;
  /** stream offset of the next byte to be pushed */
  private offset = 0;
  private discarding = false;
  /** CRLF mode: last chunk ended in CR (might be half a CRLF) */
  private pendingCr = false;
  /** CR mode: previous byte was a terminating CR, so a following LF belongs to it */
  private afterCr = false;

  constructor(opts: { terminator?: LineTerminator; maxLineBytes?: number } = {}) {
    this.terminator = opts.terminator ?? 'CR';
    this.maxLineBytes = Math.max(1, opts.maxLineBytes ?? 4096);
    this.buf = new Uint8Array(Math.min(this.maxLineBytes, 256));
  }

  /** bytes held for an unfinished line (never more than maxLineBytes) */
  get pendingBytes(): number {
    return this.len + (this.pendingCr ? 1 : 0);
  }

  reset(): void {
    this.len = 0;
    this.discarding = false;
    this.pendingCr = false;
    this.afterCr = false;
    this.lineStart = this.offset;
  }

  push(chunk: Uint8Array): LineResult {
    const out: LineResult = { lines: [], errors: [] };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      const at = this.offset++;
      switch (this.terminator) {
        case 'CR':
          if (b === CR) {
            this.endLine(out, at);
            this.afterCr = true;
            continue;
          }
          if (b === LF && this.afterCr) {
            this.afterCr = false;
            this.lineStart = at + 1;
            continue;
          }
          this.afterCr = false;
          this.append(b, out, at);
          break;
        case 'LF':
          if (b === LF) {
            // a CRLF suffix: the CR is not part of the code
            if (this.len > 0 && this.buf[this.len - 1] === CR) this.len--;
            this.endLine(out, at);
            continue;
          }
          this.append(b, out, at);
          break;
        case 'CRLF':
          if (this.pendingCr) {
            this.pendingCr = false;
            if (b === LF) {
              this.endLine(out, at);
              continue;
            }
            this.append(CR, out, at - 1);
          }
          if (b === CR) {
            this.pendingCr = true;
            continue;
          }
          this.append(b, out, at);
          break;
      }
    }
    return out;
  }

  private append(b: number, out: LineResult, at: number): void {
    if (this.discarding) return;
    if (this.len === 0) this.lineStart = at;
    if (this.len >= this.maxLineBytes) {
      out.errors.push(
        new ScannerProtocolError(
          'LINE_TOO_LONG',
          this.lineStart,
          `no ${this.terminator} suffix within ${this.maxLineBytes} bytes; line dropped up to the next suffix (check the scanner's suffix setting matches ${this.terminator})`,
        ),
      );
      this.len = 0;
      this.discarding = true;
      return;
    }
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(Math.min(this.maxLineBytes, this.buf.length * 2));
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }

  private endLine(out: LineResult, at: number): void {
    if (!this.discarding && this.len > 0) out.lines.push(this.buf.slice(0, this.len));
    this.len = 0;
    this.discarding = false;
    this.lineStart = at + 1;
  }
}

export function terminatorBytes(t: LineTerminator): Uint8Array {
  return t === 'CR' ? Uint8Array.of(CR) : t === 'LF' ? Uint8Array.of(LF) : Uint8Array.of(CR, LF);
}

// ---------------------------------------------------------------------------------------------
// Text and duplicates
// ---------------------------------------------------------------------------------------------

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gb18030 = new TextDecoder('gb18030');

/** Scanners pass the code's bytes through: UTF-8 when valid, else GB18030 (what Chinese QR generators use). */
export function decodeScanText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return gb18030.decode(bytes);
  }
}

/**
 * Suppresses the same code read again within `windowMs` of the last time it was seen (a
 * scanner in presentation mode re-reads a phone screen many times a second). The window
 * slides: a code held under the scanner stays suppressed until it has been away `windowMs`.
 * Remembers at most `capacity` codes.
 */
export class DuplicateFilter {
  private readonly lastSeen = new Map<string, number>();
  constructor(
    readonly windowMs = 1500,
    readonly capacity = 64,
  ) {}

  /** true if this code should be reported; false if it is a repeat */
  accept(text: string, at: number): boolean {
    const prev = this.lastSeen.get(text);
    this.lastSeen.delete(text);
    this.lastSeen.set(text, at);
    if (this.lastSeen.size > this.capacity) {
      const oldest = this.lastSeen.keys().next().value;
      if (oldest !== undefined) this.lastSeen.delete(oldest);
    }
    return prev === undefined || at - prev >= this.windowMs || at < prev;
  }

  clear(): void {
    this.lastSeen.clear();
  }
}
