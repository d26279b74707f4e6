import { EventEmitter } from 'node:events';
import iconv from 'iconv-lite';
import { z } from 'zod';
import type { ByteLink } from '../../drivers/transport/link.ts';
import { PRINTER_PROFILES, type PrinterProfileName } from '../../drivers/printer/profiles.ts';
import {
  BUFFER_CLEARED_REPLY,
  HEALTHY_STATUS,
  type PrinterStatus,
  encodeAsb,
  encodeCompletionReply,
  encodeCustomFullStatus,
  encodeRealtimeStatus,
  faultsOf,
} from '../../drivers/printer/status.ts';
import { SimControlError } from '../control-error.ts';
import { EscPosParser, type EscPosEvent } from './escpos-parser.ts';
import { type SimAlign, type SimLine, type SimReceipt, type SimSegment, receiptHtml, receiptText } from './render.ts';

/**
 * A simulated ESC/POS receipt printer that speaks the same bytes as the real one.
 *
 * Receive side (at wire speed): the ESC/POS parser; real-time commands (DLE EOT, DLE ENQ, DLE DC4)
 * are answered at once; GS a is applied at once (the printer then reports its status, as Epson and
 * Citizen document); everything else builds lines that go into the print queue.
 * Mechanism (at `speedMmPerSec`): takes queued lines off the roll, cuts, and answers GS ( H only when
 * every line before it has come out — the completion signal the driver waits for.
 *
 * Physical model: a paper roll of `rollLengthMm` with a near-end sensor at `nearEndMm`, a cover, an
 * autocutter, an online switch and, as `custom-vkp80`, a presenter whose "ticket in output" sensor
 * stays on until the ticket is taken. Status changes are sent as ASB when enabled (GS a n ≠ 0).
 *
 * Fault injection (methods and `control()`): paper out after N mm, near end, cover open, cutter jam,
 * offline, unresponsive (power off), and "prints nothing":
 *  - `stalled` (default): what a printer with a dead paper motor or a wedged mechanism controller does —
 *    the interface keeps working, DLE EOT / ASB say all is well (no sensor sees the fault), the job
 *    sits in the buffer and never prints, so the GS ( H completion reply never comes. The driver
 *    must time out and reject PRINT_NOT_DELIVERED.
 *  - `paper-stuck`: the head prints and the firmware believes it is done (completion is sent), but
 *    the paper never leaves (stuck at the exit, no jam sensor). Only a presenter's ticket-in-output
 *    sensor can tell; on a printer without one this failure is undetectable by any ESC/POS status.
 */

export interface SimulatedPrinterOptions {
  profile?: PrinterProfileName;
  rollLengthMm?: number;
  nearEndMm?: number;
  /** mechanism speed; the default is fast for tests, a real TM-T88 is 300 mm/s */
  speedMmPerSec?: number;
  /** time one cut takes (ms) */
  cutMs?: number;
  /** how many finished receipts to keep */
  keepReceipts?: number;
  /** presenter: take the ticket by itself this long after it appears (null: wait for takeTicket()) */
  autoTakeAfterMs?: number | null;
}

type PrintOp =
  | { kind: 'line'; line: SimLine; dots: number }
  | { kind: 'cut'; partial: boolean }
  | { kind: 'completion'; id: string };

const DOTS_PER_MM = 8;
const LINE_WIDTH_DOTS = 576;
const MAX_QUEUE = 100_000;

export type PrintsNothingMode = 'off' | 'stalled' | 'paper-stuck';

export interface SimulatedPrinterState {
  profile: PrinterProfileName;
  attached: boolean;
  status: PrinterStatus;
  faults: string[];
  warnings: string[];
  paper: { remainingMm: number; rollLengthMm: number; nearEndMm: number };
  injected: { cutterJam: boolean; offline: boolean; unresponsive: boolean; printsNothing: PrintsNothingMode; nearEnd: boolean };
  asbMask: number;
  queue: { ops: number; printing: boolean };
  ticketInOutput: boolean;
  receiptsPrinted: number;
  lastReceipt: { seq: number; outcome: string; completionIds: string[]; text: string } | null;
  completions: { id: string; at: number }[];
  counters: { bytesReceived: number; unknownCommands: number; fourByteSequences: number; bufferClears: number; droppedOps: number; statusReplies: number };
}

