/**
 * One ingest batch, applied in one transaction: the nonce (a replay is refused), duplicates
 * (an event id seen before; a heartbeat by its seq, since heartbeats are not stored), the link's
 * sequence, each event's effect (alarms, sessions, commands, the kiosk's current state and its
 * history), the events themselves, and the commands handed out in the answer.
 */
import { FaultCode } from '../../../contracts/faults.ts';
import { kioskStateOf } from '../../../contracts/hq-api.ts';
import type { KioskStatusName } from '../../../contracts/bridge.ts';
import type { HqCommand, HqEvent } from '../../../contracts/hq.ts';
import { clearAlarmFromKiosk, raiseAlarm } from '../alarms/store.ts';
import { deliverCommands, recordCommandResult } from '../commands/store.ts';
import type { HqDb } from '../db/open.ts';
import { prepared } from '../db/prepared.ts';
import type { EventsTable, HistoryTable, KiosksTable, NoncesTable } from '../db/tables.ts';
import { iso, sortableId } from '../ids.ts';
import type { HqLog } from '../log.ts';
import { applyHeartbeat, type KioskNow } from './heartbeat.ts';
import { reconcileDeviceAlarms, reconcileWatchAlarms } from '../alarms/reconcile.ts';
import { recordHoursConfig } from '../availability/hours-config.ts';
import { addSeq, parseRanges, seqSeen, type SeqState } from './seq.ts';
import { addToRing, inRing, parseRing } from './nonce-ring.ts';
import { recordSessionEnd } from '../first-time/store.ts';
import { raiseHelpAlarm } from '../help/store.ts';
import { applySelfTestResult } from '../self-test/store.ts';

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}
/** The kiosk was disabled, removed or given a new secret after the request was checked: check again. */
export class StaleCredentialsError extends Error {
  override readonly name = 'StaleCredentialsError';
}

export interface BatchInput {
  kioskId: string;
  nonce: string;
  /** the request's signed timestamp (epoch ms) */
  timestamp: number;
  events: HqEvent[];
  /** HQ's clock */
  now: number;
  flapWindowMs: number;
  log: HqLog;
  /** the sealed secret the signature was checked against: the row must still have it (and be enabled) */
  sealedSecret: string;
}

export interface BatchResult {
  accepted: number;
  duplicates: number;
  commands: HqCommand[];
}

type StateFields = KioskNow & Pick<KiosksTable, 'version' | 'offline'>;

// every request's three statements, compiled once (db/prepared.ts)
const selectKiosk = prepared((db: HqDb, p: { id: string }) => db.selectFrom('kiosks').selectAll().where('id', '=', p.id));
const selectNonce = prepared((db: HqDb, p: Pick<NoncesTable, 'kiosk_id' | 'nonce'>) => db.selectFrom('nonces').select('seen_at').where('kiosk_id', '=', p.kiosk_id).where('nonce', '=', p.nonce));
const insertNonce = prepared((db: HqDb, p: NoncesTable) =>
  db
    .insertInto('nonces')
    .values({ kiosk_id: p.kiosk_id, nonce: p.nonce, seen_at: p.seen_at })
    .onConflict((oc) => oc.columns(['kiosk_id', 'nonce']).doNothing()),
);
/** what an accepted request writes to the kiosk's row (whatever it changed: one statement for every request) */
type KioskWrite = StateFields & Pick<KiosksTable, 'id' | 'commands_pending' | 'contiguous_seq' | 'highest_seq' | 'seq_ranges' | 'last_seen_at' | 'last_heartbeat_at' | 'recent_nonces'>;
const KIOSK_WRITE_COLUMNS = [
  'lifecycle', 'devices', 'watch', 'hours_open', 'hours_next_change', 'backends', 'outbox_backlog', 'clock_skew_ms', 'heartbeat_seconds', 'last_heartbeat_seq', 'services',
  'version', 'offline', 'commands_pending', 'contiguous_seq', 'highest_seq', 'seq_ranges', 'last_seen_at', 'last_heartbeat_at', 'recent_nonces',
] as const satisfies readonly Exclude<keyof KioskWrite, 'id'>[];
const updateKiosk = prepared((db: HqDb, p: KioskWrite) =>
  db
    .updateTable('kiosks')
    .set(Object.fromEntries(KIOSK_WRITE_COLUMNS.map((c) => [c, p[c]])))
    .where('id', '=', p.id),
);

// a batch's events and history rows: one compiled single-row statement each, run per row (SQLite runs a prepared
// statement per row about as fast as one multi-row insert, and kysely need not build and compile a new one per batch)
const insertEvent = prepared((db: HqDb, p: EventsTable) =>
  db
    .insertInto('events')
    .values({ id: p.id, kiosk_id: p.kiosk_id, seq: p.seq, type: p.type, at: p.at, received_at: p.received_at, payload: p.payload })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id'),
);
const insertHistory = prepared((db: HqDb, p: HistoryTable) =>
  db
    .insertInto('kiosk_history')
    .values({ id: p.id, kiosk_id: p.kiosk_id, at: p.at, kiosk_at: p.kiosk_at, kind: p.kind, state: p.state, lifecycle: p.lifecycle, detail: p.detail, services: p.services }),
);

