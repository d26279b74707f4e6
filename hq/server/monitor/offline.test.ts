import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OFFLINE_AFTER_INTERVALS } from '../../../contracts/hq.ts';
import { setKioskEnabled } from '../kiosks/enroll.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import { ManualClock, type IngestKiosk } from '../testing.ts';

const open: TestHq[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const start = async (o: Parameters<typeof testHq>[0] = {}) => {
  const t = await testHq(o);
  open.push(t);
  return t;
};

const offlineAlarms = (t: TestHq) => t.hq.db.selectFrom('alarms').select(['kiosk_id', 'status', 'severity', 'count']).where('code', '=', 'KIOSK_OFFLINE').orderBy('kiosk_id').execute();
const stateOf = async (t: TestHq, id: string) => (await t.hq.db.selectFrom('kiosks').select(['offline']).where('id', '=', id).executeTakeFirstOrThrow()).offline;

describe('KIOSK_OFFLINE', () => {
  it('is raised after 3 of the kiosk’s own intervals without word, critical, and cleared by the next heartbeat', async () => {
    const t = await start();
    const fast = await t.kiosk('K-FAST');
    const slow = await t.kiosk('K-SLOW');
    await fast.send(t.hq.app, [fast.heartbeat({ intervalSeconds: 10 })]);
    await slow.send(t.hq.app, [slow.heartbeat({ intervalSeconds: 60 })]);
    t.clock.advance(OFFLINE_AFTER_INTERVALS * 10_000); // exactly 3 intervals: not yet
    expect((await t.hq.monitor.tick()).offline).toEqual([]);
    t.clock.advance(1);
    expect((await t.hq.monitor.tick()).offline).toEqual(['K-FAST']);
    expect(await t.hq.monitor.tick()).toMatchObject({ offline: [] }); // raised once, not again every pass
    expect(await offlineAlarms(t)).toEqual([{ kiosk_id: 'K-FAST', status: 'active-unack', severity: 'critical', count: 1 }]);

    const viewer = await t.as('viewer');
    const list = (await viewer('GET', '/api/v1/kiosks')).json().kiosks;
    expect(list.map((k: { id: string; state: string; worstSeverity: string | null }) => [k.id, k.state, k.worstSeverity])).toEqual([
      ['K-FAST', 'offline', 'critical'],
      ['K-SLOW', 'in-service', null],
    ]);

    await fast.send(t.hq.app, [fast.heartbeat({ intervalSeconds: 10 })]);
    expect(await offlineAlarms(t)).toEqual([{ kiosk_id: 'K-FAST', status: 'cleared-unack', severity: 'critical', count: 1 }]);
    expect(await stateOf(t, 'K-FAST')).toBe(0);
    const d = (await viewer('GET', '/api/v1/kiosks/K-FAST')).json();
    expect(d.state).toBe('in-service');
    expect(d.history.slice(0, 2).map((h: { kind: string }) => h.kind)).toEqual(['online', 'offline']);
  });

  it('leaves alone kiosks never heard from and disabled ones', async () => {
    const t = await start();
    await t.kiosk('K-NEW');
    const gone = await t.kiosk('K-GONE');
    await gone.send(t.hq.app, [gone.heartbeat()]);
    await setKioskEnabled(t.hq.db, 'K-GONE', false);
    t.clock.advance(3_600_000);
    expect((await t.hq.monitor.tick()).offline).toEqual([]);
    const viewer = await t.as('viewer');
    const list = (await viewer('GET', '/api/v1/kiosks')).json().kiosks;
    expect(list).toEqual([
      expect.objectContaining({ id: 'K-NEW', state: 'offline', lastSeenAt: null, activeAlarms: 0 }),
      expect.objectContaining({ id: 'K-GONE', state: 'out-of-service', activeAlarms: 0 }),
    ]);
  });

  it('runs by itself on its interval', async () => {
    const t = await start({ offlineCheckMs: 20 });
    const k = await t.kiosk('K-TIMER');
    await k.send(t.hq.app, [k.heartbeat({ intervalSeconds: 1 })]);
    t.clock.advance(3_001);
    await expect.poll(() => stateOf(t, 'K-TIMER'), { timeout: 5_000, interval: 20 }).toBe(1);
  });

  it('no offline storm when HQ restarts: each kiosk has one timeout counted from HQ’s start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zizhu-hq-'));
    dirs.push(dir);
    const dbUrl = `sqlite:${join(dir, 'hq.sqlite')}`;
    const clock = new ManualClock();
    const first = await start({ dbUrl, clock });
    const kiosks: IngestKiosk[] = [];
    for (const id of ['K-A', 'K-B', 'K-C']) kiosks.push(await first.kiosk(id));
    for (const k of kiosks) await k.send(first.hq.app, [k.heartbeat({ intervalSeconds: 30 })]);
    await first.close();
    open.splice(open.indexOf(first), 1);

    // HQ was down for an hour: every kiosk's last heartbeat is long past
    clock.advance(3_600_000);
    const second = await start({ dbUrl, clock });
    expect((await second.hq.monitor.tick()).offline).toEqual([]);
    clock.advance(60_000);
    expect((await second.hq.monitor.tick()).offline).toEqual([]);
    // two of them report within the grace; the third stays silent past one timeout after the start
    for (const k of kiosks.slice(0, 2)) await k.send(second.hq.app, [k.heartbeat({ intervalSeconds: 30 })]);
    clock.advance(30_001);
    expect((await second.hq.monitor.tick()).offline).toEqual(['K-C']);
    expect(await offlineAlarms(second)).toEqual([{ kiosk_id: 'K-C', status: 'active-unack', severity: 'critical', count: 1 }]);
  });
});
