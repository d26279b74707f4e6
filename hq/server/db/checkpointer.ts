/**
 * WAL checkpoints off HQ's event loop. SQLite's automatic checkpoint runs inside the commit that
 * crosses the threshold, on the connection that committed — HQ's only one, on its one thread: at
 * 1,700 heartbeats a second that was a ~1,000-page copy and a disk sync every few commits, a 100 ms
 * stall for every request waiting behind it. Here a worker thread with its own connection to the
 * same file runs PASSIVE checkpoints every `intervalMs` (PASSIVE never blocks the writer; SQLite
 * restarts the WAL at the next commit after a complete one).
 *
 * HQ's own connection keeps an automatic checkpoint, only at a far larger threshold
 * (`BACKSTOP_PAGES`): should the worker stall or die, the WAL still stays bounded.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export const CHECKPOINT_INTERVAL_MS = 250;
/** HQ's connection checkpoints itself only past this many WAL pages (4 KiB each: 64 MiB) */
export const BACKSTOP_PAGES = 16_384;

// plain JavaScript (the worker runs without the TypeScript loader); better-sqlite3 is resolved by the parent
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = ' + workerData.synchronous);
let timer = null;
const tick = () => {
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ type: 'checkpoint', log: r.log, checkpointed: r.checkpointed, busy: r.busy });
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String(e && e.message || e) });
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  db.close();
  process.exit(0);
});
`;

export interface Checkpointer {
  /** the last checkpoint's WAL size and pages copied (for the bench and tests) */
  last(): { log: number; checkpointed: number } | null;
  /** checkpoints done so far */
  count(): number;
  /** stop the worker (its connection closed); resolves when it has exited */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  intervalMs?: number;
  onError?: (message: string) => void;
}

export function startCheckpointer(o: CheckpointerOptions): Checkpointer {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file: o.file, sqlite, synchronous: o.synchronous, intervalMs: o.intervalMs ?? CHECKPOINT_INTERVAL_MS },
  });
  // never what keeps HQ's process alive
  worker.unref();
  let last: { log: number; checkpointed: number } | null = null;
  let count = 0;
  worker.on('message', (m: { type: string; log?: number; checkpointed?: number; message?: string }) => {
    if (m.type === 'checkpoint') {
      count++;
      last = { log: m.log ?? 0, checkpointed: m.checkpointed ?? 0 };
    } else if (m.type === 'error') o.onError?.(m.message ?? 'unknown error');
  });
  worker.on('error', (e) => o.onError?.(e.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    last: () => last,
    count: () => count,
    stop: () =>
      (stopping ??= (async () => {
        worker.postMessage('stop');
        const t = setTimeout(() => void worker.terminate(), 5_000);
        await exited;
        clearTimeout(t);
      })()),
  };
}
