import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { changesBetween, makeDeviceHealthMachine, type DeviceFaultChange, type DeviceHealthContext } from './device-health.machine.ts';
import { modelPaths, replay, T0, type ModelSpec } from './testing/model-paths.ts';

const DEBOUNCE = { raiseAfterMs: 3_000, raiseAfterReports: 3, clearAfterMs: 5_000 };
const OK = { type: 'REPORT' as const, faults: [], warnings: [] };
const NEAR_END = { type: 'REPORT' as const, faults: [], warnings: [{ code: 'PRINTER_PAPER_NEAR_END' as const, detail: 'paper roll nearly used up' }] };
const PAPER_OUT = { type: 'REPORT' as const, faults: [{ code: 'PRINTER_PAPER_OUT' as const, detail: 'out of paper: load a new roll' }], warnings: [] };

describe('device health: model-based (all simple paths over ok / near-end / paper-out reports and the debounce timers)', () => {
  const spec: ModelSpec = {
    model: makeDeviceHealthMachine(() => T0),
    sut: (now) => makeDeviceHealthMachine(now),
    input: { device: 'printer', debounce: DEBOUNCE },
    outcomes: {},
    events: () => [OK, NEAR_END, PAPER_OUT],
    abstract: (c) => {
      const ctx = c as unknown as DeviceHealthContext;
      return { stable: ctx.stable.state, pending: ctx.pending?.state ?? null, reports: ctx.pendingReports };
    },
    check: (sut) => {
      const c = sut.context as unknown as DeviceHealthContext;
      const value = sut.value as string;
      // the state says what is settled, or that something is pending
      if (value === 'raising') expect(c.raiseDeadline).not.toBeNull();
      else if (value === 'clearing') expect(c.clearDeadline).not.toBeNull();
      else expect({ value, pending: c.pending }).toEqual({ value: c.stable.state, pending: null });
      // a pending report never has the settled level
      if (c.pending) expect(c.pending.state).not.toBe(c.stable.state);
    },
  };
  const paths = modelPaths(spec);

  it('covers every state', () => {
    const reached = new Set(paths.flatMap((p) => p.steps.map((s) => JSON.stringify(s.state.value))));
    expect([...reached].sort()).toEqual(['"clearing"', '"fault"', '"ok"', '"raising"', '"unknown"', '"warning"']);
    expect(paths.length).toBeGreaterThan(20);
  });

  it('the running machine follows the model on every path', async () => {
    for (const p of paths) await replay(spec, p);
  });
});

