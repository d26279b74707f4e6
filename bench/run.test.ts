import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Keeps `npm run bench` from rotting: it runs (quick mode) and writes every figure the issue names.
// No timing is asserted here; targets are judged from bench/results.json, not in tests.
describe('npm run bench', () => {
  it('writes every figure with its baseline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zizhu-bench-test-'));
    const out = join(dir, 'results.json');
    await run(process.execPath, [resolve(import.meta.dirname, '../bin/run-ts.mjs'), resolve(import.meta.dirname, 'run.ts'), '--quick', '--out', out], { timeout: 300_000 });
    const r = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    await rm(dir, { recursive: true, force: true });
    for (const key of ['id_read_ms', 'id_read_floor_ms', 'id_read_ratio', 'print_verify_overhead_ms', 'idcard_decode_frames_per_s', 'idcard_checksum_only_frames_per_s', 'sessions_per_s', 'journal_fsync_commits_per_s', 'journal_commits_per_session', 'rss_after_warmup_mb', 'cold_start_to_home_ms', 'chromium_start_to_page_ms', 'tap_to_screen_p95_ms', 'local_tap_to_screen_p95_ms', 'hq_ingest_round_trip_ms', 'paper_out_to_hq_ms', 'print_not_delivered_to_hq_ms', 'black_screen_to_hq_ms', 'black_screen_frame_every_ms', 'screen_covered_detect_ms', 'screen_frozen_detect_ms', 'renderer_hung_detect_ms', 'offline_detected_s', 'offline_detected_intervals', 'hq_ingest_events_per_s', 'sqlite_raw_insert_rows_per_s', 'hq_ingest_vs_raw_sqlite_ratio', 'outbox_drain_100k_s', 'availability_compute_ms_10k_kiosk_days', 'availability_rows_read_ms', 'notification_latency_p95_ms', 'noise_64k_garbage_bytes_per_burst', 'paper_out_after_noise_to_outbox_ms']) {
      expect(typeof r[key], key).toBe('number');
      expect(r[key] as number, key).toBeGreaterThan(0);
    }
    expect(r.id_read_ratio).toBeCloseTo((r.id_read_ms as number) / (r.id_read_floor_ms as number), 2);
    // growth can be slightly negative (the heap settles after the warm-up): a number, measured over the sessions it names
    expect(typeof r.rss_growth_mb_10k_sessions).toBe('number');
    expect(r.rss_growth_sessions).toBeGreaterThan(0);
    // counts that may rightly be 0, and the fleet's table of steps
    for (const key of ['hq_outage_lost_events', 'hq_outage_duplicate_events', 'hq_max_kiosks_30s_p99_100ms', 'screen_capture_cpu_share', 'screen_detect_missed', 'false_faults_per_64k_noise']) expect(typeof r[key], key).toBe('number');
    expect(Array.isArray(r.hq_fleet_steps) && r.hq_fleet_steps.length > 0).toBe(true);
  }, 300_000);
});
