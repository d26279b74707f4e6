/**
 * Both service flows end to end through the real renderer (built), the real bridge, the agent
 * and the simulated devices on PTYs, driven by clicks in Debian's Chromium. Every step's screen
 * is screenshotted under test-results/e2e/.
 */
import { test, expect, type Page } from '@playwright/test';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { startKioskStack, onScreen, tap, screenshot, toStatementPreview, NOON_SHANGHAI, NIGHT_SHANGHAI, LATE_EVENING_SHANGHAI, type KioskStack } from './kiosk-stack.ts';

const resident = SAMPLE_IDENTITIES.find((i) => i.id === 'resident')!.card;
const maskedName = `${resident.name.slice(0, 1)}**`;
const maskedId = `${resident.idNumber.slice(0, 4)}**********${resident.idNumber.slice(-4)}`;

async function open(page: Page, stack: KioskStack) {
  await page.goto(stack.url);
  await onScreen(page, 'home');
}

/** the order the kiosk just created at the simulated gateway */
async function latestOrder(stack: KioskStack): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const o = stack.bo.payment.ledger().orders.at(-1);
    if (o) return o.outTradeNo;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no order was created at the payment gateway');
}

test.describe('government 24h kiosk (provident-fund statement)', () => {
  let stack: KioskStack;
  test.beforeAll(async () => {
    stack = await startKioskStack({ example: 'gov-24h' });
  });
  test.afterAll(async () => {
    await stack?.close();
  });

  test('ID card placed → statement previewed (masked) → printed, delivery verified → "please take your receipt" → taken → home', async ({ page }) => {
    await open(page, stack);
    await screenshot(page, 'gov-home');
    await tap(page, 'START_SERVICE:providentFundStatement');
    await onScreen(page, 'pf.identifying');
    await screenshot(page, 'pf-identifying');
    await stack.device('idReader', 'card-on', { identity: 'resident' });
    const period = await onScreen(page, 'pf.choosingPeriod');
    await stack.device('idReader', 'card-off');
    await expect(period).toContainText(maskedName);
    await screenshot(page, 'pf-choosing-period');
    await tap(page, 'PERIOD_CHOSEN:last12');
    const preview = await onScreen(page, 'pf.preview');
    await expect(preview).toContainText(maskedId);
    await expect(page.locator('body')).not.toContainText(resident.idNumber);
    await screenshot(page, 'pf-preview');
    await tap(page, 'PRINT');
    await onScreen(page, 'pf.takingReceipt', 30_000);
    await screenshot(page, 'pf-take-receipt');
    const printed = stack.hw.printer.receiptText(stack.hw.printer.lastReceipt()).replace(/[ \t]+/g, '');
    expect(printed).toContain('住房公积金缴存明细');
    await tap(page, 'TAKEN');
    await onScreen(page, 'ended');
    await screenshot(page, 'pf-ended');
    await tap(page, 'HOME');
    await onScreen(page, 'home');
  });

  test('paper runs out mid-print: the kiosk says the receipt did not come out and where else to go; the tile then shows why it is unavailable', async ({ page }) => {
    await open(page, stack);
    await toStatementPreview(page, stack);
    await stack.device('printer', 'paper-out', { afterMm: 20 });
    await tap(page, 'PRINT');
    const undelivered = await onScreen(page, 'pf.undelivered', 40_000);
    await expect(undelivered).toContainText('12345');
    await expect(undelivered).toContainText('莲花街道');
    await screenshot(page, 'pf-undelivered-paper-out');
    await tap(page, 'DONE');
    const out = await onScreen(page, 'out-of-service', 20_000);
    await expect(out).toContainText('缺纸');
    await screenshot(page, 'gov-out-of-service-paper');
    await stack.device('printer', 'load-paper');
    await onScreen(page, 'home', 20_000);
  });

  test('elderly mode and English: chosen on the home screen, kept for that session, forgotten after it', async ({ page }) => {
    await open(page, stack);
    await tap(page, 'SET_LOCALE:en');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await tap(page, 'SET_ELDERLY:on');
    await expect(page.locator('[data-elderly="true"]').first()).toBeVisible();
    await screenshot(page, 'home-en-elderly');
    await tap(page, 'START_SERVICE:providentFundStatement');
    const identifying = await onScreen(page, 'pf.identifying');
    await expect(identifying).toContainText(/ID card/i);
    await expect(page.locator('[data-elderly="true"]').first()).toBeVisible();
    await screenshot(page, 'pf-identifying-en-elderly');
    // buttons are larger for elderly people
    const box = await page.locator('[data-action="CANCEL"]').first().boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(88);
    await tap(page, 'CANCEL');
    await onScreen(page, 'ended');
    await tap(page, 'HOME');
    await onScreen(page, 'home');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.locator('[data-elderly="true"]')).toHaveCount(0);
  });
});

