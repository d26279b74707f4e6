import { randomBytes } from 'node:crypto';

let counter = 0;

/** An id that sorts by HQ's clock, then by order of making within this process. */
export function sortableId(atMs: number): string {
  counter = (counter + 1) % 1_000_000;
  return `${String(Math.max(0, Math.trunc(atMs))).padStart(13, '0')}-${String(counter).padStart(6, '0')}-${randomBytes(3).toString('hex')}`;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));
