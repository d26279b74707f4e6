import { z } from 'zod';
import type { ByteLink } from '../../drivers/transport/link.ts';
import { PacedLink } from '../paced-link.ts';
import { SimControlError } from '../control-error.ts';
import {
  SamDeframer,
  commandName,
  encodeReply,
  hex2,
  parseRequest,
  type SamCommandName,
} from '../../drivers/id-reader/protocol.ts';
import { NEWEST_ADDRESS_BYTES, PHOTO_BYTES, TEXT_BYTES, encodeCardText, type IdCard } from '../../drivers/id-reader/card.ts';
import { SAMPLE_IDENTITIES, type SimIdentity } from './identities.ts';

/** Time the card and SAM take per command (radio exchange + crypto), on top of wire time. */
export interface RfDelays {
  findMs: number;
  selectMs: number;
  readMs: number;
}

export const DEFAULT_RF_DELAYS: RfDelays = { findMs: 5, selectMs: 5, readMs: 100 };

/** Total RF delay of one find → select → read. */
export function rfDelayOfOneRead(rf: RfDelays): number {
  return rf.findMs + rf.selectMs + rf.readMs;
}

export interface SimulatedIdReaderOptions {
  identities?: readonly SimIdentity[];
  rf?: Partial<RfDelays>;
  /**
   * Pace the simulator's bytes as a real UART would (10 bits a byte): requests are taken to
   * arrive after their wire time, replies take theirs to leave. Default 115200; `false` = instant.
   */
  baudRate?: number | false;
  /**
   * Like many real modules: after a card has been read, `find` answers 80 while the card stays
   * on the antenna (it is halted); `select` still answers 90. Default false.
   */
  haltAfterRead?: boolean;
}

const intCount = z.number().int().min(1).max(1_000_000);
const sexSchema = z.enum(['male', 'female', 'unknown']);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const commonCard = {
  name: z.string(),
  sex: sexSchema,
  nation: z.string(),
  nationCode: z.string(),
  birthDate: date,
  address: z.string(),
  idNumber: z.string(),
  idNumberValid: z.boolean(),
  authority: z.string(),
  validFrom: date,
  validTo: z.union([date, z.literal('长期')]),
};
const cardSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('resident'), ...commonCard }).strict(),
  z.object({ kind: z.literal('foreigner'), ...commonCard, englishName: z.string(), nationality: z.string(), cardNumber: z.string() }).strict(),
  z.object({ kind: z.literal('permit'), ...commonCard, passNumber: z.string(), issueCount: z.number().int().min(0).max(99).nullable() }).strict(),
]);

const controlSchemas = {
  'card-on': z.object({ identity: z.string().optional(), card: cardSchema.optional(), newestAddress: z.string().optional() }).strict(),
  'card-off': z.object({}).strict(),
  'sam-fault': z.object({ on: z.boolean().default(true) }).strict(),
  'read-failure': z.object({ count: intCount.optional(), on: z.boolean().optional() }).strict(),
  'corrupt-checksum': z.object({ count: intCount.default(1), command: z.enum(['any', 'status', 'find', 'select', 'read']).default('any') }).strict(),
  'no-reply': z.object({ count: intCount.optional(), on: z.boolean().optional() }).strict(),
  'rf-delay': z.object({ findMs: z.number().min(0).max(60_000), selectMs: z.number().min(0).max(60_000), readMs: z.number().min(0).max(60_000) }).partial().strict(),
  'clear-faults': z.object({}).strict(),
} as const;
export type SimIdReaderAction = keyof typeof controlSchemas;
export const SIM_ID_READER_ACTIONS = Object.keys(controlSchemas) as SimIdReaderAction[];

export type CorruptTarget = 'any' | 'status' | 'find' | 'select' | 'read';

