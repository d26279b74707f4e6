/**
 * Rows → the operator API's shapes (contracts/hq-api.ts). Times leave as ISO 8601 text; strings
 * that came from kiosks leave as JSON data (the console renders them as text, never as HTML).
 */
import type { KioskStatusName } from '../../../contracts/bridge.ts';
import { ALARM_SEVERITIES } from '../../../contracts/faults.ts';
import { kioskStateOf, type Alarm, type KioskDetail, type KioskState, type KioskSummary } from '../../../contracts/hq-api.ts';
import { commandView } from '../commands/store.ts';
import { withScreenshots } from '../screenshots/store.ts';
import { selfTestView } from '../self-test/store.ts';
import type { HqDb } from '../db/open.ts';
import type { AlarmsTable, KiosksTable } from '../db/tables.ts';
import { iso, isoOrNull } from '../ids.ts';
import { FRAME_CODES } from '../alarms/frame.ts';
import { parseRanges, seqGaps } from '../ingest/seq.ts';

/** What the console calls the kiosk's state. A kiosk HQ never heard from is offline; a disabled one out of service. */
export function kioskStateRow(k: Pick<KiosksTable, 'lifecycle' | 'offline' | 'enabled' | 'last_seen_at'>): KioskState {
  if (k.enabled !== 1) return 'out-of-service';
  if (k.offline === 1 || k.last_seen_at === null) return 'offline';
  return k.lifecycle ? kioskStateOf(k.lifecycle as KioskStatusName) : 'out-of-service';
}

const STATE_RANK: Record<KioskState, number> = { offline: 0, 'out-of-service': 1, degraded: 2, locked: 3, maintenance: 4, 'out-of-hours': 5, 'in-service': 6 };
const severityRank = (s: string | null | undefined): number => (s ? ALARM_SEVERITIES.indexOf(s as (typeof ALARM_SEVERITIES)[number]) : ALARM_SEVERITIES.length);

