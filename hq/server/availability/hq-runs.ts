/**
 * HQ's own uptime: a row per run of HQ (`hq_runs`), started when the server starts, its `alive_at`
 * moved on by every monitor tick and by a clean stop. A time no run covers — HQ stopped, crashed
 * (from its last tick), or before HQ kept runs at all — is time without data for every kiosk.
 * The running server's own run counts as alive up to now. Several HQ nodes: their runs are joined.
 */
import { randomUUID } from 'node:crypto';
import type { HqDb } from '../db/open.ts';
import { normalise, subtract, type Span } from './spans.ts';

export async function startHqRun(db: HqDb, startedAt: number): Promise<string> {
  const id = randomUUID();
  await db.insertInto('hq_runs').values({ id, started_at: startedAt, alive_at: startedAt }).execute();
  return id;
}

export async function markHqAlive(db: HqDb, runId: string, at: number): Promise<void> {
  await db.updateTable('hq_runs').set({ alive_at: at }).where('id', '=', runId).where('alive_at', '<', at).execute();
}

/** Spans of [from, to) no HQ run covers. `currentRunId`: this server's run, alive up to `now`. */
export async function hqDownSpans(db: HqDb, from: number, to: number, o: { now: number; currentRunId: string | null }): Promise<Span[]> {
  const runs = await db.selectFrom('hq_runs').select(['id', 'started_at', 'alive_at']).where('started_at', '<', to).where((eb) => eb.or([eb('alive_at', '>=', from), eb('id', '=', o.currentRunId ?? '')])).execute();
  const up = normalise(runs.map((r) => ({ from: Number(r.started_at), to: r.id === o.currentRunId ? Math.max(Number(r.alive_at), o.now) : Number(r.alive_at) })));
  return subtract([{ from, to }], up);
}
