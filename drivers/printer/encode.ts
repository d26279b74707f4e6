import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import { type Glyph, glyphBytes, toGlyphs } from './gb18030.ts';
import { type Align, type PrintJob, PrintJobSchema, type ReceiptLine } from './job.ts';
import type { PrinterProfile, StatusRequest } from './profiles.ts';

/**
 * PrintJob → ESC/POS bytes.
 *
 * Layout (alignment, wrapping at the profile's columns with CJK counted double, label–value rows)
 * is ours, because @point-of-sale/receipt-printer-encoder counts one column per character and knows
 * nothing of FS & Kanji mode. The encoder library emits the formatting commands (ESC @, ESC t, ESC E,
 * ESC -, GS !, LF, GS V with the feed before the cut) and ASCII text; our GB18030 layer
 * (gb18030.ts) emits Chinese runs through `raw()`. Alignment is ESC a (the printer centres exactly),
 * QR codes are GS ( k, and the job ends with the delivery-verification trailer: GS ( H with the job's
 * completion id. Status requests are NOT part of the trailer: DLE EOT is a real-time command the
 * printer answers the moment it arrives, long before the buffered job has printed, so the driver sends
 * them after the completion reply (see device.ts).
 */

export class PrintJobError extends Error {
  override readonly name = 'PrintJobError';
  constructor(
    message: string,
    /** JSON path into the job, e.g. `lines[3].data` */
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Command bytes (host → printer) shared by the driver and the simulator
// ---------------------------------------------------------------------------------------------

/** DLE EOT n: real-time status (n = 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor). */
export function realtimeStatusRequest(n: 1 | 2 | 3 | 4): Uint8Array {
  return Uint8Array.of(0x10, 0x04, n);
}
/** Custom full status: DLE EOT 20 (`10 04 14`), answered with 6 bytes `10 0F paper user recoverable unrecoverable`. */
export const CUSTOM_FULL_STATUS_REQUEST = Uint8Array.of(0x10, 0x04, 0x14);

export function statusRequestBytes(req: StatusRequest): Uint8Array {
  switch (req) {
    case 'dle-eot-1':
      return realtimeStatusRequest(1);
    case 'dle-eot-2':
      return realtimeStatusRequest(2);
    case 'dle-eot-3':
      return realtimeStatusRequest(3);
    case 'dle-eot-4':
      return realtimeStatusRequest(4);
    case 'custom-full':
      return CUSTOM_FULL_STATUS_REQUEST;
  }
}

/** GS a n: enable Automatic Status Back (n = 0 disables). */
export function asbEnable(mask: number): Uint8Array {
  return Uint8Array.of(0x1d, 0x61, mask & 0xff);
}

/**
 * DLE DC4 fn 8 (`10 14 08 01 03 14 01 06 02 08`): clear receive and print buffers; the printer answers
 * `37 25 00`. Sent after a failed job so the unprinted rest of one customer's receipt does not print
 * for the next customer when paper is reloaded. (Epson ESC/POS reference, DLE DC4 fn=8; Citizen CT-S300 manual.)
 */
export const BUFFER_CLEAR_REQUEST = Uint8Array.of(0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08);

/** A process id is 4 bytes, each 0x20–0x7E (Epson ESC/POS reference, GS ( H fn 48). */
export function isValidCompletionId(id: string): boolean {
  return /^[\x20-\x7e]{4}$/.test(id);
}

/** GS ( H fn 48: `1D 28 48 06 00 30 30 d1 d2 d3 d4` — "answer `37 22 d1..d4 00` when everything before this has printed". */
export function completionRequest(id: string): Uint8Array {
  if (!isValidCompletionId(id)) throw new PrintJobError(`completion id must be 4 characters 0x20–0x7E, got ${JSON.stringify(id)}`, 'completionId');
  return Uint8Array.of(0x1d, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, ...[...id].map((c) => c.charCodeAt(0)));
}

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Per-job completion ids: 4 characters from [0-9A-Z], counting up from a random start so a reply
 * left over from before a restart does not match a new job.
 */
export class CompletionIdSequence {
  private n: number;
  constructor(start = Math.floor(Math.random() * 36 ** 4)) {
    this.n = start % 36 ** 4;
  }
  next(): string {
    this.n = (this.n + 1) % 36 ** 4;
    let v = this.n;
    let s = '';
    for (let i = 0; i < 4; i++) {
      s = ID_ALPHABET[v % 36]! + s;
      v = Math.floor(v / 36);
    }
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// QR code (GS ( k, cn = 49)
// ---------------------------------------------------------------------------------------------

const QR_EC = { L: 0x30, M: 0x31, Q: 0x32, H: 0x33 } as const;
/** byte-mode capacity of a version 40 symbol per error-correction level (ISO/IEC 18004 table 7) */
const QR_BYTE_CAPACITY = { L: 2953, M: 2331, Q: 1663, H: 1273 } as const;

export interface QrOptions {
  moduleSize?: number;
  errorCorrection?: keyof typeof QR_EC;
}

/**
 * GS ( k model 2 QR: select model (`31 41 32 00`), module size (`31 43 n`), error correction
 * (`31 45 n`), store data (`31 50 30 d…`, UTF-8), print (`31 51 30`).
 */
export function encodeQr(data: string, opts: QrOptions = {}, path = 'qr'): Uint8Array {
  const size = opts.moduleSize ?? 6;
  const ec = opts.errorCorrection ?? 'M';
  if (!Number.isInteger(size) || size < 1 || size > 16) throw new PrintJobError(`QR module size must be 1–16, got ${size}`, `${path}.moduleSize`);
  const bytes = new TextEncoder().encode(data);
  if (bytes.length === 0) throw new PrintJobError('QR data is empty', `${path}.data`);
  if (bytes.length > QR_BYTE_CAPACITY[ec])
    throw new PrintJobError(`QR data is ${bytes.length} bytes; level ${ec} holds at most ${QR_BYTE_CAPACITY[ec]} (shorten it or lower the error correction)`, `${path}.data`);
  const storeLen = bytes.length + 3;
  return Uint8Array.from([
    ...[0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00],
    ...[0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, size],
    ...[0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, QR_EC[ec]],
    ...[0x1d, 0x28, 0x6b, storeLen & 0xff, storeLen >> 8, 0x31, 0x50, 0x30],
    ...bytes,
    ...[0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30],
  ]);
}

/** Modules per side of the smallest QR version holding `n` bytes (approximation for paper-length estimates). */
export function qrModules(n: number, ec: keyof typeof QR_EC = 'M'): number {
  const perVersionM = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213];
  const scale = { L: 1.3, M: 1, Q: 0.75, H: 0.58 }[ec];
  for (let v = 1; v <= perVersionM.length; v++) if (n <= perVersionM[v - 1]! * scale) return 17 + 4 * v;
  const v = Math.min(40, 10 + Math.ceil((n - 213 * scale) / (30 * scale)));
  return 17 + 4 * v;
}

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

export interface TextStyle {
  align: Align;
  bold: boolean;
  underline: boolean;
  width: number;
  height: number;
}

/** One printed line after layout. */
export type LaidOutLine =
  | { kind: 'text'; style: TextStyle; glyphs: Glyph[] }
  | { kind: 'qr'; data: string; moduleSize: number; errorCorrection: 'L' | 'M' | 'Q' | 'H'; align: Align }
  | { kind: 'feed'; lines: number };

const PLAIN: TextStyle = { align: 'left', bold: false, underline: false, width: 1, height: 1 };

/** A line may not start with these (Chinese line-breaking rule, 避头点): they move down with the character before them. */
const NO_LINE_START = new Set([...'，。、；：？！）》」』】〕〉…—·,.;:?!)]}%']);

function isSpace(g: Glyph): boolean {
  return g.cols === 1 && g.char === ' ';
}
function isWordChar(g: Glyph): boolean {
  return g.cols === 1 && g.char !== ' ';
}

/** Wrap glyphs into lines of at most `maxCols` columns: break at spaces inside ASCII words, keep 避头点 punctuation off line starts. */
export function wrapGlyphs(glyphs: readonly Glyph[], maxCols: number): Glyph[][] {
  const lines: Glyph[][] = [];
  let line: Glyph[] = [];
  let cols = 0;
  for (const g of glyphs) {
    if (cols + g.cols > maxCols && line.length > 0) {
      let carry: Glyph[] = [];
      // do not split an ASCII word when the line has a space to break at
      if (isWordChar(g) && isWordChar(line[line.length - 1]!)) {
        const sp = line.map(isSpace).lastIndexOf(true);
        if (sp > 0) {
          carry = line.slice(sp + 1);
          line = line.slice(0, sp);
        }
      } else if (NO_LINE_START.has(g.char) && line.length > 1) {
        carry = [line.pop()!];
      }
      lines.push(trimEnd(line));
      line = carry;
      cols = carry.reduce((a, c) => a + c.cols, 0);
      if (isSpace(g) && line.length === 0) continue; // a space at a break is the break
    }
    if (g.cols > maxCols) continue; // a 2-column glyph on a 1-column line (width 8 on 58 mm): skip
    line.push(g);
    cols += g.cols;
  }
  if (line.length > 0 || lines.length === 0) lines.push(trimEnd(line));
  return lines;
}

function trimEnd(line: Glyph[]): Glyph[] {
  let end = line.length;
  while (end > 0 && isSpace(line[end - 1]!)) end--;
  return line.slice(0, end);
}

function cols(glyphs: readonly Glyph[]): number {
  let n = 0;
  for (const g of glyphs) n += g.cols;
  return n;
}

/** Lay out a job at `columns` font-A columns. Throws PrintJobError on a malformed job. */
export function layoutReceipt(job: PrintJob, columns: number): LaidOutLine[] {
  const out: LaidOutLine[] = [];
  job.lines.forEach((line, i) => layoutLine(line, columns, `lines[${i}]`, out));
  return out;
}

function layoutLine(line: ReceiptLine, columns: number, path: string, out: LaidOutLine[]): void {
  switch (line.kind) {
    case 'text': {
      const style: TextStyle = {
        align: line.align ?? 'left',
        bold: line.bold ?? false,
        underline: line.underline ?? false,
        width: line.width ?? 1,
        height: line.height ?? 1,
      };
      const maxCols = Math.max(1, Math.floor(columns / style.width));
      for (const para of line.text.split(/\r?\n/)) {
        for (const glyphs of wrapGlyphs(toGlyphs(para), maxCols)) out.push({ kind: 'text', style, glyphs });
      }
      return;
    }
    case 'rule': {
      const ch = line.style === 'double' ? '=' : '-';
      out.push({ kind: 'text', style: PLAIN, glyphs: toGlyphs(ch.repeat(columns)) });
      return;
    }
    case 'pair': {
      const style = { ...PLAIN, bold: line.bold ?? false };
      const label = toGlyphs(line.label);
      const value = toGlyphs(line.value);
      const lc = cols(label);
      const vc = cols(value);
      if (lc + 1 + vc <= columns) {
        const gap = toGlyphs(' '.repeat(columns - lc - vc));
        out.push({ kind: 'text', style, glyphs: [...label, ...gap, ...value] });
      } else {
        for (const g of wrapGlyphs(label, columns)) out.push({ kind: 'text', style, glyphs: g });
        for (const g of wrapGlyphs(value, columns)) out.push({ kind: 'text', style: { ...style, align: 'right' }, glyphs: g });
      }
      return;
    }
    case 'qr':
      // validates size and capacity now, so a bad job fails before any byte is sent
      encodeQr(line.data, line, path);
      out.push({ kind: 'qr', data: line.data, moduleSize: line.moduleSize ?? 6, errorCorrection: line.errorCorrection ?? 'M', align: line.align ?? 'center' });
      return;
    case 'feed':
      out.push({ kind: 'feed', lines: line.lines });
      return;
  }
}

/** The laid-out receipt as plain text (alignment applied with spaces; CJK counted double), for previews and logs. */
export function previewText(lines: readonly LaidOutLine[], columns: number): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.kind === 'feed') {
      for (let i = 0; i < l.lines; i++) out.push('');
    } else if (l.kind === 'qr') {
      out.push(pad(`[QR ${l.data}]`, [...`[QR ${l.data}]`].length, columns, l.align));
    } else {
      const text = l.glyphs.map((g) => g.char).join('');
      const width = cols(l.glyphs) * l.style.width;
      out.push(pad(text, width, columns, l.style.align, l.style.width));
    }
  }
  return out;
}

