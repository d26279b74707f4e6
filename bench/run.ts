/**
 * `npm run bench` → bench/results.json.
 *
 * Every figure is reported next to a baseline measured or derived in the same run, because this
 * machine is noisy: the ID read against its wire-time floor, the print verification overhead
 * against the wire time of the verification exchange, decoding against a bare checksum pass,
 * full sessions per second against the disk's rate of fsynced commits (every journaled transition
 * is one), RSS growth over many sessions against the RSS after a warm-up; HQ's figures (bench/hq.ts)
 * against one ingest round trip, a capture floor, HQ's offline rule and raw SQLite inserts.
 */
import { writeFile, mkdtemp, mkdir, rm } from 'node:fs/promises';
import { benchScreen } from './screen.ts';
import { benchWatchdog } from './watchdog.ts';
import { benchHq } from './hq.ts';
import { benchNotify } from './hq-notify.ts';
import { benchAvailability } from './hq-availability.ts';
import { benchNoise } from './noise.ts';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { openPtyPair } from '../hardware-sim/pty.ts';
import { SerialLink } from '../drivers/transport/serial.ts';
import { IdCardReader } from '../drivers/id-reader/device.ts';
import { SimulatedIdReader, readReplyFrame, rfDelayOfOneRead } from '../hardware-sim/id-reader/simulator.ts';
import { SAMPLE_IDENTITIES } from '../hardware-sim/id-reader/identities.ts';
import { idReadFloorMs, measureIdCardDecodeRate } from '../drivers/id-reader/bench-support.ts';
import { xorChecksum } from '../drivers/id-reader/protocol.ts';
import { ReceiptPrinter } from '../drivers/printer/device.ts';
import { SimulatedPrinter } from '../hardware-sim/printer/simulated-printer.ts';
import { PacedLink } from '../hardware-sim/paced-link.ts';
import { providentFundStatementJob } from '../drivers/printer/sample-jobs.ts';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { startBackOffice } from '../backends/simulators.ts';
import { pinnedNow } from '../state-machines/deadlines.ts';

/** Wednesday 2026-06-10 12:00 in Asia/Shanghai: the instant the benchmarked kiosks and back offices live at */
const BENCH_INSTANT = Date.parse('2026-06-10T12:00:00+08:00');

const quick = process.argv.includes('--quick');
const results: Record<string, unknown> = {};
const log = (s: string) => process.stderr.write(`${s}\n`);

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, p50: q(0.5), p95: q(0.95), min: s[0]!, max: s[s.length - 1]! };
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function serialPair(baudRate: number) {
  const pty = await openPtyPair();
  const kiosk = new SerialLink({ path: pty.kioskPath, baudRate });
  const sim = new SerialLink({ path: pty.simPath, baudRate });
  await Promise.all([kiosk.open(), sim.open()]);
  return {
    kiosk,
    sim,
    kioskPath: pty.kioskPath,
    async close() {
      await Promise.allSettled([kiosk.close(), sim.close()]);
      await pty.close();
    },
  };
}

async function benchIdRead(): Promise<void> {
  const baudRate = 115200;
  const pollIntervalMs = 200;
  const placements = quick ? 8 : 30;
  const pair = await serialPair(baudRate);
  const sim = new SimulatedIdReader({ baudRate });
  sim.attach(pair.sim);
  const reader = new IdCardReader({ link: pair.kiosk, pollIntervalMs });
  reader.start();
  const times: number[] = [];
  for (let i = 0; i < placements; i++) {
    // place the card at a random point of the poll cycle, as a person would
    await new Promise((r) => setTimeout(r, Math.random() * pollIntervalMs));
    const t0 = performance.now();
    const got = new Promise<number>((resolve) => reader.once('card', () => resolve(performance.now())));
    await sim.control('card-on', { identity: 'resident' });
    times.push((await got) - t0);
    const gone = new Promise<void>((resolve) => reader.once('cardRemoved', () => resolve()));
    await sim.control('card-off', {});
    await gone;
  }
  await reader.close();
  sim.detach();
  await pair.close();
  const floor = idReadFloorMs({ baudRate, rfDelayMs: rfDelayOfOneRead(sim.state().rf), pollIntervalMs });
  const s = stats(times);
  results.id_read_ms = round(s.mean);
  results.id_read_p95_ms = round(s.p95);
  results.id_read_floor_ms = round(floor);
  results.id_read_ratio = round(s.mean / floor, 3);
  results.id_read_ratio_target = 1.15;
  log(`id read: mean ${s.mean.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, floor ${floor.toFixed(1)} ms → ratio ${(s.mean / floor).toFixed(3)} (target ≤ 1.15)`);
}

