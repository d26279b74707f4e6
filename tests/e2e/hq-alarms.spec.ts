/**
 * The whole path, end to end: a fault injected in the hardware simulator → the real agent → its
 * signed HQ link → the real HQ server on an SQLite file → an alarm in the real console in Chromium,
 * acknowledged and cleared there. Also "prints nothing", a remote lock from the console, a killed
 * renderer (the agent's own Chromium shell) and a stopped agent (KIOSK_OFFLINE). Screenshots of the
 * console land in test-results/hq-e2e/.
 *
 * One clock for HQ and kiosks, pinned at Wednesday 2026-06-10 12:00 Asia/Shanghai (a kiosk's clock
 * far from HQ's would be CLOCK_SKEW, rightly); the console's page clock is pinned too.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHqServer, type RunningHq } from '../../hq/server/server.ts';
import { enrollKiosk } from '../../hq/server/kiosks/enroll.ts';
import { createUser } from '../../hq/server/auth/index.ts';
import { SIM_STAFF_PIN } from '../../runtime/sim-config.ts';
import type { ChromiumShell } from '../../runtime/shell/chromium.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { processTree } from '../listening-sockets.ts';
import { onScreen, startKioskStack, tap, toStatementPreview, type KioskStack } from './kiosk-stack.ts';

const OPS = { name: 'ops-e2e', password: 'a long operator password' };
const GOV = 'sz-futian-gov-0001';
const shot = (page: Page, name: string) => page.screenshot({ path: join('test-results', 'hq-e2e', `${name}.png`) });

async function consolePage(browser: Browser, hq: RunningHq): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  await page.clock.setFixedTime(NOON_SHANGHAI);
  await page.goto(hq.url);
  await page.locator('[data-field="username"]').fill(OPS.name);
  await page.locator('[data-field="password"]').fill(OPS.password);
  await page.locator('[data-action="login"]').click();
  await page.locator('[data-page="fleet"]').waitFor();
  return page;
}

async function kioskPage(browser: Browser, stack: KioskStack): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  await page.goto(stack.url);
  await onScreen(page, 'home');
  return page;
}

/**
 * A real HQ on an SQLite file with an operator, and the gov-24h kiosk enrolled in it and reporting
 * every second — on one clock pinned at Wednesday 12:00 in Shanghai for both.
 */
async function hqWithKiosk(o: Pick<Parameters<typeof startKioskStack>[0], 'patch' | 'shell'>) {
  const now = pinnedNow(NOON_SHANGHAI);
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-hq-e2e-'));
  const hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now, offlineCheckMs: 250 });
  try {
    await createUser(hq.db, { name: OPS.name, role: 'operator', password: OPS.password });
    const secret = await enrollKiosk(hq.db, { id: GOV, site: 'futian-gov-service-center', district: '福田区', address: '福田区福中三路 政务服务中心一楼东侧' }, now);
    const stack = await startKioskStack({ example: 'gov-24h', now, hq: { url: hq.url, secret, heartbeatSeconds: 1 }, ...o });
    return { dir, hq, stack };
  } catch (e) {
    await closeAll(dir, hq, undefined);
    throw e;
  }
}

async function closeAll(dir: string | undefined, hq: RunningHq | undefined, stack: KioskStack | undefined) {
  await stack?.close();
  await hq?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}

const alarmRow = (page: Page, code: string) => page.locator(`[data-page="alarms"] tr[data-alarm-code="${code}"]`).first();

/** The console's alarm list (all statuses), waiting for `code` to show `status`. */
async function expectAlarm(page: Page, code: string, status: string | RegExp, timeout = 15_000) {
  if (!(await page.locator('[data-page="alarms"]').isVisible())) {
    await page.locator('[data-nav="alarms"]').click();
    await page.locator('[data-page="alarms"]').waitFor();
  }
  await page.locator('[data-filter-status="all"]').click();
  await expect(alarmRow(page, code)).toHaveAttribute('data-alarm-status', status, { timeout });
}

async function alarmAction(page: Page, code: string, action: 'ack' | 'clear', comment: string) {
  await alarmRow(page, code).locator(`[data-action="${action}"]`).click();
  await page.locator(`[data-dialog="${action}"] [data-field="comment"]`).fill(comment);
  await page.locator(`[data-action="confirm-${action}"]`).click();
}

