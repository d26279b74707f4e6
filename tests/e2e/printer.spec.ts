/**
 * "The machine said printed, no paper came out", end to end: the simulated printer on a PTY keeps a
 * clean status and prints nothing; the real renderer in Debian's Chromium, the real bridge and agent.
 * Every step's screen is screenshotted under test-results/e2e/.
 */
import { test, expect, type Page } from '@playwright/test';
import { SIM_STAFF_PIN } from '../../runtime/sim-config.ts';
import { startKioskStack, onScreen, tap, screenshot, toStatementPreview, type KioskStack } from './kiosk-stack.ts';

/** A statement printed on the gov-24h kiosk; returns on the screen the print ends on. */
async function printStatement(page: Page, stack: KioskStack, shots?: string) {
  await toStatementPreview(page, stack);
  await tap(page, 'PRINT');
  const printing = await onScreen(page, 'pf.printing');
  // not a bare spinner: how far it should be, and how long the kiosk still waits
  const progress = printing.getByTestId('print-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toContainText(/如 \d+ 秒 后仍未出纸/);
  if (shots) await screenshot(page, `${shots}-printing`);
}

test.describe('a printer that prints nothing (gov-24h kiosk)', () => {
  let stack: KioskStack;
  test.beforeAll(async () => {
    stack = await startKioskStack({
      example: 'gov-24h',
      // the kiosk gives up on a missing completion after 3 s instead of 20 s
      patch: (raw) => Object.assign((raw.devices as { printer: Record<string, unknown> }).printer, { completionTimeoutMs: 3_000 }),
    });
  });
  test.afterAll(async () => {
    await stack?.close();
  });

  test('two statements that never come out: "check the outlet", printing no longer offered with the reason; the staff screen shows the jobs and a verified test print brings it back', async ({ page }) => {
    test.setTimeout(150_000);
    await page.goto(stack.url);
    await onScreen(page, 'home');
    await stack.device('printer', 'prints-nothing', { mode: 'stalled' });

    for (const n of [1, 2]) {
      await printStatement(page, stack, n === 1 ? 'printer-stalled' : undefined);
      const undelivered = await onScreen(page, 'pf.undelivered', 30_000);
      // sent, then no completion: part of it may be in the outlet, with a name on it
      await expect(undelivered.getByTestId('check-tray')).toContainText('请检查出纸口，取走已打印的部分');
      if (n === 1) await screenshot(page, 'printer-stalled-undelivered');
      await tap(page, 'DONE');
      if (n === 1) {
        await onScreen(page, 'ended');
        await tap(page, 'HOME');
        await onScreen(page, 'home');
      }
    }

    // the only service needs the printer: the kiosk is out of service, and says why
    const out = await onScreen(page, 'out-of-service', 20_000);
    await expect(out).toContainText('打印机不出纸');
    await screenshot(page, 'printer-not-delivering-out-of-service');

    // staff: the printer's fault and the jobs that did not come out
    await page.getByTestId('staff-button').click();
    await onScreen(page, 'pin');
    for (const d of SIM_STAFF_PIN) await page.getByTestId(`pin-key-${d}`).click();
    await tap(page, 'STAFF_PIN');
    const maintenance = await onScreen(page, 'maintenance', 20_000);
    await expect(maintenance.locator('.device-row.device-fault')).toContainText('PRINTER_NOT_DELIVERING');
    const jobs = maintenance.getByTestId('recent-print-jobs');
    await expect(jobs.locator('.job-row.job-failed')).toHaveCount(2);
    await expect(jobs.locator('.job-row').first()).toContainText('公积金缴存明细');
    await screenshot(page, 'printer-not-delivering-staff');

    // the technician fixes the mechanism and proves it with a test print the printer confirms
    await stack.device('printer', 'prints-nothing', { mode: 'off' });
    await tap(page, 'TEST_PRINT');
    await expect(maintenance.locator('.maint-status')).toContainText('测试打印成功', { timeout: 20_000 });
    await expect(jobs.locator('.job-row').first()).toContainText('测试页');
    await expect(jobs.locator('.job-row').first()).toContainText('已出纸');
    await expect(maintenance.locator('.device-row.device-ok')).toHaveCount(await maintenance.locator('.device-row').count(), { timeout: 20_000 });
    await screenshot(page, 'printer-test-print-cleared');
    expect(stack.hw.printer.receiptText(stack.hw.printer.lastReceipt()!)).toContain('中文 GB18030：公积金 挂号');

    await tap(page, 'EXIT_MAINTENANCE');
    await onScreen(page, 'home', 20_000);
    await expect(page.locator('[data-action="START_SERVICE:providentFundStatement"]')).toBeEnabled();
  });
});
