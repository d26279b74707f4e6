import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { DeviceKind } from '../contracts/faults.ts';
import { loadKioskConfig, type KioskConfig } from '../kiosk-config/schema.ts';
import type { AvailabilityConfig } from './availability.ts';
import {
  canStartSession,
  lifecycleView,
  makeLifecycleMachine,
  persistLifecycle,
  type KioskStatus,
  type LifecycleContext,
  type LifecycleEmitted,
  type LifecycleInput,
  type SelfTestInput,
  type SelfTestOutput,
  type VerifyStaffPinInput,
  type VerifyStaffPinOutput,
} from './lifecycle.machine.ts';
import { modelPaths, replay, T0, type ModelSpec } from './testing/model-paths.ts';

const examples = join(import.meta.dirname, '..', 'kiosk-config', 'examples');
const gov = loadKioskConfig(join(examples, 'gov-24h.json'));
const hospital = loadKioskConfig(join(examples, 'hospital-lobby.json'));
/** An instant given as Shanghai wall-clock time (epoch ms). */
const sh = (local: string) => Date.parse(`${local}+08:00`);

const HEALTHY: SelfTestOutput = { idReader: {}, printer: {}, scanner: {} };
const PAPER_OUT_AT_BOOT: SelfTestOutput = { idReader: {}, printer: { faults: [{ code: 'PRINTER_PAPER_OUT', detail: 'out of paper: load a new roll' }] }, scanner: {} };
const settled = (device: DeviceKind, faults: string[]) => ({
  type: 'DEVICE_HEALTH_SETTLED' as const,
  device,
  health: { state: faults.length ? ('fault' as const) : ('ok' as const), faults: faults.map((code) => ({ code, detail: code })), warnings: [] },
  changes: [],
  at: T0,
});
type FaultEvent = Extract<LifecycleEmitted, { type: 'fault.raised' | 'fault.cleared' }>;
const isFault = (e: LifecycleEmitted): e is FaultEvent => e.type === 'fault.raised' || e.type === 'fault.cleared';
const ROUTED: KioskStatus[] = ['inService', 'degraded', 'outOfService', 'outOfHours', 'remoteLockPending', 'remoteLocked'];

/** What must hold in every state, whatever the path. */
function invariants(context: LifecycleContext) {
  const c = context;
  expect(c.acceptsNewSessions).toBe(c.status === 'inService' || c.status === 'degraded');
  const services = Object.values(c.availability);
  if (c.status === 'outOfService') expect(services.every((s) => !s.available)).toBe(true);
  if (c.status === 'inService') expect(services.every((s) => s.limits.length === 0)).toBe(true);
  if (!c.acceptsNewSessions) expect(services.every((s) => !s.available) || c.status === 'outOfHours').toBe(true);
  if (ROUTED.includes(c.status) && c.hours.promised.open)
    expect(c.promisedUnavailable !== null).toBe(c.status === 'outOfService' || c.status === 'remoteLocked');
  if (c.remoteLock && ROUTED.includes(c.status)) expect(c.status).toBe(c.activeSession ? 'remoteLockPending' : 'remoteLocked');
}

// ───────────────────────────── model-based ─────────────────────────────

