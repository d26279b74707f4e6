/**
 * One simulated kiosk as HQ sees it: an outbox of events with a strictly increasing `seq`, its
 * lifecycle, devices, hours, faults that come and clear, sessions, and the commands HQ hands it.
 * Time here is the kiosk's clock (epoch ms, `now` of the run); the driver decides when to call.
 */
import { randomUUID } from 'node:crypto';
import { FAULT_SEVERITY } from '../../contracts/faults.ts';
import type { KioskStatusName } from '../../contracts/bridge.ts';
import { HqCommandSchema, type DeviceHealth, type HqEvent, type HqEventPayload, type HqEventType, type LockoutReason } from '../../contracts/hq.ts';
import { stepsUpTo } from '../../contracts/session-funnel.ts';
import { DEVICES_OF, HOSPITAL_HOURS, HOURS_REPORT, RETRY_CHANCE, SERVICE_NEEDS, SESSION_ENDS, faultKindsFor, hoursAt, pickWeighted, type FaultKind, type SessionEnd } from './catalogue.ts';
import type { KioskKind, KioskPlan } from './places.ts';
import type { Rng } from './random.ts';

export const SIM_VERSION = 'fleet-sim 0.1.0';
const HOUR = 3_600_000;
const MIN = 60_000;
const BACKENDS = { 'gov-24h': { providentFund: 'up' }, hospital: { his: 'up', payment: 'up' } } as const;
const SERVICE = { 'gov-24h': 'providentFundStatement', hospital: 'hospitalRegistration' } as const;
const PRINT_KIND = { 'gov-24h': 'statement', hospital: 'registration-slip' } as const;
const iso = (ms: number): string => new Date(ms).toISOString();

interface ActiveFault {
  kind: FaultKind;
  clearAt: number;
}

export interface SimKioskOptions {
  plan: KioskPlan;
  rng: Rng;
  /** the heartbeat interval as the kiosk reports it (whole seconds, at least 1) */
  heartbeatSeconds: number;
  faultsPerHour: number;
  sessionsPerHour: number;
}

export class SimKiosk {
  readonly id: string;
  readonly kind: KioskKind;
  secret = '';
  /** events not yet acknowledged by HQ, oldest first, as JSON (serialized once, resent as they are) */
  readonly pending: string[] = [];
  started = false;
  lifecycle: KioskStatusName = 'booting';
  locked = false;
  private seq = 0;
  private open = true;
  private nextHoursChange = Infinity;
  private hours: { open: boolean; nextChangeAt: string | null } = { open: true, nextChangeAt: null };
  private faults: ActiveFault[] = [];
  private devices: Partial<Record<'idReader' | 'printer' | 'scanner', DeviceHealth>> | null = null;
  /** the heartbeat's service usability, made again only when a fault or the lock changes */
  private services: HqEventPayload<'heartbeat'>['services'] | null = null;
  private nextFaultAt = Infinity;
  private nextSessionAt = Infinity;
  private sessions = 0;
  private readonly rng: Rng;
  private readonly faultKinds: readonly FaultKind[];
  /** how this kiosk's sessions end: a few kiosks of a fleet fail people far more often than the rest */
  private readonly sessionEnds: readonly SessionEnd[];
  /** the person who just failed here and will try again in the next session */
  private retry: { person: string; endedAt: number } | null = null;

  constructor(private readonly o: SimKioskOptions) {
    this.id = o.plan.id;
    this.kind = o.plan.kind;
    this.rng = o.rng;
    this.faultKinds = faultKindsFor(this.kind);
    const trouble = 0.5 + 3 * this.rng.next() ** 3;
    this.sessionEnds = SESSION_ENDS[this.kind].map((e) => (e.failure ? { ...e, weight: e.weight * trouble } : e));
  }

  /** the agent starts: `agent.started` and its promised hours (`hours.config`), and a schedule lockout if it boots out of hours */
  start(now: number): void {
    this.started = true;
    this.setHours(now);
    this.push('agent.started', { uncleanPreviousRun: this.rng.next() < 0.02, version: SIM_VERSION, heartbeatSeconds: this.o.heartbeatSeconds }, now);
    this.push('hours.config', HOURS_REPORT[this.kind], now);
    this.nextFaultAt = now + this.rng.exp(this.o.faultsPerHour / HOUR);
    this.nextSessionAt = now + this.rng.exp(this.o.sessionsPerHour / HOUR);
    this.updateLifecycle(now);
  }

