/**
 * notification_latency_p95_ms (issue 10): a fault ingested at HQ → the robot got the message. A real
 * HQ (SQLite file, durability `full`, the notifier at its default poll) and a local WeCom robot
 * (hq/server/notify/testing.ts, checking the body); each run a signed `fault.raised` POSTed by a
 * kiosk of its own site, whose own channel (group wait 0) carries it; measured from the POST's start
 * to the robot's receipt. Runs start at random points of the notifier's poll, as faults do. Baseline:
 * the ingest round trip of the same POSTs (notification_ingest_round_trip_ms) — the rest is the
 * notifier's poll, routing, grouping, the outbox and the robot's HTTP request.
 *
 * `npm run bench` runs it with the others; `node bin/run-ts.mjs bench/hq-notify.ts [--quick]` runs
 * only this figure and merges it into bench/results.json. Nothing here asserts a time.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FaultCode } from '../contracts/faults.ts';
import { enrollKiosk } from '../hq/server/kiosks/enroll.ts';
import { addChannel } from '../hq/server/notify/channels.ts';
import { DEFAULT_NOTIFY_POLL_MS } from '../hq/server/notify/dispatcher.ts';
import { checkRobotRequest, RobotReceiver } from '../hq/server/notify/testing.ts';
import { startHqServer } from '../hq/server/server.ts';
import { faultPayload, IngestKiosk } from '../hq/server/testing.ts';
import { pinnedNow } from '../state-machines/deadlines.ts';
import { BENCH_INSTANT, percentile, round, sleep } from './hq-common.ts';

export interface NotifyBenchOptions {
  quick: boolean;
  log: (line: string) => void;
}

const TIMEOUT_MS = 10_000;

export async function benchNotify(results: Record<string, unknown>, o: NotifyBenchOptions): Promise<void> {
  const runs = o.quick ? 8 : 40;
  const now = pinnedNow(BENCH_INSTANT);
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-bench-notify-'));
  const rx = await RobotReceiver.start(now);
  const hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now, consoleDir: join(dir, 'no-console') });
  try {
    const kiosks: IngestKiosk[] = [];
    for (let i = 0; i < runs; i++) {
      const site = `bench-site-${i}`;
      const id = `BENCH-N-${String(i).padStart(3, '0')}`;
      kiosks.push(new IngestKiosk(id, await enrollKiosk(hq.db, { id, site, district: '江岸区' }, now), now));
      await addChannel(hq.db, { type: 'wecom', url: rx.url('wecom', `bench-key-${i}-0123456789`), site, groupWaitS: 0 }, { by: 'bench', at: now() });
    }
    const latencies: number[] = [];
    const roundTrips: number[] = [];
    let missed = 0;
    for (const k of kiosks) {
      await sleep(Math.random() * DEFAULT_NOTIFY_POLL_MS * 1.5); // any point of the poll
      const got = rx.nextRequest();
      const t0 = performance.now();
      const answer = await k.send(hq.url, [k.event('fault.raised', faultPayload(FaultCode.PRINTER_PAPER_OUT))]);
      roundTrips.push(performance.now() - t0);
      if (answer.status !== 200) throw new Error(`bench notify: ingest answered ${answer.status}`);
      const arrived = await Promise.race([got.then(() => performance.now()), sleep(TIMEOUT_MS).then(() => null)]);
      if (arrived === null) missed++;
      else latencies.push(arrived - t0);
    }
    const bad = rx.requests.filter((r) => {
      try {
        return !checkRobotRequest(r, null, now()).text.includes('PRINTER_PAPER_OUT');
      } catch {
        return true;
      }
    }).length;
    if (bad > 0) throw new Error(`bench notify: ${bad} robot requests were not what WeCom accepts`);
    results.notification_latency_p95_ms = round(percentile(latencies, 0.95));
    results.notification_latency_p50_ms = round(percentile(latencies, 0.5));
    results.notification_latency_runs = runs;
    results.notification_latency_missed = missed;
    results.notification_poll_ms = DEFAULT_NOTIFY_POLL_MS;
    results.notification_ingest_round_trip_ms = round(percentile(roundTrips, 0.5));
    results.notification_latency_target_ms = 1000;
    o.log(
      `notification latency (fault ingested → robot got it, group wait 0): p50 ${round(percentile(latencies, 0.5))} ms, p95 ${round(percentile(latencies, 0.95))} ms over ${runs} runs (${missed} missed; notifier poll ${DEFAULT_NOTIFY_POLL_MS} ms, ingest round trip ${round(percentile(roundTrips, 0.5))} ms; target ≤ 1000 ms)`,
    );
  } finally {
    await hq.close();
    await rx.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// run alone: only this figure, merged into bench/results.json
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = join(import.meta.dirname, 'results.json');
  const results = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  await benchNotify(results, { quick: process.argv.includes('--quick'), log: (s) => process.stderr.write(`${s}\n`) });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`merged into ${file}\n`);
}
