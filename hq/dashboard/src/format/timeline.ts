/**
 * The kiosk's last hours as rows of bars: its state (from `history`, newest first) on the top row,
 * then one row per alarm code with a bar from raised to cleared (or now). Pure: no chart library.
 */
import type { Alarm, KioskDetail } from '../../../../contracts/hq-api.ts';
import { severityRank } from './health.ts';

export const STATE_COLOURS: Record<string, string> = {
  'in-service': '#2f8f4e',
  degraded: '#d18a00',
  'out-of-service': '#c62828',
  'out-of-hours': '#9aa7b3',
  maintenance: '#3f7fc4',
  locked: '#5b6b7a',
  offline: '#8a1c1c',
};
export const SEVERITY_COLOURS: Record<Alarm['severity'], string> = { critical: '#c62828', major: '#e07000', minor: '#c9a000', warning: '#8796a5' };

/** the chart's frame in px: the kiosk page reserves the same height before the chart's chunk loads */
export const TIMELINE_GRID = { top: 8, bottom: 26, left: 196, right: 20, row: 26 };
export const TIMELINE_WINDOW_MS = 24 * 3600_000;

export interface Segment {
  row: number;
  start: number;
  end: number;
  /** still going at `now` */
  open: boolean;
  colour: string;
  kind: 'state' | 'alarm';
  /** the state, or the alarm's code */
  what: string;
  alarm?: Alarm;
}

export interface Timeline {
  /** row 0 is the state; then alarm codes, worst first */
  codes: Alarm['code'][];
  segments: Segment[];
  from: number;
  to: number;
}

export function buildTimeline(detail: Pick<KioskDetail, 'state' | 'history' | 'alarms'>, now: number, windowMs: number): Timeline {
  const from = now - windowMs;
  const segments: Segment[] = [];

  const changes = detail.history
    .map((h) => ({ at: Date.parse(h.at), state: h.state }))
    .filter((h) => !Number.isNaN(h.at))
    .sort((a, b) => a.at - b.at);
  if (changes.length === 0) changes.push({ at: from, state: detail.state });
  changes.forEach((c, i) => {
    const end = i + 1 < changes.length ? changes[i + 1]!.at : now;
    if (end <= from || c.at >= now) return;
    segments.push({ row: 0, start: Math.max(c.at, from), end, open: i + 1 === changes.length, colour: STATE_COLOURS[c.state] ?? '#9aa7b3', kind: 'state', what: c.state });
  });

  const inWindow = detail.alarms.filter((a) => {
    const end = a.clearedAt ? Date.parse(a.clearedAt) : now;
    return !Number.isNaN(Date.parse(a.raisedAt)) && end >= from;
  });
  const worst = new Map<Alarm['code'], number>();
  for (const a of inWindow) worst.set(a.code, Math.min(worst.get(a.code) ?? 9, severityRank(a.severity)));
  const codes = [...worst.keys()].sort((a, b) => worst.get(a)! - worst.get(b)! || a.localeCompare(b));
  for (const a of inWindow) {
    const start = Math.max(Date.parse(a.raisedAt), from);
    const cleared = a.clearedAt ? Date.parse(a.clearedAt) : NaN;
    const end = Number.isNaN(cleared) ? now : Math.min(cleared, now);
    segments.push({ row: codes.indexOf(a.code) + 1, start, end: Math.max(end, start), open: Number.isNaN(cleared), colour: SEVERITY_COLOURS[a.severity], kind: 'alarm', what: a.code, alarm: a });
  }
  return { codes, segments, from, to: now };
}

export function timelineHeight(detail: Pick<KioskDetail, 'state' | 'history' | 'alarms'>, now: number): number {
  const rows = 1 + buildTimeline(detail, now, TIMELINE_WINDOW_MS).codes.length;
  return TIMELINE_GRID.top + TIMELINE_GRID.bottom + rows * TIMELINE_GRID.row;
}
