/**
 * What bench/hq.ts and its other processes (bench/hq-worker.ts) share.
 */
import { readFileSync } from 'node:fs';

/** Wednesday 2026-06-10 12:00 in Asia/Shanghai: the instant the benchmarked kiosks and HQ live at (as bench/run.ts) */
export const BENCH_INSTANT = Date.parse('2026-06-10T12:00:00+08:00');

/** A session.ended payload as a kiosk journals it: the stored event of the ingest figure and of the raw-SQLite baseline alike. */
export function sessionEndedPayload(i: number): { sessionId: string; service: 'providentFundStatement'; outcome: string; lastStep: string; durationMs: number } {
  return { sessionId: `s-${i}`, service: 'providentFundStatement', outcome: 'completed', lastStep: 'receipt', durationMs: 60_000 + (i % 1000) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const percentile = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
export const round = (x: number, d = 1): number => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/**
 * Polls `probe` every `everyMs` until it gives a value; resolves with it and the moment it was seen
 * (performance.now()), or undefined after `timeoutMs` (the caller counts a miss; nothing throws).
 */
export async function waitFor<T>(probe: () => T | undefined | null | false, timeoutMs: number, everyMs = 2): Promise<{ value: T; at: number } | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== null && v !== false) return { value: v, at: performance.now() };
    if (performance.now() > deadline) return undefined;
    await sleep(everyMs);
  }
}

/** How long this process's main thread has waited, ready to run, for a CPU (ms; Linux /proc schedstat), or null elsewhere. */
export function runQueueWaitMs(): number | null {
  try {
    const [, waitNs] = readFileSync('/proc/self/schedstat', 'utf8').trim().split(/\s+/);
    return Number(waitNs) / 1e6;
  } catch {
    return null;
  }
}
