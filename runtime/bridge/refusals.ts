/**
 * Refused bridge connections, logged in aggregate: the first refusal after a quiet spell is logged
 * at once (what and why); every later one in the same window is only counted, and the window ends
 * with one line of counts per reason. A flood of 2,000 bad tokens writes two lines, not 2,000.
 */
export class RefusalTally {
  private counts = new Map<string, number>();
  private rateLimited = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: { warn(m: string): void } | undefined,
    private readonly windowMs: number,
  ) {}

  /** one refused upgrade; `rateLimited` when it was answered 429 (over the limit) rather than 401 */
  note(reason: string, rateLimited: boolean): void {
    if (this.timer === undefined) {
      this.log?.warn(`bridge: refused a connection (${reason}${rateLimited ? ', over the rate limit' : ''}); further refusals are counted and logged once per ${Math.round(this.windowMs / 1000)} s`);
      this.startWindow();
      return;
    }
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    if (rateLimited) this.rateLimited++;
  }

  /** Log the window's counts now (also at the end of every window); a window without refusals ends the counting. */
  flush(): void {
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    if (total === 0) {
      this.stop();
      return;
    }
    const reasons = [...this.counts].map(([reason, n]) => `${reason}: ${n}`).join(', ');
    this.log?.warn(`bridge: refused ${total} more connection attempts (${reasons}); ${this.rateLimited} of them over the rate limit (429)`);
    this.counts = new Map();
    this.rateLimited = 0;
    this.startWindow();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private startWindow(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.windowMs);
    this.timer.unref();
  }
}