  /** the next instant something happens by itself (hours, a fault raised or cleared, a session) */
  nextEventAt(): number {
    let t = Math.min(this.nextHoursChange, this.nextFaultAt, this.nextSessionAt);
    for (const f of this.faults) if (f.clearAt < t) t = f.clearAt;
    return t;
  }

  /** everything that happened up to `now`, in the order it happened */
  advance(now: number): void {
    for (let guard = 0; guard < 64; guard++) {
      const t = this.nextEventAt();
      if (t > now) return;
      if (t === this.nextHoursChange) this.setHours(t);
      else if (t === this.nextFaultAt) this.raiseFault(t);
      else if (t === this.nextSessionAt) this.endSession(t);
      else this.clearFault(this.faults.find((f) => f.clearAt === t)!, t);
      this.updateLifecycle(t);
    }
    // more than 64 things due at once (the clock jumped): skip ahead rather than replay them all
    this.nextFaultAt = Math.max(this.nextFaultAt, now);
    this.nextSessionAt = Math.max(this.nextSessionAt, now);
  }

  heartbeat(now: number): void {
    this.devices ??= this.deviceHealth();
    this.services ??= this.usability();
    this.push(
      'heartbeat',
      {
        lifecycle: this.lifecycle,
        devices: this.devices,
        hours: this.hours,
        backends: BACKENDS[this.kind],
        outboxBacklog: this.pending.length,
        clock: iso(now),
        intervalSeconds: this.o.heartbeatSeconds,
        services: this.services,
      },
      now,
    );
  }

