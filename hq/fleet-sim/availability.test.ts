/**
 * The fleet simulator as HQ's availability sees it: eight simulated kiosks driven against a real HQ
 * (HTTP, a SQLite file) on one fast clock shared by both (it starts at 08:00 in Shanghai and runs 60
 * times faster than real time). Each kiosk reports its promised hours once, at its start, and says
 * its service's usability in every heartbeat, so the console's availability has numbers for every
 * simulated kiosk — and the faults it simulates show as time down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvailabilityReportSchema } from '../../contracts/hq-analytics.ts';
import { until } from '../../tests/until.ts';
import { PASSWORD, testHq, type TestHq } from '../server/test-hq.ts';
import { FAULT_KINDS, HOURS_REPORT } from './catalogue.ts';
import { runFleetSim, type FleetSim } from './fleet.ts';
import { planFleet } from './places.ts';

const KIOSKS = 8;
const SEED = 3;
const PREFIX = 'av-';
const SPEED = 60;
const START = Date.parse('2026-06-10T08:00:00+08:00');
const DAY = '2026-06-10';

const plan = planFleet({ kiosks: KIOSKS, seed: SEED, prefix: PREFIX });
let dir: string;
let t: TestHq;
let sim: FleetSim;
let users = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zizhu-fleet-availability-'));
  const t0 = performance.now();
  const now = () => START + Math.round((performance.now() - t0) * SPEED);
  t = await testHq({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now });
  await t.as('admin', 'fleet-admin');
  sim = await runFleetSim({ hqUrl: t.hq.url, kiosks: KIOSKS, intervalSeconds: 0.2, faultsPerKioskHour: 60, seed: SEED, prefix: PREFIX, credentials: { user: 'fleet-admin', password: PASSWORD }, now });
});

afterAll(async () => {
  await sim?.stop();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const report = async () => {
  const viewer = await t.as('viewer', `viewer-${++users}`);
  const r = await viewer('GET', `/api/v1/availability?from=${DAY}&to=${DAY}&groupBy=kiosk`);
  expect(r.statusCode, r.body).toBe(200);
  return AvailabilityReportSchema.parse(r.json());
};

describe('fleet-sim and availability at a real HQ', () => {
  it("every kiosk reports its promised hours once, at its start, in the kind's shape", async () => {
    const kiosks = await until('every kiosk with its hours at HQ', async () => {
      const rows = await t.hq.db.selectFrom('kiosks').select(['id', 'hours_version']).where('id', 'like', `${PREFIX}%`).where('hours_version', 'is not', null).execute();
      return rows.length === KIOSKS && rows;
    });
    for (const k of kiosks) expect(k.hours_version, k.id).toBe(HOURS_REPORT[plan.find((p) => p.id === k.id)!.kind].version);
    expect(HOURS_REPORT['gov-24h'].version).not.toBe(HOURS_REPORT.hospital.version);
    // a while later still one each: hours.config is no part of the heartbeat's cost
    await until('three heartbeats from every kiosk', async () => {
      const seen = await t.hq.db.selectFrom('kiosks').select('last_heartbeat_seq').where('id', 'like', `${PREFIX}%`).execute();
      return seen.every((k) => (k.last_heartbeat_seq ?? 0) > 5);
    });
    const reports = await t.hq.db.selectFrom('events').select('kiosk_id').where('type', '=', 'hours.config').where('kiosk_id', 'like', `${PREFIX}%`).execute();
    expect(reports.map((r) => r.kiosk_id).sort()).toEqual(plan.map((p) => p.id).sort());
    expect(await t.hq.db.selectFrom('kiosk_hours').select('kiosk_id').where('kiosk_id', 'like', `${PREFIX}%`).execute()).toHaveLength(KIOSKS);
  });

  it("heartbeats say the kiosk's one service's usability; a blocking fault on a device it needs makes it unusable", async () => {
    const details = new Set(FAULT_KINDS.map((f) => f.detail));
    const unusable = await until('a service unusable for a fault', async () => {
      const rows = await t.hq.db.selectFrom('kiosks').select(['id', 'services']).where('id', 'like', `${PREFIX}%`).execute();
      for (const k of rows) {
        const services = JSON.parse(k.services ?? 'null') as Record<string, { usable: boolean; reason?: string }> | null;
        const kind = plan.find((p) => p.id === k.id)!.kind;
        expect(Object.keys(services ?? {}), k.id).toEqual(Object.keys(HOURS_REPORT[kind].services));
      }
      return rows.map((k) => Object.values(JSON.parse(k.services!) as Record<string, { usable: boolean; reason?: string }>)[0]!).find((s) => !s.usable);
    });
    expect(details.has(unusable.reason!) || unusable.reason === 'locked from HQ').toBe(true);
  });

  it('the availability report has numbers for every simulated kiosk, and its faults as time down', async () => {
    const r = await until('time down in the report', async () => {
      const got = await report();
      return got.rows.some((row) => row.totals.downMs > 0) && got;
    });
    expect(r.rows.map((row) => row.key).sort()).toEqual(plan.map((p) => p.id).sort());
    for (const row of r.rows) {
      expect(row.totals.promisedMs, row.key).toBeGreaterThan(0);
      expect(row.totals.availability, row.key).not.toBeNull();
      expect(row.totals.coverage, row.key).toBeGreaterThan(0);
      expect(row.days.map((d) => d.day)).toEqual([DAY]);
    }
  });
});