export interface SimulatedPrinterEvents {
  status: [status: PrinterStatus];
  /** the completion reply was written (performance.now() time: the printer's physical completion) */
  completion: [event: { id: string; at: number }];
  receipt: [receipt: SimReceipt];
}

export class SimulatedPrinter extends EventEmitter<SimulatedPrinterEvents> {
  readonly profile: PrinterProfileName;
  private readonly presenter: boolean;
  private readonly customStatus: boolean;
  private readonly bufferClearSupported: boolean;
  private rollLengthMm: number;
  private nearEndMm: number;
  speedMmPerSec: number;
  cutMs: number;
  private readonly keepReceipts: number;
  autoTakeAfterMs: number | null;

  // physical state
  private remainingMm: number;
  private coverOpen = false;
  private cutterJam = false;
  private cutterError = false;
  private offlineForced = false;
  private unresponsive = false;
  private printsNothing: PrintsNothingMode = 'off';
  private nearEndForced = false;
  private ticketInOutput = false;
  private takeTimer: NodeJS.Timeout | null = null;

  // interface state
  private link: ByteLink | null = null;
  private unsubscribe: (() => void) | null = null;
  private parser = new EscPosParser();
  private tx: Promise<void> = Promise.resolve();
  private asbMask = 0;
  private lastAsb = '';

  // formatting state (receive side)
  private kanji = false;
  private kanjiLead: number | null = null;
  /** bytes 3–4 of a GB18030 4-byte sequence still to swallow */
  private fourByteRest = 0;
  private bold = false;
  private underline = false;
  private width = 1;
  private height = 1;
  private align: SimAlign = 'left';
  private lineAlign: SimAlign | null = null;
  private codePage = 'cp437';
  private fontB = false;
  private lineSpacing = 30;
  private segments: SimSegment[] = [];
  private lineDots = 0;
  private qr = { data: '', moduleSize: 3, ec: 'L' };

  // mechanism
  private queue: PrintOp[] = [];
  private pumping = false;
  private current: SimReceipt;
  private receipts: SimReceipt[] = [];
  private seq = 0;
  private completions: { id: string; at: number }[] = [];
  private counters = { bytesReceived: 0, unknownCommands: 0, fourByteSequences: 0, bufferClears: 0, droppedOps: 0, statusReplies: 0 };

  constructor(opts: SimulatedPrinterOptions = {}) {
    super();
    this.profile = opts.profile ?? 'epson-generic';
    const caps = PRINTER_PROFILES[this.profile].capabilities;
    this.presenter = caps.presenter;
    this.customStatus = caps.customFullStatus;
    this.bufferClearSupported = caps.bufferClear;
    this.rollLengthMm = opts.rollLengthMm ?? 80_000;
    this.nearEndMm = opts.nearEndMm ?? 3_000;
    this.speedMmPerSec = opts.speedMmPerSec ?? 20_000;
    this.cutMs = opts.cutMs ?? 0;
    this.keepReceipts = opts.keepReceipts ?? 20;
    this.autoTakeAfterMs = opts.autoTakeAfterMs ?? null;
    this.remainingMm = this.rollLengthMm;
    this.current = this.newReceipt();
  }

  // -------------------------------------------------------------------------------------------
  // link
  // -------------------------------------------------------------------------------------------

  /** Start answering on `link` (the sim side of a PTY pair, or a TCP connection). Opens it if needed. */
  attach(link: ByteLink): void {
    this.detach();
    this.link = link;
    this.unsubscribe = link.onData((chunk) => this.receive(chunk));
    if (link.health.state !== 'up') link.open().catch(() => undefined);
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.link = null;
  }

