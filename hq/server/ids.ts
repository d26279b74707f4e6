import { randomFillSync } from 'node:crypto';

let counter = 0;
// random bytes drawn 3 KiB at a time: one randomBytes call per id was a few % of HQ's CPU at a fleet's cold start
const pool = Buffer.alloc(3072);
let poolAt = pool.length;

function randomHex3(): string {
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 3;
  return pool.toString('hex', poolAt - 3, poolAt);
}

/** An id that sorts by HQ's clock, then by order of making within this process. */
export function sortableId(atMs: number): string {
  counter = (counter + 1) % 1_000_000;
  return `${String(Math.max(0, Math.trunc(atMs))).padStart(13, '0')}-${String(counter).padStart(6, '0')}-${randomHex3()}`;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));
