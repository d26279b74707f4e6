/**
 * The console's analytics pages against a real HQ on an SQLite file: availability (calendar,
 * totals, ranking, drill-down district → site → kiosk → day, CSV), a kiosk's day timeline, and
 * first-time success (funnels, rates against the target, failures, ranking). The fleet's history is
 * told through the signed ingest on HQ's hand-moved clock (hq-analytics-history.ts), so every number
 * on screen is HQ's; the test checks them against the story's hand-worked figures.
 *
 * The browser's clock is pinned weeks after HQ's on purpose: "today" must come from HQ. Screenshots
 * at 1440×900 go to test-results/hq/ (availability.png, kiosk-day.png, first-time.png).
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createUser } from '../../hq/server/auth/index.ts';
import { startHqServer, type RunningHq } from '../../hq/server/server.ts';
import { ManualClock } from '../../hq/server/testing.ts';
import { calendarCellCentre, pct } from '../../hq/dashboard/src/format/analytics.ts';
import { EXPECTED, EXPECTED_FIRST_TIME, HQ_START, KIOSKS, tellHistory, TODAY } from './hq-analytics-history.ts';
import { ensureDashboardBuilt } from './fixtures/hq/static-server.ts';
import { watchErrors } from './fixtures/hq/fake-hq.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/hq');
const OPS = { name: 'ops-analytics', password: 'a long operator password' };
/** the browser's own clock: weeks after HQ's, and ignored for anything but "updated at" */
const BROWSER_NOW = Date.parse('2026-08-01T09:00:00+08:00');
const RANGE = `from=${EXPECTED.from}&to=${EXPECTED.to}`;

let dir: string;
let hq: RunningHq;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  ensureDashboardBuilt(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'zizhu-hq-analytics-'));
  // HQ serves its own copy of the console: a rebuild of hq/dashboard/dist meanwhile changes nothing here
  cpSync(join(ROOT, 'hq/dashboard/dist'), join(dir, 'console'), { recursive: true });
  const clock = new ManualClock(HQ_START);
  // the watch runs only when the story calls it
  hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now: clock.now, offlineCheckMs: 3_600_000, consoleDir: join(dir, 'console') });
  await createUser(hq.db, { name: OPS.name, role: 'viewer', password: OPS.password });
  await tellHistory(hq, clock);
});

