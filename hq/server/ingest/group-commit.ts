/**
 * Group commit: ingest requests that arrive together are applied in ONE transaction, and every
 * answer waits for that transaction's commit. With `durability: full` a commit is a disk sync;
 * 1,700 heartbeat requests a second (50,000 kiosks every 30 s) cannot each have their own, but
 * they can share one. Under light load a group is one request, and nothing waits longer than one
 * turn of the event loop.
 *
 * When any request of a group fails, the group's transaction is rolled back and each of its
 * requests is run again alone in its own transaction, so one bad request (a replayed nonce, a
 * kiosk disabled meanwhile, a bug its batch trips) never costs the others anything.
 */
import type { HqDb } from '../db/open.ts';

interface Job {
  work: (trx: HqDb) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export const MAX_PER_COMMIT = 64;

export class GroupCommit {
  #queue: Job[] = [];
  #draining: Promise<void> | null = null;

  constructor(
    private readonly db: HqDb,
    private readonly maxPerCommit = MAX_PER_COMMIT,
  ) {}

  /** Run `work` in the next group's transaction; resolves after that transaction committed. */
  run<T>(work: (trx: HqDb) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      this.#draining ??= new Promise<void>((done) => setImmediate(() => void this.#drain().finally(done)));
    });
  }

  /** Resolves when every job handed in so far has been answered. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#commitGroup(this.#queue.splice(0, this.maxPerCommit));
    } finally {
      this.#draining = null;
    }
  }

  async #commitGroup(jobs: Job[]): Promise<void> {
    if (jobs.length > 1) {
      let values: unknown[] | undefined;
      try {
        values = await this.db.transaction().execute(async (trx) => {
          const out: unknown[] = [];
          for (const job of jobs) out.push(await job.work(trx));
          return out;
        });
      } catch {
        // one of them failed: each alone below
      }
      if (values) {
        jobs.forEach((job, i) => job.resolve(values[i]));
        return;
      }
    }
    for (const job of jobs) {
      try {
        job.resolve(await this.db.transaction().execute((trx) => job.work(trx)));
      } catch (e) {
        job.reject(e);
      }
    }
  }
}
