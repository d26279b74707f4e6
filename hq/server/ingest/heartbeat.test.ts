import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testHq, type TestHq } from '../test-hq.ts';
import { ManualClock, type IngestKiosk } from '../testing.ts';

let t: TestHq;
let k: IngestKiosk;
const kioskClock = new ManualClock();
beforeEach(async () => {
  t = await testHq();
  kioskClock.t = t.clock.now() + 2_500; // the kiosk's clock runs 2.5 s ahead of HQ's
  k = await t.kiosk('K-HB', {}, kioskClock.now);
});
afterEach(() => t.close());

const history = () => t.hq.db.selectFrom('kiosk_history').select(['kind', 'state', 'lifecycle']).orderBy('id').execute();

describe('heartbeats', () => {
  it('update the kiosk in place and store history only when something changed', async () => {
    for (let i = 0; i < 10; i++) {
      await k.send(t.hq.app, [k.heartbeat({ outboxBacklog: i })]);
      t.clock.advance(30_000);
      kioskClock.advance(30_000);
    }
    expect(await t.hq.db.selectFrom('events').select('id').execute()).toEqual([]);
    expect(await history()).toEqual([{ kind: 'heartbeat', state: 'in-service', lifecycle: 'inService' }]);
    const row = await t.hq.db.selectFrom('kiosks').selectAll().where('id', '=', 'K-HB').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ outbox_backlog: 9, clock_skew_ms: 2_500, heartbeat_seconds: 30, contiguous_seq: 10, last_heartbeat_seq: 10, last_seen_at: t.clock.now() - 30_000 });

    // a device's health changes: one row; the same again: none; hours close: one row; lifecycle: one row
    const paperOut = { printer: { state: 'fault' as const, faults: ['PRINTER_PAPER_OUT' as const], warnings: [] } };
    await k.send(t.hq.app, [k.heartbeat({ devices: paperOut, lifecycle: 'degraded' })]);
    await k.send(t.hq.app, [k.heartbeat({ devices: paperOut, lifecycle: 'degraded' })]);
    await k.send(t.hq.app, [k.heartbeat({ devices: paperOut, lifecycle: 'degraded', hours: { open: false } })]);
    await k.send(t.hq.app, [k.heartbeat({ devices: paperOut, lifecycle: 'outOfHours', hours: { open: false } })]);
    expect(await history()).toEqual([
      { kind: 'heartbeat', state: 'in-service', lifecycle: 'inService' },
      { kind: 'heartbeat', state: 'degraded', lifecycle: 'degraded' },
      { kind: 'heartbeat', state: 'degraded', lifecycle: 'degraded' },
      { kind: 'heartbeat', state: 'out-of-hours', lifecycle: 'outOfHours' },
    ]);
  });

  it('an older heartbeat arriving late does not overwrite the newer state', async () => {
    const old = k.heartbeat({ lifecycle: 'inService' });
    const newer = k.heartbeat({ lifecycle: 'remoteLocked' });
    await k.send(t.hq.app, [newer]);
    const r = await k.send(t.hq.app, [old]);
    expect(r.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const row = await t.hq.db.selectFrom('kiosks').select(['lifecycle', 'contiguous_seq']).where('id', '=', 'K-HB').executeTakeFirstOrThrow();
    expect(row).toEqual({ lifecycle: 'remoteLocked', contiguous_seq: 2 });
  });

  it('lockouts and agent starts are stored and shown in the history; agent.started sets version and interval', async () => {
    await k.send(t.hq.app, [
      k.event('agent.started', { uncleanPreviousRun: false, version: '1.4.0', heartbeatSeconds: 10 }),
      k.heartbeat({ intervalSeconds: 10 }),
      k.event('lockout.started', { reason: 'remote', detail: 'locked from HQ' }),
    ]);
    const viewer = await t.as('viewer');
    const d = (await viewer('GET', '/api/v1/kiosks/K-HB')).json();
    expect(d).toMatchObject({ version: '1.4.0', lifecycle: 'inService', state: 'in-service', link: { heartbeatSeconds: 10, clockSkewMs: 2_500 } });
    expect(d.history.map((h: { kind: string; state: string }) => [h.kind, h.state])).toEqual([
      ['lockout.started', 'lockout.started: remote'],
      ['heartbeat', 'in-service'],
      ['agent.started', 'out-of-service'],
    ]);
    expect(await t.hq.db.selectFrom('events').select('type').orderBy('seq').execute()).toEqual([{ type: 'agent.started' }, { type: 'lockout.started' }]);
  });

  it("the kiosk's recovery ladder (issue 11) is on its timeline, each rung with its outcome, and a refused rung name is a 400 naming the field", async () => {
    await k.send(t.hq.app, [
      k.event('watchdog.recovery', { step: 'reload', outcome: 'tried', fault: 'SCREEN_FROZEN', attempt: 1, detail: 'marker 7 on the glass, 9 painted' }),
      k.event('watchdog.recovery', { step: 'reload', outcome: 'recovered', fault: 'SCREEN_FROZEN', attempt: 1, detail: 'SCREEN_FROZEN cleared after reload' }),
    ]);
    const viewer = await t.as('viewer');
    const d = (await viewer('GET', '/api/v1/kiosks/K-HB')).json();
    expect(d.history.filter((h: { kind: string }) => h.kind === 'recovery').map((h: { detail: string }) => h.detail)).toEqual([
      'reload recovered (SCREEN_FROZEN), attempt 1: SCREEN_FROZEN cleared after reload',
      'reload tried (SCREEN_FROZEN), attempt 1: marker 7 on the glass, 9 painted',
    ]);
    const bad = await k.send(t.hq.app, [k.event('watchdog.recovery', { step: 'reboot', outcome: 'tried', fault: null, attempt: 1, detail: '' } as never)]);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('step');
  });
  it('a noisy line (issue 11) is kept as `noisy` on the device and shown in the detail; its counters are not, so beats with only new counts store no history', async () => {
    const noise = (noisy: boolean, events: number) => ({
      printer: { state: 'ok' as const, faults: [], warnings: [], lineNoise: { noisy, persistent: false, garbageBytes: events * 100, events, noisyWindows: noisy ? 1 : 0, windows: 10, windowMs: 3_000, lastNoiseAt: t.clock.now() } },
    });
    await k.send(t.hq.app, [k.heartbeat({ devices: noise(false, 0) })]);
    await k.send(t.hq.app, [k.heartbeat({ devices: noise(true, 5) })]);
    await k.send(t.hq.app, [k.heartbeat({ devices: noise(true, 9) })]);
    const viewer = await t.as('viewer');
    expect((await viewer('GET', '/api/v1/kiosks/K-HB')).json().devices.printer).toEqual({ state: 'ok', faults: [], warnings: [], noisy: true });
    await k.send(t.hq.app, [k.heartbeat({ devices: noise(false, 9) })]);
    expect((await viewer('GET', '/api/v1/kiosks/K-HB')).json().devices.printer).toEqual({ state: 'ok', faults: [], warnings: [] });
    // quiet → noisy → (counts only) → quiet: three rows
    expect(await history()).toHaveLength(3);
  });
});
