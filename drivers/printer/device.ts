import { EventEmitter } from 'node:events';
import { DeviceFault, FaultCode } from '../../contracts/faults.ts';
import { concatBytes } from '../transport/bytes.ts';
import type { ByteLink, LinkHealth } from '../transport/link.ts';
import { BUFFER_CLEAR_REQUEST, CompletionIdSequence, asbEnable, encodePrintJob, statusRequestBytes } from './encode.ts';
import type { PrintJob } from './job.ts';
import { type PrinterProfile, type PrinterProfileName, type StatusRequest, printerProfile } from './profiles.ts';
import { type PrinterMessage, type PrinterStatusPart, PrinterStreamDemux, customStatusContradiction, faultsOf, primaryFault, statusContradiction } from './status.ts';
import { DeliveryRecord } from './delivery.ts';
import { DEFAULT_CONFIRM_READS, FaultDebouncer } from '../transport/fault-debounce.ts';
import { LineNoise, type LineNoiseOptions, type LineNoiseReport } from '../transport/line-noise.ts';

/**
 * The receipt printer driver. `print(job)` resolves only when delivery is verified:
 *
 *   1. pre-job status is clean (DLE EOT 1–4, plus Custom full status on presenter printers);
 *   2. the job is sent, ending with GS ( H and this job's 4-character completion id;
 *   3. the printer answers `37 22 id 00` — it has physically printed everything before it;
 *   4. post-job status is clean (paper did not run out, no cutter error …);
 *   5. on presenter printers, the ticket is seen in the output, then (by default) taken.
 *
 * Rejections (all DeviceFault):
 *   - a fault known BEFORE anything is sent rejects with that fault (PRINTER_PAPER_OUT, PRINTER_COVER_OPEN,
 *     PRINTER_CUTTER_ERROR, PRINTER_OFFLINE, PRINTER_PAPER_JAM, PRINTER_UNRECOVERABLE_ERROR,
 *     PRINTER_NO_RESPONSE; PRINT_NOT_TAKEN when the last ticket still sits in the presenter). Nothing
 *     was printed; the job can be retried once fixed.
 *   - anything that goes wrong AFTER the job was sent rejects PRINT_NOT_DELIVERED with
 *     `context.cause` (the fault seen, or `NO_COMPLETION` / `TICKET_NOT_PRESENTED`): a partial receipt
 *     may have come out. The driver then clears the printer's buffers (DLE DC4 fn 8, when the profile
 *     has it) so the unprinted rest of this customer's receipt does not print for the next customer.
 *   - presenter: a ticket not taken within `takeMs` resolves `{taken:false}` (it was delivered to the
 *     mouth) unless the profile/option says `notTaken: 'reject'` → PRINT_NOT_TAKEN.
 *
 * Health: ASB whenever the link comes (back) up (and in every job, after ESC @), a heartbeat poll,
 * `status`/`fault` events on change, `selfCheck()` for `zizhu doctor`. Jobs are serialised.
 * No false faults (issue 11): a status-derived fault or warning is raised only after `confirmReads`
 * clean, consistent status reads in a row show it, and cleared the same way; an ASB message or a
 * poll that shows a change makes the driver read again at once (`confirmGapMs` apart), so a real
 * fault is confirmed within a few round trips. A read is clean when no garbage arrived while it was
 * answered and its bytes do not contradict each other (`statusContradiction`). Garbage and
 * contradicting reads are line noise (`health.lineNoise`); only noise that persists is reported, as
 * the warning PRINTER_LINE_NOISE. On presenter printers a ticket left in the output `takeTimeoutMs`
 * is the warning PRINT_NOT_TAKEN until a status read sees it taken.
 * A printer whose status is clean but which silently delivers nothing, `notDeliveringAfter` jobs in a
 * row, is PRINTER_NOT_DELIVERING (delivery.ts) until a job is delivered or `paperReloaded()`.
 * `job` events say when a job went to the printer, how long it should take and when the driver gives
 * up waiting, and how it ended (the "正在打印…" screen's progress).
 *
 * The link is the caller's (see `ByteLink`): the driver subscribes to it when constructed and
 * unsubscribes in `close()`, and never opens or closes it.
 */

export interface ReceiptPrinterOptions {
  /** an open (or opening) link; the driver neither opens nor closes it */
  link: ByteLink;
  profile?: PrinterProfileName | PrinterProfile;
  /** fixed completion timeout (ms); default: profile base + 2 × estimated print time + wire time */
  completionTimeoutMs?: number;
  /** wire time per byte for the automatic completion timeout (default 1.05 ms: 9600 baud 8N1) */
  wireMsPerByte?: number;
  /** override the profile's heartbeat poll (ms); 0 turns it off */
  healthPollMs?: number;
  /** first completion id counter value (tests); random by default */
  completionIdStart?: number;
  /** jobs in a row accepted and silently not delivered that make PRINTER_NOT_DELIVERING (default 2) */
  notDeliveringAfter?: number;
  /** clean, consistent status reads in a row before a status-derived fault is raised or cleared (default 3) */
  confirmReads?: number;
  /** pause before each read that confirms a change (default 20 ms) */
  confirmGapMs?: number;
  /** how line noise is judged persistent (transport/line-noise.ts) */
  lineNoise?: LineNoiseOptions;
  /** presenter: how long a ticket may wait in the output before PRINT_NOT_TAKEN (default the profile's take timeout) */
  takeTimeoutMs?: number;
}

