/**
 * Alarms, with ThingsBoard's semantics: one active alarm per kiosk + code; status
 * active-unack → active-ack → cleared-unack → cleared-ack (ack and clear in either order);
 * raised/cleared at the kiosk's clock, received at HQ's, both kept; who acked/cleared, when, why.
 *
 * A fault that flaps stays one alarm: a raise while the latest alarm of its kiosk + code is active
 * adds to its count; a raise less than the flap window after that alarm was cleared reopens it
 * (count + 1). The window is measured on the kiosk's clock between its clear and its raise (both
 * from one clock, so it holds when a backlog arrives at once), or on HQ's clock from an operator's
 * clear the kiosk has not confirmed. A reopened alarm keeps its acknowledgement: the ack said
 * "someone is on this", and a fault back within minutes is the same incident — the count shows it
 * flapped. Any later raise is a new alarm.
 */
import { randomUUID } from 'node:crypto';
import type { AlarmStatus } from '../../../contracts/hq-api.ts';
import type { HqDb } from '../db/open.ts';
import type { AlarmsTable } from '../db/tables.ts';
import { alarmChanged } from '../notify/enqueue.ts';

export const DEFAULT_FLAP_WINDOW_MS = 10 * 60_000;
export const ACTIVE: AlarmStatus[] = ['active-unack', 'active-ack'];
export type AlarmRow = AlarmsTable;

export interface RaiseInput {
  kioskId: string;
  code: string;
  severity: string;
  device: string | null;
  detail: string | null;
  /** the kiosk's clock (ISO text as sent) and as epoch ms */
  at: string;
  atMs: number;
  /** HQ's clock */
  receivedAt: number;
  flapWindowMs: number;
}

export type RaiseOutcome = 'new' | 'counted' | 'reopened';

const latestOf = (db: HqDb, kioskId: string, code: string) =>
  db.selectFrom('alarms').selectAll().where('kiosk_id', '=', kioskId).where('code', '=', code).orderBy('generation', 'desc').limit(1).executeTakeFirst();

export async function raiseAlarm(db: HqDb, r: RaiseInput): Promise<RaiseOutcome> {
  const latest = await latestOf(db, r.kioskId, r.code);
  const changes = { severity: r.severity, device: r.device, detail: r.detail, last_raised_at: r.at, updated_at: r.receivedAt };
  if (latest && isActive(latest.status)) {
    await db.updateTable('alarms').set({ ...changes, count: latest.count + 1 }).where('id', '=', latest.id).execute();
    await alarmChanged(db, latest.id, 'counted', r.receivedAt);
    return 'counted';
  }
  if (latest && withinFlapWindow(latest, r)) {
    await db
      .updateTable('alarms')
      .set({
        ...changes,
        count: latest.count + 1,
        status: latest.status === 'cleared-ack' ? 'active-ack' : 'active-unack',
        cleared_at: null,
        cleared_at_ms: null,
        cleared_received_at: null,
        cleared_by: null,
        operator_cleared_at: null,
      })
      .where('id', '=', latest.id)
      .execute();
    await alarmChanged(db, latest.id, 'reopened', r.receivedAt);
    return 'reopened';
  }
  const id = randomUUID();
  await db
    .insertInto('alarms')
    .values({
      id,
      kiosk_id: r.kioskId,
      code: r.code,
      generation: (latest?.generation ?? 0) + 1,
      status: 'active-unack',
      count: 1,
      raised_at: r.at,
      received_at: r.receivedAt,
      cleared_at: null,
      cleared_at_ms: null,
      cleared_received_at: null,
      acked_at: null,
      acked_by: null,
      cleared_by: null,
      operator_cleared_at: null,
      comment: null,
      ...changes,
    })
    .execute();
  await alarmChanged(db, id, 'raised', r.receivedAt);
  return 'new';
}

