/**
 * The notification API through a real HQ (startHqServer, in memory, pinned clock): roles, input
 * errors naming the field, the URL and secret never shown, "send test message" through the outbox
 * to a local robot, silences and maintenance windows with their rules, every change audited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelListSchema, ChannelTestResultSchema, ChannelViewSchema, MaintenanceEndResultSchema, MaintenanceWindowListSchema, SilenceListSchema, SilenceViewSchema } from '../../../contracts/hq-notify.ts';
import { listAudit } from '../auth/audit.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import { ManualClock } from '../testing.ts';
import { checkRobotRequest, RobotReceiver } from './testing.ts';

const MIN = 60_000;
let t: TestHq | undefined;
let rx: RobotReceiver | undefined;
afterEach(async () => {
  await t?.close();
  await rx?.close();
  t = rx = undefined;
});

async function setup() {
  const clock = new ManualClock();
  rx = await RobotReceiver.start(clock.now);
  t = await testHq({ clock, publicUrl: 'https://hq.example.gov.cn', notify: { pollMs: 3_600_000, requestTimeoutMs: 2_000 } });
  return { clock, admin: await t.as('admin'), operator: await t.as('operator'), viewer: await t.as('viewer') };
}

const WECOM_KEY = '693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa';

describe('channels API', () => {
  it('admin adds (URL and secret sealed, shown masked), lists, tests and removes; viewers only look; bad input names its field', async () => {
    const { admin, operator, viewer } = await setup();
    const real = { type: 'wecom', url: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}`, site: '市民之家', minSeverity: 'major' };
    expect((await operator('POST', '/api/v1/channels', real)).statusCode).toBe(403);
    const added = await admin('POST', '/api/v1/channels', real);
    expect(added.statusCode).toBe(201);
    const view = ChannelViewSchema.parse(added.json());
    expect(view).toMatchObject({ type: 'wecom', urlMasked: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a****5aaa', site: '市民之家', minSeverity: 'major', groupWaitS: 30, groupIntervalS: 300, repeatS: 14_400, perMinute: 20, hasSecret: false, createdBy: 'admin1' });

    const ding = await admin('POST', '/api/v1/channels', { type: 'dingtalk', url: rx!.url('dingtalk', 'dingtoken0123'), secret: 'SECtop-secret-value', name: '江岸区值班群', groupWaitS: 0 });
    expect(ding.statusCode).toBe(201);
    const list = await viewer('GET', '/api/v1/channels');
    expect(list.statusCode).toBe(200);
    const channels = ChannelListSchema.parse(list.json()).channels;
    expect(channels.map((c) => c.name).sort()).toEqual(['企业微信·市民之家', '江岸区值班群'].sort());
    // neither the robots' tokens nor the secret ever leave HQ
    for (const secret of [WECOM_KEY, 'dingtoken0123', 'SECtop-secret-value']) expect(list.body).not.toContain(secret);
    const raw = await t!.hq.db.selectFrom('notify_channels').selectAll().execute();
    for (const secret of [WECOM_KEY, 'dingtoken0123', 'SECtop-secret-value']) expect(JSON.stringify(raw)).not.toContain(secret);

    // send a test message: through the outbox, signed, answered within the request
    const dingId = ChannelViewSchema.parse(ding.json()).id;
    expect((await viewer('POST', `/api/v1/channels/${dingId}/test`)).statusCode).toBe(403);
    const tested = await admin('POST', `/api/v1/channels/${dingId}/test`);
    expect(ChannelTestResultSchema.parse(tested.json())).toEqual({ outcome: 'sent', error: null });
    expect(checkRobotRequest(rx!.requests[0]!, 'SECtop-secret-value', t!.clock.now()).text).toContain('这是一条测试消息：通知渠道「江岸区值班群」已连通');
    rx!.replies.push({ status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' });
    const refused = ChannelTestResultSchema.parse((await admin('POST', `/api/v1/channels/${dingId}/test`)).json());
    expect(refused.outcome).toBe('failed');
    expect(refused.error).toMatch(/^errcode 310000: sign not match — refused by the robot's security settings/);
    const after = ChannelListSchema.parse((await viewer('GET', '/api/v1/channels')).json()).channels.find((c) => c.id === dingId)!;
    expect([after.lastErrorPermanent, after.failed]).toEqual([true, 1]);

    for (const [body, message] of [
      [{ type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' }, /^url: the wecom robot's token in the URL is missing/],
      [{ type: 'dingtalk', url: 'https://evil.example/robot/send?access_token=abcdefgh123' }, /^url: a dingtalk robot's address looks like https:\/\/oapi.dingtalk.com\/robot\/send\?access_token=…/],
      [{ type: 'feishu', url: 'http://open.feishu.cn/open-apis/bot/v2/hook/abcdefgh-1234' }, /^url: a feishu robot's address/],
      [{ type: 'webhook', url: 'ftp://x.example/' }, /^url: must be an http\(s\):\/\/ URL/],
      [{ type: 'sms', url: 'https://x.example/' }, /^type: /],
      [{ type: 'webhook', url: 'https://x.example/', minSeverity: 'high' }, /^minSeverity: /],
      [{ type: 'webhook', url: 'https://x.example/', groupWaitS: -1 }, /^groupWaitS: /],
      [{ type: 'webhook', url: 'https://x.example/', codes: ['NO_SUCH_CODE'] }, /^codes\.0: /],
    ] as const) {
      const r = await admin('POST', '/api/v1/channels', body);
      expect([r.statusCode, r.json().error]).toEqual([400, expect.stringMatching(message)]);
    }

    expect((await admin('POST', '/api/v1/channels/ch-nope/remove')).statusCode).toBe(404);
    expect((await admin('POST', `/api/v1/channels/${view.id}/remove`)).json()).toEqual({ id: view.id, removed: true });
    expect(ChannelListSchema.parse((await viewer('GET', '/api/v1/channels')).json()).channels.map((c) => c.id)).toEqual([dingId]);
    const audited = (await listAudit(t!.hq.db, {})).filter((e) => e.action.startsWith('channel.'));
    expect(audited.map((e) => [e.user, e.action, e.target]).reverse()).toEqual([
      ['admin1', 'channel.add', view.id],
      ['admin1', 'channel.add', dingId],
      ['admin1', 'channel.test', dingId],
      ['admin1', 'channel.test', dingId],
      ['admin1', 'channel.remove', view.id],
    ]);
    expect(audited.some((e) => (e.detail ?? '').includes(WECOM_KEY))).toBe(false);
  });
});

describe('silences and maintenance windows API', () => {
  it('operators silence with an expiry and expire early; viewers read; the rules name their field', async () => {
    const { clock, operator, viewer } = await setup();
    expect((await viewer('POST', '/api/v1/silences', { code: 'SCREEN_BLACK', durationMinutes: 30, comment: 'x' })).statusCode).toBe(403);
    const made = await operator('POST', '/api/v1/silences', { kioskId: 'K-1', code: 'PRINTER_PAPER_OUT', durationMinutes: 90, comment: '网点已知，明早换纸' });
    expect(made.statusCode).toBe(201);
    const s = SilenceViewSchema.parse(made.json());
    expect(s).toMatchObject({ kioskId: 'K-1', site: null, code: 'PRINTER_PAPER_OUT', createdBy: 'operator1', state: 'active', startsAt: new Date(clock.now()).toISOString(), endsAt: new Date(clock.now() + 90 * MIN).toISOString() });
    for (const [body, message] of [
      [{ durationMinutes: 5, comment: 'x' }, /^kioskId: a silence needs at least one matcher/],
      [{ site: 'S', comment: 'x' }, /^endsAt: give exactly one of endsAt and durationMinutes/],
      [{ site: 'S', durationMinutes: 5 }, /^comment: /],
      [{ site: 'S', endsAt: new Date(clock.now() - MIN).toISOString(), comment: 'x' }, /^endsAt: .* is not in the future/],
      [{ code: 'NOPE', durationMinutes: 5, comment: 'x' }, /^code: /],
    ] as const) {
      const r = await operator('POST', '/api/v1/silences', body);
      expect([r.statusCode, r.json().error]).toEqual([400, expect.stringMatching(message)]);
    }
    clock.advance(10 * MIN);
    const expired = await operator('POST', `/api/v1/silences/${s.id}/expire`);
    expect(SilenceViewSchema.parse(expired.json())).toMatchObject({ state: 'expired', expiredBy: 'operator1', endsAt: new Date(clock.now()).toISOString() });
    expect((await operator('POST', `/api/v1/silences/${s.id}/expire`)).statusCode).toBe(409);
    expect((await operator('POST', '/api/v1/silences/si-nope/expire')).statusCode).toBe(404);
    expect(SilenceListSchema.parse((await viewer('GET', '/api/v1/silences')).json()).silences.map((x) => [x.id, x.state])).toEqual([[s.id, 'expired']]);
    expect((await listAudit(t!.hq.db, { target: s.id })).map((e) => e.action)).toEqual(['silence.expire', 'silence.add']);
  });

  it('maintenance windows are declared beforehand; upcoming ones are cancelled, current ones end now, past ones stay', async () => {
    const { clock, operator, viewer } = await setup();
    await t!.kiosk('K-MW', { site: '市民之家', district: '江岸区' });
    const at = (min: number) => new Date(clock.now() + min * MIN).toISOString();
    const add = (body: object) => operator('POST', '/api/v1/maintenance-windows', body);
    for (const [body, message] of [
      [{ site: 'S', startsAt: at(-5), endsAt: at(60), reason: '补录' }, /^startsAt: a maintenance window is declared beforehand/],
      [{ site: 'S', district: 'D', endsAt: at(60), reason: 'r' }, /^kioskId: give exactly one of kioskId, site and district/],
      [{ kioskId: 'K-NONE', endsAt: at(60), reason: 'r' }, /^kioskId: no kiosk K-NONE is enrolled/],
      [{ site: 'S', startsAt: at(30), endsAt: at(10), reason: 'r' }, /^endsAt: must be after startsAt/],
      [{ site: 'S', endsAt: at(60) }, /^reason: /],
    ] as const) {
      const r = await add(body);
      expect([r.statusCode, r.json().error]).toEqual([400, expect.stringMatching(message)]);
    }
    const now = await add({ kioskId: 'K-MW', endsAt: at(120), reason: '更换打印机' });
    const later = await add({ district: '江岸区', startsAt: at(24 * 60), endsAt: at(26 * 60), reason: '全区断电检修' });
    const past = await add({ site: '市民之家', endsAt: at(30), reason: '清洁' });
    expect([now.statusCode, later.statusCode, past.statusCode]).toEqual([201, 201, 201]);
    clock.advance(45 * MIN);
    const windows = MaintenanceWindowListSchema.parse((await viewer('GET', '/api/v1/maintenance-windows')).json()).windows;
    expect(windows.map((w) => [w.reason, w.state])).toEqual([
      ['更换打印机', 'current'],
      ['全区断电检修', 'upcoming'],
      ['清洁', 'past'],
    ]);
    const [cur, up, old] = windows;
    expect(MaintenanceEndResultSchema.parse((await operator('POST', `/api/v1/maintenance-windows/${cur!.id}/end`)).json())).toMatchObject({ cancelled: false, state: 'past', endsAt: new Date(clock.now()).toISOString() });
    expect(MaintenanceEndResultSchema.parse((await operator('POST', `/api/v1/maintenance-windows/${up!.id}/end`)).json())).toMatchObject({ cancelled: true });
    const stays = await operator('POST', `/api/v1/maintenance-windows/${old!.id}/end`);
    expect([stays.statusCode, stays.json().error]).toEqual([409, expect.stringMatching(/is over .* it stays in the history/)]);
    expect((await viewer('POST', `/api/v1/maintenance-windows/${old!.id}/end`)).statusCode).toBe(403);
    expect(MaintenanceWindowListSchema.parse((await viewer('GET', '/api/v1/maintenance-windows')).json()).windows.map((w) => w.reason)).toEqual(['更换打印机', '清洁']);
    expect((await listAudit(t!.hq.db, {})).filter((e) => e.action.startsWith('maintenance.')).map((e) => e.action)).toEqual(['maintenance.cancel', 'maintenance.end', 'maintenance.add', 'maintenance.add', 'maintenance.add']);
  });
});