async function benchPrintVerify(): Promise<void> {
  const baudRate = 115200;
  const jobs = quick ? 5 : 20;
  const pair = await serialPair(baudRate);
  const sim = new SimulatedPrinter({ profile: 'epson-generic', speedMmPerSec: 2000 });
  // the printer's replies take their wire time, as on a real UART
  sim.attach(new PacedLink(pair.sim, baudRate));
  const printer = new ReceiptPrinter({ link: pair.kiosk, profile: 'epson-generic', wireMsPerByte: 10_000 / baudRate, healthPollMs: 0 });
  await printer.start();
  let physicalCompletionAt = 0;
  sim.on('completion', (e) => (physicalCompletionAt = e.at));
  const overhead: number[] = [];
  const driverSide: number[] = [];
  for (let i = 0; i < jobs; i++) {
    const result = await printer.print(providentFundStatementJob());
    const resolvedAt = performance.now();
    overhead.push(resolvedAt - physicalCompletionAt);
    if (result.timings.completionToResolveMs !== null) driverSide.push(result.timings.completionToResolveMs);
    if (i === 0) results.print_statement_lines = result.lineCount;
  }
  await printer.close();
  sim.detach();
  await pair.close();
  const s = stats(overhead);
  results.print_verify_overhead_ms = round(s.p50);
  results.print_verify_overhead_p95_ms = round(s.p95);
  results.print_verify_driver_side_ms = round(stats(driverSide).p50);
  results.print_verify_overhead_target_ms = 100;
  log(`print verify overhead (printer completion → print() resolves): p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms (target ≤ 100 ms)`);
}

function benchDecode(): void {
  // the 1295-byte reply the simulated reader sends for the resident card the ID read bench places
  const frame = readReplyFrame(SAMPLE_IDENTITIES.find((i) => i.id === 'resident')!.card);
  const r = measureIdCardDecodeRate(frame, quick ? 300 : 1500);
  // baseline: one XOR pass over the same frame (decoding has to read every byte at least once)
  const body = frame.subarray(5);
  let n = 0;
  let sink = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < (quick ? 300 : 1500)) {
    for (let i = 0; i < 1000; i++) sink ^= xorChecksum(body);
    n += 1000;
  }
  const checksumPerS = n / ((performance.now() - t0) / 1000);
  results.idcard_decode_frames_per_s = Math.round(r.framesPerSecond);
  results.idcard_decode_target_frames_per_s = 50_000;
  results.idcard_checksum_only_frames_per_s = Math.round(checksumPerS);
  results.idcard_decode_vs_checksum_ratio = round(checksumPerS / r.framesPerSecond, 2);
  log(`ID card decode: ${Math.round(r.framesPerSecond)} frames/s (target ≥ 50,000); a bare checksum pass: ${Math.round(checksumPerS)}/s (${sink & 0})`);
}

/**
 * Commits per second shaped like one journaled transition — a ~6 KB snapshot row updated and a
 * ~200-byte event row inserted, in one transaction — with the journal's settings (WAL,
 * synchronous=FULL) in `dir`: the disk's own limit for the session rate.
 */