export interface PrintOptions {
  completionTimeoutMs?: number;
  /** presenter: wait until the ticket is taken (default true) */
  waitForTaken?: boolean;
  /** presenter: override the profile's take timeout */
  takeTimeoutMs?: number;
  /** presenter: override the profile's not-taken policy */
  notTaken?: 'resolve' | 'reject';
}

export interface PrintResult {
  title: string;
  completionId: string;
  /** presenter printers: the customer took the ticket (false: it was left in the mouth); null otherwise */
  taken: boolean | null;
  lineCount: number;
  paperMm: number;
  bytes: number;
  /** warnings after the job (e.g. PRINTER_PAPER_NEAR_END) */
  warnings: FaultCode[];
  timings: {
    /** performance.now() values */
    sentAt: number;
    completedAt: number | null;
    verifiedAt: number;
    resolvedAt: number;
    /** the printer's completion reply arriving → print() resolving (bench: print_verify_overhead_ms) */
    completionToResolveMs: number | null;
    /** completion reply → delivery verified (post-status clean, ticket presented) */
    completionToVerifiedMs: number | null;
  };
}

export type PrinterHealthState = 'unknown' | 'ok' | 'warning' | 'fault';

export interface PrinterHealth {
  state: PrinterHealthState;
  faults: FaultCode[];
  warnings: FaultCode[];
  /** every status bit as the latest clean status reads reported it */
  status: PrinterStatusPart;
  /** epoch ms of the last message from the printer */
  lastHeardAt: number | null;
  link: LinkHealth;
  /** garbage and contradicting status on the line (issue 11); the driver always fills it in */
  lineNoise?: LineNoiseReport;
}

