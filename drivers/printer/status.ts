import { FaultCode } from '../../contracts/faults.ts';
import type { StatusRequest } from './profiles.ts';

/**
 * Printer → host messages: codec, stream demultiplexer and fault mapping.
 *
 * Sources (bit layouts):
 * - Epson ESC/POS Application Programming Guide / ESC/POS Command Reference:
 *   DLE EOT n (reply pattern 0xx1xx10), GS a (ASB, first byte 0xx1xx00; TM-U220 manual p. 83 lists
 *   bytes 2–4), GS ( H fn 48 (process-ID reply `37 22 d1..d4 00`, d = 0x20–0x7E), DLE DC4 fn 8
 *   (buffer-clear reply `37 25 00`).
 * - python-escpos `escpos/constants.py`: DLE EOT 4 replies 0x12 paper adequate, 0x1E near end
 *   (RT_MASK_LOWPAPER = 30), 0x72 no paper (RT_MASK_NOPAPER = 114); DLE EOT 1 offline mask 8.
 * - Real-printer captures: idle ASB `14 00 00 0F` (byte 4 bits 0–3 are "reserved" but set) — seen in a
 *   Haskell ESC/POS tool ("idle status report") and an RP326 compatibility note.
 * - Custom full status (DLE EOT 20 = `10 04 14`), 6 bytes `10 0F P U R X`: Custom KPM150H/KPM210
 *   command reference ("n=20: FULL status (6 bytes) 1st byte 0x10, 2nd 0x0F, 3rd paper status,
 *   4th user status, 5th recoverable error status, 6th unrecoverable error status") and
 *   AlexObukhoff/TerminalClient CustomVKP80.cpp (VKP80 bit assignments):
 *     P bit 0 paper end, bit 2 near end, bit 5 ticket in output (presenter), bit 6 virtual paper end;
 *     U bits 0–1 head up / cover open, bit 3 paper motor running, bit 5 LF key, bit 6 FF key;
 *     R bit 0 head temperature, bit 1 COM error, bit 3 supply voltage, bit 5 command not acknowledged,
 *       bit 6 paper jam (VKP80), bit 7 notch search error;
 *     X bit 0 cutter error, bit 2 RAM, bit 3 EEPROM, bit 6 flash error.
 */

export class PrinterReplyError extends Error {
  override readonly name = 'PrinterReplyError';
  constructor(
    message: string,
    /** byte offset into the reply (or stream) where the problem is */
    readonly offset: number,
  ) {
    super(`${message} (at byte offset ${offset})`);
  }
}

/** Everything a printer can tell us about itself. Decoders return the subset one message reports. */
export interface PrinterStatus {
  offline: boolean;
  coverOpen: boolean;
  paperEnd: boolean;
  paperNearEnd: boolean;
  /** DLE EOT 2 bit 5 / "printing stopped because of paper end" */
  stoppedByPaperEnd: boolean;
  /** DLE EOT 2 bit 6: some error occurred (cause in DLE EOT 3) */
  errorOccurred: boolean;
  /** recoverable (mechanical) error — DLE EOT 3 bit 2, ASB byte 2 bit 2 */
  recoverableError: boolean;
  cutterError: boolean;
  unrecoverableError: boolean;
  /** e.g. head overheated; clears by itself — DLE EOT 3 bit 6, ASB byte 2 bit 6 */
  autoRecoverableError: boolean;
  /** DLE EOT 1 bit 5 */
  waitingOnlineRecovery: boolean;
  /** feed button pressed / paper being fed by the button */
  feedButton: boolean;
  drawerPin3High: boolean;
  /** presenter: a ticket is in the output (mouth) */
  ticketInOutput: boolean;
  /** presenter printers: paper jam */
  paperJam: boolean;
  headTemperatureError: boolean;
  supplyVoltageError: boolean;
  /** Custom: paper drive motor running (printing in progress) */
  motorRunning: boolean;
}
export type PrinterStatusPart = Partial<PrinterStatus>;

export const HEALTHY_STATUS: Readonly<PrinterStatus> = Object.freeze({
  offline: false,
  coverOpen: false,
  paperEnd: false,
  paperNearEnd: false,
  stoppedByPaperEnd: false,
  errorOccurred: false,
  recoverableError: false,
  cutterError: false,
  unrecoverableError: false,
  autoRecoverableError: false,
  waitingOnlineRecovery: false,
  feedButton: false,
  drawerPin3High: false,
  ticketInOutput: false,
  paperJam: false,
  headTemperatureError: false,
  supplyVoltageError: false,
  motorRunning: false,
});