describe('lifecycle: model-based (all simple paths over bounded event sets; the running kiosk follows the model)', () => {
  const input: LifecycleInput = { config: gov };
  const abstract = (x: Record<string, unknown>) => {
    const c = x as unknown as LifecycleContext;
    return {
      status: c.status,
      lock: c.remoteLock !== null,
      session: c.activeSession !== null,
      // every input of the routing, so that equal abstractions behave alike
      devices: [c.health.devices.idReader.state, c.health.devices.printer.state, c.health.devices.scanner.state],
      backend: c.health.backends.providentFund.state,
      unavailable: c.promisedUnavailable?.cause ?? null,
      pin: c.pinFailures,
      lockedOut: c.pinLockedUntil !== null,
      maint: c.maintenance !== null,
    };
  };
  const base = {
    model: makeLifecycleMachine(() => T0),
    sut: (now: () => number) => makeLifecycleMachine(now),
    input,
    abstract,
    // the hours do not change at T0 on a 24/7 kiosk; the hours tests below drive that timer
    skipTimer: (t: string) => t.includes('hoursBoundary'),
    check: (sut: { context: Record<string, unknown> }) => invariants(sut.context as unknown as LifecycleContext),
  };

  const models: [string, ModelSpec][] = [
    [
      'device health after each self-test outcome',
      {
        ...base,
        outcomes: { selfTest: [{ output: HEALTHY }, { output: PAPER_OUT_AT_BOOT }, { error: new Error('printer port busy') }] },
        events: (s) => {
          const c = s.context as unknown as LifecycleContext;
          if (c.status === 'selfTest') return [];
          return [
            settled('printer', c.health.devices.printer.state === 'fault' ? [] : ['PRINTER_PAPER_OUT']),
            settled('idReader', c.health.devices.idReader.state === 'fault' ? [] : ['IDREADER_NO_RESPONSE']),
          ];
        },
      },
    ],
    [
      'remote lock, customer sessions and a printer fault',
      {
        ...base,
        outcomes: { selfTest: [{ output: HEALTHY }] },
        skipTimer: (t) => t.includes('hoursBoundary') || t.includes('selfTestTimeout'),
        events: (s) => {
          const c = s.context as unknown as LifecycleContext;
          if (c.status === 'selfTest') return [];
          return [
            c.remoteLock ? { type: 'REMOTE_UNLOCK' } : { type: 'REMOTE_LOCK', reason: '安全检查' },
            // the runtime starts a session only while the kiosk accepts them
            ...(c.activeSession ? [{ type: 'SESSION_ENDED', sessionId: 'S1' }] : c.acceptsNewSessions ? [{ type: 'SESSION_STARTED', sessionId: 'S1', service: 'providentFundStatement' }] : []),
            settled('printer', c.health.devices.printer.state === 'fault' ? [] : ['PRINTER_PAPER_OUT']),
          ];
        },
      },
    ],
    [
      'the back office and the scanner',
      {
        ...base,
        outcomes: { selfTest: [{ output: HEALTHY }] },
        skipTimer: (t) => t.includes('hoursBoundary') || t.includes('selfTestTimeout'),
        events: (s) => {
          const c = s.context as unknown as LifecycleContext;
          if (c.status === 'selfTest') return [];
          return [
            { type: 'BACKEND_HEALTH', backend: 'providentFund', state: c.health.backends.providentFund.state === 'down' ? 'up' : 'down' },
            settled('scanner', c.health.devices.scanner.state === 'fault' ? [] : ['SCANNER_NO_RESPONSE']),
            settled('idReader', c.health.devices.idReader.state === 'fault' ? [] : ['IDREADER_SAM_FAULT']),
          ];
        },
      },
    ],
    [
      'staff PIN, lockout and maintenance',
      {
        ...base,
        input: { config: gov, policy: { maxPinAttempts: 3 } },
        outcomes: {
          selfTest: [{ output: HEALTHY }],
          verifyStaffPin: [{ output: { ok: true, staffId: 'tech-07' } }, { output: { ok: false } }, { error: new Error('PIN store unreadable') }],
        },
        events: (s) => {
          const c = s.context as unknown as LifecycleContext;
          if (c.status === 'selfTest' || c.status === 'verifyingPin') return [];
          return c.status === 'maintenance' ? [{ type: 'EXIT_MAINTENANCE' }, { type: 'STAFF_ACTIVITY' }] : [{ type: 'PIN_ENTERED', pin: '2468' }];
        },
      },
    ],
  ];

  for (const [name, spec] of models) {
    it(`${name}: every simple path replays on the running kiosk`, async () => {
      const paths = modelPaths(spec);
      expect(paths.length).toBeGreaterThan(5);
      for (const p of paths) await replay(spec, p);
    });
  }

  it('together the models reach every kiosk status', () => {
    const reached = new Set<string>();
    for (const [, spec] of models) for (const p of modelPaths(spec)) for (const st of p.steps) reached.add((st.state.context as unknown as LifecycleContext).status);
    expect([...reached].sort()).toEqual(['degraded', 'inService', 'maintenance', 'outOfService', 'remoteLockPending', 'remoteLocked', 'selfTest', 'verifyingPin'].sort());
  });
});

// ───────────────────────────── scenarios on a simulated clock ─────────────────────────────

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

interface KioskOptions {
  selfTest?: SelfTestOutput | Error | 'hang';
  policy?: LifecycleInput['policy'];
  snapshot?: unknown;
  clock?: SimulatedClock;
}

