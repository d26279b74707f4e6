/**
 * The evidence bundle every `fault.raised` carries to HQ, so a technician sees what led up to it
 * without a trip to the machine:
 *
 * - `recentTransitions`: the kiosk's last status / flow-step changes with their times (a ring of 20,
 *   from the screens the kiosk pushes);
 * - `lineBytes` (device faults): the last bytes the device sent on its line, hex (≤ 256), tapped at
 *   the link, under the device's own fault — printer status bytes as they came; ID reader frames
 *   with only their header and status words (card data is personal: counted as `withheld`, never
 *   kept); the scanner's bytes only counted (a scanned code may be a payment code);
 * - `screenShown`: the screen the renderer last said it painted (how long ago) and the last one sent to it.
 *
 * The bundle is at most {@link BUNDLE_MAX_BYTES} of JSON, and the fault's own evidence plus the
 * bundle stay under the contract's 8 KiB (contracts/hq.ts): the oldest transitions go first, then
 * the line bytes shorten. The fault's own keys win over the bundle's. Attached once, at the outbox
 * (`attachToOutbox`): every caller that journals a `fault.raised` — device board, screen watchdog,
 * lifecycle, machine watch — gets it, and a bundle that cannot be made never stops the fault.
 */
import type { ScreenMessage } from '../../contracts/bridge.ts';
import type { HqEventPayload, HqEventType } from '../../contracts/hq.ts';
import type { Now } from '../../state-machines/deadlines.ts';

/** the bundle's own bound */
export const BUNDLE_MAX_BYTES = 6 * 1024;
/** the fault's evidence as a whole stays this far under the contract's 8 KiB */
const EVIDENCE_MAX_BYTES = 8 * 1024 - 256;

const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');
const iso = (at: number) => new Date(at).toISOString();

export interface Transition {
  at: string;
  status: string;
  service?: string;
  step?: string;
}

/** How a line's bytes are kept: what may be shown of a chunk, and how many bytes are withheld. */
export type LineFilter = (chunk: Uint8Array) => { kept: readonly number[] | Uint8Array; withheld: number };

/** Printer → kiosk is status only (DLE EOT replies, automatic status back, completion ids): kept as they came. */
export const keepAll: LineFilter = (chunk) => ({ kept: chunk, withheld: 0 });

/** Scanner → kiosk is the scanned text (payment codes, health codes): only counted. */
export const withholdAll: LineFilter = (chunk) => ({ kept: [], withheld: chunk.length });

const GA467_PREAMBLE = [0xaa, 0xaa, 0xaa, 0x96, 0x69];
/** preamble, 2 length bytes, SW1 SW2 SW3 */
const GA467_SHOWN = 10;

/**
 * ID reader → kiosk (GA 467 frames): each frame's preamble, length and status words are kept; its
 * data (name, ID number, photo: personal) is withheld, as is anything between frames (it may be a
 * frame whose preamble was garbled). Stateful across chunks: one filter per line.
 */
export function ga467Filter(): LineFilter {
  let pending: number[] = []; // bytes that may still become a preamble
  let left = 0; // bytes of the current frame (after its preamble) still to come
  let shown = 0; // bytes of the current frame kept so far
  let lengthHigh = 0;
  const startsPreamble = (bytes: number[]) => bytes.every((x, i) => x === GA467_PREAMBLE[i]);
  return (chunk) => {
    const kept: number[] = [];
    let withheld = 0;
    for (const b of chunk) {
      if (left > 0) {
        left--;
        if (shown < GA467_SHOWN) {
          kept.push(b);
          shown++;
        } else withheld++;
        // the two length bytes (big-endian): how much of the frame follows them
        if (shown === GA467_PREAMBLE.length + 1) lengthHigh = b;
        else if (shown === GA467_PREAMBLE.length + 2 && left === 0) left = (lengthHigh << 8) | b;
        continue;
      }
      pending.push(b);
      while (pending.length > 0 && !startsPreamble(pending)) {
        pending.shift();
        withheld++;
      }
      if (pending.length === GA467_PREAMBLE.length) {
        kept.push(...pending);
        shown = pending.length;
        left = 2;
        pending = [];
      }
    }
    return { kept, withheld };
  };
}

interface LineRecord {
  link: string;
  bytes: number[];
  withheld: number;
  lastAt: number | null;
}

/** What the bundle needs of the bridge (runtime/bridge/server.ts `RunningBridge` fits). */
export interface ShownScreens {
  readonly lastPainted: { seq: number; screen: string; at: number } | undefined;
  readonly lastSent: { seq: number; at: number } | undefined;
}

/** A device's link as far as the tap needs it (drivers/transport/link.ts `ByteLink` fits). */
export interface TappedLink {
  readonly name: string;
  onData(listener: (chunk: Uint8Array) => void): () => void;
}

export interface FaultEvidenceOptions {
  now: Now;
  /** transitions kept (default 20) */
  transitions?: number;
  /** bytes kept per line (default 256) */
  lineBytes?: number;
  log?: { warn(message: string): void };
}

export class FaultEvidence {
  private readonly now: Now;
  private readonly maxTransitions: number;
  private readonly maxLineBytes: number;
  private readonly transitions: Transition[] = [];
  private readonly lines = new Map<string, LineRecord>();
  private readonly detach: (() => void)[] = [];
  private screens: ShownScreens | undefined;
  private last = '';

  constructor(private readonly o: FaultEvidenceOptions) {
    this.now = o.now;
    this.maxTransitions = o.transitions ?? 20;
    this.maxLineBytes = o.lineBytes ?? 256;
  }

