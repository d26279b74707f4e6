/**
 * The idle timeout every service flow has: no touch for `timeoutSeconds` on a step → a visible
 * countdown (`warningSeconds` before the end) → back home. Longer in elderly mode (长辈模式).
 *
 * Each flow machine is a parallel `session` of two regions: `flow` (the steps) and `idle`
 * (paused | watching | warning | expired). A step the patient must act on enters with
 * `armIdle` + `idle.restart`; a step where the kiosk is busy (a back-office call, a payment,
 * printing) enters with `idle.pause`, so nobody is timed out while the kiosk works. TOUCH
 * extends the deadline; at the deadline the idle region raises IDLE_TIMEOUT and the flow goes
 * home (through a refund if money was taken). The deadline lives in context (`idleDeadline`).
 */
import { msUntil, type Now } from './deadlines.ts';

/** config ui.idle */
export interface IdleSettings {
  timeoutSeconds: number;
  warningSeconds: number;
  elderlyTimeoutSeconds: number;
}

export const DEFAULT_IDLE: IdleSettings = { timeoutSeconds: 60, warningSeconds: 15, elderlyTimeoutSeconds: 120 };

export interface IdleContext {
  /** epoch ms; null while paused */
  idleDeadline: number | null;
  idleTimeoutMs: number;
  idleWarningMs: number;
}

export function idleTiming(settings: IdleSettings | undefined, elderlyMode: boolean | undefined): Pick<IdleContext, 'idleTimeoutMs' | 'idleWarningMs'> {
  const s = settings ?? DEFAULT_IDLE;
  const timeoutMs = (elderlyMode ? s.elderlyTimeoutSeconds : s.timeoutSeconds) * 1000;
  // the warning never takes the whole step
  return { idleTimeoutMs: timeoutMs, idleWarningMs: Math.min(s.warningSeconds * 1000, Math.floor(timeoutMs / 2)) };
}

/** Delays of the idle region: until the warning shows, until the deadline. */
export function idleDelays(now: Now) {
  return {
    untilIdleWarning: ({ context }: { context: IdleContext }) =>
      context.idleDeadline === null ? msUntil(null, now) : msUntil(context.idleDeadline - context.idleWarningMs, now),
    untilIdleDeadline: ({ context }: { context: IdleContext }) => msUntil(context.idleDeadline, now),
  };
}

/** A kiosk nearby, offered when this one could not deliver (config ui.nearbyKiosks). */
export interface NearbyKiosk {
  name: string;
  location: string;
  hoursText?: string;
  distanceMeters?: number;
}

/**
 * The `idle` region itself, the same in every flow machine (see the header). Its `expired` state
 * raises IDLE_TIMEOUT; the flow region decides where that leads. No `reenter: true` on the
 * region's own transitions: on a direct child of a parallel state it hangs xstate 5.33, and
 * targeting the child from the region exits and re-enters it anyway, re-arming its timer.
 */
export const IDLE_REGION = {
  initial: 'paused',
  on: {
    'idle.restart': { target: '.watching' },
    'idle.pause': { target: '.paused' },
  },
  states: {
    paused: {},
    watching: {
      after: { untilIdleWarning: 'warning' },
      on: {
        TOUCH: { target: 'watching', reenter: true, actions: 'armIdle' },
        'zizhu.resume': { target: 'watching', reenter: true },
      },
    },
    /** the visible countdown */
    warning: {
      after: { untilIdleDeadline: 'expired' },
      on: {
        TOUCH: { target: 'watching', actions: 'armIdle' },
        'zizhu.resume': { target: 'warning', reenter: true },
      },
    },
    expired: { entry: { type: 'raiseIdleTimeout' } },
  },
} as const;
