/**
 * The kiosk lifecycle: is this machine taking customers right now, and if not, why.
 *
 * Four parallel regions:
 *
 * - `kiosk`: booting → selfTest → routed.{inService | degraded | outOfService | outOfHours |
 *   remoteLockPending | remoteLocked}, and verifyingPin → maintenance → selfTest. `routed.routing`
 *   picks the status from context (remote lock, hours, service availability) every time a
 *   condition changes.
 * - `devices`: forwards each `DEVICE_HEALTH` to that device's debouncing child
 *   (device-health.machine.ts, invoked for idReader, printer and scanner) and takes the settled
 *   health back (`DEVICE_HEALTH_SETTLED`); takes `BACKEND_HEALTH`.
 * - `hours`: re-evaluates promised and service hours at the next open/close boundary
 *   (`nextHoursBoundary` in context, re-checked at least every `hoursRecheckMs`), on `CLOCK_CHANGED`
 *   and on `zizhu.resume`; `HOURS_CHANGED` (HQ's set-promised-hours) replaces the hours, then the same.
 * - `staffAccess`: ready | lockedOut (after `maxPinAttempts` wrong PINs, for `pinLockoutMs`).
 *   The lockout stops staff PIN entry only; customers are still served.
 *
 * Sessions. `acceptsNewSessions` (in context, and `lifecycleView`) is true only in inService and
 * degraded; a new session also needs its service's `availability[service].available`. The runtime
 * reports `SESSION_STARTED` / `SESSION_ENDED`. A running session is never cut off by a state change:
 * hours closing, a device failing or HQ locking the kiosk only stop *new* sessions. A remote lock
 * waits for the running session to end (`remoteLockPending`), because the session may be between
 * taking a payment and registering — cutting it would leave money to reconcile; the session's own
 * idle timeout bounds the wait. A PIN is not taken while a session runs (staff wait for the customer).
 * `REMOTE_LOCK` during maintenance applies when maintenance ends; a remote lock survives restarts
 * (it is in the persisted context) and is lifted only by `REMOTE_UNLOCK`.
 *
 * HQ. Emitted events (subscribe with `actor.on(type, fn)`):
 * - `status.changed` { status, previous, acceptsNewSessions, availability, at }
 * - `fault.raised` / `fault.cleared`: each debounced device change (same shape as runtime
 *   `FaultChange`), and `{ device: 'kiosk', code: OUT_OF_HOURS_UNAVAILABLE, cause }` while the kiosk is
 *   unavailable *inside* promised hours (outOfService, remoteLocked, maintenance). A kiosk outside its
 *   promised hours (outOfHours) is a normal lockout, not a fault; `degraded` (some service still
 *   works) is reported through the device faults, not as unavailable.
 * - `staff.pin-rejected`, `staff.pin-lockout`, `staff.maintenance-started`, `staff.maintenance-ended`.
 *
 * Time. Built by `makeLifecycleMachine(now)`: the deadlines in context and the delays both use `now`.
 * After restoring a persisted snapshot send `zizhu.resume` (the README's restore rule): every
 * pending wait re-arms with the time that was left, the hours are re-evaluated, and a PIN check
 * that was in flight is dropped (the PIN is never persisted: use `persistLifecycle`).
 */
import { assign, enqueueActions, fromPromise, raise, sendTo, setup, type ActorRefFrom, type SnapshotFrom } from 'xstate';
import { FaultCode, type DeviceKind } from '../contracts/faults.ts';
import {
  BACKEND_NAMES,
  DEVICE_KINDS,
  hoursNowAt,
  isHoursReason,
  serviceAvailability,
  unknownHealth,
  type Availability,
  type AvailabilityConfig,
  type BackendName,
  type DeviceHealthView,
  type HoursNow,
  type KioskBlock,
  type KioskHealth,
  type ServiceName,
} from './availability.ts';
import { msUntil, systemNow, type Now } from './deadlines.ts';
import { DEFAULT_DEBOUNCE, makeDeviceHealthMachine, viewOf, type DebounceConfig, type DeviceFaultChange, type DeviceHealthSettled, type ReportedProblem } from './device-health.machine.ts';

// ───────────────────────────── types ─────────────────────────────

export type KioskStatus =
  | 'booting'
  | 'selfTest'
  | 'inService'
  | 'degraded'
  | 'outOfService'
  | 'outOfHours'
  | 'remoteLockPending'
  | 'remoteLocked'
  | 'verifyingPin'
  | 'maintenance';

