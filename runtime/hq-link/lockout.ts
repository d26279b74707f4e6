/**
 * Lockouts as HQ sees them: the kiosk takes nobody, and why. Every entry into and exit from such a
 * lifecycle status is a `lockout.started` / `lockout.ended`:
 *
 *   outOfHours → schedule · remoteLocked → remote (HQ's lock) or staff (locked on the maintenance
 *   screen) · outOfService → fault · maintenance → maintenance
 *
 * `remoteLockPending` is not a lockout yet (a customer is still being served); booting, selfTest
 * and verifyingPin are passing states, not lockouts.
 */
import type { HqEventPayload, LockoutReason } from '../../contracts/hq.ts';
import type { KioskStatus, LifecycleView } from '../../state-machines/lifecycle.machine.ts';

export type LockoutEvent = ['lockout.started' | 'lockout.ended', HqEventPayload<'lockout.started'>];

export interface Lockout {
  reason: LockoutReason;
  detail: string;
}

/** Who put the kiosk lock on (decides remote vs staff). */
export type LockOriginBy = 'hq' | 'staff';

export function lockoutReasonOf(status: KioskStatus, lockBy: LockOriginBy): LockoutReason | null {
  switch (status) {
    case 'outOfHours':
      return 'schedule';
    case 'remoteLocked':
      return lockBy === 'staff' ? 'staff' : 'remote';
    case 'outOfService':
      return 'fault';
    case 'maintenance':
      return 'maintenance';
    default:
      return null;
  }
}

const clip = (s: string) => (s.length > 500 ? `${s.slice(0, 497)}…` : s);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function detailOf(reason: LockoutReason, view: LifecycleView): string {
  switch (reason) {
    case 'schedule': {
      const opens = iso(view.hours.opensAt);
      return `outside promised hours${view.hours.exceptionReason ? ` (${view.hours.exceptionReason})` : ''}${opens ? `; opens ${opens}` : ''}`;
    }
    case 'remote':
      return `locked by HQ: ${view.remoteLock?.reason ?? ''}`;
    case 'staff':
      return `locked on the maintenance screen: ${view.remoteLock?.reason ?? ''}`;
    case 'fault': {
      const why = [...new Set(Object.values(view.availability).flatMap((s) => s?.reasons.map((r) => r.en) ?? []))];
      return `out of service: ${why.join('; ') || 'no service can run'}`;
    }
    case 'maintenance':
      return `maintenance${view.maintenance?.staffId ? ` by ${view.maintenance.staffId}` : ''}`;
  }
}

/**
 * Follows the lifecycle's status and says which lockout events a change makes: the one ending
 * (with the detail it started with) and the one starting.
 */
export class LockoutTracker {
  private current: Lockout | null = null;

  /** The status is now `view.status` (the lock put on by `lockBy`). */
  changed(view: LifecycleView, lockBy: LockOriginBy): LockoutEvent[] {
    const reason = lockoutReasonOf(view.status, lockBy);
    const out: LockoutEvent[] = [];
    if (this.current && this.current.reason !== reason) {
      out.push(['lockout.ended', { reason: this.current.reason, detail: this.current.detail }]);
      this.current = null;
    }
    if (reason && !this.current) {
      this.current = { reason, detail: clip(detailOf(reason, view)) };
      out.push(['lockout.started', { ...this.current }]);
    }
    return out;
  }

  get lockout(): Lockout | null {
    return this.current;
  }
}