const started: { stop(): void }[] = [];
afterEach(() => {
  for (const a of started.splice(0)) a.stop();
  delete process.env.TZ;
});

async function kiosk(config: AvailabilityConfig | KioskConfig, at: number, opts: KioskOptions = {}) {
  const clock = opts.clock ?? new SimulatedClock();
  if (!opts.clock) clock.set(at);
  let skew = 0;
  let selfTest = opts.selfTest ?? HEALTHY;
  const calls = { selfTest: 0, verifyStaffPin: 0 };
  const machine = makeLifecycleMachine(() => clock.now() + skew).provide({
    actors: {
      selfTest: fromPromise(async () => {
        calls.selfTest++;
        const s = selfTest;
        if (s instanceof Error) throw s;
        if (s === 'hang') return new Promise<never>(() => {});
        return s;
      }),
      verifyStaffPin: fromPromise(async ({ input }) => {
        calls.verifyStaffPin++;
        return input.pin === '2468' ? { ok: true, staffId: 'tech-07' } : { ok: false };
      }),
    },
  });
  const actor = opts.snapshot ? createActor(machine, { snapshot: opts.snapshot as never, clock, input: { config } }) : createActor(machine, { input: { config, ...(opts.policy ? { policy: opts.policy } : {}) }, clock });
  const emitted: LifecycleEmitted[] = [];
  actor.on('*', (e) => emitted.push(e as LifecycleEmitted));
  actor.start();
  started.push(actor);
  await flush();
  const ctx = () => actor.getSnapshot().context;
  return {
    clock,
    actor,
    emitted,
    calls,
    ctx,
    status: () => ctx().status,
    /** move the simulated clock to a Shanghai wall-clock time */
    to: async (local: string | number) => {
      clock.set(typeof local === 'number' ? local : sh(local));
      await flush();
    },
    wait: async (ms: number) => {
      clock.increment(ms);
      await flush();
    },
    send: async (e: Parameters<typeof actor.send>[0]) => {
      actor.send(e);
      await flush();
    },
    /** what the next self-test finds */
    nextSelfTest: (s: SelfTestOutput) => {
      selfTest = s;
    },
    /** the wall clock jumps (NTP) without any timer firing */
    jump: (ms: number) => {
      skew += ms;
    },
    faults: () => emitted.filter(isFault),
    alarms: () => emitted.filter(isFault).filter((e) => e.device === 'kiosk').map((e) => `${e.type} ${'cause' in e ? e.cause : ''}`),
    statuses: () => emitted.filter((e) => e.type === 'status.changed').map((e) => (e as { status: string }).status),
  };
}