export type RoutedStatus = Extract<KioskStatus, 'inService' | 'degraded' | 'outOfService' | 'outOfHours' | 'remoteLockPending' | 'remoteLocked'>;

export interface LifecyclePolicy {
  /** wrong staff PINs in a row before PIN entry is locked */
  maxPinAttempts: number;
  pinLockoutMs: number;
  /** maintenance ends by itself this long after the last staff activity */
  maintenanceTimeoutMs: number;
  selfTestTimeoutMs: number;
  /** a PIN check that takes longer is dropped */
  pinCheckTimeoutMs: number;
  /** hours are re-evaluated at least this often (a wall-clock jump nobody reported; timers longer than ~24 days) */
  hoursRecheckMs: number;
  debounce: DebounceConfig;
}

export const DEFAULT_LIFECYCLE_POLICY: LifecyclePolicy = {
  maxPinAttempts: 5,
  pinLockoutMs: 5 * 60_000,
  maintenanceTimeoutMs: 30 * 60_000,
  selfTestTimeoutMs: 30_000,
  pinCheckTimeoutMs: 10_000,
  hoursRecheckMs: 15 * 60_000,
  debounce: DEFAULT_DEBOUNCE,
};

export interface LifecycleInput {
  /** the kiosk config (a full `KioskConfig` will do; only services, promised hours and which devices are installed are kept) */
  config: AvailabilityConfig;
  policy?: Partial<Omit<LifecyclePolicy, 'debounce'>> & { debounce?: Partial<DebounceConfig> };
}

/** One device's condition as the self-test or a driver reports it. */
export interface DeviceReport {
  faults?: ReportedProblem[];
  warnings?: ReportedProblem[];
}

/** `selfTest` actor: input the installed devices; output each device's condition (a device left out stays unknown). */
export interface SelfTestInput {
  devices: DeviceKind[];
}
export type SelfTestOutput = Partial<Record<DeviceKind, DeviceReport>>;

/** `verifyStaffPin` actor: never log or journal the PIN. */
export interface VerifyStaffPinInput {
  pin: string;
}
export interface VerifyStaffPinOutput {
  ok: boolean;
  /** who the PIN belongs to, for the maintenance log */
  staffId?: string;
}

export type PromisedUnavailableCause = 'out-of-service' | 'remote-lock' | 'maintenance';

export interface LifecycleContext {
  config: { services: AvailabilityConfig['services']; promisedHours: AvailabilityConfig['promisedHours']; devices: Partial<Record<DeviceKind, true>> };
  policy: LifecyclePolicy;
  health: KioskHealth;
  hours: HoursNow;
  nextHoursBoundary: number | null;
  status: KioskStatus;
  availability: Availability;
  acceptsNewSessions: boolean;
  activeSession: { id: string; service: string | null; since: number } | null;
  remoteLock: { reason: string; at: number } | null;
  /** issue 11: the screen watchdog's recovery ladder gave up — out of service until the screen is proven again (absent in snapshots of older agents) */
  screenOut?: { reason: string; at: number } | null;
  selfTestDeadline: number | null;
  /** the last self-test's failure, for the technician */
  selfTestError: string | null;
  pinFailures: number;
  pinLockedUntil: number | null;
  pinCheckDeadline: number | null;
  maintenance: { staffId: string | null; since: number } | null;
  maintenanceDeadline: number | null;
  /** unavailable inside promised hours (OUT_OF_HOURS_UNAVAILABLE raised) */
  promisedUnavailable: { since: number; cause: PromisedUnavailableCause } | null;
}

export type LifecycleEvent =
  | { type: 'DEVICE_HEALTH'; device: DeviceKind; faults?: ReportedProblem[]; warnings?: ReportedProblem[] }
  | DeviceHealthSettled
  | { type: 'BACKEND_HEALTH'; backend: BackendName; state: 'up' | 'down' | 'unknown'; detail?: string }
  | { type: 'CLOCK_CHANGED' }
  /** HQ's set-promised-hours: the hours in force change now (validated by the runtime with the config schema) */
  | { type: 'HOURS_CHANGED'; promisedHours: AvailabilityConfig['promisedHours']; services: AvailabilityConfig['services'] }
  | { type: 'zizhu.resume' }
  | { type: 'SESSION_STARTED'; sessionId: string; service?: ServiceName }
  | { type: 'SESSION_ENDED'; sessionId?: string }
  | { type: 'PIN_ENTERED'; pin: string }
  | { type: 'STAFF_ACTIVITY' }
  | { type: 'EXIT_MAINTENANCE' }
  | { type: 'RUN_SELF_TEST' }
  | { type: 'REMOTE_LOCK'; reason?: string }
  | { type: 'REMOTE_UNLOCK' }
  /** issue 11: the watchdog's recovery ladder ran out of steps (reload, restart shell, restart agent): take no one */
  | { type: 'SCREEN_OUT_OF_SERVICE'; reason?: string }
  /** the screen is proven again */
  | { type: 'SCREEN_BACK' }
  /** internal: something the status depends on changed */
  | { type: 'CONDITIONS_CHANGED' };

