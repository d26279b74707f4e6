import { EventEmitter } from 'node:events';
import { DeviceFault, FaultCode, isDeviceFault } from '../../contracts/faults.ts';
import { maskPersonalData } from '../../contracts/pii.ts';
import type { ByteLink, LinkHealth } from '../transport/link.ts';
import { SamCommand, SamDeframer, describeCommand, encodeRequest, hex2, parseReply, type SamReply } from './protocol.ts';
import { cardOfReadReply, newestAddressOfReply, type IdCard } from './card.ts';
import { samStatus, samStatusFault } from './status.ts';
import { whyNotAnAnswer } from './matching.ts';
import { DEFAULT_CONFIRM_READS, FaultDebouncer } from '../transport/fault-debounce.ts';
import { LineNoise, lineNoiseWarning, type LineNoiseOptions, type LineNoiseReport } from '../transport/line-noise.ts';

/** Where the driver writes what it does. Everything personal is masked before it gets here. */
export interface IdReaderLog {
  debug?(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface IdCardReaderOptions {
  /** an open (or opening) link; the driver neither opens nor closes it */
  link: ByteLink;
  /** pause between two polls (find → select → read), default 200 ms */
  pollIntervalMs?: number;
  /** answer timeout for status/find/select/reset, default 500 ms */
  responseTimeoutMs?: number;
  /** answer timeout for the read commands (the card's radio is slow), default 3000 ms */
  readTimeoutMs?: number;
  /** read with 30 10 (text+photo+fingerprint) instead of 30 01, default false */
  withFingerprint?: boolean;
  /** consecutive polls without the card before `cardRemoved`, default 2 (one RF glitch is not a removal) */
  removalMisses?: number;
  /** consecutive failed reads before health turns IDREADER_READ_FAILED, default 3 */
  readFailureLimit?: number;
  /** consecutive unanswered requests before health turns IDREADER_NO_RESPONSE, default 2 */
  noResponseLimit?: number;
  /** consecutive garbled/out-of-step replies before health turns IDREADER_PROTOCOL_ERROR, default 3 */
  protocolErrorLimit?: number;
  /** consecutive replies that say (or stop saying) the SAM is faulty before IDREADER_SAM_FAULT is raised (cleared), default 3 */
  confirmReads?: number;
  /** after a timeout, a stray reply or noise, the line must be quiet this long before the next request (resync), default 30 ms */
  resyncQuietMs?: number;
  /** how line noise is judged persistent (transport/line-noise.ts) */
  lineNoise?: LineNoiseOptions;
  log?: IdReaderLog;
}

export type IdReaderHealthState = 'unknown' | 'ok' | 'fault';

export interface IdReaderHealth {
  state: IdReaderHealthState;
  fault?: { code: FaultCode; detail: string };
  /** what does not stop the reader (IDREADER_LINE_NOISE) */
  warnings?: { code: FaultCode; detail: string }[];
  /** garbage and stray replies on the line (issue 11) */
  lineNoise?: LineNoiseReport;
  /** epoch ms of the last change */
  since: number;
}

export interface IdReaderSelfCheck {
  ok: boolean;
  link: string;
  /** SW3 of the SAM status reply, when there was one */
  sw3?: string;
  status?: string;
  fault?: FaultCode;
  detail: string;
}

export interface IdCardReaderEvents {
  /** a card was laid on the reader and read: once per placement */
  card: [card: IdCard];
  /** the card that was read has left the antenna */
  cardRemoved: [];
  /** a card is there but could not be read this time (customer should re-lay it) */
  readFailed: [fault: DeviceFault];
  /** health turned to this fault */
  fault: [fault: DeviceFault];
  health: [health: IdReaderHealth];
}

/** Fault precedence: the first present condition is the reader's health. */
const PRECEDENCE: FaultCode[] = [
  FaultCode.DEVICE_LINK_DOWN,
  FaultCode.IDREADER_NO_RESPONSE,
  FaultCode.IDREADER_SAM_FAULT,
  FaultCode.IDREADER_PROTOCOL_ERROR,
  FaultCode.IDREADER_READ_FAILED,
];

type Command = readonly [number, number];

/**
 * A GA 467 ID card reader on a ByteLink. Polls find → select → read, emits exactly one `card`
 * per placement (the card must leave — find fails — before the same card is emitted again),
 * maps every SW3 to an outcome or a typed fault, and never keeps the photo.
 *
 * No false faults (issue 11): a reply is taken only when it can answer the outstanding request
 * (matching.ts; a late reply to an earlier one is dropped), the driver resynchronises after a
 * timeout, a stray reply or noise (it waits for a quiet line before its next request), a SAM fault
 * is raised and cleared only after `confirmReads` replies in a row say so, and bytes that are no
 * frame are line noise (`health.lineNoise`), reported as IDREADER_LINE_NOISE only when it persists.
 */
export class IdCardReader extends EventEmitter<IdCardReaderEvents> {
  readonly link: ByteLink;
  private readonly pollIntervalMs: number;
  private readonly responseTimeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly readCommand: Command;
  private readonly removalMisses: number;
  private readonly readFailureLimit: number;
  private readonly noResponseLimit: number;
  private readonly protocolErrorLimit: number;
  private readonly log: IdReaderLog | undefined;

  private readonly deframer = new SamDeframer();
  private waiter: { command: Command; resolve: (r: SamReply) => void; reject: (e: unknown) => void } | undefined;
  private readonly samFault: FaultDebouncer<FaultCode>;
  private readonly noise: LineNoise;
  private readonly resyncQuietMs: number;
  /** performance.now() of the last bytes from the reader */
  private lastBytesAt = 0;
  /** a timeout, a stray reply or noise since the last request: wait for a quiet line first */
  private outOfStep = false;
  private unsubscribe: (() => void)[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  private running = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private pollWake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;

  /** a card has been read and has not left yet */
  private cardPresent = false;
  private misses = 0;
  private readFailures = 0;
  private noResponses = 0;
  private protocolErrors = 0;
  private readonly conditions = new Map<FaultCode, DeviceFault>();
  private _health: IdReaderHealth = { state: 'unknown', since: Date.now() };

  constructor(opts: IdCardReaderOptions) {
    super();
    this.link = opts.link;
    this.pollIntervalMs = opts.pollIntervalMs ?? 200;
    this.responseTimeoutMs = opts.responseTimeoutMs ?? 500;
    this.readTimeoutMs = opts.readTimeoutMs ?? 3000;
    this.readCommand = opts.withFingerprint ? SamCommand.READ_TEXT_PHOTO_FINGERPRINT : SamCommand.READ_TEXT_PHOTO;
    this.removalMisses = Math.max(1, opts.removalMisses ?? 2);
    this.readFailureLimit = Math.max(1, opts.readFailureLimit ?? 3);
    this.noResponseLimit = Math.max(1, opts.noResponseLimit ?? 2);
    this.protocolErrorLimit = Math.max(1, opts.protocolErrorLimit ?? 3);
    this.samFault = new FaultDebouncer(opts.confirmReads ?? DEFAULT_CONFIRM_READS);
    this.resyncQuietMs = opts.resyncQuietMs ?? 30;
    this.noise = new LineNoise(opts.lineNoise ?? {}, () => this.recompute());
    this.log = opts.log;
    this.unsubscribe.push(
      this.link.onData((chunk) => this.onBytes(chunk)),
      this.link.onHealth((h) => this.onLinkHealth(h)),
    );
    if (this.link.health.state === 'down') this.onLinkHealth(this.link.health);
  }

  /** Health as last known; its line-noise record is live. */
  get health(): IdReaderHealth {
    return { ...this._health, lineNoise: this.noise.report };
  }

  /** True while a read card is on the antenna. */
  get hasCard(): boolean {
    return this.cardPresent;
  }

  /**
   * Read the card that is on the antenna again and emit `card` for it: a session that starts with
   * the card already laid down (its first `card` went to nobody). Nothing is kept between reads:
   * the card is read afresh. Resolves false when no read card is there, `stillWanted()` says no by
   * the time the reader is free, or the read fails (a failed read is reported as usual).
   */
  async readPresentCard(stillWanted: () => boolean = () => true): Promise<boolean> {
    return this.exclusive(async () => {
      if (!this.cardPresent || !stillWanted() || this.link.health.state !== 'up') return false;
      try {
        return await this.selectAndRead();
      } catch (e) {
        this.noteError(this.asFault(e));
        return false;
      }
    });
  }

  /** Start polling. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stop polling and detach from the link (the link stays open). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollWake?.();
    await this.loopDone;
    this.loopDone = undefined;
  }

  /** Stop and unsubscribe from the link for good. */
  async close(): Promise<void> {
    await this.stop();
    this.noise.close();
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.waiter?.reject(new DeviceFault(FaultCode.IDREADER_NO_RESPONSE, `${this.link.name}: reader closed`, { link: this.link.name }));
    this.waiter = undefined;
  }

  /** SAM status (11 FF), for `zizhu doctor`. Never throws; updates health. */
  async selfCheck(): Promise<IdReaderSelfCheck> {
    return this.exclusive(async () => {
      let reply: SamReply;
      try {
        reply = await this.transactWithRetry(SamCommand.SAM_STATUS, this.responseTimeoutMs);
      } catch (e) {
        const f = this.asFault(e);
        this.noteError(f);
        return { ok: false, link: this.link.name, fault: f.code, detail: f.detail };
      }
      const s = samStatus(reply.sw3);
      this.noteReply(reply);
      const fault = samStatusFault(reply.sw3, SamCommand.SAM_STATUS, { link: this.link.name });
      if (fault) {
        this.noteError(fault);
        return { ok: false, link: this.link.name, sw3: hex2(reply.sw3), status: s.status, fault: fault.code, detail: fault.detail };
      }
      return { ok: true, link: this.link.name, sw3: hex2(reply.sw3), status: s.status, detail: `SAM status ${hex2(reply.sw3)} ${s.status}` };
    });
  }

  /** Reset the SAM (10 FF). Rejects with a DeviceFault when the reader does not answer ok. */
  async reset(): Promise<{ sw3: string; status: string }> {
    return this.exclusive(async () => {
      const reply = await this.transactOrNote(SamCommand.RESET, this.responseTimeoutMs);
      const fault = samStatusFault(reply.sw3, SamCommand.RESET, { link: this.link.name });
      if (fault) {
        this.noteError(fault);
        throw fault;
      }
      this.cardPresent = false;
      this.misses = 0;
      return { sw3: hex2(reply.sw3), status: samStatus(reply.sw3).status };
    });
  }

  /**
   * The newest address (30 03) of the card on the antenna: null when the card has none
   * (SW3 91). Rejects with a DeviceFault when there is no card or the read fails.
   */
  async readNewestAddress(): Promise<string | null> {
    return this.exclusive(async () => {
      const select = await this.transactOrNote(SamCommand.SELECT_CARD, this.responseTimeoutMs);
      const selectFault = samStatusFault(select.sw3, SamCommand.SELECT_CARD, { link: this.link.name });
      if (selectFault) throw selectFault;
      const reply = await this.transactOrNote(SamCommand.READ_NEWEST_ADDRESS, this.readTimeoutMs);
      if (reply.sw3 === 0x91) return null;
      const fault = samStatusFault(reply.sw3, SamCommand.READ_NEWEST_ADDRESS, { link: this.link.name });
      if (fault) throw fault;
      return newestAddressOfReply(reply);
    });
  }

  // --- polling ---------------------------------------------------------------------------------

  private async loop(): Promise<void> {
    while (this.running) {
      await this.exclusive(() => this.pollOnce());
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        this.pollWake = resolve;
        this.pollTimer = setTimeout(resolve, this.pollIntervalMs);
      });
      this.pollWake = undefined;
      this.pollTimer = undefined;
    }
  }

  private async pollOnce(): Promise<void> {
    // a link that is still connecting (or down: reported by onLinkHealth) is not polled
    if (this.link.health.state !== 'up') return;
    try {
      const find = await this.transact(SamCommand.FIND_CARD, this.responseTimeoutMs);
      this.noteReply(find);
      if (find.sw3 === 0x9f) {
        this.misses = 0;
        if (!this.cardPresent) await this.selectAndRead();
        return;
      }
      if (find.sw3 === 0x80) {
        if (this.cardPresent) await this.confirmStillThere();
        return;
      }
      this.onStatusFault(find, SamCommand.FIND_CARD);
    } catch (e) {
      this.noteError(this.asFault(e));
    }
  }

  /** find said 80 while a read card was present: halted cards do that; a select tells. */
  private async confirmStillThere(): Promise<void> {
    const select = await this.transact(SamCommand.SELECT_CARD, this.responseTimeoutMs);
    this.noteReply(select);
    if (select.sw3 === 0x90) {
      this.misses = 0;
      return;
    }
    if (select.sw3 !== 0x81 && samStatus(select.sw3).outcome !== 'card_error') {
      this.onStatusFault(select, SamCommand.SELECT_CARD);
      return;
    }
    this.misses++;
    if (this.misses >= this.removalMisses) {
      this.cardPresent = false;
      this.misses = 0;
      this.log?.info('ID card removed', { link: this.link.name });
      this.safeEmit('cardRemoved');
    }
  }

  /** Select and read the card; emits `card` and resolves true when it was read. */
  private async selectAndRead(): Promise<boolean> {
    const select = await this.transact(SamCommand.SELECT_CARD, this.responseTimeoutMs);
    this.noteReply(select);
    if (select.sw3 !== 0x90) {
      // 81: the card left between find and select; anything else is a SAM/protocol matter
      if (select.sw3 !== 0x81) this.onStatusFault(select, SamCommand.SELECT_CARD);
      return false;
    }
    const read = await this.transact(this.readCommand, this.readTimeoutMs);
    this.noteReply(read);
    if (read.sw3 !== 0x90) {
      this.onStatusFault(read, this.readCommand);
      return false;
    }
    let card: IdCard;
    try {
      card = cardOfReadReply(read);
    } finally {
      // the photo (and fingerprint) are never kept: wipe the frame they arrived in
      read.data.fill(0);
    }
    this.cardPresent = true;
    this.misses = 0;
    this.readFailures = 0;
    this.clear(FaultCode.IDREADER_READ_FAILED);
    this.log?.info('ID card read', maskPersonalData({ link: this.link.name, kind: card.kind, name: card.name, idNumber: card.idNumber, idNumberValid: card.idNumberValid }));
    this.safeEmit('card', card);
    return true;
  }

  /** A non-ok SW3: card errors are read failures, the rest go to health. */
  private onStatusFault(reply: SamReply, command: Command): void {
    const fault = samStatusFault(reply.sw3, command, { link: this.link.name });
    if (!fault) return;
    if (fault.code === FaultCode.IDREADER_READ_FAILED) {
      this.readFailures++;
      this.log?.warn(fault.detail, { link: this.link.name, sw3: hex2(reply.sw3) });
      this.safeEmit('readFailed', fault);
      if (this.readFailures >= this.readFailureLimit) {
        this.set(
          new DeviceFault(FaultCode.IDREADER_READ_FAILED, `${this.readFailures} reads in a row failed; last: ${fault.detail}`, { ...fault.context, consecutive: this.readFailures }),
        );
      }
      return;
    }
    this.noteError(fault);
  }

  // --- request / response ------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async transactOrNote(command: Command, timeoutMs: number): Promise<SamReply> {
    try {
      const reply = await this.transactWithRetry(command, timeoutMs);
      this.noteReply(reply);
      return reply;
    } catch (e) {
      const f = this.asFault(e);
      this.noteError(f);
      throw f;
    }
  }

