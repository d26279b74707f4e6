/**
 * Issue 10's remote hands from the console, end to end: the real console in Chromium, a real HQ on
 * an SQLite file, and the real kiosk agent on the simulators with its own (headless Debian Chromium)
 * shell — the screen a screenshot is taken of. Screenshot refused while a customer is served and
 * taken on the home screen (stored at HQ, a thumbnail that opens full size, with its expiry); test
 * print, self-test, promised hours through the form (a refused one first), restart after a
 * confirmation — each followed to its result, who sent it and when delivered. Screenshots of the
 * console land in test-results/hq/.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHqServer, type RunningHq } from '../../hq/server/server.ts';
import { enrollKiosk } from '../../hq/server/kiosks/enroll.ts';
import { createUser } from '../../hq/server/auth/index.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';
import { startKioskStack, type KioskStack } from './kiosk-stack.ts';
import { signedInConsole } from './console-login.ts';

const OPS = { name: 'ops-hands', password: 'a long operator password' };
const GOV = 'sz-futian-gov-0001';
const SHOTS = join('test-results', 'hq');
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

let dir: string;
let hq: RunningHq;
let stack: KioskStack;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(SHOTS, { recursive: true });
  const now = pinnedNow(NOON_SHANGHAI);
  dir = await mkdtemp(join(tmpdir(), 'zizhu-hands-e2e-'));
  hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now, offlineCheckMs: 1_000 });
  await createUser(hq.db, { name: OPS.name, role: 'operator', password: OPS.password });
  const secret = await enrollKiosk(hq.db, { id: GOV, site: 'futian-gov-service-center', district: '福田区', address: '福田区福中三路 政务服务中心一楼东侧' }, now);
  stack = await startKioskStack({ example: 'gov-24h', now, hq: { url: hq.url, secret, heartbeatSeconds: 1 }, shell: 'chromium' });
});
test.afterAll(async () => {
  await stack?.close();
  await hq?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function kioskConsole(browser: Browser): Promise<Page> {
  const page = await signedInConsole(browser, { url: hq.url, user: OPS, at: NOON_SHANGHAI });
  await page.goto(`${hq.url}/#/kiosks/${GOV}`);
  await page.locator(`[data-page="kiosk"][data-kiosk-id="${GOV}"]`).waitFor();
  return page;
}

/** The newest command of `type` in the console's list, once it reached `status`. */
async function newest(page: Page, type: string, status: string, timeout = 20_000) {
  const li = page.locator(`li[data-command-type="${type}"]`).first();
  await expect(li).toHaveAttribute('data-command-status', status, { timeout });
  return li;
}

/** The agent's own Chromium has painted `screen`. */
const painted = (screen: string) => until(`the kiosk's screen shows ${screen}`, () => stack.kiosk.agent.bridge!.lastPainted?.screen === screen, 20_000);