  /** A screen the kiosk pushed: a new status or flow step is a transition. */
  noteScreen(s: Pick<ScreenMessage, 'kiosk' | 'session'>): void {
    const t: Omit<Transition, 'at'> = { status: s.kiosk.status, ...(s.session ? { service: s.session.service, step: s.session.step } : {}) };
    const key = `${t.status}|${t.service ?? ''}|${t.step ?? ''}`;
    if (key === this.last) return;
    this.last = key;
    this.transitions.push({ at: iso(this.now()), ...t });
    if (this.transitions.length > this.maxTransitions) this.transitions.shift();
  }

  /** Follow the kiosk's screens (runtime/kiosk/kiosk.ts `Kiosk`). */
  watchKiosk(kiosk: { screen(): ScreenMessage; on(e: 'screen', l: (s: ScreenMessage) => void): unknown; off(e: 'screen', l: (s: ScreenMessage) => void): unknown }): void {
    const onScreen = (s: ScreenMessage) => this.noteScreen(s);
    this.noteScreen(kiosk.screen()); // where it stands now: the first transition
    kiosk.on('screen', onScreen);
    this.detach.push(() => kiosk.off('screen', onScreen));
  }

  /** The screens shown come from here (read when a fault is raised). */
  watchScreens(screens: ShownScreens): void {
    this.screens = screens;
  }

  /** Keep the last bytes `device` sends on its link, through its privacy filter. */
  tapLine(device: string, link: TappedLink, filter: LineFilter): void {
    const record: LineRecord = { link: link.name, bytes: [], withheld: 0, lastAt: null };
    this.lines.set(device, record);
    this.detach.push(
      link.onData((chunk) => {
        // the driver's own listener must never feel this one: nothing here may throw into the link
        try {
          const { kept, withheld } = filter(chunk);
          for (const b of kept.length > this.maxLineBytes ? kept.slice(kept.length - this.maxLineBytes) : kept) record.bytes.push(b);
          if (record.bytes.length > this.maxLineBytes) record.bytes.splice(0, record.bytes.length - this.maxLineBytes);
          record.withheld += withheld;
          record.lastAt = this.now();
        } catch (e) {
          this.o.log?.warn(`fault evidence: ${device} line bytes not kept: ${(e as Error).message}`);
        }
      }),
    );
  }

  stop(): void {
    for (const d of this.detach.splice(0)) d();
  }

  /** The bundle for a fault of `device` (a device name, 'screen', 'agent' …), fitted beside `own` evidence. */
  bundle(device: string, own: Record<string, unknown> = {}): Record<string, unknown> {
    const transitions = [...this.transitions];
    const line = this.lines.get(device);
    let bytes = line ? [...line.bytes] : [];
    const make = (): Record<string, unknown> => {
      const b: Record<string, unknown> = {};
      if (transitions.length > 0) b.recentTransitions = transitions;
      if (line) b.lineBytes = { link: line.link, hex: Buffer.from(bytes).toString('hex'), ...(line.withheld ? { withheld: line.withheld } : {}), lastAt: line.lastAt === null ? null : iso(line.lastAt) };
      const painted = this.screens?.lastPainted;
      const sent = this.screens?.lastSent;
      // the bridge times its screens by the wall clock: said as an age, which no pinned or skewed kiosk clock bends
      if (painted || sent) b.screenShown = { ...(painted ? { painted: painted.screen, paintedSeq: painted.seq, paintedMsAgo: Date.now() - painted.at } : {}), ...(sent ? { sentSeq: sent.seq } : {}) };
      for (const key of Object.keys(own)) delete b[key];
      return b;
    };
    const ownBytes = jsonBytes(own);
    const fits = (b: Record<string, unknown>) => jsonBytes(b) <= BUNDLE_MAX_BYTES && ownBytes + jsonBytes(b) <= EVIDENCE_MAX_BYTES;
    let b = make();
    while (!fits(b) && transitions.length > 0) {
      transitions.shift();
      b = make();
    }
    while (!fits(b) && bytes.length > 0) {
      bytes = bytes.slice(Math.floor(bytes.length / 2) + 1);
      b = make();
    }
    return fits(b) ? b : {};
  }

  /** A fault.raised payload with the bundle merged into its evidence (the payload as it was when it cannot be made). */
  enrich(payload: HqEventPayload<'fault.raised'>): HqEventPayload<'fault.raised'> {
    try {
      const own = payload.evidence ?? {};
      const extra = this.bundle(payload.device, own);
      return Object.keys(extra).length > 0 ? { ...payload, evidence: { ...own, ...extra } } : payload;
    } catch (e) {
      this.o.log?.warn(`fault evidence for ${payload.code} could not be made: ${(e as Error).message}`);
      return payload;
    }
  }

  /**
   * Every `fault.raised` journaled through this outbox gets the bundle: the one place faults become
   * HQ events, whoever raises them.
   */
  attachToOutbox(outbox: { enqueue<K extends HqEventType>(kind: K, payload: HqEventPayload<K>, options?: { id?: string }): unknown }): void {
    const enqueue = outbox.enqueue.bind(outbox) as (kind: HqEventType, payload: unknown, options?: { id?: string }) => unknown;
    outbox.enqueue = ((kind: HqEventType, payload: unknown, options?: { id?: string }) =>
      enqueue(kind, kind === 'fault.raised' ? this.enrich(payload as HqEventPayload<'fault.raised'>) : payload, options)) as typeof outbox.enqueue;
  }
}