  private send(bytes: Uint8Array): void {
    const link = this.link;
    if (!link || this.unresponsive) return;
    const copy = Uint8Array.from(bytes);
    this.tx = this.tx.then(() => link.write(copy)).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // status
  // -------------------------------------------------------------------------------------------

  private get paperEnd(): boolean {
    return this.remainingMm <= 0;
  }

  status(): PrinterStatus {
    const paperEnd = this.paperEnd;
    const offline = this.offlineForced || this.coverOpen || paperEnd || this.cutterError;
    return {
      ...HEALTHY_STATUS,
      offline,
      coverOpen: this.coverOpen,
      paperEnd,
      paperNearEnd: this.nearEndForced || this.remainingMm <= this.nearEndMm,
      stoppedByPaperEnd: paperEnd,
      errorOccurred: this.cutterError,
      cutterError: this.cutterError,
      ticketInOutput: this.ticketInOutput,
      motorRunning: this.pumping,
    };
  }

  /** Send ASB if enabled and the status it reports has changed (Epson: on every change of an enabled item). */
  private statusChanged(): void {
    this.emit('status', this.status());
    if (this.asbMask === 0) return;
    const asb = encodeAsb(this.status());
    const key = Buffer.from(asb).toString('hex');
    if (key === this.lastAsb) return;
    this.lastAsb = key;
    this.send(asb);
  }

  // -------------------------------------------------------------------------------------------
  // receive side
  // -------------------------------------------------------------------------------------------

  /** Bytes from the host. Public so codec-level tests can feed bytes without a link. */
  receive(chunk: Uint8Array): void {
    if (this.unresponsive) return;
    this.counters.bytesReceived += chunk.length;
    for (const ev of this.parser.push(chunk)) this.handle(ev);
    this.pump();
  }

  private handle(ev: EscPosEvent): void {
    switch (ev.kind) {
      case 'text':
        this.text(ev.bytes);
        return;
      case 'control':
        if (ev.code === 'LF') this.printLine(true);
        else if (ev.code === 'HT') this.addAscii(' '.repeat(8 - (Math.round(this.lineDots / this.charDots()) % 8)));
        else if (ev.code === 'CAN') this.discardLine();
        return; // CR (no auto line feed) and FF (standard mode) do nothing
      case 'unknown':
        this.counters.unknownCommands++;
        return;
      case 'command':
        this.command(ev.name, ev.params, ev.skipped);
        return;
    }
  }

  private charDots(): number {
    return (this.fontB ? 9 : 12) * this.width;
  }

  private text(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (this.kanji) {
        if (this.fourByteRest > 0) {
          this.fourByteRest--;
          continue;
        }
        if (this.kanjiLead !== null) {
          const lead = this.kanjiLead;
          this.kanjiLead = null;
          if (b >= 0x30 && b <= 0x39) {
            // a GB18030 4-byte sequence: a GBK font prints the pair as garbage
            this.counters.fourByteSequences++;
            this.current.fourByteSequences++;
            this.addGlyph('\uFFFD', true);
            this.fourByteRest = 2;
          } else this.addGlyph(iconv.decode(Buffer.from([lead, b]), 'gb18030'), true);
          continue;
        }
        if (b >= 0x81 && b <= 0xfe) {
          this.kanjiLead = b;
          continue;
        }
      }
      if (b < 0x80) this.addGlyph(String.fromCharCode(b), false);
      else this.addGlyph(iconv.decode(Buffer.from([b]), this.codePage), false);
    }
  }

  private addAscii(s: string): void {
    for (const ch of s) this.addGlyph(ch, false);
  }

  private addGlyph(ch: string, wide: boolean): void {
    const dots = (wide ? 24 : this.fontB ? 9 : 12) * this.width;
    if (this.lineDots + dots > LINE_WIDTH_DOTS && this.lineDots > 0) this.printLine(false);
    if (this.lineAlign === null) this.lineAlign = this.align;
    const last = this.segments[this.segments.length - 1];
    if (last && last.bold === this.bold && last.underline === this.underline && last.width === this.width && last.height === this.height && last.wide === wide) {
      last.text += ch;
      last.cols += (wide ? 2 : 1) * this.width;
    } else {
      this.segments.push({ text: ch, bold: this.bold, underline: this.underline, width: this.width, height: this.height, wide, cols: (wide ? 2 : 1) * this.width });
    }
    this.lineDots += dots;
  }

  /** LF (or auto wrap): the line buffer becomes a printed line in the queue. */
  private printLine(feedIfEmpty: boolean): void {
    if (this.segments.length === 0) {
      if (feedIfEmpty) this.enqueue({ kind: 'line', line: { kind: 'feed', dots: this.lineSpacing }, dots: this.lineSpacing });
      this.lineAlign = null;
      return;
    }
    const tall = Math.max(...this.segments.map((s) => s.height));
    const dots = Math.max(this.lineSpacing, 24 * tall + 6);
    this.enqueue({ kind: 'line', line: { kind: 'text', align: this.lineAlign ?? this.align, segments: this.segments }, dots });
    this.segments = [];
    this.lineDots = 0;
    this.lineAlign = null;
  }