function fsyncCommitRate(dir: string, ms: number): number {
  const db = new Database(join(dir, 'baseline.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE state (id INTEGER PRIMARY KEY, body TEXT); CREATE TABLE events (n INTEGER, body TEXT); INSERT INTO state VALUES (1, NULL)');
  const update = db.prepare('UPDATE state SET body = ? WHERE id = 1');
  const insert = db.prepare('INSERT INTO events VALUES (?, ?)');
  const one = db.transaction((n: number) => {
    update.run(`${n}${'s'.repeat(6_000)}`);
    insert.run(n, 'e'.repeat(200));
  });
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) one(n++);
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

interface WorkerResult {
  sessions: number;
  seconds: number;
  sessions_per_s: number;
  commits_per_session: number;
  commit_ms_per_session: number;
  rss_warm_mb: number;
  rss_end_mb: number;
  heap_warm_mb: number;
  heap_end_mb: number;
  outcomes: Record<string, number>;
  gc: boolean;
}

/** bench/sessions-worker.ts in its own process (so the simulators' ledgers, kept here, do not count). */
function sessionsWorker(args: Record<string, string | number>): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
    const child = spawn(process.execPath, ['--expose-gc', join(import.meta.dirname, '..', 'bin', 'run-ts.mjs'), join(import.meta.dirname, 'sessions-worker.ts'), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as WorkerResult);
      else reject(new Error(`sessions worker exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

async function benchSessions(dir: string): Promise<void> {
  // the hospital and the kiosk live at one pinned instant (noon in Shanghai): slots left today whatever the hour
  const at = BENCH_INSTANT;
  const bo = await startBackOffice({ now: pinnedNow(at), his: { slotCapacity: 1_000_000 }, payment: { refundProcessingMs: 0 } });
  const pair = await serialPair(115200);
  const sim = new SimulatedPrinter({ profile: 'epson-generic', speedMmPerSec: 1_000_000 });
  sim.attach(new PacedLink(pair.sim, 115200));
  // the worker opens the kiosk side of the printer's PTY itself
  await pair.kiosk.close();
  const common = { his: bo.urls.his, pay: bo.urls.payment, merchant: bo.merchantId, printer: pair.kioskPath, at: String(at) };
  try {
    const diskDir = join(dir, 'sessions-disk');
    await mkdir(diskDir, { recursive: true });
    const commitsPerS = fsyncCommitRate(diskDir, quick ? 500 : 1500);
    const speed = await sessionsWorker({ ...common, 'journal-dir': diskDir, warmup: quick ? 5 : 20, sessions: quick ? 20 : 200 });
    results.sessions_per_s = round(speed.sessions_per_s, 1);
    results.sessions_per_s_target = 20;
    results.journal_commits_per_session = round(speed.commits_per_session, 1);
    results.journal_commit_ms_per_session = round(speed.commit_ms_per_session, 1);
    results.journal_fsync_commits_per_s = Math.round(commitsPerS);
    // what the disk alone allows: every transition is its own fsynced commit
    results.sessions_per_s_fsync_bound = round(commitsPerS / speed.commits_per_session, 1);
    log(
      `full sessions: ${speed.sessions_per_s.toFixed(1)}/s (target ≥ 20), ${speed.commits_per_session.toFixed(1)} fsynced journal commits each (${speed.commit_ms_per_session.toFixed(1)} ms of ${(1000 / speed.sessions_per_s).toFixed(1)} ms per session); this disk does ${Math.round(commitsPerS)} such commits/s → at most ${(commitsPerS / speed.commits_per_session).toFixed(1)} sessions/s`,
    );

    // memory: many sessions; the journal on tmpfs when there is one (growth does not depend on fsync, and 10k fsynced sessions take long)
    const memDir = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/zizhu-bench-') : join(dir, 'sessions-mem');
    await mkdir(memDir, { recursive: true });
    try {
      const n = quick ? 300 : 10_000;
      // the first few hundred sessions still grow code and caches: the warm-up is long enough to get past them
      const warmup = quick ? 100 : 1000;
      const mem = await sessionsWorker({ ...common, 'journal-dir': memDir, warmup, sessions: n });
      results.rss_growth_mb_10k_sessions = round(mem.rss_end_mb - mem.rss_warm_mb, 1);
      results.rss_growth_sessions = n;
      results.rss_growth_target_mb = 20;
      results.rss_after_warmup_mb = round(mem.rss_warm_mb, 1);
      results.rss_warmup_sessions = warmup;
      results.heap_growth_mb_10k_sessions = round(mem.heap_end_mb - mem.heap_warm_mb, 2);
      results.sessions_per_s_journal_on_tmpfs = round(mem.sessions_per_s, 1);
      log(
        `RSS: ${mem.rss_warm_mb.toFixed(1)} MB after ${warmup} warm-up sessions → ${mem.rss_end_mb.toFixed(1)} MB after ${n} more (growth ${(mem.rss_end_mb - mem.rss_warm_mb).toFixed(1)} MB, target < 20 MB over 10k; JS heap ${(mem.heap_end_mb - mem.heap_warm_mb).toFixed(2)} MB); ${mem.sessions_per_s.toFixed(1)} sessions/s with the journal on tmpfs`,
      );
    } finally {
      if (memDir.startsWith('/dev/shm/')) await rm(memDir, { recursive: true, force: true });
    }
  } finally {
    sim.detach();
    await pair.close();
    await bo.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'zizhu-bench-'));
try {
  benchDecode();
  await benchIdRead();
  await benchPrintVerify();
  await benchSessions(dir);
  await benchScreen(results, quick, log);
  await benchWatchdog(results, { quick, log });
  await benchHq(results, { quick, log });
  await benchNoise(results, { quick, log });
  await benchNotify(results, { quick, log });
  await benchAvailability(results, { quick, log });
} finally {
  await rm(dir, { recursive: true, force: true });
}

const out = {
  generatedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
  quick,
  ...results,
};
const outArg = process.argv.indexOf('--out');
const file = outArg > 0 && process.argv[outArg + 1] ? process.argv[outArg + 1]! : join(import.meta.dirname, 'results.json');
await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
log(`wrote ${file}`);
process.exit(0);
