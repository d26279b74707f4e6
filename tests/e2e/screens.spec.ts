/**
 * The renderer against a fake bridge (tests/e2e/fake-agent.ts): every screen fixture is shown,
 * acknowledged with `painted`, screenshotted to test-results/screens/, checked by axe and for
 * touch-size buttons; then events, the idle overlay, reconnects and bad frames.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ScreenMessageSchema, UiEventSchema, type UiEvent } from '../../contracts/bridge.ts';
import { startFakeAgent, type FakeAgent } from './fake-agent.ts';
import { AT, REPRESENTATIVE, fixture, fixtures, inElderlyMode, inEnglish, withIdleWarning, type ScreenFixture } from './fixtures/screens.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screens');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** `npm test` builds first; when run alone, build if renderer/dist is missing or older than the sources */
function ensureBuilt(): void {
  const index = join(ROOT, 'renderer/dist/index.html');
  const srcNewest = Math.max(newestMtime(join(ROOT, 'renderer/src')), statSync(join(ROOT, 'contracts/bridge.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= srcNewest) return;
  execSync('npm run build:renderer --silent', { cwd: ROOT, stdio: 'inherit' });
}


let agent: FakeAgent;
let page: Page;
const consoleErrors: string[] = [];

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  agent = await startFakeAgent();
  // AxeBuilder wants a page of an explicit context
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(agent.url);
});

test.afterAll(async () => {
  await page?.context().close();
  await agent?.close();
});

/** push a fixture; wait until its screen shows and its `painted` comes back */
async function show(f: ScreenFixture): Promise<number> {
  const since = agent.received.length;
  const pushed = agent.push(f.message);
  const root = page.locator(`[data-screen="${f.screen}"]`);
  await expect(root).toBeVisible();
  const painted = await agent.waitFor((m) => m.type === 'painted' && m.seq === pushed.seq, 5000, since);
  expect(painted).toEqual({ type: 'painted', seq: pushed.seq, screen: f.screen });
  return since;
}

async function eventsSince(since: number): Promise<UiEvent[]> {
  return agent.received.slice(since).flatMap((m) => (m.type === 'event' ? [m.event] : []));
}

/** visible buttons smaller than min×min CSS px (run in the page; a string, the Node types know no DOM) */
async function undersizedButtons(min: number): Promise<string[]> {
  return page.evaluate(`(() => {
    const out = [];
    for (const b of document.querySelectorAll('button')) {
      const r = b.getBoundingClientRect();
      const style = getComputedStyle(b);
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden' || style.display === 'none') continue;
      if (r.width < ${min} || r.height < ${min}) out.push((b.dataset.action || b.textContent.trim()) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
    }
    return out;
  })()`);
}

const ALL: ScreenFixture[] = [...fixtures, ...REPRESENTATIVE.map((n) => inEnglish(fixture(n))), ...REPRESENTATIVE.map((n) => inElderlyMode(fixture(n)))];

test('every fixture is a valid ScreenMessage, and every screen has one', () => {
  for (const f of fixtures) {
    const r = ScreenMessageSchema.safeParse(f.message);
    expect(r.success, `${f.name}: ${r.success ? '' : r.error.message}`).toBe(true);
  }
  const names = new Set(fixtures.map((f) => f.name));
  expect(names.size).toBe(fixtures.length);
  const shown = new Set(fixtures.map((f) => f.screen));
  for (const s of ['starting', 'home', 'out-of-hours', 'out-of-service', 'locked', 'maintenance', 'pin', 'ended']) expect(shown, s).toContain(s);
  const pf = ['identifying', 'resolvingSocialSecurityCode', 'choosingPeriod', 'fetching', 'fetchFailed', 'noAccount', 'preview', 'printing', 'takingReceipt', 'undelivered'];
  const reg = [
    'identifying', 'resolvingVoucher', 'loadingRegistrations', 'existingRegistrations', 'loadingDepartments', 'choosingDepartment', 'loadingDoctors', 'choosingDoctor',
    'sameDepartment', 'loadingSlots', 'choosingSlot', 'confirmingFee', 'choosingPaymentMethod', 'lockingSlot', 'slotTaken', 'unavailable', 'charging.paying', 'charging.registering',
    'charging.refunding', 'releasingSlot', 'moneyReturned', 'paymentNotCompleted', 'printingSlip', 'takingSlip', 'slipOnScreen', 'slipNotPrinted',
  ];
  for (const s of pf) expect(shown, `pf.${s}`).toContain(`pf.${s}`);
  for (const s of reg) expect(shown, `reg.${s}`).toContain(`reg.${s}`);
});

for (const f of ALL) {
  test(`screen ${f.name}`, async () => {
    const elderly = f.message.prefs.elderly;
    await show(f);
    const root = page.locator(`[data-screen="${f.screen}"]`);
    await expect(root).toHaveAttribute('data-elderly', elderly ? 'true' : 'false');
    await expect(page.locator('html')).toHaveAttribute('lang', f.message.prefs.locale);
    if (f.name.includes('nativeQr')) await expect(page.locator('[data-testid="payment-qr"] svg path').first()).toBeAttached();
    await page.screenshot({ path: join(SHOTS, `${f.name}.png`), animations: 'disabled' });
    const axe = await new AxeBuilder({ page }).analyze();
    const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad, `axe on ${f.name}`).toEqual([]);
    expect(await undersizedButtons(elderly ? 88 : 64), `buttons on ${f.name}`).toEqual([]);
  });
}

