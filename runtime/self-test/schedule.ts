/**
 * When the window-start self-test runs: at the start of every promised window (kiosk-config/hours.ts),
 * on the kiosk's injected clock, like the lifecycle's hours. One timer, armed for the next opening
 * and re-armed after it fires, when the hours change (HQ's set-promised-hours: `rearm()`), and at
 * least every `recheckMs` (a wall-clock jump nobody reported; setTimeout's ~24.8-day limit).
 *
 * A window "starts" where the promised hours go from closed to open. A kiosk open now has its next
 * start after it closes; one open for the foreseeable future (24/7) has none (its self-test runs at
 * boot and on HQ's command). A window that ends at 24:00 and goes on at 00:00 is one window.
 */
import { hoursAt, type Schedule } from '../../kiosk-config/hours.ts';
import type { Now } from '../../state-machines/deadlines.ts';

/** The instant the next promised window starts after `at`, or null (none within a year, or open with no end). */
export function nextWindowStart(hours: Schedule, at: number): number | null {
  const h = hoursAt(hours, at);
  if (!h.open) return h.opensAt?.getTime() ?? null;
  if (!h.closesAt) return null;
  return hoursAt(hours, h.closesAt.getTime()).opensAt?.getTime() ?? null;
}

export interface WindowStartScheduleOptions {
  /** the promised hours in force now (read again at every arming) */
  hours: () => Schedule;
  now: Now;
  /** a window has started (at `at`, the kiosk's clock) */
  onWindowStart: (at: number) => void;
  /** default 15 min */
  recheckMs?: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
/** a timer may fire a little before the instant the kiosk's clock reaches (timer vs. clock drift) */
const EARLY_MS = 1_000;

export class WindowStartSchedule {
  private timer: NodeJS.Timeout | undefined;
  private due: number | null = null;
  private stopped = false;

  constructor(private readonly o: WindowStartScheduleOptions) {}

  /** the window start the timer waits for (null: none) */
  get next(): number | null {
    return this.due;
  }

  start(): this {
    this.rearm();
    return this;
  }

  /** Arm for the next window start from now (after a change of hours, or of the clock). */
  rearm(): void {
    this.arm(this.o.now());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** wait for the first window start after `from` (re-checked at least every `recheckMs`) */
  private arm(from: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.due = nextWindowStart(this.o.hours(), from);
    const recheck = this.o.recheckMs ?? 15 * 60_000;
    const wait = this.due === null ? recheck : Math.min(this.due - this.o.now(), recheck);
    this.timer = setTimeout(() => this.fire(), Math.min(Math.max(wait, 0), MAX_TIMER_MS));
    this.timer.unref();
  }

  private fire(): void {
    if (this.stopped) return;
    const due = this.due;
    const now = this.o.now();
    if (due === null || now < due - EARLY_MS) return this.arm(now);
    // the window has started: the next one is looked for from just after this start
    this.due = null;
    try {
      this.o.onWindowStart(due);
    } finally {
      this.arm(Math.max(now, due) + 1);
    }
  }
}