export interface KioskFaultChange {
  device: 'kiosk';
  code: typeof FaultCode.OUT_OF_HOURS_UNAVAILABLE;
  change: 'raised' | 'cleared';
  severity: 'fault';
  cause: PromisedUnavailableCause;
  detail: string;
  at: number;
}

export type LifecycleEmitted =
  | { type: 'status.changed'; status: KioskStatus; previous: KioskStatus; acceptsNewSessions: boolean; availability: Availability; at: number }
  | ({ type: 'fault.raised' | 'fault.cleared' } & (DeviceFaultChange | KioskFaultChange))
  | { type: 'staff.pin-rejected'; failures: number; at: number }
  | { type: 'staff.pin-lockout'; until: number; at: number }
  | { type: 'staff.maintenance-started'; staffId: string | null; at: number }
  | { type: 'staff.maintenance-ended'; how: 'exit' | 'timeout'; at: number };

// ───────────────────────────── pure rules ─────────────────────────────

const ACCEPTING: ReadonlySet<KioskStatus> = new Set(['inService', 'degraded']);
const UNAVAILABLE_CAUSE: Partial<Record<KioskStatus, PromisedUnavailableCause>> = {
  outOfService: 'out-of-service',
  remoteLocked: 'remote-lock',
  maintenance: 'maintenance',
};
/** statuses that leave the promised-hours alarm as it is (short, staff-driven or starting up) */
const NEUTRAL: ReadonlySet<KioskStatus> = new Set(['booting', 'selfTest', 'verifyingPin']);

function blockFor(status: KioskStatus, ctx: Pick<LifecycleContext, 'remoteLock' | 'screenOut'>): KioskBlock | null {
  if (status === 'maintenance' || status === 'verifyingPin') return { code: 'MAINTENANCE' };
  if (status === 'outOfService' && ctx.screenOut) return { code: 'SCREEN', detail: ctx.screenOut.reason };
  if (status === 'remoteLocked' || status === 'remoteLockPending') return { code: 'REMOTE_LOCK', ...(ctx.remoteLock ? { detail: ctx.remoteLock.reason } : {}) };
  if (status === 'booting' || status === 'selfTest') return { code: 'STARTING' };
  return null;
}

/** Where `routed.routing` goes: remote lock first, then hours, then what the services can do. Pure. */
export function routeOf(ctx: Pick<LifecycleContext, 'config' | 'health' | 'hours' | 'remoteLock' | 'activeSession' | 'screenOut'>): RoutedStatus {
  if (ctx.remoteLock) return ctx.activeSession ? 'remoteLockPending' : 'remoteLocked';
  if (!ctx.hours.promised.open) return 'outOfHours';
  if (ctx.screenOut) return 'outOfService';
  const services = Object.values(serviceAvailability(ctx.config, ctx.health, ctx.hours));
  const faulty = services.filter((s) => !s.available && s.reasons.some((r) => !isHoursReason(r)));
  const available = services.filter((s) => s.available);
  if (available.length === 0) return faulty.length ? 'outOfService' : 'outOfHours';
  if (faulty.length || available.some((s) => s.limits.length)) return 'degraded';
  return 'inService';
}

const CAUSE_WORDS: Record<PromisedUnavailableCause, string> = {
  'out-of-service': 'out of service',
  'remote-lock': 'locked by HQ',
  maintenance: 'in maintenance',
};

function unavailableDetail(cause: PromisedUnavailableCause, ctx: LifecycleContext, availability: Availability): string {
  const why =
    cause === 'remote-lock'
      ? (ctx.remoteLock?.reason ?? '')
      : cause === 'out-of-service'
        ? [...new Set(Object.values(availability).flatMap((s) => s.reasons.map((r) => r.en)))].join('; ')
        : (ctx.maintenance?.staffId ?? '');
  return `unavailable inside promised hours: ${CAUSE_WORDS[cause]}${why ? ` (${why})` : ''}`;
}

