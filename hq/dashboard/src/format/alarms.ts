/** The order alarms are listed in: what needs a person first, stable across refreshes. */
import type { Alarm, AlarmStatus } from '../../../../contracts/hq-api.ts';
import { severityRank } from './health.ts';

const STATUS_RANK: Record<AlarmStatus, number> = { 'active-unack': 0, 'active-ack': 1, 'cleared-unack': 2, 'cleared-ack': 3 };

export function alarmOrder(a: Alarm, b: Alarm): number {
  return (
    STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
    severityRank(a.severity) - severityRank(b.severity) ||
    Date.parse(b.raisedAt) - Date.parse(a.raisedAt) ||
    a.id.localeCompare(b.id)
  );
}

export const isActive = (a: Alarm): boolean => a.status === 'active-unack' || a.status === 'active-ack';
