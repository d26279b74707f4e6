/**
 * The kiosk asks HQ (issue 10), end to end: a real agent (simulated devices over PTYs, back-office
 * simulators, the lifecycle) linked to a real HQ on an SQLite file, on one clock pinned at Wednesday
 * noon in Shanghai that the test moves on by hand where it needs time to pass.
 *
 * - 求助: the press reaches HQ as HELP_REQUESTED at once (the outbox wakes the link); a second press
 *   sends nothing more; an operator's answer reaches the screen within seconds although the kiosk
 *   beats only every 30 s (the link asks every 2 s while a person waits); the result goes back.
 * - 附近可用的自助机 on a go-elsewhere screen (the kiosk locked): HQ's live list, nearest first and
 *   marked live; with HQ gone, once that answer is stale, the configured list by hours again — and a
 *   press of 求助 then says staff cannot be reached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { simKioskConfig } from '../../runtime/sim-config.ts';
import { startAgent, type RunningAgent } from '../../runtime/agent.ts';
import { backOfficeForSimulators } from '../../runtime/flows/back-office.ts';
import { nearbyOpenAt } from '../../runtime/kiosk/nearby.ts';
import { HELP_SEND_TIMEOUT_MS } from '../../runtime/kiosk/help.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import type { Kiosk } from '../../runtime/kiosk/kiosk.ts';
import type { ScreenMessage } from '../../contracts/bridge.ts';
import { helpAnswerPath, HelpHistorySchema, helpPath } from '../../contracts/hq-help.ts';
import { startHqServer, type RunningHq } from '../../hq/server/server.ts';
import { enrollKiosk } from '../../hq/server/kiosks/enroll.ts';
import { createUser, SESSION_COOKIE } from '../../hq/server/auth/index.ts';
import { IngestKiosk } from '../../hq/server/testing.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';

const SECRET_ENV = 'ZIZHU_TEST_HQ_SECRET';
const OPS = { name: 'ops-help', password: 'a long operator password' };
const HERE = { lat: 22.5431, lng: 114.0579 };
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;
const north = (m: number) => ({ lat: HERE.lat + m / M_PER_DEG, lng: HERE.lng });

describe('the kiosk asks HQ: help and nearby kiosks', () => {
  // one clock for kiosk, back offices and HQ: pinned, moved on by hand (`skip`)
  const pinned = pinnedNow(NOON_SHANGHAI);
  let skipped = 0;
  const now = () => pinned() + skipped;
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let hq: RunningHq;
  let config: KioskConfig;
  let agent: RunningAgent;
  let op: (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

  const screen = (): ScreenMessage => agent.kiosk!.screen();
  /** a tap, and the screen it pushes (coalesced within a tick) */
  const tap = async (event: Parameters<Kiosk['handle']>[0]) => {
    const r = agent.kiosk!.handle(event);
    await new Promise((resolve) => setImmediate(resolve));
    return r;
  };
  const press = (name: string) => tap({ type: 'HELP', screen: name });
  /** every help.requested the kiosk journaled */
  const helpSent: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-hq-help-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    bo = await startBackOffice({ now });
    const sim = await simKioskConfig(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now });
    await createUser(hq.db, { name: OPS.name, role: 'operator', password: OPS.password });
    const secret = await enrollKiosk(hq.db, { id: sim.id, site: '福田区政务服务中心', address: '福中三路 一楼东侧', ...HERE }, now);
    // the neighbours: one usable 800 m away, one 2 km away, one closed, one whose statement printer is out of paper
    const neighbours: [string, { lat: number; lng: number }, Record<string, unknown>][] = [
      ['K-LIANHUA', north(2_000), {}],
      ['K-CITIZEN', north(800), {}],
      ['K-CLOSED', north(300), { lifecycle: 'outOfHours', hours: { open: false, nextChangeAt: null } }],
      ['K-NO-PAPER', north(500), { lifecycle: 'degraded', services: { providentFundStatement: { usable: false, reason: 'PRINTER_PAPER_OUT' } } }],
    ];
    for (const [id, at, over] of neighbours) {
      const k = new IngestKiosk(id, await enrollKiosk(hq.db, { id, site: `${id} 自助终端`, address: `${id} 大厅`, ...at }, now), now);
      const sent = await k.send(hq.url, [k.heartbeat({ services: { providentFundStatement: { usable: true } }, ...over })]);
      expect(sent.status).toBe(200);
    }
    config = { ...sim, hq: { url: hq.url, credentialsRef: `env:${SECRET_ENV}`, heartbeatSeconds: 30 } };
    agent = await startAgent({
      config,
      dataDir: join(dir, 'data'),
      logDir: false,
      console: false,
      now,
      backOffice: { clients: backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 1_000 }), retryPauseMs: () => 20, recoveryRetry: { firstMs: 20, maxMs: 200 } },
      screen: { port: 0, rendererDir: join(dir, 'no-renderer-here') },
      hq: { env: { [SECRET_ENV]: secret }, backoff: { initialMs: 50, maxMs: 500 } },
    });
    agent.journal.outbox.onEnqueue((r) => void (r.kind === 'help.requested' && helpSent.push(r.id)));
    await until('the kiosk in service', () => screen().kiosk.status === 'inService');

    const login = await fetch(`${hq.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: OPS.name, password: OPS.password }) });
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    op = async (method, path, body) => {
      const res = await fetch(`${hq.url}${path}`, { method, headers: { cookie, 'x-csrf-token': csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: await res.json() };
    };
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await hq?.close().catch(() => undefined);
    await bo?.close();
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('求助 → HELP_REQUESTED at HQ at once; an operator answer on the screen within seconds', async () => {
    expect(await press('home')).toEqual({ ok: true });
    expect(screen().help).toMatchObject({ state: expect.stringMatching(/^(sending|sent)$/), shown: true, answer: null });
    const alarm = await until('HELP_REQUESTED at HQ', async () => {
      const r = await op('GET', '/api/v1/alarms');
      return (r.body as { alarms: { id: string; code: string; detail: string }[] }).alarms.find((a) => a.code === 'HELP_REQUESTED');
    }, 5_000);
    expect(alarm.detail).toBe('help asked on screen home, step inService');
    await until('the screen says staff were told', () => screen().help?.state === 'sent');

    // closed while waiting: the request stays open; pressed again: shown again, nothing more sent
    await tap({ type: 'HELP_CLOSE' });
    expect(screen().help).toMatchObject({ state: 'sent', shown: false });
    await press('home');
    expect(screen().help).toMatchObject({ state: 'sent', shown: true });
    await agent.hqLink.flush();
    expect(helpSent).toHaveLength(1);
    const requests = HelpHistorySchema.parse((await op('GET', helpPath(alarm.id))).body).requests;
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ screen: 'home', step: 'inService', service: null, requestId: screen().help!.requestId });

    // the kiosk beats every 30 s; the answer still comes within seconds
    const answered = await op('POST', helpAnswerPath(alarm.id), { text: '工作人员马上到，请稍候' });
    expect(answered.status).toBe(200);
    const t0 = Date.now();
    await until('the answer on the screen', () => screen().help?.state === 'answered', 6_000);
    expect(Date.now() - t0).toBeLessThan(4_500);
    expect(screen().help).toMatchObject({ answer: '工作人员马上到，请稍候', shown: true });
    await until('the result at HQ', async () => HelpHistorySchema.parse((await op('GET', helpPath(alarm.id))).body).answers[0]?.status === 'succeeded', 5_000);

    // an answer closed is done; the next press is a new request
    await tap({ type: 'HELP_CLOSE' });
    expect(screen().help).toBeNull();
  }, 30_000);

  it('a locked kiosk lists the kiosks HQ says are usable now, nearest first', async () => {
    agent.kiosk!.remoteLock('测试锁定');
    await until('the kiosk locked', () => screen().kiosk.status === 'remoteLocked');
    await until('the live list', () => screen().kiosk.nearbyLive === true, 5_000);
    expect(screen().kiosk.nearbyKiosks).toEqual([
      { name: 'K-CITIZEN 自助终端', location: 'K-CITIZEN 大厅', distanceMeters: 800, closesAt: null, live: true },
      { name: 'K-LIANHUA 自助终端', location: 'K-LIANHUA 大厅', distanceMeters: 2_000, closesAt: null, live: true },
    ]);
  });

  it('HQ gone: the configured list by hours once the live one is stale; 求助 says staff cannot be reached', async () => {
    await hq.close();
    skipped += 91_000; // the live answer is 90 s old at most
    await tap({ type: 'TOUCH' }); // any push makes the screen afresh
    await until('the configured list', () => screen().kiosk.nearbyLive === undefined, 5_000);
    const configured = nearbyOpenAt(config, now()).map(({ kiosk }) => kiosk.name);
    expect(configured.length).toBeGreaterThan(0);
    expect(screen().kiosk.nearbyKiosks.map((k) => [k.name, k.live])).toEqual(configured.map((n) => [n, undefined]));

    await press('locked');
    expect(screen().help).toMatchObject({ state: 'sending', shown: true });
    skipped += HELP_SEND_TIMEOUT_MS;
    await until('staff cannot be reached', () => screen().help?.state === 'unreachable', 5_000);
    expect(helpSent).toHaveLength(2); // journaled all the same: HQ gets it when it is back
  });
});