test.describe('idle reset', () => {
  let stack: KioskStack;
  test.beforeAll(async () => {
    stack = await startKioskStack({
      example: 'gov-24h',
      patch: (raw) => {
        (raw.ui as Record<string, unknown>).idle = { timeoutSeconds: 15, warningSeconds: 6, elderlyTimeoutSeconds: 30 };
      },
    });
  });
  test.afterAll(async () => {
    await stack?.close();
  });

  test('nobody touches the screen: a visible countdown, a touch keeps the session, then without one it goes home', async ({ page }) => {
    test.setTimeout(90_000);
    await open(page, stack);
    await tap(page, 'START_SERVICE:providentFundStatement');
    await onScreen(page, 'pf.identifying');
    const warning = page.getByTestId('idle-warning');
    await warning.waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot(page, 'idle-warning');
    await warning.locator('[data-action="TOUCH"]').click();
    await expect(warning).toBeHidden();
    await onScreen(page, 'pf.identifying');
    await warning.waitFor({ state: 'visible', timeout: 15_000 });
    await onScreen(page, 'home', 15_000);
  });
});

/**
 * The hospital machine with its real hours (Wed 07:00–20:00 Shanghai), its clock pinned at three
 * instants of one Wednesday: 02:00 (18:00 UTC on Tuesday: the UTC and Shanghai dates differ), 12:00
 * and 21:40. The suite sees the same three kiosks whenever it runs.
 */
const HOSPITAL_DAY = [
  { label: '02:00 Shanghai (Tuesday in UTC)', at: NIGHT_SHANGHAI, open: false, opens: '今天 07:00' },
  { label: '12:00 Shanghai', at: NOON_SHANGHAI, open: true, opens: null },
  { label: '21:40 Shanghai', at: LATE_EVENING_SHANGHAI, open: false, opens: '明天 07:00' },
] as const;

for (const instant of HOSPITAL_DAY) {
  test.describe(`hospital machine's own hours at ${instant.label}`, () => {
    let stack: KioskStack;
    test.beforeAll(async () => {
      stack = await startKioskStack({ example: 'hospital-lobby', at: instant.at });
    });
    test.afterAll(async () => {
      await stack?.close();
    });

    test(instant.open ? 'open: registration is offered' : `closed: the lockout says hours, next opening (${instant.opens}), other machines and 12345; no service can start`, async ({ page }) => {
      await page.goto(stack.url);
      if (instant.open) {
        await onScreen(page, 'home');
        await expect(page.locator('[data-action="START_SERVICE:hospitalRegistration"]')).toBeEnabled();
        return;
      }
      const lockout = await onScreen(page, 'out-of-hours');
      await expect(lockout).toContainText('12345');
      await expect(lockout).toContainText(instant.opens!);
      await expect(page.locator('[data-action^="START_SERVICE"]')).toHaveCount(0);
      await screenshot(page, `out-of-hours-${new Date(instant.at).toISOString().slice(11, 16).replace(':', '')}utc`);
    });
  });
}

