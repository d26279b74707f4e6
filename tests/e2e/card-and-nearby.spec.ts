/**
 * The citizen's card and the next person, end to end (the real renderer, bridge, agent, the
 * simulated ID reader and printer on PTYs): a card laid down before the service tile is read when
 * the session starts; a card left on the reader is mentioned ("请取回您的身份证") until it is lifted
 * and is never read into the next person's session; "附近可用的自助机" lists only the machines open
 * at the kiosk's (pinned) instant, nearest first, or says none is open and gives the hotline.
 */
import { test, expect, type Page } from '@playwright/test';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { startKioskStack, onScreen, tap, screenshot, LATE_EVENING_SHANGHAI, type KioskStack } from './kiosk-stack.ts';

const resident = SAMPLE_IDENTITIES.find((i) => i.id === 'resident')!.card;
const maskedName = `${resident.name.slice(0, 1)}**`;
/** Wednesday 2026-06-10, 10:00 in Asia/Shanghai: every nearby machine of the gov example is open */
const MORNING_SHANGHAI = Date.parse('2026-06-10T10:00:00+08:00');

const reminder = (page: Page) => page.locator('[data-testid="take-id-card"]');

async function open(page: Page, stack: KioskStack) {
  await page.goto(stack.url);
  await onScreen(page, 'home');
}

/** The agent's reader has read the card on it (its read went to nobody: no session yet). */
async function cardRead(stack: KioskStack) {
  await expect.poll(() => stack.kiosk.agent.devices.idReader?.hasCard, { message: 'the ID reader never read the card' }).toBe(true);
}

async function cardLifted(stack: KioskStack) {
  await stack.device('idReader', 'card-off');
  await expect.poll(() => stack.kiosk.agent.devices.idReader?.hasCard, { message: 'the ID reader never saw the card go' }).toBe(false);
}

async function nearbyNames(page: Page): Promise<string[]> {
  return page.locator('[data-testid="nearby"] .nearby-name').evaluateAll((els) => els.map((e) => (e.firstChild?.textContent ?? '').trim()));
}