test('a tap on a data-action button sends that UiEvent, once for a double tap', async () => {
  const since = await show(fixture('reg.choosingDepartment'));
  await page.locator('[data-action="DEPARTMENT_CHOSEN:d-03"]').dblclick();
  await agent.waitFor((m) => m.type === 'event' && m.event.type === 'DEPARTMENT_CHOSEN', 3000, since);
  await page.waitForTimeout(300);
  const events = await eventsSince(since);
  const chosen = events.filter((e) => e.type === 'DEPARTMENT_CHOSEN');
  expect(chosen).toEqual([{ type: 'DEPARTMENT_CHOSEN', departmentId: 'd-03' }]);
  for (const e of events) expect(UiEventSchema.safeParse(e).success).toBe(true);
  // a tap in a flow screen is also a TOUCH (keeps the session alive)
  expect(events).toContainEqual({ type: 'TOUCH' });

  const home = await show(fixture('home'));
  await page.locator('[data-action="START_SERVICE:providentFundStatement"]').click();
  await page.locator('[data-action="SET_LOCALE:en"]').click();
  await page.locator('[data-action="SET_ELDERLY:on"]').click();
  await agent.waitFor((m) => m.type === 'event' && m.event.type === 'SET_ELDERLY', 3000, home);
  expect(await eventsSince(home)).toEqual([
    { type: 'START_SERVICE', service: 'providentFundStatement' },
    { type: 'SET_LOCALE', locale: 'en' },
    { type: 'SET_ELDERLY', on: true },
  ]);

  const period = await show(fixture('pf.choosingPeriod'));
  await page.locator('[data-action="PERIOD_CHOSEN:lastYear"]').click();
  const ev = await agent.waitFor((m) => m.type === 'event' && m.event.type === 'PERIOD_CHOSEN', 3000, period);
  expect(ev.type === 'event' && ev.event).toEqual({ type: 'PERIOD_CHOSEN', from: '2025-01', to: '2025-12' });
  const ids = agent.received.flatMap((m) => (m.type === 'event' ? [m.id] : []));
  expect(new Set(ids).size).toBe(ids.length);
});

test('registration: the fee is confirmed knowing whom it is for (masked); the same department is asked before paying', async () => {
  await show(fixture('reg.confirmingFee'));
  await expect(page.getByTestId('reg-patient')).toHaveText('李**');
  await expect(page.locator('[data-screen="reg.confirmingFee"]')).toContainText('门诊楼 2 楼 A 区');
  await show(fixture('reg.sameDepartment'));
  const same = page.locator('[data-screen="reg.sameDepartment"]');
  await expect(same).toContainText('您今天已挂眼科');
  await expect(same).toContainText('还没有扣费');
  await expect(same.locator('[data-action="ADD_ANYWAY"]')).toBeVisible();
  await expect(same.locator('[data-action="BACK"]')).toBeVisible();
  await show(fixture('reg.slotTaken.passed'));
  await expect(page.locator('[data-screen="reg.slotTaken"]')).toContainText('已过就诊时间');
});

test('an unavailable tile is disabled and says why', async () => {
  await show(fixture('home.unavailable-tile'));
  await expect(page.locator('[data-action="START_SERVICE:hospitalRegistration"]')).toBeDisabled();
  await expect(page.getByText('医院系统暂时无法连接')).toBeVisible();
  await expect(page.getByText('凭条仅在屏幕显示')).toBeVisible();
});

