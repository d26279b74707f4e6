import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listAudit } from '../server/auth/audit.ts';
import { openHqDb } from '../server/db/open.ts';
import { enrollKiosk } from '../server/kiosks/enroll.ts';
import { channelTarget, listChannels } from '../server/notify/channels.ts';
import { ManualClock } from '../server/testing.ts';
import { maintenanceCommand } from './maintenance.ts';
import { hqMain, type HqCliIo } from './main.ts';
import { silenceCommand } from './silence.ts';

const capture = (): HqCliIo & { stdout: string[]; stderr: string[] } => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
};

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const tmpDb = () => `sqlite:${join((dir = mkdtempSync(join(tmpdir(), 'zizhu-notify-cli-'))), 'hq.sqlite')}`;

const KEY = '633a31f6-7f9c-4bc4-97a0-0ec1eefa5898';
const WECOM = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`;

describe('zizhu hq channel', () => {
  it('add (the exact flags of the issue), list (masked), remove; sealed at rest, audited as (cli)', async () => {
    const db = tmpDb();
    const io = capture();
    const args = ['channel', 'add', '--type', 'wecom', '--url', WECOM, '--district', '江岸区', '--site', '市民之家', '--min-severity', 'major', '--group-wait', '10', '--group-interval', '120', '--repeat', '7200', '--db', db];
    expect(await hqMain(args, io)).toBe(0);
    expect(io.stderr).toEqual([]);
    expect(io.stdout).toHaveLength(1);
    expect(io.stdout[0]).toMatch(
      /^channel ch-[0-9a-f]{8} added: 企业微信·市民之家 · 江岸区 — wecom https:\/\/qyapi\.weixin\.qq\.com\/cgi-bin\/webhook\/send\?key=633a\*\*\*\*5898 \(site 市民之家, district 江岸区, ≥ major\); group wait 10 s, interval 120 s, repeat 7200 s$/,
    );
    const ding = capture();
    expect(await hqMain(['channel', 'add', '--type', 'dingtalk', '--url', 'https://oapi.dingtalk.com/robot/send?access_token=e9a8118c8a3dc685fab41df25b9dc865', '--secret', 'SEC10d6e79b42bd94be', '--code', 'KIOSK_OFFLINE', '--code', 'SCREEN_BLACK', '--db', db], ding)).toBe(0);
    expect(ding.stdout[0]).toContain('(codes KIOSK_OFFLINE,SCREEN_BLACK); group wait 30 s, interval 300 s, repeat 14400 s; signed with its secret');

    const listed = capture();
    expect(await hqMain(['channel', 'list', '--db', db], listed)).toBe(0);
    expect(listed.stdout).toHaveLength(2);
    expect(listed.stdout.join('\n')).not.toContain(KEY);
    expect(listed.stdout.join('\n')).toContain('last delivery never');

    const opened = await openHqDb(db);
    try {
      const [first] = await listChannels(opened);
      const row = await opened.selectFrom('notify_channels').selectAll().where('id', '=', first!.id).executeTakeFirstOrThrow();
      expect(row.url_enc).not.toContain(KEY);
      expect(channelTarget(opened, row)).toEqual({ url: WECOM, secret: null });
      const removed = capture();
      expect(await hqMain(['channel', 'remove', first!.id, '--db', db], removed)).toBe(0);
      expect(removed.stdout[0]).toMatch(new RegExp(`^channel ${first!.id} removed`));
      expect((await listAudit(opened, {})).map((e) => [e.user, e.action]).reverse()).toEqual([
        ['(cli)', 'channel.add'],
        ['(cli)', 'channel.add'],
        ['(cli)', 'channel.remove'],
      ]);
    } finally {
      await opened.destroy();
    }
  });

  it.each([
    [['channel'], /^zizhu hq channel: say what to do: add, list, remove \(usage: /],
    [['channel', 'mute'], /unknown sub-command "mute"/],
    [['channel', 'add', '--url', WECOM], /^zizhu hq channel add: --type is required/],
    [['channel', 'add', '--type', 'wecom'], /^zizhu hq channel add: --url is required/],
    [['channel', 'add', '--type', 'slack', '--url', WECOM], /^zizhu hq channel add: --type: /],
    [['channel', 'add', '--type', 'dingtalk', '--url', WECOM], /^zizhu hq channel add: --url: a dingtalk robot's address looks like https:\/\/oapi\.dingtalk\.com/],
    [['channel', 'add', '--type', 'feishu', '--url', 'https://open.feishu.cn/open-apis/bot/v2/hook/'], /--url: a feishu robot's address/],
    [['channel', 'add', '--type', 'wecom', '--url', WECOM, '--min-severity', 'urgent'], /--min-severity: /],
    [['channel', 'add', '--type', 'wecom', '--url', WECOM, '--group-wait', '30s'], /--group-wait must be a whole number of seconds, not "30s"/],
    [['channel', 'add', '--type', 'wecom', '--url', WECOM, '--repeat', '10'], /--repeat: Too small/],
    [['channel', 'add', '--type', 'wecom', '--url', WECOM, '--code', 'NOPE'], /--code: /],
    [['channel', 'add', '--type', 'wecom', '--url', WECOM, '--colour', 'red'], /Unknown option '--colour'/],
    [['channel', 'remove'], /expected 1 argument/],
    [['channel', 'remove', 'ch-00000000'], /^zizhu hq channel remove: no notification channel ch-00000000$/],
  ])('bad input %j: one line naming the flag, exit 2', async (args, message) => {
    const io = capture();
    expect(await hqMain([...args, '--db', tmpDb()], io)).toBe(2);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(message);
    expect(io.stdout).toEqual([]);
  });

  it('a local receiver URL is accepted for every robot type', async () => {
    const db = tmpDb();
    for (const type of ['wecom', 'dingtalk', 'feishu', 'webhook']) {
      const io = capture();
      expect(await hqMain(['channel', 'add', '--type', type, '--url', `http://127.0.0.1:9/${type}`, '--db', db], io)).toBe(0);
    }
  });
});

