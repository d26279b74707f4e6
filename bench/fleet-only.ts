/**
 * `node bin/run-ts.mjs bench/fleet-only.ts [--quick]`: only the HQ fleet figure (hq_max_kiosks_30s_p99_100ms), printed
 * as JSON, not written to bench/results.json — for working on HQ's throughput. ZIZHU_BENCH_FLEET_STEPS picks the steps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchFleet } from './hq-throughput.ts';

const dir = await mkdtemp(join(tmpdir(), 'zizhu-fleet-only-'));
const results: Record<string, unknown> = {};
try {
  await benchFleet(results, { quick: process.argv.includes('--quick'), log: (l) => console.error(l) }, dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 2));
