/**
 * Asking HQ often for a while (issue 10): commands come back only on an ingest answer, so while a
 * person waits for an answer to 求助 the link beats every `everyMs` (a heartbeat the drain posts at
 * once) instead of every `hq.heartbeatSeconds` — an operator's answer reaches the screen in seconds.
 */
import type { Now } from '../../state-machines/deadlines.ts';

export const HELP_POLL_MS = 2_000;

export class FastPoll {
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: { now: Now; everyMs?: number; beat: () => void }) {}

  /** poll until `until` (the kiosk's clock); a time already past stops */
  until(until: number): void {
    this.deadline = until;
    if (until <= this.o.now()) return this.stop();
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.o.now() >= this.deadline) this.stop();
      else this.o.beat();
    }, this.o.everyMs ?? HELP_POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