  private discardLine(): void {
    this.segments = [];
    this.lineDots = 0;
    this.lineAlign = null;
    this.kanjiLead = null;
    this.fourByteRest = 0;
  }

  private flushLine(): void {
    if (this.segments.length > 0) this.printLine(false);
  }

  private feedDots(dots: number): void {
    if (dots > 0) this.enqueue({ kind: 'line', line: { kind: 'feed', dots }, dots });
  }

  private initialize(): void {
    // ESC @: clears the line buffer and resets modes; keeps the receive buffer, ASB and the queue
    this.discardLine();
    this.kanji = false;
    this.bold = false;
    this.underline = false;
    this.width = 1;
    this.height = 1;
    this.align = 'left';
    this.codePage = 'cp437';
    this.fontB = false;
    this.lineSpacing = 30;
  }

  private command(name: string, p: Uint8Array, skipped?: number): void {
    const p0 = p[0] ?? 0;
    switch (name) {
      case 'ESC @':
        this.initialize();
        return;
      case 'ESC !':
        this.fontB = (p0 & 0x01) !== 0;
        this.bold = (p0 & 0x08) !== 0;
        this.height = p0 & 0x10 ? 2 : 1;
        this.width = p0 & 0x20 ? 2 : 1;
        this.underline = (p0 & 0x80) !== 0;
        return;
      case 'ESC E':
        this.bold = (p0 & 1) === 1;
        return;
      case 'ESC -':
      case 'FS -':
        this.underline = p0 === 1 || p0 === 2 || p0 === 0x31 || p0 === 0x32;
        return;
      case 'ESC a':
        this.align = p0 === 1 || p0 === 0x31 ? 'center' : p0 === 2 || p0 === 0x32 ? 'right' : 'left';
        if (this.segments.length === 0) this.lineAlign = null;
        return;
      case 'ESC M':
        this.fontB = p0 === 1 || p0 === 0x31;
        return;
      case 'ESC t':
        this.codePage = ({ 0: 'cp437', 2: 'cp850', 3: 'cp860', 16: 'cp1252', 17: 'cp866', 19: 'cp858' } as Record<number, string>)[p0] ?? 'cp437';
        return;
      case 'ESC 2':
        this.lineSpacing = 30;
        return;
      case 'ESC 3':
        this.lineSpacing = p0;
        return;
      case 'ESC d':
        this.printLine(true);
        this.feedDots(p0 * this.lineSpacing - this.lineSpacing);
        return;
      case 'ESC J':
        this.flushLine();
        this.feedDots(p0);
        return;
      case 'GS !':
        this.width = ((p0 >> 4) & 7) + 1;
        this.height = (p0 & 7) + 1;
        return;
      case 'FS &':
        this.kanji = true;
        return;
      case 'FS .':
        this.kanji = false;
        this.kanjiLead = null;
        this.fourByteRest = 0;
        return;
      case 'GS V': {
        this.flushLine();
        const m = p0;
        if (m === 65 || m === 66 || m === 103 || m === 104) this.feedDots(p[1] ?? 0);
        this.enqueue({ kind: 'cut', partial: m === 1 || m === 0x31 || m === 66 || m === 98 || m === 104 });
        return;
      }
      case 'GS a':
        this.asbMask = p0;
        this.lastAsb = '';
        if (p0 !== 0) this.statusChanged();
        return;
      case 'GS r': {
        // GS r n: n=1/49 paper sensor (bits 0,1 near end; 2,3 paper end), n=2/50 drawer; pattern 0xx0xxxx
        const s = this.status();
        if (p0 === 1 || p0 === 49) this.send(Uint8Array.of((s.paperNearEnd ? 0x03 : 0) | (s.paperEnd ? 0x0c : 0)));
        else if (p0 === 2 || p0 === 50) this.send(Uint8Array.of(0));
        return;
      }
      case 'GS I': {
        // GS I n: 1 model ID, 2 type ID, 3 version; 65–69 as "5F … 00" text blocks
        const texts: Record<number, string> = { 65: '1.00', 66: 'ZIZHU-SIM', 67: this.profile === 'custom-vkp80' ? 'VKP80-SIM' : 'TM-SIM', 68: '00000001', 69: 'GB18030' };
        if (p0 === 1 || p0 === 49) this.send(Uint8Array.of(0x20));
        else if (p0 === 2 || p0 === 50) this.send(Uint8Array.of(0x02));
        else if (p0 === 3 || p0 === 51) this.send(Uint8Array.of(0x10));
        else if (texts[p0]) this.send(Uint8Array.from([0x5f, ...Buffer.from(texts[p0]!, 'latin1'), 0]));
        return;
      }
      case 'GS ( k':
        this.qrCommand(p);
        return;
      case 'GS ( H':
        // p = [pL, pH, fn, m, d1..d4]
        if (p[2] === 0x30 && p[3] === 0x30 && p.length === 8) {
          const id = String.fromCharCode(...p.subarray(4, 8));
          if ([...p.subarray(4, 8)].every((b) => b >= 0x20 && b <= 0x7e)) {
            this.flushLine();
            this.enqueue({ kind: 'completion', id });
          }
        }
        return;
      case 'ESC *':
      case 'GS v 0':
      case 'GS Q 0': {
        this.flushLine();
        const heightDots = name === 'ESC *' ? (p0 >= 32 ? 24 : 8) : (p[4] ?? 0) + (p[5] ?? 0) * 256;
        const widthDots = name === 'ESC *' ? (p[1] ?? 0) + (p[2] ?? 0) * 256 : ((p[2] ?? 0) + (p[3] ?? 0) * 256) * 8;
        this.enqueue({ kind: 'line', line: { kind: 'image', align: this.align, widthDots, heightDots, command: name }, dots: heightDots });
        void skipped;
        return;
      }
      case 'DLE EOT':
        this.realtimeStatus(p0);
        return;
      case 'DLE ENQ':
        // 1: recover from a recoverable error and restart; 2: recover after clearing the buffers
        if ((p0 === 1 || p0 === 2) && this.cutterError && !this.cutterJam) {
          this.cutterError = false;
          if (p0 === 2) this.clearBuffers();
          this.statusChanged();
        }
        return;
      case 'DLE DC4':
        if (p0 === 8 && this.bufferClearSupported && [...p].join(',') === '8,1,3,20,1,6,2,8') {
          this.clearBuffers();
          this.counters.bufferClears++;
          this.send(BUFFER_CLEARED_REPLY);
        }
        return;
      default:
        return; // understood (length known), no effect on a receipt: ESC p, GS h, GS w, GS k, ESC SP …
    }
  }