test.describe('hospital lobby kiosk (registration and payment)', () => {
  let stack: KioskStack;
  test.beforeAll(async () => {
    // 02:00 in Shanghai is still Tuesday in UTC: "today" (the desk booking, the slots) must be the
    // hospital's day, not UTC's. The machine is made a 24-hour one so that it serves at that hour.
    stack = await startKioskStack({
      example: 'hospital-lobby',
      at: NIGHT_SHANGHAI,
      patch: (raw) => {
        (raw.promisedHours as Record<string, unknown>).weekly = '24/7';
        delete ((raw.services as Record<string, Record<string, unknown>>).hospitalRegistration as Record<string, unknown>).hours;
      },
    });
  });
  test.afterAll(async () => {
    await stack?.close();
  });

  /**
   * Card → today's registrations → `department` (when the patient is registered there today already, the
   * kiosk asks first, before anything is held or paid: 仍要再挂一个) → doctor → slot → fee (whom it is for)
   * → method: the place is then locked and the payment starts.
   */
  async function toPayment(page: Page, method: 'nativeQr' | 'paymentCode', department: string, sameDepartment = false) {
    await open(page, stack);
    await tap(page, 'START_SERVICE:hospitalRegistration');
    await onScreen(page, 'reg.identifying');
    await stack.device('idReader', 'card-on', { identity: 'resident' });
    const first = await Promise.race([onScreen(page, 'reg.existingRegistrations').then(() => 'existing'), onScreen(page, 'reg.choosingDepartment').then(() => 'departments')]);
    await stack.device('idReader', 'card-off');
    if (first === 'existing') {
      await screenshot(page, `reg-existing-${method}`);
      await tap(page, 'CONTINUE');
      await onScreen(page, 'reg.choosingDepartment');
    }
    await screenshot(page, 'reg-departments');
    await tap(page, `DEPARTMENT_CHOSEN:${department}`);
    if (sameDepartment) {
      const asked = await onScreen(page, 'reg.sameDepartment');
      await expect(asked).toContainText('还没有扣费');
      await screenshot(page, 'reg-same-department');
      await tap(page, 'ADD_ANYWAY');
    }
    await onScreen(page, 'reg.choosingDoctor');
    await screenshot(page, 'reg-doctors');
    await page.locator('[data-action^="DOCTOR_CHOSEN:"]').first().click();
    await onScreen(page, 'reg.choosingSlot');
    await screenshot(page, 'reg-slots');
    await page.locator('[data-action^="SLOT_CHOSEN:"]:not([disabled])').first().click();
    const confirm = await onScreen(page, 'reg.confirmingFee');
    // whom the registration is for, masked
    await expect(page.getByTestId('reg-patient')).toHaveText(maskedName);
    await expect(confirm).not.toContainText(resident.name);
    await screenshot(page, 'reg-confirm-fee');
    await tap(page, 'CONFIRM');
    await onScreen(page, 'reg.choosingPaymentMethod');
    await tap(page, `PAYMENT_METHOD_CHOSEN:${method}`);
  }

  /** Staff booked the patient at the desk this morning, in `doctorId`'s department. */
  function deskBooking(doctorId: string) {
    const open = stack.bo.his.slotsOf(doctorId).find((x) => x.remaining > 0);
    expect(open, `the simulated hospital lists open slots for ${doctorId} at the kiosk's pinned time`).toBeDefined();
    return stack.bo.his.bookAtDesk({ idNumber: resident.idNumber, name: resident.name }, open!.id);
  }

  const bookedToday = () => stack.bo.his.ledger().bookings.filter((b) => b.idNumber === resident.idNumber && b.status === 'booked');

  async function slipTaken(page: Page, name: string) {
    const slip = await onScreen(page, 'reg.takingSlip', 30_000);
    await expect(slip).toContainText(/\d+/);
    await screenshot(page, `reg-take-slip-${name}`);
    expect(stack.hw.printer.receiptText(stack.hw.printer.lastReceipt()).replace(/[ \t]+/g, '')).toContain('挂号');
    await tap(page, 'TAKEN');
    await onScreen(page, 'ended');
    await tap(page, 'HOME');
    await onScreen(page, 'home');
  }

  test('an earlier registration today (外科) is shown first; 内科 is no conflict; the place is held before the QR; paid by native QR; registered; the slip says where to go', async ({ page }) => {
    test.setTimeout(90_000);
    const desk = deskBooking('WK02');
    await toPayment(page, 'nativeQr', 'NK');
    const qr = await onScreen(page, 'reg.charging.paying');
    await expect(qr.locator('svg').first()).toBeVisible({ timeout: 15_000 });
    await screenshot(page, 'reg-pay-qr');
    // 锁号 came before the order: the place is held while the patient pays
    expect(stack.bo.his.ledger().locks.filter((l) => l.status === 'held' && l.departmentId === 'NK')).toHaveLength(1);
    stack.bo.payment.pay(await latestOrder(stack));
    await slipTaken(page, 'qr');
    expect(stack.hw.printer.receiptText(stack.hw.printer.lastReceipt()).replace(/[ \t]+/g, '')).toContain('就诊地点门诊楼二层A区');
    // both stay valid: the desk's 外科 and the kiosk's 内科
    expect(bookedToday().map((b) => b.departmentName)).toEqual(expect.arrayContaining(['外科', '内科']));
    expect(bookedToday().find((b) => b.bookingId === desk.bookingId)?.status).toBe('booked');
  });

  test('registered in 内科 today already: asked before paying (nothing charged yet); 仍要再挂一个; paid by 付款码 (the scanner reads it); both registrations stay', async ({ page }) => {
    test.setTimeout(90_000);
    deskBooking('NK02');
    const ordersBefore = stack.bo.payment.ledger().orders.length;
    const before = bookedToday().filter((b) => b.departmentId === 'NK').length;
    await toPayment(page, 'paymentCode', 'NK', true);
    await onScreen(page, 'reg.charging.paying');
    await screenshot(page, 'reg-pay-code');
    await stack.device('scanner', 'scan', { text: '134567890123456789' });
    await slipTaken(page, 'code');
    // one order for this registration, and no booking cancelled
    expect(stack.bo.payment.ledger().orders.length).toBe(ordersBefore + 1);
    expect(bookedToday().filter((b) => b.departmentId === 'NK')).toHaveLength(before + 1);
    expect(stack.bo.his.ledger().totals.cancelled).toBe(0);
  });
});
