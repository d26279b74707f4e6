/**
 * HQ figures (issue 9, "Tests and figures"), each next to a baseline measured in the same run:
 *
 * - paper_out_to_hq_ms: a real agent on the simulated devices (socat PTYs) with its link to a real
 *   HQ (SQLite file, durability `full`, heartbeat 1 s): paper-out injected through the simulator's
 *   control API → the driver's status → the fault board → the outbox → the link → HQ's active
 *   PRINTER_PAPER_OUT alarm, found by polling HQ's file every 2 ms. Baseline: the round trip of one
 *   signed ingest POST of one fault event to the same HQ (hq_ingest_round_trip_ms).
 * - print_not_delivered_to_hq_ms: the printer in `prints-nothing` (stalled) mode; a receipt through
 *   the flows' own print actor (`printReceiptActor`, the print-job machine on the agent's journal and
 *   printer: what a flow's PRINT step runs) fails after the completion timeout; measured from the
 *   driver's `job` ended event to the `print.not_delivered` event stored at HQ. Same baseline.
 * - black_screen_to_hq_ms: the agent with its own headless Chromium shell, the watchdog at its production
 *   intervals; the page blanked through the shell's CDP page → the next look at the corner finds no
 *   marker → a small whole frame at once, flat → SCREEN_BLACK active at HQ. Baseline: a floor of half a
 *   corner interval (the expected wait for the next look) + one capture and its analysis (measured) + one
 *   ingest round trip.
 * - offline_detected_s: the agent stopped (heartbeat 1 s, HQ's watch every 250 ms) → KIOSK_OFFLINE
 *   active at HQ. Baseline: HQ's rule, 3 heartbeat intervals (offline_detected_intervals).
 * - the ingest rate, the outbox drain after an outage and the fleet size: bench/hq-throughput.ts.
 *
 * HQ and every kiosk share one clock pinned at BENCH_INSTANT (so no CLOCK_SKEW, and the kiosks are
 * open). Every process started is ended by its own handle; temp dirs are removed. Nothing here
 * asserts a time: a path that never arrives is counted as missed and reported.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { createActor, toPromise } from 'xstate';
import { FaultCode } from '../contracts/faults.ts';
import { startKioskHardware, type RunningKioskHardware } from '../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../backends/simulators.ts';
import { simConfigJson, SIM_PAYMENT_CREDENTIAL_ENV } from '../runtime/sim-config.ts';
import { parseKioskConfig } from '../kiosk-config/schema.ts';
import { startKioskProcess, type KioskProcessOptions, type RunningKioskProcess } from '../runtime/kiosk-process.ts';
import type { ChromiumShell } from '../runtime/shell/chromium.ts';
import { isBlankFrame } from '../runtime/screen-watchdog.ts';
import { printReceiptActor } from '../runtime/flows/print-actors.ts';
import { providentFundStatementJob } from '../drivers/printer/sample-jobs.ts';
import type { JobEvent } from '../drivers/printer/device.ts';
import { startHqServer } from '../hq/server/server.ts';
import { enrollKiosk } from '../hq/server/kiosks/enroll.ts';
import { faultPayload, IngestKiosk, sendIngest } from '../hq/server/testing.ts';
import { pinnedNow, type Now } from '../state-machines/deadlines.ts';
import { BENCH_INSTANT, percentile, round, sleep, waitFor } from './hq-common.ts';
import { benchFleet, benchIngest, benchOutboxDrain } from './hq-throughput.ts';

export interface HqBenchOptions {
  quick: boolean;
  log: (line: string) => void;
}

const HQ_SECRET_ENV = 'ZIZHU_BENCH_HQ_SECRET';
const HEARTBEAT_S = 1;
/**
 * How often the watchdog looks at the glass, in production (ScreenWatchdog `markerEveryMs`, issue 11: the
 * corner with the marker every second; before issue 11 a whole frame once a minute). The figure is measured
 * at the production intervals and says so (black_screen_frame_every_ms).
 */