  private qrCommand(p: Uint8Array): void {
    // p = [pL, pH, cn, fn, ...]
    const cn = p[2];
    const fn = p[3];
    if (cn !== 0x31) return;
    if (fn === 0x43) this.qr.moduleSize = p[4] ?? 3;
    else if (fn === 0x45) this.qr.ec = ({ 0x30: 'L', 0x31: 'M', 0x32: 'Q', 0x33: 'H' } as Record<number, string>)[p[4] ?? 0x30] ?? 'L';
    else if (fn === 0x50) this.qr.data = new TextDecoder().decode(p.subarray(5));
    else if (fn === 0x51) {
      this.flushLine();
      const modules = 21 + 4 * Math.min(39, Math.floor(Buffer.byteLength(this.qr.data) / 20));
      this.enqueue({
        kind: 'line',
        line: { kind: 'qr', align: this.align, data: this.qr.data, moduleSize: this.qr.moduleSize, errorCorrection: this.qr.ec },
        dots: modules * this.qr.moduleSize,
      });
    }
  }

  private realtimeStatus(n: number): void {
    const s = this.status();
    if (n >= 1 && n <= 4) {
      this.counters.statusReplies++;
      this.send(Uint8Array.of(encodeRealtimeStatus(n as 1 | 2 | 3 | 4, s)));
    } else if (n === 20 && this.customStatus) {
      this.counters.statusReplies++;
      this.send(encodeCustomFullStatus(s));
    }
    // other n (7, 8, 18, or 20 on an Epson) are not answered, as on the real printers
  }

