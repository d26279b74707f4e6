/**
 * The kiosk asks HQ (issue 10), end to end through the real renderer, agent, signed link, HQ on an
 * SQLite file and the console in Chromium:
 *
 * - 求助 on the kiosk → HELP_REQUESTED in the console with the screen and step → an operator answers
 *   in the alarm's dialog → the text on the kiosk screen within seconds (the kiosk beats only every
 *   30 s: the link asks every 2 s while a person waits) → shown, in the alarm's history → handled.
 * - the same button on a flow screen in 长辈模式.
 * - a locked kiosk lists the kiosks HQ says are usable now ("此刻可用"), nearest first.
 *
 * One clock for HQ and kiosk, pinned at Wednesday 2026-06-10 12:00 Asia/Shanghai; the console's page
 * clock is pinned too. Screenshots in test-results/hq/.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { test, expect, type Browser, type Page } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHqServer, type RunningHq } from '../../hq/server/server.ts';
import { enrollKiosk } from '../../hq/server/kiosks/enroll.ts';
import { createUser } from '../../hq/server/auth/index.ts';
import { IngestKiosk } from '../../hq/server/testing.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { signedInConsole } from './console-login.ts';
import { onScreen, startKioskStack, tap, type KioskStack } from './kiosk-stack.ts';

const OPS = { name: 'ops-help', password: 'a long operator password' };
const GOV = 'sz-futian-gov-0001';
const HERE = { lat: 22.5431, lng: 114.0579 };
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;
const north = (m: number) => ({ lat: HERE.lat + m / M_PER_DEG, lng: HERE.lng });
const shot = (page: Page, name: string) => page.screenshot({ path: join('test-results', 'hq', `${name}.png`) });
const ANSWER = '工作人员马上到，请在原地稍候。';

/** axe's serious and critical findings on the page as it is */
async function accessibilityProblems(page: Page): Promise<string[]> {
  const axe = await new AxeBuilder({ page }).analyze();
  return axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test.describe('the kiosk asks HQ: 求助 and the kiosks near', () => {
  let dir: string;
  let hq: RunningHq;
  let stack: KioskStack;
  const now = pinnedNow(NOON_SHANGHAI);
  const neighbours: IngestKiosk[] = [];

  /** the neighbours say they are in service now (HQ offers only kiosks heard from lately) */
  const neighboursBeat = async () => {
    for (const k of neighbours) expect((await k.send(hq.url, [k.heartbeat({ services: { providentFundStatement: { usable: true } } })])).status).toBe(200);
  };

  test.beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-hq-help-e2e-'));
    hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now, offlineCheckMs: 250 });
    await createUser(hq.db, { name: OPS.name, role: 'operator', password: OPS.password });
    const secret = await enrollKiosk(hq.db, { id: GOV, site: '福田区政务服务中心', district: '福田区', address: '福中三路 政务服务中心一楼东侧', ...HERE }, now);
    const places: [string, string, string, number][] = [
      ['sz-futian-lianhua-0001', '莲花街道党群服务中心', '景田北路 1 号 一楼大厅', 1_200],
      ['sz-futian-citizen-0002', '市民中心 B 区', '福中路 市民中心 B 区 一楼', 650],
    ];
    for (const [id, site, address, m] of places) neighbours.push(new IngestKiosk(id, await enrollKiosk(hq.db, { id, site, district: '福田区', address, ...north(m) }, now), now));
    await neighboursBeat();
    stack = await startKioskStack({ example: 'gov-24h', now, hq: { url: hq.url, secret, heartbeatSeconds: 30 } });
  });
  test.afterAll(async () => {
    await stack?.close();
    await hq?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const consolePage = (browser: Browser) => signedInConsole(browser, { url: hq.url, user: OPS, at: NOON_SHANGHAI });

  async function kioskPage(browser: Browser): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    await page.goto(stack.url);
    await onScreen(page, 'home');
    return page;
  }

  const helpRow = (ops: Page) => ops.locator('[data-page="alarms"] tr[data-alarm-code="HELP_REQUESTED"]').first();

  test('求助 → HELP_REQUESTED in the console → an answer on the kiosk screen within seconds → handled', async ({ browser }) => {
    const ops = await consolePage(browser);
    const screen = await kioskPage(browser);
    const overlay = screen.getByTestId('help-overlay');

    await tap(screen, 'HELP');
    await expect(overlay).toHaveAttribute('data-help-state', 'sent', { timeout: 5_000 });
    await expect(overlay).toContainText('已通知工作人员，请稍候');
    await shot(screen, 'kiosk-help-sent');
    expect(await accessibilityProblems(screen)).toEqual([]);
    // closed while waiting: the button says a request is open; pressed again: the same request
    await tap(screen, 'HELP_CLOSE');
    await expect(overlay).toHaveCount(0);
    await expect(screen.locator('[data-action="HELP"]')).toHaveAttribute('aria-pressed', 'true');
    await expect(screen.locator('[data-action="HELP"]')).toContainText('已求助');
    await shot(screen, 'kiosk-help-waiting-home');

    await ops.locator('[data-nav="alarms"]').click();
    await expect(helpRow(ops)).toHaveAttribute('data-alarm-status', 'active-unack', { timeout: 10_000 });
    await expect(helpRow(ops)).toContainText('现场求助');
    await expect(helpRow(ops)).toContainText('help asked on screen home, step inService');
    await shot(ops, 'console-help-alarm');

    await helpRow(ops).locator('[data-action="answer"]').click();
    const dialog = ops.locator('[data-dialog="help-answer"]');
    await expect(dialog.locator('[data-field="help-screen"]')).toHaveText('home');
    await dialog.locator('[data-field="help-text"]').fill(ANSWER);
    await shot(ops, 'console-help-answer-dialog');
    await dialog.locator('[data-action="help-send"]').click();
    const started = Date.now();
    await expect(screen.getByTestId('help-answer')).toHaveText(ANSWER, { timeout: 10_000 });
    expect(Date.now() - started, 'the answer took longer than a few seconds').toBeLessThan(6_000);
    await expect(overlay).toHaveAttribute('data-help-state', 'answered');
    await shot(screen, 'kiosk-help-answer');
    expect(await accessibilityProblems(screen)).toEqual([]);

    // in the alarm's history: shown on the kiosk; the alarm acknowledged with the answer
    await expect(dialog.locator('li[data-help-answer]').first()).toHaveAttribute('data-command-status', 'succeeded', { timeout: 10_000 });
    await expect(dialog.locator('li[data-help-answer]').first()).toContainText(ANSWER);
    await shot(ops, 'console-help-answered');
    await dialog.locator('[data-field="help-text"]').fill('已现场处理');
    await dialog.locator('[data-action="help-handled"]').click();
    await ops.locator('[data-filter-status="all"]').click();
    await expect(helpRow(ops)).toHaveAttribute('data-alarm-status', 'cleared-ack', { timeout: 10_000 });
    await expect(helpRow(ops)).toContainText('已现场处理');
    await shot(ops, 'console-help-handled');

    await tap(screen, 'HELP_CLOSE');
    await expect(overlay).toHaveCount(0);
    await expect(screen.locator('[data-action="HELP"]')).toHaveAttribute('aria-pressed', 'false');
    await ops.context().close();
    await screen.context().close();
  });

  test('the same 求助 button on a flow screen in 长辈模式', async ({ browser }) => {
    const screen = await kioskPage(browser);
    await screen.locator('[data-action="SET_ELDERLY:on"]').click();
    await tap(screen, 'START_SERVICE:providentFundStatement');
    await onScreen(screen, 'pf.identifying');
    await expect(screen.locator('[data-screen="pf.identifying"]')).toHaveAttribute('data-elderly', 'true');
    await shot(screen, 'kiosk-help-button-elderly');
    await tap(screen, 'HELP');
    await expect(screen.getByTestId('help-overlay')).toHaveAttribute('data-help-state', 'sent', { timeout: 5_000 });
    await shot(screen, 'kiosk-help-sent-elderly');
    expect(await accessibilityProblems(screen)).toEqual([]);
    await tap(screen, 'HELP_CLOSE');
    await tap(screen, 'CANCEL');
    await screen.context().close();
  });

  test('a locked kiosk lists the kiosks HQ says are usable now, nearest first', async ({ browser }) => {
    await neighboursBeat();
    const screen = await kioskPage(browser);
    stack.kiosk.agent.kiosk!.remoteLock('设备巡检');
    const locked = await onScreen(screen, 'locked');
    const live = locked.locator('.nearby-item[data-live="true"]');
    await expect(live).toHaveCount(2, { timeout: 10_000 });
    await expect(live.nth(0)).toContainText('市民中心 B 区');
    await expect(live.nth(0)).toContainText('此刻可用');
    await expect(live.nth(0)).toContainText('650');
    await expect(live.nth(1)).toContainText('莲花街道党群服务中心');
    await shot(screen, 'kiosk-nearby-live-locked');
    stack.kiosk.agent.kiosk!.remoteUnlock();
    await onScreen(screen, 'home');
    await screen.context().close();
  });
});
