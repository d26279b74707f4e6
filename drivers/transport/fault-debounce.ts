/**
 * No false faults (issue 11): a device condition read from status bytes is believed only when it
 * persists. `FaultDebouncer` holds the confirmed set of fault codes of one device. Each clean,
 * consistent status read is one observation (the codes it shows); a code is raised after
 * `confirmReads` observations in a row show it, and cleared after as many in a row do not. An
 * observation that agrees with the confirmed state ends that code's run, so a status that flickers
 * (line noise decoding to "paper out" once) never gets there.
 *
 * Pure: no timers. The driver decides what a clean read is and asks again quickly while a change
 * is pending (`pending`), so a real fault is still confirmed within a few status round trips.
 */

/** Default K: consistent status reads in a row before a fault is raised or cleared. */
export const DEFAULT_CONFIRM_READS = 3;

export interface DebounceChange<C extends string> {
  raised: C[];
  cleared: C[];
}

export class FaultDebouncer<C extends string> {
  readonly confirmReads: number;
  private readonly confirmed = new Set<C>();
  /** consecutive observations that disagree with the confirmed state, per code */
  private readonly runs = new Map<C, number>();

  constructor(confirmReads: number = DEFAULT_CONFIRM_READS) {
    if (!Number.isInteger(confirmReads) || confirmReads < 1) throw new RangeError(`confirmReads must be a whole number ≥ 1, got ${confirmReads}`);
    this.confirmReads = confirmReads;
  }

  /** The confirmed codes, in the order they were raised. */
  get codes(): C[] {
    return [...this.confirmed];
  }

  has(code: C): boolean {
    return this.confirmed.has(code);
  }

  /** A change has been seen but not yet confirmed: read the status again soon. */
  get pending(): boolean {
    return this.runs.size > 0;
  }

  /** One clean status read showed exactly `present`; returns what became confirmed by it. */
  observe(present: Iterable<C>): DebounceChange<C> {
    const seen = new Set(present);
    const out: DebounceChange<C> = { raised: [], cleared: [] };
    for (const code of new Set([...seen, ...this.confirmed, ...this.runs.keys()])) {
      if (seen.has(code) === this.confirmed.has(code)) {
        this.runs.delete(code);
        continue;
      }
      const run = (this.runs.get(code) ?? 0) + 1;
      if (run < this.confirmReads) {
        this.runs.set(code, run);
        continue;
      }
      this.runs.delete(code);
      if (seen.has(code)) {
        this.confirmed.add(code);
        out.raised.push(code);
      } else {
        this.confirmed.delete(code);
        out.cleared.push(code);
      }
    }
    return out;
  }

  /** Forget a pending change (its evidence is void, e.g. the printer was power-cycled); the confirmed state stays. */
  dropPending(): void {
    this.runs.clear();
  }
}