  /** DLE DC4 fn 8 / DLE ENQ 2: drop everything not yet printed; the receipt in progress ends here. */
  private clearBuffers(): void {
    this.queue = [];
    this.discardLine();
    if (this.current.lines.length > 0) this.finishReceipt(null, 'aborted');
  }

  // -------------------------------------------------------------------------------------------
  // mechanism
  // -------------------------------------------------------------------------------------------

  private enqueue(op: PrintOp): void {
    if (this.queue.length >= MAX_QUEUE) {
      this.counters.droppedOps++;
      return;
    }
    this.queue.push(op);
  }

  private canPrint(): boolean {
    return !this.coverOpen && !this.paperEnd && !this.cutterError && !this.offlineForced && !this.unresponsive && this.printsNothing !== 'stalled';
  }

  /** Run the mechanism until the queue is empty or something stops it. */
  private pump(): void {
    if (this.pumping || this.queue.length === 0 || !this.canPrint()) return;
    this.pumping = true;
    void this.run().finally(() => {
      this.pumping = false;
      if (this.customStatus) this.emit('status', this.status());
      // bytes may have arrived while the last op finished
      if (this.queue.length > 0 && this.canPrint()) this.pump();
    });
  }

  private async run(): Promise<void> {
    let debtMs = 0;
    while (this.queue.length > 0 && this.canPrint()) {
      const op = this.queue[0]!;
      if (op.kind === 'line') {
        const mm = op.dots / DOTS_PER_MM;
        debtMs += (mm / this.speedMmPerSec) * 1000;
        if (debtMs >= 2) {
          await sleep(debtMs);
          debtMs = 0;
          if (!this.canPrint() || this.queue[0] !== op) continue;
        }
        if (this.printsNothing !== 'paper-stuck') {
          if (this.remainingMm < mm) {
            // the roll ends under this line: the sensor trips, printing stops, the line stays queued
            this.remainingMm = 0;
            this.current.lines.push({ kind: 'note', text: 'paper ran out here' });
            this.statusChanged();
            break;
          }
          const wasNear = this.remainingMm <= this.nearEndMm;
          this.remainingMm -= mm;
          if (!wasNear && this.remainingMm <= this.nearEndMm) this.statusChanged();
        }
        this.current.lines.push(op.line);
        this.current.paperMm += mm;
        this.queue.shift();
      } else if (op.kind === 'cut') {
        if (this.cutMs > 0 || debtMs > 0) {
          await sleep(this.cutMs + debtMs);
          debtMs = 0;
          if (!this.canPrint() || this.queue[0] !== op) continue;
        }
        if (this.cutterJam) {
          this.cutterError = true;
          this.current.lines.push({ kind: 'note', text: 'cutter jammed' });
          this.statusChanged();
          break;
        }
        this.queue.shift();
        this.cut(op.partial);
      } else {
        if (debtMs > 0) {
          await sleep(debtMs);
          debtMs = 0;
          if (!this.canPrint() || this.queue[0] !== op) continue;
        }
        this.queue.shift();
        this.complete(op.id);
      }
    }
  }

  private cut(partial: boolean): void {
    const stuck = this.printsNothing === 'paper-stuck';
    if (this.presenter && !stuck) {
      const prev = this.receipts.find((r) => r.outcome === 'in-output');
      if (prev) prev.outcome = 'retracted';
      this.finishReceipt(partial ? 'partial' : 'full', 'in-output');
      this.setTicket(true);
    } else {
      this.finishReceipt(partial ? 'partial' : 'full', stuck ? 'stuck' : 'delivered');
    }
  }

  private complete(id: string): void {
    // the completion belongs to the receipt that just finished, or to the one in progress
    const printing = this.current.lines.some((l) => l.kind !== 'feed');
    const target = printing || this.receipts.length === 0 ? this.current : this.receipts[this.receipts.length - 1]!;
    target.completionIds.push(id);
    const at = performance.now();
    this.completions.push({ id, at });
    if (this.completions.length > 50) this.completions.shift();
    this.send(encodeCompletionReply(id));
    this.emit('completion', { id, at });
  }

  private newReceipt(): SimReceipt {
    return { seq: ++this.seq, lines: [], cut: null, completionIds: [], outcome: 'printing', paperMm: 0, startedAt: Date.now(), finishedAt: null, fourByteSequences: 0 };
  }

