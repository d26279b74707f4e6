/**
 * A kiosk's link sequence as HQ knows it: the highest `seq` with nothing missing below it, the
 * highest seen, and the ranges received above the contiguous one (merged, so a kiosk that skips
 * one event costs two numbers, not a set that grows). Gaps are what lies between them.
 *
 * Bounded: beyond MAX_RANGES the lowest gap is given up (the contiguous seq moves over it) — an
 * event that never came after that many later ones will not come.
 */
export type SeqRange = [from: number, to: number];

export interface SeqState {
  contiguous: number;
  highest: number;
  /** disjoint, sorted, each from > contiguous + 1 */
  ranges: SeqRange[];
}

export const MAX_RANGES = 256;

export function parseRanges(json: string): SeqRange[] {
  try {
    const v = JSON.parse(json) as unknown;
    if (Array.isArray(v) && v.every((r) => Array.isArray(r) && r.length === 2 && r.every(Number.isSafeInteger))) return v as SeqRange[];
  } catch {
    // fall through
  }
  return [];
}

/** Has HQ had event `seq` already (by number alone: heartbeats are deduplicated this way)? */
export function seqSeen(s: SeqState, seq: number): boolean {
  if (seq <= s.contiguous) return true;
  return s.ranges.some(([from, to]) => seq >= from && seq <= to);
}

/** Record `seq` as received; returns the seqs of any gap given up (for the log), else null. */
export function addSeq(s: SeqState, seq: number): SeqRange | null {
  if (seq > s.highest) s.highest = seq;
  if (seq <= s.contiguous) return null;
  if (seq === s.contiguous + 1) {
    s.contiguous = seq;
    absorb(s);
    return null;
  }
  insertRange(s.ranges, seq);
  if (s.ranges.length <= MAX_RANGES) return null;
  const lost: SeqRange = [s.contiguous + 1, s.ranges[0]![0] - 1];
  s.contiguous = s.ranges.shift()![1];
  absorb(s);
  return lost;
}

function absorb(s: SeqState): void {
  while (s.ranges.length > 0 && s.ranges[0]![0] <= s.contiguous + 1) s.contiguous = Math.max(s.contiguous, s.ranges.shift()![1]);
}

function insertRange(ranges: SeqRange[], seq: number): void {
  let i = 0;
  while (i < ranges.length && ranges[i]![1] < seq - 1) i++;
  if (i === ranges.length || ranges[i]![0] > seq + 1) {
    ranges.splice(i, 0, [seq, seq]);
    return;
  }
  const r = ranges[i]!;
  if (seq >= r[0] && seq <= r[1]) return;
  if (seq === r[0] - 1) r[0] = seq;
  else if (seq === r[1] + 1) {
    r[1] = seq;
    const next = ranges[i + 1];
    if (next && next[0] === seq + 1) {
      r[1] = next[1];
      ranges.splice(i + 1, 1);
    }
  }
}

/** The seq ranges HQ knows it has not received. */
export function seqGaps(s: SeqState): { from: number; to: number }[] {
  const gaps: { from: number; to: number }[] = [];
  let next = s.contiguous + 1;
  for (const [from, to] of s.ranges) {
    if (from > next) gaps.push({ from: next, to: from - 1 });
    next = to + 1;
  }
  return gaps;
}
