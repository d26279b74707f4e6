/**
 * Alarms in the ops group chat, in the real console (Chromium) on a real HQ (SQLite file) with its
 * notifier running, and a local robot receiver standing in for the WeCom / DingTalk robots (it
 * checks each request's exact body and signature): an admin adds channels, sends a test message,
 * sees a robot's refusal in red, removes one; an operator silences a kiosk and declares
 * maintenance; faults ingested from signed kiosks reach the robots or are held back accordingly.
 * HQ's clock is pinned at Wednesday 12:00 in Shanghai (moving with real time), the page's clock
 * fixed there. Screenshots at 1440×900 in test-results/hq/.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FaultCode } from '../../contracts/faults.ts';
import { createUser } from '../../hq/server/auth/index.ts';
import { enrollKiosk } from '../../hq/server/kiosks/enroll.ts';
import { addChannel } from '../../hq/server/notify/channels.ts';
import { checkRobotRequest, RobotReceiver } from '../../hq/server/notify/testing.ts';
import { startHqServer, type RunningHq } from '../../hq/server/server.ts';
import { faultPayload, IngestKiosk } from '../../hq/server/testing.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';
import { ensureDashboardBuilt } from './fixtures/hq/static-server.ts';
import { watchErrors } from './fixtures/hq/fake-hq.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/hq');
const PASSWORD = 'a long console password';
const DING_SECRET = 'SEC9f1c2b7e0d4a4f3e8b6c5d4e3f2a1b0c';

let dir: string;
let hq: RunningHq;
let rx: RobotReceiver;
const now = pinnedNow(NOON_SHANGHAI);
const kiosks: Record<string, IngestKiosk> = {};

test.use({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  ensureDashboardBuilt(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'zizhu-hq-notify-e2e-'));
  hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now, publicUrl: 'https://ops.example.gov.cn', notify: { pollMs: 100 } });
  rx = await RobotReceiver.start(now);
  for (const [name, role] of [
    ['admin-wang', 'admin'],
    ['ops-li', 'operator'],
  ] as const)
    await createUser(hq.db, { name, role, password: PASSWORD });
  for (const [id, site, district] of [
    ['JA-SMZJ-01', '江岸区市民之家', '江岸区'],
    ['JA-SMZJ-02', '江岸区市民之家', '江岸区'],
    ['JA-HKZ-01', '汉口火车站便民点', '江岸区'],
  ] as const)
    kiosks[id] = new IngestKiosk(id, await enrollKiosk(hq.db, { id, site, district, address: '沿江大道 188 号' }, now), now);
});
test.afterAll(async () => {
  await hq?.close();
  await rx?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function signIn(browser: Browser, user: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.clock.setFixedTime(NOON_SHANGHAI);
  await page.goto(hq.url);
  await page.locator('[data-field="username"]').fill(user);
  await page.locator('[data-field="password"]').fill(PASSWORD);
  await page.locator('[data-action="login"]').click();
  await page.locator('[data-page="fleet"]').waitFor();
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
const raise = async (id: string, code: FaultCode) => {
  const k = kiosks[id]!;
  expect((await k.send(hq.url, [k.event('fault.raised', faultPayload(code))])).status).toBe(200);
};
const row = (page: Page, type: string) => page.locator(`tr[data-channel-type="${type}"]`);

test('channels: an admin adds robots (URL masked), sends a test message, sees a refusal in red, removes one; faults reach the right chats', async ({ browser }) => {
  const page = await signIn(browser, 'admin-wang');
  const errors = watchErrors(page);
  await page.locator('[data-nav="channels"]').click();
  await expect(page.locator('[data-page="channels"] [data-empty]')).toBeVisible();

  // DingTalk for the district, signed; a wrong address is said at once
  await page.locator('[data-action="add-channel"]').click();
  const form = page.locator('[data-dialog="add-channel"]');
  await form.locator('[data-field="type"]').selectOption('dingtalk');
  await form.locator('[data-field="url"]').fill('https://oapi.dingtalk.com/robot/send');
  await expect(form.locator('[data-url-problem]')).toContainText("the dingtalk robot's token in the URL is missing");
  await form.locator('[data-field="url"]').fill(rx.url('dingtalk', 'e9a8118c8a3dc685fab41df25b9dc865'));
  await form.locator('[data-field="name"]').fill('江岸区运维群');
  await form.locator('[data-field="secret"]').fill(DING_SECRET);
  await form.locator('[data-field="district"]').fill('江岸区');
  await form.locator('[data-field="minSeverity"]').selectOption('major');
  await form.locator('[data-field="groupWaitS"]').fill('0');
  await shot(page, 'channels-add');
  await form.locator('[data-action="confirm-add-channel"]').click();
  await expect(row(page, 'dingtalk')).toBeVisible();

  // WeCom for one site: the site's own chat
  await page.locator('[data-action="add-channel"]').click();
  await form.locator('[data-field="type"]').selectOption('wecom');
  await expect(form.locator('[data-field="secret"]')).toBeDisabled();
  await form.locator('[data-field="url"]').fill(rx.url('wecom', '693a91f6-7f9c-4bc4-97a0-0ec2e6fa5aaa'));
  await form.locator('[data-field="site"]').fill('江岸区市民之家');
  await form.locator('[data-field="groupWaitS"]').fill('0');
  await form.locator('[data-action="confirm-add-channel"]').click();
  await expect(row(page, 'wecom')).toBeVisible();
  await expect(row(page, 'wecom').locator('[data-url]')).toContainText('key=693a****5aaa');
  const text = await page.locator('[data-page="channels"]').innerText();
  for (const token of ['e9a8118c8a3dc685fab41df25b9dc865', '693a91f6-7f9c-4bc4-97a0-0ec2e6fa5aaa', DING_SECRET]) expect(text).not.toContain(token);

  // a test message through the outbox to the DingTalk robot, signed
  await row(page, 'dingtalk').locator('[data-action="test"]').click();
  await expect(row(page, 'dingtalk').locator('[data-test-result]')).toHaveAttribute('data-test-result', 'sent');
  expect(checkRobotRequest(rx.of('dingtalk')[0]!, DING_SECRET, now()).text).toContain('江岸区运维群');

  // a fault at the site: both chats get it (district ≥ major, and the site's own)
  await raise('JA-SMZJ-01', FaultCode.PRINTER_PAPER_OUT);
  await until('both robots got the paper-out', () => rx.of('wecom').length >= 1 && rx.of('dingtalk').length >= 2, 10_000);
  expect(checkRobotRequest(rx.of('wecom')[0]!, null, now()).text).toContain('自助机 JA-SMZJ-01');
  expect(checkRobotRequest(rx.of('dingtalk')[1]!, DING_SECRET, now()).text).toContain('](https://ops.example.gov.cn/#/kiosks/JA-SMZJ-01)');
  await expect(row(page, 'wecom')).toHaveAttribute('data-delivery', 'ok');

  // the WeCom robot refuses its key: red on the channel, said in the test's answer
  rx.replies.push({ status: 200, body: '{"errcode":93000,"errmsg":"invalid webhook url, hint: [1755605200056773468916791]"}' });
  await row(page, 'wecom').locator('[data-action="test"]').click();
  await expect(row(page, 'wecom').locator('[data-test-result]')).toHaveAttribute('data-test-result', 'failed');
  await expect(row(page, 'wecom')).toHaveAttribute('data-delivery', 'refused');
  await expect(row(page, 'wecom')).toContainText('机器人拒收');
  await page.mouse.move(0, 0);
  await shot(page, 'channels');

  // English, then remove the refused channel
  await page.locator('[data-action="language"]').click();
  await expect(row(page, 'wecom')).toContainText('Refused by the robot');
  await shot(page, 'channels-en');
  await page.locator('[data-action="language"]').click();
  await row(page, 'wecom').locator('[data-action="remove"]').click();
  await page.locator('[data-action="confirm-remove-channel"]').click();
  await expect(row(page, 'wecom')).toHaveCount(0);
  await page.locator('[data-nav="audit"]').click();
  await expect(page.locator('[data-page="audit"] tr[data-audit-action="channel.remove"]')).toContainText('admin-wang');
  expect(errors).toEqual([]);
  await page.context().close();
});

test('silences and maintenance windows: an operator silences a kiosk and declares maintenance; their alarms stay out of the chat, others do not', async ({ browser }) => {
  // a generic webhook of its own, so this test stands alone (an admin's, made through the store)
  await addChannel(hq.db, { type: 'webhook', name: '值班系统', url: rx.url('webhook', 'ops-desk'), secret: 'desk-hmac', groupWaitS: 0, groupIntervalS: 1 }, { by: 'admin-wang', at: now() });
  const page = await signIn(browser, 'ops-li');
  const errors = watchErrors(page);
  await page.locator('[data-nav="silences"]').click();
  await expect(page.locator('[data-page="silences"]')).toBeVisible();

  await page.locator('[data-action="add-silence"]').click();
  const sil = page.locator('[data-dialog="add-silence"]');
  await sil.locator('[data-field="kioskId"]').fill('JA-SMZJ-02');
  await sil.locator('[data-field="code"]').selectOption('SCREEN_BLACK');
  await sil.locator('[data-field="duration"]').selectOption('240');
  await sil.locator('[data-field="comment"]').fill('屏幕已报修，厂家下午到场');
  await sil.locator('[data-action="confirm-add-silence"]').click();
  await expect(page.locator('tr[data-silence-id]').first()).toHaveAttribute('data-state', 'active');

  await page.locator('[data-action="add-maintenance"]').click();
  const mw = page.locator('[data-dialog="add-maintenance"]');
  await mw.locator('[data-field="scope"]').selectOption('site');
  await mw.locator('[data-field="value"]').fill('汉口火车站便民点');
  await mw.locator('[data-field="to"]').fill('2026-06-10T15:00');
  await mw.locator('[data-field="reason"]').fill('网点装修，停用半天');
  await mw.locator('[data-action="confirm-add-maintenance"]').click();
  await page.locator('[data-action="add-maintenance"]').click();
  await mw.locator('[data-field="scope"]').selectOption('district');
  await mw.locator('[data-field="value"]').fill('江岸区');
  await mw.locator('[data-field="from"]').fill('2026-06-13T22:00');
  await mw.locator('[data-field="to"]').fill('2026-06-14T06:00');
  await mw.locator('[data-field="reason"]').fill('全区机房断电检修');
  await mw.locator('[data-action="confirm-add-maintenance"]').click();
  await expect(page.locator('tr[data-window-id]')).toHaveCount(2);
  await expect(page.locator('tr[data-window-id]').nth(0)).toHaveAttribute('data-state', 'current');
  await expect(page.locator('tr[data-window-id]').nth(1)).toHaveAttribute('data-state', 'upcoming');
  // a window in the past is refused, said in the form
  await page.locator('[data-action="add-maintenance"]').click();
  await mw.locator('[data-field="value"]').fill('江岸区市民之家');
  await mw.locator('[data-field="from"]').fill('2026-06-10T08:00');
  await mw.locator('[data-field="to"]').fill('2026-06-10T13:00');
  await mw.locator('[data-field="reason"]').fill('补录上午停机');
  await mw.locator('[data-action="confirm-add-maintenance"]').click();
  await expect(mw.locator('[data-form-error]')).toContainText('declared beforehand');
  await mw.locator('[data-action="cancel"]').click();

  // the silenced kiosk and the site in maintenance stay out of the chat; another kiosk's fault goes through
  const desk = () => rx.of('webhook').map((r) => checkRobotRequest(r, 'desk-hmac', now()).text);
  await raise('JA-SMZJ-02', FaultCode.SCREEN_BLACK);
  await raise('JA-HKZ-01', FaultCode.KIOSK_OFFLINE);
  await raise('JA-SMZJ-01', FaultCode.IDREADER_SAM_FAULT);
  await until('the unsilenced fault reached the ops desk', () => desk().some((t) => t.includes('IDREADER_SAM_FAULT JA-SMZJ-01')), 10_000);
  await page.waitForTimeout(1000); // a second more: several notifier passes
  const sent = desk().join('\n');
  expect(sent).not.toContain('SCREEN_BLACK');
  expect(sent).not.toContain('JA-HKZ-01');
  await page.mouse.move(0, 0);
  await shot(page, 'silences');

  await page.locator('tr[data-silence-id] [data-action="expire"]').first().click();
  await expect(page.locator('tr[data-silence-id]').first()).toHaveAttribute('data-state', 'expired');
  await page.locator('tr[data-window-id][data-state="upcoming"] [data-action="cancel"]').click();
  await expect(page.locator('tr[data-window-id]')).toHaveCount(1);
  await page.locator('[data-nav="channels"]').click();
  await expect(page.locator('[data-action="add-channel"]')).toBeDisabled(); // an operator does not manage channels
  expect(errors).toEqual([]);
  await page.context().close();
});
