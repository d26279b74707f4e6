/**
 * Alarms to the ops chats through the real path: a kiosk's signed ingest (or HQ's own monitor) →
 * the alarm store → notify_events in the same transaction → routing and grouping → the outbox →
 * a local robot receiver that checks each robot's exact body and signature. HQ's clock is a
 * ManualClock; the notifier's timer is off (an hour) and each test calls `notifier.tick()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultCode } from '../../../contracts/faults.ts';
import type { NewChannel } from '../../../contracts/hq-notify.ts';
import { clearAlarmByOperator } from '../alarms/store.ts';
import { enrollKiosk } from '../kiosks/enroll.ts';
import { memoryLog } from '../log.ts';
import { startHqServer, type HqServerOptions, type RunningHq } from '../server.ts';
import { faultPayload, IngestKiosk, ManualClock } from '../testing.ts';
import { addChannel, listChannels } from './channels.ts';
import { addMaintenanceWindow } from './maintenance.ts';
import { addSilence, expireSilence } from './silences.ts';
import { checkRobotRequest, RobotReceiver, type ReceivedRequest } from './testing.ts';

const PUBLIC = 'https://hq.example.gov.cn/ops';
const S = 1000;
const MIN = 60 * S;

let hq: RunningHq | undefined;
let rx: RobotReceiver | undefined;
let dir: string | undefined;
let clock: ManualClock;
let log: ReturnType<typeof memoryLog>;

afterEach(async () => {
  await hq?.close();
  await rx?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  hq = rx = dir = undefined;
});

async function start(o: Partial<HqServerOptions> = {}): Promise<RunningHq> {
  log = memoryLog();
  hq = await startHqServer({ dbUrl: 'sqlite::memory:', now: clock.now, log, offlineCheckMs: 3_600_000, consoleDir: '/nonexistent/dist', publicUrl: PUBLIC, notify: { pollMs: 3_600_000, requestTimeoutMs: 2_000 }, ...o });
  return hq;
}

async function setup(o: Partial<HqServerOptions> = {}): Promise<RunningHq> {
  clock = new ManualClock();
  rx = await RobotReceiver.start(clock.now);
  return start(o);
}

async function kiosk(id: string, site: string | null, district = '江岸区', address?: string): Promise<IngestKiosk> {
  const secret = await enrollKiosk(hq!.db, { id, site, district, address }, clock.now);
  return new IngestKiosk(id, secret, clock.now);
}

const channel = (c: Partial<NewChannel> & Pick<NewChannel, 'type'>) => addChannel(hq!.db, { url: rx!.url(c.type), ...c }, { by: 'admin1', at: clock.now() });

async function raise(k: IngestKiosk, code: FaultCode, detail?: string): Promise<void> {
  const r = await k.send(hq!.app, [k.event('fault.raised', faultPayload(code, detail ? { detail } : {}))]);
  expect(r.status).toBe(200);
}
async function clear(k: IngestKiosk, code: FaultCode): Promise<void> {
  expect((await k.send(hq!.app, [k.event('fault.cleared', faultPayload(code))])).status).toBe(200);
}

/** advance HQ's clock and run one notifier pass */
async function at(ms: number): Promise<void> {
  clock.advance(ms);
  await hq!.notifier.tick();
}

const texts = (rs: readonly ReceivedRequest[], secret: string | null = null) => rs.map((r) => checkRobotRequest(r, secret, clock.now()).text);

