import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HqEvent } from '../../contracts/hq.ts';
import { until } from '../../tests/until.ts';
import { runFleetSim, type FleetSim } from './fleet.ts';
import { planFleet } from './places.ts';
import { startFakeHq, type FakeHq } from './testing.ts';

/**
 * Six kiosks against the fake HQ, a heartbeat every 0.2 s. The kiosks' clock starts at 20:58 in
 * Shanghai and runs 600 times faster than real time (one heartbeat = two minutes of the kiosk's day),
 * so hospital halls close within the first heartbeats and faults come and clear quickly.
 */
const KIOSKS = 6;
const INTERVAL_S = 0.2;
const SPEED = 600;
const START = Date.parse('2026-06-10T20:58:00+08:00');
const SEED = 7;
const PREFIX = 't-';

let hq: FakeHq;
let sim: FleetSim;
const plan = planFleet({ kiosks: KIOSKS, seed: SEED, prefix: PREFIX });
const gov = plan.find((p) => p.kind === 'gov-24h')!;
const hospital = plan.find((p) => p.kind === 'hospital')!;
const refusedKiosk = plan[2]!.id;
const existing = plan[1]!.id;

const eventsOf = (id: string): HqEvent[] => hq.events.get(id) ?? [];
const ofType = <T extends HqEvent['type']>(id: string, type: T): Extract<HqEvent, { type: T }>[] =>
  eventsOf(id).filter((e): e is Extract<HqEvent, { type: T }> => e.type === type);
const allOfType = <T extends HqEvent['type']>(type: T): Extract<HqEvent, { type: T }>[] => plan.flatMap((p) => ofType(p.id, type));

beforeAll(async () => {
  hq = await startFakeHq({ user: 'ops', password: 'pw', existing: [existing] });
  hq.refuse.set(refusedKiosk, 3);
  const t0 = performance.now();
  sim = await runFleetSim({
    hqUrl: hq.url,
    kiosks: KIOSKS,
    intervalSeconds: INTERVAL_S,
    faultsPerKioskHour: 30,
    seed: SEED,
    prefix: PREFIX,
    credentials: { user: 'ops', password: 'pw' },
    now: () => START + Math.round((performance.now() - t0) * SPEED),
  });
});

afterAll(async () => {
  await sim?.stop();
  await hq?.close();
});