test.afterAll(async () => {
  await hq?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function signIn(browser: Browser, hash: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  const page = await context.newPage();
  await page.clock.setFixedTime(BROWSER_NOW);
  await page.goto(`${hq.url}/${hash}`);
  await page.locator('[data-field="username"]').fill(OPS.name);
  await page.locator('[data-field="password"]').fill(OPS.password);
  await page.locator('[data-action="login"]').click();
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const ready = (page: Page, name: string) => expect(page.locator(`[data-page="${name}"]`)).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
const rows = (page: Page) => page.locator('[data-section="ranking"] tbody tr');

test('availability: the default range ends on HQ’s today, not the browser’s', async ({ browser }) => {
  const page = await signIn(browser, '#/availability');
  await ready(page, 'availability');
  await expect(page.locator('[data-page="availability"]')).toHaveAttribute('data-to', TODAY);
  await expect(page.locator('[data-page="availability"]')).toHaveAttribute('data-from', '2026-05-12');
  await expect(page.locator('[data-today]')).toHaveAttribute('data-today', TODAY);
  await expect(page.locator('[data-range="30"]')).toHaveAttribute('aria-pressed', 'true');
  await page.locator('[data-range="7"]').click();
  await expect(page.locator('[data-page="availability"]')).toHaveAttribute('data-from', '2026-06-04');
  expect(page.url()).toContain('from=2026-06-04&to=2026-06-10');
  await page.context().close();
});

test('availability: calendar, totals and the ranking worst first; drill-down district → site → kiosk; CSV of the same query', async ({ browser }) => {
  const page = await signIn(browser, `#/availability?${RANGE}`);
  const errors = watchErrors(page);
  await ready(page, 'availability');
  await expect(page.locator('[data-chart="availability-calendar"] canvas').first()).toBeVisible();
  await expect(page.locator('[data-chart="availability-calendar"]')).toHaveAttribute('data-days', '10');

  // the ranking, worst first, with HQ's figures
  await expect(rows(page)).toHaveCount(EXPECTED.kiosks.length);
  for (const [i, k] of EXPECTED.kiosks.entries()) {
    const row = rows(page).nth(i);
    await expect(row).toHaveAttribute('data-row-key', k.id);
    await expect(row.locator('td').nth(4)).toHaveText(k.availability);
    await expect(row.locator('td').nth(5)).toHaveText(k.coverage);
    await expect(row.locator('td').nth(6)).toHaveText(k.downH);
    await expect(row.locator('td').nth(7)).toHaveText(k.noDataH);
  }
  const worst = rows(page).first();
  await expect(worst).toHaveAttribute('data-band', 'lt90');
  await expect(worst.locator('[data-day]')).toHaveCount(10);
  await expect(worst.locator('[data-day="2026-06-03"]')).toHaveAttribute('data-band', 'lt90');
  await expect(worst.locator('[data-day="2026-06-01"]')).toHaveAttribute('data-band', 'top');
  await shot(page, 'availability');
  // the calendar's tooltip tells that day's time
  await page.locator('[data-chart="availability-calendar"]').hover({ position: calendarCellCentre(EXPECTED.from, EXPECTED.to, '2026-06-03') });
  await expect(page.locator('[data-chart="availability-calendar"]')).toContainText('2026-06-03');
  await expect(page.locator('[data-chart="availability-calendar"]')).toContainText('不可用: 14 小时');

  // the CSV is the same query
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="export-csv"]').click()]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const [header, ...lines] = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean).map((l) => l.split(','));
  const col = (name: string) => header!.indexOf(name);
  // a total and one line per day for each kiosk, with the numbers on screen
  expect(lines).toHaveLength(EXPECTED.kiosks.length * 11);
  for (const k of EXPECTED.kiosks) {
    const total = lines.find((l) => l[col('key')] === k.id && l[col('day')] === 'total');
    expect(pct(Number(total?.[col('availability')]))).toBe(k.availability);
    expect(pct(Number(total?.[col('coverage')]))).toBe(k.coverage);
  }

  // by district, then a district's sites, then a site's kiosks
  await page.locator('[data-group-by="district"]').click();
  await expect(rows(page)).toHaveCount(EXPECTED.districts.length);
  for (const [i, d] of EXPECTED.districts.entries()) {
    await expect(rows(page).nth(i)).toHaveAttribute('data-row-key', d.key);
    await expect(rows(page).nth(i).locator('td').nth(4)).toHaveText(d.availability);
  }
  await expect(page.locator('[data-section="ranking"] thead th').nth(1)).toHaveText('区县');
  await rows(page).first().click();
  await expect(page.locator('[data-page="availability"]')).toHaveAttribute('data-group-by', 'site');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toHaveAttribute('data-row-key', KIOSKS.A.site);
  await rows(page).first().click();
  await expect(page.locator('[data-page="availability"]')).toHaveAttribute('data-group-by', 'kiosk');
  await expect(rows(page)).toHaveCount(2);
  expect(await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row-key')))).toEqual([KIOSKS.A.id, KIOSKS.B.id]);

  // a kiosk row opens the kiosk
  await rows(page).first().click();
  await expect(page.locator('[data-page="kiosk"]')).toHaveAttribute('data-kiosk-id', KIOSKS.A.id);
  expect(errors).toEqual([]);
  await page.context().close();
});

test("a kiosk's day: per service bands in the kiosk's time, lists, previous / next day; reached from the calendar", async ({ browser }) => {
  const page = await signIn(browser, `#/availability?${RANGE}&kioskId=${KIOSKS.A.id}`);
  const errors = watchErrors(page);
  await ready(page, 'availability');
  await expect(rows(page)).toHaveCount(1);
  const calendar = page.locator('[data-chart="availability-calendar"]');
  await expect(calendar).toHaveAttribute('data-clickable', 'true');
  await calendar.click({ position: calendarCellCentre(EXPECTED.from, EXPECTED.to, EXPECTED.paperOutDay.day) });

  const day = page.locator('[data-page="kiosk-day"]');
  await expect(day).toHaveAttribute('data-day', EXPECTED.paperOutDay.day);
  await ready(page, 'kiosk-day');
  await expect(page.locator('[data-timezone]')).toContainText('Asia/Shanghai (GMT+8)');
  const band = page.locator('[data-service="providentFundStatement"]');
  await expect(band.locator('.band-figures')).toContainText(EXPECTED.paperOutDay.availability);
  const segments = await band.locator('[data-segment-state]').evaluateAll((els) => els.map((e) => ({ state: e.getAttribute('data-segment-state'), from: e.getAttribute('data-from'), to: e.getAttribute('data-to') })));
  expect(segments).toEqual(EXPECTED.paperOutDay.segments);
  await expect(band.locator('[data-segment-state="down"]')).toHaveAttribute('data-reason', /paper out/);
  await expect(page.locator('[data-section="states"] [data-day-state="degraded"]')).toContainText('10:00');
  const alarm = page.locator('[data-section="day-alarms"] [data-alarm-code="PRINTER_PAPER_OUT"]');
  await expect(alarm).toContainText('10:00');
  await expect(alarm).toContainText('打印机缺纸');
  await expect(alarm).toContainText('06-04 10:00');
  await shot(page, 'kiosk-day');

  await page.locator('[data-action="next-day"]').click();
  await expect(day).toHaveAttribute('data-day', '2026-06-04');
  await ready(page, 'kiosk-day');
  await expect(band.locator('[data-segment-state]').first()).toHaveAttribute('data-segment-state', 'down');
  await page.locator('[data-action="prev-day"]').click();
  await page.locator('[data-action="prev-day"]').click();
  await expect(day).toHaveAttribute('data-day', '2026-06-02');
  await ready(page, 'kiosk-day');
  await expect(band.locator('[data-segment-state]')).toHaveCount(1);
  await expect(band.locator('[data-segment-state]')).toHaveAttribute('data-segment-state', 'up');

  await page.locator('[data-action="back-to-kiosk"]').click();
  await expect(page.locator('[data-page="kiosk"]')).toHaveAttribute('data-kiosk-id', KIOSKS.A.id);
  expect(errors).toEqual([]);
  await page.context().close();
});

test('the kiosk page shows its last 7 days; a day opens its timeline, the link the availability page', async ({ browser }) => {
  const page = await signIn(browser, `#/kiosks/${KIOSKS.A.id}`);
  const section = page.locator('[data-section="availability"]');
  await expect(section.locator('[data-day]')).toHaveCount(7);
  await expect(section.locator('[data-day]').first()).toHaveAttribute('data-day', '2026-06-04');
  await expect(section.locator('[data-day="2026-06-06"]')).toHaveAttribute('data-band', 'top');
  await section.locator('[data-day="2026-06-04"]').click();
  await expect(page.locator('[data-page="kiosk-day"]')).toHaveAttribute('data-day', '2026-06-04');
  await page.goBack();
  await section.locator('[data-action="kiosk-availability"]').click();
  await ready(page, 'availability');
  await expect(page.locator('[data-filter="kioskId"]')).toHaveAttribute('data-kiosk-id', KIOSKS.A.id);
  await expect(rows(page)).toHaveCount(1);
  await page.context().close();
});

test('first-time success: a funnel per service, the rate against 90 %, failures by reason, the ranking by kiosk and by district', async ({ browser }) => {
  const day = EXPECTED_FIRST_TIME.day;
  const page = await signIn(browser, `#/first-time?from=${day}&to=${day}`);
  const errors = watchErrors(page);
  await ready(page, 'first-time');

  await expect(rows(page)).toHaveCount(EXPECTED_FIRST_TIME.kiosks.length);
  for (const [i, k] of EXPECTED_FIRST_TIME.kiosks.entries()) {
    const row = rows(page).nth(i);
    await expect(row).toHaveAttribute('data-row-key', k.key);
    await expect(row).toHaveAttribute('data-service', k.service);
    await expect(row.locator('td').nth(4)).toContainText(k.rate);
    await expect(row.locator('td').nth(5)).toHaveText(String(k.started));
    await expect(row.locator('td').nth(6)).toHaveText(String(k.completed));
    await expect(row.locator('td').nth(8)).toHaveAttribute('data-top-failure', k.topFailure);
    await expect(row.locator('td').nth(9)).toHaveText(String(k.onRetry));
  }
  await expect(rows(page).first().locator('[data-below-target]')).toHaveAttribute('data-below-target', 'true');
  await expect(rows(page).last().locator('[data-below-target]')).toHaveAttribute('data-below-target', 'false');

  const pf = page.locator('[data-page="first-time"] section[data-service="providentFundStatement"]');
  await expect(pf.locator('[data-chart="funnel"] canvas').first()).toBeVisible();
  for (const [step, n] of Object.entries(EXPECTED_FIRST_TIME.pfFunnel)) await expect(pf.locator(`[data-funnel-step="${step}"]`)).toHaveAttribute('data-reached', String(n));
  expect(await pf.locator('[data-funnel-step]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-funnel-step')))).toEqual(Object.keys(EXPECTED_FIRST_TIME.pfFunnel));
  for (const [reason, n] of Object.entries(EXPECTED_FIRST_TIME.pfFailed)) await expect(pf.locator(`[data-failure="${reason}"]`)).toHaveAttribute('data-count', String(n));
  await expect(pf.locator('[data-stat="on-retry"] .big-value')).toHaveText('1');
  // two kiosks' rows, summed by their first tries: exact, no estimate
  await expect(pf.locator('[data-stat="rate"] .rate b')).toHaveText(EXPECTED_FIRST_TIME.pfRate);
  await expect(pf).not.toContainText('≈');
  await expect(pf).toContainText('目标 90%');
  await expect(page.locator('section[data-service="hospitalRegistration"] [data-stat="rate"]')).toContainText('66.6%');
  await shot(page, 'first-time');

  await page.locator('[data-group-by="district"]').click();
  await expect(rows(page)).toHaveCount(EXPECTED_FIRST_TIME.districts.length);
  for (const [i, d] of EXPECTED_FIRST_TIME.districts.entries()) {
    await expect(rows(page).nth(i)).toHaveAttribute('data-row-key', d.key);
    await expect(rows(page).nth(i).locator('td').nth(4)).toContainText(d.rate);
  }
  // one group per service now: the same rate
  await expect(pf.locator('[data-stat="rate"] .rate b')).toHaveText(EXPECTED_FIRST_TIME.pfRate);
  expect(errors).toEqual([]);
  await page.context().close();
});

test('empty and error states: a range without sessions, a district without kiosks, a range HQ refuses', async ({ browser }) => {
  const page = await signIn(browser, '#/first-time?from=2026-05-01&to=2026-05-02');
  await expect(page.locator('[data-page="first-time"]')).toHaveAttribute('data-state', 'empty', { timeout: 15_000 });
  await expect(page.locator('[data-empty]')).toHaveText('所选范围内没有数据');
  await page.goto(`${hq.url}/#/availability?${RANGE}&district=${encodeURIComponent('不存在区')}`);
  await expect(page.locator('[data-page="availability"]')).toHaveAttribute('data-state', 'empty', { timeout: 15_000 });
  await page.goto(`${hq.url}/#/availability?from=2026-06-10&to=2026-06-01`);
  await expect(page.locator('[data-page="availability"]')).toHaveAttribute('data-state', 'error', { timeout: 15_000 });
  await expect(page.locator('[data-error]')).toContainText('to: 2026-06-01 is before from (2026-06-10)');
  await page.goto(`${hq.url}/#/kiosks/NO-SUCH-KIOSK/day/2026-06-03`);
  await expect(page.locator('[data-page="kiosk-day"]')).toHaveAttribute('data-state', 'error', { timeout: 15_000 });
  await page.context().close();
});