const bit = (b: number, n: number) => (b & (1 << n)) !== 0;

// ---------------------------------------------------------------------------------------------
// DLE EOT n (Epson real-time status): 1 byte, pattern 0xx1xx10
// ---------------------------------------------------------------------------------------------

export function isRealtimeStatusByte(b: number): boolean {
  return (b & 0x93) === 0x12;
}

export function decodeRealtimeStatus(n: 1 | 2 | 3 | 4, b: number, offset = 0): PrinterStatusPart {
  if (!isRealtimeStatusByte(b))
    throw new PrinterReplyError(`0x${hex(b)} is not a DLE EOT ${n} reply (bits 0,1,4,7 must read 0,1,1,0: pattern 0xx1xx10)`, offset);
  switch (n) {
    case 1:
      return { drawerPin3High: bit(b, 2), offline: bit(b, 3), waitingOnlineRecovery: bit(b, 5), feedButton: bit(b, 6) };
    case 2:
      return { coverOpen: bit(b, 2), feedButton: bit(b, 3), stoppedByPaperEnd: bit(b, 5), errorOccurred: bit(b, 6) };
    case 3:
      return { recoverableError: bit(b, 2), cutterError: bit(b, 3), unrecoverableError: bit(b, 5), autoRecoverableError: bit(b, 6) };
    case 4:
      // bits 2,3 near end; bits 5,6 paper end (either bit of a pair counts: some models set only one)
      return { paperNearEnd: (b & 0x0c) !== 0, paperEnd: (b & 0x60) !== 0 };
  }
}

