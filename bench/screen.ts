/**
 * Screen figures, measured in Debian's Chromium driven by the agent's own Chromium shell (headless):
 *
 * - cold_start_to_home_ms: `startKioskProcess` called (agent: journal, devices on PTYs, flows,
 *   lifecycle self-test, bridge; then Chromium launched and the renderer loaded) → the renderer
 *   reports the home screen painted. Baseline in the same run: Chromium launched by the same shell
 *   → a static page loaded (chromium_start_to_page_ms).
 * - tap_to_screen_p95_ms: a tap on 长辈模式 (a click in the page) → event over the bridge → agent →
 *   screen pushed → React rendered → next animation frame. Baseline in the same run: a tap that
 *   changes the screen without the agent (the staff PIN pad opens, UI-local) — local_tap_to_screen_p95_ms.
 */
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware } from '../hardware-sim/kiosk-hardware.ts';
import { startBackOffice } from '../backends/simulators.ts';
import { simConfigJson, SIM_PAYMENT_CREDENTIAL_ENV } from '../runtime/sim-config.ts';
import { parseKioskConfig } from '../kiosk-config/schema.ts';
import { startKioskProcess } from '../runtime/kiosk-process.ts';
import { launchChromiumShell, type ChromiumShell, type ShellPage } from '../runtime/shell/chromium.ts';
import type { PaintedEvent } from '../runtime/bridge/server.ts';

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * In-page: taps `selector` n times, timing each tap until `settled(i)` holds and the next frame is
 * painted. A string, not a function: the TS loader's helpers (`__name`) do not exist in the page.
 */
const TAP_TIMES = `async ({ n, selector, settledScript, undoSelector }) => {
  const settled = new Function('i', settledScript);
  const times = [];
  for (let i = 0; i < n; i++) {
    const target = document.querySelector(selector);
    if (!target) throw new Error('nothing to tap at ' + selector);
    const t0 = performance.now();
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tap ' + i + ' on ' + selector + ' never changed the screen')), 5000);
      const mo = new MutationObserver(() => {
        if (!settled(i)) return;
        mo.disconnect();
        clearTimeout(timer);
        requestAnimationFrame(() => resolve(performance.now()));
      });
      mo.observe(document.documentElement, { attributes: true, subtree: true, childList: true });
    });
    target.click();
    times.push((await done) - t0);
    if (undoSelector) document.querySelector(undoSelector)?.click();
    // the renderer sends the same action once per 400 ms (double-tap guard)
    await new Promise((r) => setTimeout(r, 450));
  }
  return times;
}`;

async function tapTimes(page: ShellPage, n: number, selector: string, settledScript: string, undoSelector?: string): Promise<number[]> {
  return page.evaluate(`(${TAP_TIMES})(${JSON.stringify({ n, selector, settledScript, undoSelector: undoSelector ?? null })})`) as Promise<number[]>;
}

export async function benchScreen(results: Record<string, unknown>, quick: boolean, log: (s: string) => void): Promise<void> {
  log('screen: cold start and tap → screen in Chromium (headless)');
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-bench-screen-'));
  const hw = await startKioskHardware({ dir: join(dir, 'sim') });
  const bo = await startBackOffice({});
  try {
    // baseline: the same shell, a static page
    const page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>x</title><p id=p>ready</p>'));
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
    const port = (page.address() as { port: number }).port;
    const bare: number[] = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      const t0 = performance.now();
      const shell = await launchChromiumShell({ headless: true, kiosk: true, noSandboxAllowedBy: 'development' });
      await shell.load(`http://127.0.0.1:${port}/`);
      // (evaluating while the navigation commits may fail: the old document is going)
      while ((await shell.page!.evaluate("document.querySelector('#p') !== null").catch(() => false)) !== true) await new Promise((r) => setTimeout(r, 5));
      bare.push(performance.now() - t0);
      await shell.close('bench');
    }
    page.close();

    const cold: number[] = [];
    let taps: number[] = [];
    let local: number[] = [];
    for (let run = 0; run < (quick ? 1 : 3); run++) {
      const raw = await simConfigJson(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
      const config = parseKioskConfig(raw, 'bench');
      const t0 = performance.now();
      let homeAt: number | undefined;
      const k = await startKioskProcess({
        config,
        shell: 'chromium',
        headless: true,
        developmentNoSandbox: true,
        dataDir: join(dir, `data-${run}`),
        logDir: false,
        console: false,
        env: { ...process.env, [SIM_PAYMENT_CREDENTIAL_ENV]: 'bench' },
      });
      const bridge = k.agent.bridge!;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the home screen was not painted within 30 s')), 30_000);
        const on = (p: PaintedEvent) => {
          if (p.screen !== 'home') return;
          homeAt = performance.now();
          clearTimeout(timer);
          bridge.off('painted', on);
          resolve();
        };
        bridge.on('painted', on);
        if (bridge.lastPainted?.screen === 'home') on(bridge.lastPainted);
      });
      cold.push(homeAt! - t0);
      log(`  cold start ${Math.round(homeAt! - t0)} ms`);
      if (run === 0) {
        const p = (k.shell as ChromiumShell).page!;
        const n = quick ? 10 : 60;
        // through the agent: 长辈模式 on/off alternately; settled when the root's data-elderly follows
        taps = await tapTimes(
          p,
          n,
          '[data-action^="SET_ELDERLY"]',
          'return (i % 2 === 0) === (document.querySelector(\'[data-elderly="true"]\') !== null);',
        );
        // UI-local: the staff PIN pad opens (no agent involved), then closes again
        local = await tapTimes(p, n, '[data-testid="staff-button"]', "return document.querySelector('[data-screen=\"pin\"]') !== null;", '[data-testid="pin-cancel"]');
      }
      await k.stop('bench');
    }
    results.cold_start_to_home_ms = round(percentile(cold, 0.5));
    results.cold_start_runs = cold.length;
    results.cold_start_to_home_target_ms = 3000;
    results.chromium_start_to_page_ms = round(percentile(bare, 0.5));
    results.cold_start_vs_chromium_ratio = round(percentile(cold, 0.5) / percentile(bare, 0.5), 2);
    results.tap_to_screen_p50_ms = round(percentile(taps, 0.5));
    results.tap_to_screen_p95_ms = round(percentile(taps, 0.95));
    results.tap_to_screen_taps = taps.length;
    results.tap_to_screen_target_ms = 100;
    results.local_tap_to_screen_p95_ms = round(percentile(local, 0.95));
    results.tap_to_screen_vs_local_ratio = round(percentile(taps, 0.95) / percentile(local, 0.95), 2);
  } finally {
    await bo.close();
    await hw.close();
    await rm(dir, { recursive: true, force: true });
  }
}