  /** One retry on a garbled reply (a flipped bit on the wire); none on silence. */
  private async transactWithRetry(command: Command, timeoutMs: number): Promise<SamReply> {
    try {
      return await this.transact(command, timeoutMs);
    } catch (e) {
      if (isDeviceFault(e) && e.code === FaultCode.IDREADER_PROTOCOL_ERROR) return this.transact(command, timeoutMs);
      throw e;
    }
  }

  private async transact(command: Command, timeoutMs: number): Promise<SamReply> {
    const what = describeCommand(command[0], command[1]);
    if (this.outOfStep) await this.resync();
    // anything that arrived since the last exchange is stale
    this.dropPartial();
    const reply = new Promise<SamReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.outOfStep = true;
        this.dropPartial();
        reject(
          new DeviceFault(FaultCode.IDREADER_NO_RESPONSE, `${this.link.name}: no answer to ${what} within ${timeoutMs} ms; check power and cable of the ID reader`, {
            link: this.link.name,
            command: `${hex2(command[0])} ${hex2(command[1])}`,
            timeoutMs,
          }),
        );
      }, timeoutMs);
      this.waiter = {
        command,
        resolve: (r) => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(e);
        },
      };
    });
    // a damaged frame may reject the exchange while the request is still being written: mark the
    // rejection handled now (it is awaited below) so it never surfaces as an unhandled rejection
    reply.catch(() => undefined);
    try {
      await this.link.write(encodeRequest(command));
    } catch (e) {
      this.waiter?.reject(e);
      await reply.catch(() => undefined);
      throw e;
    }
    // a reply that cannot answer this command (a late answer to an earlier one) never gets here: onBytes drops it
    return reply;
  }

  /** Before a request, after trouble: wait (at most one response timeout) until the line has been quiet `resyncQuietMs`. */
  private async resync(): Promise<void> {
    const giveUpAt = performance.now() + this.responseTimeoutMs;
    for (;;) {
      const quietFor = performance.now() - this.lastBytesAt;
      if (quietFor >= this.resyncQuietMs || performance.now() >= giveUpAt) break;
      await new Promise((r) => setTimeout(r, this.resyncQuietMs - quietFor));
    }
    this.outOfStep = false;
  }

  /** Drop a partial frame left from before (stale): its bytes are noise. */
  private dropPartial(): void {
    const held = this.deframer.bufferedBytes;
    this.deframer.reset();
    if (held > 0) this.noise.record(held);
  }

  /** A reply that answers nothing outstanding: dropped, counted as noise, and the next request resyncs first. */
  private stray(bytes: number, why: string): void {
    this.noise.record(bytes);
    this.outOfStep = true;
    this.log?.debug?.(`${this.link.name}: stray reply dropped: ${why}`, { link: this.link.name });
  }

  private onBytes(chunk: Uint8Array): void {
    this.lastBytesAt = performance.now();
    this.noise.check();
    const consumedBefore = this.deframer.streamOffset - this.deframer.bufferedBytes;
    let framed = 0;
    for (const item of this.deframer.push(chunk)) {
      const w = this.waiter;
      if ('frame' in item) {
        framed += item.frame.byteLength;
        if (!w) {
          this.stray(item.frame.byteLength, 'a reply while no request is outstanding');
          continue;
        }
        let reply: SamReply;
        try {
          reply = parseReply(item.frame.body);
        } catch (e) {
          w.reject(new DeviceFault(FaultCode.IDREADER_PROTOCOL_ERROR, `${this.link.name}: ${(e as Error).message}`, { link: this.link.name }));
          continue;
        }
        const why = whyNotAnAnswer(w.command, reply);
        if (why) this.stray(item.frame.byteLength, why);
        else w.resolve(reply);
        continue;
      }
      const err = item.error;
      // code and offset only: skipped bytes may be card text
      this.log?.debug?.(`${this.link.name}: ${err.code} at stream offset ${err.offset}`, { code: err.code });
      this.outOfStep = true;
      // stray bytes are skipped; a damaged frame fails the exchange at once (no point waiting)
      if (w && err.code !== 'BAD_PREAMBLE') {
        w.reject(new DeviceFault(FaultCode.IDREADER_PROTOCOL_ERROR, `${this.link.name}: damaged reply: ${err.message}`, { link: this.link.name, frameError: err.code, offset: err.offset }));
      }
    }
    // every byte the deframer let go of that was not in a frame: skipped garbage, rejected frames
    const garbage = this.deframer.streamOffset - this.deframer.bufferedBytes - consumedBefore - framed;
    if (garbage > 0) this.noise.record(garbage);
  }

  // --- health --------------------------------------------------------------------------------------

  private asFault(e: unknown): DeviceFault {
    if (isDeviceFault(e)) return e;
    return new DeviceFault(FaultCode.IDREADER_PROTOCOL_ERROR, `${this.link.name}: ${(e as Error)?.message ?? String(e)}`, { link: this.link.name });
  }

  /** A well-formed reply arrived: the line and the reader are alive. */
  private noteReply(reply: SamReply): void {
    this.noResponses = 0;
    this.clear(FaultCode.IDREADER_NO_RESPONSE);
    this.clear(FaultCode.DEVICE_LINK_DOWN);
    const outcome = samStatus(reply.sw3).outcome;
    if (outcome !== 'protocol_error') {
      this.protocolErrors = 0;
      this.clear(FaultCode.IDREADER_PROTOCOL_ERROR);
    }
    // raised by noteError once confirmed (it has the command's words); cleared here once confirmed
    if (this.samFault.observe(outcome === 'sam_fault' ? [FaultCode.IDREADER_SAM_FAULT] : []).cleared.length) this.clear(FaultCode.IDREADER_SAM_FAULT);
  }

  private noteError(f: DeviceFault): void {
    switch (f.code) {
      case FaultCode.IDREADER_NO_RESPONSE:
        this.noResponses++;
        if (this.noResponses >= this.noResponseLimit) this.set(f);
        break;
      case FaultCode.IDREADER_PROTOCOL_ERROR:
        this.protocolErrors++;
        this.log?.warn(f.detail, f.context);
        if (this.protocolErrors >= this.protocolErrorLimit) this.set(f);
        break;
      case FaultCode.IDREADER_SAM_FAULT:
        // one reply saying so is not enough: `confirmReads` in a row (noteReply counts them)
        if (this.samFault.has(FaultCode.IDREADER_SAM_FAULT)) this.set(f);
        break;
      default:
        this.set(f);
    }
  }

  private onLinkHealth(h: LinkHealth): void {
    if (h.state === 'down' || h.state === 'closed') {
      this.set(new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `${this.link.name} is ${h.state}${h.lastError ? `: ${h.lastError}` : ''}`, { link: this.link.name }));
    } else if (h.state === 'up') this.clear(FaultCode.DEVICE_LINK_DOWN);
  }

  private set(f: DeviceFault): void {
    this.conditions.set(f.code, f);
    this.recompute();
  }

  private clear(code: FaultCode): void {
    if (this.conditions.delete(code) || this._health.state === 'unknown') this.recompute();
  }

  private recompute(): void {
    const head = PRECEDENCE.map((c) => this.conditions.get(c)).find((f) => f !== undefined);
    const prev = this._health;
    const lineNoise = this.noise.report;
    const warnings = lineNoise.persistent ? [lineNoiseWarning(FaultCode.IDREADER_LINE_NOISE, this.link.name, lineNoise)] : [];
    const sameWarnings = (prev.warnings ?? []).map((w) => w.code).join() === warnings.map((w) => w.code).join() && prev.lineNoise?.noisy === lineNoise.noisy;
    const extra = { ...(warnings.length ? { warnings } : {}), lineNoise };
    if (head) {
      if (prev.state === 'fault' && prev.fault?.code === head.code && sameWarnings) return;
      const newFault = !(prev.state === 'fault' && prev.fault?.code === head.code);
      this._health = { state: 'fault', fault: { code: head.code, detail: head.detail }, ...extra, since: newFault ? Date.now() : prev.since };
      if (newFault) this.log?.warn(`ID reader fault ${head.code}: ${head.detail}`, { link: this.link.name });
      this.safeEmit('health', this._health);
      if (newFault) this.safeEmit('fault', head);
      return;
    }
    if (prev.state === 'ok' && sameWarnings) return;
    this._health = { state: 'ok', ...extra, since: prev.state === 'ok' ? prev.since : Date.now() };
    if (prev.state === 'fault') this.log?.info('ID reader healthy again', { link: this.link.name, was: prev.fault?.code });
    this.safeEmit('health', this._health);
  }

  private safeEmit<K extends keyof IdCardReaderEvents>(event: K, ...args: IdCardReaderEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: IdCardReaderEvents[K]) => boolean)(event, ...args);
    } catch (e) {
      this.log?.warn(`an ID reader "${String(event)}" listener threw: ${(e as Error)?.message ?? String(e)}`);
    }
  }
}
