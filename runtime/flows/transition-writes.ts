import type { FlowLog } from './log.ts';

/**
 * Journal writes that a machine's *action* asks for (the payment machine's `recordPayment`), held
 * until the SessionHost journals the snapshot of the transition that produced them and then
 * written inside that same transaction (`SessionHost` option `inTransaction` → `flush`). So a
 * payment's state change commits together with the session snapshot and event that explain it,
 * or neither does.
 *
 * A session that is not hosted (a machine run on its own, in tests or in recovery) gets its
 * writes at once, each in its own transaction.
 *
 * A write that throws is logged and dropped, never rethrown: an action must not fail the
 * transition (the machine goes on; reconciliation finds any order whose record was lost).
 */
export class TransitionWrites {
  private readonly pending = new Map<string, (() => void)[]>();
  private readonly hosted = new Set<string>();

  constructor(private readonly log?: FlowLog) {}

  /** From now on, writes for `sessionId` wait for its next journaled transition. */
  host(sessionId: string): void {
    this.hosted.add(sessionId);
  }

  /** The session is no longer hosted: write whatever is still waiting, now. */
  release(sessionId: string): void {
    this.hosted.delete(sessionId);
    this.flush(sessionId);
  }

  /** A write for `sessionId`: buffered while it is hosted, else done at once. */
  add(sessionId: string, what: string, write: () => void): void {
    if (!this.hosted.has(sessionId)) {
      this.run(sessionId, what, write);
      return;
    }
    let list = this.pending.get(sessionId);
    if (!list) this.pending.set(sessionId, (list = []));
    list.push(() => this.run(sessionId, what, write));
  }

  /** Do the waiting writes of `sessionId`, in order (call it inside the snapshot's transaction). */
  flush(sessionId: string): void {
    const list = this.pending.get(sessionId);
    if (!list) return;
    this.pending.delete(sessionId);
    for (const w of list) w();
  }

  /** How many writes wait (tests). */
  waiting(sessionId: string): number {
    return this.pending.get(sessionId)?.length ?? 0;
  }

  private run(sessionId: string, what: string, write: () => void): void {
    try {
      write();
    } catch (e) {
      this.log?.warn(`session ${sessionId}: ${what} was not journaled: ${(e as Error).message}; reconciliation will settle it from the gateway`);
    }
  }
}