describe('lifecycle: promised hours', () => {
  it('the hospital 07:00–20:00: closes at 20:00 sharp, opens at 07:00 sharp, and after-hours is not an alarm', async () => {
    const k = await kiosk(hospital, sh('2026-11-25T19:55:00')); // Wednesday
    expect(k.status()).toBe('inService');
    expect(k.ctx().nextHoursBoundary).toBe(sh('2026-11-25T20:00:00'));
    await k.to(sh('2026-11-25T20:00:00') - 1);
    expect(k.status()).toBe('inService');
    await k.to('2026-11-25T20:00:00');
    expect(k.status()).toBe('outOfHours');
    expect(k.ctx().acceptsNewSessions).toBe(false);
    expect(k.ctx().availability.payment!.reasons[0]!.zh).toBe('不在服务时间，11月26日 07:00 开放');
    await k.to(sh('2026-11-26T07:00:00') - 1);
    expect(k.status()).toBe('outOfHours');
    await k.to('2026-11-26T07:00:00');
    expect(k.status()).toBe('inService');
    expect(k.statuses()).toEqual(['selfTest', 'inService', 'outOfHours', 'inService']);
    expect(k.alarms()).toEqual([]);
  });

  it('a holiday exception: closed all of 春节, with its reason on the lockout screen', async () => {
    const k = await kiosk(hospital, sh('2026-02-16T19:00:00')); // Monday before
    await k.to('2026-02-16T20:00:00');
    expect(k.status()).toBe('outOfHours');
    await k.to('2026-02-17T07:00:00'); // a Tuesday: normally open at 07:00
    expect(k.status()).toBe('outOfHours');
    expect(lifecycleView(k.actor.getSnapshot()).hours).toEqual({ open: false, closesAt: null, opensAt: sh('2026-02-18T07:00:00'), exceptionReason: '春节 (正月初一) 停诊' });
    expect(k.ctx().availability.payment!.reasons[0]!.zh).toBe('不在服务时间（春节 (正月初一) 停诊），2月18日 07:00 开放');
    await k.to('2026-02-18T07:00:00');
    expect(k.status()).toBe('inService');
  });

  it('a 24/7 kiosk stays in service day and night; its listed maintenance night is a planned lockout', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    expect(k.ctx().nextHoursBoundary).toBeNull();
    for (let h = 1; h <= 72; h++) {
      await k.wait(60 * 60_000);
      expect(k.status()).toBe('inService');
    }
    const night = await kiosk(gov, sh('2026-03-14T23:00:00'));
    expect(night.ctx().nextHoursBoundary).toBe(sh('2026-03-15T02:00:00'));
    for (let t = sh('2026-03-14T23:00:00'); t < sh('2026-03-15T02:00:00'); t += 10 * 60_000) await night.to(t);
    expect(night.status()).toBe('inService');
    await night.to('2026-03-15T02:00:00');
    expect(night.status()).toBe('outOfHours');
    await night.to('2026-03-15T06:00:00');
    expect(night.status()).toBe('inService');
    expect(night.alarms()).toEqual([]);
  });

  it('Asia/Shanghai has no DST: 20:00 is 12:00 UTC on the days Europe and the US change clocks, whatever zone the machine is set to', async () => {
    process.env.TZ = 'America/New_York';
    for (const day of ['2026-03-06', '2026-03-09', '2026-03-27', '2026-03-30', '2026-10-26', '2026-11-02']) {
      const k = await kiosk(hospital, sh(`${day}T18:00:00`));
      expect(new Date(k.ctx().nextHoursBoundary!).toISOString()).toBe(`${day}T12:00:00.000Z`);
      await k.to(Date.parse(`${day}T12:00:00Z`));
      expect(k.status()).toBe('outOfHours');
    }
  });

  it('HOURS_CHANGED (HQ set-promised-hours): the new hours are in force at once, and the next boundary is the new closing time', async () => {
    const k = await kiosk(hospital, sh('2026-11-25T18:00:00')); // Wednesday, open until 20:00
    expect(k.ctx().nextHoursBoundary).toBe(sh('2026-11-25T20:00:00'));
    const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
    const promisedHours = { ...hospital.promisedHours, weekly: Object.fromEntries(days.map((d) => [d, [{ open: '07:00', close: '18:30', openMinute: 420, closeMinute: 1110 }]])) as never };
    await k.send({ type: 'HOURS_CHANGED', promisedHours, services: hospital.services });
    expect(k.status()).toBe('inService');
    expect(k.ctx().nextHoursBoundary).toBe(sh('2026-11-25T18:30:00'));
    await k.to('2026-11-25T18:30:00');
    expect(k.status()).toBe('outOfHours');
    // a malformed event changes nothing
    await k.send({ type: 'HOURS_CHANGED' } as never);
    expect(k.ctx().config.promisedHours).toBe(promisedHours);
    expect(k.alarms()).toEqual([]);
  });

  it('CLOCK_CHANGED re-evaluates at once when the wall clock jumps', async () => {
    const k = await kiosk(hospital, sh('2026-11-25T19:00:00'));
    k.jump(2 * 60 * 60_000); // NTP: it is really 21:00
    expect(k.status()).toBe('inService');
    await k.send({ type: 'CLOCK_CHANGED' });
    expect(k.status()).toBe('outOfHours');
    expect(k.ctx().nextHoursBoundary).toBe(sh('2026-11-26T07:00:00'));
  });
});

