import { EventEmitter } from 'node:events';
import { DeviceFault, FaultCode } from '../../contracts/faults.ts';
import type { ByteLink, LinkHealth, LinkState } from '../transport/link.ts';
import { classifyScan, redactScan, type ScanKind } from './classify.ts';
import {
  DuplicateFilter,
  HidPosAssembler,
  LineAssembler,
  ScannerProtocolError,
  decodeScanText,
  type HidPosLayoutName,
  type LineTerminator,
} from './protocol.ts';
import { MIN_CODE_BYTES, noiseByteAt, whyNotAScan } from './plausible.ts';
import { LineNoise, lineNoiseWarning, type LineNoiseOptions, type LineNoiseReport } from '../transport/line-noise.ts';

/** Where the driver writes what it does. Scanned credentials are redacted before they get here. */
export interface ScannerLog {
  debug?(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export type ScannerMode = 'hid-pos' | 'serial';

export interface QrScannerOptions {
  /** an open (or opening) link; the driver neither opens nor closes it */
  link: ByteLink;
  /** 'hid-pos': the link is a HidLink (one report per chunk); 'serial': a USB-CDC/RS-232 line stream */
  mode: ScannerMode;
  /** HID-POS report layout, default 'honeywell' */
  hidLayout?: HidPosLayoutName;
  /** serial suffix the scanner is configured to send, default 'CR' */
  terminator?: LineTerminator;
  /** the same code again within this many ms is not reported again, default 1500 (0 = report every read) */
  duplicateWindowMs?: number;
  /** longest code accepted, default 4096 bytes */
  maxCodeBytes?: number;
  /** clock, for tests */
  now?: () => number;
  /** shortest code accepted, default 4 bytes (plausible.ts) */
  minCodeBytes?: number;
  /** a code read within this long after line noise is not believed (it may be noise too), default 500 ms */
  quietBeforeScanMs?: number;
  /** a half code older than this is dropped when more bytes come (a scanner sends a code in one go), default 250 ms */
  partialCodeMaxAgeMs?: number;
  /** how line noise is judged persistent (transport/line-noise.ts) */
  lineNoise?: LineNoiseOptions;
  log?: ScannerLog;
}

export interface ScanEvent {
  /** the code's content */
  text: string;
  kind: ScanKind;
  /** e.g. 'qr', when the scanner said (HID-POS AIM/Code ID) */
  symbology?: string;
  /** epoch ms when the code was complete */
  at: number;
}

export type ScannerHealthState = 'unknown' | 'ok' | 'fault';

export interface ScannerHealth {
  state: ScannerHealthState;
  fault?: { code: FaultCode; detail: string };
  /** what does not stop the scanner (SCANNER_LINE_NOISE) */
  warnings?: { code: FaultCode; detail: string }[];
  /** bytes and reports on the line that are no code (issue 11) */
  lineNoise?: LineNoiseReport;
  /** epoch ms of the last change */
  since: number;
}

export interface ScannerSelfCheck {
  ok: boolean;
  link: string;
  linkState: LinkState;
  mode: ScannerMode;
  fault?: FaultCode;
  detail: string;
}

export interface QrScannerEvents {
  scan: [scan: ScanEvent];
  /** a malformed report/line was dropped (the scanner still works) */
  protocolError: [error: ScannerProtocolError];
  /** health turned to this fault */
  fault: [fault: DeviceFault];
  health: [health: ScannerHealth];
}

/**
 * A QR/barcode scanner on a ByteLink, in HID-POS or serial line mode. Emits one `scan` per
 * code (repeats within the duplicate window suppressed), never logs a payment or insurance
 * code in full, and maps the link's health to DEVICE_LINK_DOWN.
 *
 * No false scans (issue 11): a line or HID-POS message becomes a scan only when it is plausible
 * text (plausible.ts) and the line was quiet: a chunk that holds noise (a malformed report, a line
 * that is no text) loses every code in it and the partial line after it, and for
 * `quietBeforeScanMs` after noise nothing is believed. Noise is counted (`health.lineNoise`) and
 * reported as the warning SCANNER_LINE_NOISE only when it persists.
 */
export class QrScanner extends EventEmitter<QrScannerEvents> {
  readonly link: ByteLink;
  readonly mode: ScannerMode;
  private readonly hid: HidPosAssembler | undefined;
  private readonly lines: LineAssembler | undefined;
  private readonly duplicates: DuplicateFilter | undefined;
  private readonly now: () => number;
  private readonly log: ScannerLog | undefined;
  private unsubscribe: (() => void)[] = [];
  private _health: ScannerHealth = { state: 'unknown', since: Date.now() };
  private counters = { scans: 0, duplicates: 0, protocolErrors: 0 };
  private readonly noise: LineNoise;
  private readonly minCodeBytes: number;
  private readonly quietBeforeScanMs: number;
  /** when this line last carried noise (null: not since it came up) */
  private noiseAt: number | null = null;
  private readonly partialCodeMaxAgeMs: number;
  /** when the last chunk arrived */
  private lastChunkAt = 0;

  constructor(opts: QrScannerOptions) {
    super();
    this.link = opts.link;
    this.mode = opts.mode;
    const maxCodeBytes = opts.maxCodeBytes ?? 4096;
    if (opts.mode === 'hid-pos') this.hid = new HidPosAssembler(opts.hidLayout ?? 'honeywell', { maxMessageBytes: maxCodeBytes });
    else this.lines = new LineAssembler({ terminator: opts.terminator ?? 'CR', maxLineBytes: maxCodeBytes });
    const windowMs = opts.duplicateWindowMs ?? 1500;
    this.duplicates = windowMs > 0 ? new DuplicateFilter(windowMs) : undefined;
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    this.minCodeBytes = opts.minCodeBytes ?? MIN_CODE_BYTES;
    this.quietBeforeScanMs = opts.quietBeforeScanMs ?? 500;
    this.partialCodeMaxAgeMs = opts.partialCodeMaxAgeMs ?? 250;
    this.noise = new LineNoise({ now: this.now, ...opts.lineNoise }, () => this.setHealth({ state: this._health.state, ...(this._health.fault ? { fault: this._health.fault } : {}) }));
    this.unsubscribe.push(
      this.link.onData((chunk) => this.onChunk(chunk)),
      this.link.onHealth((h) => this.onLinkHealth(h)),
    );
    this.onLinkHealth(this.link.health);
  }

  /** Health as last known; its line-noise record is live. */
  get health(): ScannerHealth {
    return { ...this._health, lineNoise: this.noise.report };
  }

  /** scans reported, repeats suppressed, malformed inputs dropped since start */
  get stats(): { scans: number; duplicates: number; protocolErrors: number } {
    return { ...this.counters };
  }

  /** For `zizhu doctor`: a scanner has nothing to ask, so the check is whether its link is up. Never throws. */
  async selfCheck(): Promise<ScannerSelfCheck> {
    const h = this.link.health;
    const base = { link: this.link.name, linkState: h.state, mode: this.mode };
    if (h.state === 'up') return { ok: true, ...base, detail: `${this.link.name} is up (${this.mode})` };
    const what = h.state === 'connecting' ? 'not connected yet' : h.state;
    return {
      ok: false,
      ...base,
      fault: FaultCode.DEVICE_LINK_DOWN,
      detail: `${this.link.name} is ${what}${h.reopenAttempts ? ` after ${h.reopenAttempts} reopen attempts` : ''}${h.lastError ? `: ${h.lastError}` : ''}`,
    };
  }

  /** Unsubscribe from the link for good (the link stays open). */
  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.noise.close();
  }

  private onChunk(chunk: Uint8Array): void {
    this.noise.check();
    const at = this.now();
    const pending = this.hid ? this.hid.pendingBytes : this.lines!.pendingBytes;
    if (pending > 0 && at - this.lastChunkAt > this.partialCodeMaxAgeMs) {
      // a half code that never ended (the tail of a burst, a cut-off read): not the start of this one
      this.noise.record(pending);
      this.hid?.reset();
      this.lines?.reset();
    }
    this.lastChunkAt = at;
    const codes: { bytes: Uint8Array; symbology: string | undefined }[] = [];
    const errors: ScannerProtocolError[] = [];
    if (this.hid) {
      try {
        const msg = this.hid.push(chunk);
        if (msg) codes.push({ bytes: msg.bytes, symbology: msg.symbology });
      } catch (e) {
        errors.push(this.protocolError(e));
      }
    } else {
      const out = this.lines!.push(chunk);
      for (const err of out.errors) errors.push(this.protocolError(err));
      for (const line of out.lines) codes.push({ bytes: line, symbology: undefined });
    }
    // a code too long for the configured limit is the scanner's, not noise: dropped, nothing more
    const malformed = errors.some((e) => e.code !== 'LINE_TOO_LONG' && e.code !== 'MESSAGE_TOO_LONG');
    const stray = this.lines ? noiseByteAt(chunk) : -1;
    const notText = stray >= 0 ? `byte 0x${chunk[stray]!.toString(16).padStart(2, '0')} at offset ${stray} of the chunk` : codes.map((c) => whyNotAScan(c.bytes, this.minCodeBytes)).find((why) => why !== undefined);
    if (malformed || notText !== undefined) {
      // a chunk with noise in it: none of it is a scan, nor the half line it leaves behind
      this.noise.record(chunk.length);
      this.noiseAt = this.now();
      this.hid?.reset();
      this.lines?.reset();
      if (notText) this.log?.debug?.(`${this.link.name}: ${chunk.length} bytes of line noise dropped (${notText})`, { link: this.link.name });
      return;
    }
    const noiseAt = this.noiseAt;
    for (const c of codes) {
      if (noiseAt !== null && this.now() - noiseAt < this.quietBeforeScanMs) {
        this.noise.record(0);
        this.log?.debug?.(`${this.link.name}: a code right after line noise was not believed`, { link: this.link.name });
        continue;
      }
      this.emitCode(c.bytes, c.symbology);
    }
  }

  private emitCode(bytes: Uint8Array, symbology: string | undefined): void {
    const text = decodeScanText(bytes);
    const at = this.now();
    if (this.duplicates && !this.duplicates.accept(text, at)) {
      this.counters.duplicates++;
      return;
    }
    const kind = classifyScan(text);
    this.counters.scans++;
    this.log?.info('scanned', { link: this.link.name, kind, code: redactScan(text, kind), ...(symbology ? { symbology } : {}) });
    this.emit('scan', { text, kind, ...(symbology ? { symbology } : {}), at });
  }

  private protocolError(e: unknown): ScannerProtocolError {
    const err = e instanceof ScannerProtocolError ? e : new ScannerProtocolError('BAD_LENGTH', 0, (e as Error)?.message ?? String(e));
    this.counters.protocolErrors++;
    this.log?.warn(`${this.link.name}: ${err.message}`, { link: this.link.name, code: err.code, offset: err.offset });
    if (this.listenerCount('protocolError') > 0) this.emit('protocolError', err);
    return err;
  }

  private onLinkHealth(h: LinkHealth): void {
    if (h.state === 'up') {
      // a line that comes (back) up starts quiet: noise from before says nothing about it
      this.noiseAt = null;
      this.setHealth({ state: 'ok' });
      return;
    }
    if (h.state === 'down' || h.state === 'closed') {
      // half a code from before the unplug must not be glued to the next one
      this.hid?.reset();
      this.lines?.reset();
      const f = new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `scanner link ${this.link.name} is ${h.state}${h.lastError ? `: ${h.lastError}` : ''}`, {
        link: this.link.name,
        reopenAttempts: h.reopenAttempts,
      });
      const prev = this._health;
      this.setHealth({ state: 'fault', fault: { code: f.code, detail: f.detail } });
      if (prev.state !== 'fault') this.emit('fault', f);
    }
  }

  private setHealth(next: { state: ScannerHealthState; fault?: { code: FaultCode; detail: string } }): void {
    const prev = this._health;
    const lineNoise = this.noise.report;
    const warnings = lineNoise.persistent ? [lineNoiseWarning(FaultCode.SCANNER_LINE_NOISE, this.link.name, lineNoise)] : [];
    const sameNoise = (prev.warnings?.length ?? 0) === warnings.length && prev.lineNoise?.noisy === lineNoise.noisy;
    if (prev.state === next.state && prev.fault?.code === next.fault?.code && sameNoise) {
      // same condition, newer words (e.g. another reopen attempt): keep it current, no event
      if (next.fault) this._health = { ...prev, fault: next.fault };
      return;
    }
    this._health = { ...next, ...(warnings.length ? { warnings } : {}), lineNoise, since: prev.state === next.state ? prev.since : Date.now() };
    this.emit('health', this._health);
  }
}