function targetOf(name: SamCommandName | undefined): CorruptTarget {
  switch (name) {
    case 'SAM_STATUS':
      return 'status';
    case 'FIND_CARD':
      return 'find';
    case 'SELECT_CARD':
      return 'select';
    case 'READ_TEXT_PHOTO':
    case 'READ_TEXT_PHOTO_FINGERPRINT':
    case 'READ_NEWEST_ADDRESS':
      return 'read';
    default:
      return 'any';
  }
}

interface PlacedCard {
  identity: SimIdentity;
  text: Uint8Array;
  selected: boolean;
  halted: boolean;
}

export interface SimIdReaderState {
  device: 'id-reader';
  attached: boolean;
  link?: string;
  baudRate: number | false;
  rf: RfDelays;
  haltAfterRead: boolean;
  card: { present: false } | { present: true; identity: string; kind: IdCard['kind']; selected: boolean; halted: boolean };
  faults: {
    samFault: boolean;
    readFailureAlways: boolean;
    readFailuresPending: number;
    corruptRepliesPending: number;
    corruptOnly: CorruptTarget;
    noReply: boolean;
    dropRepliesPending: number;
  };
  identities: { id: string; kind: IdCard['kind']; label: string }[];
  counters: { requests: number; replies: number; dropped: number; corrupted: number; badFrames: number; byCommand: Record<string, number> };
}

const FAKE_SAM_ID = Uint8Array.of(0x05, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x39, 0x30, 0x00, 0x00, 0x31, 0xd4, 0x00, 0x00);

/**
 * A GA 467 ID card reader that answers SAM frames with the drivers' own codec, over whatever
 * link it is attached to (the sim side of a PTY pair, or a TCP connection).
 */
export class SimulatedIdReader {
  private readonly identities: Map<string, SimIdentity>;
  private rf: RfDelays;
  readonly baudRate: number | false;
  readonly haltAfterRead: boolean;
  private link: ByteLink | undefined;
  private unsubscribe: (() => void) | undefined;
  private deframer = new SamDeframer();
  private queue: Promise<void> = Promise.resolve();
  private timers = new Set<NodeJS.Timeout>();
  /** bumps on detach so queued work for an old link is dropped */
  private generation = 0;
  private card: PlacedCard | undefined;
  private samFault = false;
  private readFailureAlways = false;
  private readFailuresPending = 0;
  private corruptRepliesPending = 0;
  private corruptOnly: CorruptTarget = 'any';
  private noReply = false;
  private dropRepliesPending = 0;
  private counters = { requests: 0, replies: 0, dropped: 0, corrupted: 0, badFrames: 0, byCommand: {} as Record<string, number> };

  constructor(opts: SimulatedIdReaderOptions = {}) {
    const ids = opts.identities ?? SAMPLE_IDENTITIES;
    this.identities = new Map();
    for (const identity of ids) {
      encodeCardText(identity.card); // throws RangeError if a field does not fit
      this.identities.set(identity.id, identity);
    }
    this.rf = { ...DEFAULT_RF_DELAYS, ...opts.rf };
    this.baudRate = opts.baudRate === undefined ? 115200 : opts.baudRate;
    this.haltAfterRead = opts.haltAfterRead ?? false;
  }

  attach(link: ByteLink): void {
    if (this.link) this.detach();
    this.link = this.baudRate ? new PacedLink(link, this.baudRate) : link;
    this.deframer = new SamDeframer();
    const gen = this.generation;
    this.unsubscribe = link.onData((chunk) => {
      if (gen !== this.generation) return;
      this.onBytes(chunk, gen);
    });
  }

  detach(): void {
    this.generation++;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.link = undefined;
    this.queue = Promise.resolve();
  }

  // --- card handling ---------------------------------------------------------------------------

