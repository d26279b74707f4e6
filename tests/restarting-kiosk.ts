/**
 * A kiosk process started again whenever it stops itself to be restarted (HQ's restart-app, the
 * recovery ladder's restart-agent rung), as `zizhu start` and the Electron supervisor do — until `stop`.
 */
import type { RunningKioskProcess } from '../runtime/kiosk-process.ts';

export interface RestartingKiosk {
  /** the kiosk process now (a new one after each restart) */
  readonly current: RunningKioskProcess;
  /** how many times it was started again */
  readonly restarts: number;
  /** no more restarts; the current process stopped */
  stop(reason?: string): Promise<void>;
}

/** `start` starts one process, handing it the `onRestart` that starts the next. */
export async function startRestarting(start: (onRestart: () => void) => Promise<RunningKioskProcess>): Promise<RestartingKiosk> {
  let restarts = 0;
  let closed = false;
  const onRestart = (): void => {
    if (closed) return;
    start(onRestart).then(
      (next) => {
        current = next;
        restarts++;
      },
      (e: unknown) => console.error(`the kiosk did not start again: ${(e as Error).message}`),
    );
  };
  let current = await start(onRestart);
  return {
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    async stop(reason) {
      closed = true;
      await current.stop(reason);
    },
  };
}
