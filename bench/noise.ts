/**
 * Issue 11, "no false faults" figures:
 *
 * - false_faults_per_64k_noise: a real agent on the simulated devices over socat PTYs (an
 *   epson-generic printer, its status polled once a second), 64 KiB of seeded random bytes written
 *   onto the printer line through the simulator's control API (`noise {bytes, seed}`, one seed per
 *   burst); every `fault.raised` and `fault.cleared` the agent journals for HQ from the burst until
 *   3 s after it (2 s in --quick) is counted. Target 0. Baseline, so a 0 is not a line that carried nothing: the
 *   bytes of each burst the printer driver took for noise (noise_64k_garbage_bytes_per_burst).
 * - paper_out_after_noise_to_outbox_ms: right after each burst, paper out injected → PRINTER_PAPER_OUT
 *   journaled for HQ (debounce included: the status reads that confirm it). bench/hq.ts takes the
 *   same path on to HQ (paper_out_to_hq_ms, target ≤ 1000 ms).
 *
 * The kiosk lives at BENCH_INSTANT. Every process started is ended by its own handle; the temp dir
 * is removed. Nothing here asserts a figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultCode } from '../contracts/faults.ts';
import { startKioskHardware } from '../hardware-sim/kiosk-hardware.ts';
import { simConfigJson } from '../runtime/sim-config.ts';
import { parseKioskConfig } from '../kiosk-config/schema.ts';
import { startAgent } from '../runtime/agent.ts';
import { pinnedNow } from '../state-machines/deadlines.ts';
import { BENCH_INSTANT, percentile, round, sleep, waitFor } from './hq-common.ts';

const BURST_BYTES = 65_536;
/** how long after a burst a fault it caused may still show (the debounce's reads, the next status poll and its confirmation) */
const SETTLE_MS = { full: 3_000, quick: 2_000 };

export async function benchNoise(results: Record<string, unknown>, o: { quick: boolean; log: (line: string) => void }): Promise<void> {
  const bursts = o.quick ? 2 : 10;
  const settleMs = o.quick ? SETTLE_MS.quick : SETTLE_MS.full;
  o.log(`line noise: ${bursts} × 64 KiB of random bytes on the printer line of a real agent (PTYs, epson-generic)`);
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-bench-noise-'));
  const hw = await startKioskHardware({ dir: join(dir, 'sim') });
  try {
    const config = parseKioskConfig(await simConfigJson(hw.describe(), 'gov-24h'), 'gov-24h for the noise bench');
    const agent = await startAgent({ config, dataDir: join(dir, 'data'), logDir: false, console: false, now: pinnedNow(BENCH_INSTANT) });
    const control = (device: string, action: string, body: unknown = {}) =>
      fetch(`${hw.control.url}/devices/${device}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => {
        if (!r.ok) throw new Error(`simulator ${device} ${action}: HTTP ${r.status} ${await r.text()}`);
      });
    const printer = agent.devices.printer!;
    // status read every second (the profile's heartbeat is 5 s), so bursts meet reads in flight
    const poll = setInterval(() => void printer.refreshStatus().catch(() => undefined), 1_000);
    try {
      await waitFor(() => printer.health.state === 'ok', 10_000, 20);
      const faultEvents: string[] = [];
      let paperOutAt: number | undefined;
      const off = agent.journal.outbox.onEnqueue((r) => {
        if (!r.kind.startsWith('fault.')) return;
        const code = (r.payload as { code?: string }).code;
        if (code === FaultCode.PRINTER_PAPER_OUT) paperOutAt ??= performance.now();
        else faultEvents.push(`${r.kind} ${code}`);
      });
      const perBurst: number[] = [];
      const garbage: number[] = [];
      const paperOut: number[] = [];
      try {
        for (let i = 0; i < bursts; i++) {
          const before = faultEvents.length;
          const garbageBefore = printer.health.lineNoise?.garbageBytes ?? 0;
          await control('printer', 'noise', { bytes: BURST_BYTES, seed: 1 + i });
          await sleep(settleMs);
          perBurst.push(faultEvents.length - before);
          garbage.push((printer.health.lineNoise?.garbageBytes ?? 0) - garbageBefore);
          // a real fault right after the noise still gets through, debounce and all
          paperOutAt = undefined;
          const t0 = performance.now();
          await control('printer', 'paper-out');
          if (await waitFor(() => paperOutAt, 5_000, 1)) paperOut.push(paperOutAt! - t0);
          await control('printer', 'load-paper');
          await waitFor(() => !printer.health.faults.includes(FaultCode.PRINTER_PAPER_OUT), 5_000, 5);
          await sleep(300);
        }
      } finally {
        off();
      }
      const total = perBurst.reduce((a, b) => a + b, 0);
      results.false_faults_per_64k_noise = round(total / bursts, 2);
      results.false_faults_64k_noise_bursts = bursts;
      results.false_faults_per_64k_noise_target = 0;
      results.noise_64k_garbage_bytes_per_burst = Math.round(percentile(garbage, 0.5));
      results.paper_out_after_noise_to_outbox_ms = round(percentile(paperOut, 0.5));
      results.paper_out_after_noise_runs = paperOut.length;
      o.log(
        `  fault.raised + fault.cleared per 64 KiB burst: ${(total / bursts).toFixed(2)} (target 0; ${total} over ${bursts} bursts${total ? `: ${faultEvents.slice(0, 6).join(', ')}` : ''}); the driver counted ${Math.round(percentile(garbage, 0.5))} of the ${BURST_BYTES} bytes as noise (p50); paper out right after → journaled for HQ in ${percentile(paperOut, 0.5).toFixed(1)} ms p50 (${paperOut.length}/${bursts})`,
      );
    } finally {
      clearInterval(poll);
      await agent.stop();
    }
  } finally {
    await hw.close();
    await rm(dir, { recursive: true, force: true });
  }
}
