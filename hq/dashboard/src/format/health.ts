/** Red / amber / green, and the worst-first order of the fleet list. */
import type { KioskSummary } from '../../../../contracts/hq-api.ts';
import type { AlarmSeverity } from '../../../../contracts/faults.ts';

export type Health = 'red' | 'amber' | 'green';

const HEALTH_RANK: Record<Health, number> = { red: 0, amber: 1, green: 2 };
const SEVERITY_RANK: Record<AlarmSeverity, number> = { critical: 0, major: 1, minor: 2, warning: 3 };

/** red: the kiosk serves nobody or has a critical alarm; amber: degraded or a major/minor alarm */
export function healthOf(k: Pick<KioskSummary, 'state' | 'worstSeverity' | 'activeAlarms'>): Health {
  if (k.state === 'offline' || k.state === 'out-of-service' || k.worstSeverity === 'critical') return 'red';
  if (k.state === 'degraded' || k.worstSeverity === 'major' || k.worstSeverity === 'minor') return 'amber';
  // alarms the server did not rank: not green until someone looks
  if (k.activeAlarms > 0 && !k.worstSeverity) return 'amber';
  return 'green';
}

export function severityHealth(s: AlarmSeverity): Health | 'grey' {
  return s === 'critical' ? 'red' : s === 'warning' ? 'grey' : 'amber';
}

/**
 * Worst first: health, then the worst alarm, then how many alarms, then id. Nothing that changes at
 * every heartbeat takes part, so a refresh never reshuffles rows.
 */
export function worstFirst(a: KioskSummary, b: KioskSummary): number {
  return (
    HEALTH_RANK[healthOf(a)] - HEALTH_RANK[healthOf(b)] ||
    (a.worstSeverity ? SEVERITY_RANK[a.worstSeverity] : 4) - (b.worstSeverity ? SEVERITY_RANK[b.worstSeverity] : 4) ||
    b.activeAlarms - a.activeAlarms ||
    a.id.localeCompare(b.id)
  );
}

export function severityRank(s: AlarmSeverity): number {
  return SEVERITY_RANK[s];
}
