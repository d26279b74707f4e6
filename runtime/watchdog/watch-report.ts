/**
 * What the watchdogs say about the machine in each heartbeat (issue 11): the faults raised now, and
 * the codes this run has looked for and can speak for. HQ clears an active alarm of a `checked` code
 * the kiosk no longer has: its `fault.cleared` was lost with the run that raised it (the recovery
 * ladder's or HQ's restart of the agent, a crash) — a recovered fault clears its alarm.
 */
import type { FaultCode } from '../../contracts/faults.ts';

export interface WatchReport {
  faults: FaultCode[];
  checked: FaultCode[];
}

export type WatchSource = () => WatchReport;

/** The watch sources of one run: the agent's (disk), and the kiosk process's once it has a screen. */
export class WatchReports {
  readonly #sources = new Set<WatchSource>();

  /** add a source; the returned function removes it */
  add(source: WatchSource): () => void {
    this.#sources.add(source);
    return () => void this.#sources.delete(source);
  }

  report(): WatchReport {
    const faults = new Set<FaultCode>();
    const checked = new Set<FaultCode>();
    for (const source of this.#sources) {
      const r = source();
      r.faults.forEach((c) => faults.add(c));
      r.checked.forEach((c) => checked.add(c));
    }
    return { faults: [...faults].slice(0, 32), checked: [...checked].slice(0, 32) };
  }
}