function pad(text: string, width: number, columns: number, align: Align, scale = 1): string {
  const free = Math.max(0, columns - width);
  const left = align === 'center' ? Math.floor(free / 2) : align === 'right' ? free : 0;
  const spaced = scale > 1 ? [...text].join(' '.repeat(scale - 1)) : text;
  return ' '.repeat(left) + spaced;
}

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

export interface EncodedReceipt {
  /** the receipt: init, content, cut (no completion request) */
  body: Uint8Array;
  /** what the customer should see, one string per printed line */
  preview: string[];
  /** printed lines (text rows, QR counted once) */
  lineCount: number;
  /** estimated paper length in mm (for completion timeouts and the simulator's roll) */
  paperMm: number;
}

/** Line spacing: ESC 2 default, 30 dots (1/6 inch ≈ 3.75 mm at 8 dots/mm) for a 24-dot font. */
const LINE_DOTS = 30;

const ALIGN_N: Record<Align, number> = { left: 0, center: 1, right: 2 };

/** Validate and encode a receipt for a profile. Throws PrintJobError (with the JSON path) on a bad job. */
export function encodeReceipt(input: PrintJob, profile: PrinterProfile): EncodedReceipt {
  const parsed = PrintJobSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new PrintJobError(issue.message, path || '(job)');
  }
  const job = parsed.data;
  const columns = profile.columns;
  const lines = layoutReceipt(job, columns);
  const cut = job.cut ?? profile.defaultCut;

  const enc = new ReceiptPrinterEncoder({
    language: 'esc-pos',
    columns,
    newline: '\n',
    feedBeforeCut: profile.feedBeforeCut,
    codepageMapping: 'epson',
  });
  enc.initialize(); // ESC @, FS . (Kanji off), ESC M 0 (font A)
  // ASB back on after ESC @ (some printers reset it); the printer answers with its status at once
  if (profile.capabilities.asb) enc.raw(asbEnable(profile.asbMask));
  enc.codepage(profile.codePage.name as Parameters<typeof enc.codepage>[0]); // ESC t n
  let align: Align = 'left';
  let bold = false;
  let underline = false;
  let size = '1x1';
  let dots = 0;
  let lineCount = 0;
  const setAlign = (a: Align) => {
    if (a !== align) {
      enc.raw([0x1b, 0x61, ALIGN_N[a]]);
      align = a;
    }
  };
  for (const l of lines) {
    if (l.kind === 'feed') {
      enc.newline(l.lines);
      dots += l.lines * LINE_DOTS;
      continue;
    }
    if (l.kind === 'qr') {
      setAlign(l.align);
      enc.raw(encodeQr(l.data, l));
      enc.newline();
      dots += qrModules(new TextEncoder().encode(l.data).length, l.errorCorrection) * l.moduleSize + LINE_DOTS;
      lineCount++;
      continue;
    }
    const s = l.style;
    setAlign(s.align);
    if (s.bold !== bold) {
      enc.bold(s.bold);
      bold = s.bold;
    }
    if (s.underline !== underline) {
      enc.underline(s.underline);
      enc.raw([0x1c, 0x2d, s.underline ? 1 : 0]); // FS - n: underline for Kanji
      underline = s.underline;
    }
    const sz = `${s.width}x${s.height}`;
    if (sz !== size) {
      enc.size(s.width, s.height);
      size = sz;
    }
    // ASCII runs through the encoder, 2-byte runs through our FS & … FS . layer
    let run: Glyph[] = [];
    let runWide = false;
    const flush = () => {
      if (run.length === 0) return;
      if (runWide) enc.raw(glyphBytes(run));
      else enc.text(run.map((g) => g.char).join(''));
      run = [];
    };
    for (const g of l.glyphs) {
      const wide = g.cols === 2;
      if (run.length > 0 && wide !== runWide) flush();
      runWide = wide;
      run.push(g);
    }
    flush();
    enc.newline();
    dots += Math.max(LINE_DOTS, 24 * s.height + 6);
    lineCount++;
  }
  // back to defaults so the cut feed and the next job start plain
  if (bold) enc.bold(false);
  if (underline) {
    enc.underline(false);
    enc.raw([0x1c, 0x2d, 0]);
  }
  if (size !== '1x1') enc.size(1, 1);
  setAlign('left');
  if (cut !== 'none') {
    enc.cut(cut);
    dots += profile.feedBeforeCut * LINE_DOTS;
  }
  return {
    body: enc.encode(),
    preview: previewText(lines, columns),
    lineCount,
    paperMm: dots / profile.dotsPerMm,
  };
}

export interface EncodedPrintJob extends EncodedReceipt {
  completionId: string;
  /** body + GS ( H completion request: what the driver writes */
  bytes: Uint8Array;
}

/** The receipt followed by the delivery-verification trailer (GS ( H with this job's completion id). */
export function encodePrintJob(job: PrintJob, profile: PrinterProfile, completionId: string): EncodedPrintJob {
  const r = encodeReceipt(job, profile);
  const trailer = profile.capabilities.processIdResponse ? completionRequest(completionId) : new Uint8Array(0);
  const bytes = new Uint8Array(r.body.length + trailer.length);
  bytes.set(r.body, 0);
  bytes.set(trailer, r.body.length);
  return { ...r, completionId, bytes };
}