describe('lifecycle: device health and OUT_OF_HOURS_UNAVAILABLE', () => {
  it('a flapping printer does not take the kiosk out of service; paper out that stays does, and HQ gets one alarm each', async () => {
    const k = await kiosk(gov, sh('2026-11-25T22:00:00'));
    for (let i = 0; i < 10; i++) {
      await k.send({ type: 'DEVICE_HEALTH', device: 'printer', faults: ['PRINTER_PAPER_OUT'] });
      await k.wait(1_000);
      await k.send({ type: 'DEVICE_HEALTH', device: 'printer', faults: [] });
      await k.wait(1_000);
    }
    expect(k.statuses()).toEqual(['selfTest', 'inService']);
    await k.send({ type: 'DEVICE_HEALTH', device: 'printer', faults: [{ code: 'PRINTER_PAPER_OUT', detail: 'out of paper: load a new roll' }] });
    await k.wait(3_000);
    expect(k.status()).toBe('outOfService'); // the statement cannot be printed: the only service
    expect(k.ctx().availability.providentFundStatement!.reasons[0]).toMatchObject({ zh: '打印机缺纸', en: 'printer out of paper' });
    const raised = k.faults().filter((e) => e.type === 'fault.raised');
    expect(raised.map((e) => `${e.device} ${e.code}`)).toEqual(['printer PRINTER_PAPER_OUT', 'kiosk OUT_OF_HOURS_UNAVAILABLE']);
    expect(raised[1]).toMatchObject({ cause: 'out-of-service', detail: 'unavailable inside promised hours: out of service (printer out of paper)' });

    await k.send({ type: 'DEVICE_HEALTH', device: 'printer', faults: [] });
    await k.wait(5_000);
    expect(k.status()).toBe('inService');
    expect(k.faults().filter((e) => e.type === 'fault.cleared').map((e) => `${e.device} ${e.code}`)).toEqual(['printer PRINTER_PAPER_OUT', 'kiosk OUT_OF_HOURS_UNAVAILABLE']);
  });

  it('a lost ID card reader only degrades the kiosk: the QR code still works', async () => {
    const k = await kiosk(gov, sh('2026-11-25T22:00:00'));
    await k.send({ type: 'DEVICE_HEALTH', device: 'idReader', faults: ['DEVICE_LINK_DOWN'] });
    await k.wait(3_000);
    expect(k.status()).toBe('degraded');
    expect(canStartSession(k.actor.getSnapshot(), 'providentFundStatement')).toBe(true);
    expect(k.ctx().availability.providentFundStatement).toMatchObject({ methods: ['eSocialSecurityQr'], limits: [{ zh: '身份证阅读器连接断开' }] });
    expect(k.alarms()).toEqual([]);
  });

  it('unavailable at 19:59 is an alarm; it clears when the promised hours end — after-hours is no fault', async () => {
    const k = await kiosk(hospital, sh('2026-11-25T19:50:00'));
    await k.send({ type: 'BACKEND_HEALTH', backend: 'payment', state: 'down', detail: 'ECONNREFUSED' });
    expect(k.status()).toBe('outOfService');
    await k.to('2026-11-25T20:00:00');
    expect(k.status()).toBe('outOfHours');
    expect(k.alarms()).toEqual(['fault.raised out-of-service', 'fault.cleared out-of-service']);
    expect(k.faults().find((e) => e.type === 'fault.cleared' && e.device === 'kiosk')).toMatchObject({ detail: 'available again (was out of service for 600 s); promised hours ended' });
    // still down in the morning: unavailable again inside the hours
    await k.to('2026-11-26T07:00:00');
    expect(k.alarms()).toHaveLength(3);
  });

  it('a failed self-test leaves the devices unknown: out of service until they report', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'), { selfTest: new Error('serial port /dev/ttyS1 busy') });
    expect(k.status()).toBe('outOfService');
    expect(k.ctx().selfTestError).toBe('the self-test failed: serial port /dev/ttyS1 busy');
    expect(k.ctx().availability.providentFundStatement!.reasons.map((r) => r.code)).toContain('DEVICE_CHECKING');
    for (const device of ['idReader', 'printer', 'scanner'] as const) await k.send({ type: 'DEVICE_HEALTH', device, faults: [] });
    expect(k.status()).toBe('inService');
  });

  it('a self-test that never answers times out', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'), { selfTest: 'hang', policy: { selfTestTimeoutMs: 20_000 } });
    expect(k.status()).toBe('selfTest');
    await k.wait(19_999);
    expect(k.status()).toBe('selfTest');
    await k.wait(1);
    expect(k.status()).toBe('outOfService');
    expect(k.ctx().selfTestError).toBe('the self-test did not finish within 20000 ms');
  });

  it('paper out found by the self-test is raised at once (no debounce at boot)', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'), { selfTest: PAPER_OUT_AT_BOOT });
    expect(k.status()).toBe('outOfService');
    expect(k.faults().filter((e) => e.type === 'fault.raised').map((e) => e.code)).toEqual(['OUT_OF_HOURS_UNAVAILABLE', 'PRINTER_PAPER_OUT']);
    expect(k.statuses()).toEqual(['selfTest', 'outOfService']);
  });
});

