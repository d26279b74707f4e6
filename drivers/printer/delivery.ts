/**
 * Does the printer deliver what it accepts? The field's central failure is a printer whose status is
 * clean — online, paper present, cover closed — that takes every job and prints nothing (a dead paper
 * motor, a wedged mechanism controller, paper stuck at the exit). No status bit ever says so; only
 * the jobs do.
 *
 * A *silent* failure is a job the printer accepted with a clean status and then did not deliver,
 * with no fault to explain it: the completion reply never came (`NO_COMPLETION`) or the ticket never
 * reached the presenter (`TICKET_NOT_PRESENTED`). `after` silent failures in a row (default 2) make
 * the printer `PRINTER_NOT_DELIVERING`. A delivered job ends it, and so does staff reloading the paper
 * (they have opened the printer and looked).
 *
 * A failure a status fault explains (paper ran out, cover opened, cable pulled mid-job) neither counts
 * nor ends the run: that fault is reported on its own, and says nothing about whether the mechanism
 * delivers. A job refused before anything was sent is not a delivery at all.
 */

/** `context.cause` of a PRINT_NOT_DELIVERED that no status fault explains. */
export const SILENT_CAUSES: readonly string[] = ['NO_COMPLETION', 'TICKET_NOT_PRESENTED'];

export const DEFAULT_NOT_DELIVERING_AFTER = 2;

/** How one job ended, as far as delivery goes. */
export type JobDelivery = { delivered: true } | { delivered: false; cause: string; title: string };

export interface SilentFailure {
  cause: string;
  title: string;
  /** epoch ms */
  at: number;
}

export class DeliveryRecord {
  private silent: SilentFailure[] = [];

  constructor(
    /** silent failures in a row that make the printer not delivering */
    readonly after: number = DEFAULT_NOT_DELIVERING_AFTER,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(after) || after < 1) throw new RangeError(`notDeliveringAfter must be a whole number ≥ 1, got ${after}`);
  }

  /** True once `after` jobs in a row were accepted and silently not delivered. */
  get notDelivering(): boolean {
    return this.silent.length >= this.after;
  }

  /** The silent failures since the last delivered job, oldest first. */
  get failuresInARow(): readonly SilentFailure[] {
    return this.silent;
  }

  /** Record a job's end; returns whether `notDelivering` changed. */
  jobEnded(job: JobDelivery): boolean {
    const before = this.notDelivering;
    if (job.delivered) this.silent = [];
    else if (SILENT_CAUSES.includes(job.cause)) this.silent = [...this.silent, { cause: job.cause, title: job.title, at: this.now() }].slice(-Math.max(this.after, 5));
    return before !== this.notDelivering;
  }

  /** Staff reloaded the paper (and so looked inside): the failures before are forgotten. Returns whether `notDelivering` changed. */
  paperReloaded(): boolean {
    const before = this.notDelivering;
    this.silent = [];
    return before;
  }

  /** One line for the alarm and the doctor: what was seen and what to do. */
  describe(where: string): string {
    const n = this.silent.length;
    const causes = [...new Set(this.silent.map((f) => (f.cause === 'NO_COMPLETION' ? 'no completion reply' : 'ticket never reached the output')))].join(', ');
    return `${where} accepted ${n} job${n === 1 ? '' : 's'} in a row and delivered none (${causes}) although its status is clean: check the paper path and the print mechanism, then run a test print`;
  }
}