  private finishReceipt(cut: 'full' | 'partial' | null, outcome: SimReceipt['outcome']): void {
    const r = this.current;
    r.cut = cut;
    r.outcome = r.lines.length === 0 && outcome === 'delivered' ? 'delivered' : outcome;
    r.finishedAt = Date.now();
    this.receipts.push(r);
    if (this.receipts.length > this.keepReceipts) this.receipts.shift();
    this.current = this.newReceipt();
    this.emit('receipt', r);
  }

  private setTicket(on: boolean): void {
    if (this.takeTimer) {
      clearTimeout(this.takeTimer);
      this.takeTimer = null;
    }
    this.ticketInOutput = on;
    this.emit('status', this.status());
    if (on && this.autoTakeAfterMs !== null) this.takeTimer = setTimeout(() => this.takeTicket(), this.autoTakeAfterMs);
  }

  // -------------------------------------------------------------------------------------------
  // fault injection and actions
  // -------------------------------------------------------------------------------------------

  /** The roll ends after `mm` more millimetres (0: out of paper now). */
  paperOutAfter(mm: number): void {
    this.remainingMm = Math.max(0, mm);
    this.statusChanged();
  }
  /** A new roll: clears paper end and near end; printing resumes with whatever is still queued. */
  loadPaper(lengthMm = this.rollLengthMm): void {
    this.rollLengthMm = lengthMm;
    this.remainingMm = lengthMm;
    this.nearEndForced = false;
    this.statusChanged();
    this.pump();
  }
  /** Force the near-end sensor on (or back to the roll's real state). */
  setNearEnd(on = true): void {
    this.nearEndForced = on;
    this.statusChanged();
  }
  setCoverOpen(open: boolean): void {
    this.coverOpen = open;
    this.statusChanged();
    this.pump();
  }
  /** The next cut jams the autocutter (autocutter error, printer offline). */
  jamCutter(): void {
    this.cutterJam = true;
  }
  /** Remove the jam; the error clears (as after opening and closing the cover) and printing resumes. */
  clearCutterJam(): void {
    this.cutterJam = false;
    this.cutterError = false;
    this.statusChanged();
    this.pump();
  }
  setOffline(offline: boolean): void {
    this.offlineForced = offline;
    this.statusChanged();
    this.pump();
  }
  /** Power off (true): answers nothing, prints nothing. Power on clears ASB, like a real reset. */
  setUnresponsive(on: boolean): void {
    this.unresponsive = on;
    if (!on) {
      this.asbMask = 0;
      this.lastAsb = '';
      this.parser = new EscPosParser();
      this.initialize();
      this.pump();
    }
  }
  setPrintsNothing(mode: PrintsNothingMode | boolean): void {
    this.printsNothing = mode === true ? 'stalled' : mode === false ? 'off' : mode;
    this.pump();
  }
  /** Presenter: the customer takes the ticket. Returns false when there was none. */
  takeTicket(): boolean {
    if (!this.ticketInOutput) return false;
    const r = [...this.receipts].reverse().find((x) => x.outcome === 'in-output');
    if (r) r.outcome = 'taken';
    this.setTicket(false);
    return true;
  }
  /** Back to a healthy printer with a full roll (receipts are kept). */
  reset(): void {
    this.coverOpen = false;
    this.cutterJam = false;
    this.cutterError = false;
    this.offlineForced = false;
    this.unresponsive = false;
    this.printsNothing = 'off';
    this.nearEndForced = false;
    this.remainingMm = this.rollLengthMm;
    this.queue = [];
    this.discardLine();
    if (this.ticketInOutput) this.takeTicket();
    this.statusChanged();
  }

  // -------------------------------------------------------------------------------------------
  // looking at it
  // -------------------------------------------------------------------------------------------

  /** Finished receipts, oldest first (at most `keepReceipts`). */
  receiptList(): readonly SimReceipt[] {
    return this.receipts;
  }
  lastReceipt(): SimReceipt | undefined {
    return this.receipts[this.receipts.length - 1];
  }
  /** The receipt being printed now (no cut yet). */
  currentReceipt(): SimReceipt {
    return this.current;
  }
  receiptText(r: SimReceipt | undefined = this.lastReceipt()): string {
    return r ? receiptText(r) : '';
  }
  receiptHtml(r: SimReceipt | undefined = this.lastReceipt()): string {
    return r ? receiptHtml(r) : '';
  }