describe('lifecycle: staff PIN and maintenance', () => {
  it('5 wrong PINs lock PIN entry for 5 minutes; customers are still served meanwhile', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    for (let i = 0; i < 5; i++) await k.send({ type: 'PIN_ENTERED', pin: '0000' });
    expect(k.emitted.filter((e) => e.type === 'staff.pin-rejected')).toHaveLength(5);
    expect(k.emitted.find((e) => e.type === 'staff.pin-lockout')).toMatchObject({ until: sh('2026-11-25T10:05:00') });
    expect(k.actor.getSnapshot().matches({ staffAccess: 'lockedOut' })).toBe(true);
    expect(k.status()).toBe('inService');
    await k.send({ type: 'PIN_ENTERED', pin: '2468' });
    expect([k.status(), k.calls.verifyStaffPin]).toEqual(['inService', 5]);
    await k.wait(5 * 60_000 - 1);
    await k.send({ type: 'PIN_ENTERED', pin: '2468' });
    expect(k.calls.verifyStaffPin).toBe(5);
    await k.wait(1);
    await k.send({ type: 'PIN_ENTERED', pin: '2468' });
    expect(k.status()).toBe('maintenance');
    expect(k.ctx().pinFailures).toBe(0);
  });

  it('no PIN while a customer is being served', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    await k.send({ type: 'SESSION_STARTED', sessionId: 'S1', service: 'providentFundStatement' });
    await k.send({ type: 'PIN_ENTERED', pin: '2468' });
    expect([k.status(), k.calls.verifyStaffPin]).toEqual(['inService', 0]);
  });

  it('maintenance takes no customers, is an alarm inside promised hours, ends by timeout after the last activity, then re-tests the devices', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    await k.send({ type: 'PIN_ENTERED', pin: '2468' });
    expect(k.status()).toBe('maintenance');
    expect(lifecycleView(k.actor.getSnapshot())).toMatchObject({ acceptsNewSessions: false, maintenance: { staffId: 'tech-07', since: sh('2026-11-25T10:00:00') } });
    expect(k.ctx().availability.providentFundStatement!.reasons[0]!.zh).toBe('设备维护中');
    await k.wait(20 * 60_000);
    await k.send({ type: 'STAFF_ACTIVITY' });
    await k.wait(30 * 60_000 - 1);
    expect(k.status()).toBe('maintenance');
    await k.wait(1);
    expect(k.status()).toBe('inService');
    expect(k.calls.selfTest).toBe(2);
    expect(k.emitted.find((e) => e.type === 'staff.maintenance-ended')).toMatchObject({ how: 'timeout', at: sh('2026-11-25T10:50:00') });
    expect(k.alarms()).toEqual(['fault.raised maintenance', 'fault.cleared maintenance']);
  });

  it('EXIT_MAINTENANCE re-tests the devices: paper loaded by the technician is seen at once', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'), { selfTest: PAPER_OUT_AT_BOOT });
    expect(k.status()).toBe('outOfService');
    await k.send({ type: 'PIN_ENTERED', pin: '2468' });
    expect(k.alarms()).toEqual(['fault.raised out-of-service']); // one alarm, with the cause it was raised for
    k.nextSelfTest(HEALTHY); // the technician loads paper
    await k.send({ type: 'EXIT_MAINTENANCE' });
    expect(k.status()).toBe('inService');
    expect(k.calls.selfTest).toBe(2);
    expect(k.emitted.find((e) => e.type === 'staff.maintenance-ended')).toMatchObject({ how: 'exit' });
    expect(k.alarms()).toEqual(['fault.raised out-of-service', 'fault.cleared out-of-service']);
    expect(k.faults().filter((e) => e.type === 'fault.cleared' && e.device === 'printer').map((e) => e.code)).toEqual(['PRINTER_PAPER_OUT']);
  });
});