/** Worst first: most severe active alarm, then state, then most alarms, then id. */
export function worstFirst(a: KioskSummary, b: KioskSummary): number {
  return severityRank(a.worstSeverity) - severityRank(b.worstSeverity) || STATE_RANK[a.state] - STATE_RANK[b.state] || b.activeAlarms - a.activeAlarms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function alarmView(r: AlarmsTable): Alarm & { lastRaisedAt: string; clearedReceivedAt: string | null } {
  return {
    id: r.id,
    kioskId: r.kiosk_id,
    code: r.code as Alarm['code'],
    severity: r.severity as Alarm['severity'],
    status: r.status as Alarm['status'],
    raisedAt: r.raised_at,
    lastRaisedAt: r.last_raised_at,
    clearedAt: r.cleared_at ?? isoOrNull(r.operator_cleared_at),
    receivedAt: iso(r.received_at),
    clearedReceivedAt: isoOrNull(r.cleared_received_at),
    ackedAt: isoOrNull(r.acked_at),
    ackedBy: r.acked_by,
    clearedBy: r.cleared_by,
    comment: r.comment,
    device: r.device,
    detail: r.detail,
    count: r.count,
    ...(FRAME_CODES.has(r.code) ? { frameUrl: `/api/v1/alarms/${encodeURIComponent(r.id)}/frame` } : {}),
  };
}

type SummaryRow = Pick<KiosksTable, 'id' | 'site' | 'district' | 'address' | 'lifecycle' | 'offline' | 'enabled' | 'last_seen_at'>;

function summary(k: SummaryRow, alarms: { n: number; worst: string | null } | undefined): KioskSummary {
  return {
    id: k.id,
    site: k.site,
    district: k.district,
    address: k.address,
    state: kioskStateRow(k),
    lastSeenAt: isoOrNull(k.last_seen_at),
    activeAlarms: alarms?.n ?? 0,
    worstSeverity: (alarms?.worst ?? null) as KioskSummary['worstSeverity'],
  };
}

/** Active alarms per kiosk: how many and the most severe. */
async function activeAlarmsByKiosk(db: HqDb, kioskId?: string): Promise<Map<string, { n: number; worst: string | null }>> {
  let q = db
    .selectFrom('alarms')
    .select((eb) => ['kiosk_id', 'severity', eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['active-unack', 'active-ack']);
  if (kioskId !== undefined) q = q.where('kiosk_id', '=', kioskId);
  const out = new Map<string, { n: number; worst: string | null }>();
  for (const r of await q.groupBy(['kiosk_id', 'severity']).execute()) {
    const e = out.get(r.kiosk_id) ?? { n: 0, worst: null };
    e.n += Number(r.n);
    if (severityRank(r.severity) < severityRank(e.worst)) e.worst = r.severity;
    out.set(r.kiosk_id, e);
  }
  return out;
}

export async function listKiosks(db: HqDb): Promise<KioskSummary[]> {
  const [rows, alarms] = await Promise.all([
    db.selectFrom('kiosks').select(['id', 'site', 'district', 'address', 'lifecycle', 'offline', 'enabled', 'last_seen_at']).execute(),
    activeAlarmsByKiosk(db),
  ]);
  return rows.map((k) => summary(k, alarms.get(k.id))).sort(worstFirst);
}

function sessionView(at: string, payload: string) {
  const p = parseJson<Partial<Record<'service' | 'outcome' | 'lastStep' | 'sessionId', string>> & { durationMs?: number; recovered?: boolean }>(payload, {});
  return { at, sessionId: p.sessionId ?? '', service: p.service ?? '', outcome: p.outcome ?? '', lastStep: p.lastStep ?? '', durationMs: p.durationMs ?? 0, recovered: p.recovered ?? false };
}

const parseJson = <T>(text: string | null, fallback: T): T => {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

/** `now` (HQ's clock): screenshots past their expiry are left out (default: whatever is still stored) */
export async function kioskDetail(db: HqDb, kioskId: string, now = 0): Promise<(KioskDetail & Record<string, unknown>) | null> {
  const k = await db.selectFrom('kiosks').selectAll().where('id', '=', kioskId).executeTakeFirst();
  if (!k) return null;
  const [alarmCounts, alarms, sessions, commands, history] = await Promise.all([
    activeAlarmsByKiosk(db, kioskId),
    db.selectFrom('alarms').selectAll().where('kiosk_id', '=', kioskId).orderBy('updated_at', 'desc').orderBy('generation', 'desc').limit(100).execute(),
    db.selectFrom('events').select(['at', 'payload']).where('kiosk_id', '=', kioskId).where('type', '=', 'session.ended').orderBy('seq', 'desc').limit(20).execute(),
    db.selectFrom('commands').selectAll().where('kiosk_id', '=', kioskId).orderBy('issued_at', 'desc').limit(20).execute(),
    db.selectFrom('kiosk_history').selectAll().where('kiosk_id', '=', kioskId).orderBy('id', 'desc').limit(50).execute(),
  ]);
  const seq = { contiguous: k.contiguous_seq, highest: k.highest_seq, ranges: parseRanges(k.seq_ranges) };
  const link = {
    lastSeenAt: isoOrNull(k.last_seen_at),
    lastHeartbeatAt: isoOrNull(k.last_heartbeat_at),
    outboxBacklog: k.outbox_backlog,
    contiguousSeq: seq.contiguous,
    highestSeq: seq.highest,
    gaps: seqGaps(seq),
    heartbeatSeconds: k.heartbeat_seconds,
    clockSkewMs: k.clock_skew_ms,
  };
  return {
    ...summary(k, alarmCounts.get(kioskId)),
    enabled: k.enabled === 1,
    lat: k.lat,
    lng: k.lng,
    version: k.version,
    lifecycle: k.lifecycle,
    devices: parseJson(k.devices, {}),
    hoursOpen: k.hours_open === null ? null : k.hours_open === 1,
    hoursVersion: k.hours_version,
    hoursNextChangeAt: k.hours_next_change,
    backends: parseJson(k.backends, null),
    link,
    alarms: alarms.map(alarmView),
    sessions: sessions.map((s) => sessionView(s.at, s.payload)),
    commands: await withScreenshots(db, commands.map(commandView), now),
    selfTest: selfTestView(k),
    history: history.map((h) => ({ at: h.kiosk_at ?? iso(h.at), receivedAt: iso(h.at), kind: h.kind, state: h.state, lifecycle: h.lifecycle, detail: h.detail })),
  };
}
