/**
 * Help requests at HQ (issue 10). A kiosk's `help.requested` raises (or counts on) its HELP_REQUESTED
 * alarm — the request itself stays in the events table, as every event does. An operator's answer is
 * the kiosk command `help.answer` for the kiosk's latest request, and acknowledges the alarm with the
 * answer as its comment (the alarm row shows it); "handled" is the alarm's ordinary clear.
 */
import { FAULT_SEVERITY, FaultCode } from '../../../contracts/faults.ts';
import type { HqEventPayload } from '../../../contracts/hq.ts';
import type { CommandView } from '../../../contracts/hq-api.ts';
import type { HelpAnswerView, HelpHistory, HelpRequestView } from '../../../contracts/hq-help.ts';
import { isActive, raiseAlarm, type AlarmRow } from '../alarms/store.ts';
import { queueCommand } from '../commands/store.ts';
import type { HqDb } from '../db/open.ts';
import { iso } from '../ids.ts';

const HISTORY_LIMIT = 20;

/** The alarm's detail line: where the person was (the console shows the request in full). */
export const helpDetail = (p: HqEventPayload<'help.requested'>): string =>
  `help asked on screen ${p.screen}, step ${p.step}${p.service ? `, service ${p.service}` : ''}`;

/** `help.requested` at ingest (inside the batch's transaction): the kiosk's HELP_REQUESTED alarm. */
export async function raiseHelpAlarm(trx: HqDb, e: { kioskId: string; payload: HqEventPayload<'help.requested'>; at: string; receivedAt: number; flapWindowMs: number }): Promise<void> {
  await raiseAlarm(trx, {
    kioskId: e.kioskId,
    code: FaultCode.HELP_REQUESTED,
    severity: FAULT_SEVERITY.HELP_REQUESTED,
    device: 'kiosk',
    detail: helpDetail(e.payload),
    at: e.at,
    atMs: Date.parse(e.at),
    receivedAt: e.receivedAt,
    flapWindowMs: e.flapWindowMs,
  });
}

export class HelpAlarmError extends Error {
  override readonly name = 'HelpAlarmError';
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

async function helpAlarm(db: HqDb, alarmId: string): Promise<AlarmRow> {
  const alarm = await db.selectFrom('alarms').selectAll().where('id', '=', alarmId).executeTakeFirst();
  if (!alarm) throw new HelpAlarmError(404, `no alarm ${alarmId}`);
  if (alarm.code !== FaultCode.HELP_REQUESTED) throw new HelpAlarmError(409, `alarm ${alarmId} is ${alarm.code}, not a help request`);
  return alarm;
}

/** The kiosk's help requests since the alarm was first raised, newest first. */
async function requestsOf(db: HqDb, alarm: AlarmRow, limit: number): Promise<HelpRequestView[]> {
  const rows = await db
    .selectFrom('events')
    .select(['payload', 'at', 'received_at'])
    .where('kiosk_id', '=', alarm.kiosk_id)
    .where('type', '=', 'help.requested')
    .where('received_at', '>=', alarm.received_at)
    .orderBy('received_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => {
    const p = JSON.parse(r.payload) as HqEventPayload<'help.requested'>;
    return { requestId: p.requestId, screen: p.screen, step: p.step, service: p.service, at: r.at, receivedAt: iso(r.received_at) };
  });
}

async function answersOf(db: HqDb, alarm: AlarmRow): Promise<HelpAnswerView[]> {
  const rows = await db
    .selectFrom('commands')
    .select(['id', 'args', 'issued_by', 'issued_at', 'status', 'result'])
    .where('kiosk_id', '=', alarm.kiosk_id)
    .where('type', '=', 'help.answer')
    .where('issued_at', '>=', alarm.received_at)
    .orderBy('issued_at', 'desc')
    .limit(HISTORY_LIMIT)
    .execute();
  return rows.map((r) => {
    const a = JSON.parse(r.args) as { requestId: string; text: string };
    return { commandId: r.id, requestId: a.requestId, text: a.text, by: r.issued_by, at: iso(r.issued_at), status: r.status as CommandView['status'], result: r.result };
  });
}

export async function helpHistory(db: HqDb, alarmId: string): Promise<HelpHistory> {
  const alarm = await helpAlarm(db, alarmId);
  const [requests, answers] = await Promise.all([requestsOf(db, alarm, HISTORY_LIMIT), answersOf(db, alarm)]);
  return { alarmId, kioskId: alarm.kiosk_id, requests, answers };
}

export interface HelpAnswerInput {
  alarmId: string;
  text: string;
  user: string;
  /** HQ's clock */
  now: () => number;
  commandTtlMs: number;
}

/**
 * Answer the latest request of an active HELP_REQUESTED alarm: queue `help.answer` for the kiosk and
 * acknowledge the alarm (if it was not) with the answer as its comment.
 */
export async function answerHelp(db: HqDb, a: HelpAnswerInput): Promise<{ commandId: string; requestId: string; kioskId: string }> {
  const alarm = await helpAlarm(db, a.alarmId);
  if (!isActive(alarm.status)) throw new HelpAlarmError(409, `alarm ${a.alarmId} was marked handled (${alarm.status}): the person is no longer waiting`);
  const [latest] = await requestsOf(db, alarm, 1);
  if (!latest) throw new HelpAlarmError(409, `alarm ${a.alarmId} has no help request to answer`);
  const queued = await queueCommand(db, alarm.kiosk_id, 'help.answer', { requestId: latest.requestId, text: a.text }, a.user, { now: a.now, ttlMs: a.commandTtlMs });
  const at = a.now();
  await db
    .updateTable('alarms')
    .set({ comment: a.text, updated_at: at, ...(alarm.status === 'active-unack' ? { status: 'active-ack', acked_at: at, acked_by: a.user } : {}) })
    .where('id', '=', alarm.id)
    .execute();
  return { commandId: queued.id, requestId: latest.requestId, kioskId: alarm.kiosk_id };
}