describe('lifecycle: remote lock', () => {
  it('waits for the running session, then locks; unlock returns to service', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    await k.send({ type: 'SESSION_STARTED', sessionId: 'S1', service: 'providentFundStatement' });
    await k.send({ type: 'REMOTE_LOCK', reason: '安全检查' });
    expect(k.status()).toBe('remoteLockPending');
    expect(k.ctx().acceptsNewSessions).toBe(false);
    expect(k.alarms()).toEqual([]); // someone is still being served
    await k.send({ type: 'SESSION_ENDED', sessionId: 'OTHER' });
    expect(k.status()).toBe('remoteLockPending');
    await k.send({ type: 'SESSION_ENDED', sessionId: 'S1' });
    expect(k.status()).toBe('remoteLocked');
    expect(k.ctx().availability.providentFundStatement!.reasons[0]!.zh).toBe('本机已暂停服务：安全检查');
    expect(k.faults().find((e) => e.type === 'fault.raised' && e.device === 'kiosk')).toMatchObject({ cause: 'remote-lock', detail: 'unavailable inside promised hours: locked by HQ (安全检查)' });
    await k.send({ type: 'REMOTE_UNLOCK' });
    expect(k.status()).toBe('inService');
    expect(k.alarms()).toEqual(['fault.raised remote-lock', 'fault.cleared remote-lock']);
  });

  it('a lock sent during maintenance applies when maintenance ends', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    await k.send({ type: 'PIN_ENTERED', pin: '2468' });
    await k.send({ type: 'REMOTE_LOCK' });
    expect(k.status()).toBe('maintenance');
    await k.send({ type: 'EXIT_MAINTENANCE' });
    expect(k.status()).toBe('remoteLocked');
    expect(k.ctx().remoteLock).toEqual({ reason: 'locked by HQ', at: sh('2026-11-25T10:00:00') });
  });
});

describe('lifecycle: the screen out of service (issue 11: the recovery ladder gave up)', () => {
  it('takes no one while the screen cannot be trusted, raises the promised-hours alarm with the reason, and comes back when it is proven', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    expect(k.status()).toBe('inService');
    await k.send({ type: 'SCREEN_OUT_OF_SERVICE', reason: 'SCREEN_FROZEN after reload, shell and agent restarts' });
    expect(k.status()).toBe('outOfService');
    expect(k.ctx().acceptsNewSessions).toBe(false);
    expect(k.ctx().availability.providentFundStatement!.reasons[0]).toMatchObject({ code: 'SCREEN', zh: '屏幕故障：SCREEN_FROZEN after reload, shell and agent restarts' });
    expect(k.faults().find((e) => e.type === 'fault.raised' && e.device === 'kiosk')).toMatchObject({ cause: 'out-of-service' });
    await k.send({ type: 'SCREEN_BACK' });
    expect(k.status()).toBe('inService');
    expect(k.alarms()).toEqual(['fault.raised out-of-service', 'fault.cleared out-of-service']);
  });

  it('never cuts off a running session, and outside promised hours the kiosk is simply closed', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    await k.send({ type: 'SESSION_STARTED', sessionId: 'S1', service: 'providentFundStatement' });
    await k.send({ type: 'SCREEN_OUT_OF_SERVICE' });
    expect(k.status()).toBe('outOfService');
    expect(k.ctx().activeSession).toMatchObject({ id: 'S1' });
    expect(k.ctx().screenOut).toEqual({ reason: 'the screen cannot be trusted', at: sh('2026-11-25T10:00:00') });
  });
});