export interface PrinterSelfCheck {
  ok: boolean;
  profile: PrinterProfileName;
  link: string;
  faults: FaultCode[];
  warnings: FaultCode[];
  /** one line for the doctor table */
  detail: string;
  status: PrinterStatusPart;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // it may be rejected (link lost, printer fault) before anyone awaits it: never an unhandled rejection
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface TicketEvent {
  state: 'presented' | 'taken' | 'not-taken';
  completionId: string;
  title: string;
}

/** A job went to the printer (`printing`: durations from now), or ended. Never personal: the title is the receipt's kind. */
export type JobEvent =
  | { state: 'printing'; completionId: string; title: string; lines: number; expectedMs: number; giveUpMs: number }
  | { state: 'ended'; completionId: string; title: string; delivered: boolean };

export interface ReceiptPrinterEvents {
  /** health changed (faults, warnings, status bits, link) */
  status: [health: PrinterHealth];
  /** a fault appeared (one event per new fault code) */
  fault: [fault: DeviceFault];
  /** presenter printers: the ticket reached the mouth / was taken / was left */
  ticket: [event: TicketEvent];
  /** a job was sent and is printing, or ended */
  job: [event: JobEvent];
  /** a completion reply for a job this driver no longer waits for (it printed after all) */
  'late-completion': [event: { id: string }];
  /** bytes from the printer that fit no message */
  garbage: [message: Extract<PrinterMessage, { kind: 'garbage' }>];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The bits a message actually reported (a decoder leaves the others undefined). */
const definedBits = (part: PrinterStatusPart): PrinterStatusPart => Object.fromEntries(Object.entries(part).filter(([, v]) => v !== undefined)) as PrinterStatusPart;

/** `promise`, or `fallback` after `ms`; the timer is cleared either way so it never holds the process open. */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((r) => {
    timer = setTimeout(() => r(fallback), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Who waits for the next status replies. */
interface ReplyWaiter {
  remaining: number;
  /** the DLE EOT replies, and Custom's full status, kept apart so they can be checked against each other */
  epson: PrinterStatusPart;
  custom?: PrinterStatusPart;
  done: Deferred<PrinterStatusPart>;
}

/** One status read: what it said, and whether it can be believed (no garbage while it was answered, no contradiction). */
interface StatusRead {
  status: PrinterStatusPart;
  clean: boolean;
}

/** Faults and warnings in the order a person reads them (faultsOf's order). */
const CODE_ORDER: FaultCode[] = [
  FaultCode.PRINTER_PAPER_OUT,
  FaultCode.PRINTER_COVER_OPEN,
  FaultCode.PRINTER_CUTTER_ERROR,
  FaultCode.PRINTER_PAPER_JAM,
  FaultCode.PRINTER_UNRECOVERABLE_ERROR,
  FaultCode.PRINTER_OFFLINE,
  FaultCode.PRINTER_PAPER_NEAR_END,
  FaultCode.PRINT_NOT_TAKEN,
];
const WARNING_CODES: ReadonlySet<FaultCode> = new Set([FaultCode.PRINTER_PAPER_NEAR_END, FaultCode.PRINT_NOT_TAKEN]);
const inOrder = (codes: FaultCode[]) => [...codes].sort((a, b) => CODE_ORDER.indexOf(a) - CODE_ORDER.indexOf(b));

export class ReceiptPrinter extends EventEmitter<ReceiptPrinterEvents> {
  readonly profile: PrinterProfile;
  readonly link: ByteLink;
  private readonly opts: ReceiptPrinterOptions;
  private readonly demux = new PrinterStreamDemux();
  private readonly ids: CompletionIdSequence;

  /** every bit as clean reads reported it (health.status) */
  private clean: PrinterStatusPart = {};
  private readonly debounce: FaultDebouncer<FaultCode>;
  private readonly noise: LineNoise;
  /** garbage bytes received since the driver started (a read is clean when this did not move while it was answered) */
  private garbageBytes = 0;
  /** every byte received since the driver started (a read that times out with none is a printer that does not answer) */
  private bytesReceived = 0;
  private settling: Promise<void> | null = null;
  /** presenter: performance.now() when clean reads first saw the ticket in the output (null: not there) */
  private ticketSince: number | null = null;
  private ticketTimer: NodeJS.Timeout | undefined;
  private lastHeardAt: number | null = null;
  private noResponse = false;
  private health_: PrinterHealth;
  private unsubscribe: (() => void)[] = [];
  private pollTimer: NodeJS.Timeout | null = null;
  private started = false;
  private closed = false;
  private busy = false;

  private requestChain: Promise<unknown> = Promise.resolve();
  private jobChain: Promise<unknown> = Promise.resolve();
  private replyWaiter: ReplyWaiter | null = null;
  private completionWaiters = new Map<string, Deferred<number>>();
  private bufferCleared: Deferred<void> | null = null;
  private statusWatchers = new Set<() => void>();
  private lastCompletionToResolve: number | null = null;
  private readonly delivery: DeliveryRecord;

  constructor(opts: ReceiptPrinterOptions) {
    super();
    this.opts = opts;
    this.link = opts.link;
    this.profile = typeof opts.profile === 'object' ? opts.profile : printerProfile(opts.profile ?? 'epson-generic');
    this.ids = new CompletionIdSequence(opts.completionIdStart);
    this.delivery = new DeliveryRecord(opts.notDeliveringAfter);
    this.debounce = new FaultDebouncer(opts.confirmReads ?? DEFAULT_CONFIRM_READS);
    this.noise = new LineNoise(opts.lineNoise ?? {}, () => this.recompute());
    this.health_ = { state: 'unknown', faults: [], warnings: [], status: {}, lastHeardAt: null, link: this.link.health, lineNoise: this.noise.report };
    this.unsubscribe.push(
      this.link.onData((chunk) => this.onData(chunk)),
      this.link.onHealth((h) => this.onLinkHealth(h)),
    );
  }

  /** Health as last known (no I/O); its line-noise record is live. */
  get health(): PrinterHealth {
    return { ...this.health_, lineNoise: this.noise.report };
  }

  /** Completion reply arriving → print() resolving, for the last successful job (ms). */
  get lastCompletionToResolveMs(): number | null {
    return this.lastCompletionToResolve;
  }

  // -------------------------------------------------------------------------------------------
  // link and health
  // -------------------------------------------------------------------------------------------

  /**
   * Start looking after the printer: the heartbeat poll, and — now if the link is up, else as soon as
   * it comes up — ASB on and a status read. Never throws for printer or port trouble: that is in the
   * returned health. Opening the link is the caller's job, before or after this.
   */
  async start(): Promise<PrinterHealth> {
    if (this.closed) throw this.closedFault();
    if (!this.started) {
      this.started = true;
      const poll = this.opts.healthPollMs ?? this.profile.healthPollMs;
      if (poll > 0) {
        this.pollTimer = setInterval(() => {
          if (!this.busy) this.refreshStatus().catch(() => undefined);
        }, poll);
        this.pollTimer.unref();
      }
    }
    if (this.link.health.state === 'up') await this.setUpPrinter();
    else this.recompute();
    return this.health;
  }

  /** Stop polling and unsubscribe from the link for good (the link stays open: it is the caller's). Jobs in flight reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.started = false;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    clearTimeout(this.ticketTimer);
    this.noise.close();
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    const err = this.closedFault();
    this.replyWaiter?.done.reject(err);
    this.replyWaiter = null;
    for (const d of this.completionWaiters.values()) d.reject(err);
    this.completionWaiters.clear();
  }

  private closedFault(): DeviceFault {
    return new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `printer driver on ${this.link.name} was closed; make a new ReceiptPrinter`, { link: this.link.name });
  }

  /** ASB on and a fresh status: on start, and whenever the link comes back (a replugged printer may have been power-cycled). */
  private async setUpPrinter(): Promise<void> {
    await this.enableAsb().catch(() => undefined);
    await this.refreshStatus().catch(() => undefined);
  }

  private async enableAsb(): Promise<void> {
    if (this.profile.capabilities.asb) await this.link.write(asbEnable(this.profile.asbMask));
  }

  /**
   * Ask the printer for its full status now (DLE EOT 1–4, Custom full status), and again while a
   * change waits for confirmation: resolves with the health once it has settled. Rejects only when
   * the printer does not answer.
   */
  refreshStatus(): Promise<PrinterHealth> {
    if (!this.settling) {
      this.settling = this.settle().finally(() => {
        this.settling = null;
      });
    }
    return this.settling.then(() => this.health);
  }

  /** Read the full status until no change is pending (at most 3 × confirmReads reads). */
  private async settle(): Promise<void> {
    const gap = this.opts.confirmGapMs ?? 20;
    await this.request(this.profile.statusRequests);
    for (let i = 1; i < 3 * this.debounce.confirmReads && this.debounce.pending && !this.closed; i++) {
      await sleep(gap);
      await this.request(this.profile.statusRequests);
    }
  }

  /** Confirm what an ASB message or a timer suggests, in the background. */
  private confirmSoon(): void {
    if (this.closed || !this.started || this.link.health.state !== 'up') return;
    const gap = this.opts.confirmGapMs ?? 20;
    setTimeout(() => {
      if (!this.closed) this.refreshStatus().catch(() => undefined);
    }, gap).unref();
  }

  /** For `zizhu doctor`: a fresh status read, summarised. */
  async selfCheck(): Promise<PrinterSelfCheck> {
    if (!this.started) await this.start().catch(() => undefined);
    let detail: string;
    try {
      await this.refreshStatus();
      const h = this.health_;
      detail = h.faults.length
        ? `fault: ${h.faults.join(', ')}`
        : h.warnings.length
          ? `ok with warnings: ${h.warnings.join(', ')}`
          : 'ok: online, paper present, cover closed, no errors';
    } catch (e) {
      detail = e instanceof DeviceFault ? e.detail : (e as Error).message;
    }
    const h = this.health_;
    return {
      ok: h.faults.length === 0 && h.state !== 'unknown',
      profile: this.profile.name,
      link: this.link.name,
      faults: h.faults,
      warnings: h.warnings,
      detail: `${this.profile.name} on ${this.link.name}: ${detail}`,
      status: h.status,
    };
  }

  private onLinkHealth(h: LinkHealth): void {
    const wasDown = this.health_.link.state !== 'up';
    this.health_ = { ...this.health_, link: h };
    this.recompute();
    if (h.state === 'up' && wasDown && this.started) void this.setUpPrinter();
  }

  private onData(chunk: Uint8Array): void {
    const t = performance.now();
    this.bytesReceived += chunk.length;
    this.noise.check();
    for (const m of this.demux.push(chunk)) this.onMessage(m, t);
  }

  /** Bytes that fit no message, or a message nobody asked for: line noise. */
  private onGarbage(bytes: number): void {
    this.garbageBytes += bytes;
    this.noise.record(bytes);
  }

  private onMessage(m: PrinterMessage, t: number): void {
    if (m.kind === 'garbage') {
      this.onGarbage(m.bytes.length);
      this.safeEmit('garbage', m);
      return;
    }
    this.lastHeardAt = Date.now();
    switch (m.kind) {
      case 'asb': {
        const part = {
          ...m.status,
          // what ASB reports is the current condition; clear the DLE EOT-only bits it implies
          stoppedByPaperEnd: m.status.paperEnd,
          errorOccurred: !!(m.status.cutterError || m.status.unrecoverableError || m.status.recoverableError || m.status.autoRecoverableError),
        };
        // ASB says something changed: believe it only once status reads confirm it
        const said = faultsOf({ ...this.clean, ...part });
        const codes = [...said.faults, ...said.warnings];
        if (codes.some((c) => !this.debounce.has(c)) || this.debounce.codes.some((c) => c !== FaultCode.PRINT_NOT_TAKEN && !codes.includes(c))) this.confirmSoon();
        break;
      }
      case 'realtime-status':
      case 'custom-full-status': {
        const w = this.replyWaiter;
        if (w) {
          if (m.kind === 'custom-full-status') w.custom = m.status;
          else w.epson = { ...w.epson, ...m.status };
          if (--w.remaining === 0) {
            this.replyWaiter = null;
            w.done.resolve({ ...w.epson, ...w.custom });
          }
        }
        break;
      }
      case 'completion': {
        const d = this.completionWaiters.get(m.id);
        if (d) {
          this.completionWaiters.delete(m.id);
          d.resolve(t);
        } else this.safeEmit('late-completion', { id: m.id });
        break;
      }
      case 'buffer-cleared':
        if (this.bufferCleared) {
          this.bufferCleared.resolve();
          this.bufferCleared = null;
        } else this.onGarbage(3);
        break;
      case 'block':
        // the driver never asks for one (GS I, GS ( E …): noise that happened to end in NUL
        this.onGarbage(m.bytes.length);
        break;
    }
    this.recompute();
  }

  /**
   * A status read was answered: if it is clean (no garbage meanwhile, nothing contradicting), its
   * bits become health.status and — for a full read — it is one observation for the debouncer.
   */
  private afterRead(reqs: readonly StatusRequest[], w: ReplyWaiter, garbageBefore: number): StatusRead {
    const status = { ...w.epson, ...w.custom };
    const contradiction = statusContradiction(w.epson) ?? (w.custom ? customStatusContradiction(w.custom, w.epson) : undefined);
    if (contradiction) this.noise.record(0);
    const clean = contradiction === undefined && this.garbageBytes === garbageBefore;
    if (!clean) return { status, clean };
    this.clean = { ...this.clean, ...definedBits(status) };
    if (this.noResponse) {
      // it answers again (power cycled?): ASB must be enabled again
      this.noResponse = false;
      this.enableAsb().catch(() => undefined);
    }
    this.trackTicket(status);
    if (reqs.length === this.profile.statusRequests.length) {
      const { faults, warnings } = faultsOf(status);
      const notTaken = this.ticketSince !== null && performance.now() - this.ticketSince >= this.takeMs;
      this.debounce.observe([...faults, ...warnings, ...(notTaken ? [FaultCode.PRINT_NOT_TAKEN] : [])]);
    }
    this.recompute();
    return { status, clean };
  }

  private get takeMs(): number {
    return this.opts.takeTimeoutMs ?? this.profile.timeouts.takeMs;
  }

  /** Presenter: when did the ticket now in the output first show; a read at `takeMs` after that decides PRINT_NOT_TAKEN. */
  private trackTicket(s: PrinterStatusPart): void {
    if (!this.profile.capabilities.presenter || s.ticketInOutput === undefined) return;
    if (!s.ticketInOutput) {
      this.ticketSince = null;
      clearTimeout(this.ticketTimer);
      return;
    }
    if (this.ticketSince !== null) return;
    this.ticketSince = performance.now();
    clearTimeout(this.ticketTimer);
    this.ticketTimer = setTimeout(() => this.confirmSoon(), this.takeMs);
    this.ticketTimer.unref();
  }

  /** A read made to decide something now (before or after a job): clean if one of `confirmReads` tries is. */
  private async cleanRead(): Promise<StatusRead> {
    let read = await this.read(this.profile.statusRequests);
    for (let i = 1; i < this.debounce.confirmReads && !read.clean; i++) read = await this.read(this.profile.statusRequests);
    return read;
  }

  /** Status-derived faults as confirmed (what health says), without the link and delivery ones. */
  private confirmedFaults(): FaultCode[] {
    return inOrder(this.debounce.codes.filter((c) => !WARNING_CODES.has(c)));
  }

  private recompute(): void {
    const link = this.link.health;
    let faults: FaultCode[];
    let warnings: FaultCode[] = [];
    if (link.state !== 'up') faults = [FaultCode.DEVICE_LINK_DOWN];
    else if (this.noResponse) faults = [FaultCode.PRINTER_NO_RESPONSE];
    else {
      faults = this.confirmedFaults();
      warnings = inOrder(this.debounce.codes.filter((c) => WARNING_CODES.has(c)));
      if (this.delivery.notDelivering) faults = [...faults, FaultCode.PRINTER_NOT_DELIVERING];
    }
    const lineNoise = this.noise.report;
    if (lineNoise.persistent) warnings = [...warnings, FaultCode.PRINTER_LINE_NOISE];
    const heard = this.lastHeardAt !== null;
    const state: PrinterHealthState = faults.length ? 'fault' : !heard ? 'unknown' : warnings.length ? 'warning' : 'ok';
    const prev = this.health_;
    const next: PrinterHealth = { state, faults, warnings, status: { ...this.clean }, lastHeardAt: this.lastHeardAt, link, lineNoise };
    this.health_ = next;
    for (const w of this.statusWatchers) w();
    const changed =
      prev.state !== next.state ||
      prev.faults.join() !== next.faults.join() ||
      prev.warnings.join() !== next.warnings.join() ||
      JSON.stringify(prev.status) !== JSON.stringify(next.status) ||
      prev.lineNoise?.noisy !== lineNoise.noisy;
    if (!changed) return;
    this.safeEmit('status', next);
    for (const f of faults) {
      if (!prev.faults.includes(f)) this.safeEmit('fault', new DeviceFault(f, this.describe(f), { link: this.link.name, profile: this.profile.name }));
    }
  }

  private describe(f: FaultCode): string {
    const where = `printer on ${this.link.name}`;
    switch (f) {
      case FaultCode.PRINTER_PAPER_OUT:
        return `${where} is out of paper: load a new roll and close the cover`;
      case FaultCode.PRINTER_COVER_OPEN:
        return `${where} has its cover open: close it`;
      case FaultCode.PRINTER_CUTTER_ERROR:
        return `${where} reports an autocutter error: open the cover, clear the paper from the cutter, close the cover`;
      case FaultCode.PRINTER_PAPER_JAM:
        return `${where} reports a paper jam in the presenter: open it and remove the paper`;
      case FaultCode.PRINTER_UNRECOVERABLE_ERROR:
        return `${where} reports an unrecoverable error: power-cycle it; if it persists, service the printer`;
      case FaultCode.PRINTER_OFFLINE:
        return `${where} is offline (error or waiting for recovery): check its panel and LEDs`;
      case FaultCode.PRINTER_NO_RESPONSE:
        return `${where} does not answer status requests: check power and cable (the port itself is open)`;
      case FaultCode.DEVICE_LINK_DOWN:
        return `${where}: the port is down${this.link.health.lastError ? ` (${this.link.health.lastError})` : ''}`;
      case FaultCode.PRINTER_NOT_DELIVERING:
        return this.delivery.describe(where);
      default:
        return `${where}: ${f}`;
    }
  }

  private safeEmit<K extends keyof ReceiptPrinterEvents>(event: K, ...args: ReceiptPrinterEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ReceiptPrinterEvents[K]) => boolean)(event, ...args);
    } catch {
      // a listener's bug must not stop the printer driver
    }
  }

  // -------------------------------------------------------------------------------------------
  // requests
  // -------------------------------------------------------------------------------------------

  /** What `read` says; for callers that act on any answer (the presenter poll, the reasons after a failed job). */
  private async request(reqs: readonly StatusRequest[]): Promise<PrinterStatusPart> {
    return (await this.read(reqs)).status;
  }

  /**
   * Send status requests (at most 4 outstanding, as Epson allows) and wait for every reply.
   * No reply in time → DeviceFault(PRINTER_NO_RESPONSE), and the health says so unless bytes
   * arrived meanwhile (the line talks: that is noise, not silence).
   */
  private read(reqs: readonly StatusRequest[]): Promise<StatusRead> {
    if (this.closed) return Promise.reject(this.closedFault());
    const run = async (): Promise<StatusRead> => {
      // half a message left by noise would swallow the replies: it is garbage by now
      for (const m of this.demux.discardPartial()) this.onMessage(m, performance.now());
      const garbageBefore = this.garbageBytes;
      const w: ReplyWaiter = { remaining: 0, epson: {}, done: deferred<PrinterStatusPart>() };
      for (let i = 0; i < reqs.length; i += 4) await this.requestBatch(reqs.slice(i, i + 4), w);
      return this.afterRead(reqs, w, garbageBefore);
    };
    const p = this.requestChain.then(run, run);
    this.requestChain = p.catch(() => undefined);
    return p;
  }

  private async requestBatch(batch: readonly StatusRequest[], w: ReplyWaiter): Promise<PrinterStatusPart> {
    const bytesBefore = this.bytesReceived;
    const done = deferred<PrinterStatusPart>();
    w.remaining = batch.length;
    w.done = done;
    this.replyWaiter = w;
    this.demux.expect(...batch);
    const all = concatBytes(batch.map(statusRequestBytes));
    const timeoutMs = this.profile.timeouts.statusMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.link.write(all);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(
            new DeviceFault(
              FaultCode.PRINTER_NO_RESPONSE,
              `printer on ${this.link.name} did not answer ${batch.join(', ')} within ${timeoutMs} ms: check that it is powered on and that the cable and baud rate are right`,
              { link: this.link.name, requests: [...batch], timeoutMs },
            ),
          );
        }, timeoutMs);
      });
      const status = await Promise.race([done.promise, timeout]);
      return status;
    } catch (e) {
      this.replyWaiter = null;
      const silent = this.bytesReceived === bytesBefore;
      this.demux.cancelExpected();
      for (const m of this.demux.discardPartial()) this.onMessage(m, performance.now());
      if (e instanceof DeviceFault && e.code === FaultCode.PRINTER_NO_RESPONSE) {
        if (!silent) throw new DeviceFault(e.code, `${e.detail} (line noise arrived instead: see the line's noise record)`, { ...e.context, lineNoise: true });
        this.noResponse = true;
        this.recompute();
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves true when `cond()` holds after a status change, false after `ms` or on cancel(). */
  private waitForStatus(cond: () => boolean, ms: number): { promise: Promise<boolean>; cancel(): void } {
    if (cond()) return { promise: Promise.resolve(true), cancel: () => undefined };
    let finish!: (v: boolean) => void;
    const promise = new Promise<boolean>((resolve) => {
      const check = () => {
        if (cond()) finish(true);
      };
      const timer = setTimeout(() => finish(false), ms);
      finish = (v: boolean) => {
        clearTimeout(timer);
        this.statusWatchers.delete(check);
        resolve(v);
      };
      this.statusWatchers.add(check);
    });
    return { promise, cancel: () => finish(false) };
  }

  private async clearPrinterBuffers(): Promise<boolean> {
    if (!this.profile.capabilities.bufferClear) return false;
    const d = deferred<void>();
    this.bufferCleared = d;
    try {
      await this.link.write(BUFFER_CLEAR_REQUEST);
      const ok = await within(d.promise.then(() => true), this.profile.timeouts.statusMs, false);
      return ok;
    } catch {
      return false;
    } finally {
      if (this.bufferCleared === d) this.bufferCleared = null;
    }
  }

  // -------------------------------------------------------------------------------------------
  // printing
  // -------------------------------------------------------------------------------------------

  /** Print a receipt; resolves only when delivery is verified (see the top of this file). Jobs run one at a time. */
  print(job: PrintJob, opts: PrintOptions = {}): Promise<PrintResult> {
    const run = () => this.runJob(job, opts).then(
      (r) => {
        this.jobEnded(job.title, r.completionId, { delivered: true });
        return r;
      },
      (e: unknown) => {
        const ctx = e instanceof DeviceFault ? (e.context as { phase?: unknown; cause?: unknown; completionId?: unknown }) : {};
        const completionId = typeof ctx.completionId === 'string' ? ctx.completionId : '';
        // presented but not taken: it was delivered; refused before sending: not a delivery at all
        if (e instanceof DeviceFault && e.code === FaultCode.PRINT_NOT_TAKEN && ctx.phase === 'presenter') this.jobEnded(job.title, completionId, { delivered: true });
        else if (e instanceof DeviceFault && e.code === FaultCode.PRINT_NOT_DELIVERED) this.jobEnded(job.title, completionId, { delivered: false, cause: String(ctx.cause ?? ''), title: job.title });
        else this.safeEmit('job', { state: 'ended', completionId, title: job.title, delivered: false });
        throw e;
      },
    );
    const p = this.jobChain.then(run, run);
    this.jobChain = p.catch(() => undefined);
    return p;
  }

  /** Staff reloaded the paper (and so looked inside the printer): jobs not delivered before are forgotten. */
  paperReloaded(): void {
    if (this.delivery.paperReloaded()) this.recompute();
  }

  private jobEnded(title: string, completionId: string, delivery: Parameters<DeliveryRecord['jobEnded']>[0]): void {
    if (this.delivery.jobEnded(delivery)) this.recompute();
    this.safeEmit('job', { state: 'ended', completionId, title, delivered: delivery.delivered });
  }

  private notDelivered(job: PrintJob, completionId: string, cause: string, detail: string, extra: Record<string, unknown> = {}): DeviceFault {
    return new DeviceFault(FaultCode.PRINT_NOT_DELIVERED, `"${job.title}" was not delivered: ${detail}`, {
      link: this.link.name,
      profile: this.profile.name,
      completionId,
      cause,
      ...extra,
    });
  }

  private autoCompletionTimeout(paperMm: number, bytes: number): number {
    const printMs = (paperMm / this.profile.speedMmPerSec) * 1000;
    return Math.round(this.profile.timeouts.completionBaseMs + 2 * printMs + bytes * (this.opts.wireMsPerByte ?? 1.05));
  }

  private async runJob(job: PrintJob, opts: PrintOptions): Promise<PrintResult> {
    const profile = this.profile;
    const caps = profile.capabilities;
    // encode first: a malformed job throws PrintJobError (with its JSON path) before any byte is sent
    const completionId = this.ids.next();
    const encoded = encodePrintJob(job, profile, completionId);
    if (!this.started) await this.start();
    this.busy = true;
    try {
      // 1. pre-job status (a read garbled by line noise: what the confirmed health says)
      const preRead = await this.cleanRead();
      const pre = preRead.clean ? preRead.status : { ...this.clean };
      const preFaults = preRead.clean ? faultsOf(pre).faults : this.confirmedFaults();
      if (preFaults.length > 0) {
        const f = primaryFault(preFaults)!;
        throw new DeviceFault(f, `${this.describe(f)} — "${job.title}" was not sent`, { link: this.link.name, profile: profile.name, faults: preFaults, phase: 'pre-job' });
      }
      if (caps.presenter && pre.ticketInOutput) {
        throw new DeviceFault(
          FaultCode.PRINT_NOT_TAKEN,
          `the previous ticket is still in the presenter of the printer on ${this.link.name}; "${job.title}" was not sent (take or retract it first)`,
          { link: this.link.name, profile: profile.name, phase: 'pre-job' },
        );
      }

      // 2. send, 3. completion
      const completion = deferred<number>();
      if (caps.processIdResponse) this.completionWaiters.set(completionId, completion);
      const timeoutMs = opts.completionTimeoutMs ?? this.opts.completionTimeoutMs ?? this.autoCompletionTimeout(encoded.paperMm, encoded.bytes.length);
      const presentMs = caps.processIdResponse ? profile.timeouts.presentMs : this.autoCompletionTimeout(encoded.paperMm, encoded.bytes.length);
      // a fault while printing: once status reads confirm it (an ASB from line noise stops nothing)
      const faultNow = () => this.confirmedFaults().length > 0 || this.link.health.state !== 'up';
      let sentAt: number;
      try {
        await this.link.write(encoded.bytes);
        sentAt = performance.now();
      } catch (e) {
        this.completionWaiters.delete(completionId);
        throw e;
      }
      const expectedMs = Math.round((encoded.paperMm / profile.speedMmPerSec) * 1000);
      this.safeEmit('job', { state: 'printing', completionId, title: job.title, lines: encoded.lineCount, expectedMs, giveUpMs: caps.processIdResponse ? timeoutMs : presentMs });
      let completedAt: number | null = null;
      if (caps.processIdResponse) {
        const outcome = await this.awaitCompletion(completion, faultNow, timeoutMs);
        this.completionWaiters.delete(completionId);
        if (outcome.kind !== 'completed') {
          // find out why, then make sure the rest of this receipt never prints for someone else
          let causeFaults: FaultCode[] = [];
          try {
            causeFaults = faultsOf(await this.request(profile.statusRequests)).faults;
          } catch (e) {
            causeFaults = [e instanceof DeviceFault ? e.code : FaultCode.PRINTER_NO_RESPONSE];
          }
          if (causeFaults.length === 0) causeFaults = this.confirmedFaults();
          const cleared = await this.clearPrinterBuffers();
          const cause = primaryFault(causeFaults) ?? 'NO_COMPLETION';
          const detail =
            cause === 'NO_COMPLETION'
              ? `no completion reply (GS ( H ${completionId}) within ${timeoutMs} ms although the printer reports no fault — it accepted the job but printed nothing`
              : `${cause} while printing (${this.describe(cause as FaultCode)}); a partial receipt may have come out`;
          throw this.notDelivered(job, completionId, cause, detail, { phase: 'printing', faults: causeFaults, buffersCleared: cleared, timeoutMs });
        }
        completedAt = outcome.at;
      }

      // 4. post-job status
      let post: PrinterStatusPart;
      try {
        post = (await this.cleanRead()).status;
      } catch {
        throw this.notDelivered(job, completionId, FaultCode.PRINTER_NO_RESPONSE, 'the printer stopped answering right after printing; delivery cannot be confirmed', { phase: 'post-job' });
      }
      const postFaults = faultsOf(post);
      if (postFaults.faults.length > 0) {
        const cause = primaryFault(postFaults.faults)!;
        throw this.notDelivered(job, completionId, cause, `the printer reports ${postFaults.faults.join(', ')} after printing (${this.describe(cause)})`, {
          phase: 'post-job',
          faults: postFaults.faults,
        });
      }

      // 5. presenter: ticket seen in the output, then taken
      let taken: boolean | null = null;
      let verifiedAt = performance.now();
      if (caps.presenter) {
        const shown = await this.pollPresenter(true, presentMs, post);
        if (!shown) {
          await this.clearPrinterBuffers();
          throw this.notDelivered(
            job,
            completionId,
            'TICKET_NOT_PRESENTED',
            `the ticket never reached the presenter output within ${presentMs} ms (printed but stuck inside, or not printed)`,
            { phase: 'presenter' },
          );
        }
        verifiedAt = performance.now();
        if (completedAt === null) completedAt = verifiedAt;
        this.safeEmit('ticket', { state: 'presented', completionId, title: job.title });
        if (opts.waitForTaken ?? true) {
          const takeMs = opts.takeTimeoutMs ?? this.takeMs;
          taken = await this.pollPresenter(false, takeMs);
          this.safeEmit('ticket', { state: taken ? 'taken' : 'not-taken', completionId, title: job.title });
          if (!taken && (opts.notTaken ?? profile.notTaken) === 'reject') {
            throw new DeviceFault(FaultCode.PRINT_NOT_TAKEN, `"${job.title}" was printed and presented but not taken within ${takeMs} ms`, {
              link: this.link.name,
              profile: profile.name,
              completionId,
              phase: 'presenter',
            });
          }
        }
      }
      const resolvedAt = performance.now();
      const completionToResolveMs = completedAt === null ? null : resolvedAt - completedAt;
      this.lastCompletionToResolve = completionToResolveMs;
      return {
        title: job.title,
        completionId,
        taken,
        lineCount: encoded.lineCount,
        paperMm: encoded.paperMm,
        bytes: encoded.bytes.length,
        warnings: faultsOf(post).warnings,
        timings: {
          sentAt,
          completedAt,
          verifiedAt,
          resolvedAt,
          completionToResolveMs,
          completionToVerifiedMs: completedAt === null ? null : verifiedAt - completedAt,
        },
      };
    } finally {
      this.busy = false;
    }
  }

  /** Wait for the completion reply, a fault (ASB, or a status poll when the printer has no ASB), or the timeout. */
  private async awaitCompletion(
    completion: Deferred<number>,
    faultNow: () => boolean,
    timeoutMs: number,
  ): Promise<{ kind: 'completed'; at: number } | { kind: 'fault' } | { kind: 'timeout' }> {
    let stop = false;
    const watch = this.waitForStatus(faultNow, timeoutMs);
    const faultWatch = watch.promise.then((f) => (f ? ({ kind: 'fault' } as const) : ({ kind: 'timeout' } as const)));
    const polling = (async () => {
      if (this.profile.capabilities.asb) return new Promise<never>(() => undefined);
      const every = Math.max(100, Math.min(1000, this.profile.healthPollMs));
      while (!stop) {
        await sleep(every);
        if (stop) break;
        await this.request(this.profile.statusRequests).catch(() => undefined);
      }
      return new Promise<never>(() => undefined);
    })();
    try {
      return await Promise.race([completion.promise.then((at) => ({ kind: 'completed', at }) as const), faultWatch, polling]);
    } finally {
      stop = true;
      watch.cancel();
    }
  }

  /** Poll Custom full status until "ticket in output" equals `want`, or `ms` passes. */
  private async pollPresenter(want: boolean, ms: number, first?: PrinterStatusPart): Promise<boolean> {
    if (first?.ticketInOutput === want) return true;
    const deadline = performance.now() + ms;
    const every = Math.max(10, this.profile.presenterPollMs);
    while (performance.now() < deadline) {
      await sleep(Math.min(every, Math.max(0, deadline - performance.now())));
      if (this.closed) return false;
      try {
        const s = await this.request(['custom-full']);
        if (s.ticketInOutput === want) return true;
      } catch {
        // no answer this time; keep trying until the deadline
      }
    }
    return false;
  }
}
