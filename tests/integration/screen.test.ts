/**
 * The screen end to end with the agent's own shell: Debian Chromium (headless) shows the real
 * renderer; the watchdog notices a blanked screen and a crashed renderer, reloads, and tells HQ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { simKioskConfig } from '../../runtime/sim-config.ts';
import type { RunningKioskProcess } from '../../runtime/kiosk-process.ts';
import { startChromiumKiosk } from '../kiosk-at-hq.ts';
import type { ChromiumShell } from '../../runtime/shell/chromium.ts';
import { DEFAULT_RENDERER_DIR } from '../../runtime/agent.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';


describe('screen watchdog with the Chromium shell and the real renderer', () => {
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let k: RunningKioskProcess;
  const outbox: { kind: string; payload: { code?: string; change?: string } }[] = [];
  const drain = () => {
    for (const e of k.agent.journal.outbox.claim({ limit: 1000 })) outbox.push({ kind: e.kind, payload: e.payload as { code?: string } });
    return outbox;
  };
  const screenFault = (code: string, change: string) => drain().some((e) => e.kind === `fault.${change}` && e.payload.code === code);

  beforeAll(async () => {
    // vitest's global set-up builds it (tests/build-renderer.ts)
    expect(existsSync(join(DEFAULT_RENDERER_DIR, 'index.html'))).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'zizhu-screen-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    const now = pinnedNow(NOON_SHANGHAI);
    bo = await startBackOffice({ now });
    const config = await simKioskConfig(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    k = await startChromiumKiosk({ config, dir, now, watchdog: { frameEveryMs: 400, checkEveryMs: 300, paintTimeoutMs: 3_000, reloadGraceMs: 1_500 } });
  }, 60_000);
  afterAll(async () => {
    await k?.stop();
    await bo?.close();
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the home screen painted by Chromium', async () => {
    const painted = await until('home painted', () => k.agent.bridge!.lastPainted?.screen === 'home' && k.agent.bridge!.lastPainted);
    expect(painted.seq).toBeGreaterThan(0);
    expect(k.watchdog?.faults).toEqual([]);
  });

  it('a blanked screen is seen in the captured frame: SCREEN_BLACK to HQ, reload, home again, cleared', async () => {
    const page = (k.shell as ChromiumShell).page!;
    await page.evaluate("document.body.innerHTML = ''; document.documentElement.style.background = '#000'; document.body.style.background = '#000'");
    await until('SCREEN_BLACK raised', () => screenFault('SCREEN_BLACK', 'raised'));
    await until('SCREEN_BLACK cleared after the reload', () => screenFault('SCREEN_BLACK', 'cleared'), 30_000);
    expect(k.agent.bridge!.lastPainted?.screen).toBe('home');
  }, 60_000);

  it('a crashed renderer: RENDERER_CRASHED to HQ, the shell brings the page back, cleared on the next paint', async () => {
    const shell = k.shell as ChromiumShell;
    await shell.page!.send('Page.crash').catch(() => undefined);
    await until('RENDERER_CRASHED raised', () => screenFault('RENDERER_CRASHED', 'raised'));
    await until('RENDERER_CRASHED cleared', () => screenFault('RENDERER_CRASHED', 'cleared'), 30_000);
  }, 60_000);
});