describe('each robot gets its own exact body and signature', () => {
  it('WeCom markdown, DingTalk signed markdown, Feishu signed card, signed webhook JSON: what, where, since when, how many, a link', async () => {
    await setup();
    const k = await kiosk('K-A1', '市民之家', '江岸区', '沿江大道 188 号一楼');
    await channel({ type: 'wecom', groupWaitS: 0 });
    await channel({ type: 'dingtalk', groupWaitS: 0, secret: 'SECdingtalk-secret-0123456789' });
    await channel({ type: 'feishu', groupWaitS: 0, secret: 'feishu-sign-key' });
    await channel({ type: 'webhook', groupWaitS: 0, secret: 'webhook-hmac-key' });
    const detail = 'paper sensor: out [see](http://evil.example) <b>x</b>';
    await raise(k, FaultCode.PRINTER_PAPER_OUT, detail);
    clock.advance(5 * MIN); // raised at 12:00:00 Shanghai, noticed five minutes on
    await raise(k, FaultCode.PRINTER_PAPER_OUT, detail); // counted: 2
    await hq!.notifier.tick();

    expect(rx!.requests.map((r) => r.type).sort()).toEqual(['dingtalk', 'feishu', 'webhook', 'wecom']);
    const wecom = checkRobotRequest(rx!.of('wecom')[0]!, null, clock.now()).text;
    const ding = checkRobotRequest(rx!.of('dingtalk')[0]!, 'SECdingtalk-secret-0123456789', clock.now()).text;
    const feishu = checkRobotRequest(rx!.of('feishu')[0]!, 'feishu-sign-key', clock.now()).text;
    const hook = checkRobotRequest(rx!.of('webhook')[0]!, 'webhook-hmac-key', clock.now());
    for (const text of [wecom, ding, feishu]) {
      expect(text).toContain('【严重】江岸区 市民之家：1 条告警');
      expect(text).toContain('打印机缺纸 (PRINTER_PAPER_OUT)** · 自助机 K-A1');
      expect(text).toContain('自助机 K-A1');
      expect(text).toContain('地点：江岸区 · 市民之家 · 沿江大道 188 号一楼');
      expect(text).toContain('开始：06-10 12:00:00，已持续 5 分钟 · 共 2 次');
      expect(text).toContain(`(${PUBLIC}/#/kiosks/K-A1)`);
      // the kiosk's text cannot make a link or HTML in the ops chat
      expect(text).toContain('paper sensor: out ［see］(http://evil.example) ‹b›x‹/b›');
      expect(text).not.toContain('[see]');
    }
    expect(wecom).toContain('<font color="warning">[严重]</font>');
    expect(hook.message).toMatchObject({ kind: 'firing', group: { key: 'site:市民之家', site: '市民之家', district: '江岸区' }, consoleUrl: `${PUBLIC}/#/alarms` });
    expect(hook.message!.firing).toEqual([
      expect.objectContaining({ kioskId: 'K-A1', code: 'PRINTER_PAPER_OUT', severity: 'major', status: 'firing', count: 2, since: '2026-06-10T04:00:00.000Z', address: '沿江大道 188 号一楼', url: `${PUBLIC}/#/kiosks/K-A1` }),
    ]);
    // a second check with a wrong secret fails: the receiver really checks the signatures
    expect(() => checkRobotRequest(rx!.of('dingtalk')[0]!, 'SECwrong', clock.now())).toThrow(/sign/);
    expect(() => checkRobotRequest(rx!.of('feishu')[0]!, 'wrong', clock.now())).toThrow(/sign/);
    expect(() => checkRobotRequest(rx!.of('webhook')[0]!, 'wrong', clock.now())).toThrow(/signature/);
    expect((await listChannels(hq!.db)).map((c) => [c.type, c.lastDeliveryAt, c.pending, c.lastError]).sort()).toEqual(
      ['dingtalk', 'feishu', 'webhook', 'wecom'].map((t) => [t, new Date(clock.now()).toISOString(), 0, null]),
    );
    // resolved, a group interval on: named the same way
    await clear(k, FaultCode.PRINTER_PAPER_OUT);
    await at(5 * MIN);
    expect(texts(rx!.of('wecom')).at(-1)).toContain('**[已恢复] 打印机缺纸 (PRINTER_PAPER_OUT)** · 自助机 K-A1');
  });

  it('without a secret nothing is signed; a WeCom message stays within 4096 bytes, saying how many it left out', async () => {
    await setup();
    await channel({ type: 'dingtalk', groupWaitS: 0 });
    await channel({ type: 'feishu', groupWaitS: 0 });
    await channel({ type: 'wecom', groupWaitS: 0 });
    for (let i = 0; i < 40; i++) await raise(await kiosk(`K-BIG-${String(i).padStart(2, '0')}`, '同济医院门诊楼', '江汉区', '解放大道 1095 号'), FaultCode.SCREEN_BLACK, 'frame all black '.repeat(8));
    await hq!.notifier.tick();
    expect(texts(rx!.of('dingtalk')).length + texts(rx!.of('feishu')).length).toBe(2);
    const [wecom] = texts(rx!.of('wecom'));
    expect(Buffer.byteLength(wecom!, 'utf8')).toBeLessThanOrEqual(4096);
    expect(wecom).toContain('江汉区 同济医院门诊楼：40 条告警');
    const listed = (wecom!.match(/屏幕黑屏 \(SCREEN_BLACK\)\*\* · 自助机 K-BIG-/g) ?? []).length;
    expect(listed).toBeGreaterThan(5);
    expect(wecom).toContain(`…另有 ${40 - listed} 条未列出，见控制台`);
  });
});