const FRAME_EVERY_MS = 1_000;
const PRODUCTION_FRAME_EVERY_MS = 1_000;
const BLANK_PAGE = "document.body.innerHTML = ''; document.documentElement.style.background = '#000'; document.body.style.background = '#000'";

/** HQ's SQLite file, read by a connection of our own (WAL: it sees every commit at once, and HQ's connection is not queued behind our polls). */
class HqProbe {
  private readonly db: Database.Database;
  private readonly alarm: Database.Statement<[string, string], { status: string; updated_at: number }>;
  private readonly event: Database.Statement<[string], { received_at: number }>;
  private readonly kioskRow: Database.Statement<[string], { last_seen_at: number | null; last_heartbeat_at: number | null; offline: number }>;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.alarm = this.db.prepare('SELECT status, updated_at FROM alarms WHERE kiosk_id = ? AND code = ? ORDER BY generation DESC LIMIT 1');
    this.event = this.db.prepare('SELECT received_at FROM events WHERE id = ?');
    this.kioskRow = this.db.prepare('SELECT last_seen_at, last_heartbeat_at, offline FROM kiosks WHERE id = ?');
  }

  alarmOf(kioskId: string, code: FaultCode) {
    return this.alarm.get(kioskId, code);
  }

  /** the kiosk's alarm of `code` is active (acknowledged or not) */
  active(kioskId: string, code: FaultCode) {
    const a = this.alarm.get(kioskId, code);
    return a && a.status.startsWith('active') ? a : undefined;
  }

  stored(eventId: string): boolean {
    return this.event.get(eventId) !== undefined;
  }

  kiosk(kioskId: string) {
    return this.kioskRow.get(kioskId);
  }

  close(): void {
    this.db.close();
  }
}

