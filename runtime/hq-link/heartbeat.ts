/**
 * The heartbeat: every `hq.heartbeatSeconds` an outbox `heartbeat` event saying what the kiosk is
 * now — lifecycle status, each device's health, hours (open, next change), back offices, the
 * watchdogs' faults and what they can speak for, outbox backlog, its clock and the interval (HQ calls the kiosk offline after 3 missed intervals).
 *
 * Decided: no pile of heartbeats while HQ is unreachable. A heartbeat is not enqueued while the
 * previous one is still undelivered — it would only say "still here" late, and every state change
 * travels as its own event anyway (`fault.*`, `kiosk.status`, `lockout.*`). When deliveries resume
 * the link beats at once, so HQ learns the present state without waiting an interval.
 */
import type { DeviceHealth, HqEventPayload, LineNoise } from '../../contracts/hq.ts';
import type { FaultCode } from '../../contracts/faults.ts';
import type { KioskStatusName } from '../../contracts/bridge.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import { hoursNowAt } from '../../state-machines/availability.ts';
import type { LifecycleView } from '../../state-machines/lifecycle.machine.ts';
import type { Now } from '../../state-machines/deadlines.ts';
import type { Outbox } from '../journal/outbox.ts';
import { servicesUsability, servicesUsabilityFrom } from './service-usability.ts';

export type HeartbeatPayload = HqEventPayload<'heartbeat'>;
export type HeartbeatFacts = Pick<HeartbeatPayload, 'lifecycle' | 'devices' | 'hours' | 'backends' | 'services' | 'watch'>;

const DEVICES = ['idReader', 'printer', 'scanner'] as const;
const BACKENDS = ['providentFund', 'his', 'payment'] as const;
type Problems = { faults: { code: FaultCode }[]; warnings: { code: FaultCode }[]; lineNoise?: LineNoise | undefined };

export interface HeartbeatSources {
  config: Pick<KioskConfig, 'devices' | 'backends' | 'promisedHours' | 'services'>;
  now: Now;
  /** the kiosk's lifecycle (absent: an agent without a screen) */
  lifecycle?: () => LifecycleView;
  /** each device's latest health from its driver */
  devices: () => ReadonlyMap<string, Problems>;
  /** each back office's reachability */
  backends: () => ReadonlyMap<string, { state: 'up' | 'down' }>;
  /** issue 11: the watchdogs' faults now and the codes this run can speak for (runtime/watchdog/watch-report.ts) */
  watch?: () => NonNullable<HeartbeatPayload['watch']>;
}

const iso = (t: number | null | undefined) => (typeof t === 'number' && Number.isFinite(t) ? new Date(t).toISOString() : null);
const uniq = (codes: FaultCode[]) => [...new Set(codes)].slice(0, 32);

/** What the heartbeat says about the kiosk now. */
export function heartbeatFacts(s: HeartbeatSources): HeartbeatFacts {
  const health = s.devices();
  const devices: HeartbeatFacts['devices'] = {};
  for (const d of DEVICES) {
    if (!s.config.devices[d]) {
      devices[d] = { state: 'absent', faults: [], warnings: [] };
      continue;
    }
    const h = health.get(d);
    const faults = uniq(h?.faults.map((f) => f.code) ?? []);
    const warnings = uniq(h?.warnings.map((f) => f.code) ?? []);
    const state: DeviceHealth['state'] = faults.length ? 'fault' : warnings.length ? 'warning' : 'ok';
    devices[d] = { state, faults, warnings, ...(h?.lineNoise ? { lineNoise: h.lineNoise } : {}) };
  }
  const reach = s.backends();
  const backends: NonNullable<HeartbeatFacts['backends']> = {};
  for (const b of BACKENDS) if (s.config.backends[b]) backends[b] = reach.get(b)?.state ?? 'unknown';

  const view = s.lifecycle?.();
  const hours = view?.hours ?? hoursNowAt({ ...s.config, devices: s.config.devices }, s.now()).promised;
  const nextChange = hours.open ? hours.closesAt : hours.opensAt;
  // without a screen there is no lifecycle: say what the devices and hours allow
  const anyFault = Object.values(devices).some((d) => d.state === 'fault');
  const lifecycle: KioskStatusName = view?.status ?? (!hours.open ? 'outOfHours' : anyFault ? 'degraded' : 'inService');
  // issue 10: each service usable or not (its hours aside), for HQ's availability
  const services = view ? servicesUsability(view.availability) : servicesUsabilityFrom(s.config, health, reach, s.now());
  return { lifecycle, devices, hours: { open: hours.open, nextChangeAt: iso(nextChange) }, backends, services, ...(s.watch ? { watch: s.watch() } : {}) };
}

export interface HeartbeatOptions {
  outbox: Outbox;
  intervalSeconds: number;
  facts: () => HeartbeatFacts;
  now: Now;
  log: { warn(message: string): unknown; debug?(message: string): unknown };
}

/** Enqueues a heartbeat every interval, unless the previous one is still waiting for HQ. */
export class Heartbeats {
  private timer: NodeJS.Timeout | undefined;
  private lastId: string | null = null;
  private skipped = 0;

  constructor(private readonly o: HeartbeatOptions) {}

  start(): this {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.o.intervalSeconds * 1000);
    this.timer.unref();
    return this;
  }

  /** Enqueue one now (unless the previous one waits). Returns whether it did. */
  beat(): boolean {
    const { outbox } = this.o;
    try {
      if (this.lastId) {
        const prev = outbox.get(this.lastId);
        if (prev.deliveredAt === null && prev.setAsideAt === null) {
          if (this.skipped++ === 0) this.o.log.debug?.('HQ link: heartbeat skipped, the previous one is still waiting for HQ');
          return false;
        }
      }
    } catch {
      // the previous one was pruned: it was delivered long ago
    }
    try {
      const payload: HeartbeatPayload = {
        ...this.o.facts(),
        outboxBacklog: outbox.backlog().pending,
        clock: new Date(this.o.now()).toISOString(),
        intervalSeconds: this.o.intervalSeconds,
      };
      this.lastId = outbox.enqueue('heartbeat', payload).id;
      this.skipped = 0;
      return true;
    } catch (e) {
      this.o.log.warn(`HQ link: the heartbeat could not be journaled: ${(e as Error).message}`);
      return false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
