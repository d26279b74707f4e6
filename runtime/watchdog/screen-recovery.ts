/**
 * The recovery ladder (ladder.ts) wired to the kiosk process: its rungs are the shell's reload and
 * restart, the same clean restart of the agent HQ's restart-app uses (runtime/hq-link/process-hands.ts),
 * and the lifecycle's screen block; every rung is journaled as `watchdog.recovery` for HQ; the state is
 * kept next to the journal. The screen watchdog asks it to `recover`; whenever a screen fault clears, and
 * once a second besides, it looks whether any screen fault is still raised (`healthy` otherwise) — a fault
 * right after a recovery must find the ladder knowing it helped.
 */
import { join } from 'node:path';
import type { FaultCode } from '../../contracts/faults.ts';
import type { HqEventPayload } from '../../contracts/hq.ts';
import type { Kiosk } from '../kiosk/kiosk.ts';
import type { ShellConnection } from '../shell/types.ts';
import { RecoveryLadder, type LadderPolicy } from './ladder.ts';
import { fileLadderStore, LADDER_FILE } from './ladder-store.ts';

export interface ScreenRecoveryOptions {
  shell: ShellConnection;
  kiosk?: Kiosk;
  /** the directory of the journal (the ladder's state file goes there) */
  dataDir: string;
  journal: { outbox: { enqueue(kind: 'watchdog.recovery', payload: HqEventPayload<'watchdog.recovery'>): unknown } };
  /** the screen faults raised now (the watchdog's `faults`) */
  faults: () => readonly string[];
  /** restart the agent as HQ's restart-app does (absent: nothing would start it again, the rung is skipped) */
  restartAgent?: (reason: string) => Promise<void>;
  log: { info(m: string): void; warn(m: string): void };
  now?: () => number;
  policy?: Partial<LadderPolicy>;
  /** how often the watchdog's faults are looked at (default 1 s) */
  checkEveryMs?: number;
}

export interface ScreenRecovery {
  readonly ladder: RecoveryLadder;
  recover(code: FaultCode, reason: string): void;
  /** a screen fault was just cleared: if none is left, the ladder hears at once that the screen is proven (not at the next look) */
  cleared(): void;
  stop(): void;
}

export function startScreenRecovery(o: ScreenRecoveryOptions): ScreenRecovery {
  const shell = o.shell;
  const lifecycle = o.kiosk?.lifecycle;
  const ladder = new RecoveryLadder({
    actions: {
      reload: (reason) => shell.reload(reason),
      ...(shell.restart ? { restartShell: (reason: string) => shell.restart!(reason) } : {}),
      ...(o.restartAgent ? { restartAgent: o.restartAgent } : {}),
      outOfService: (on, reason) => lifecycle?.send(on ? { type: 'SCREEN_OUT_OF_SERVICE', reason } : { type: 'SCREEN_BACK' }),
    },
    record: (r) => o.journal.outbox.enqueue('watchdog.recovery', r),
    store: fileLadderStore(join(o.dataDir, LADDER_FILE)),
    log: o.log,
    ...(o.now ? { now: o.now } : {}),
    ...(o.policy ? { policy: o.policy } : {}),
  });
  const look = () => {
    if (o.faults().length === 0) ladder.healthy();
  };
  const timer = setInterval(look, o.checkEveryMs ?? 1_000);
  timer.unref();
  return {
    ladder,
    recover: (code, reason) => ladder.recover(code, reason),
    cleared: look,
    stop: () => clearInterval(timer),
  };
}
