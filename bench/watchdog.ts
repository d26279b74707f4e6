/**
 * The screen watchdog's figures (issue 11), on a real agent with its own headless Chromium showing
 * the real renderer, the simulated devices on PTYs, the watchdog at its production intervals (corner
 * every 1 s, a small whole frame every 10 s, frozen after 2 s, covered after 2 checks, hung after
 * 3 s). Each fault is made for real through the shell's DevTools page and timed until its
 * `fault.raised` is in the agent's outbox (what the HQ link sends next; bench/hq.ts times that
 * path for SCREEN_BLACK):
 *
 * - screen_covered_detect_ms: a full-page overlay drawn over the page → SCREEN_COVERED.
 * - screen_frozen_detect_ms: an old picture of the screen laid over the page, then a tap (长辈模式)
 *   makes the agent push a new screen; from the renderer's `painted` of it → SCREEN_FROZEN.
 *   Floor: the frozen grace itself (screen_frozen_after_ms).
 * - renderer_hung_detect_ms: a busy loop in the page → RENDERER_HUNG: `hungAfterMs` (3 s) of silence
 *   counted from the last heartbeat, which came up to 1 s before the loop began.
 * - screen_capture_cpu_share: CPU (agent + Chromium's process group) over a quiet window on the home
 *   screen with the watchdog capturing, minus the same window with it stopped, as a share of one
 *   core; next to it the watchdog's own PNG/marker decoding alone (screen_capture_decode_cpu_share).
 *
 * Each fault is injected at a random point of the capture interval. Nothing here asserts a time: a
 * fault that never arrives is counted as missed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultCode } from '../contracts/faults.ts';
import { startKioskHardware } from '../hardware-sim/kiosk-hardware.ts';
import { startBackOffice } from '../backends/simulators.ts';
import { simConfigJson, SIM_PAYMENT_CREDENTIAL_ENV } from '../runtime/sim-config.ts';
import { parseKioskConfig } from '../kiosk-config/schema.ts';
import { startKioskProcess, type RunningKioskProcess } from '../runtime/kiosk-process.ts';
import type { ChromiumShell } from '../runtime/shell/chromium.ts';
import { percentile, round, sleep, waitFor } from './hq-common.ts';

export interface WatchdogBenchOptions {
  quick: boolean;
  log: (line: string) => void;
}

const OVERLAY = `(() => {
  const d = document.createElement('div');
  d.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:#f3f3f3;font:40px sans-serif;padding:80px';
  d.innerHTML = '<div style="background:#0078d4;color:#fff;padding:40px">Working on updates 32%</div>';
  document.body.appendChild(d);
})()`;
const oldPicture = (base64: string) => `(() => {
  const img = document.createElement('img');
  img.src = 'data:image/png;base64,${base64}';
  img.style.cssText = 'position:fixed;left:0;top:0;width:100vw;height:100vh;z-index:2147483647';
  document.body.appendChild(img);
  return img.decode();
})()`;
/** the production intervals, but a short grace after each recovery so the runs follow each other */
const WATCHDOG = { markerEveryMs: 1_000, frameEveryMs: 10_000, frozenAfterMs: 2_000, coveredAfterChecks: 2, hungAfterMs: 3_000, reloadGraceMs: 2_000 };

/** CPU ms (user + system) of every process in this process group (Chromium's browser and its children). */
function groupCpuMs(pgid: number): number {
  const tick = 1000 / 100; // USER_HZ
  let ms = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state)
      if (Number(f[2]) !== pgid) continue; // field 5: pgrp
      ms += (Number(f[11]) + Number(f[12])) * tick; // fields 14, 15: utime, stime
    } catch {
      // gone meanwhile
    }
  }
  return ms;
}
const agentCpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