describe('fleet-sim against a fake HQ', () => {
  it('plans a mixed fleet (the seed gives both kinds)', () => {
    expect(gov).toBeDefined();
    expect(hospital).toBeDefined();
  });

  it('enrolls every kiosk with its site, re-keying the one HQ already knew', () => {
    expect([...hq.kiosks.keys()].sort()).toEqual(plan.map((p) => p.id).sort());
    expect(hq.rekeyed).toEqual([existing]);
    const reg = hq.kiosks.get(plan[0]!.id)!.registration;
    expect(reg).toMatchObject({ site: plan[0]!.site, district: plan[0]!.district, address: plan[0]!.address });
  });

  it('sends heartbeats at the interval, no faster, from every kiosk', async () => {
    await until('8 heartbeats from every kiosk', () => plan.every((p) => ofType(p.id, 'heartbeat').length >= 8));
    const intervalOnKioskClock = INTERVAL_S * 1000 * SPEED;
    for (const p of plan) {
      const beats = ofType(p.id, 'heartbeat').map((e) => Date.parse(e.payload.clock));
      expect(beats.at(-1)! - beats[0]!).toBeGreaterThanOrEqual((beats.length - 3) * intervalOnKioskClock);
      expect(ofType(p.id, 'agent.started')).toHaveLength(1);
    }
    const firsts = new Set(plan.map((p) => ofType(p.id, 'heartbeat')[0]!.payload.clock));
    expect(firsts.size).toBeGreaterThan(1); // a jittered start, not all at once
  });

  it('raises faults with their table severity and clears them later', async () => {
    await until('a fault raised and later cleared', () => allOfType('fault.cleared').length > 0);
    for (const p of plan) {
      for (const c of ofType(p.id, 'fault.cleared')) {
        const raised = ofType(p.id, 'fault.raised').filter((r) => r.payload.code === c.payload.code && r.seq < c.seq);
        expect(raised.length).toBeGreaterThan(0);
      }
    }
    const degraded = allOfType('heartbeat').some((h) => Object.values(h.payload.devices).some((d) => d && d.state !== 'ok'));
    expect(degraded || allOfType('heartbeat').some((h) => h.payload.lifecycle === 'outOfService')).toBe(true);
  });

  it('closes hospital halls at 21:00 with a schedule lockout, and ends sessions', async () => {
    await until('a schedule lockout', () => ofType(hospital.id, 'lockout.started').some((e) => e.payload.reason === 'schedule'));
    await until('a heartbeat out of hours', () => ofType(hospital.id, 'heartbeat').some((h) => h.payload.lifecycle === 'outOfHours' && !h.payload.hours.open));
    expect(ofType(gov.id, 'lockout.started').filter((e) => e.payload.reason === 'schedule')).toEqual([]);
    await until('a session ended', () => allOfType('session.ended').length > 0);
  });

  it('locks on command, answers with command.result and reports remoteLocked; unlocks again', async () => {
    const lockId = hq.queueCommand(gov.id, 'lock');
    const result = await until('the lock result', () => ofType(gov.id, 'command.result').find((e) => e.payload.commandId === lockId));
    expect(result.payload).toMatchObject({ type: 'lock', status: 'succeeded' });
    await until('a locked heartbeat', () => ofType(gov.id, 'heartbeat').some((h) => h.seq > result.seq && h.payload.lifecycle === 'remoteLocked'));
    expect(ofType(gov.id, 'heartbeat').filter((h) => h.seq > result.seq).every((h) => h.payload.lifecycle === 'remoteLocked')).toBe(true);
    expect(ofType(gov.id, 'lockout.started').some((e) => e.payload.reason === 'remote')).toBe(true);

    const unlockId = hq.queueCommand(gov.id, 'unlock');
    const unlocked = await until('the unlock result', () => ofType(gov.id, 'command.result').find((e) => e.payload.commandId === unlockId));
    await until('an unlocked heartbeat', () => ofType(gov.id, 'heartbeat').some((h) => h.seq > unlocked.seq && h.payload.lifecycle !== 'remoteLocked'));
    const reload = hq.queueCommand(gov.id, 'reload-screen');
    await until('the reload result', () => ofType(gov.id, 'command.result').some((e) => e.payload.commandId === reload && e.payload.status === 'succeeded'));
  });

  it('backs off on 401 and recovers without losing an event', async () => {
    await until('the refused kiosk heard', () => ofType(refusedKiosk, 'heartbeat').length >= 3);
    expect(hq.refused.get(refusedKiosk)).toBe(3);
    expect(eventsOf(refusedKiosk)[0]).toMatchObject({ seq: 1, type: 'agent.started' });
    expect(sim.stats().errors).toBeGreaterThanOrEqual(3);
  });

  it('numbers every kiosk\'s events 1, 2, 3… with no gap, all valid and signed', async () => {
    await sim.stop();
    for (const p of plan) expect(eventsOf(p.id).map((e) => e.seq)).toEqual(eventsOf(p.id).map((_, j) => j + 1));
    expect(hq.problems).toEqual([]);
    const s = sim.stats();
    expect(s).toMatchObject({ kiosks: KIOSKS });
    expect(s.events).toBe(plan.reduce((n, p) => n + eventsOf(p.id).length, 0));
    expect(s.requests).toBe(hq.ingestRequests);
    expect(s.p99Ms).toBeGreaterThanOrEqual(s.p50Ms);
    expect(s.maxMs).toBeGreaterThanOrEqual(s.p99Ms);
  });
});