// ───────────────────────────── the machine ─────────────────────────────

const HEALTH_CHILD: Record<DeviceKind, string> = { idReader: 'idReaderHealth', printer: 'printerHealth', scanner: 'scannerHealth' };
const isDevice = (d: unknown): d is DeviceKind => typeof d === 'string' && (DEVICE_KINDS as readonly string[]).includes(d);
/** `xstate.done.actor.<id>` output / `xstate.error.actor.<id>` error (those events are not in the typed event union). */
const outputOf = (event: { type: string }, id: string): unknown => (event.type === `xstate.done.actor.${id}` ? (event as { output?: unknown }).output : undefined);
const errorOf = (event: { type: string }, id: string): unknown => (event.type === `xstate.error.actor.${id}` ? (event as { error?: unknown }).error : undefined);
const isBackend = (b: unknown): b is BackendName => typeof b === 'string' && (BACKEND_NAMES as readonly string[]).includes(b);

const notProvided = (name: string) =>
  new Error(`the ${name} actor was not provided: the runtime must supply it with lifecycleMachine.provide({ actors: { ${name} } })`);

export function delaysFor(now: Now = systemNow) {
  return {
    hoursBoundary: ({ context }: { context: LifecycleContext }) => Math.min(msUntil(context.nextHoursBoundary, now), context.policy.hoursRecheckMs),
    selfTestTimeout: ({ context }: { context: LifecycleContext }) => msUntil(context.selfTestDeadline, now),
    pinCheckTimeout: ({ context }: { context: LifecycleContext }) => msUntil(context.pinCheckDeadline, now),
    maintenanceTimeout: ({ context }: { context: LifecycleContext }) => msUntil(context.maintenanceDeadline, now),
    pinLockout: ({ context }: { context: LifecycleContext }) => msUntil(context.pinLockedUntil, now),
  };
}

