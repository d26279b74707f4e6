/**
 * Exact interval arithmetic on epoch-ms spans [from, to): lists are sorted, disjoint and never
 * hold an empty span. Everything availability counts is a sum of such spans, so no time is counted
 * twice and none is lost at a boundary.
 */

export interface Span {
  from: number;
  to: number;
}

/** Sort and merge overlapping or touching spans; drops empty ones. */
export function normalise(spans: readonly Span[]): Span[] {
  const s = spans.filter((x) => x.to > x.from).sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  for (const x of s) {
    const last = out[out.length - 1];
    if (last && x.from <= last.to) last.to = Math.max(last.to, x.to);
    else out.push({ from: x.from, to: x.to });
  }
  return out;
}

export function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = Math.max(a[i]!.from, b[j]!.from);
    const to = Math.min(a[i]!.to, b[j]!.to);
    if (to > from) out.push({ from, to });
    if (a[i]!.to < b[j]!.to) i++;
    else j++;
  }
  return out;
}

/** `a` without `b` */
export function subtract(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let j = 0;
  for (const x of a) {
    let from = x.from;
    while (j < b.length && b[j]!.to <= from) j++;
    let k = j;
    while (k < b.length && b[k]!.from < x.to) {
      if (b[k]!.from > from) out.push({ from, to: b[k]!.from });
      from = Math.max(from, b[k]!.to);
      if (b[k]!.to > x.to) break;
      k++;
    }
    if (from < x.to) out.push({ from, to: x.to });
  }
  return out;
}

export const clip = (spans: readonly Span[], from: number, to: number): Span[] => intersect(spans, [{ from, to }]);

export const total = (spans: readonly Span[]): number => spans.reduce((n, s) => n + (s.to - s.from), 0);

/** The span of `spans` containing `at`, if any. */
export const spanAt = (spans: readonly Span[], at: number): Span | undefined => spans.find((s) => s.from <= at && at < s.to);
