/**
 * The HQ bench's load generators, each in its own process so their CPU does not count against HQ's
 * event loop (the machine has two cores: HQ gets one, the load the other). Started by bench/hq.ts:
 *
 *   --mode ingest: `--kiosks K` kiosks, each with one signed request in flight at a time (K requests
 *     in flight in all), each request a batch of `--batch` stored events (`session.ended`), over real
 *     HTTP (keep-alive), for `--warmup-s` then `--seconds`; prints one JSON line with what HQ accepted
 *     in the measured part.
 *   --mode fleet: `runFleetSim` with the given kiosks' secrets (`--secrets FILE`, [[id, secret]…] in
 *     the fleet's own order) at `--interval` s; after `--start-s` (the first interval: the fleet's
 *     cold start) it prints `{"phase":"start-end",…}` with that part's client-side latencies, after
 *     `--settle-s` more `{"phase":"window-start"}`, and after `--window-s` more
 *     `{"phase":"window-end",…}` with the window's.
 *
 *   --mode hq: HQ itself (`startHqServer` on `--db`, durability full, its watch every 5 s as in
 *     production) for the fleet figure, alone in its process: prints `{"phase":"ready","url"}`; on the
 *     stdin lines `window-start` / `window-end` it measures and prints `{"phase":"window",…}` (its
 *     CPU, the server-side latency from a request's headers parsed to its answer written, event-loop
 *     delay, time spent waiting for a CPU); `stop` closes it.
 *
 * Every clock is HQ's pinned clock: `--at` (HQ's clock) at `--real` (Date.now() then).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { HQ_INGEST_PATH } from '../contracts/hq.ts';
import { signedIngestHeaders } from '../contracts/hq-signing.ts';
import { HqClient } from '../hq/fleet-sim/http.ts';
import { LatencyHistogram } from '../hq/fleet-sim/histogram.ts';
import { runFleetSim } from '../hq/fleet-sim/fleet.ts';
import { startHqServer } from '../hq/server/server.ts';
import { runQueueWaitMs, sessionEndedPayload, sleep } from './hq-common.ts';

const { values: a } = parseArgs({
  options: {
    mode: { type: 'string' },
    hq: { type: 'string' },
    db: { type: 'string' },
    secrets: { type: 'string' },
    kiosks: { type: 'string' },
    batch: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '5' },
    'warmup-s': { type: 'string', default: '1' },
    'window-s': { type: 'string', default: '20' },
    'start-s': { type: 'string', default: '32' },
    'settle-s': { type: 'string', default: '30' },
    interval: { type: 'string', default: '30' },
    at: { type: 'string' },
    real: { type: 'string' },
  },
});

const at = Number(a.at);
const real = Number(a.real);
const now = (): number => at + (Date.now() - real);
const secrets = a.secrets ? (JSON.parse(readFileSync(a.secrets, 'utf8')) as [string, string][]) : [];
const kiosks = Number(a.kiosks);
const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const cpuShare = (from: NodeJS.CpuUsage, ms: number) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000 / ms;
};

async function ingest(): Promise<void> {
  const hq = new URL(a.hq!);
  const batch = Number(a.batch);
  const warmupMs = Number(a['warmup-s']) * 1000;
  const measureMs = Number(a.seconds) * 1000;
  const client = new HqClient(hq, kiosks + 4);
  const latency = new LatencyHistogram();
  let counting = false;
  let stopping = false;
  const m = { requests: 0, events: 0, accepted: 0, duplicates: 0, errors: 0 };
  let firstError = '';
  const loop = async (id: string, secret: string) => {
    const idJson = JSON.stringify(id);
    let seq = 0;
    while (!stopping) {
      const events: string[] = [];
      const iso = new Date(now()).toISOString();
      for (let i = 0; i < batch; i++) {
        seq++;
        events.push(JSON.stringify({ id: randomUUID(), seq, type: 'session.ended', at: iso, payload: sessionEndedPayload(seq) }));
      }
      const body = `{"kioskId":${idJson},"events":[${events.join(',')}]}`;
      const t0 = performance.now();
      let status = 0;
      let text = '';
      try {
        const r = await client.post(HQ_INGEST_PATH, body, signedIngestHeaders(id, secret, body, now()));
        status = r.status;
        text = r.body;
      } catch (e) {
        text = (e as Error).message;
      }
      if (!counting) continue;
      m.requests++;
      latency.record(performance.now() - t0);
      if (status === 200) {
        const r = JSON.parse(text) as { accepted: number; duplicates: number };
        m.events += batch;
        m.accepted += r.accepted;
        m.duplicates += r.duplicates;
      } else {
        m.errors++;
        firstError ||= `HTTP ${status}: ${text.slice(0, 200)}`;
      }
    }
  };
  const loops = secrets.slice(0, kiosks).map(([id, secret]) => loop(id, secret));
  await sleep(warmupMs);
  counting = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(measureMs);
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuShare(cpu0, seconds * 1000);
  stopping = true;
  await Promise.all(loops);
  client.close();
  const l = latency.summary();
  emit({ phase: 'done', ...m, seconds, eventsPerS: m.accepted / seconds, requestsPerS: m.requests / seconds, p50Ms: l.p50Ms, p99Ms: l.p99Ms, maxMs: l.maxMs, cpuShare: cpu, firstError });
}

async function fleet(): Promise<void> {
  const intervalSeconds = Number(a.interval);
  const sim = await runFleetSim({
    hqUrl: a.hq!,
    kiosks,
    intervalSeconds,
    credentials: { kioskSecrets: new Map(secrets.slice(0, kiosks)) },
    now,
    seed: 1,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  // the fleet's cold start: each kiosk's agent.started and first heartbeat, at a random point of the first interval
  await sleep(Number(a['start-s']) * 1000);
  emit({ phase: 'start-end', ...sim.windowStats() });
  // then HQ works off whatever the start left
  await sleep(Number(a['settle-s']) * 1000);
  sim.windowStats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // the simulator's own stalls count in its latencies: measured beside them
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  emit({ phase: 'window-start' });
  await sleep(Number(a['window-s']) * 1000);
  const w = sim.windowStats();
  const ms = performance.now() - t0;
  loop.disable();
  emit({ phase: 'window-end', ...w, seconds: ms / 1000, cpuShare: cpuShare(cpu0, ms), loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6 });
  await sim.stop();
  emit({ phase: 'done', total: sim.stats() });
}

async function hqNode(): Promise<void> {
  const hq = await startHqServer({ dbUrl: a.db!, now });
  const server = new LatencyHistogram();
  hq.app.server.on('request', (req, res) => {
    if (req.url !== HQ_INGEST_PATH) return;
    const t0 = performance.now();
    res.once('finish', () => server.record(performance.now() - t0));
  });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let cpu0 = process.cpuUsage();
  let wait0 = runQueueWaitMs();
  let t0 = performance.now();
  emit({ phase: 'ready', url: hq.url });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'window-start') {
      server.reset();
      loop.reset();
      loop.enable();
      cpu0 = process.cpuUsage();
      wait0 = runQueueWaitMs();
      t0 = performance.now();
    } else if (line === 'window-end') {
      const ms = performance.now() - t0;
      const wait1 = runQueueWaitMs();
      loop.disable();
      const s = server.summary();
      emit({ phase: 'window', ms, cpuShare: cpuShare(cpu0, ms), requests: s.count, p50Ms: s.p50Ms, p99Ms: s.p99Ms, maxMs: s.maxMs, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, cpuWaitShare: wait0 !== null && wait1 !== null ? (wait1 - wait0) / ms : null });
    } else if (line === 'stop') break;
  }
  await hq.close();
  emit({ phase: 'done' });
}

if (a.mode === 'ingest') await ingest();
else if (a.mode === 'fleet') await fleet();
else if (a.mode === 'hq') await hqNode();
else throw new Error(`--mode ingest|fleet|hq, got ${a.mode}`);
process.exit(0);