/** The lifecycle machine on the clock `now`; provide `selfTest` and `verifyStaffPin` with `.provide({ actors })`. */
export function makeLifecycleMachine(now: Now = systemNow) {
  return setup({
    types: {
      context: {} as LifecycleContext,
      events: {} as LifecycleEvent,
      input: {} as LifecycleInput,
      emitted: {} as LifecycleEmitted,
    },
    actors: {
      selfTest: fromPromise<SelfTestOutput, SelfTestInput>(async () => {
        throw notProvided('selfTest');
      }),
      verifyStaffPin: fromPromise<VerifyStaffPinOutput, VerifyStaffPinInput>(async () => {
        throw notProvided('verifyStaffPin');
      }),
      deviceHealth: makeDeviceHealthMachine(now),
    },
    delays: delaysFor(now),
    guards: {
      routeIs: ({ context }, params: { status: RoutedStatus }) => routeOf(context) === params.status,
      knownDevice: ({ event }) => 'device' in event && isDevice(event.device),
      wellFormedSettled: ({ event }) => {
        if (event.type !== 'DEVICE_HEALTH_SETTLED' || !isDevice(event.device)) return false;
        const h = event.health as Partial<DeviceHealthView> | undefined;
        return !!h && ['ok', 'warning', 'fault', 'unknown'].includes(h.state as string) && Array.isArray(h.faults) && Array.isArray(h.warnings);
      },
      knownBackend: ({ event }) => event.type === 'BACKEND_HEALTH' && isBackend(event.backend) && ['up', 'down', 'unknown'].includes(event.state),
      mayEnterPin: ({ context, event }) =>
        event.type === 'PIN_ENTERED' && (typeof event.pin === 'string' || typeof event.pin === 'number') && context.activeSession === null && context.pinLockedUntil === null,
      noSession: ({ context }) => context.activeSession === null,
      pinLockedOut: ({ context }) => context.pinLockedUntil !== null,
      pinOk: ({ event }) => (outputOf(event, 'verifyStaffPin') as VerifyStaffPinOutput | undefined)?.ok === true,
    },
    actions: {
      /** set the status, recompute availability, tell HQ what changed */
      publish: enqueueActions(({ context, enqueue }, params: { status?: KioskStatus }) => {
        const status = params.status ?? context.status;
        const at = now();
        const availability = serviceAvailability(context.config, context.health, context.hours, blockFor(status, context));
        const acceptsNewSessions = ACCEPTING.has(status);
        enqueue.assign({ status, availability, acceptsNewSessions });
        if (status !== context.status) enqueue.emit({ type: 'status.changed', status, previous: context.status, acceptsNewSessions, availability, at });
        if (NEUTRAL.has(status)) return;
        const cause = context.hours.promised.open ? UNAVAILABLE_CAUSE[status] : undefined;
        const was = context.promisedUnavailable;
        if (cause && !was) {
          enqueue.assign({ promisedUnavailable: { since: at, cause } });
          const detail = unavailableDetail(cause, context, availability);
          enqueue.emit({ type: 'fault.raised', device: 'kiosk', code: FaultCode.OUT_OF_HOURS_UNAVAILABLE, change: 'raised', severity: 'fault', cause, detail, at });
        } else if (!cause && was) {
          enqueue.assign({ promisedUnavailable: null });
          const detail = `available again (was ${CAUSE_WORDS[was.cause]} for ${Math.round((at - was.since) / 1000)} s)${context.hours.promised.open ? '' : '; promised hours ended'}`;
          enqueue.emit({ type: 'fault.cleared', device: 'kiosk', code: FaultCode.OUT_OF_HOURS_UNAVAILABLE, change: 'cleared', severity: 'fault', cause: was.cause, detail, at });
        }
      }),
      conditionsChanged: raise({ type: 'CONDITIONS_CHANGED' }),
      takeHours: assign(({ context, event }) => {
        if (event.type !== 'HOURS_CHANGED' || !event.promisedHours || !event.services) return {};
        return { config: { ...context.config, promisedHours: event.promisedHours, services: event.services } };
      }),
      refreshHours: assign(({ context }) => {
        const hours = hoursNowAt(context.config, now());
        return { hours, nextHoursBoundary: hours.nextBoundary };
      }),
      forwardHealth: sendTo(
        ({ event }) => HEALTH_CHILD[(event as Extract<LifecycleEvent, { type: 'DEVICE_HEALTH' }>).device],
        ({ event }) => {
          const e = event as Extract<LifecycleEvent, { type: 'DEVICE_HEALTH' }>;
          return { type: 'REPORT' as const, faults: Array.isArray(e.faults) ? e.faults : [], warnings: Array.isArray(e.warnings) ? e.warnings : [] };
        },
      ),
      takeSettled: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'DEVICE_HEALTH_SETTLED') return;
        enqueue.assign({ health: { ...context.health, devices: { ...context.health.devices, [event.device]: event.health } } });
        for (const c of Array.isArray(event.changes) ? event.changes : []) enqueue.emit({ type: c.change === 'raised' ? 'fault.raised' : 'fault.cleared', ...c });
      }),
      takeBackend: assign(({ context, event }) => {
        if (event.type !== 'BACKEND_HEALTH') return {};
        const view = { state: event.state, ...(typeof event.detail === 'string' ? { detail: event.detail } : {}) };
        return { health: { ...context.health, backends: { ...context.health.backends, [event.backend]: view } } };
      }),
      resumeChildren: enqueueActions(({ enqueue }) => {
        for (const d of DEVICE_KINDS) enqueue.sendTo(HEALTH_CHILD[d], { type: 'zizhu.resume' });
      }),
      startSelfTest: assign(({ context }) => ({ selfTestDeadline: now() + context.policy.selfTestTimeoutMs, selfTestError: null })),
      takeSelfTest: enqueueActions(({ context, event, enqueue }) => {
        const output = outputOf(event, 'selfTest') as SelfTestOutput | undefined;
        const devices = { ...context.health.devices };
        for (const d of DEVICE_KINDS) {
          const report = output && typeof output === 'object' ? output[d] : undefined;
          if (!context.config.devices[d] || !report || typeof report !== 'object') continue;
          devices[d] = viewOf(report);
          enqueue.sendTo(HEALTH_CHILD[d], { type: 'REPORT', faults: report.faults ?? [], warnings: report.warnings ?? [], settleNow: true });
        }
        enqueue.assign({ health: { ...context.health, devices }, selfTestDeadline: null, selfTestError: null });
      }),
      selfTestFailed: assign(({ event }) => {
        const error = errorOf(event, 'selfTest');
        return { selfTestDeadline: null, selfTestError: `the self-test failed: ${error instanceof Error ? error.message : String(error)}` };
      }),
      selfTestTimedOut: assign(({ context }) => ({ selfTestDeadline: null, selfTestError: `the self-test did not finish within ${context.policy.selfTestTimeoutMs} ms` })),
      startPinCheck: assign(({ context }) => ({ pinCheckDeadline: now() + context.policy.pinCheckTimeoutMs })),
      pinAccepted: enqueueActions(({ context, event, enqueue }) => {
        const out = outputOf(event, 'verifyStaffPin') as VerifyStaffPinOutput | undefined;
        const staffId = typeof out?.staffId === 'string' ? out.staffId : null;
        const at = now();
        enqueue.assign({ pinFailures: 0, pinCheckDeadline: null, maintenance: { staffId, since: at }, maintenanceDeadline: at + context.policy.maintenanceTimeoutMs });
        enqueue.emit({ type: 'staff.maintenance-started', staffId, at });
      }),
      pinRejected: enqueueActions(({ context, enqueue }) => {
        const at = now();
        const failures = context.pinFailures + 1;
        enqueue.assign({ pinFailures: failures, pinCheckDeadline: null });
        enqueue.emit({ type: 'staff.pin-rejected', failures, at });
        if (failures >= context.policy.maxPinAttempts) {
          const until = at + context.policy.pinLockoutMs;
          enqueue.assign({ pinLockedUntil: until });
          enqueue.emit({ type: 'staff.pin-lockout', until, at });
        }
      }),
      pinCheckDropped: assign({ pinCheckDeadline: null }),
      endPinLockout: assign({ pinLockedUntil: null, pinFailures: 0 }),
      extendMaintenance: assign(({ context }) => ({ maintenanceDeadline: now() + context.policy.maintenanceTimeoutMs })),
      endMaintenance: enqueueActions(({ enqueue }, params: { how: 'exit' | 'timeout' }) => {
        enqueue.assign({ maintenance: null, maintenanceDeadline: null });
        enqueue.emit({ type: 'staff.maintenance-ended', how: params.how, at: now() });
      }),
      sessionStarted: assign(({ event }) => {
        if (event.type !== 'SESSION_STARTED') return {};
        return { activeSession: { id: String(event.sessionId), service: typeof event.service === 'string' ? event.service : null, since: now() } };
      }),
      sessionEnded: assign(({ context, event }) => {
        if (event.type !== 'SESSION_ENDED' || !context.activeSession) return {};
        return event.sessionId === undefined || event.sessionId === context.activeSession.id ? { activeSession: null } : {};
      }),
      remoteLock: assign(({ event }) => {
        if (event.type !== 'REMOTE_LOCK') return {};
        return { remoteLock: { reason: typeof event.reason === 'string' && event.reason.trim() ? event.reason.trim() : 'locked by HQ', at: now() } };
      }),
      remoteUnlock: assign({ remoteLock: null }),
      screenOut: assign(({ event }) => {
        if (event.type !== 'SCREEN_OUT_OF_SERVICE') return {};
        return { screenOut: { reason: typeof event.reason === 'string' && event.reason.trim() ? event.reason.trim().slice(0, 200) : 'the screen cannot be trusted', at: now() } };
      }),
      screenBack: assign({ screenOut: null }),
    },
  }).createMachine({
    id: 'lifecycle',
    type: 'parallel',
    context: ({ input }) => {
      const { debounce, ...rest } = input.policy ?? {};
      const policy: LifecyclePolicy = { ...DEFAULT_LIFECYCLE_POLICY, ...rest, debounce: { ...DEFAULT_DEBOUNCE, ...debounce } };
      const devices: Partial<Record<DeviceKind, true>> = {};
      for (const d of DEVICE_KINDS) if (input.config.devices[d] !== undefined && input.config.devices[d] !== null) devices[d] = true;
      const config = { services: input.config.services, promisedHours: input.config.promisedHours, devices };
      const health = unknownHealth();
      const hours = hoursNowAt(config, now());
      return {
        config,
        policy,
        health,
        hours,
        nextHoursBoundary: hours.nextBoundary,
        status: 'booting' as KioskStatus,
        availability: serviceAvailability(config, health, hours, { code: 'STARTING' }),
        acceptsNewSessions: false,
        activeSession: null,
        remoteLock: null,
        screenOut: null,
        selfTestDeadline: null,
        selfTestError: null,
        pinFailures: 0,
        pinLockedUntil: null,
        pinCheckDeadline: null,
        maintenance: null,
        maintenanceDeadline: null,
        promisedUnavailable: null,
      };
    },
    invoke: DEVICE_KINDS.map((device) => ({
      id: HEALTH_CHILD[device],
      src: 'deviceHealth' as const,
      input: ({ context }: { context: LifecycleContext }) => ({ device, debounce: context.policy.debounce }),
    })),
    states: {
      devices: {
        initial: 'watching',
        states: {
          watching: {
            on: {
              DEVICE_HEALTH: { guard: 'knownDevice', actions: 'forwardHealth' },
              DEVICE_HEALTH_SETTLED: { guard: 'wellFormedSettled', actions: ['takeSettled', 'conditionsChanged'] },
              BACKEND_HEALTH: { guard: 'knownBackend', actions: ['takeBackend', 'conditionsChanged'] },
              'zizhu.resume': { actions: 'resumeChildren' },
            },
          },
        },
      },
      hours: {
        initial: 'watching',
        states: {
          watching: {
            after: { hoursBoundary: { target: 'watching', reenter: true, actions: ['refreshHours', 'conditionsChanged'] } },
            on: {
              CLOCK_CHANGED: { target: 'watching', reenter: true, actions: ['refreshHours', 'conditionsChanged'] },
              HOURS_CHANGED: { target: 'watching', reenter: true, actions: ['takeHours', 'refreshHours', 'conditionsChanged'] },
              'zizhu.resume': { target: 'watching', reenter: true, actions: ['refreshHours', 'conditionsChanged'] },
            },
          },
        },
      },
      staffAccess: {
        initial: 'ready',
        states: {
          ready: { always: { guard: 'pinLockedOut', target: 'lockedOut' } },
          lockedOut: {
            after: { pinLockout: { target: 'ready', actions: 'endPinLockout' } },
            on: {
              'zizhu.resume': { target: 'lockedOut', reenter: true },
              CLOCK_CHANGED: { target: 'lockedOut', reenter: true },
            },
          },
        },
      },
      kiosk: {
        initial: 'booting',
        on: {
          CONDITIONS_CHANGED: { actions: { type: 'publish', params: {} } },
          SESSION_STARTED: { actions: ['sessionStarted', 'conditionsChanged'] },
          SESSION_ENDED: { actions: ['sessionEnded', 'conditionsChanged'] },
          REMOTE_LOCK: { actions: ['remoteLock', 'conditionsChanged'] },
          REMOTE_UNLOCK: { actions: ['remoteUnlock', 'conditionsChanged'] },
          SCREEN_OUT_OF_SERVICE: { actions: ['screenOut', 'conditionsChanged'] },
          SCREEN_BACK: { actions: ['screenBack', 'conditionsChanged'] },
        },
        states: {
          booting: {
            entry: { type: 'publish', params: { status: 'booting' } },
            always: 'selfTest',
          },
          selfTest: {
            entry: ['startSelfTest', { type: 'publish', params: { status: 'selfTest' } }],
            invoke: {
              id: 'selfTest',
              src: 'selfTest',
              input: ({ context }) => ({ devices: DEVICE_KINDS.filter((d) => context.config.devices[d]) }),
              onDone: { target: 'routed', actions: 'takeSelfTest' },
              onError: { target: 'routed', actions: 'selfTestFailed' },
            },
            after: { selfTestTimeout: { target: 'routed', actions: 'selfTestTimedOut' } },
            on: { 'zizhu.resume': { target: 'selfTest', reenter: true } },
          },
          routed: {
            initial: 'routing',
            on: {
              CONDITIONS_CHANGED: { target: '.routing', actions: { type: 'publish', params: {} } },
              PIN_ENTERED: { guard: 'mayEnterPin', target: 'verifyingPin' },
              RUN_SELF_TEST: { guard: 'noSession', target: 'selfTest' },
            },
            states: {
              routing: {
                always: [
                  { guard: { type: 'routeIs', params: { status: 'remoteLocked' } }, target: 'remoteLocked' },
                  { guard: { type: 'routeIs', params: { status: 'remoteLockPending' } }, target: 'remoteLockPending' },
                  { guard: { type: 'routeIs', params: { status: 'outOfHours' } }, target: 'outOfHours' },
                  { guard: { type: 'routeIs', params: { status: 'outOfService' } }, target: 'outOfService' },
                  { guard: { type: 'routeIs', params: { status: 'degraded' } }, target: 'degraded' },
                  { target: 'inService' },
                ],
              },
              inService: { entry: { type: 'publish', params: { status: 'inService' } } },
              degraded: { entry: { type: 'publish', params: { status: 'degraded' } } },
              outOfService: { entry: { type: 'publish', params: { status: 'outOfService' } } },
              outOfHours: { entry: { type: 'publish', params: { status: 'outOfHours' } } },
              remoteLockPending: { entry: { type: 'publish', params: { status: 'remoteLockPending' } } },
              remoteLocked: { entry: { type: 'publish', params: { status: 'remoteLocked' } } },
            },
          },
          verifyingPin: {
            entry: ['startPinCheck', { type: 'publish', params: { status: 'verifyingPin' } }],
            invoke: {
              id: 'verifyStaffPin',
              src: 'verifyStaffPin',
              input: ({ event }) => ({ pin: event.type === 'PIN_ENTERED' ? String(event.pin) : '' }),
              onDone: [
                { guard: 'pinOk', target: 'maintenance', actions: 'pinAccepted' },
                { target: 'routed', actions: 'pinRejected' },
              ],
              onError: { target: 'routed', actions: 'pinCheckDropped' },
            },
            after: { pinCheckTimeout: { target: 'routed', actions: 'pinCheckDropped' } },
            // a restored PIN check has lost its PIN (never persisted): staff enter it again
            on: { 'zizhu.resume': { target: 'routed', actions: 'pinCheckDropped' } },
          },
          maintenance: {
            entry: { type: 'publish', params: { status: 'maintenance' } },
            after: { maintenanceTimeout: { target: 'selfTest', actions: { type: 'endMaintenance', params: { how: 'timeout' } } } },
            on: {
              EXIT_MAINTENANCE: { target: 'selfTest', actions: { type: 'endMaintenance', params: { how: 'exit' } } },
              STAFF_ACTIVITY: { target: 'maintenance', reenter: true, actions: 'extendMaintenance' },
              'zizhu.resume': { target: 'maintenance', reenter: true },
              CLOCK_CHANGED: { target: 'maintenance', reenter: true },
            },
          },
        },
      },
    },
  });
}

