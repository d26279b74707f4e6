import { describe, expect, it } from 'vitest';
import { HqEventSchema, type HqEvent } from '../../contracts/hq.ts';
import { FAULT_SEVERITY } from '../../contracts/faults.ts';
import { parseFleetSimArgs } from './args.ts';
import { hoursAt } from './catalogue.ts';
import { LatencyHistogram } from './histogram.ts';
import { SimKiosk } from './kiosk.ts';
import { FLEET_DISTRICTS, planFleet, type KioskPlan } from './places.ts';
import { backoffMs, mulberry32 } from './random.ts';
import { TimerWheel } from './wheel.ts';

const at = (s: string): number => Date.parse(s);

describe('planFleet', () => {
  const plan = planFleet({ kiosks: 200, seed: 3 });
  it('is the same for the same seed and spreads over districts around 31.2N 121.47E', () => {
    expect(planFleet({ kiosks: 200, seed: 3 })).toEqual(plan);
    expect(planFleet({ kiosks: 200, seed: 4 })).not.toEqual(plan);
    expect(new Set(plan.map((p) => p.district))).toEqual(new Set(FLEET_DISTRICTS));
    expect(new Set(plan.map((p) => p.id)).size).toBe(200);
    expect(plan[0]!.id).toBe('sim-00001');
    for (const p of plan) {
      expect(Math.abs(p.lat - 31.2)).toBeLessThan(0.3);
      expect(Math.abs(p.lng - 121.47)).toBeLessThan(0.3);
      expect(p.site).toMatch(p.kind === 'hospital' ? /医院门诊大厅$/ : /社区事务受理中心$/);
      expect(p.address.startsWith(`上海市${p.district}`)).toBe(true);
    }
    const hospitals = plan.filter((p) => p.kind === 'hospital').length;
    expect(hospitals).toBeGreaterThan(30);
    expect(hospitals).toBeLessThan(100);
  });
});

describe('hoursAt (Asia/Shanghai from epoch ms alone)', () => {
  it('opens hospital halls 07:00–21:00 and never closes a gov-24h kiosk', () => {
    expect(hoursAt('hospital', at('2026-06-10T06:59:59+08:00'))).toEqual({ open: false, nextChangeAt: at('2026-06-10T07:00:00+08:00') });
    expect(hoursAt('hospital', at('2026-06-10T07:00:00+08:00'))).toEqual({ open: true, nextChangeAt: at('2026-06-10T21:00:00+08:00') });
    expect(hoursAt('hospital', at('2026-06-10T21:00:00+08:00'))).toEqual({ open: false, nextChangeAt: at('2026-06-11T07:00:00+08:00') });
    // 02:00 in Shanghai is the previous day in UTC
    expect(hoursAt('hospital', at('2026-06-10T02:00:00+08:00'))).toEqual({ open: false, nextChangeAt: at('2026-06-10T07:00:00+08:00') });
    expect(hoursAt('gov-24h', at('2026-06-10T02:00:00+08:00'))).toEqual({ open: true, nextChangeAt: null });
  });
});

describe('LatencyHistogram', () => {
  it('gives quantiles within 1 % and the exact max', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) h.record(ms);
    expect(h.quantile(0.5)).toBeGreaterThanOrEqual(500);
    expect(h.quantile(0.5)).toBeLessThanOrEqual(505);
    expect(h.quantile(0.99)).toBeGreaterThanOrEqual(990);
    expect(h.quantile(0.99)).toBeLessThanOrEqual(1000);
    expect(h.summary()).toMatchObject({ count: 1000, maxMs: 1000 });
    h.reset();
    expect(h.summary()).toEqual({ count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 });
  });
});

describe('backoffMs', () => {
  it('doubles per attempt with jitter and stops at the cap', () => {
    const rng = mulberry32(1);
    for (let i = 0; i < 50; i++) {
      const one = backoffMs(1, 200, 60_000, rng);
      expect(one).toBeGreaterThanOrEqual(100);
      expect(one).toBeLessThan(200);
      const three = backoffMs(3, 200, 60_000, rng);
      expect(three).toBeGreaterThanOrEqual(400);
      expect(three).toBeLessThan(800);
      expect(backoffMs(40, 200, 60_000, rng)).toBeLessThanOrEqual(60_000);
      expect(backoffMs(40, 200, 60_000, rng)).toBeGreaterThanOrEqual(30_000);
    }
  });
});

describe('TimerWheel', () => {
  it('fires each entry once, never before its time, also a turn or more ahead', () => {
    let clock = 1_000;
    const fired: [number, number][] = [];
    const wheel = new TimerWheel(4, (i) => fired.push([i, clock]), 10, 8, () => clock); // one turn = 80 ms
    wheel.schedule(0, 1_035);
    wheel.schedule(1, 1_005);
    wheel.schedule(2, 1_250); // three turns ahead
    for (; clock <= 1_300; clock += 7) wheel.advance();
    expect(fired.map(([i]) => i)).toEqual([1, 0, 2]);
    for (const [i, when] of fired) expect(when).toBeGreaterThanOrEqual([1_035, 1_005, 1_250][i]!);
    expect(() => (wheel.schedule(3, 2_000), wheel.schedule(3, 2_000))).toThrow(/already scheduled/);
  });
});

