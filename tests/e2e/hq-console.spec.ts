/**
 * The HQ console (hq/dashboard) in Chromium against a fake operator API (fixtures/hq/fake-hq.ts,
 * JSON fixtures parsed with contracts/hq-api.ts): sign-in, fleet filters, kiosk detail with a
 * command followed to its end, ack/clear with comment and CSRF header, kiosk strings as text,
 * English, polling. Clock and time zone are pinned; screenshots at 1440×900 go to test-results/hq/.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FakeHq, FIXTURE_NOW, PASSWORD, watchErrors } from './fixtures/hq/fake-hq.ts';
import { ensureDashboardBuilt, serveStatic, type StaticServer } from './fixtures/hq/static-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'hq/dashboard/dist');
const SHOTS = join(ROOT, 'test-results/hq');
const XSS = '<img src=x onerror=alert(1)>';

let server: StaticServer;
test.use({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  ensureDashboardBuilt(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  server = await serveStatic(DIST);
});
test.afterAll(async () => server?.close());

async function open(page: Page, hq: FakeHq, hash = '#/', signedIn = true): Promise<void> {
  hq.signedIn = signedIn;
  await page.clock.setFixedTime(FIXTURE_NOW);
  await hq.attach(page);
  await page.goto(`${server.url}/${hash}`);
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
const rows = (page: Page) => page.locator('tbody tr[data-kiosk-id]');

test('sign-in: a 401 shows the login page, a wrong password says so, the right one opens the fleet; sign out', async ({ page }) => {
  const hq = new FakeHq();
  const errors = watchErrors(page);
  await open(page, hq, '#/', false);
  await expect(page.locator('[data-page="login"]')).toBeVisible();
  await expect(page.locator('[data-action="login"]')).toBeDisabled();
  await shot(page, 'login');

  await page.locator('[data-field="username"]').fill(hq.me.user.name);
  await page.locator('[data-field="password"]').fill('wrong');
  await page.locator('[data-action="login"]').click();
  await expect(page.locator('[data-login-error]')).toHaveText('用户名或密码错误');

  await page.locator('[data-field="password"]').fill(PASSWORD);
  await page.locator('[data-action="login"]').click();
  await expect(page.locator('[data-page="fleet"]')).toBeVisible();
  expect(hq.calls('POST', '/api/v1/login').at(-1)?.body).toEqual({ username: hq.me.user.name, password: PASSWORD });
  await expect(page.locator('.user-name')).toHaveText(hq.me.user.name);

  await page.reload(); // the cookie session survives: GET /me
  await expect(page.locator('[data-page="fleet"]')).toBeVisible();
  await page.locator('[data-action="logout"]').click();
  await expect(page.locator('[data-page="login"]')).toBeVisible();
  expect(hq.calls('POST', '/api/v1/logout')[0]?.headers['x-csrf-token']).toBe(hq.me.csrfToken);
  expect(errors).toEqual([]);
});

test('fleet: tiles count each state and filter; worst first; district, site and id filters; refresh moves nothing', async ({ page }) => {
  const hq = new FakeHq();
  const errors = watchErrors(page);
  await open(page, hq);
  await expect(rows(page)).toHaveCount(hq.kiosks.length);
  for (const state of ['in-service', 'degraded', 'out-of-service', 'out-of-hours', 'maintenance', 'locked', 'offline']) {
    const n = hq.kiosks.filter((k) => k.state === state).length;
    await expect(page.locator(`[data-state-count="${state}"] .tile-count`)).toHaveText(String(n));
  }
  const order = await Promise.all((await rows(page).all()).map((tr) => tr.getAttribute('data-health')));
  const rank = order.map((h) => ['red', 'amber', 'green'].indexOf(h!));
  expect(rank).toEqual([...rank].sort((a, b) => a - b));
  expect(order[0]).toBe('red');
  await expect(page.locator('tr[data-kiosk-id="SZ-FT-0012"]')).toContainText('12 秒前');
  await shot(page, 'fleet');

  // a refresh (the next poll) keeps every row where it was
  const before = await page.locator('tr[data-kiosk-id="SZ-FT-0012"]').boundingBox();
  const polls = hq.calls('GET', '/api/v1/kiosks').length;
  await expect.poll(() => hq.calls('GET', '/api/v1/kiosks').length, { timeout: 5000 }).toBeGreaterThan(polls);
  await page.waitForTimeout(200);
  expect(await page.locator('tr[data-kiosk-id="SZ-FT-0012"]').boundingBox()).toEqual(before);

  await page.locator('[data-state-count="offline"]').click();
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toHaveAttribute('data-kiosk-id', 'SZ-FT-0003');
  await expect(page.locator('[data-state-count="offline"]')).toHaveAttribute('aria-pressed', 'true');
  expect(page.url()).toContain('state=offline');
  await page.locator('[data-state-count="offline"]').click();
  await expect(rows(page)).toHaveCount(hq.kiosks.length);

  await page.locator('[data-filter="district"]').selectOption('南山区');
  await expect(rows(page)).toHaveCount(4);
  await expect(page.locator('[data-filter="site"] option')).toHaveText(['全部', '南山区公积金服务点', '南山区人民医院门诊楼', '蛇口街道便民服务站']);
  await page.locator('[data-filter="site"]').selectOption('南山区人民医院门诊楼');
  await expect(rows(page)).toHaveCount(2);
  await page.locator('[data-action="reset-filters"]').click();
  await page.locator('[data-filter="q"]').fill('lh-02');
  await expect(rows(page)).toHaveCount(3);
  await page.reload(); // filters live in the URL
  await expect(rows(page)).toHaveCount(3);
  await rows(page).first().click();
  await expect(page.locator('[data-page="kiosk"]')).toHaveAttribute('data-kiosk-id', /^SZ-LH-02/);
  expect(errors).toEqual([]);
});

test('kiosk detail: devices, link, timeline; a lock goes queued → delivered → succeeded with its result', async ({ page }) => {
  const hq = new FakeHq();
  const errors = watchErrors(page);
  await open(page, hq, '#/kiosks/SZ-FT-0012');
  const root = page.locator('[data-page="kiosk"][data-kiosk-id="SZ-FT-0012"]');
  await expect(root).toBeVisible();
  await expect(page.locator('[data-device="printer"]')).toHaveAttribute('data-device-state', 'fault');
  await expect(page.locator('[data-device="printer"]')).toContainText('打印机缺纸');
  // issue 11: noise on a line is shown, and is not a fault
  await expect(page.locator('[data-device="scanner"] [data-line-noise]')).toHaveText('线路有干扰（已忽略，未产生故障）');
  await expect(page.locator('[data-device="scanner"]')).toHaveAttribute('data-device-state', 'ok');
  await expect(page.locator('[data-device="printer"] [data-line-noise]')).toHaveCount(0);
  await expect(page.locator('[data-link-gaps]')).toContainText('1201–1214（14 条）');
  await expect(page.locator('[data-link]')).toContainText('+72.4 s');
  await expect(page.locator('[data-chart="alarm-timeline"] canvas')).toHaveCount(1);
  await expect(root.locator('tr[data-alarm-id]')).toHaveCount(2);
  await expect(page.locator('[data-command-type="reload-screen"]')).toHaveAttribute('data-command-status', 'succeeded');
  // issue 11: the recovery ladder's rungs, newest first, in words
  const rungs = page.locator('[data-section="recovery"] li');
  await expect(rungs).toHaveCount(3);
  await expect(rungs.first()).toHaveAttribute('data-recovery-outcome', 'recovered');
  await expect(rungs.first()).toContainText('重新加载界面');
  await expect(rungs.first()).toContainText('屏幕画面冻结');
  await expect(rungs.nth(2)).toHaveAttribute('data-recovery-outcome', 'no-effect');

  await page.locator('[data-action="lock"]').click();
  await expect.poll(() => hq.calls('POST', '/api/v1/kiosks/SZ-FT-0012/commands').length).toBe(1);
  const sent = hq.calls('POST', '/api/v1/kiosks/SZ-FT-0012/commands')[0]!;
  expect(sent.body).toEqual({ type: 'lock' });
  expect(sent.headers['x-csrf-token']).toBe(hq.me.csrfToken);
  const id = [...hq.commands.keys()][0]!;
  const cmd = page.locator(`[data-command-id="${id}"]`);
  await expect(cmd).toHaveAttribute('data-command-status', 'queued');
  hq.advance(id, 'delivered');
  await expect(cmd).toHaveAttribute('data-command-status', 'delivered');
  hq.advance(id, 'succeeded', '已锁定：当前无顾客业务，立即生效');
  await expect(cmd).toHaveAttribute('data-command-status', 'succeeded');
  await expect(cmd.locator('[data-command-result]')).toHaveText('已锁定：当前无顾客业务，立即生效');
  await expect(page.locator('[data-command-id]').first()).toHaveAttribute('data-command-id', id);
  await shot(page, 'kiosk');
  expect(errors).toEqual([]);
});

test('alarms: ack with a comment sends the CSRF header and the comment; clear; the audit trail shows both', async ({ page }) => {
  const hq = new FakeHq();
  const errors = watchErrors(page);
  await open(page, hq, '#/alarms');
  await expect(page.locator('[data-page="alarms"] tr[data-alarm-id]')).toHaveCount(hq.alarms.filter((a) => a.status.startsWith('active')).length);
  const row = page.locator('tr[data-alarm-id="al-1001"]');
  await expect(row).toHaveAttribute('data-alarm-code', 'PRINTER_PAPER_OUT');
  await expect(row).toContainText('打印机缺纸');
  await expect(row).toContainText('×3');
  await expect(row).toContainText('06-10 11:22:00'); // raised, kiosk time
  await expect(page.locator('tr[data-alarm-id]').first()).toHaveAttribute('data-alarm-code', /KIOSK_OFFLINE|SCREEN_BLACK/);
  await shot(page, 'alarms');

  await row.locator('[data-action="ack"]').click();
  const dialog = page.locator('[data-dialog="ack"]');
  await expect(dialog).toBeVisible();
  await dialog.locator('[data-field="comment"]').fill('已通知网点更换纸卷');
  await shot(page, 'ack-dialog');
  await dialog.locator('[data-action="confirm-ack"]').click();
  await expect(dialog).toHaveCount(0);
  const ack = hq.calls('POST', '/api/v1/alarms/al-1001/ack')[0]!;
  expect(ack.headers['x-csrf-token']).toBe(hq.me.csrfToken);
  expect(ack.body).toEqual({ comment: '已通知网点更换纸卷' });
  await expect(row).toHaveAttribute('data-alarm-status', 'active-ack');
  await expect(row).toContainText('已通知网点更换纸卷');
  await expect(row.locator('[data-action="ack"]')).toBeDisabled();

  await row.locator('[data-action="clear"]').click();
  await page.locator('[data-dialog="clear"] [data-action="confirm-clear"]').click();
  expect(hq.calls('POST', '/api/v1/alarms/al-1001/clear')[0]?.body).toEqual({});
  await expect(row).toHaveCount(0); // no longer active
  await page.locator('[data-filter-status="all"]').click();
  await expect(row).toHaveAttribute('data-alarm-status', 'cleared-ack');

  await page.locator('[data-nav="audit"]').click();
  await expect(page.locator('[data-page="audit"]')).toBeVisible();
  await expect(page.locator('tr[data-audit-id]').first()).toHaveAttribute('data-audit-action', 'alarm.clear');
  await expect(page.locator('tr[data-audit-id]').nth(1)).toContainText('已通知网点更换纸卷');
  await shot(page, 'audit');
  expect(errors).toEqual([]);
});

test('a viewer sees everything and can act on nothing', async ({ page }) => {
  const hq = new FakeHq();
  hq.role = 'viewer';
  await open(page, hq, '#/kiosks/SZ-FT-0012');
  for (const action of ['lock', 'unlock', 'reload-screen', 'ack', 'clear']) await expect(page.locator(`[data-action="${action}"]`).first()).toBeDisabled();
  await page.locator('[data-nav="alarms"]').click();
  await expect(page.locator('tr[data-alarm-id="al-1001"] [data-action="ack"]')).toBeDisabled();
});

test('strings from kiosks are shown as text, never markup (tables and the chart tooltip)', async ({ page }) => {
  const hq = new FakeHq();
  hq.kiosks[0]!.site = `宝安 ${XSS}`;
  hq.alarms[0]!.detail = XSS;
  hq.details[0]!.sessions[0]!.lastStep = XSS;
  hq.audit[0]!.detail = XSS;
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    void d.dismiss();
  });
  await open(page, hq);
  await expect(page.locator('tr[data-kiosk-id="SZ-FT-0012"]')).toContainText(XSS);
  await page.goto(`${server.url}/#/kiosks/SZ-FT-0012`);
  await expect(page.locator('tr[data-alarm-id="al-1001"]')).toContainText(XSS);
  await expect(page.locator('[data-session-outcome]').first()).toContainText(XSS);
  // hover the paper-out bar (row 3 of the chart: state, RENDERER_CRASHED, PRINTER_PAPER_OUT): it runs to now, the right edge
  const chart = page.locator('[data-chart="alarm-timeline"]');
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width - 40, box.y + 8 + 2.5 * 26);
  await expect(chart).toContainText(XSS);
  await page.goto(`${server.url}/#/audit`);
  await expect(page.locator('tr[data-audit-id]').first()).toContainText(XSS);
  expect(await page.locator('img').count()).toBe(0);
  expect(dialogs).toBe(0);
});

test('English on request, remembered across reloads', async ({ page }) => {
  const hq = new FakeHq();
  const errors = watchErrors(page);
  await open(page, hq);
  await expect(page.locator('[data-nav="fleet"]')).toHaveText('设备总览');
  await page.locator('[data-action="language"]').click();
  await expect(page.locator('[data-nav="fleet"]')).toHaveText('Fleet');
  await page.reload();
  await expect(page.locator('[data-state-count="offline"] .tile-label')).toHaveText('Offline');
  await expect(page.locator('tr[data-kiosk-id="SZ-FT-0012"]')).toContainText('12 s ago');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await shot(page, 'fleet-en');
  await page.locator('tr[data-kiosk-id="SZ-FT-0012"] a').click();
  await expect(page.locator('[data-device="printer"]')).toContainText('Printer out of paper');
  await expect(page.locator('[data-chart="alarm-timeline"] canvas')).toHaveCount(1);
  await shot(page, 'kiosk-en');
  await page.locator('[data-action="language"]').click();
  await expect(page.locator('[data-nav="fleet"]')).toHaveText('设备总览');
  expect(errors).toEqual([]);
});

test('polling stops while the tab is hidden and resumes when shown; a 401 returns to sign-in', async ({ page }) => {
  const hq = new FakeHq();
  await open(page, hq);
  await expect(rows(page)).toHaveCount(hq.kiosks.length);
  // a string: the Node types know no DOM
  const setHidden = (hidden: boolean) =>
    page.evaluate(`(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${hidden ? 'hidden' : 'visible'}' });
      document.dispatchEvent(new Event('visibilitychange'));
    })()`);
  await setHidden(true);
  const n = hq.calls('GET', '/api/v1/kiosks').length;
  await page.waitForTimeout(6000);
  expect(hq.calls('GET', '/api/v1/kiosks').length).toBe(n);
  await setHidden(false);
  await expect.poll(() => hq.calls('GET', '/api/v1/kiosks').length, { timeout: 1000 }).toBeGreaterThan(n);

  hq.signedIn = false; // the session expired at the server
  await expect(page.locator('[data-page="login"]')).toBeVisible({ timeout: 5000 });
});
