/**
 * HQ throughput figures (issue 9), each next to a baseline measured in the same run:
 *
 * - hq_ingest_events_per_s: 64 kiosks, each with one signed request in flight, each request a batch
 *   of 100 stored events (`session.ended`), over real HTTP (keep-alive) from a load generator in its
 *   own process (bench/hq-worker.ts), against HQ on an SQLite file with durability `full`. Baseline:
 *   sqlite_raw_insert_rows_per_s — the same JSON rows inserted with better-sqlite3 into HQ's own
 *   `events` table (HQ's schema and indexes), 100 per transaction, WAL with synchronous=FULL (HQ's
 *   `full`), for as long.
 * - outbox_drain_100k_s: a real journal (runtime/journal) and a real HQ link (production backoff:
 *   1 s doubling to 60 s, with jitter); 100k events enqueued while nothing listens on HQ's port (the
 *   link fails and backs off), then HQ started on that port: the time until the outbox backlog is 0,
 *   split into the wait for the link's next retry and the sending. Then the journal's events against
 *   HQ's events table: lost, duplicated, out of order, HQ's contiguous seq. Baseline: the time
 *   raw SQLite needs to store as many rows (at sqlite_raw_insert_rows_per_s).
 * - hq_max_kiosks_30s_p99_100ms: kiosks enrolled straight into HQ's file, HQ alone in its own process
 *   (durability full, its watch every 5 s), `runFleetSim` with the kiosks' secrets at a 30 s heartbeat
 *   in another (the simulator on one core, HQ on the other), stepped up. The first interval is the
 *   fleet's cold start (every kiosk's agent.started, first heartbeat, HQ opening its secret) and is
 *   reported apart; after one more interval, a window measures the steady state: the simulator's
 *   client-side ingest p99 decides; HQ's server-side p99 (a request's headers parsed → its answer
 *   written), CPU, event-loop delay and time spent waiting for a CPU (the machine is shared) are
 *   reported next to it. Baseline: the fleet one whole core would serve at the CPU HQ spent per
 *   request in the largest fleet it kept up with.
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { appendFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startHqServer } from '../hq/server/server.ts';
import { openHqDb } from '../hq/server/db/open.ts';
import { enrollKiosk } from '../hq/server/kiosks/enroll.ts';
import { planFleet } from '../hq/fleet-sim/places.ts';
import { openJournal } from '../runtime/journal/journal.ts';
import { eventsOnlyLink } from '../runtime/hq-link/testing.ts';
import { freeLoopbackPort } from '../runtime/kiosk-process.ts';
import { pinnedNow, type Now } from '../state-machines/deadlines.ts';
import { BENCH_INSTANT, round, sessionEndedPayload, waitFor } from './hq-common.ts';
import type { HqBenchOptions } from './hq.ts';

type WorkerLine = Record<string, unknown> & { phase: string };

interface Worker {
  /** a line to its stdin */
  send(line: string): void;
  /** its `done` line, once it exited cleanly */
  done: Promise<WorkerLine>;
  /** end it (by its own handle) if it is still running */
  kill(): void;
}

/** bench/hq-worker.ts in its own process; `onLine` sees every JSON line it prints. */
const workerLog = process.env.ZIZHU_BENCH_WORKER_LOG;