describe('zizhu hq silence and maintenance', () => {
  it('add, list, remove with HQ\'s clock; the rules name their flag', async () => {
    const db = tmpDb();
    const clock = new ManualClock();
    const o = { now: clock.now };
    const opened = await openHqDb(db);
    await enrollKiosk(opened, { id: 'K-CLI', site: '市民之家' }, clock.now);
    await opened.destroy();

    const s = capture();
    expect(await silenceCommand(['add', '--site', '市民之家', '--code', 'PRINTER_PAPER_OUT', '--duration', '2h', '--comment', '换纸中', '--author', 'ops-li', '--db', db], s, o)).toBe(0);
    expect(s.stdout[0]).toMatch(/^silence si-[0-9a-f]{8} until 2026-06-10T06:00:00Z: site 市民之家, code PRINTER_PAPER_OUT — 换纸中$/);
    const id = /silence (si-\w+)/.exec(s.stdout[0]!)![1]!;
    for (const [args, message] of [
      [['add', '--duration', '1h', '--comment', 'x'], /--kiosk: a silence needs at least one matcher/],
      [['add', '--site', 'S', '--duration', 'soon', '--comment', 'x'], /--duration must be a duration like 90m, 2h or 3d, not "soon"/],
      [['add', '--site', 'S', '--until', '2026-06-10 22:00', '--comment', 'x'], /--until must be a time with its offset/],
      [['add', '--site', 'S', '--until', '2026-06-10T11:00+08:00', '--comment', 'x'], /--until: .* is not in the future/],
      [['add', '--site', 'S', '--duration', '1h'], /--comment: /],
    ] as const) {
      const io = capture();
      expect(await silenceCommand([...args, '--db', db], io, o)).toBe(2);
      expect(io.stderr[0]).toMatch(message);
    }
    clock.advance(30 * 60_000);
    const removed = capture();
    expect(await silenceCommand(['remove', id, '--db', db], removed, o)).toBe(0);
    const listed = capture();
    expect(await silenceCommand(['list', '--db', db], listed, o)).toBe(0);
    expect(listed.stdout).toEqual([`${id}  expired  site 市民之家, code PRINTER_PAPER_OUT  until 2026-06-10T04:30:00Z  by ops-li (expired by (cli)): 换纸中`]);

    const m = capture();
    expect(await maintenanceCommand(['add', '--kiosk', 'K-CLI', '--from', '2026-06-10T22:00+08:00', '--duration', '90m', '--reason', '更换打印机', '--db', db], m, o)).toBe(0);
    expect(m.stdout[0]).toMatch(/^maintenance window mw-[0-9a-f]{8}: kiosk K-CLI from 2026-06-10T14:00:00Z until 2026-06-10T15:30:00Z — 更换打印机$/);
    for (const [args, message] of [
      [['add', '--site', 'S', '--from', '2026-06-10T08:00+08:00', '--until', '2026-06-10T23:00+08:00', '--reason', '补录'], /--from: a maintenance window is declared beforehand/],
      [['add', '--kiosk', 'K-NONE', '--duration', '1h', '--reason', 'r'], /--kiosk: no kiosk K-NONE is enrolled/],
      [['add', '--site', 'S', '--reason', 'r'], /give one of --until and --duration/],
      [['add', '--site', 'S', '--district', 'D', '--duration', '1h', '--reason', 'r'], /--kiosk: give exactly one of kioskId, site and district/],
    ] as const) {
      const io = capture();
      expect(await maintenanceCommand([...args, '--db', db], io, o)).toBe(2);
      expect(io.stderr[0]).toMatch(message);
    }
    const mid = /window (mw-\w+)/.exec(m.stdout[0]!)![1]!;
    const listedM = capture();
    expect(await maintenanceCommand(['list', '--db', db], listedM, o)).toBe(0);
    expect(listedM.stdout).toEqual([`${mid}  upcoming  kiosk K-CLI  2026-06-10T14:00:00Z – 2026-06-10T15:30:00Z  by (cli): 更换打印机`]);
    const cancelled = capture();
    expect(await maintenanceCommand(['remove', mid, '--db', db], cancelled, o)).toBe(0);
    expect(cancelled.stdout).toEqual([`maintenance window ${mid} cancelled (it had not started)`]);
  });
});