describe('grouping like Alertmanager', () => {
  it('group wait, group interval, repeat and resolved, per site', async () => {
    await setup();
    await channel({ type: 'webhook' }); // defaults: wait 30 s, interval 5 min, repeat 4 h
    const k1 = await kiosk('K-1', '市民之家');
    const k2 = await kiosk('K-2', '市民之家');
    const other = await kiosk('K-9', '汉口火车站');
    const t0 = clock.now();
    const messages = () => rx!.requests.map((r) => checkRobotRequest(r, null, clock.now()).message!);

    await raise(k1, FaultCode.PRINTER_PAPER_OUT);
    await at(10 * S);
    await raise(k2, FaultCode.IDREADER_NO_RESPONSE); // same site, inside the group wait
    await raise(other, FaultCode.SCREEN_BLACK); // another site: a group of its own, its own wait
    await at(19 * S); // 29 s
    expect(rx!.requests).toHaveLength(0);
    await at(1 * S); // 30 s: the first group's wait is over
    expect(messages().map((m) => [m.group.site, m.firing.map((a) => a.kioskId)])).toEqual([['市民之家', ['K-1', 'K-2']]]); // both faults in one message (same severity: oldest first)
    await at(10 * S); // 40 s: the other group's wait (it began at 10 s)
    expect(messages()[1]!.group.site).toBe('汉口火车站');

    // a new fault in the group: not before the group interval since its last message
    await raise(k1, FaultCode.SCANNER_NO_RESPONSE);
    await at(4 * MIN);
    expect(rx!.requests).toHaveLength(2);
    clock.t = t0 + 30 * S + 5 * MIN;
    await hq!.notifier.tick();
    expect(messages()[2]!.firing.map((a) => a.code).sort()).toEqual(['IDREADER_NO_RESPONSE', 'PRINTER_PAPER_OUT', 'SCANNER_NO_RESPONSE']);

    // a repeat of an unchanged raise (count + 1) says nothing new
    await raise(k1, FaultCode.PRINTER_PAPER_OUT);
    await at(5 * MIN);
    expect(rx!.requests.filter((r) => r.body.includes('市民之家'))).toHaveLength(2);

    // one clears: the next message (after the interval) shows it resolved with the two still firing
    await clear(k1, FaultCode.PRINTER_PAPER_OUT);
    await at(5 * MIN);
    const resolvedMsg = messages().at(-1)!;
    expect(resolvedMsg.resolved.map((a) => [a.code, a.resolvedAt !== null])).toEqual([['PRINTER_PAPER_OUT', true]]);
    expect(resolvedMsg.firing).toHaveLength(2);
    expect(resolvedMsg.title).toBe('【严重】江岸区 市民之家：2 条告警，1 条已恢复');

    // nothing changes for 4 hours: a reminder of what still fires
    const before = rx!.requests.length;
    for (let i = 0; i < 47; i++) await at(5 * MIN);
    expect(rx!.requests.length).toBe(before + 1); // 汉口火车站's alarm (last message at 40 s) is due its reminder first
    await at(5 * MIN);
    const reminders = messages().slice(before);
    expect(reminders.map((m) => m.title).sort()).toEqual(['【仍未恢复】江岸区 市民之家：2 条告警', '【仍未恢复】江岸区 汉口火车站：1 条告警']);

    // all clear: one resolved message, then the group is gone for good
    await clear(k1, FaultCode.SCANNER_NO_RESPONSE);
    await clear(k2, FaultCode.IDREADER_NO_RESPONSE);
    await at(5 * MIN);
    const last = messages().at(-1)!;
    expect([last.kind, last.title, last.resolved.length, last.firing.length]).toEqual(['resolved', '【已恢复】江岸区 市民之家：2 条告警已恢复', 2, 0]);
    const ofSite = () => rx!.requests.filter((r) => r.body.includes('市民之家')).length;
    const sent = ofSite();
    for (let i = 0; i < 60; i++) await at(5 * MIN);
    expect(ofSite()).toBe(sent);
  });

  it('a fault that fires and clears inside the group wait bothers nobody; one that flaps after its message stays one alarm', async () => {
    await setup();
    await channel({ type: 'webhook', groupWaitS: 30 });
    const k = await kiosk('K-F', '市民之家');
    await raise(k, FaultCode.PRINTER_COVER_OPEN);
    await at(10 * S);
    await clear(k, FaultCode.PRINTER_COVER_OPEN);
    await at(20 * S);
    await at(10 * MIN);
    expect(rx!.requests).toHaveLength(0);

    await raise(k, FaultCode.PRINTER_COVER_OPEN); // over 10 min after its clear: a new alarm
    await at(30 * S);
    expect(rx!.requests).toHaveLength(1);
    await clear(k, FaultCode.PRINTER_COVER_OPEN);
    await raise(k, FaultCode.PRINTER_COVER_OPEN); // back before the group looked again
    await at(5 * MIN);
    expect(rx!.requests).toHaveLength(1); // firing then, firing now: nothing to say
  });

  it('routes by district, site, minimum severity and code; KIOSK_OFFLINE from HQ\'s own monitor goes the same way; an operator\'s clear is resolved with who', async () => {
    await setup();
    const districtMajor = await channel({ type: 'webhook', district: '江岸区', minSeverity: 'major', groupWaitS: 0, url: rx!.url('webhook', 'district') });
    const siteOffline = await channel({ type: 'webhook', site: '汉口火车站', codes: ['KIOSK_OFFLINE'], groupWaitS: 0, url: rx!.url('webhook', 'site') });
    const a = await kiosk('K-JA', '市民之家', '江岸区');
    const b = await kiosk('K-HK', '汉口火车站', '江岸区');
    const c = await kiosk('K-WC', '武昌站', '武昌区');
    await raise(a, FaultCode.IDREADER_READ_FAILED); // minor: below the district channel's minimum
    await raise(c, FaultCode.SCREEN_BLACK); // another district
    await raise(a, FaultCode.SCREEN_BLACK);
    await hq!.notifier.tick();
    const to = (id: string) => rx!.requests.filter((r) => r.path.endsWith(`/${id}`)).map((r) => checkRobotRequest(r, null, clock.now()).message!);
    expect(to('district').flatMap((m) => m.firing.map((x) => `${x.kioskId} ${x.code}`))).toEqual(['K-JA SCREEN_BLACK']);
    expect(to('site')).toEqual([]);

    // b stops talking: HQ's monitor raises KIOSK_OFFLINE (through the same store) → both channels
    await b.send(hq!.app, [b.heartbeat()]);
    clock.advance(61 * S);
    for (const k of [a, c]) await k.send(hq!.app, [k.heartbeat()]);
    clock.advance(59 * S);
    expect((await hq!.monitor.tick()).offline).toEqual(['K-HK']);
    await hq!.notifier.tick();
    expect(to('site').map((m) => m.firing.map((x) => `${x.kioskId} ${x.code}`))).toEqual([['K-HK KIOSK_OFFLINE']]);
    expect(to('district').at(-1)!.firing.map((x) => x.code)).toEqual(['KIOSK_OFFLINE']);

    // an operator clears it in the console: resolved, saying who
    const offline = await hq!.db.selectFrom('alarms').select('id').where('kiosk_id', '=', 'K-HK').executeTakeFirstOrThrow();
    await clearAlarmByOperator(hq!.db, offline.id, { user: 'ops-wang', at: clock.now(), comment: 'site says: power cut' });
    await at(districtMajor.group_interval_ms + siteOffline.group_interval_ms);
    const resolved = to('site').at(-1)!;
    expect(resolved.resolved.map((x) => [x.code, x.clearedBy])).toEqual([['KIOSK_OFFLINE', 'ops-wang']]);
  });
});