describe('SimKiosk', () => {
  const plan = (kind: KioskPlan['kind']): KioskPlan => ({ id: `k-${kind}`, kind, site: 's', district: '黄浦区', address: 'a', lat: 31.2, lng: 121.47 });
  /** a day at a 30 s heartbeat on a stepped clock, the outbox drained after every step */
  function day(kind: KioskPlan['kind'], seed: number, commandsAt: Map<number, unknown[]> = new Map()): HqEvent[] {
    const k = new SimKiosk({ plan: plan(kind), rng: mulberry32(seed), heartbeatSeconds: 30, faultsPerHour: 2, sessionsPerHour: 10 });
    const out: HqEvent[] = [];
    let t = at('2026-06-10T00:00:00+08:00');
    k.start(t);
    for (let step = 0; step < 2880; step++, t += 30_000) {
      k.advance(t);
      k.heartbeat(t);
      const cmds = commandsAt.get(step);
      if (cmds) k.onCommands(cmds, t);
      out.push(...k.pending.map((e) => JSON.parse(e) as HqEvent));
      k.acknowledge(k.pending.length);
    }
    return out;
  }

  it('makes only valid events, numbered 1, 2, 3…, in time order, the same for the same seed', () => {
    const events = day('hospital', 5);
    for (const e of events) expect(HqEventSchema.safeParse(e).error).toBeUndefined();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e, i) => i === 0 || Date.parse(e.at) >= Date.parse(events[i - 1]!.at))).toBe(true);
    expect(day('hospital', 5).map((e) => [e.type, e.at])).toEqual(events.map((e) => [e.type, e.at]));
    const types = new Set(events.map((e) => e.type));
    for (const t of ['agent.started', 'heartbeat', 'fault.raised', 'fault.cleared', 'session.ended', 'lockout.started', 'lockout.ended', 'kiosk.status']) expect(types).toContain(t);
    for (const e of events) if (e.type === 'fault.raised') expect(e.payload.severity).toBe(FAULT_SEVERITY[e.payload.code]);
    const schedule = events.filter((e) => (e.type === 'lockout.started' || e.type === 'lockout.ended') && e.payload.reason === 'schedule');
    expect(schedule.map((e) => [e.type, e.at])).toEqual([
      ['lockout.started', '2026-06-09T16:00:00.000Z'], // booted at midnight, closed
      ['lockout.ended', '2026-06-09T23:00:00.000Z'], // 07:00
      ['lockout.started', '2026-06-10T13:00:00.000Z'], // 21:00
    ]);
    for (const e of events) if (e.type === 'session.ended') expect(Date.parse(e.at)).toBeGreaterThanOrEqual(at('2026-06-10T07:00:00+08:00'));
  });

  it('locks and unlocks on command, answers each, and refuses one it does not know', () => {
    const lock = { id: '8b0c8a52-8a4e-4c39-9a8e-6f1f1f1f1f10', type: 'lock', args: { reason: 'test' }, issuedAt: '2026-06-10T02:00:00Z', expiresAt: '2026-06-10T03:00:00Z' };
    const unlock = { ...lock, id: '8b0c8a52-8a4e-4c39-9a8e-6f1f1f1f1f11', type: 'unlock', args: {} };
    const odd = { ...lock, id: '8b0c8a52-8a4e-4c39-9a8e-6f1f1f1f1f12', type: 'self-destruct' };
    const events = day('gov-24h', 9, new Map([[100, [lock, odd]], [200, [unlock]]]));
    const results = events.filter((e) => e.type === 'command.result');
    expect(results.map((e) => [e.payload.commandId.slice(-2), e.payload.status])).toEqual([['10', 'succeeded'], ['12', 'failed'], ['11', 'succeeded']]);
    const beats = events.filter((e) => e.type === 'heartbeat');
    const lifecycleAt = (seqAfter: number): string => beats.find((b) => b.seq > seqAfter)!.payload.lifecycle;
    expect(lifecycleAt(results[0]!.seq)).toBe('remoteLocked');
    expect(lifecycleAt(results[2]!.seq)).not.toBe('remoteLocked');
    expect(events.some((e) => e.type === 'session.ended' && e.seq > results[0]!.seq && e.seq < results[2]!.seq)).toBe(false);
  });
});

describe('parseFleetSimArgs', () => {
  it('takes good flags with defaults and names the first bad one', () => {
    expect(parseFleetSimArgs(['--hq', 'http://127.0.0.1:8470/', '--kiosks', '50000'])).toEqual({
      ok: { hqUrl: 'http://127.0.0.1:8470', kiosks: 50000, intervalSeconds: 30, faultsPerKioskHour: 0.1, user: 'admin', seed: 1, prefix: 'sim-' },
    });
    expect(parseFleetSimArgs(['--help'])).toEqual({ help: true });
    const error = (args: string[]): string => (parseFleetSimArgs(args) as { error: string }).error;
    expect(error(['--kiosks', '5'])).toMatch(/--hq URL is required/);
    expect(error(['--hq', 'ftp://x', '--kiosks', '5'])).toMatch(/--hq must be an http/);
    expect(error(['--hq', 'http://x', '--kiosks', '0'])).toMatch(/--kiosks must be a whole number/);
    expect(error(['--hq', 'http://x', '--kiosks', '5', '--interval', 'soon'])).toMatch(/--interval must be/);
    expect(error(['--hq', 'http://x', '--kiosks', '5', '--faults=-1'])).toMatch(/--faults must be/);
    expect(error(['--hq', 'http://x', '--kiosks', '5', '--prefix', 'a b'])).toMatch(/--prefix must be/);
    expect(error(['--hq', 'http://x', '--kiosks', '5', '--bogus'])).toMatch(/bogus/);
  });
});