  state(): SimulatedPrinterState {
    const status = this.status();
    const { faults, warnings } = faultsOf(status);
    const last = this.lastReceipt();
    return {
      profile: this.profile,
      attached: this.link !== null,
      status,
      faults,
      warnings,
      paper: { remainingMm: Math.round(this.remainingMm * 10) / 10, rollLengthMm: this.rollLengthMm, nearEndMm: this.nearEndMm },
      injected: { cutterJam: this.cutterJam, offline: this.offlineForced, unresponsive: this.unresponsive, printsNothing: this.printsNothing, nearEnd: this.nearEndForced },
      asbMask: this.asbMask,
      queue: { ops: this.queue.length, printing: this.pumping },
      ticketInOutput: this.ticketInOutput,
      receiptsPrinted: this.seq - 1,
      lastReceipt: last ? { seq: last.seq, outcome: last.outcome, completionIds: last.completionIds, text: receiptText(last) } : null,
      completions: this.completions.slice(-10),
      counters: { ...this.counters },
    };
  }

  /**
   * The control API: `paper-out {afterMm?}`, `load-paper {lengthMm?}`, `near-end {on?}`, `cover-open`,
   * `cover-close`, `cutter-jam`, `cutter-clear`, `offline {on?}`, `online`, `prints-nothing {mode?}`,
   * `unresponsive {on?}`, `take-ticket`, `reset`, `receipts {last?}`, `speed {mmPerSec}`.
   */
  control(action: string, body: unknown): unknown {
    const parse = <T extends z.ZodType>(schema: T): z.infer<T> => {
      const r = schema.safeParse(body ?? {});
      if (!r.success) {
        const i = r.error.issues[0]!;
        throw new SimControlError(`printer ${action}: ${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
      }
      return r.data;
    };
    const none = z.object({}).strict();
    const on = z.object({ on: z.boolean().optional() }).strict();
    switch (action) {
      case 'paper-out':
        this.paperOutAfter(parse(z.object({ afterMm: z.number().min(0).max(1_000_000).optional() }).strict()).afterMm ?? 0);
        return null;
      case 'load-paper':
        this.loadPaper(parse(z.object({ lengthMm: z.number().positive().max(1_000_000).optional() }).strict()).lengthMm);
        return null;
      case 'near-end':
        this.setNearEnd(parse(on).on ?? true);
        return null;
      case 'cover-open':
        parse(none);
        this.setCoverOpen(true);
        return null;
      case 'cover-close':
        parse(none);
        this.setCoverOpen(false);
        return null;
      case 'cutter-jam':
        parse(none);
        this.jamCutter();
        return null;
      case 'cutter-clear':
        parse(none);
        this.clearCutterJam();
        return null;
      case 'offline':
        this.setOffline(parse(on).on ?? true);
        return null;
      case 'online':
        parse(none);
        this.setOffline(false);
        return null;
      case 'prints-nothing':
        this.setPrintsNothing(parse(z.object({ mode: z.enum(['off', 'stalled', 'paper-stuck']).optional() }).strict()).mode ?? 'stalled');
        return null;
      case 'unresponsive':
        this.setUnresponsive(parse(on).on ?? true);
        return null;
      case 'take-ticket':
        parse(none);
        return { taken: this.takeTicket() };
      case 'reset':
        parse(none);
        this.reset();
        return null;
      case 'speed':
        this.speedMmPerSec = parse(z.object({ mmPerSec: z.number().positive().max(1_000_000) }).strict()).mmPerSec;
        return null;
      case 'receipts': {
        const last = parse(z.object({ last: z.number().int().min(1).max(100).optional() }).strict()).last ?? 1;
        return this.receipts.slice(-last).map((r) => ({ seq: r.seq, outcome: r.outcome, cut: r.cut, completionIds: r.completionIds, text: receiptText(r), html: receiptHtml(r) }));
      }
      default:
        throw new SimControlError(
          `printer: unknown action "${action}" (have: paper-out, load-paper, near-end, cover-open, cover-close, cutter-jam, cutter-clear, offline, online, prints-nothing, unresponsive, take-ticket, reset, speed, receipts)`,
        );
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