describe('silences and maintenance windows', () => {
  it('a silence keeps its matches out of the messages until it expires; a maintenance window does the same for its kiosks', async () => {
    await setup();
    await channel({ type: 'webhook', groupWaitS: 30 });
    const k1 = await kiosk('K-S1', '市民之家');
    const k2 = await kiosk('K-S2', '市民之家');
    const k3 = await kiosk('K-M1', '汉口火车站');
    const silence = await addSilence(hq!.db, { kioskId: 'K-S1', durationMinutes: 60, comment: '换打印机，已知' }, { by: 'ops-li', at: clock.now() });
    await addMaintenanceWindow(hq!.db, { site: '汉口火车站', endsAt: new Date(clock.now() + 20 * MIN).toISOString(), reason: '网点装修' }, { by: 'ops-li', at: clock.now() });
    await raise(k1, FaultCode.PRINTER_PAPER_OUT);
    await raise(k2, FaultCode.IDREADER_SAM_FAULT);
    await raise(k3, FaultCode.SCREEN_BLACK);
    await at(30 * S);
    const msgs = () => rx!.requests.map((r) => checkRobotRequest(r, null, clock.now()).message!);
    expect(msgs().map((m) => m.firing.map((a) => a.kioskId))).toEqual([['K-S2']]);

    // the maintenance window ends at 20 min: its kiosk's alarm still firing is news then (next interval look)
    await at(5 * MIN);
    await at(5 * MIN);
    await at(5 * MIN);
    expect(msgs()).toHaveLength(1);
    await at(5 * MIN); // 20.5 min
    expect(msgs().map((m) => m.firing.map((a) => a.kioskId))).toEqual([['K-S2'], ['K-M1']]);

    // the silence is expired early by an operator: K-S1's alarm appears at the group's next look
    await expireSilence(hq!.db, silence.id, { by: 'ops-li', at: clock.now() });
    await at(5 * MIN);
    expect(msgs().at(-1)!.firing.map((a) => a.kioskId).sort()).toEqual(['K-S1', 'K-S2']);
  });
});