  /** Lay a card on the antenna: a configured identity by id (default the first), or an inline card. */
  placeCard(identity?: string | SimIdentity): void {
    let chosen: SimIdentity | undefined;
    if (typeof identity === 'object') chosen = identity;
    else if (identity === undefined) chosen = this.identities.values().next().value;
    else chosen = this.identities.get(identity);
    if (!chosen) throw new SimControlError(`no identity "${String(identity)}" (have: ${[...this.identities.keys()].join(', ')})`);
    this.card = { identity: chosen, text: encodeCardText(chosen.card), selected: false, halted: false };
  }

  removeCard(): void {
    this.card = undefined;
  }

  get cardPresent(): boolean {
    return this.card !== undefined;
  }

  // --- fault injection -------------------------------------------------------------------------

  /** SAM self-test failure: every command answers SW3 60 until cleared. */
  setSamFault(on: boolean): void {
    this.samFault = on;
  }
  /** The next `count` reads answer SW3 41 (read failed). */
  failNextReads(count = 1): void {
    this.readFailuresPending += count;
  }
  /** Every read answers SW3 41 while on. */
  setReadFailure(on: boolean): void {
    this.readFailureAlways = on;
    if (!on) this.readFailuresPending = 0;
  }
  /** The next `count` replies (to `command`, default any) go out with a wrong checksum byte. */
  corruptNextReplies(count = 1, command: CorruptTarget = 'any'): void {
    this.corruptRepliesPending += count;
    this.corruptOnly = command;
  }
  /** Swallow the next `count` requests without answering. */
  dropNextReplies(count = 1): void {
    this.dropRepliesPending += count;
  }
  /** Answer nothing at all while on (a dead reader). */
  setNoReply(on: boolean): void {
    this.noReply = on;
    if (!on) this.dropRepliesPending = 0;
  }
  setRfDelays(rf: Partial<RfDelays>): void {
    this.rf = { ...this.rf, ...rf };
  }
  get rfDelays(): RfDelays {
    return { ...this.rf };
  }
  clearFaults(): void {
    this.samFault = false;
    this.readFailureAlways = false;
    this.readFailuresPending = 0;
    this.corruptRepliesPending = 0;
    this.corruptOnly = 'any';
    this.noReply = false;
    this.dropRepliesPending = 0;
  }

  state(): SimIdReaderState {
    const c = this.card;
    return {
      device: 'id-reader',
      attached: this.link !== undefined,
      ...(this.link ? { link: this.link.name } : {}),
      baudRate: this.baudRate,
      rf: { ...this.rf },
      haltAfterRead: this.haltAfterRead,
      card: c ? { present: true, identity: c.identity.id, kind: c.identity.card.kind, selected: c.selected, halted: c.halted } : { present: false },
      faults: {
        samFault: this.samFault,
        readFailureAlways: this.readFailureAlways,
        readFailuresPending: this.readFailuresPending,
        corruptRepliesPending: this.corruptRepliesPending,
        corruptOnly: this.corruptOnly,
        noReply: this.noReply,
        dropRepliesPending: this.dropRepliesPending,
      },
      identities: [...this.identities.values()].map((i) => ({ id: i.id, kind: i.card.kind, label: i.label })),
      counters: { ...this.counters, byCommand: { ...this.counters.byCommand } },
    };
  }

