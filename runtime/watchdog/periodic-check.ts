/**
 * A look the machine watch takes every few seconds (display connectors, disk space, the GPU
 * process): once at start, then on an unref'd interval, never two at a time (a slow file system
 * does not pile looks up). `check()` is the one look, public so tests take it when they choose.
 */
export abstract class PeriodicCheck {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly everyMs: number) {}

  start(): this {
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
    void this.check();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look (skipped while the previous one still runs). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.look();
    } finally {
      this.checking = false;
    }
  }

  protected abstract look(): Promise<void>;
}
