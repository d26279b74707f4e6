/**
 * Whether a service was usable, as HQ knew it moment by moment, from the kiosk's history rows
 * (kiosk_history: its state on HQ's clock, and the service usability the kiosk's heartbeat said):
 *
 * - offline (HQ's KIOSK_OFFLINE verdict), HQ not running, or before HQ heard anything: no data;
 * - in service or degraded: the service's own usability from the heartbeat (its devices, its back
 *   office); a kiosk that does not report usability counts as usable while it takes sessions;
 * - out of hours, locked (by HQ or staff), maintenance, out of service, starting: not usable,
 *   whatever the devices say.
 *
 * Rows whose state is not a kiosk state (lockout annotations) change nothing.
 */
import { KIOSK_STATES, type KioskState } from '../../../contracts/hq-api.ts';
import type { ServiceUsability } from '../../../contracts/hq.ts';
import type { Service } from './promised.ts';
import type { Span } from './spans.ts';

export type UsabilityState = 'up' | 'down' | 'no-data';
export type ServicesMap = Partial<Record<Service, ServiceUsability>>;

/** One history row as the computation reads it. */
export interface StateRow {
  /** HQ's clock */
  at: number;
  state: string;
  /** kiosk_history.services (JSON); null: as the row before */
  services: string | null;
}

export interface StatusSegment extends Span {
  state: UsabilityState;
  reason: string | null;
}

const STATES: ReadonlySet<string> = new Set(KIOSK_STATES);
export const isStateRow = (r: { state: string }): boolean => STATES.has(r.state);

const STATE_WORDS: Record<Exclude<KioskState, 'in-service' | 'degraded'>, string> = {
  offline: 'offline: no word from the kiosk',
  'out-of-service': 'out of service',
  'out-of-hours': 'closed by its own hours',
  maintenance: 'in maintenance',
  locked: 'locked',
};

/** Is `service` usable in kiosk state `state` with heartbeat usability `services`? */
export function usabilityOf(state: string, services: ServicesMap | null, service: Service): { state: UsabilityState; reason: string | null } {
  if (state === 'in-service' || state === 'degraded') {
    const s = services?.[service];
    if (!s || s.usable) return { state: 'up', reason: null };
    return { state: 'down', reason: s.reason ?? 'not usable' };
  }
  if (state === 'offline') return { state: 'no-data', reason: STATE_WORDS.offline };
  return { state: 'down', reason: STATE_WORDS[state as keyof typeof STATE_WORDS] ?? state };
}

/** Parsed service usability, cached by its JSON text (a fleet repeats a handful of them). */
export class ServicesParser {
  private readonly cache = new Map<string, ServicesMap | null>();
  parse(text: string): ServicesMap | null {
    let v = this.cache.get(text);
    if (v === undefined) {
      try {
        v = JSON.parse(text) as ServicesMap;
      } catch {
        v = null;
      }
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(text, v);
    }
    return v;
  }
}

export const NO_DATA_YET = 'no data: HQ had not heard from the kiosk';
export const HQ_DOWN = 'no data: HQ was not running';

/**
 * Contiguous segments covering [from, to) for `service`. `rows` sorted by time; those before `from`
 * only set the state it starts in. `hqDown`: spans HQ was not running (no data whatever the rows say).
 */
export function statusSegments(rows: readonly StateRow[], service: Service, from: number, to: number, hqDown: readonly Span[], parser: ServicesParser): StatusSegment[] {
  if (to <= from) return [];
  const raw: StatusSegment[] = [];
  let cur: { state: UsabilityState; reason: string | null } = { state: 'no-data', reason: NO_DATA_YET };
  let services: ServicesMap | null = null;
  let at = from;
  for (const r of rows) {
    if (!isStateRow(r)) continue;
    if (r.at >= to) break;
    if (r.at > at) {
      raw.push({ from: at, to: r.at, ...cur });
      at = r.at;
    }
    if (r.services !== null) services = parser.parse(r.services);
    cur = usabilityOf(r.state, services, service);
  }
  raw.push({ from: at, to, ...cur });
  return merge(overlay(raw, hqDown, { state: 'no-data', reason: HQ_DOWN }));
}

/** `segments` with `spans` painted over as `as`. */
function overlay(segments: StatusSegment[], spans: readonly Span[], as: { state: UsabilityState; reason: string | null }): StatusSegment[] {
  if (spans.length === 0) return segments;
  const out: StatusSegment[] = [];
  let j = 0;
  for (const s of segments) {
    let at = s.from;
    while (j < spans.length && spans[j]!.to <= at) j++;
    for (let k = j; k < spans.length && spans[k]!.from < s.to; k++) {
      const a = Math.max(at, spans[k]!.from);
      const b = Math.min(s.to, spans[k]!.to);
      if (a > at) out.push({ ...s, from: at, to: a });
      if (b > a) out.push({ from: a, to: b, ...as });
      at = Math.max(at, b);
    }
    if (at < s.to) out.push({ ...s, from: at, to: s.to });
  }
  return out;
}

/** Adjacent segments with the same state and reason become one. */
export function merge<T extends Span & { state: string; reason: string | null }>(segments: T[]): T[] {
  const out: T[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last && last.to === s.from && last.state === s.state && last.reason === s.reason) last.to = s.to;
    else out.push({ ...s });
  }
  return out;
}
