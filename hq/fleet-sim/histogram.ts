/**
 * A fixed-size latency histogram (ms): logarithmic buckets 1 % wide from 10 µs to about two minutes,
 * so recording is one array increment and a quantile is at most 1 % high.
 */
const MIN_MS = 0.01;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 1700;

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private n = 0;
  private max = 0;

  record(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
    this.counts[i]!++;
    this.n++;
    if (ms > this.max) this.max = ms;
  }

  get count(): number {
    return this.n;
  }

  /** the latency `q` (0–1) of the recorded ones are at or below; 0 when nothing was recorded */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, MIN_MS * GROWTH ** i);
    }
    return this.max;
  }

  summary(): LatencySummary {
    const r = (x: number): number => Math.round(x * 100) / 100;
    return { count: this.n, p50Ms: r(this.quantile(0.5)), p99Ms: r(this.quantile(0.99)), maxMs: r(this.max) };
  }

  reset(): void {
    this.counts.fill(0);
    this.n = 0;
    this.max = 0;
  }
}
