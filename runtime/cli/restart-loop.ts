/**
 * `zizhu agent` and `zizhu start` run the kiosk process until SIGINT/SIGTERM. HQ's restart-app
 * (issue 10) stops it cleanly (runtime/hq-link/process-hands.ts); then this starts it again in the
 * same process — the journal, devices, bridge and the screen's Chromium all anew — or, for
 * `zizhu agent` under systemd (`exitForRestart`), returns so the agent exits with EXIT_RESTART and
 * the unit's `Restart=always` starts a fresh process. (Under Electron the shell relaunches the app;
 * this loop is not involved.)
 */
import type { RunningKioskProcess } from '../kiosk-process.ts';
import type { CliIo } from './io.ts';

/** `zizhu agent`'s exit code after a restart-app under systemd (EX_TEMPFAIL): the unit starts it again */
export const EXIT_RESTART = 75;

/** Is this process a systemd service's (systemd sets INVOCATION_ID for every unit it runs)? */
export const underSystemd = (env: NodeJS.ProcessEnv = process.env): boolean => typeof env.INVOCATION_ID === 'string' && env.INVOCATION_ID !== '';

export interface KeepRunningOptions {
  io: CliIo;
  name: string;
  /** return 'restart' after a restart-app instead of starting again here */
  exitForRestart?: boolean;
  /** each (re)started process, e.g. to print where its screen is */
  onStarted?: (p: RunningKioskProcess, restarts: number) => void;
  /** stop when this settles instead of on SIGINT/SIGTERM (tests) */
  until?: Promise<unknown>;
}

/**
 * Start the kiosk process with `start(onRestart)` and keep it running. Resolves 'signal' once it was
 * stopped on SIGINT/SIGTERM, or 'restart' (only with `exitForRestart`). A start that fails rejects.
 */
export async function keepRunning(start: (onRestart: (reason: string) => void) => Promise<RunningKioskProcess>, o: KeepRunningOptions): Promise<'signal' | 'restart'> {
  let onSignal!: () => void;
  const signalled = new Promise<'signal'>((resolve) => {
    onSignal = () => resolve('signal');
    if (o.until) void o.until.then(onSignal, onSignal);
    else {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }
  });
  try {
    for (let restarts = 0; ; restarts++) {
      let restart!: (reason: string) => void;
      const restarted = new Promise<{ reason: string }>((resolve) => (restart = (reason) => resolve({ reason })));
      const p = await start((reason) => restart(reason));
      o.onStarted?.(p, restarts);
      const why = await Promise.race([signalled, restarted]);
      if (why === 'signal') {
        await p.stop('signal');
        return 'signal';
      }
      // the process stopped itself cleanly before asking
      o.io.out(`${o.name}: restart-app from HQ (${why.reason}): ${o.exitForRestart ? `exiting (${EXIT_RESTART}) for the service manager to start it again` : 'starting again'}`);
      if (o.exitForRestart) return 'restart';
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