test.describe("the citizen's ID card (government 24h kiosk)", () => {
  let stack: KioskStack;
  test.beforeAll(async () => {
    stack = await startKioskStack({ example: 'gov-24h', at: MORNING_SHANGHAI });
  });
  test.afterAll(async () => {
    await stack?.close();
  });

  test('laid down before the tile → read at session start; still on at the end → "请取回您的身份证" on the receipt, ended and home screens; lifted → gone', async ({ page }) => {
    await open(page, stack);
    await stack.device('idReader', 'card-on', { identity: 'resident' });
    await cardRead(stack);
    // a card laid down ready for the service is not "left behind"
    await expect(reminder(page)).toHaveCount(0);
    await screenshot(page, 'card-on-home-before-service');

    await tap(page, 'START_SERVICE:providentFundStatement');
    const period = await onScreen(page, 'pf.choosingPeriod');
    await expect(period).toContainText(maskedName);
    await expect(reminder(page)).toHaveCount(0);
    await tap(page, 'PERIOD_CHOSEN:last12');
    await onScreen(page, 'pf.preview');
    await tap(page, 'PRINT');
    await onScreen(page, 'pf.takingReceipt', 30_000);
    await expect(reminder(page)).toContainText('请取回您的身份证');
    await screenshot(page, 'card-take-receipt-and-card');

    await tap(page, 'TAKEN');
    await onScreen(page, 'ended');
    await expect(reminder(page)).toBeVisible();
    await screenshot(page, 'card-ended-card-left');
    await tap(page, 'HOME');
    await onScreen(page, 'home');
    await expect(reminder(page)).toContainText('请取回您的身份证');
    await screenshot(page, 'card-home-card-left');

    await cardLifted(stack);
    await expect(reminder(page)).toHaveCount(0);
    await screenshot(page, 'card-home-card-taken');
  });

  test("a card the previous person left is mentioned to the next one, never read into their session; laid down again, it is read", async ({ page }) => {
    await open(page, stack);
    await tap(page, 'START_SERVICE:providentFundStatement');
    await onScreen(page, 'pf.identifying');
    await stack.device('idReader', 'card-on', { identity: 'resident' });
    await onScreen(page, 'pf.choosingPeriod');
    await tap(page, 'CANCEL');
    await onScreen(page, 'ended');
    await expect(reminder(page)).toBeVisible();
    await tap(page, 'HOME');
    await onScreen(page, 'home');

    // the next person
    await tap(page, 'START_SERVICE:providentFundStatement');
    const identifying = await onScreen(page, 'pf.identifying');
    await expect(reminder(page)).toContainText('请取回您的身份证');
    await expect(reminder(page)).toContainText('请先取回，再放置您要使用的身份证');
    await expect(identifying).not.toContainText(maskedName);
    await screenshot(page, 'card-left-next-person-identifying');

    await cardLifted(stack);
    await expect(reminder(page)).toHaveCount(0);
    await stack.device('idReader', 'card-on', { identity: 'resident' });
    await onScreen(page, 'pf.choosingPeriod');
    await tap(page, 'CANCEL');
    await onScreen(page, 'ended');
    await cardLifted(stack);
    await expect(reminder(page)).toHaveCount(0);
    await tap(page, 'HOME');
    await onScreen(page, 'home');
  });

  test('nearby machines at 10:00: all open, nearest first, with their hours', async ({ page }) => {
    await open(page, stack);
    await stack.device('printer', 'paper-out');
    const out = await onScreen(page, 'out-of-service', 20_000);
    expect(await nearbyNames(page)).toEqual(['福田区政务服务中心 二楼 自助终端', '莲花街道党群服务中心 自助终端', '福田区行政服务大厅 自助终端']);
    await expect(out).toContainText('周一至周五 09:00–18:00');
    await expect(out).toContainText('营业至今天 18:00');
    await screenshot(page, 'nearby-out-of-service-1000');
    await stack.device('printer', 'load-paper');
    await onScreen(page, 'home', 20_000);
  });
});

test.describe('nearby machines at 21:40', () => {
  test('hospital lockout: only the 24-hour machine, not the 07:00–20:00 one', async ({ page }) => {
    const stack = await startKioskStack({ example: 'hospital-lobby', at: LATE_EVENING_SHANGHAI });
    try {
      await page.goto(stack.url);
      const lockout = await onScreen(page, 'out-of-hours');
      expect(await nearbyNames(page)).toEqual(['急诊大厅 自助机']);
      await expect(lockout).not.toContainText('门诊楼二楼');
      await screenshot(page, 'nearby-out-of-hours-2140');
    } finally {
      await stack.close();
    }
  });

  test('government kiosk out of service with only office-hours machines nearby: "附近暂无营业中的自助机" and the hotline', async ({ page }) => {
    const stack = await startKioskStack({
      example: 'gov-24h',
      at: LATE_EVENING_SHANGHAI,
      patch: (raw) => {
        const ui = raw.ui as { nearbyKiosks: { name: string }[] };
        ui.nearbyKiosks = ui.nearbyKiosks.filter((k) => !k.name.startsWith('莲花街道'));
      },
    });
    try {
      await page.goto(stack.url);
      await onScreen(page, 'home');
      await stack.device('printer', 'paper-out');
      const out = await onScreen(page, 'out-of-service', 20_000);
      expect(await nearbyNames(page)).toEqual([]);
      await expect(page.locator('[data-testid="no-nearby"]')).toHaveText('附近暂无营业中的自助机，请拨打服务热线 12345 咨询。');
      await expect(out).not.toContainText('行政服务大厅');
      await screenshot(page, 'nearby-none-open-2140');
    } finally {
      await stack.close();
    }
  });
});