test.describe('kiosk faults become alarms ops staff see and act on in the HQ console', () => {
  let dir: string;
  let hq: RunningHq;
  let stack: KioskStack;

  test.beforeAll(async () => {
    ({ dir, hq, stack } = await hqWithKiosk({
      // the kiosk gives up on a missing completion after 3 s instead of 20 s
      patch: (raw) => Object.assign((raw.devices as { printer: Record<string, unknown> }).printer, { completionTimeoutMs: 3_000 }),
    }));
  });
  test.afterAll(() => closeAll(dir, hq, stack));

  test('paper out: the alarm appears, is acknowledged with a comment, and clears when paper is loaded', async ({ browser }) => {
    const ops = await consolePage(browser, hq);
    await expect(ops.locator(`tr[data-kiosk-id="${GOV}"]`)).toHaveAttribute('data-state', 'in-service', { timeout: 15_000 });
    await shot(ops, 'fleet-in-service');

    await stack.device('printer', 'paper-out');
    await expectAlarm(ops, 'PRINTER_PAPER_OUT', 'active-unack');
    await shot(ops, 'paper-out-alarm');
    await alarmAction(ops, 'PRINTER_PAPER_OUT', 'ack', '已通知网点换纸');
    await expectAlarm(ops, 'PRINTER_PAPER_OUT', 'active-ack');
    await expect(alarmRow(ops, 'PRINTER_PAPER_OUT')).toContainText('已通知网点换纸');

    await stack.device('printer', 'load-paper');
    await expectAlarm(ops, 'PRINTER_PAPER_OUT', 'cleared-ack');
    await shot(ops, 'paper-out-cleared');
    // the acknowledgement is in the audit trail, with who and the comment
    await ops.locator('[data-nav="audit"]').click();
    await expect(ops.locator('[data-page="audit"] tr[data-audit-action]').first()).toContainText(OPS.name);
    await ops.context().close();
  });

  test('a printer that prints nothing: PRINTER_NOT_DELIVERING after two receipts that never came out, cleared by a verified test print', async ({ browser }) => {
    test.setTimeout(150_000);
    const ops = await consolePage(browser, hq);
    const screen = await kioskPage(browser, stack);
    await stack.device('printer', 'prints-nothing', { mode: 'stalled' });
    for (const n of [1, 2]) {
      await toStatementPreview(screen, stack);
      await tap(screen, 'PRINT');
      await onScreen(screen, 'pf.undelivered', 30_000);
      await tap(screen, 'DONE');
      if (n === 1) {
        await onScreen(screen, 'ended');
        await tap(screen, 'HOME');
        await onScreen(screen, 'home');
      }
    }
    await expectAlarm(ops, 'PRINTER_NOT_DELIVERING', 'active-unack');
    await shot(ops, 'not-delivering-alarm');

    // the technician fixes it and proves it with a test print the printer confirms
    await stack.device('printer', 'prints-nothing', { mode: 'off' });
    await onScreen(screen, 'out-of-service', 20_000);
    await screen.getByTestId('staff-button').click();
    await onScreen(screen, 'pin');
    for (const d of SIM_STAFF_PIN) await screen.getByTestId(`pin-key-${d}`).click();
    await tap(screen, 'STAFF_PIN');
    const maintenance = await onScreen(screen, 'maintenance', 20_000);
    await tap(screen, 'TEST_PRINT');
    await expect(maintenance.locator('.maint-status')).toContainText('测试打印成功', { timeout: 20_000 });
    await expectAlarm(ops, 'PRINTER_NOT_DELIVERING', 'cleared-unack');
    await alarmAction(ops, 'PRINTER_NOT_DELIVERING', 'ack', '已修复出纸通道');
    await expectAlarm(ops, 'PRINTER_NOT_DELIVERING', 'cleared-ack');
    await tap(screen, 'EXIT_MAINTENANCE');
    await onScreen(screen, 'home', 20_000);
    await ops.context().close();
    await screen.context().close();
  });

  test('a remote lock from the console: the kiosk shows its locked screen, the command reports success; unlock brings it back', async ({ browser }) => {
    const ops = await consolePage(browser, hq);
    const screen = await kioskPage(browser, stack);
    await ops.locator(`tr[data-kiosk-id="${GOV}"] a`).first().click();
    await ops.locator(`[data-page="kiosk"][data-kiosk-id="${GOV}"]`).waitFor();
    await ops.locator('[data-action="lock"]').click();
    await expect(ops.locator('li[data-command-type="lock"]').first()).toHaveAttribute('data-command-status', 'succeeded', { timeout: 15_000 });
    await onScreen(screen, 'locked');
    await expect(ops.locator(`[data-page="kiosk"]`)).toHaveAttribute('data-state', 'locked', { timeout: 10_000 });
    await shot(ops, 'remote-lock');
    await ops.locator('[data-action="unlock"]').click();
    await expect(ops.locator('li[data-command-type="unlock"]').first()).toHaveAttribute('data-command-status', 'succeeded', { timeout: 15_000 });
    await onScreen(screen, 'home');
    await ops.context().close();
    await screen.context().close();
  });

  test('a stopped agent: KIOSK_OFFLINE after three missed heartbeats, the kiosk shown offline', async ({ browser }) => {
    const ops = await consolePage(browser, hq);
    await stack.kiosk.stop('the test stops the agent');
    await expectAlarm(ops, 'KIOSK_OFFLINE', 'active-unack');
    await ops.locator('[data-nav="fleet"]').click();
    await expect(ops.locator(`tr[data-kiosk-id="${GOV}"]`)).toHaveAttribute('data-state', 'offline', { timeout: 10_000 });
    await shot(ops, 'kiosk-offline');
    await ops.context().close();
  });
});