interface BenchKiosk {
  readonly id: string;
  readonly process: RunningKioskProcess;
  /** POST to the hardware simulator's control API */
  device(device: 'idReader' | 'printer' | 'scanner', action: string, body?: unknown): Promise<void>;
  /** start the agent again on the same journal (after `process.stop()`) */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A gov-24h kiosk as the e2e tests run it (tests/e2e/kiosk-stack.ts): the three simulated devices
 * on socat PTYs, the back-office simulators, the agent with its HQ link (the secret through an env:
 * reference), on the shared pinned clock; `shell: 'chromium'` adds its own headless Chromium.
 */
async function startBenchKiosk(o: {
  dir: string;
  id: string;
  hqUrl: string;
  secret: string;
  now: Now;
  shell: 'none' | 'chromium';
  watchdog?: KioskProcessOptions['watchdog'];
}): Promise<BenchKiosk> {
  const hw: RunningKioskHardware = await startKioskHardware({ dir: join(o.dir, 'sim') });
  let bo: BackOffice | undefined;
  let current: RunningKioskProcess | undefined;
  let start: () => Promise<RunningKioskProcess>;
  try {
    bo = await startBackOffice({ now: o.now, payment: { refundProcessingMs: 0 } });
    const raw = await simConfigJson(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    raw.id = o.id;
    raw.hq = { url: o.hqUrl, credentialsRef: `env:${HQ_SECRET_ENV}`, heartbeatSeconds: HEARTBEAT_S };
    // a receipt nobody confirms is given up after 1 s (the least the config allows) instead of 20 s: the figure starts when it is given up
    Object.assign((raw.devices as { printer: Record<string, unknown> }).printer, { completionTimeoutMs: 1_000 });
    const config = parseKioskConfig(raw, 'gov-24h for the HQ bench');
    start = () =>
      startKioskProcess({
        config,
        shell: o.shell,
        ...(o.shell === 'chromium' ? { headless: true, developmentNoSandbox: true } : {}),
        ...(o.watchdog ? { watchdog: o.watchdog } : {}),
        // the same fault again and again here, each time recovered by a reload: the recovery ladder stays on that rung
        recovery: { attempts: { reload: 1_000, 'restart-shell': 1, 'restart-agent': 1 } },
        dataDir: join(o.dir, 'data'),
        logDir: false,
        console: false,
        now: o.now,
        env: { ...process.env, [SIM_PAYMENT_CREDENTIAL_ENV]: 'bench', [HQ_SECRET_ENV]: o.secret },
      });
    current = await start();
  } catch (e) {
    await bo?.close();
    await hw.close();
    throw e;
  }
  const backOffice = bo;
  return {
    id: o.id,
    get process() {
      return current!;
    },
    async device(device, action, body = {}) {
      const res = await fetch(`${hw.control.url}/devices/${device}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`simulator ${device} ${action}: HTTP ${res.status} ${await res.text()}`);
    },
    async restart() {
      await current?.stop('bench: restart');
      current = await start();
    },
    async close() {
      await current?.stop('bench done');
      await backOffice.close();
      await hw.close();
    },
  };
}

/** The round trip of one signed ingest POST of one event (a fault raised, then cleared: the same work HQ does for paper-out), p50 and p95 of `n`. */
async function ingestRoundTrips(hqUrl: string, kiosk: IngestKiosk, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n + 3; i++) {
    const e = kiosk.event(i % 2 === 0 ? 'fault.raised' : 'fault.cleared', faultPayload(FaultCode.PRINTER_PAPER_OUT));
    const req = kiosk.request([e]);
    const t0 = performance.now();
    const a = await sendIngest(hqUrl, req);
    const ms = performance.now() - t0;
    if (a.status !== 200) throw new Error(`baseline ingest answered ${a.status}: ${JSON.stringify(a.body)}`);
    if (i >= 3) times.push(ms); // the first few warm the connection and HQ's statement cache
    await sleep(20);
  }
  return times;
}

export async function benchHq(results: Record<string, unknown>, o: HqBenchOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-bench-hq-'));
  try {
    await benchAlarmPaths(results, o, dir);
    const raw = await benchIngest(results, o, dir);
    await benchOutboxDrain(results, o, dir, raw);
    await benchFleet(results, o, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchAlarmPaths(results: Record<string, unknown>, o: HqBenchOptions, dir: string): Promise<void> {
  const { quick, log } = o;
  log('HQ: kiosk faults → alarms at a real HQ (SQLite file, durability full), heartbeat 1 s');
  const now = pinnedNow(BENCH_INSTANT);
  const hqFile = join(dir, 'alarms-hq.sqlite');
  const hq = await startHqServer({ dbUrl: `sqlite:${hqFile}`, now, offlineCheckMs: 250 });
  const probe = new HqProbe(hqFile);
  try {
    const baselineKiosk = new IngestKiosk('bench-baseline-0001', await enrollKiosk(hq.db, { id: 'bench-baseline-0001', district: '福田区' }, now), now);
    const GOV = 'bench-gov-0001';
    const a = await startBenchKiosk({ dir: join(dir, 'kiosk-a'), id: GOV, hqUrl: hq.url, secret: await enrollKiosk(hq.db, { id: GOV, district: '福田区' }, now), now, shell: 'none' });
    let roundTrips: number[] = [];
    try {
      await waitFor(() => probe.kiosk(GOV)?.last_heartbeat_at, 30_000, 20);
      roundTrips = await ingestRoundTrips(hq.url, baselineKiosk, quick ? 10 : 30);
      const rtt = percentile(roundTrips, 0.5);
      log(`  baseline: one signed ingest POST of one event, round trip p50 ${rtt.toFixed(1)} ms, p95 ${percentile(roundTrips, 0.95).toFixed(1)} ms`);
      results.hq_ingest_round_trip_ms = round(rtt, 2);
      results.hq_ingest_round_trip_p95_ms = round(percentile(roundTrips, 0.95), 2);
      await benchPaperOut(results, o, a, probe, rtt);
      await benchPrintNotDelivered(results, o, a, probe, now, rtt);
      await benchOffline(results, o, a, probe);
    } finally {
      await a.close();
    }

    const SCREEN = 'bench-gov-0002';
    // production looks at the glass (markerEveryMs 1 s, frameEveryMs 10 s); a short grace after each reload
    const watchdog = { markerEveryMs: FRAME_EVERY_MS, checkEveryMs: 500, paintTimeoutMs: 5_000, reloadGraceMs: 1_500 };
    const b = await startBenchKiosk({ dir: join(dir, 'kiosk-b'), id: SCREEN, hqUrl: hq.url, secret: await enrollKiosk(hq.db, { id: SCREEN, district: '福田区' }, now), now, shell: 'chromium', watchdog });
    // Chromium keeps its singleton socket in a /tmp/org.chromium.Chromium.* directory of its own, which outlives the
    // profile the shell removes: ours is found through the profile's SingletonSocket link and removed after
    const singletonDir = await readlink(join((b.process.shell as ChromiumShell).userDataDir ?? '', 'SingletonSocket')).then(dirname, () => undefined);
    try {
      await benchBlackScreen(results, o, b, probe, percentile(roundTrips, 0.5), watchdog.reloadGraceMs);
    } finally {
      await b.close();
      if (singletonDir?.startsWith(join(tmpdir(), 'org.chromium.Chromium.'))) await rm(singletonDir, { recursive: true, force: true });
    }
  } finally {
    probe.close();
    await hq.close();
  }
}

async function benchPaperOut(results: Record<string, unknown>, o: HqBenchOptions, k: BenchKiosk, probe: HqProbe, rtt: number): Promise<void> {
  const n = o.quick ? 3 : 10;
  const toHq: number[] = [];
  const toOutbox: number[] = [];
  let missed = 0;
  for (let i = 0; i < n; i++) {
    await sleep(Math.random() * HEARTBEAT_S * 1000); // anywhere in the heartbeat's second
    let enqueuedAt: number | undefined;
    const off = k.process.agent.journal.outbox.onEnqueue((r) => {
      if (r.kind === 'fault.raised' && (r.payload as { code?: string }).code === FaultCode.PRINTER_PAPER_OUT) enqueuedAt ??= performance.now();
    });
    const t0 = performance.now();
    await k.device('printer', 'paper-out');
    const got = await waitFor(() => probe.active(k.id, FaultCode.PRINTER_PAPER_OUT), 15_000);
    off();
    if (got) {
      toHq.push(got.at - t0);
      if (enqueuedAt !== undefined) toOutbox.push(enqueuedAt - t0);
    } else missed++;
    await k.device('printer', 'load-paper');
    await waitFor(() => probe.alarmOf(k.id, FaultCode.PRINTER_PAPER_OUT)?.status.startsWith('cleared'), 15_000, 10);
  }
  const p50 = percentile(toHq, 0.5);
  results.paper_out_to_hq_ms = round(p50);
  results.paper_out_to_hq_p95_ms = round(percentile(toHq, 0.95));
  results.paper_out_to_hq_runs = toHq.length;
  results.paper_out_to_hq_missed = missed;
  results.paper_out_to_outbox_ms = round(percentile(toOutbox, 0.5));
  results.paper_out_baseline_round_trip_ms = round(rtt, 2);
  results.paper_out_vs_round_trip_ratio = round(p50 / rtt, 2);
  results.paper_out_to_hq_target_ms = 1000;
  o.log(
    `  paper out → active PRINTER_PAPER_OUT at HQ: p50 ${p50.toFixed(1)} ms, p95 ${percentile(toHq, 0.95).toFixed(1)} ms over ${toHq.length} (target ≤ 1000 ms; journaled after ${percentile(toOutbox, 0.5).toFixed(1)} ms) = ${(p50 / rtt).toFixed(1)} × one ingest round trip${missed ? `; ${missed} never arrived` : ''}`,
  );
}

async function benchPrintNotDelivered(results: Record<string, unknown>, o: HqBenchOptions, k: BenchKiosk, probe: HqProbe, now: Now, rtt: number): Promise<void> {
  const n = o.quick ? 3 : 10;
  const agent = k.process.agent;
  const printer = agent.devices.printer!;
  const printReceipt = printReceiptActor({ journal: agent.journal, printer, now });
  const times: number[] = [];
  let missed = 0;
  await k.device('printer', 'prints-nothing', { mode: 'stalled' });
  try {
    for (let i = 0; i < n; i++) {
      await sleep(Math.random() * HEARTBEAT_S * 1000);
      let endedAt: number | undefined;
      let eventId: string | undefined;
      const onJob = (e: JobEvent) => {
        if (e.state === 'ended' && !e.delivered) endedAt ??= performance.now();
      };
      printer.on('job', onJob);
      const off = agent.journal.outbox.onEnqueue((r) => {
        if (r.kind === 'print.not_delivered') eventId ??= r.id;
      });
      const job = createActor(printReceipt, { input: { job: providentFundStatementJob(), sessionId: `bench-print-${i}`, printJobId: `bench-print-${randomUUID()}` } });
      const outcome = toPromise(job).then(
        () => 'delivered',
        () => 'not delivered',
      );
      job.start();
      const got = await waitFor(() => eventId !== undefined && probe.stored(eventId), 30_000);
      const result = await outcome;
      printer.off('job', onJob);
      off();
      if (got && endedAt !== undefined && result === 'not delivered') times.push(got.at - endedAt);
      else missed++;
      // staff "paper reloaded": undelivered jobs are forgotten, so PRINTER_NOT_DELIVERING (2 in a row) does not stop the next receipt before it is sent
      printer.paperReloaded();
    }
  } finally {
    await k.device('printer', 'prints-nothing', { mode: 'off' });
  }
  const p50 = percentile(times, 0.5);
  results.print_not_delivered_to_hq_ms = round(p50);
  results.print_not_delivered_to_hq_p95_ms = round(percentile(times, 0.95));
  results.print_not_delivered_to_hq_runs = times.length;
  results.print_not_delivered_to_hq_missed = missed;
  results.print_not_delivered_baseline_round_trip_ms = round(rtt, 2);
  results.print_not_delivered_vs_round_trip_ratio = round(p50 / rtt, 2);
  results.print_not_delivered_to_hq_target_ms = 2000;
  o.log(
    `  receipt not delivered (prints nothing): the driver's job ended → print.not_delivered stored at HQ: p50 ${p50.toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms over ${times.length} (target ≤ 2000 ms) = ${(p50 / rtt).toFixed(1)} × one ingest round trip${missed ? `; ${missed} missed` : ''}`,
  );
}

async function benchOffline(results: Record<string, unknown>, o: HqBenchOptions, k: BenchKiosk, probe: HqProbe): Promise<void> {
  const n = o.quick ? 1 : 3;
  const fromStop: number[] = [];
  const fromLastHeard: number[] = [];
  let missed = 0;
  for (let i = 0; i < n; i++) {
    await waitFor(() => {
      const row = probe.kiosk(k.id);
      return row && row.offline === 0 && row.last_heartbeat_at !== null && !probe.active(k.id, FaultCode.KIOSK_OFFLINE);
    }, 30_000, 20);
    await sleep(1_000 + Math.random() * HEARTBEAT_S * 1000);
    const t0 = performance.now();
    const stopping = k.process.stop('bench: the agent stops');
    const got = await waitFor(() => probe.active(k.id, FaultCode.KIOSK_OFFLINE), 30_000, 5);
    await stopping;
    if (got) {
      fromStop.push((got.at - t0) / 1000);
      const lastSeen = probe.kiosk(k.id)?.last_seen_at;
      if (lastSeen) fromLastHeard.push((got.value.updated_at - lastSeen) / 1000);
    } else missed++;
    if (i < n - 1) {
      await k.restart();
      await waitFor(() => probe.alarmOf(k.id, FaultCode.KIOSK_OFFLINE)?.status.startsWith('cleared'), 30_000, 20);
    }
  }
  const p50 = percentile(fromStop, 0.5);
  results.offline_detected_s = round(p50, 2);
  results.offline_detected_max_s = round(Math.max(...fromStop), 2);
  results.offline_detected_since_last_heard_s = round(percentile(fromLastHeard, 0.5), 2);
  results.offline_detected_runs = fromStop.length;
  results.offline_detected_missed = missed;
  results.offline_heartbeat_s = HEARTBEAT_S;
  results.offline_detected_intervals = round(p50 / HEARTBEAT_S, 2);
  results.offline_detected_target_intervals = 3;
  o.log(
    `  agent stopped → KIOSK_OFFLINE at HQ: p50 ${p50.toFixed(2)} s (max ${Math.max(...fromStop).toFixed(2)} s) = ${(p50 / HEARTBEAT_S).toFixed(2)} heartbeat intervals (target ≤ 3); ${percentile(fromLastHeard, 0.5).toFixed(2)} s after HQ last heard from it (HQ's watch every 250 ms)`,
  );
}

async function benchBlackScreen(results: Record<string, unknown>, o: HqBenchOptions, k: BenchKiosk, probe: HqProbe, rtt: number, graceMs: number): Promise<void> {
  const n = o.quick ? 2 : 6;
  const shell = () => k.process.shell as ChromiumShell;
  const homeShown = () => k.process.agent.bridge?.lastPainted?.screen === 'home';
  await waitFor(() => homeShown() && probe.kiosk(k.id)?.last_heartbeat_at, 30_000, 20);
  await sleep(graceMs);
  // one capture and its analysis, as the watchdog does it
  const captures: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    isBlankFrame(await shell().captureFrame());
    captures.push(performance.now() - t0);
  }
  const capture = percentile(captures, 0.5);
  const times: number[] = [];
  let missed = 0;
  for (let i = 0; i < n; i++) {
    await waitFor(() => homeShown() && !probe.active(k.id, FaultCode.SCREEN_BLACK) && k.process.watchdog?.faults.length === 0, 30_000, 20);
    await sleep(Math.random() * FRAME_EVERY_MS); // anywhere in the capture interval
    const t0 = performance.now();
    await shell().page!.evaluate(BLANK_PAGE);
    const got = await waitFor(() => probe.active(k.id, FaultCode.SCREEN_BLACK), 20_000);
    if (got) times.push(got.at - t0);
    else missed++;
    // the watchdog reloads the page; the next good frame after its grace clears the fault
    await waitFor(() => probe.alarmOf(k.id, FaultCode.SCREEN_BLACK)?.status.startsWith('cleared'), 30_000, 20);
  }
  const p50 = percentile(times, 0.5);
  const floor = FRAME_EVERY_MS / 2 + capture + rtt;
  results.black_screen_to_hq_ms = round(p50);
  results.black_screen_to_hq_p95_ms = round(percentile(times, 0.95));
  results.black_screen_to_hq_runs = times.length;
  results.black_screen_to_hq_missed = missed;
  // the corner interval the figure was measured at, and the production default (issue 11: both 1 s)
  results.black_screen_frame_every_ms = FRAME_EVERY_MS;
  results.black_screen_production_frame_every_ms = PRODUCTION_FRAME_EVERY_MS;
  results.black_screen_capture_ms = round(capture);
  results.black_screen_floor_ms = round(floor);
  results.black_screen_vs_floor_ratio = round(p50 / floor, 2);
  results.black_screen_to_hq_target_ms = 5000;
  o.log(
    `  page blanked → SCREEN_BLACK at HQ (frame every ${FRAME_EVERY_MS} ms; production default ${PRODUCTION_FRAME_EVERY_MS} ms): p50 ${p50.toFixed(0)} ms, p95 ${percentile(times, 0.95).toFixed(0)} ms over ${times.length} (target ≤ 5000 ms); floor ${floor.toFixed(0)} ms (half an interval + a ${capture.toFixed(0)} ms capture + a round trip)${missed ? `; ${missed} missed` : ''}`,
  );
}