export function encodeRealtimeStatus(n: 1 | 2 | 3 | 4, s: PrinterStatus): number {
  let b = 0x12;
  const set = (cond: boolean, mask: number) => {
    if (cond) b |= mask;
  };
  switch (n) {
    case 1:
      set(s.drawerPin3High, 0x04);
      set(s.offline, 0x08);
      set(s.waitingOnlineRecovery, 0x20);
      set(s.feedButton, 0x40);
      break;
    case 2:
      set(s.coverOpen, 0x04);
      set(s.feedButton, 0x08);
      set(s.stoppedByPaperEnd, 0x20);
      set(s.errorOccurred, 0x40);
      break;
    case 3:
      set(s.recoverableError, 0x04);
      set(s.cutterError, 0x08);
      set(s.unrecoverableError, 0x20);
      set(s.autoRecoverableError, 0x40);
      break;
    case 4:
      set(s.paperNearEnd, 0x0c);
      set(s.paperEnd, 0x60);
      break;
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// ASB (GS a): 4 bytes, first 0xx1xx00, others with bits 4 and 7 clear
// ---------------------------------------------------------------------------------------------

export function isAsbFirstByte(b: number): boolean {
  return (b & 0x93) === 0x10;
}
function isAsbTailByte(b: number): boolean {
  return (b & 0x90) === 0;
}

export function decodeAsb(bytes: ArrayLike<number>, offset = 0): PrinterStatusPart {
  if (bytes.length !== 4) throw new PrinterReplyError(`an ASB message is 4 bytes, got ${bytes.length}`, offset);
  const [b1, b2, b3, b4] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  if (!isAsbFirstByte(b1)) throw new PrinterReplyError(`0x${hex(b1)} does not start an ASB message (pattern 0xx1xx00)`, offset);
  for (const [i, b] of [b2, b3, b4].entries())
    if (!isAsbTailByte(b)) throw new PrinterReplyError(`ASB byte ${i + 2} is 0x${hex(b)}; bits 4 and 7 must be 0`, offset + i + 1);
  return {
    drawerPin3High: bit(b1, 2),
    offline: bit(b1, 3),
    coverOpen: bit(b1, 5),
    feedButton: bit(b1, 6),
    recoverableError: bit(b2, 2),
    cutterError: bit(b2, 3),
    unrecoverableError: bit(b2, 5),
    autoRecoverableError: bit(b2, 6),
    paperNearEnd: (b3 & 0x03) !== 0,
    paperEnd: (b3 & 0x0c) !== 0,
  };
}

export function encodeAsb(s: PrinterStatus): Uint8Array {
  let b1 = 0x10;
  if (s.drawerPin3High) b1 |= 0x04;
  if (s.offline) b1 |= 0x08;
  if (s.coverOpen) b1 |= 0x20;
  if (s.feedButton) b1 |= 0x40;
  let b2 = 0;
  if (s.recoverableError) b2 |= 0x04;
  if (s.cutterError) b2 |= 0x08;
  if (s.unrecoverableError) b2 |= 0x20;
  if (s.autoRecoverableError) b2 |= 0x40;
  let b3 = 0;
  if (s.paperNearEnd) b3 |= 0x03;
  if (s.paperEnd) b3 |= 0x0c;
  // byte 4: reserved bits 0–3 read 1 on real printers (`14 00 00 0F` when idle)
  return Uint8Array.of(b1, b2, b3, 0x0f);
}

// ---------------------------------------------------------------------------------------------
// Custom full status (10 04 14 → 10 0F P U R X)
// ---------------------------------------------------------------------------------------------

export function decodeCustomFullStatus(bytes: ArrayLike<number>, offset = 0): PrinterStatusPart {
  if (bytes.length !== 6) throw new PrinterReplyError(`a Custom full status reply is 6 bytes, got ${bytes.length}`, offset);
  if (bytes[0] !== 0x10 || bytes[1] !== 0x0f)
    throw new PrinterReplyError(`a Custom full status reply starts 10 0F, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}`, offset);
  const [p, u, r, x] = [bytes[2]!, bytes[3]!, bytes[4]!, bytes[5]!];
  return {
    paperEnd: bit(p, 0),
    paperNearEnd: bit(p, 2) || bit(p, 6),
    ticketInOutput: bit(p, 5),
    coverOpen: (u & 0x03) !== 0,
    motorRunning: bit(u, 3),
    feedButton: bit(u, 5) || bit(u, 6),
    headTemperatureError: bit(r, 0),
    supplyVoltageError: bit(r, 3),
    paperJam: bit(r, 6),
    cutterError: bit(x, 0),
    unrecoverableError: (x & 0x4c) !== 0,
  };
}

export function encodeCustomFullStatus(s: PrinterStatus): Uint8Array {
  let p = 0;
  if (s.paperEnd) p |= 0x01;
  if (s.paperNearEnd) p |= 0x04;
  if (s.ticketInOutput) p |= 0x20;
  let u = 0;
  if (s.coverOpen) u |= 0x03;
  if (s.motorRunning) u |= 0x08;
  if (s.feedButton) u |= 0x20;
  let r = 0;
  if (s.headTemperatureError) r |= 0x01;
  if (s.supplyVoltageError) r |= 0x08;
  if (s.paperJam) r |= 0x40;
  let x = 0;
  if (s.cutterError) x |= 0x01;
  if (s.unrecoverableError) x |= 0x04;
  return Uint8Array.of(0x10, 0x0f, p, u, r, x);
}

// ---------------------------------------------------------------------------------------------
// "Header to NUL" replies: GS ( H process id (37 22 d1..d4 00), DLE DC4 fn 8 (37 25 00), others
// ---------------------------------------------------------------------------------------------

export function encodeCompletionReply(id: string): Uint8Array {
  return Uint8Array.of(0x37, 0x22, ...[...id].map((c) => c.charCodeAt(0) & 0xff), 0x00);
}
export const BUFFER_CLEARED_REPLY = Uint8Array.of(0x37, 0x25, 0x00);

/** Decode `37 22 d1 d2 d3 d4 00` → the 4-character completion id. */
export function decodeCompletionReply(bytes: ArrayLike<number>, offset = 0): string {
  if (bytes.length !== 7) throw new PrinterReplyError(`a GS ( H completion reply is 7 bytes (37 22 d1 d2 d3 d4 00), got ${bytes.length}`, offset);
  if (bytes[0] !== 0x37 || bytes[1] !== 0x22) throw new PrinterReplyError(`a GS ( H completion reply starts 37 22, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}`, offset);
  let id = '';
  for (let i = 2; i < 6; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b > 0x7e) throw new PrinterReplyError(`completion id byte 0x${hex(b)} is outside 0x20–0x7E`, offset + i);
    id += String.fromCharCode(b);
  }
  if (bytes[6] !== 0x00) throw new PrinterReplyError(`a GS ( H completion reply ends with 00, got ${hex(bytes[6]!)}`, offset + 6);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Demultiplexer: one byte stream → messages
// ---------------------------------------------------------------------------------------------

export type PrinterMessage =
  | { kind: 'realtime-status'; request: 1 | 2 | 3 | 4; byte: number; status: PrinterStatusPart; offset: number }
  | { kind: 'asb'; bytes: Uint8Array; status: PrinterStatusPart; offset: number }
  | { kind: 'custom-full-status'; bytes: Uint8Array; status: PrinterStatusPart; offset: number }
  | { kind: 'completion'; id: string; offset: number }
  | { kind: 'buffer-cleared'; offset: number }
  /** another Epson "header … NUL" block (GS I, GS ( E, …): passed on, not interpreted */
  | { kind: 'block'; bytes: Uint8Array; offset: number }
  /** bytes that fit no message (line noise, a reply nobody asked for, XON/XOFF): skipped to resync */
  | { kind: 'garbage'; bytes: Uint8Array; offset: number; reason: string };

export interface DemuxOptions {
  /** longest "header … NUL" block accepted (default 80 bytes) */
  maxBlock?: number;
}

const MAX_GARBAGE_RUN = 64;

/**
 * Splits the printer's one outgoing byte stream into messages. ASB messages may arrive at any time,
 * between or before request replies; a DLE EOT reply is one byte whose meaning depends on which
 * request it answers, and Custom's full status (6 bytes) starts with 0x10 — which is also a valid ASB
 * first byte — so the demux keeps the FIFO of outstanding requests (`expect()`).
 *
 * Never throws on input; unknown bytes become `garbage` messages (with the stream offset) and parsing
 * resynchronises on the next byte. Holds at most `maxBlock` unparsed bytes.
 */
export class PrinterStreamDemux {
  private buf: number[] = [];
  /** stream offset of buf[0] */
  private base = 0;
  private fifo: StatusRequest[] = [];
  private garbage: number[] = [];
  private garbageAt = 0;
  private garbageReason = '';
  private readonly maxBlock: number;

  constructor(opts: DemuxOptions = {}) {
    this.maxBlock = Math.max(8, opts.maxBlock ?? 80);
  }

  /** Requests sent and not yet answered, oldest first. */
  get outstanding(): readonly StatusRequest[] {
    return this.fifo;
  }
  /** Bytes received and not yet parsed (a message in progress). */
  get pending(): number {
    return this.buf.length;
  }
  /** Total bytes consumed so far. */
  get offset(): number {
    return this.base + this.buf.length;
  }

  /** Record that a request was written; its reply will be matched in order. */
  expect(...reqs: StatusRequest[]): void {
    this.fifo.push(...reqs);
    if (this.fifo.length > 64) this.fifo.splice(0, this.fifo.length - 64);
  }
  /** Forget outstanding requests (after a timeout): late replies then count as garbage. */
  cancelExpected(): void {
    this.fifo = [];
  }
  /** Drop a half-received message (after a long silence, the rest is not coming). */
  discardPartial(): PrinterMessage[] {
    const out: PrinterMessage[] = [];
    for (const b of this.buf) this.addGarbage(b, this.base++, 'incomplete message abandoned', out);
    this.buf = [];
    this.flushGarbage(out);
    return out;
  }

  push(chunk: ArrayLike<number>): PrinterMessage[] {
    const out: PrinterMessage[] = [];
    for (let i = 0; i < chunk.length; i++) this.buf.push(chunk[i]! & 0xff);
    this.parse(out);
    return out;
  }

  private parse(out: PrinterMessage[]): void {
    while (this.buf.length > 0) {
      const r = this.tryOne(out);
      if (r === 'need-more') break;
    }
    // a message can be at most maxBlock bytes; anything longer is not a message
    while (this.buf.length > this.maxBlock) {
      this.addGarbage(this.buf.shift()!, this.base++, 'buffer limit', out);
      while (this.buf.length > 0 && this.tryOne(out) !== 'need-more');
    }
    this.flushGarbage(out);
  }

  /** Consume one message or one garbage byte from the front of buf. */
  private tryOne(out: PrinterMessage[]): 'ok' | 'need-more' {
    const b = this.buf;
    const b0 = b[0]!;
    const head = this.fifo[0];
    const at = this.base;

    // Custom full status: only when it is the reply we wait for (0x10 also starts an ASB message)
    if (head === 'custom-full' && b0 === 0x10) {
      if (b.length < 2) return 'need-more';
      if (b[1] === 0x0f) {
        if (b.length < 6) return 'need-more';
        const bytes = Uint8Array.from(b.slice(0, 6));
        this.take(6, out);
        this.fifo.shift();
        out.push({ kind: 'custom-full-status', bytes, status: decodeCustomFullStatus(bytes, at), offset: at });
        return 'ok';
      }
    }
    if (isRealtimeStatusByte(b0)) {
      if (head && head !== 'custom-full') {
        this.take(1, out);
        this.fifo.shift();
        const n = Number(head.slice(-1)) as 1 | 2 | 3 | 4;
        out.push({ kind: 'realtime-status', request: n, byte: b0, status: decodeRealtimeStatus(n, b0, at), offset: at });
        return 'ok';
      }
      this.addGarbage(b.shift()!, this.base++, head ? 'a DLE EOT reply while a Custom full status was expected' : 'a DLE EOT reply nobody asked for', out);
      return 'ok';
    }
    if (isAsbFirstByte(b0)) {
      const n = Math.min(b.length, 4);
      for (let i = 1; i < n; i++) {
        if (!isAsbTailByte(b[i]!)) {
          this.addGarbage(b.shift()!, this.base++, 'not an ASB message (bit 4 or 7 set in bytes 2–4)', out);
          return 'ok';
        }
      }
      if (b.length < 4) return 'need-more';
      const bytes = Uint8Array.from(b.slice(0, 4));
      this.take(4, out);
      out.push({ kind: 'asb', bytes, status: decodeAsb(bytes, at), offset: at });
      return 'ok';
    }
    if (b0 === 0x37 || b0 === 0x5f) {
      const nul = b.indexOf(0x00, 1);
      if (nul < 0) {
        if (b.length >= this.maxBlock) {
          this.addGarbage(b.shift()!, this.base++, `a 0x${hex(b0)} block without NUL within ${this.maxBlock} bytes`, out);
          return 'ok';
        }
        // a completion reply has a fixed shape: fail fast when it cannot be one
        if (b0 === 0x37 && b.length >= 2 && b[1] === 0x22 && b.slice(2, 6).some((x) => x < 0x20 || x > 0x7e)) {
          this.addGarbage(b.shift()!, this.base++, 'not a GS ( H completion reply (id byte outside 0x20–0x7E)', out);
          return 'ok';
        }
        return 'need-more';
      }
      const bytes = Uint8Array.from(b.slice(0, nul + 1));
      if (b0 === 0x37 && b[1] === 0x22) {
        if (bytes.length !== 7 || bytes.slice(2, 6).some((x) => x < 0x20 || x > 0x7e)) {
          this.addGarbage(b.shift()!, this.base++, 'not a GS ( H completion reply: expected 37 22, four id bytes 0x20–0x7E, then 00', out);
          return 'ok';
        }
        this.take(7, out);
        out.push({ kind: 'completion', id: decodeCompletionReply(bytes, at), offset: at });
        return 'ok';
      }
      this.take(bytes.length, out);
      if (b0 === 0x37 && bytes.length === 3 && bytes[1] === 0x25) out.push({ kind: 'buffer-cleared', offset: at });
      else out.push({ kind: 'block', bytes, offset: at });
      return 'ok';
    }
    this.addGarbage(
      b.shift()!,
      this.base++,
      b0 === 0x11 || b0 === 0x13 ? 'XON/XOFF flow control' : 'a byte that starts no printer message',
      out,
    );
    return 'ok';
  }

  private take(n: number, out: PrinterMessage[]): void {
    this.flushGarbage(out);
    this.buf.splice(0, n);
    this.base += n;
  }

  private addGarbage(byte: number, at: number, reason: string, out: PrinterMessage[]): void {
    if (this.garbage.length > 0 && (reason !== this.garbageReason || this.garbage.length >= MAX_GARBAGE_RUN || at !== this.garbageAt + this.garbage.length))
      this.flushGarbage(out);
    if (this.garbage.length === 0) {
      this.garbageAt = at;
      this.garbageReason = reason;
    }
    this.garbage.push(byte);
  }

  private flushGarbage(out: PrinterMessage[]): void {
    if (this.garbage.length === 0) return;
    out.push({ kind: 'garbage', bytes: Uint8Array.from(this.garbage), offset: this.garbageAt, reason: this.garbageReason });
    this.garbage = [];
  }
}

// ---------------------------------------------------------------------------------------------
// Status → faults
// ---------------------------------------------------------------------------------------------

export interface PrinterFaults {
  faults: FaultCode[];
  warnings: FaultCode[];
}

/**
 * Map a (possibly partial) status to fault codes. Specific causes win: an offline printer with its
 * cover open reports PRINTER_COVER_OPEN only; PRINTER_OFFLINE is reported when the printer is offline
 * (or in a recoverable / auto-recoverable error, or reports "an error occurred") and nothing more
 * specific explains it. Near end is a warning.
 */
export function faultsOf(s: PrinterStatusPart): PrinterFaults {
  const faults: FaultCode[] = [];
  if (s.paperEnd || s.stoppedByPaperEnd) faults.push(FaultCode.PRINTER_PAPER_OUT);
  if (s.coverOpen) faults.push(FaultCode.PRINTER_COVER_OPEN);
  if (s.cutterError) faults.push(FaultCode.PRINTER_CUTTER_ERROR);
  if (s.paperJam) faults.push(FaultCode.PRINTER_PAPER_JAM);
  if (s.unrecoverableError) faults.push(FaultCode.PRINTER_UNRECOVERABLE_ERROR);
  const generic =
    s.offline || s.waitingOnlineRecovery || s.recoverableError || s.autoRecoverableError || s.errorOccurred || s.headTemperatureError || s.supplyVoltageError;
  if (generic && faults.length === 0) faults.push(FaultCode.PRINTER_OFFLINE);
  const warnings: FaultCode[] = [];
  if (s.paperNearEnd && !faults.includes(FaultCode.PRINTER_PAPER_OUT)) warnings.push(FaultCode.PRINTER_PAPER_NEAR_END);
  return { faults, warnings };
}

/**
 * Issue 11, no false faults: why one status read (the replies to DLE EOT 1–4, and Custom's full
 * status on presenter printers) cannot be believed — its bytes contradict each other, as line noise
 * taken for replies does — or undefined when it is consistent. Only contradictions every printer
 * must avoid are checked: DLE EOT 2 "an error occurred" against the causes DLE EOT 3 lists, and
 * the Custom full status against DLE EOT 2/4 for the same sensors (paper end, cover).
 */
export function statusContradiction(s: PrinterStatusPart): string | undefined {
  const causes = [s.recoverableError, s.cutterError, s.unrecoverableError, s.autoRecoverableError];
  if (s.errorOccurred !== undefined && causes.every((c) => c !== undefined)) {
    const anyCause = causes.some(Boolean);
    if (s.errorOccurred !== anyCause)
      return anyCause ? 'DLE EOT 3 reports an error but DLE EOT 2 says none occurred' : 'DLE EOT 2 says an error occurred but DLE EOT 3 names no cause';
  }
  return undefined;
}

/** The same read's paper-end and cover bits from Custom's full status and from DLE EOT 2/4 must agree. */
export function customStatusContradiction(custom: PrinterStatusPart, epson: PrinterStatusPart): string | undefined {
  if (custom.paperEnd !== undefined && epson.paperEnd !== undefined && custom.paperEnd !== epson.paperEnd) return 'the Custom full status and DLE EOT 4 disagree on paper end';
  if (custom.coverOpen !== undefined && epson.coverOpen !== undefined && custom.coverOpen !== epson.coverOpen) return 'the Custom full status and DLE EOT 2 disagree on the cover';
  return undefined;
}

/** The fault to reject with when several are present: the one a person must fix first. */
export function primaryFault(faults: readonly FaultCode[]): FaultCode | undefined {
  const order: FaultCode[] = [
    FaultCode.PRINTER_NO_RESPONSE,
    FaultCode.PRINTER_COVER_OPEN,
    FaultCode.PRINTER_PAPER_OUT,
    FaultCode.PRINTER_PAPER_JAM,
    FaultCode.PRINTER_CUTTER_ERROR,
    FaultCode.PRINTER_UNRECOVERABLE_ERROR,
    FaultCode.PRINTER_OFFLINE,
  ];
  return order.find((f) => faults.includes(f)) ?? faults[0];
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0').toUpperCase();
}