  control(action: string, body: unknown): unknown {
    if (!(action in controlSchemas)) {
      throw new SimControlError(`unknown id-reader action "${action}" (have: ${SIM_ID_READER_ACTIONS.join(', ')})`);
    }
    const parsed = controlSchemas[action as SimIdReaderAction].safeParse(body ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
      throw new SimControlError(`id-reader ${action}: bad body: ${issues}`);
    }
    const b = parsed.data as Record<string, unknown>;
    switch (action as SimIdReaderAction) {
      case 'card-on': {
        if (b.card && b.identity) throw new SimControlError('id-reader card-on: give "identity" or "card", not both');
        if (b.card) {
          const identity: SimIdentity = {
            id: 'custom',
            label: 'card from the control API',
            card: b.card as IdCard,
            ...(typeof b.newestAddress === 'string' ? { newestAddress: b.newestAddress } : {}),
          };
          try {
            encodeCardText(identity.card);
          } catch (e) {
            throw new SimControlError(`id-reader card-on: ${(e as Error).message}`);
          }
          this.placeCard(identity);
        } else this.placeCard(b.identity as string | undefined);
        return { identity: this.card?.identity.id };
      }
      case 'card-off':
        this.removeCard();
        return undefined;
      case 'sam-fault':
        this.setSamFault(b.on as boolean);
        return undefined;
      case 'read-failure':
        if (b.on !== undefined) this.setReadFailure(b.on as boolean);
        if (b.count !== undefined || b.on === undefined) this.failNextReads((b.count as number | undefined) ?? 1);
        return undefined;
      case 'corrupt-checksum':
        this.corruptNextReplies(b.count as number, b.command as CorruptTarget);
        return undefined;
      case 'no-reply':
        if (b.on !== undefined) this.setNoReply(b.on as boolean);
        if (b.count !== undefined) this.dropNextReplies(b.count as number);
        if (b.on === undefined && b.count === undefined) this.setNoReply(true);
        return undefined;
      case 'rf-delay':
        this.setRfDelays(b as Partial<RfDelays>);
        return this.rfDelays;
      case 'clear-faults':
        this.clearFaults();
        return undefined;
    }
  }

  // --- the wire ----------------------------------------------------------------------------------

  private wireMs(bytes: number): number {
    return this.baudRate ? (bytes * 10 * 1000) / this.baudRate : 0;
  }

