/**
 * A kiosk's recent nonces, kept in its own row. Every signed request carries a nonce HQ must refuse
 * to see twice while the request's timestamp is inside the signature window (outside it, the
 * timestamp alone refuses it). Written to a table of their own, nonces cost every heartbeat two more
 * pages in the WAL (a random one in the table's key, and its deletion later) on top of the kiosk's
 * row, which the request writes anyway: at 50,000 kiosks that was half of what HQ wrote.
 *
 * So the row keeps the last RING_SIZE nonces with their signed timestamps; a nonce whose timestamp
 * left the window is dropped, and when the ring is full the oldest moves to the `nonces` table
 * (a kiosk sending more than RING_SIZE requests in a window: catching up on a backlog). A request's
 * nonce is new when it is in neither.
 */
import { SIGNATURE_WINDOW_MS } from '../../../contracts/hq.ts';

export const RING_SIZE = 16;

/** [signed timestamp (epoch ms), nonce] */
export type RingEntry = [timestamp: number, nonce: string];

export function parseRing(json: string | null | undefined): RingEntry[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as unknown;
    if (Array.isArray(v)) return v.filter((e): e is RingEntry => Array.isArray(e) && e.length === 2 && Number.isSafeInteger(e[0]) && typeof e[1] === 'string');
  } catch {
    // a damaged ring holds nothing: the table and the timestamp window still refuse replays of what it held
  }
  return [];
}

export const inRing = (ring: readonly RingEntry[], nonce: string): boolean => ring.some((e) => e[1] === nonce);

/**
 * The ring after accepting `entry` at HQ's `now`: entries whose timestamp left the window are
 * dropped; beyond RING_SIZE the oldest are returned as `spilled` (for the `nonces` table).
 */
export function addToRing(ring: readonly RingEntry[], entry: RingEntry, now: number): { ring: RingEntry[]; spilled: RingEntry[] } {
  const live = ring.filter((e) => e[0] >= now - SIGNATURE_WINDOW_MS);
  live.push(entry);
  live.sort((a, b) => a[0] - b[0]);
  const spilled = live.length > RING_SIZE ? live.splice(0, live.length - RING_SIZE) : [];
  return { ring: live, spilled };
}
