import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testHq, type TestHq } from '../test-hq.ts';
import { faultPayload } from '../testing.ts';

const PROMTOOL = '/usr/bin/promtool';

let t: TestHq;
beforeEach(async () => {
  t = await testHq();
});
afterEach(() => t.close());

async function scrape(): Promise<string> {
  const res = await t.hq.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

describe('/metrics', () => {
  it('fleet aggregates only, and passes promtool check metrics', async () => {
    const a = await t.kiosk('K-1', { district: '江岸区' });
    const b = await t.kiosk('K-2', { district: '江岸区' });
    const c = await t.kiosk('K-3', { district: 'Hongshan "east"\\' });
    await t.kiosk('K-4');
    await a.send(t.hq.app, [a.heartbeat(), a.event('fault.raised', faultPayload('PRINTER_PAPER_OUT'))]);
    await b.send(t.hq.app, [b.heartbeat({ lifecycle: 'degraded' }), b.event('fault.raised', faultPayload('PRINTER_PAPER_OUT')), b.event('fault.raised', faultPayload('SCREEN_BLACK'))]);
    await c.send(t.hq.app, [c.heartbeat({ lifecycle: 'outOfHours' })]);
    await c.send(t.hq.app, [], { now: t.clock.now() - 3_600_000 }); // 401
    await c.send(t.hq.app, [{ nonsense: true }]); // 400
    await c.send(t.hq.app, [], { body: 'x'.repeat(1024 * 1024 + 1) }); // 413

    const text = await scrape();
    expect(text).toContain('zizhu_hq_kiosks{state="in-service",district="江岸区"} 1');
    expect(text).toContain('zizhu_hq_kiosks{state="degraded",district="江岸区"} 1');
    expect(text).toContain('zizhu_hq_kiosks{state="offline",district="none"} 1');
    expect(text).toContain('zizhu_hq_alarms_active{severity="major",code="PRINTER_PAPER_OUT"} 2');
    expect(text).toContain('zizhu_hq_alarms_active{severity="critical",code="SCREEN_BLACK"} 1');
    expect(text).toContain('zizhu_hq_ingest_requests_total{result="accepted"} 3');
    expect(text).toContain('zizhu_hq_ingest_requests_total{result="401"} 1');
    expect(text).toContain('zizhu_hq_ingest_requests_total{result="400"} 1');
    expect(text).toContain('zizhu_hq_ingest_requests_total{result="413"} 1');
    expect(text).toContain('zizhu_hq_ingest_events_total{outcome="accepted"} 6');
    expect(text).toMatch(/zizhu_hq_ingest_duration_seconds_count 6/);
    // no series names a kiosk or an event
    expect(text).not.toMatch(/K-[1-4]|kiosk_id|event_id/);

    if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} is missing: apt-get install -y prometheus`);
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);
  });

  it('a cleared alarm leaves the active series', async () => {
    const a = await t.kiosk('K-1');
    await a.send(t.hq.app, [a.event('fault.raised', faultPayload('PRINTER_PAPER_OUT')), a.event('fault.cleared', faultPayload('PRINTER_PAPER_OUT'))]);
    expect(await scrape()).not.toContain('zizhu_hq_alarms_active{');
  });
});