  private sleep(ms: number, gen: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(gen === this.generation);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(gen === this.generation);
      }, ms);
      this.timers.add(t);
    });
  }

  private onBytes(chunk: Uint8Array, gen: number): void {
    for (const item of this.deframer.push(chunk)) {
      if ('error' in item) {
        this.counters.badFrames++;
        // a real SAM answers a damaged request with 10 (checksum) or 11 (length); garbage gets nothing
        if (item.error.code === 'BAD_CHECKSUM') this.enqueue(gen, 0, () => encodeReply(0x10));
        else if (item.error.code === 'BAD_LENGTH') this.enqueue(gen, 0, () => encodeReply(0x11));
        continue;
      }
      const requestBytes = item.frame.byteLength;
      this.counters.requests++;
      let req;
      try {
        req = parseRequest(item.frame.body);
      } catch {
        this.enqueue(gen, this.wireMs(requestBytes), () => encodeReply(0x21));
        continue;
      }
      const name = commandName(req.cmd, req.para);
      const key = name ?? `${hex2(req.cmd)}${hex2(req.para)}`;
      this.counters.byCommand[key] = (this.counters.byCommand[key] ?? 0) + 1;
      this.enqueue(gen, this.wireMs(requestBytes) + this.rfFor(name), () => this.answer(name), targetOf(name));
    }
  }

  private rfFor(name: SamCommandName | undefined): number {
    switch (name) {
      case 'FIND_CARD':
        return this.rf.findMs;
      case 'SELECT_CARD':
        return this.rf.selectMs;
      case 'READ_TEXT_PHOTO':
      case 'READ_TEXT_PHOTO_FINGERPRINT':
      case 'READ_NEWEST_ADDRESS':
        return this.rf.readMs;
      default:
        return 0;
    }
  }

  /** Requests are answered one after another, as a real reader's single-threaded firmware does. */
  private enqueue(gen: number, delayMs: number, reply: () => Uint8Array | undefined, target: CorruptTarget = 'any'): void {
    this.queue = this.queue.then(async () => {
      if (!(await this.sleep(delayMs, gen))) return;
      if (this.noReply || this.dropRepliesPending > 0) {
        if (!this.noReply) this.dropRepliesPending--;
        this.counters.dropped++;
        return;
      }
      // the answer reflects the card as it is once the RF exchange is over
      const frame = reply();
      if (!frame || gen !== this.generation || !this.link) return;
      if (this.corruptRepliesPending > 0 && (this.corruptOnly === 'any' || this.corruptOnly === target)) {
        this.corruptRepliesPending--;
        this.counters.corrupted++;
        frame[frame.length - 1] = frame[frame.length - 1]! ^ 0x5a;
      }
      this.counters.replies++;
      await this.link.write(frame).catch(() => undefined);
    });
  }

  private answer(name: SamCommandName | undefined): Uint8Array {
    if (name === undefined) return encodeReply(0x21);
    if (this.samFault && name !== 'RESET') return encodeReply(0x60);
    const card = this.card;
    switch (name) {
      case 'RESET':
        if (card) {
          card.selected = false;
          card.halted = false;
        }
        return encodeReply(this.samFault ? 0x60 : 0x90);
      case 'SAM_STATUS':
        return encodeReply(0x90);
      case 'READ_SAM_ID':
        return encodeReply(0x90, FAKE_SAM_ID);
      case 'FIND_CARD':
        if (!card || card.halted) return encodeReply(0x80);
        return encodeReply(0x9f, [0, 0, 0, 0]);
      case 'SELECT_CARD':
        if (!card) return encodeReply(0x81);
        card.selected = true;
        return encodeReply(0x90, new Uint8Array(8));
      case 'READ_TEXT_PHOTO':
      case 'READ_TEXT_PHOTO_FINGERPRINT': {
        if (!card || !card.selected) return encodeReply(0x41);
        if (this.readFailureAlways || this.readFailuresPending > 0) {
          if (!this.readFailureAlways) this.readFailuresPending--;
          return encodeReply(0x41);
        }
        if (this.haltAfterRead) card.halted = true;
        return encodeReply(0x90, readReplyData(card.text, name === 'READ_TEXT_PHOTO_FINGERPRINT'));
      }
      case 'READ_NEWEST_ADDRESS': {
        if (!card || !card.selected) return encodeReply(0x41);
        const address = card.identity.newestAddress;
        if (!address) return encodeReply(0x91);
        const data = new Uint8Array(NEWEST_ADDRESS_BYTES);
        for (let i = 0; i < NEWEST_ADDRESS_BYTES; i += 2) {
          const c = i / 2 < address.length ? address.charCodeAt(i / 2) : 0x20;
          data[i] = c & 0xff;
          data[i + 1] = c >> 8;
        }
        return encodeReply(0x90, data);
      }
    }
  }
}

/** The whole frame the simulated reader sends for a successful 30 01 (or 30 10) read of `card`. */
export function readReplyFrame(card: IdCard, opts: { withFingerprint?: boolean } = {}): Uint8Array {
  return encodeReply(0x90, readReplyData(encodeCardText(card), opts.withFingerprint));
}

/** Data of a 30 01 reply (or 30 10 with an empty fingerprint block): lengths, text, a stand-in WLT photo. */
export function readReplyData(text: Uint8Array, withFingerprint = false): Uint8Array {
  const head = withFingerprint ? 6 : 4;
  const data = new Uint8Array(head + TEXT_BYTES + PHOTO_BYTES);
  data[0] = TEXT_BYTES >> 8;
  data[1] = TEXT_BYTES & 0xff;
  data[2] = PHOTO_BYTES >> 8;
  data[3] = PHOTO_BYTES & 0xff;
  // fingerprint length 00 00: the card holds no fingerprint (published 30 10 replies show 05 0A)
  data.set(text, head);
  // WLT photos start with "WL" (57 4C); the rest is noise: the simulator has no faces
  const photo = data.subarray(head + TEXT_BYTES);
  photo[0] = 0x57;
  photo[1] = 0x4c;
  let x = 0x2545f491;
  for (let i = 2; i < photo.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    photo[i] = x & 0xff;
  }
  return data;
}