export const lifecycleMachine = makeLifecycleMachine();
export type LifecycleMachine = ReturnType<typeof makeLifecycleMachine>;
export type LifecycleSnapshot = SnapshotFrom<LifecycleMachine>;
export type LifecycleActor = ActorRefFrom<LifecycleMachine>;

// ───────────────────────────── for the runtime, bridge and HQ ─────────────────────────────

/** What the runtime, the renderer and HQ need to know, as plain JSON (nothing personal is in it). */
export interface LifecycleView {
  status: KioskStatus;
  acceptsNewSessions: boolean;
  availability: Availability;
  hours: { open: boolean; closesAt: number | null; opensAt: number | null; exceptionReason?: string };
  remoteLock: LifecycleContext['remoteLock'];
  maintenance: LifecycleContext['maintenance'];
  promisedUnavailable: LifecycleContext['promisedUnavailable'];
  health: KioskHealth;
  pinLockedUntil: number | null;
  selfTestError: string | null;
}

export function lifecycleView(snapshot: { context: LifecycleContext }): LifecycleView {
  const c = snapshot.context;
  return {
    status: c.status,
    acceptsNewSessions: c.acceptsNewSessions,
    availability: c.availability,
    hours: c.hours.promised,
    remoteLock: c.remoteLock,
    maintenance: c.maintenance,
    promisedUnavailable: c.promisedUnavailable,
    health: c.health,
    pinLockedUntil: c.pinLockedUntil,
    selfTestError: c.selfTestError,
  };
}

/** May a new session of `service` start now? (The runtime then sends SESSION_STARTED.) */
export function canStartSession(snapshot: { context: LifecycleContext }, service: ServiceName): boolean {
  const c = snapshot.context;
  return c.acceptsNewSessions && c.activeSession === null && c.availability[service]?.available === true;
}

/**
 * The snapshot to journal: `getPersistedSnapshot()` without the PIN check in flight (its input is
 * the PIN). A kiosk restored in `verifyingPin` goes back to routing on `zizhu.resume`.
 */
export function persistLifecycle(actor: { getPersistedSnapshot(): unknown }): unknown {
  const snap = actor.getPersistedSnapshot() as { children?: Record<string, unknown> };
  if (!snap.children || !('verifyStaffPin' in snap.children)) return snap;
  const children = { ...snap.children };
  delete children.verifyStaffPin;
  return { ...snap, children };
}