/** the state a history row shows (an agent that has not said its lifecycle yet is booting: out of service) */
export const stateOf = (lifecycle: string | null, offline: boolean): string => (offline ? 'offline' : lifecycle ? kioskStateOf(lifecycle as KioskStatusName) : 'out-of-service');

/** Apply a verified, validated batch. Call inside a transaction (`trx`; group-commit.ts). */
export async function applyBatch(trx: HqDb, b: BatchInput): Promise<BatchResult> {
  const k = (await selectKiosk(trx, { id: b.kioskId })).rows[0];
  if (!k || k.enabled !== 1 || k.secret_enc !== b.sealedSecret) throw new StaleCredentialsError(`kiosk ${b.kioskId} changed since its request was checked`);
  // the nonce: new unless in the kiosk's ring (its row) or spilled from it to the table (nonce-ring.ts)
  const nonces = parseRing(k.recent_nonces);
  if (inRing(nonces, b.nonce) || (await selectNonce(trx, { kiosk_id: b.kioskId, nonce: b.nonce })).rows.length > 0) throw new ReplayError(`nonce of kiosk ${b.kioskId} seen before`);
  const ring = addToRing(nonces, [b.timestamp, b.nonce], b.now);
  for (const [, nonce] of ring.spilled) await insertNonce(trx, { kiosk_id: b.kioskId, nonce, seen_at: b.now });

  const seq: SeqState = { contiguous: k.contiguous_seq, highest: k.highest_seq, ranges: parseRanges(k.seq_ranges) };
  const cur: StateFields = {
    lifecycle: k.lifecycle,
    devices: k.devices,
    watch: k.watch,
    hours_open: k.hours_open,
    hours_next_change: k.hours_next_change,
    backends: k.backends,
    outbox_backlog: k.outbox_backlog,
    clock_skew_ms: k.clock_skew_ms,
    heartbeat_seconds: k.heartbeat_seconds,
    last_heartbeat_seq: k.last_heartbeat_seq,
    services: k.services,
    version: k.version,
    offline: k.offline,
  };
  const history: HistoryTable[] = [];
  const addHistory = (kind: string, kioskAt: string | null, state: string, detail: string | null = null) =>
    history.push({ id: sortableId(b.now), kiosk_id: b.kioskId, at: b.now, kiosk_at: kioskAt, kind, state, lifecycle: cur.lifecycle, detail, services: cur.services ?? '{}' });

  // any accepted request proves the kiosk is there: KIOSK_OFFLINE ends
  if (cur.offline === 1) {
    cur.offline = 0;
    await clearAlarmFromKiosk(trx, { kioskId: b.kioskId, code: FaultCode.KIOSK_OFFLINE, at: iso(b.now), atMs: b.now, receivedAt: b.now });
    addHistory('online', null, stateOf(cur.lifecycle, false), 'heard from again');
  }

  // Store the new events first: each insert itself tells whether the id was had already (ON CONFLICT DO NOTHING
  // RETURNING), so the duplicate check costs no separate lookup. Heartbeats are not stored (seq decides).
  const inBatch = new Set<string>();
  const rows: EventsTable[] = [];
  for (const e of b.events) {
    if (e.type === 'heartbeat' || inBatch.has(e.id)) continue;
    inBatch.add(e.id);
    rows.push({ id: e.id, kiosk_id: b.kioskId, seq: e.seq, type: e.type, at: e.at, received_at: b.now, payload: JSON.stringify(e.payload) });
  }
  const fresh = new Set<string>();
  for (const row of rows) if ((await insertEvent(trx, row)).rows.length > 0) fresh.add(row.id);
  inBatch.clear();
  let accepted = 0;
  let duplicates = 0;
  let heartbeats = 0;

  for (const e of b.events) {
    if (e.type === 'heartbeat') heartbeats++;
    const dup = inBatch.has(e.id) || (e.type === 'heartbeat' ? seqSeen(seq, e.seq) : !fresh.has(e.id));
    inBatch.add(e.id);
    if (dup) {
      duplicates++;
      continue;
    }
    accepted++;
    if ((e.type === 'agent.started' || e.type === 'journal.moved-aside') && seqSeen(seq, e.seq)) {
      // a new event at a seq already had: the kiosk's journal started again (moved aside), so its numbering did
      b.log.warn(`ingest: kiosk ${b.kioskId} restarted its sequence at ${e.seq} (was ${seq.contiguous}, ${e.type}); counting afresh`);
      Object.assign(seq, { contiguous: 0, highest: 0, ranges: [] });
      cur.last_heartbeat_seq = 0;
    }
    const lost = addSeq(seq, e.seq);
    if (lost) b.log.warn(`ingest: kiosk ${b.kioskId}: seq ${lost[0]}–${lost[1]} given up as lost (too many gaps)`);

    switch (e.type) {
      case 'heartbeat': {
        if (e.seq <= cur.last_heartbeat_seq) break; // an older one arriving late: the row already shows newer
        const [devicesBefore, watchBefore] = [cur.devices, cur.watch];
        const { next, changed } = applyHeartbeat(cur, e.payload, e.seq, b.now);
        Object.assign(cur, next);
        if (changed) addHistory('heartbeat', e.at, stateOf(cur.lifecycle, false));
        // device health differs from what HQ last knew: an alarm the kiosk no longer has is cleared
        if (next.devices !== devicesBefore) await reconcileDeviceAlarms(trx, b.kioskId, e.payload.devices, e.at, b.now);
        // the watchdogs' say changed (a new run has looked): an alarm of a code they checked and no longer have is cleared
        if (e.payload.watch && next.watch !== watchBefore) await reconcileWatchAlarms(trx, b.kioskId, e.payload.watch, e.at, b.now);
        break;
      }
      case 'kiosk.status':
        if (e.seq > cur.last_heartbeat_seq && e.payload.status !== cur.lifecycle) {
          cur.lifecycle = e.payload.status;
          cur.last_heartbeat_seq = e.seq;
          addHistory('kiosk.status', e.at, stateOf(cur.lifecycle, false));
        }
        break;
      case 'fault.raised':
        await raiseAlarm(trx, {
          kioskId: b.kioskId,
          code: e.payload.code,
          severity: e.payload.severity,
          device: e.payload.device,
          detail: e.payload.detail,
          at: e.at,
          atMs: Date.parse(e.at),
          receivedAt: b.now,
          flapWindowMs: b.flapWindowMs,
        });
        break;
      case 'fault.cleared':
        await clearAlarmFromKiosk(trx, { kioskId: b.kioskId, code: e.payload.code, at: e.at, atMs: Date.parse(e.at), receivedAt: b.now });
        break;
      case 'command.result':
        if (!(await recordCommandResult(trx, b.kioskId, e.payload, b.now))) b.log.warn(`ingest: kiosk ${b.kioskId} reported a result for command ${e.payload.commandId}, which is not one of its own`);
        break;
      case 'agent.started':
        cur.version = e.payload.version;
        cur.heartbeat_seconds = e.payload.heartbeatSeconds;
        addHistory('agent.started', e.at, stateOf(cur.lifecycle, false), `agent ${e.payload.version} started${e.payload.uncleanPreviousRun ? ' (previous run ended uncleanly)' : ''}`);
        break;
      case 'hours.config': {
        const changed = await recordHoursConfig(trx, { kioskId: b.kioskId, at: e.at, payload: e.payload, now: b.now, log: b.log });
        if (changed) addHistory('hours.config', e.at, stateOf(cur.lifecycle, false), changed);
        break;
      }
      case 'lockout.started':
      case 'lockout.ended':
        addHistory(e.type, e.at, `${e.type}: ${e.payload.reason}`, e.payload.detail);
        break;
      case 'session.ended':
        await recordSessionEnd(trx, b.kioskId, e);
        break;
      case 'help.requested':
        await raiseHelpAlarm(trx, { kioskId: b.kioskId, payload: e.payload, at: e.at, receivedAt: b.now, flapWindowMs: b.flapWindowMs });
        break;
      case 'self-test.result':
        await applySelfTestResult(trx, { kioskId: b.kioskId, at: e.at, payload: e.payload, receivedAt: b.now, flapWindowMs: b.flapWindowMs });
        break;
      case 'watchdog.recovery':
        // issue 11: each rung of the kiosk's recovery ladder, on its timeline
        addHistory('recovery', e.at, stateOf(cur.lifecycle, false), `${e.payload.step} ${e.payload.outcome}${e.payload.fault ? ` (${e.payload.fault})` : ''}${e.payload.attempt ? `, attempt ${e.payload.attempt}` : ''}: ${e.payload.detail}`);
        break;
      default:
        break; // stored, shown with the kiosk's events
    }
  }

  for (const h of history) await insertHistory(trx, h);
  const commands = k.commands_pending === 1 ? await deliverCommands(trx, b.kioskId, b.now) : [];
  await updateKiosk(trx, {
    ...cur,
    id: b.kioskId,
    commands_pending: 0,
    contiguous_seq: seq.contiguous,
    highest_seq: seq.highest,
    seq_ranges: JSON.stringify(seq.ranges),
    last_seen_at: b.now,
    last_heartbeat_at: heartbeats > 0 ? b.now : k.last_heartbeat_at,
    recent_nonces: JSON.stringify(ring.ring),
  });
  return { accepted, duplicates, commands };
}