describe('lifecycle: restored from the journal', () => {
  it('maintenance resumes with the time that was left, and the remote lock survives', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    await k.send({ type: 'REMOTE_LOCK', reason: '安全检查' });
    await k.send({ type: 'PIN_ENTERED', pin: '2468' });
    await k.wait(10 * 60_000);
    const saved = JSON.parse(JSON.stringify(persistLifecycle(k.actor)));
    k.actor.stop();

    // the agent is down for 5 minutes
    const clock = new SimulatedClock();
    clock.set(sh('2026-11-25T10:15:00'));
    const r = await kiosk(gov, 0, { clock, snapshot: saved });
    await r.send({ type: 'zizhu.resume' });
    expect(r.status()).toBe('maintenance');
    await r.to(sh('2026-11-25T10:30:00') - 1);
    expect(r.status()).toBe('maintenance');
    await r.to('2026-11-25T10:30:00');
    expect(r.status()).toBe('remoteLocked');
  });

  it('a PIN lockout resumes with the time that was left; a PIN check in flight is dropped and the PIN is never persisted', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    for (let i = 0; i < 5; i++) await k.send({ type: 'PIN_ENTERED', pin: '0000' });
    await k.wait(2 * 60_000);
    const saved = JSON.parse(JSON.stringify(persistLifecycle(k.actor)));
    k.actor.stop();
    const clock = new SimulatedClock();
    clock.set(sh('2026-11-25T10:03:00'));
    const r = await kiosk(gov, 0, { clock, snapshot: saved });
    await r.send({ type: 'zizhu.resume' });
    expect(r.actor.getSnapshot().matches({ staffAccess: 'lockedOut' })).toBe(true);
    await r.to(sh('2026-11-25T10:05:00') - 1);
    expect(r.actor.getSnapshot().matches({ staffAccess: 'lockedOut' })).toBe(true);
    await r.to('2026-11-25T10:05:00');
    expect(r.actor.getSnapshot().matches({ staffAccess: 'ready' })).toBe(true);

    // a PIN check in flight when the power went
    const slow = makeLifecycleMachine(() => clock.now()).provide({
      actors: {
        selfTest: fromPromise<SelfTestOutput, SelfTestInput>(async () => HEALTHY),
        verifyStaffPin: fromPromise<VerifyStaffPinOutput, VerifyStaffPinInput>(() => new Promise<never>(() => {})),
      },
    });
    const a = createActor(slow, { input: { config: gov }, clock }).start();
    started.push(a);
    await flush();
    a.send({ type: 'PIN_ENTERED', pin: '97531' });
    expect(a.getSnapshot().context.status).toBe('verifyingPin');
    const text = JSON.stringify(persistLifecycle(a));
    expect(text).not.toContain('97531');
    const back = await kiosk(gov, 0, { clock, snapshot: JSON.parse(text) });
    await back.send({ type: 'zizhu.resume' });
    expect([back.status(), back.calls.verifyStaffPin]).toEqual(['inService', 0]);
  });

  it('a device fault pending its debounce is raised on time after the restore', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    await k.send({ type: 'DEVICE_HEALTH', device: 'printer', faults: ['PRINTER_PAPER_OUT'] });
    await k.wait(1_000);
    const saved = JSON.parse(JSON.stringify(persistLifecycle(k.actor)));
    k.actor.stop();
    const clock = new SimulatedClock();
    clock.set(sh('2026-11-25T10:00:01.500'));
    const r = await kiosk(gov, 0, { clock, snapshot: saved });
    await r.send({ type: 'zizhu.resume' });
    await r.wait(1_499);
    expect(r.status()).toBe('inService');
    await r.wait(1);
    expect(r.status()).toBe('outOfService');
  });
});

describe('lifecycle: robustness', () => {
  it('ignores ill-formed and unknown events without throwing', async () => {
    const k = await kiosk(gov, sh('2026-11-25T10:00:00'));
    const junk = [
      { type: 'DEVICE_HEALTH', device: 'coffeeMachine', faults: ['X'] },
      { type: 'DEVICE_HEALTH', device: 'printer', faults: 'paper out' },
      { type: 'BACKEND_HEALTH', backend: 'bank', state: 'down' },
      { type: 'BACKEND_HEALTH', backend: 'his', state: 'on fire' },
      { type: 'DEVICE_HEALTH_SETTLED', device: 'toaster' },
      { type: 'DEVICE_HEALTH_SETTLED', device: 'printer' },
      { type: 'DEVICE_HEALTH_SETTLED', device: 'printer', health: { state: 'fault', faults: 'PRINTER_PAPER_OUT' } },
      { type: 'PIN_ENTERED' },
      { type: 'SESSION_ENDED' },
      { type: 'EXIT_MAINTENANCE' },
      { type: 'NO_SUCH_EVENT' },
    ];
    for (const e of junk) await k.send(e as never);
    expect(k.actor.getSnapshot().status).toBe('active');
    expect(k.status()).toBe('inService');
    expect(k.calls.verifyStaffPin).toBe(0);
  });

  it('the view for the bridge and HQ is plain JSON', async () => {
    const k = await kiosk(hospital, sh('2026-11-25T10:00:00'));
    const view = lifecycleView(k.actor.getSnapshot());
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
    expect(view).toMatchObject({ status: 'inService', acceptsNewSessions: true, hours: { open: true, closesAt: sh('2026-11-25T20:00:00') } });
    expect(canStartSession(k.actor.getSnapshot(), 'hospitalRegistration')).toBe(true);
    expect(canStartSession(k.actor.getSnapshot(), 'providentFundStatement')).toBe(false);
  });
});