describe('device health: debounce in time', () => {
  function start(debounce = DEBOUNCE) {
    const clock = new SimulatedClock();
    clock.set(T0);
    const actor = createActor(makeDeviceHealthMachine(() => clock.now()), { input: { device: 'printer', debounce }, clock });
    const changes: DeviceFaultChange[] = [];
    actor.on('health.settled', (e) => changes.push(...e.changes));
    actor.start();
    return { clock, actor, changes };
  }

  it('the first report settles at once (the self-test is the best there is at boot)', () => {
    const { actor, changes } = start();
    actor.send(PAPER_OUT);
    expect(actor.getSnapshot().value).toBe('fault');
    expect(changes).toEqual([{ device: 'printer', code: 'PRINTER_PAPER_OUT', change: 'raised', severity: 'fault', detail: 'out of paper: load a new roll', at: T0 }]);
  });

  it('a flapping link raises nothing; a fault that stays is raised once, after raiseAfterMs', () => {
    const { clock, actor, changes } = start({ ...DEBOUNCE, raiseAfterReports: 100 });
    actor.send(OK);
    for (let i = 0; i < 20; i++) {
      actor.send(PAPER_OUT);
      clock.increment(1_000);
      actor.send(OK);
      clock.increment(1_000);
    }
    expect(changes).toEqual([]);
    actor.send(PAPER_OUT);
    clock.increment(2_999);
    expect(actor.getSnapshot().value).toBe('raising');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('fault');
    expect(changes.map((c) => `${c.change} ${c.code} @${c.at - T0}`)).toEqual(['raised PRINTER_PAPER_OUT @43000']);
  });

  it('M reports in a row raise before the time is up', () => {
    const { clock, actor, changes } = start();
    actor.send(OK);
    actor.send(PAPER_OUT);
    clock.increment(500);
    actor.send(PAPER_OUT);
    expect(changes).toEqual([]);
    actor.send(PAPER_OUT);
    expect(actor.getSnapshot().value).toBe('fault');
    expect(changes).toHaveLength(1);
  });

  it('clears only after being well for clearAfterMs; a relapse keeps the fault without a second alarm', () => {
    const { clock, actor, changes } = start();
    actor.send(PAPER_OUT);
    actor.send(OK);
    clock.increment(4_000);
    actor.send(PAPER_OUT); // relapse: still the same fault
    expect(actor.getSnapshot().value).toBe('fault');
    actor.send(OK);
    clock.increment(4_999);
    expect(actor.getSnapshot().value).toBe('clearing');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('ok');
    expect(changes.map((c) => c.change)).toEqual(['raised', 'cleared']);
  });

  it('a fault that becomes a warning clears the fault and raises the warning once it is stable', () => {
    const { clock, actor, changes } = start();
    actor.send(PAPER_OUT);
    actor.send(NEAR_END);
    clock.increment(5_000);
    expect(actor.getSnapshot().value).toBe('warning');
    expect(changes.map((c) => `${c.change} ${c.severity} ${c.code}`)).toEqual(['raised fault PRINTER_PAPER_OUT', 'cleared fault PRINTER_PAPER_OUT', 'raised warning PRINTER_PAPER_NEAR_END']);
  });

  it('another fault code while already faulty is reported at once', () => {
    const { actor, changes } = start();
    actor.send(PAPER_OUT);
    actor.send({ type: 'REPORT', faults: ['PRINTER_COVER_OPEN'] });
    expect(changes.map((c) => `${c.change} ${c.code}`)).toEqual(['raised PRINTER_PAPER_OUT', 'cleared PRINTER_PAPER_OUT', 'raised PRINTER_COVER_OPEN']);
  });

  it('ignores other devices, malformed reports and unknown events without throwing', () => {
    const { actor } = start();
    actor.send({ type: 'DEVICE_HEALTH', device: 'scanner', faults: ['SCANNER_NO_RESPONSE'] });
    expect(actor.getSnapshot().value).toBe('unknown');
    actor.send({ type: 'REPORT', faults: 'nonsense' as never, warnings: [42, null] as never });
    expect(actor.getSnapshot().value).toBe('ok');
    actor.send({ type: 'NO_SUCH_EVENT' } as never);
    expect(actor.getSnapshot().status).toBe('active');
  });

  it('a restored pending fault is raised with the time that was left', () => {
    const first = start();
    first.actor.send(OK);
    first.actor.send(PAPER_OUT);
    first.clock.increment(1_000);
    const saved = JSON.parse(JSON.stringify(first.actor.getPersistedSnapshot()));
    first.actor.stop();

    // the agent restarts 500 ms later
    const clock = new SimulatedClock();
    clock.set(T0 + 1_500);
    const actor = createActor(makeDeviceHealthMachine(() => clock.now()), { snapshot: saved, clock, input: { device: 'printer' } });
    const changes: DeviceFaultChange[] = [];
    actor.on('health.settled', (e) => changes.push(...e.changes));
    actor.start();
    actor.send({ type: 'zizhu.resume' });
    clock.increment(1_499);
    expect(actor.getSnapshot().value).toBe('raising');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('fault');
    expect(changes.map((c) => c.at - T0)).toEqual([3_000]);
  });
});

describe('changesBetween', () => {
  it('keys by code and severity', () => {
    const before = { state: 'warning' as const, faults: [], warnings: [{ code: 'PRINTER_PAPER_NEAR_END' as const, detail: 'w' }] };
    const after = { state: 'warning' as const, faults: [], warnings: [{ code: 'PRINTER_PAPER_NEAR_END' as const, detail: 'w2' }] };
    expect(changesBetween('printer', before, after, 1)).toEqual([]);
  });
});
