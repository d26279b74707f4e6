/**
 * "附近可用的自助机" from HQ (issue 10). While the kiosk shows (or is about to show) a screen that
 * sends people elsewhere, it asks HQ which kiosks near it are usable now for the services in question
 * (`POST /api/v1/kiosk/nearby`, through the link), in the background with a short timeout, and asks
 * again every `refreshMs` while that lasts. The screen never waits for HQ: it shows the configured
 * list (filtered by hours, nearby.ts) until HQ's answer is there, and again once the last answer is
 * older than `freshMs` (HQ unreachable or slow) or HQ cannot place this kiosk.
 */
import type { FlowServiceName, KioskStatusName, KioskView } from '../../contracts/bridge.ts';
import type { NearbyResponse } from '../../contracts/hq-nearby.ts';
import type { Now } from '../../state-machines/deadlines.ts';

/** HQ's answer for these services, or a rejection (unreachable, refused, too slow: aborted by `signal`). */
export type AskNearby = (services: FlowServiceName[], signal: AbortSignal) => Promise<NearbyResponse>;

export interface LiveNearbyOptions {
  now: Now;
  /** the link's question to HQ (absent: the kiosk reports to no HQ) */
  ask?: AskNearby;
  /** a new answer arrived, or the last one went stale: push a screen */
  changed: () => void;
  log?: { warn(message: string): void; info(message: string): void };
  /** default 2 s */
  timeoutMs?: number;
  /** default 45 s */
  refreshMs?: number;
  /** default 90 s */
  freshMs?: number;
}

/** Screens that send people elsewhere follow from these kiosk statuses (no session running)... */
const GO_ELSEWHERE_STATUSES: ReadonlySet<KioskStatusName> = new Set(['outOfHours', 'outOfService', 'remoteLocked']);
/** ...and from these flow steps (the receipt could not be printed; asked while printing, so the list is there in time). */
const GO_ELSEWHERE_STEPS: ReadonlySet<string> = new Set(['printing', 'undelivered']);

/** The services the person may be sent elsewhere for now, or null: the screen sends nobody elsewhere. */
export function servicesToSendElsewhere(status: KioskStatusName, session: { service: FlowServiceName; step: string } | null, offered: readonly FlowServiceName[]): FlowServiceName[] | null {
  if (session) return GO_ELSEWHERE_STEPS.has(session.step.split('.')[0]!) ? [session.service] : null;
  return GO_ELSEWHERE_STATUSES.has(status) && offered.length > 0 ? [...offered] : null;
}

interface Answer {
  key: string;
  at: number;
  response: NearbyResponse;
}

export class LiveNearby {
  private wanted: FlowServiceName[] | null = null;
  private last: Answer | null = null;
  private inFlight: { key: string; abort: AbortController } | null = null;
  private askedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(private readonly o: LiveNearbyOptions) {}

  private get timeoutMs() {
    return this.o.timeoutMs ?? 2_000;
  }
  private get refreshMs() {
    return this.o.refreshMs ?? 45_000;
  }
  private get freshMs() {
    return this.o.freshMs ?? 90_000;
  }

  /**
   * The screen about to be made needs the nearby kiosks for `services` (null: it sends nobody
   * elsewhere). Returns HQ's answer when it is fresh and for these services, else null (use the
   * configured list); asks HQ in the background when the answer is missing or due again.
   */
  current(services: FlowServiceName[] | null): NearbyResponse | null {
    this.wanted = services;
    if (!services || !this.o.ask || this.closed) return null;
    const key = keyOf(services);
    const now = this.o.now();
    const asked = this.askedAt.get(key);
    if (!this.inFlight && (asked === undefined || now - asked >= this.refreshMs)) this.ask(services, key);
    const a = this.last;
    if (!a || a.key !== key || now - a.at > this.freshMs || !a.response.located) return null;
    return a.response;
  }

  close(): void {
    this.closed = true;
    this.inFlight?.abort.abort();
    if (this.timer) clearTimeout(this.timer);
  }

  private ask(services: FlowServiceName[], key: string): void {
    const abort = new AbortController();
    const started = this.o.now();
    this.askedAt.set(key, started);
    this.inFlight = { key, abort };
    const timeout = setTimeout(() => abort.abort(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    timeout.unref();
    this.o.ask!(services, abort.signal).then(
      (response) => {
        if (this.closed) return;
        if (this.failures > 0) this.o.log?.info(`nearby kiosks: HQ answers again (${response.kiosks.length} near, usable now)`);
        this.failures = 0;
        this.last = { key, at: this.o.now(), response };
        this.o.changed();
      },
      (e: unknown) => {
        if (this.closed) return;
        if (this.failures++ === 0) this.o.log?.warn(`nearby kiosks: HQ did not answer (${(e as Error).message}); the configured list is shown`);
      },
    ).finally(() => {
      clearTimeout(timeout);
      if (this.inFlight?.abort === abort) this.inFlight = null;
      if (!this.closed) this.schedule(started);
    });
  }

  /** While a screen still wants the list: ask again when due, and push when the last answer goes stale. */
  private schedule(askedAt: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.wanted) return;
    const now = this.o.now();
    const staleAt = this.last ? this.last.at + this.freshMs + 1 : Number.POSITIVE_INFINITY;
    const due = Math.min(askedAt + this.refreshMs, staleAt);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // the screen is made again: `current` asks when due and drops a stale answer
      if (this.wanted && !this.closed) this.o.changed();
    }, Math.max(0, due - now));
    this.timer.unref();
  }
}

const keyOf = (services: readonly FlowServiceName[]): string => [...services].sort().join(',');

/** HQ's answer as the screen lists it: each "此刻可用", nearest first (none: the screen says none is usable now). */
export function nearbyFromHq(r: NearbyResponse): Pick<KioskView, 'nearbyKiosks' | 'nearbyLive'> {
  return {
    nearbyLive: true,
    nearbyKiosks: r.kiosks.map((k) => {
      const closesAt = k.closesAt === null ? null : Date.parse(k.closesAt);
      return { name: k.name, location: k.address ?? '', distanceMeters: k.distanceMeters, closesAt: Number.isFinite(closesAt) ? closesAt : null, live: true };
    }),
  };
}
