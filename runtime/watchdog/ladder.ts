/**
 * The recovery ladder (issue 11): what the agent does about a screen it cannot trust, one rung at a
 * time, each rung only when the one below did not help:
 *
 *   reload the renderer → restart the shell (the Chromium browser / the Electron window) → restart the
 *   agent (the same clean stop and start as HQ's restart-app) → out of service (the lifecycle takes no one,
 *   the faults stay raised and keep being reported).
 *
 * - Bounded: each rung has a number of attempts (reload 2, the others 1); between attempts the ladder
 *   waits (15 s doubling to 2 min) so that a rung has time to show whether it helped. Calls of
 *   `recover()` in between (the watchdogs ask on every check while a fault lasts) change nothing.
 * - Recorded: every rung tried, failed, recovered, of no effect, out of / back in service and reset goes
 *   to `record` (the agent journals it as `watchdog.recovery` for HQ) and to the log.
 * - Remembered across the agent's own restart: the state is saved (`store`, a small file next to the
 *   journal) before each rung, so the restarted agent goes on from the rung it reached.
 * - Reset: healthy (no screen fault) for `healthyResetMs` (10 min) → the next fault starts at the
 *   bottom again. A fault that comes back sooner is acted on at once, on the rung reached (a screen
 *   that keeps failing climbs). Healthy while out of service → back in service at once.
 *
 * Pure policy over injected actions and clock: machines never open devices, and this never touches a
 * shell itself.
 */
import type { FaultCode } from '../../contracts/faults.ts';
import type { HqEventPayload } from '../../contracts/hq.ts';

export const LADDER_STEPS = ['reload', 'restart-shell', 'restart-agent', 'out-of-service'] as const;
export type LadderStep = (typeof LADDER_STEPS)[number];
type ActiveStep = Exclude<LadderStep, 'out-of-service'>;
export type RecoveryRecord = HqEventPayload<'watchdog.recovery'>;

export interface LadderPolicy {
  attempts: Record<ActiveStep, number>;
  firstWaitMs: number;
  maxWaitMs: number;
  healthyResetMs: number;
}

export const DEFAULT_LADDER_POLICY: LadderPolicy = {
  attempts: { reload: 2, 'restart-shell': 1, 'restart-agent': 1 },
  firstWaitMs: 15_000,
  maxWaitMs: 120_000,
  healthyResetMs: 10 * 60_000,
};

/** What the ladder remembers (saved before each rung). */
export interface LadderState {
  /** index into LADDER_STEPS of the rung reached */
  level: number;
  /** attempts made at that rung */
  attempts: number;
  /** attempts made on this climb, all rungs */
  climbAttempts: number;
  /** when the last rung was tried (the ladder's clock, epoch ms); null: at rest */
  lastAt: number | null;
  fault: FaultCode | null;
  outOfService: boolean;
  /** the screen was proven again after the last rung (a fault now is a new one: acted on at once) */
  recovered?: boolean;
}

export const RESTING: LadderState = { level: 0, attempts: 0, climbAttempts: 0, lastAt: null, fault: null, outOfService: false, recovered: false };

export interface LadderActions {
  reload(reason: string): Promise<void>;
  /** absent: this shell cannot be restarted alone (the rung is skipped) */
  restartShell?: (reason: string) => Promise<void>;
  /** absent: nothing would start the agent again (the rung is skipped) */
  restartAgent?: (reason: string) => Promise<void>;
  /** take no one (true) / serve again (false) */
  outOfService(on: boolean, reason: string): void;
}

export interface LadderStore {
  load(): LadderState | null;
  save(state: LadderState): void;
}

export interface LadderOptions {
  actions: LadderActions;
  record: (r: RecoveryRecord) => void;
  now?: () => number;
  policy?: Partial<LadderPolicy>;
  store?: LadderStore;
  log?: { info(m: string): void; warn(m: string): void };
}

export class RecoveryLadder {
  readonly #o: LadderOptions;
  readonly #policy: LadderPolicy;
  readonly #now: () => number;
  #state: LadderState;
  #healthySince: number | null = null;
  #busy = false;