describe('rate limits and delivery', () => {
  it('25 alarms for one WeCom robot within a minute: at most 20 requests in any 60 s, none lost', async () => {
    await setup();
    await channel({ type: 'wecom', groupWaitS: 0 });
    const t0 = clock.now();
    for (let i = 0; i < 25; i++) {
      await raise(await kiosk(`K-R${String(i).padStart(2, '0')}`, `网点 ${i}`), FaultCode.PRINTER_PAPER_OUT); // 25 sites: 25 groups
      await at(2 * S);
    }
    expect(rx!.requests.length).toBe(20);
    while (clock.now() < t0 + 3 * MIN) await at(1 * S);
    const got = texts(rx!.requests);
    expect(got).toHaveLength(25);
    expect(new Set(got.map((t) => /自助机 (K-R\d\d)/.exec(t)![1])).size).toBe(25);
    for (const r of rx!.requests) expect(rx!.requests.filter((x) => x.at >= r.at && x.at < r.at + 60 * S).length).toBeLessThanOrEqual(20);
  });

  it('a failing robot is retried with backoff until it takes the message; errcode "too fast" waits a minute; a bad key is refused for good, logged, shown on the channel', async () => {
    await setup();
    const ch = await channel({ type: 'wecom', groupWaitS: 0 });
    const k = await kiosk('K-D', '市民之家');
    rx!.replies.push({ status: 502, body: 'bad gateway' }, { status: 200, body: '{"errcode":-1,"errmsg":"system busy"}' }, { status: 200, body: '{"errcode":45009,"errmsg":"api freq out of limit"}' });
    await raise(k, FaultCode.PRINTER_PAPER_OUT);
    await hq!.notifier.tick();
    const attempts = () => rx!.requests.length;
    expect(attempts()).toBe(1);
    let view = (await listChannels(hq!.db))[0]!;
    expect([view.lastError, view.lastErrorPermanent, view.pending]).toEqual(['HTTP 502: bad gateway', false, 1]);
    await at(4 * S);
    expect(attempts()).toBe(1); // backoff 5 s
    await at(1 * S);
    expect(attempts()).toBe(2); // errcode -1: retry in 10 s
    await at(10 * S);
    expect(attempts()).toBe(3); // 45009: the robot says too fast → a minute
    await at(59 * S);
    expect(attempts()).toBe(3);
    await at(1 * S);
    expect(attempts()).toBe(4);
    view = (await listChannels(hq!.db))[0]!;
    expect([view.pending, view.failed, view.lastDeliveryAt]).toEqual([0, 0, new Date(clock.now()).toISOString()]);
    expect(new Set(texts(rx!.requests)).size).toBe(1); // the same message each time

    rx!.replies.push({ status: 200, body: '{"errcode":93000,"errmsg":"invalid webhook url, hint: [1755605200056773468916791]"}' });
    await raise(k, FaultCode.SCREEN_BLACK);
    await at(5 * MIN);
    view = (await listChannels(hq!.db))[0]!;
    expect([view.failed, view.pending, view.lastErrorPermanent]).toEqual([1, 0, true]);
    expect(view.lastError).toMatch(/^errcode 93000: invalid webhook url.* — the webhook key is wrong or the robot was removed$/);
    expect(log.lines.filter((l) => l.startsWith('error ') && l.includes(ch.id) && l.includes('REFUSED'))).toHaveLength(1);
    await at(30 * MIN);
    expect(attempts()).toBe(5); // never retried
  });

  it('a robot that does not answer times out and is retried', async () => {
    await setup({ notify: { pollMs: 3_600_000, requestTimeoutMs: 300 } });
    await channel({ type: 'dingtalk', groupWaitS: 0, secret: 'SECx' });
    rx!.replies.push('hang');
    await raise(await kiosk('K-T', null), FaultCode.SCREEN_BLACK);
    await hq!.notifier.tick();
    expect((await listChannels(hq!.db))[0]!.lastError).toMatch(/no answer within 300 ms/);
    await at(5 * S);
    expect(rx!.requests).toHaveLength(2);
    expect(texts([rx!.requests[1]!], 'SECx')[0]).toContain('自助机 K-T'); // a kiosk without a site: its own group
  });
});

