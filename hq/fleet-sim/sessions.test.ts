/**
 * The fleet simulator's sessions as HQ's first-time success sees them: a simulated day of twenty
 * kiosks ingested by a real HQ (in memory, pinned clock) gives a funnel a console can show — rates
 * between the seeds' 50 % and the 90 % target, people who came back within minutes, a funnel that
 * only narrows.
 */
import { describe, expect, it } from 'vitest';
import { FIRST_TIME_SUCCESS_TARGET, FirstTimeReportSchema } from '../../contracts/hq-analytics.ts';
import { HqEventSchema, type HqEvent } from '../../contracts/hq.ts';
import { funnelStepsOf } from '../../contracts/session-funnel.ts';
import { testHq } from '../server/test-hq.ts';
import { ManualClock } from '../server/testing.ts';
import { SimKiosk } from './kiosk.ts';
import { planFleet } from './places.ts';
import { mulberry32, streamSeed } from './random.ts';

const DAY_START = Date.parse('2026-06-10T00:00:00+08:00');

function simulatedDay(plan: ReturnType<typeof planFleet>[number], seed: number): HqEvent[] {
  const k = new SimKiosk({ plan, rng: mulberry32(seed), heartbeatSeconds: 30, faultsPerHour: 1, sessionsPerHour: 10 });
  k.start(DAY_START);
  for (let t = DAY_START; t < DAY_START + 86_400_000; t += 60_000) k.advance(t);
  const events = k.pending.map((e) => JSON.parse(e) as HqEvent);
  k.acknowledge(k.pending.length);
  return events;
}

describe('the fleet simulator and first-time success', () => {
  it('sends session.ended with a person hash, the steps reached and why it failed; HQ makes a believable funnel of them', async () => {
    const t = await testHq({ clock: new ManualClock(Date.parse('2026-06-11T09:00:00+08:00')) });
    try {
      const op = await t.as('viewer');
      const sessions: Extract<HqEvent, { type: 'session.ended' }>[] = [];
      for (const [i, plan] of planFleet({ kiosks: 20, seed: 7 }).entries()) {
        const kiosk = await t.kiosk(plan.id, { site: plan.site, district: plan.district });
        const events = simulatedDay(plan, streamSeed(7, i));
        for (const e of events) {
          expect(HqEventSchema.safeParse(e).error).toBeUndefined();
          if (e.type === 'session.ended') sessions.push(e);
        }
        for (let b = 0; b < events.length; b += 100) expect((await kiosk.send(t.hq.app, events.slice(b, b + 100))).status).toBe(200);
      }
      expect(sessions.length).toBeGreaterThan(1_000);
      expect(sessions.every((s) => s.payload.stepsReached!.length > 0 && s.payload.failure !== undefined)).toBe(true);
      expect(sessions.filter((s) => s.payload.personHash === null).length).toBeGreaterThan(0);

      const r = await op('GET', '/api/v1/first-time-success?from=2026-06-10&to=2026-06-10&groupBy=district');
      const report = FirstTimeReportSchema.parse(r.json());
      expect(report.rows.length).toBeGreaterThan(2);
      const retried = report.rows.reduce((n, row) => n + row.completedOnRetry, 0);
      expect(retried).toBeGreaterThan(10);
      for (const row of report.rows) {
        expect(row.firstTimeSuccessRate!).toBeGreaterThan(0.4);
        expect(row.firstTimeSuccessRate!).toBeLessThan(FIRST_TIME_SUCCESS_TARGET);
        // everyone starts at the first step, and the funnel only narrows
        expect(row.funnel.map((f) => f.step)).toEqual([...funnelStepsOf(row.service)]);
        expect(row.funnel[0]!.reached).toBe(row.started);
        for (let i = 1; i < row.funnel.length; i++) expect(row.funnel[i]!.reached).toBeLessThanOrEqual(row.funnel[i - 1]!.reached);
        expect(row.abandonedAt.reduce((n, a) => n + a.count, 0)).toBe(row.abandoned);
        for (const a of row.abandonedAt) expect(funnelStepsOf(row.service)).toContain(a.step);
      }
    } finally {
      await t.close();
    }
  }, 60_000);
});