test('screenshot: refused while a customer is served; taken on the home screen, kept at HQ, a thumbnail that opens full size with its expiry', async ({ browser }) => {
  test.setTimeout(90_000);
  const ops = await kioskConsole(browser);
  await painted('home');
  const kiosk = stack.kiosk.agent.kiosk!;
  expect(kiosk.handle({ type: 'START_SERVICE', service: 'providentFundStatement' })).toEqual({ ok: true });
  await painted('pf.identifying');

  await ops.locator('[data-action="screenshot"]').click();
  const refused = await newest(ops, 'screenshot', 'failed');
  await expect(refused.locator('[data-command-result]')).toHaveText('no screenshot: a customer is being served (a session is on screen)');
  await expect(refused.locator('[data-screenshot-thumb]')).toHaveCount(0);

  kiosk.handle({ type: 'CANCEL' });
  await until('the session ended', () => kiosk.screen().session === null);
  kiosk.handle({ type: 'HOME' });
  await painted('home');
  await ops.locator('[data-action="screenshot"]').click();
  const taken = await newest(ops, 'screenshot', 'succeeded');
  await expect(taken.locator('[data-command-result]')).toContainText('screenshot of the home screen uploaded');
  await expect(taken.locator('[data-command-delivered]')).toContainText('送达');
  const thumb = taken.locator('[data-screenshot-thumb]');
  await expect(thumb).toBeVisible();
  await expect.poll(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
  await expect(taken).toContainText('保留至 06-17 12:');
  await shot(ops, 'remote-hands-screenshot-thumbnail');

  await taken.locator('[data-action="open-screenshot"]').click();
  const full = ops.locator('[data-dialog="screenshot"]');
  await expect(full.locator('[data-screenshot-full]')).toBeVisible();
  await expect(full.locator('[data-screenshot-expires]')).toContainText('保留至 06-17 12:');
  await shot(ops, 'remote-hands-screenshot-full');
  // what HQ keeps and serves to an operator: the kiosk's home screen as a PNG
  const id = await taken.getAttribute('data-command-id');
  const image = await ops.request.get(`${hq.url}/api/v1/screenshots/${id}`);
  expect(image.status()).toBe(200);
  expect(image.headers()['content-type']).toBe('image/png');
  const png = await image.body();
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  writeFileSync(join(SHOTS, 'remote-hands-kiosk-screenshot-at-hq.png'), png);
  await full.locator('[data-action="close-screenshot"]').click();
  await ops.context().close();
});

test('test print, self-test, promised hours through the form (refused, then taken) and a confirmed restart, each followed to its result', async ({ browser }) => {
  test.setTimeout(120_000);
  const ops = await kioskConsole(browser);

  await ops.locator('[data-action="test-print"]').click();
  const printed = await newest(ops, 'test-print', 'succeeded');
  await expect(printed.locator('[data-command-result]')).toContainText('delivered: the printer confirmed the test page');

  await ops.locator('[data-action="self-test"]').click();
  await newest(ops, 'self-test', 'succeeded');
  const selfTest = ops.locator('[data-section="self-test"] [data-self-test]');
  await expect(selfTest).toHaveAttribute('data-self-test', 'ready', { timeout: 10_000 });
  await expect(selfTest.locator('li[data-check="idReader"]')).toHaveAttribute('data-ok', 'true');
  await expect(selfTest).toContainText('远程指令');

  // promised hours: a range that closes before it opens is refused by HQ, naming the field
  await ops.locator('[data-action="set-promised-hours"]').click();
  const form = ops.locator('[data-dialog="set-promised-hours"]');
  for (const d of ['mon', 'tue', 'thu', 'fri']) await form.locator(`[data-field="day-${d}"]`).fill('07:00-20:00');
  await form.locator('[data-field="day-wed"]').fill('20:00-07:00');
  await form.locator('[data-field="exceptions"]').fill('2026-10-01 closed # 国庆休息');
  await form.locator('[data-action="confirm-set-promised-hours"]').click();
  await expect(form.locator('[data-form-error]')).toContainText('args.promisedHours.weekly.wed[0]: closes (07:00) before it opens (20:00)');
  await shot(ops, 'remote-hands-hours-refused');
  await form.locator('[data-field="day-wed"]').fill('07:00-20:00');
  await form.locator('[data-action="confirm-set-promised-hours"]').click();
  await expect(form).toHaveCount(0);
  const hours = await newest(ops, 'set-promised-hours', 'succeeded');
  await expect(hours.locator('[data-command-result]')).toContainText(/promised hours applied \(version [0-9a-f]{12};/);
  await expect(ops.locator('[data-page="kiosk"]')).toHaveAttribute('data-state', 'in-service');
  const wed = stack.kiosk.agent.config.promisedHours.weekly as Record<string, { open: string; close: string }[]>;
  expect(wed.wed).toMatchObject([{ open: '07:00', close: '20:00' }]);

  // restart: asked first; the result comes from the restarted kiosk
  await ops.locator('[data-action="restart-app"]').click();
  const ask = ops.locator('[data-dialog="restart-app"]');
  await ask.locator('[data-field="reason"]').fill('界面卡顿，远程重启');
  await shot(ops, 'remote-hands-restart-confirm');
  await ask.locator('[data-action="confirm-restart-app"]').click();
  const restarted = await newest(ops, 'restart-app', 'succeeded', 60_000);
  await expect(restarted.locator('[data-command-result]')).toContainText('the kiosk app restarted');
  // (the new process may report before its start has returned to the stack)
  await until('the stack has the restarted kiosk', () => stack.restarts === 1);
  await until('the restarted kiosk shows home', () => stack.kiosk.agent.bridge?.lastPainted?.screen === 'home', 30_000);
  await shot(ops, 'remote-hands-commands');

  // who sent what, in the audit trail
  await ops.locator('[data-nav="audit"]').click();
  const audit = ops.locator('[data-page="audit"]');
  await expect(audit).toContainText('restart-app');
  await expect(audit).toContainText('界面卡顿，远程重启');
  await ops.context().close();
});