describe('nothing is lost across an HQ restart', () => {
  it('changes not yet routed, a group in its wait and a message the robot refused all arrive after HQ starts again on the same file', async () => {
    clock = new ManualClock();
    rx = await RobotReceiver.start(clock.now);
    dir = mkdtempSync(join(tmpdir(), 'zizhu-notify-restart-'));
    const dbUrl = `sqlite:${join(dir, 'hq.sqlite')}`;
    await start({ dbUrl });
    await channel({ type: 'wecom', groupWaitS: 30, url: rx.url('wecom', 'restart-wecom') });
    await channel({ type: 'feishu', groupWaitS: 0, secret: 'fs-key', url: rx.url('feishu', 'restart-feishu') });
    const k = await kiosk('K-RS', '市民之家');
    rx.replies.push({ status: 503, body: '' });
    await raise(k, FaultCode.SCREEN_BLACK);
    await hq!.notifier.tick(); // feishu: refused (503), pending; wecom: group waits
    await raise(k, FaultCode.PRINTER_PAPER_OUT); // not routed before the stop
    expect(rx.requests.map((r) => r.type)).toEqual(['feishu']);
    await hq!.close();

    hq = undefined;
    clock.advance(40 * S);
    await start({ dbUrl });
    await hq!.notifier.tick();
    const wecom = texts(rx.of('wecom'));
    expect(wecom).toHaveLength(1);
    expect(wecom[0]).toMatch(/SCREEN_BLACK[\s\S]*PRINTER_PAPER_OUT|PRINTER_PAPER_OUT[\s\S]*SCREEN_BLACK/);
    const feishu = rx.of('feishu').map((r) => checkRobotRequest(r, 'fs-key', clock.now()).text);
    expect(feishu).toHaveLength(2);
    expect(feishu[1]).toBe(feishu[0]); // the refused message again, signed afresh
    expect(rx.of('feishu')[1]!.body).not.toBe(rx.of('feishu')[0]!.body);
  });
});