  /** carry out the commands of an ingest answer; each is answered with `command.result` */
  onCommands(commands: readonly unknown[], now: number): void {
    for (const raw of commands) {
      const parsed = HqCommandSchema.safeParse(raw);
      if (!parsed.success) {
        const id = (raw as { id?: unknown })?.id;
        const type = String((raw as { type?: unknown })?.type ?? '?').slice(0, 40);
        if (typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)) this.push('command.result', { commandId: id, type, status: 'failed', detail: 'unknown command' }, now);
        continue;
      }
      const c = parsed.data;
      if (c.type === 'lock') this.locked = true;
      if (c.type === 'unlock') this.locked = false;
      this.services = null;
      const detail = c.type === 'lock' ? 'locked: no new sessions until unlocked' : c.type === 'unlock' ? 'unlocked' : 'screen reloaded';
      this.push('command.result', { commandId: c.id, type: c.type, status: 'succeeded', detail }, now);
      this.updateLifecycle(now);
    }
  }

  /** the acknowledged first `n` pending events leave the outbox */
  acknowledge(n: number): void {
    this.pending.splice(0, n);
  }

  private push<K extends HqEventType>(type: K, payload: HqEventPayload<K>, at: number): void {
    const event = { id: randomUUID(), seq: ++this.seq, type, at: iso(at), payload } as HqEvent;
    this.pending.push(JSON.stringify(event));
  }

  private setHours(now: number): void {
    const h = hoursAt(this.kind, now);
    this.open = h.open;
    this.nextHoursChange = h.nextChangeAt ?? Infinity;
    this.hours = { open: h.open, nextChangeAt: h.nextChangeAt === null ? null : iso(h.nextChangeAt) };
  }

  private raiseFault(at: number): void {
    this.nextFaultAt = at + this.rng.exp(this.o.faultsPerHour / HOUR);
    const kind = pickWeighted(this.faultKinds, this.rng.next());
    if (this.faults.some((f) => f.kind.code === kind.code)) return; // already active: one alarm per code
    this.faults.push({ kind, clearAt: at + this.rng.between(kind.lastsMs[0], kind.lastsMs[1]) });
    this.devices = null;
    this.services = null;
    this.push('fault.raised', this.faultPayload(kind), at);
  }

  private clearFault(fault: ActiveFault, at: number): void {
    this.faults.splice(this.faults.indexOf(fault), 1);
    this.devices = null;
    this.services = null;
    this.push('fault.cleared', this.faultPayload(fault.kind), at);
  }

  private faultPayload(k: FaultKind): HqEventPayload<'fault.raised'> {
    return { code: k.code, device: k.device, severity: FAULT_SEVERITY[k.code], blocking: k.blocking, detail: k.detail, evidence: { simulated: true } };
  }

  private endSession(at: number): void {
    this.nextSessionAt = at + this.rng.exp(this.o.sessionsPerHour / HOUR);
    if (this.lifecycle !== 'inService' && this.lifecycle !== 'degraded') return;
    const end = pickWeighted(this.sessionEnds, this.rng.next());
    const sessionId = `${this.id}-s${++this.sessions}`;
    let durationMs = Math.round(this.rng.between(end.durationMs[0], end.durationMs[1]));
    // the person who failed last, trying again (their session began after the last one ended), else someone new;
    // nobody when it ended before anyone was identified
    const retry = this.retry;
    this.retry = null;
    if (retry) durationMs = Math.min(durationMs, Math.max(1_000, Math.floor(at - retry.endedAt) - 1_000));
    const personHash = end.reached === 'identifying' && end.failure !== null ? null : (retry?.person ?? this.newPerson());
    this.push(
      'session.ended',
      { sessionId, service: SERVICE[this.kind], outcome: end.outcome, lastStep: end.lastStep, durationMs, personHash, stepsReached: stepsUpTo(SERVICE[this.kind], end.reached), failure: end.failure },
      at,
    );
    if (end.printed) this.push('print.delivered', { printJobId: `${sessionId}-p1`, kind: PRINT_KIND[this.kind], sessionId }, at);
    if (end.failure && personHash && this.rng.next() < RETRY_CHANCE[end.failure]) {
      this.retry = { person: personHash, endedAt: at };
      this.nextSessionAt = Math.min(this.nextSessionAt, at + this.rng.between(3 * MIN, 15 * MIN));
    }
  }

  /** an anonymous person hash as a kiosk makes them (32 hex) */
  private newPerson(): string {
    let hex = '';
    for (let i = 0; i < 4; i++) hex += this.rng.int(2 ** 32).toString(16).padStart(8, '0');
    return hex;
  }

  private updateLifecycle(at: number): void {
    const next: KioskStatusName = this.locked
      ? 'remoteLocked'
      : !this.open
        ? 'outOfHours'
        : this.faults.some((f) => f.kind.blocking && this.stopsService(f.kind))
          ? 'outOfService'
          : this.faults.some((f) => f.kind.blocking)
            ? 'degraded'
            : 'inService';
    const previous = this.lifecycle;
    if (next === previous) return;
    this.lifecycle = next;
    const was = lockoutOf(previous);
    const now = lockoutOf(next);
    if (was !== now && was) this.push('lockout.ended', { reason: was, detail: LOCKOUT_DETAIL[was] }, at);
    if (was !== now && now) this.push('lockout.started', { reason: now, detail: LOCKOUT_DETAIL[now] }, at);
    if (previous !== 'booting') this.push('kiosk.status', { status: next, previous, acceptsNewSessions: next === 'inService' || next === 'degraded' }, at);
  }

  /** a black screen or a dead ID reader stops every service; a gov kiosk's one service also needs its printer */
  private stopsService(k: FaultKind): boolean {
    return k.device === 'screen' || k.device === 'idReader' || this.kind === 'gov-24h';
  }

  /** its one service usable or not, its hours aside (as a kiosk reports it): not while locked from HQ or while a device it needs has a blocking fault */
  private usability(): HqEventPayload<'heartbeat'>['services'] {
    const fault = this.faults.find((f) => f.kind.blocking && SERVICE_NEEDS[this.kind].includes(f.kind.device));
    const reason = this.locked ? LOCKOUT_DETAIL.remote : fault?.kind.detail;
    return { [SERVICE[this.kind]]: reason === undefined ? { usable: true } : { usable: false, reason: reason.slice(0, 80) } };
  }

  private deviceHealth(): Partial<Record<'idReader' | 'printer' | 'scanner', DeviceHealth>> {
    const out: Partial<Record<'idReader' | 'printer' | 'scanner', DeviceHealth>> = {};
    for (const d of DEVICES_OF[this.kind]) {
      const faults = this.faults.filter((f) => f.kind.device === d && f.kind.blocking).map((f) => f.kind.code);
      const warnings = this.faults.filter((f) => f.kind.device === d && !f.kind.blocking).map((f) => f.kind.code);
      out[d] = { state: faults.length ? 'fault' : warnings.length ? 'warning' : 'ok', faults, warnings };
    }
    return out;
  }
}

type Lockout = Extract<LockoutReason, 'schedule' | 'remote' | 'fault'>;
const LOCKOUT_DETAIL: Record<Lockout, string> = {
  schedule: `outside promised hours ${HOSPITAL_HOURS} (Asia/Shanghai)`,
  remote: 'locked from HQ',
  fault: 'a blocking fault: no service until it clears',
};

function lockoutOf(s: KioskStatusName): Lockout | null {
  return s === 'remoteLocked' ? 'remote' : s === 'outOfHours' ? 'schedule' : s === 'outOfService' ? 'fault' : null;
}