function withinFlapWindow(latest: AlarmRow, r: RaiseInput): boolean {
  if (latest.cleared_at_ms !== null) return r.atMs - latest.cleared_at_ms < r.flapWindowMs;
  const hqClear = latest.operator_cleared_at ?? latest.cleared_received_at;
  return hqClear !== null && r.receivedAt - hqClear < r.flapWindowMs;
}

export const isActive = (status: string): boolean => status === 'active-unack' || status === 'active-ack';

export interface ClearInput {
  kioskId: string;
  code: string;
  at: string;
  atMs: number;
  receivedAt: number;
}

/**
 * The kiosk (or, for KIOSK_OFFLINE, HQ) says the fault is gone. An alarm an operator cleared
 * already keeps its status and gains the kiosk's clear time. Returns whether an alarm changed.
 */
export async function clearAlarmFromKiosk(db: HqDb, c: ClearInput): Promise<boolean> {
  const latest = await latestOf(db, c.kioskId, c.code);
  if (!latest) return false;
  const times = { cleared_at: c.at, cleared_at_ms: c.atMs, cleared_received_at: c.receivedAt, updated_at: c.receivedAt };
  if (isActive(latest.status)) {
    const status: AlarmStatus = latest.status === 'active-ack' ? 'cleared-ack' : 'cleared-unack';
    await db.updateTable('alarms').set({ ...times, status }).where('id', '=', latest.id).execute();
    await alarmChanged(db, latest.id, 'cleared', c.receivedAt);
    return true;
  }
  if (latest.cleared_at === null) {
    await db.updateTable('alarms').set(times).where('id', '=', latest.id).execute();
    return true;
  }
  return false;
}

export class UnknownAlarmError extends Error {
  override readonly name = 'UnknownAlarmError';
  constructor(readonly alarmId: string) {
    super(`no alarm ${alarmId}`);
  }
}
export class AlarmTransitionError extends Error {
  override readonly name = 'AlarmTransitionError';
}

const ACK: Partial<Record<string, AlarmStatus>> = { 'active-unack': 'active-ack', 'cleared-unack': 'cleared-ack' };
const CLEAR: Partial<Record<string, AlarmStatus>> = { 'active-unack': 'cleared-unack', 'active-ack': 'cleared-ack' };

export interface OperatorAction {
  user: string;
  comment?: string | null;
  /** HQ's clock */
  at: number;
}

/** An operator acknowledges: active-unack → active-ack, cleared-unack → cleared-ack; else AlarmTransitionError. */
export async function ackAlarm(db: HqDb, alarmId: string, a: OperatorAction): Promise<AlarmRow> {
  return operatorStep(db, alarmId, ACK, 'acknowledged', (to) => ({ status: to, acked_at: a.at, acked_by: a.user }), a);
}

/** An operator clears (the fault may still be present: the kiosk's next raise reopens or opens one). */
export async function clearAlarmByOperator(db: HqDb, alarmId: string, a: OperatorAction): Promise<AlarmRow> {
  return operatorStep(db, alarmId, CLEAR, 'cleared', (to) => ({ status: to, operator_cleared_at: a.at, cleared_by: a.user }), a);
}

async function operatorStep(
  db: HqDb,
  alarmId: string,
  table: Partial<Record<string, AlarmStatus>>,
  verb: string,
  set: (to: AlarmStatus) => Partial<AlarmRow>,
  a: OperatorAction,
): Promise<AlarmRow> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('alarms').selectAll().where('id', '=', alarmId).executeTakeFirst();
    if (!row) throw new UnknownAlarmError(alarmId);
    const to = table[row.status];
    if (!to) throw new AlarmTransitionError(`alarm ${alarmId} is ${row.status}: it cannot be ${verb}`);
    const changes: Partial<AlarmRow> = { ...set(to), updated_at: a.at };
    if (a.comment) changes.comment = a.comment;
    await trx.updateTable('alarms').set(changes).where('id', '=', alarmId).execute();
    if (to.startsWith('cleared') && !row.status.startsWith('cleared')) await alarmChanged(trx, alarmId, 'cleared', a.at);
    return { ...row, ...changes };
  });
}
