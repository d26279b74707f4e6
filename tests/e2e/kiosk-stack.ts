/**
 * The whole kiosk for end-to-end tests, in the test process: the three simulated devices on socat
 * PTYs, the back-office simulators on loopback, and the agent (flows, lifecycle, bridge) with the
 * real built renderer. The browser is Playwright's Chromium (Debian's binary); the agent's own
 * shell is not started (`shell: 'none'`): the test's page is the kiosk screen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import type { PaymentSimOptions } from '../../backends/payment/simulator.ts';
import { simConfigJson, SIM_PAYMENT_CREDENTIAL_ENV, type SimExample } from '../../runtime/sim-config.ts';
import { parseKioskConfig } from '../../kiosk-config/schema.ts';
import { startKioskProcess, type RunningKioskProcess } from '../../runtime/kiosk-process.ts';
import { startRestarting, type RestartingKiosk } from '../restarting-kiosk.ts';
import type { Now } from '../../state-machines/deadlines.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';

const HQ_SECRET_ENV = 'ZIZHU_E2E_HQ_SECRET';

export { NOON_SHANGHAI, NIGHT_SHANGHAI, LATE_EVENING_SHANGHAI, shanghaiDay } from '../pinned-clock.ts';

export interface KioskStack {
  hw: RunningKioskHardware;
  bo: BackOffice;
  /** the kiosk process now (a new one after HQ's restart-app: the stack starts it again) */
  readonly kiosk: RunningKioskProcess;
  readonly url: string;
  /** how many times restart-app restarted the kiosk process */
  readonly restarts: number;
  /** the clock the kiosk and the back offices share: pinned at `at` when the stack started, then running */
  now: Now;
  /** POST to the hardware simulator's control API, e.g. device('idReader', 'card-on', { identity: 'resident' }) */
  device(device: 'idReader' | 'printer' | 'scanner', action: string, body?: unknown): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the stack with its clock pinned at `at` (epoch ms, default {@link NOON_SHANGHAI}): the
 * kiosk's hours, "today" and deadlines and the back offices' "today" and slots all read this clock,
 * never the wall clock, so a test sees the same day and hour whenever the suite runs.
 */
export async function startKioskStack(o: {
  example: SimExample;
  patch?: (raw: Record<string, unknown>) => void;
  payment?: PaymentSimOptions;
  at?: number;
  /** report to this HQ (its secret reaches the link through an env: reference, as on a real kiosk) */
  hq?: { url: string; secret: string; heartbeatSeconds?: number };
  /** the agent's own screen: Debian Chromium, headless (default none: the test's page is the screen) */
  shell?: 'none' | 'chromium';
  /** a clock shared with something else the test starts (an HQ); default pinned at `at` */
  now?: Now;
}): Promise<KioskStack> {
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-e2e-'));
  const now = o.now ?? pinnedNow(o.at ?? NOON_SHANGHAI);
  const hw = await startKioskHardware({ dir: join(dir, 'sim') });
  const bo = await startBackOffice({ now, payment: { refundProcessingMs: 10, ...o.payment } });
  let kiosk: RestartingKiosk;
  try {
    const raw = await simConfigJson(hw.describe(), o.example, { urls: bo.urls, merchantId: bo.merchantId });
    if (o.hq) raw.hq = { url: o.hq.url, credentialsRef: `env:${HQ_SECRET_ENV}`, heartbeatSeconds: o.hq.heartbeatSeconds ?? 1 };
    o.patch?.(raw);
    const config = parseKioskConfig(raw, `${o.example} for the e2e test`);
    // HQ's restart-app: the process stopped itself cleanly; it is started again, as zizhu agent does
    kiosk = await startRestarting((onRestart) =>
      startKioskProcess({
        config,
        shell: o.shell ?? 'none',
        ...(o.shell === 'chromium' ? { headless: true, developmentNoSandbox: true } : {}),
        dataDir: join(dir, 'data'),
        logDir: join(dir, 'log'),
        console: false,
        now,
        env: { ...process.env, [SIM_PAYMENT_CREDENTIAL_ENV]: 'e2e', ...(o.hq ? { [HQ_SECRET_ENV]: o.hq.secret } : {}) },
        onRestart,
      }),
    );
  } catch (e) {
    await bo.close();
    await hw.close();
    throw e;
  }
  return {
    hw,
    bo,
    get kiosk() {
      return kiosk.current;
    },
    get url() {
      return kiosk.current.rendererUrl;
    },
    get restarts() {
      return kiosk.restarts;
    },
    now,
    async device(device, action, body = {}) {
      const res = await fetch(`${hw.control.url}/devices/${device}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`simulator ${device} ${action}: HTTP ${res.status} ${await res.text()}`);
    },
    async close() {
      await kiosk.stop('test done');
      await bo.close();
      await hw.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for the screen `name` (its root's data-screen) and returns its locator. */
export async function onScreen(page: Page, name: string, timeout = 15_000) {
  const root = page.locator(`[data-screen="${name}"]`);
  try {
    await root.waitFor({ state: 'visible', timeout });
  } catch (e) {
    const now = await page.locator('[data-screen]').first().getAttribute('data-screen', { timeout: 1_000 }).catch(() => 'none');
    const text = await page.locator('[data-screen]').first().innerText({ timeout: 1_000 }).catch(() => '');
    throw new Error(`screen "${name}" did not appear within ${timeout} ms; the kiosk shows "${now}": ${text.replace(/\s+/g, ' ').slice(0, 300)}`, { cause: e });
  }
  return root;
}

/** Clicks the button that sends this event (data-action), waiting for it. */
export async function tap(page: Page, action: string) {
  await page.locator(`[data-action="${action}"]`).first().click();
}

/** A screenshot of the kiosk screen as it is now, test-results/e2e/<name>.png. */
export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: join('test-results', 'e2e', `${name}.png`), fullPage: false });
}

/** From the home screen of a gov-24h kiosk: the statement tile, the resident's card on and off, the last 12 months → the preview. */
export async function toStatementPreview(page: Page, stack: KioskStack) {
  await tap(page, 'START_SERVICE:providentFundStatement');
  await onScreen(page, 'pf.identifying');
  await stack.device('idReader', 'card-on', { identity: 'resident' });
  await onScreen(page, 'pf.choosingPeriod');
  await stack.device('idReader', 'card-off');
  await tap(page, 'PERIOD_CHOSEN:last12');
  return onScreen(page, 'pf.preview');
}