test.describe('a killed renderer on a kiosk with its own Chromium shell', () => {
  let dir: string;
  let hq: RunningHq;
  let stack: KioskStack;

  test.beforeAll(async () => {
    ({ dir, hq, stack } = await hqWithKiosk({ shell: 'chromium' }));
  });
  test.afterAll(() => closeAll(dir, hq, stack));

  test('RENDERER_CRASHED reaches the console, and clears when the shell has the page back', async ({ browser }) => {
    const ops = await consolePage(browser, hq);
    // kill the renderer process itself (SIGKILL, by pid): what an OOM kill or a crash does to the kiosk's page
    const kioskBrowser = (stack.kiosk.shell as ChromiumShell).pid!;
    const renderers = processTree(kioskBrowser).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
      } catch {
        return false;
      }
    });
    expect(renderers.length).toBeGreaterThan(0);
    for (const pid of renderers) process.kill(pid, 'SIGKILL');
    await expectAlarm(ops, 'RENDERER_CRASHED', 'active-unack');
    await shot(ops, 'renderer-crashed');
    await expectAlarm(ops, 'RENDERER_CRASHED', 'cleared-unack', 30_000);
    await ops.context().close();
  });

  test('issue 11: an overlay drawn over the kiosk page → SCREEN_COVERED in the console with the frame the kiosk sent; cleared after the reload', async ({ browser }) => {
    const ops = await consolePage(browser, hq);
    // the watchdog judges again (the crash's recovery has its grace, 15 s by default)
    await expect.poll(() => stack.kiosk.watchdog!.graceLeftMs, { timeout: 30_000 }).toBe(0);
    await (stack.kiosk.shell as ChromiumShell).page!.evaluate(`(() => {
      const d = document.createElement('div');
      d.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:#f3f3f3;padding:80px;font:40px sans-serif';
      d.innerHTML = '<div style="background:#0078d4;color:#fff;padding:40px">Working on updates 32%</div>';
      document.body.appendChild(d);
    })()`);
    // (the reload that recovers it may clear it before the console's next poll: raised is enough here)
    await expectAlarm(ops, 'SCREEN_COVERED', /^(active|cleared)-unack$/);
    const frame = alarmRow(ops, 'SCREEN_COVERED').locator('img[data-alarm-frame="shown"]');
    await expect.poll(() => frame.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(108);
    await shot(ops, 'screen-covered');
    await expectAlarm(ops, 'SCREEN_COVERED', 'cleared-unack', 30_000);
    await ops.context().close();
  });
});
