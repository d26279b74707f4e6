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
    this.unsubscribe.push(
      this.link.onData((chunk) => this.onChunk(chunk)),
      this.link.onHealth((h) => this.onLinkHealth(h)),
    );
    this.onLinkHealth(this.link.health);
  }

  get health(): ScannerHealth {
    return this._health;
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
  }

  private onChunk(chunk: Uint8Array): void {
    if (this.hid) {
      try {
        const msg = this.hid.push(chunk);
        if (msg) this.emitCode(msg.bytes, msg.symbology);
      } catch (e) {
        this.protocolError(e);
      }
      return;
    }
    const { lines, errors } = this.lines!.push(chunk);
    for (const err of errors) this.protocolError(err);
    for (const line of lines) this.emitCode(line, undefined);
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

  private protocolError(e: unknown): void {
    const err = e instanceof ScannerProtocolError ? e : new ScannerProtocolError('BAD_LENGTH', 0, (e as Error)?.message ?? String(e));
    this.counters.protocolErrors++;
    this.log?.warn(`${this.link.name}: ${err.message}`, { link: this.link.name, code: err.code, offset: err.offset });
    if (this.listenerCount('protocolError') > 0) this.emit('protocolError', err);
  }

  private onLinkHealth(h: LinkHealth): void {
    if (h.state === 'up') {
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
    if (prev.state === next.state && prev.fault?.code === next.fault?.code) {
      // same condition, newer words (e.g. another reopen attempt): keep it current, no event
      if (next.fault) this._health = { ...prev, fault: next.fault };
      return;
    }
    this._health = { ...next, since: prev.state === next.state ? prev.since : Date.now() };
    this.emit('health', this._health);
  }
}