  constructor(o: LadderOptions) {
    this.#o = o;
    this.#policy = { ...DEFAULT_LADDER_POLICY, ...o.policy, attempts: { ...DEFAULT_LADDER_POLICY.attempts, ...o.policy?.attempts } };
    this.#now = o.now ?? Date.now;
    this.#state = sane(o.store?.load() ?? null);
    // out of service when the agent stopped: so again, until the screen is proven
    if (this.#state.outOfService) o.actions.outOfService(true, `recovery ladder: still out of service after a restart (${this.#state.fault ?? 'screen fault'})`);
  }

  get state(): Readonly<LadderState> {
    return this.#state;
  }

  /** A screen fault asks for recovery (called on every check while it lasts). */
  recover(fault: FaultCode, reason: string): void {
    if (this.#busy) return;
    const now = this.#now();
    this.#healthySince = null;
    const s = this.#state;
    if (s.outOfService) return; // nothing left to try: the faults keep being reported
    // the last rung is still being given its time (unless it helped and this is a new fault)
    if (s.lastAt !== null && !s.recovered && now - s.lastAt < this.#waitMs(s.climbAttempts)) return;
    let { level, attempts } = s;
    if (s.lastAt !== null) {
      if (!s.recovered) this.#emit(LADDER_STEPS[level]!, 'no-effect', s.fault, attempts, `${s.fault ?? 'the fault'} still there: ${reason}`);
      // a rung used up climbs, whether its attempts did not help or the faults keep coming back within the healthy period
      if (attempts >= this.#attemptsAt(level)) {
        level++;
        attempts = 0;
      }
    }
    // rungs this kiosk cannot take are skipped
    while (level < 3 && this.#attemptsAt(level) === 0) level++;
    const step = LADDER_STEPS[level]!;
    const next: LadderState = { level, attempts: attempts + 1, climbAttempts: s.climbAttempts + 1, lastAt: now, fault, outOfService: step === 'out-of-service' };
    this.#set(next);
    if (step === 'out-of-service') {
      const why = `${fault}: no rung of the recovery ladder helped (${reason})`;
      this.#o.actions.outOfService(true, why);
      this.#emit(step, 'out-of-service', fault, 1, why);
      return;
    }
    this.#emit(step, 'tried', fault, next.attempts, reason);
    const act = step === 'reload' ? this.#o.actions.reload : step === 'restart-shell' ? this.#o.actions.restartShell! : this.#o.actions.restartAgent!;
    this.#busy = true;
    act(`${fault}: ${reason}`)
      .catch((e: unknown) => this.#emit(step, 'failed', fault, next.attempts, `the step itself failed: ${(e as Error).message}`))
      .finally(() => {
        this.#busy = false;
      });
  }

  /** No screen fault is raised now (called on every check while that holds). */
  healthy(): void {
    const now = this.#now();
    const s = this.#state;
    if (s.lastAt === null && !s.outOfService) return;
    if (this.#healthySince === null) {
      this.#healthySince = now;
      const step = LADDER_STEPS[s.level]!;
      if (s.outOfService) {
        this.#o.actions.outOfService(false, 'the screen is proven again');
        this.#emit(step, 'back-in-service', s.fault, s.attempts, 'the screen is proven again');
        this.#set({ ...s, outOfService: false });
      } else {
        this.#emit(step, 'recovered', s.fault, s.attempts, `${s.fault ?? 'the fault'} cleared after ${step}`);
        this.#set({ ...s, recovered: true });
      }
    }
    if (now - this.#healthySince >= this.#policy.healthyResetMs) {
      this.#emit(LADDER_STEPS[this.#state.level]!, 'reset', this.#state.fault, 0, `healthy for ${Math.round((now - this.#healthySince) / 1000)} s: the next fault starts with a reload`);
      this.#set({ ...RESTING });
      this.#healthySince = null;
    }
  }

  #attemptsAt(level: number): number {
    const step = LADDER_STEPS[level]!;
    if (step === 'out-of-service') return 1;
    if (step === 'restart-shell' && !this.#o.actions.restartShell) return 0;
    if (step === 'restart-agent' && !this.#o.actions.restartAgent) return 0;
    return Math.max(0, this.#policy.attempts[step]);
  }

  #waitMs(climbAttempts: number): number {
    return Math.min(this.#policy.maxWaitMs, this.#policy.firstWaitMs * 2 ** Math.max(0, climbAttempts - 1));
  }

  #set(next: LadderState): void {
    this.#state = next;
    try {
      this.#o.store?.save(next);
    } catch (e) {
      this.#o.log?.warn(`recovery ladder: could not save its state: ${(e as Error).message}`);
    }
  }

  #emit(step: LadderStep, outcome: RecoveryRecord['outcome'], fault: FaultCode | null, attempt: number, detail: string): void {
    const line = `recovery ladder: ${step} ${outcome}${fault ? ` (${fault})` : ''}${attempt ? `, attempt ${attempt}` : ''}: ${detail}`;
    if (outcome === 'recovered' || outcome === 'back-in-service' || outcome === 'reset') this.#o.log?.info(line);
    else this.#o.log?.warn(line);
    this.#o.record({ step, outcome, fault, attempt, detail: detail.length > 500 ? `${detail.slice(0, 497)}…` : detail });
  }
}

/** A saved state as the ladder can use it (a damaged file is a ladder at rest, never a crash). */
function sane(s: LadderState | null): LadderState {
  if (!s || typeof s !== 'object') return { ...RESTING };
  const level = Number.isInteger(s.level) && s.level >= 0 && s.level < LADDER_STEPS.length ? s.level : 0;
  const count = (n: unknown) => (Number.isInteger(n) && (n as number) >= 0 ? (n as number) : 0);
  return {
    level,
    attempts: count(s.attempts),
    climbAttempts: count(s.climbAttempts),
    lastAt: typeof s.lastAt === 'number' && Number.isFinite(s.lastAt) ? s.lastAt : null,
    fault: typeof s.fault === 'string' ? s.fault : null,
    outOfService: s.outOfService === true && LADDER_STEPS[level] === 'out-of-service',
    recovered: s.recovered === true,
  };
}