export async function benchWatchdog(results: Record<string, unknown>, o: WatchdogBenchOptions): Promise<void> {
  o.log('watchdog: covered, frozen and hung screens detected; the capture\'s CPU (Chromium, headless)');
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-bench-watchdog-'));
  const hw = await startKioskHardware({ dir: join(dir, 'sim') });
  const bo = await startBackOffice({});
  let k: RunningKioskProcess | undefined;
  try {
    const raw = await simConfigJson(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    k = await startKioskProcess({
      config: parseKioskConfig(raw, 'gov-24h for the watchdog bench'),
      shell: 'chromium',
      headless: true,
      developmentNoSandbox: true,
      dataDir: join(dir, 'data'),
      logDir: false,
      console: false,
      env: { ...process.env, [SIM_PAYMENT_CREDENTIAL_ENV]: 'bench' },
      watchdog: WATCHDOG,
      // fault after fault here, each recovered by a reload: the recovery ladder stays on that rung (its climb is measured by tests)
      recovery: { attempts: { reload: 1_000, 'restart-shell': 1, 'restart-agent': 1 } },
    });
    const kiosk = k;
    const bridge = kiosk.agent.bridge!;
    const shell = kiosk.shell as ChromiumShell;
    const raisedAt = new Map<string, number>();
    kiosk.agent.journal.outbox.onEnqueue((r) => {
      if (r.kind === 'fault.raised') raisedAt.set((r.payload as { code: string }).code, performance.now());
    });
    const healthy = () => waitFor(() => bridge.lastPainted?.screen === 'home' && kiosk.watchdog!.faults.length === 0, 30_000, 20);
    /** inject, then time until `code` is raised (from `from()`, default the injection) */
    const timeIt = async (code: FaultCode, inject: () => Promise<number | void>): Promise<number | null> => {
      await healthy();
      await waitFor(() => kiosk.watchdog!.graceLeftMs === 0, 30_000, 20);
      await sleep(Math.random() * WATCHDOG.markerEveryMs); // anywhere in the capture interval
      raisedAt.delete(code);
      const t0 = performance.now();
      const start = (await inject()) ?? t0;
      const got = await waitFor(() => raisedAt.get(code), 15_000, 5);
      // the recovery reloads the page; wait for it to be proven again
      await waitFor(() => !kiosk.watchdog!.faults.includes(code), 30_000, 20);
      return got ? got.value - start : null;
    };
    const n = o.quick ? 1 : 5;
    const figures: Record<'covered' | 'frozen' | 'hung', number[]> = { covered: [], frozen: [], hung: [] };
    let missed = 0;
    await healthy();
    for (let i = 0; i < n; i++) {
      const covered = await timeIt('SCREEN_COVERED', async () => void (await shell.page!.evaluate(OVERLAY)));
      const frozen = await timeIt('SCREEN_FROZEN', async () => {
        await shell.page!.evaluate(oldPicture((await shell.captureFrame()).toString('base64')));
        const before = bridge.lastPainted!.seq;
        await shell.page!.evaluate(`document.querySelector('[data-action^="SET_ELDERLY"]').click()`);
        const painted = await waitFor(() => (bridge.lastPainted!.seq > before ? bridge.lastPainted : undefined), 5_000, 1);
        return painted?.at;
      });
      const hung = await timeIt('RENDERER_HUNG', async () => void (await shell.page!.evaluate('setTimeout(() => { for (;;) {} })')));
      for (const [key, v] of [['covered', covered], ['frozen', frozen], ['hung', hung]] as const) {
        if (v === null) missed++;
        else figures[key].push(v);
      }
      o.log(`  run ${i + 1}: covered ${covered?.toFixed(0) ?? 'missed'} ms, frozen ${frozen?.toFixed(0) ?? 'missed'} ms, hung ${hung?.toFixed(0) ?? 'missed'} ms`);
    }

    // the capture's CPU: a quiet window with the watchdog capturing, then one with it stopped
    const windowMs = o.quick ? 3_000 : 20_000;
    await healthy();
    await waitFor(() => kiosk.watchdog!.graceLeftMs === 0, 30_000, 20);
    const measure = async () => {
      const a0 = agentCpuMs();
      const c0 = groupCpuMs(shell.pid!);
      const t0 = performance.now();
      await sleep(windowMs);
      const wall = performance.now() - t0;
      return { agent: agentCpuMs() - a0, chromium: groupCpuMs(shell.pid!) - c0, wall };
    };
    const stats0 = { ...kiosk.watchdog!.stats };
    const on = await measure();
    const stats1 = { ...kiosk.watchdog!.stats };
    kiosk.watchdog!.stop();
    const off = await measure();
    const agentShare = on.agent / on.wall - off.agent / off.wall;
    const chromiumShare = on.chromium / on.wall - off.chromium / off.wall;
    const share = agentShare + chromiumShare;
    const decodeShare = (stats1.decodeCpuMs - stats0.decodeCpuMs) / on.wall;
    const captures = stats1.markerCaptures - stats0.markerCaptures + (stats1.frameCaptures - stats0.frameCaptures);

    const p50 = (xs: number[]) => round(percentile(xs, 0.5));
    const max = (xs: number[]) => (xs.length ? round(Math.max(...xs)) : Number.NaN);
    results.screen_covered_detect_ms = p50(figures.covered);
    results.screen_covered_detect_max_ms = max(figures.covered);
    results.screen_frozen_detect_ms = p50(figures.frozen);
    results.screen_frozen_detect_max_ms = max(figures.frozen);
    results.screen_frozen_after_ms = WATCHDOG.frozenAfterMs;
    results.renderer_hung_detect_ms = p50(figures.hung);
    results.renderer_hung_detect_max_ms = max(figures.hung);
    results.renderer_hung_after_ms = WATCHDOG.hungAfterMs;
    results.screen_detect_runs = n;
    results.screen_detect_missed = missed;
    results.screen_detect_target_ms = 5000;
    results.screen_marker_every_ms = WATCHDOG.markerEveryMs;
    results.screen_capture_cpu_share = round(Math.max(0, share), 4);
    // (a difference of two noisy windows: a share below the noise comes out negative, reported as 0)
    results.screen_capture_agent_cpu_share = round(Math.max(0, agentShare), 4);
    results.screen_capture_chromium_cpu_share = round(Math.max(0, chromiumShare), 4);
    results.screen_capture_decode_cpu_share = round(decodeShare, 5);
    results.screen_capture_window_ms = windowMs;
    results.screen_captures_per_s = round((captures / on.wall) * 1000, 2);
    results.screen_capture_wait_ms = round((stats1.captureWaitMs - stats0.captureWaitMs) / Math.max(1, captures), 1);
    o.log(
      `  covered ${results.screen_covered_detect_ms} ms (max ${results.screen_covered_detect_max_ms}), frozen ${results.screen_frozen_detect_ms} ms (max ${results.screen_frozen_detect_max_ms}; grace ${WATCHDOG.frozenAfterMs}), hung ${results.renderer_hung_detect_ms} ms (max ${results.renderer_hung_detect_max_ms}; after ${WATCHDOG.hungAfterMs}) over ${n} runs, ${missed} missed (target ≤ 5000 each)`,
    );
    o.log(
      `  capture CPU over ${windowMs / 1000} s: ${(share * 100).toFixed(2)} % of one core (agent ${(agentShare * 100).toFixed(2)} %, Chromium ${(chromiumShare * 100).toFixed(2)} %); the watchdog's own decoding ${(decodeShare * 100).toFixed(3)} %; ${results.screen_captures_per_s} captures/s, ${results.screen_capture_wait_ms} ms each`,
    );
  } finally {
    await k?.stop('bench done');
    await bo.close();
    await hw.close();
    await rm(dir, { recursive: true, force: true });
  }
}