test('the idle overlay shows a countdown and 继续 sends TOUCH', async () => {
  const f = withIdleWarning(fixture('pf.preview'), AT + 12_000);
  const since = agent.received.length;
  agent.push(f.message);
  const overlay = page.getByTestId('idle-warning');
  await expect(overlay).toBeVisible();
  await expect(overlay).toContainText('还在吗');
  await expect(overlay).toContainText(/1[0-2] 秒/);
  await page.screenshot({ path: join(SHOTS, 'idle-warning.png'), animations: 'disabled' });
  // the previous tests' taps sent TOUCH too: let the double-tap window (400 ms) pass
  await page.waitForTimeout(450);
  await overlay.locator('[data-action="TOUCH"]').click();
  await agent.waitFor((m) => m.type === 'event' && m.event.type === 'TOUCH', 3000, since);
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
});

test('the staff button opens the PIN pad; 确定 sends STAFF_PIN; 取消 closes it', async () => {
  const since = await show(fixture('out-of-hours'));
  await page.getByTestId('staff-button').click();
  await expect(page.locator('[data-screen="pin"]')).toBeVisible();
  await expect(page.locator('[data-action="STAFF_PIN"]')).toBeDisabled();
  for (const d of ['2', '4', '6', '8', '0']) await page.getByTestId(`pin-key-${d}`).click();
  await page.locator('[data-action="STAFF_PIN"]').click();
  const ev = await agent.waitFor((m) => m.type === 'event' && m.event.type === 'STAFF_PIN', 3000, since);
  expect(ev.type === 'event' && ev.event).toEqual({ type: 'STAFF_PIN', pin: '24680' });
  await page.getByTestId('pin-cancel').click();
  await expect(page.locator('[data-screen="out-of-hours"]')).toBeVisible();
});

test('a rejected event shows its words as an alert', async () => {
  await show(fixture('home'));
  agent.send({ type: 'rejected', id: null, code: 'SERVICE_UNAVAILABLE', words: { zh: '该业务暂停办理', en: 'Not available' } });
  await expect(page.getByTestId('rejected-toast')).toHaveText('该业务暂停办理');
  await expect(page.getByTestId('rejected-toast')).toHaveAttribute('role', 'alert');
});

test('an unparseable frame keeps the last screen', async () => {
  await show(fixture('pf.preview'));
  agent.sendRaw('{"type":"screen", this is not json');
  agent.sendRaw(JSON.stringify({ ...fixture('home').message, seq: 999, kiosk: { status: 'nonsense' } }));
  agent.sendRaw(JSON.stringify({ type: 'hello' }));
  await page.waitForTimeout(400);
  await expect(page.locator('[data-screen="pf.preview"]')).toBeVisible();
  await expect(page.locator('[data-screen="home"]')).toHaveCount(0);
  // and the next good one is shown
  await show(fixture('reg.choosingSlot'));
});

test('after the agent drops the socket, the renderer reconnects and shows the pushed screen', async () => {
  await show(fixture('pf.choosingPeriod'));
  const before = agent.stats.connections;
  const since = agent.received.length;
  agent.dropClients();
  // brief drop: the last screen stays (no flash of the connecting screen)
  await expect.poll(() => agent.stats.connections, { timeout: 5000 }).toBeGreaterThan(before);
  await agent.waitFor((m) => m.type === 'painted' && m.screen === 'pf.choosingPeriod', 5000, since);
  await expect(page.locator('[data-screen="pf.choosingPeriod"]')).toBeVisible();

  // a long outage: the calm connecting screen after 1.5 s, then back
  agent.refuseConnections(true);
  agent.dropClients();
  await expect(page.locator('[data-screen="connecting"]')).toBeVisible({ timeout: 4000 });
  await expect(page.locator('[data-screen="connecting"]')).toContainText('正在连接');
  await page.screenshot({ path: join(SHOTS, 'connecting.png'), animations: 'disabled' });
  agent.refuseConnections(false);
  const reconnected = agent.received.length;
  agent.push(fixture('home').message);
  await agent.waitFor((m) => m.type === 'painted' && m.screen === 'home', 8000, reconnected);
  await expect(page.locator('[data-screen="home"]')).toBeVisible();
});

test('a page with a wrong token is refused and stays on the connecting screen', async ({ browser }) => {
  const p = await browser.newPage({ viewport: { width: 1080, height: 1920 } });
  const rejected = agent.stats.rejected;
  await p.goto(agent.url.replace(/token=[^&]+/, 'token=wrong'));
  await expect(p.locator('[data-screen="connecting"]')).toBeVisible();
  await expect.poll(() => agent.stats.rejected).toBeGreaterThan(rejected);
  await p.close();
});

test('no renderer errors on the console; every message the renderer sent was valid', () => {
  expect(agent.invalid).toEqual([]);
  // the 401 of the wrong-token page is the only expected error
  expect(consoleErrors.filter((e) => !/401|WebSocket/.test(e))).toEqual([]);
});