function startWorker(args: string[], onLine: (l: WorkerLine) => void = () => undefined, nodeArgs: string[] = []): Worker {
  const child = spawn(process.execPath, [...nodeArgs, join(import.meta.dirname, '..', 'bin', 'run-ts.mjs'), join(import.meta.dirname, 'hq-worker.ts'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = new Promise<WorkerLine>((resolve, reject) => {
    let buffered = '';
    let err = '';
    let last: WorkerLine | undefined;
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const msg = JSON.parse(line) as WorkerLine;
        if (msg.phase === 'done') last = msg;
        onLine(msg);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4_000);
      // ZIZHU_BENCH_WORKER_LOG=FILE: every worker's own log lines (the simulator's first error of each kind, HQ's warnings)
      if (workerLog) appendFileSync(workerLog, d);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && last) resolve(last);
      else reject(new Error(`hq worker ${args.slice(0, 2).join(' ')} exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
  return {
    send: (line) => void child.stdin.write(`${line}\n`),
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

/** A worker that runs to its end by itself; resolves with its `done` line. */
async function runWorker(args: string[], onLine?: (l: WorkerLine) => void, nodeArgs: string[] = []): Promise<WorkerLine> {
  const w = startWorker(args, onLine, nodeArgs);
  try {
    return await w.done;
  } finally {
    w.kill();
  }
}

/** The kiosks' clock in another process: HQ's pinned clock now, at this wall-clock time. */
const clockArgs = (now: Now) => ['--at', String(now()), '--real', String(Date.now())];

/** Rows per second: HQ's `events` rows (its schema, from its migrations) inserted raw, 100 per transaction, WAL + synchronous=FULL. */
async function rawInsertRate(file: string, ms: number, now: Now): Promise<number> {
  const schema = await openHqDb(`sqlite:${file}`);
  await schema.destroy();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL'); // HQ's durability `full` (hq/server/db/sqlite.ts)
  db.pragma('cache_size = -32000');
  const insert = db.prepare('INSERT INTO events (id, kiosk_id, seq, type, at, received_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const batch = db.transaction((seq0: number) => {
    const at = new Date(now()).toISOString();
    const receivedAt = now();
    for (let i = 0; i < 100; i++) insert.run(randomUUID(), 'bench-raw-0001', seq0 + i, 'session.ended', at, receivedAt, JSON.stringify(sessionEndedPayload(seq0 + i)));
  });
  let rows = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    batch(rows + 1);
    rows += 100;
  }
  const rate = rows / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

/** hq_ingest_events_per_s and its raw-SQLite baseline; returns the raw rows per second (the drain's floor uses it). */
export async function benchIngest(results: Record<string, unknown>, o: HqBenchOptions, dir: string): Promise<number> {
  const { quick, log } = o;
  const kiosks = 64;
  const seconds = quick ? 3 : 10;
  const now = pinnedNow(BENCH_INSTANT);
  log(`HQ ingest: ${kiosks} kiosks posting signed batches of 100 session.ended events over HTTP (load in its own process), durability full, ${seconds} s`);
  const hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'ingest-hq.sqlite')}`, now });
  let load: WorkerLine;
  let stored: number;
  try {
    const secrets: [string, string][] = [];
    for (let i = 0; i < kiosks; i++) {
      const id = `bench-ingest-${String(i + 1).padStart(4, '0')}`;
      secrets.push([id, await enrollKiosk(hq.db, { id, district: '福田区' }, now)]);
    }
    const file = join(dir, 'ingest-secrets.json');
    await writeFile(file, JSON.stringify(secrets), { mode: 0o600 });
    load = await runWorker(['--mode', 'ingest', '--hq', hq.url, '--secrets', file, '--kiosks', String(kiosks), '--batch', '100', '--seconds', String(seconds), '--warmup-s', quick ? '1' : '2', ...clockArgs(now)]);
    stored = Number((await hq.db.selectFrom('events').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  } finally {
    await hq.close();
  }
  const raw = await rawInsertRate(join(dir, 'raw-sqlite.sqlite'), seconds * 1000, now);
  const rate = Number(load.eventsPerS);
  results.hq_ingest_events_per_s = Math.round(rate);
  results.hq_ingest_batch_events = 100;
  results.hq_ingest_kiosks_in_flight = kiosks;
  results.hq_ingest_transport = 'HTTP keep-alive from a load generator in its own process';
  results.hq_ingest_durability = 'full';
  results.hq_ingest_request_p99_ms = round(Number(load.p99Ms));
  results.hq_ingest_errors = Number(load.errors);
  results.sqlite_raw_insert_rows_per_s = Math.round(raw);
  results.hq_ingest_vs_raw_sqlite_ratio = round(rate / raw, 3);
  results.hq_ingest_vs_raw_sqlite_target_ratio = 0.3;
  log(
    `  ${Math.round(rate)} events/s accepted (${Number(load.requestsPerS).toFixed(0)} requests/s, p99 ${Number(load.p99Ms).toFixed(1)} ms, ${load.errors} errors; ${stored} rows at HQ; the load generator used ${(Number(load.cpuShare) * 100).toFixed(0)} % of a core); raw SQLite, same rows, 100 per transaction, synchronous=FULL: ${Math.round(raw)} rows/s → ratio ${(rate / raw).toFixed(3)} (target ≥ 0.3)`,
  );
  if (load.firstError) log(`  first ingest error: ${String(load.firstError)}`);
  return raw;
}

export async function benchOutboxDrain(results: Record<string, unknown>, o: HqBenchOptions, dir: string, rawRowsPerS: number): Promise<void> {
  const { quick, log } = o;
  const n = quick ? 10_000 : 100_000;
  const KIOSK = 'bench-outbox-0001';
  const now = pinnedNow(BENCH_INSTANT);
  const hqFile = join(dir, 'outbox-hq.sqlite');
  const dbUrl = `sqlite:${hqFile}`;
  const enrolling = await openHqDb(dbUrl);
  const secret = await enrollKiosk(enrolling, { id: KIOSK, district: '福田区' }, now);
  await enrolling.destroy();
  const port = await freeLoopbackPort();
  const journalPath = join(dir, 'outbox-kiosk', 'journal.sqlite');
  const journal = openJournal({ path: journalPath, now });
  const link = await eventsOnlyLink({ url: `http://127.0.0.1:${port}`, kioskId: KIOSK, secret, journal, now });
  log(`HQ outage: ${n} events journaled while HQ is down (the link backing off as in production), then HQ started on its port`);
  let hq: Awaited<ReturnType<typeof startHqServer>> | undefined;
  try {
    // HQ is down: the kiosk goes on serving (a session ended) and faulting (paper out and back), 500 events per journal transaction
    const t0 = performance.now();
    for (let i = 0; i < n; i += 500) {
      journal.transaction(() => {
        for (let j = i; j < Math.min(n, i + 500); j++) {
          if (j % 10 === 0) journal.outbox.enqueue(j % 20 === 0 ? 'fault.raised' : 'fault.cleared', { code: 'PRINTER_PAPER_OUT', device: 'printer', severity: 'major', blocking: true, detail: `paper ${j}` });
          else journal.outbox.enqueue('session.ended', sessionEndedPayload(j));
        }
      });
      await new Promise((r) => setImmediate(r)); // the link runs meanwhile, as in the agent
    }
    const enqueueS = (performance.now() - t0) / 1000;
    await waitFor(() => link.status().failures >= 2, 30_000, 20);
    const failures = link.status().failures;

    hq = await startHqServer({ dbUrl, port, now });
    const up = performance.now();
    const hqRead = new Database(hqFile, { readonly: true, fileMustExist: true });
    const contiguous = hqRead.prepare('SELECT contiguous_seq FROM kiosks WHERE id = ?').pluck();
    const first = await waitFor(() => (contiguous.get(KIOSK) as number) > 0, 120_000, 5);
    // backlog() counts the pending rows: every 100 ms is enough for a figure in seconds
    const empty = await waitFor(() => journal.outbox.backlog().pending === 0, 600_000, 100);
    hqRead.close();
    await link.stop();
    const metrics = await (await fetch(`${hq.url}/metrics`)).text();
    const resent = Number(/zizhu_hq_ingest_events_total\{outcome="duplicate"\} (\d+)/.exec(metrics)?.[1] ?? Number.NaN);

    // the journal's events against HQ's table
    const kdb = new Database(journalPath, { readonly: true, fileMustExist: true });
    const kioskEvents = kdb.prepare("SELECT id, seq FROM outbox WHERE kind <> 'heartbeat' ORDER BY seq").all() as { id: string; seq: number }[];
    const lastSeq = (kdb.prepare('SELECT max(seq) AS m FROM outbox').get() as { m: number }).m;
    kdb.close();
    const hdb = new Database(hqFile, { readonly: true, fileMustExist: true });
    // rowid order is the order HQ stored them in
    const stored = hdb.prepare('SELECT id, seq FROM events WHERE kiosk_id = ? ORDER BY rowid').all(KIOSK) as { id: string; seq: number }[];
    const row = hdb.prepare('SELECT contiguous_seq, highest_seq FROM kiosks WHERE id = ?').get(KIOSK) as { contiguous_seq: number; highest_seq: number };
    hdb.close();
    const storedIds = new Set(stored.map((e) => e.id));
    const journalIds = new Set(kioskEvents.map((e) => e.id));
    const lost = kioskEvents.filter((e) => !storedIds.has(e.id)).length;
    const duplicates = stored.length - storedIds.size + [...storedIds].filter((id) => !journalIds.has(id)).length;
    let outOfOrder = 0;
    for (let i = 1; i < stored.length; i++) if (stored[i]!.seq < stored[i - 1]!.seq) outOfOrder++;

    const drainS = empty ? (empty.at - up) / 1000 : Number.NaN;
    const firstS = first ? (first.at - up) / 1000 : Number.NaN;
    const floorS = n / rawRowsPerS;
    results.outbox_drain_100k_s = round(drainS, 2);
    results.outbox_drain_events = n;
    results.outbox_drain_first_delivery_s = round(firstS, 2);
    results.outbox_drain_sending_s = round(drainS - firstS, 2);
    results.outbox_drain_backoff = `production (1 s doubling to 60 s, jitter); ${failures} failed tries before HQ was up`;
    results.outbox_enqueue_s = round(enqueueS, 2);
    results.outbox_drain_raw_sqlite_floor_s = round(floorS, 2);
    results.outbox_drain_vs_floor_ratio = round(drainS / floorS, 2);
    results.outbox_drain_target_s = 30;
    results.hq_outage_lost_events = lost;
    results.hq_outage_duplicate_events = duplicates;
    results.hq_outage_out_of_order_events = outOfOrder;
    results.hq_outage_seq_contiguous = row.contiguous_seq === row.highest_seq && row.highest_seq === lastSeq;
    results.hq_outage_resent_events_recognised = resent;
    log(
      `  HQ up → backlog 0: ${drainS.toFixed(2)} s (target ≤ 30 s): ${firstS.toFixed(2)} s waiting for the link's next retry, then ${(drainS - firstS).toFixed(2)} s sending (${Math.round(n / (drainS - firstS))} events/s); raw SQLite would store them in ${floorS.toFixed(2)} s`,
    );
    log(
      `  journal ${kioskEvents.length} events, HQ ${stored.length}: lost ${lost}, duplicated ${duplicates}, out of order ${outOfOrder}; HQ contiguous seq ${row.contiguous_seq} / highest ${row.highest_seq} / journal's last ${lastSeq}; re-sent events HQ recognised: ${resent}`,
    );
  } finally {
    await link.stop();
    if (journal.isOpen) journal.close();
    await hq?.close();
  }
}

interface FleetStep {
  kiosks: number;
  kiosks_at_30s: number;
  requests_per_s: number;
  events_per_s: number;
  client_p50_ms: number;
  client_p99_ms: number;
  client_max_ms: number;
  server_p50_ms: number;
  server_p99_ms: number;
  errors: number;
  hq_cpu_share: number;
  hq_cpu_ms_per_request: number;
  hq_event_loop_delay_p99_ms: number;
  hq_event_loop_delay_max_ms: number;
  /** share of the window HQ's thread was ready to run but waited for a CPU (Linux schedstat; the machine is shared) */
  hq_cpu_wait_share: number | null;
  sim_cpu_share: number;
  /** the simulator's own event-loop delay in the window (its stalls are in the client latencies) */
  sim_event_loop_delay_p99_ms: number;
  sim_event_loop_delay_max_ms: number;
  enroll_s: number;
  /** the first interval, the fleet's cold start (not part of the figure) */
  start_client_p99_ms: number;
  start_errors: number;
}

export async function benchFleet(results: Record<string, unknown>, o: HqBenchOptions, dir: string): Promise<void> {
  const { quick, log } = o;
  // quick: a 3 s heartbeat with a tenth of the kiosks — the request rate of 5k kiosks at 30 s, in a few seconds
  const interval = quick ? 3 : 30;
  // each step takes about 115 s: starting at 25k leaves time to halve the gap once around the first failure
  // ZIZHU_BENCH_FLEET_STEPS=50000,75000: only those steps (at the interval), for working on HQ's throughput
  const chosen = process.env.ZIZHU_BENCH_FLEET_STEPS?.split(',').map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
  // quick (the bench's own test: every figure written) runs one step
  const steps = chosen?.length ? chosen : quick ? [500] : [25_000, 50_000, 75_000, 100_000];
  const at30 = (n: number) => Math.round((n * 30) / interval);
  // the first full interval is the fleet's cold start (each kiosk's agent.started, hours, first heartbeat, HQ opening
  // its secret, history rows), heavier than what follows: it is reported apart. At 50,000 kiosks HQ needs about 1.4
  // intervals to work it off on this machine (every kiosk's first request at once is over one core's worth), so two
  // more intervals pass before the window measures the steady state
  const startS = interval + (quick ? 0.5 : 2);
  // ZIZHU_BENCH_FLEET_SETTLE_S: another wait after the cold start (for working on HQ's throughput)
  const settleS = Number(process.env.ZIZHU_BENCH_FLEET_SETTLE_S) || (quick ? 1 : 2) * interval;
  const windowS = quick ? 3 : 15;
  const budgetMs = quick ? 60_000 : 500_000;
  // a step: enrolling, the simulator's start, the first interval, the window, its stop
  const stepMs = (startS + settleS + windowS + (quick ? 2 : 6)) * 1000;
  // refined fleets are multiples of this (2,500 kiosks at 30 s)
  const granularity = quick ? 25 : 2_500;
  const now = pinnedNow(BENCH_INSTANT);
  const started = performance.now();
  const loadStart = loadavg()[0]!;
  const dbUrl = `sqlite:${join(dir, 'fleet-hq.sqlite')}`;
  log(`HQ fleet: runFleetSim in its own process at a ${interval} s heartbeat, stepped up (${steps.map(at30).join(', ')} kiosks at 30 s), HQ durability full, one node`);
  // enrolled straight into HQ's file through a connection of our own (synchronous=NORMAL: enrolling is set-up, not the figure)
  const enrolling = await openHqDb(dbUrl, { durability: 'normal' });
  const plan = planFleet({ kiosks: steps.at(-1)!, seed: 1 });
  const secrets: [string, string][] = [];
  const enrollUpTo = async (n: number) => {
    while (secrets.length < n) {
      const p = plan[secrets.length]!;
      secrets.push([p.id, await enrollKiosk(enrolling, { id: p.id, site: p.site, district: p.district, address: p.address, lat: p.lat, lng: p.lng }, now)]);
    }
  };
  // HQ alone in its own process (as `zizhu hq` runs), started afresh for each step on the same file; the kiosks are
  // enrolled while it is not running (enrolling is set-up, not part of the load)
  let hqWindow: ((l: WorkerLine) => void) | undefined;
  const startHq = async () => {
    let hqReady: ((url: string) => void) | undefined;
    const ready = new Promise<string>((resolve) => (hqReady = resolve));
    // ZIZHU_BENCH_HQ_PROFILE=DIR: HQ's process writes a CPU profile there (node --cpu-prof)
    const profile = process.env.ZIZHU_BENCH_HQ_PROFILE;
    const w = startWorker(
      ['--mode', 'hq', '--db', dbUrl, ...clockArgs(now)],
      (l) => {
        if (l.phase === 'ready') hqReady?.(String(l.url));
        else if (l.phase === 'window') hqWindow?.(l);
      },
      profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [],
    );
    try {
      return { worker: w, url: await Promise.race([ready, w.done.then(() => Promise.reject(new Error('HQ ended before it was ready')))]) };
    } catch (e) {
      w.kill();
      throw e;
    }
  };
  const stopHq = async (w: Worker) => {
    w.send('stop');
    await Promise.race([w.done.catch(() => undefined), new Promise((r) => setTimeout(r, 15_000))]);
    w.kill();
  };
  // ZIZHU_BENCH_SIM_PROFILE=DIR: the simulator's process writes a CPU profile there
  const simProfile = process.env.ZIZHU_BENCH_SIM_PROFILE;
  const table: FleetStep[] = [];
  try {
    // up the steps until one fails; then halve the gap between the last pass and that failure (twice, time allowing)
    const queue = [...steps];
    let lastPass = 0;
    let lastFail: number | undefined;
    let refinements = 0;
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      if (performance.now() - started + stepMs > budgetMs) {
        log(`  (stopping: the fleet part has run ${Math.round((performance.now() - started) / 1000)} s, and a step takes about ${Math.round(stepMs / 1000)} s)`);
        break;
      }
      const te = performance.now();
      await enrollUpTo(n);
      const enrollS = (performance.now() - te) / 1000;
      const file = join(dir, 'fleet-secrets.json');
      await writeFile(file, JSON.stringify(secrets.slice(0, n)), { mode: 0o600 });
      const { worker: hq, url: hqUrl } = await startHq();
      let start: WorkerLine | undefined;
      let end: WorkerLine | undefined;
      let h: WorkerLine;
      try {
        const hqSide = new Promise<WorkerLine>((resolve) => (hqWindow = resolve));
        await runWorker(['--mode', 'fleet', '--hq', hqUrl, '--secrets', file, '--kiosks', String(n), '--interval', String(interval), '--start-s', String(startS), '--settle-s', String(settleS), '--window-s', String(windowS), ...clockArgs(now)], (l) => {
          if (l.phase === 'start-end') start = l;
          else if (l.phase === 'window-start') hq.send('window-start');
          else if (l.phase === 'window-end') {
            hq.send('window-end');
            end = l;
          }
        }, simProfile ? ['--cpu-prof', `--cpu-prof-dir=${simProfile}`] : []);
        h = await Promise.race([hqSide, hq.done.then(() => Promise.reject(new Error('HQ ended during a fleet step')))]);
      } finally {
        await stopHq(hq);
      }
      if (!end) throw new Error(`fleet step ${n}: the simulator ended without a window`);
      const requests = Number(end.requests);
      const step: FleetStep = {
        kiosks: n,
        kiosks_at_30s: at30(n),
        requests_per_s: round(requests / Number(end.seconds)),
        events_per_s: round(Number(end.events) / Number(end.seconds)),
        client_p50_ms: Number(end.p50Ms),
        client_p99_ms: Number(end.p99Ms),
        client_max_ms: Number(end.maxMs),
        server_p50_ms: Number(h.p50Ms),
        server_p99_ms: Number(h.p99Ms),
        errors: Number(end.errors),
        hq_cpu_share: round(Number(h.cpuShare), 2),
        hq_cpu_ms_per_request: round((Number(h.cpuShare) * Number(h.ms)) / Math.max(1, Number(h.requests)), 3),
        hq_event_loop_delay_p99_ms: round(Number(h.loopP99Ms)),
        hq_event_loop_delay_max_ms: round(Number(h.loopMaxMs)),
        hq_cpu_wait_share: h.cpuWaitShare === null ? null : round(Number(h.cpuWaitShare), 2),
        sim_cpu_share: round(Number(end.cpuShare), 2),
        sim_event_loop_delay_p99_ms: round(Number(end.loopP99Ms)),
        sim_event_loop_delay_max_ms: round(Number(end.loopMaxMs)),
        enroll_s: round(enrollS, 1),
        start_client_p99_ms: Number(start?.p99Ms ?? Number.NaN),
        start_errors: Number(start?.errors ?? Number.NaN),
      };
      table.push(step);
      log(
        `  ${at30(n)} kiosks at 30 s (${n} at ${interval} s): ${step.requests_per_s} requests/s; p99 client ${step.client_p99_ms} ms / server ${step.server_p99_ms} ms (p50 ${step.client_p50_ms} / ${step.server_p50_ms}), max ${step.client_max_ms} ms, ${step.errors} errors; HQ ${Math.round(step.hq_cpu_share * 100)} % of a core (${step.hq_cpu_ms_per_request} ms a request), event-loop delay p99 ${step.hq_event_loop_delay_p99_ms} ms (max ${step.hq_event_loop_delay_max_ms})${step.hq_cpu_wait_share === null ? '' : `, waited for a CPU ${Math.round(step.hq_cpu_wait_share * 100)} % of the time`}; simulator ${Math.round(step.sim_cpu_share * 100)} % (event-loop delay p99 ${step.sim_event_loop_delay_p99_ms} ms, max ${step.sim_event_loop_delay_max_ms}); (its cold start, the first interval: p99 ${step.start_client_p99_ms} ms, ${step.start_errors} errors)`,
      );
      if (step.client_p99_ms < 100 && step.errors === 0) lastPass = Math.max(lastPass, n);
      else {
        lastFail = Math.min(lastFail ?? n, n);
        queue.length = 0;
      }
      if (queue.length === 0 && lastFail !== undefined && refinements < 2) {
        const mid = Math.round((lastPass + lastFail) / 2 / granularity) * granularity;
        if (mid > lastPass && mid < lastFail) {
          refinements++;
          queue.push(mid);
        }
      }
    }
  } finally {
    await enrolling.destroy();
  }
  const passing = table.filter((s) => s.client_p99_ms < 100 && s.errors === 0);
  const best = passing.reduce<FleetStep | undefined>((a, b) => (a && a.kiosks > b.kiosks ? a : b), undefined);
  const biggest = table.reduce<FleetStep | undefined>((a, b) => (a && a.kiosks > b.kiosks ? a : b), undefined);
  // HQ's CPU per request in the largest fleet it kept up with (an overloaded step's backlog distorts it)
  const gauge = best ?? biggest;
  const cpuBound = gauge && gauge.hq_cpu_ms_per_request > 0 ? Math.round((1000 / gauge.hq_cpu_ms_per_request) * (gauge.kiosks_at_30s / Math.max(1, gauge.requests_per_s))) : Number.NaN;
  results.hq_max_kiosks_30s_p99_100ms = best?.kiosks_at_30s ?? 0;
  results.hq_max_kiosks_server_p99_ms = best?.server_p99_ms ?? null;
  results.hq_max_kiosks_client_p99_ms = best?.client_p99_ms ?? null;
  results.hq_max_kiosks_largest_step_tried = biggest?.kiosks_at_30s ?? 0;
  results.hq_fleet_cpu_bound_kiosks_30s = cpuBound;
  results.hq_max_kiosks_vs_cpu_bound_ratio = best ? round(best.kiosks_at_30s / cpuBound, 2) : 0;
  results.hq_max_kiosks_target = 50_000;
  results.hq_fleet_interval_s = interval;
  results.hq_fleet_window_s = windowS;
  results.hq_fleet_window_after_s = startS + settleS;
  results.hq_fleet_durability = 'full';
  // the machine is shared: its load (1-minute average, all processes) when the fleet part started and ended
  results.hq_fleet_machine_load = [round(loadStart, 2), round(loadavg()[0]!, 2)];
  results.hq_fleet_steps = table;
  log(
    `  largest fleet with client p99 < 100 ms: ${best?.kiosks_at_30s ?? 0} kiosks at 30 s (target ≥ 50,000; tried up to ${biggest?.kiosks_at_30s ?? 0}); at the CPU HQ spent a request there, one whole core would serve about ${cpuBound}; machine load ${loadStart.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`,
  );
}
