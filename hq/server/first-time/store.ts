/**
 * First-time success's own copy of every session.ended (table `session_ends`): one row per session,
 * written by the ingest transaction (ingest/apply.ts) when the event is new. An older kiosk's event
 * carries only outcome and last step: whether it completed, why not and how far it got are then
 * read from those by the same rule the kiosk applies (contracts/session-funnel.ts).
 */
import type { HqEvent } from '../../../contracts/hq.ts';
import { failureOf, funnelStepOf, stepsUpTo } from '../../../contracts/session-funnel.ts';
import type { HqDb } from '../db/open.ts';
import { prepared } from '../db/prepared.ts';
import type { SessionEndsTable } from '../db/tables.ts';

type SessionEnded = Extract<HqEvent, { type: 'session.ended' }>;

/** The row of one session.ended event of `kioskId`. */
export function sessionEndRow(kioskId: string, e: Pick<SessionEnded, 'id' | 'at' | 'payload'>): SessionEndsTable {
  const p = e.payload;
  const endedAt = Date.parse(e.at);
  // a kiosk that says `failure` decides; for an older one the outcome and last step do
  const failure = p.failure !== undefined ? p.failure : failureOf(p);
  return {
    id: e.id,
    kiosk_id: kioskId,
    service: p.service,
    started_at: endedAt - p.durationMs,
    ended_at: endedAt,
    at: e.at,
    person_hash: p.personHash ?? null,
    completed: failure === null ? 1 : 0,
    failure,
    outcome: p.outcome,
    last_step: p.lastStep,
    steps: JSON.stringify(p.stepsReached ?? stepsUpTo(p.service, funnelStepOf(p.service, p.lastStep))),
  };
}

// compiled once (db/prepared.ts): a batch of sessions is ingest's most common stored event
const COLUMNS = ['id', 'kiosk_id', 'service', 'started_at', 'ended_at', 'at', 'person_hash', 'completed', 'failure', 'outcome', 'last_step', 'steps'] as const satisfies readonly (keyof SessionEndsTable)[];
const insertSessionEnd = prepared((db: HqDb, p: SessionEndsTable) =>
  db
    .insertInto('session_ends')
    .values(Object.fromEntries(COLUMNS.map((c) => [c, p[c]])) as unknown as SessionEndsTable)
    .onConflict((oc) => oc.column('id').doNothing()),
);

/** Store a new session.ended (inside the ingest transaction; an id already had changes nothing). */
export async function recordSessionEnd(trx: HqDb, kioskId: string, e: SessionEnded): Promise<void> {
  await insertSessionEnd(trx, sessionEndRow(kioskId, e));
}
