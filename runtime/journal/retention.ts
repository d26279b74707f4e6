/**
 * The journal keeps what people did only as long as it is needed: the agent prunes it once at
 * start and then every `pruneEveryMinutes` (kiosk config `agent.retention`). What goes and what
 * stays is `Journal.prune()`'s rule: a session whose payment is not settled always stays.
 */
import type { RetentionConfig } from '../../kiosk-config/schema.ts';
import type { Journal, PruneCounts, PruneCutoffs } from './journal.ts';

const DAY_MS = 86_400_000;

export type { RetentionConfig };

/** What is old enough to go at `at` (epoch ms). */
export function cutoffsAt(at: number, r: RetentionConfig): PruneCutoffs {
  return {
    sessionsEndedBefore: at - r.sessionsDays * DAY_MS,
    recordsFinishedBefore: at - r.recordsDays * DAY_MS,
    outboxDeliveredBefore: at - r.outboxDays * DAY_MS,
  };
}

export interface JournalPruning {
  /** prune now (what the timer does); undefined when the journal is closed or the prune failed (logged) */
  pruneNow(): PruneCounts | undefined;
  stop(): void;
}

export interface JournalPruningOptions {
  journal: Journal;
  retention: RetentionConfig;
  now: () => number;
  log?: { info(message: string): unknown; warn(message: string): unknown };
}

/** Prune at once and then on the schedule; a failed prune is logged and tried again next time. */
export function startJournalPruning(o: JournalPruningOptions): JournalPruning {
  const pruneNow = (): PruneCounts | undefined => {
    if (!o.journal.isOpen) return undefined;
    try {
      const counts = o.journal.prune(cutoffsAt(o.now(), o.retention));
      const { sessions, payments, printJobs, outbox } = counts;
      if (sessions + payments + printJobs + outbox > 0)
        o.log?.info(`journal pruned: ${sessions} ended session(s) older than ${o.retention.sessionsDays} d, ${payments} payment(s) and ${printJobs} print job(s) older than ${o.retention.recordsDays} d, ${outbox} delivered HQ event(s)`);
      return counts;
    } catch (e) {
      o.log?.warn(`the journal could not be pruned: ${(e as Error).message}; trying again in ${o.retention.pruneEveryMinutes} min`);
      return undefined;
    }
  };
  pruneNow();
  const timer = setInterval(pruneNow, o.retention.pruneEveryMinutes * 60_000);
  timer.unref();
  return { pruneNow, stop: () => clearInterval(timer) };
}
