/**
 * HQ's own watch, every `intervalMs`: KIOSK_OFFLINE for a kiosk HQ has not heard from for
 * OFFLINE_AFTER_INTERVALS × its own heartbeat interval, commands past their expiry, old nonces,
 * screenshots past their expiry (issue 10).
 *
 * No offline storm when HQ restarts: a kiosk's silence is counted from max(last seen, HQ started),
 * so after a restart every kiosk has one whole timeout to be heard from again. A kiosk HQ has
 * never heard from is shown offline but raises no alarm (nothing went away); a disabled one is
 * not watched.
 */
import { sql } from 'kysely';
import { FAULT_SEVERITY, FaultCode } from '../../../contracts/faults.ts';
import { NONCE_WINDOW_MS, OFFLINE_AFTER_INTERVALS } from '../../../contracts/hq.ts';
import { raiseAlarm } from '../alarms/store.ts';
import { expireCommands } from '../commands/store.ts';
import { pruneScreenshots } from '../screenshots/store.ts';
import type { HqDb } from '../db/open.ts';
import { iso, sortableId } from '../ids.ts';
import { stateOf } from '../ingest/apply.ts';
import type { HqLog } from '../log.ts';

/** the interval assumed for a kiosk that has not said its own */
export const DEFAULT_HEARTBEAT_SECONDS = 30;
export const DEFAULT_MONITOR_INTERVAL_MS = 5_000;

export interface MonitorOptions {
  db: HqDb;
  now: () => number;
  /** HQ's clock when this server started */
  startedAt: number;
  flapWindowMs: number;
  log: HqLog;
  /** availability's watch: HQ alive, PROMISED_HOURS_BROKEN, AFTER_HOURS_UNUSED (availability/watch.ts) */
  availability?: { tick(now: number): Promise<unknown> };
}

export interface TickResult {
  offline: string[];
  expiredCommands: number;
}

/** One pass of the watch. */
export async function monitorTick(o: MonitorOptions): Promise<TickResult> {
  const now = o.now();
  const timeoutMs = sql<number>`${OFFLINE_AFTER_INTERVALS * 1000} * coalesce(${sql.ref('heartbeat_seconds')}, ${DEFAULT_HEARTBEAT_SECONDS})`;
  const silent = await o.db
    .selectFrom('kiosks')
    .select(['id', 'heartbeat_seconds', 'last_seen_at', 'lifecycle'])
    .where('enabled', '=', 1)
    .where('offline', '=', 0)
    .where('last_seen_at', 'is not', null)
    .where(sql<boolean>`${sql.ref('last_seen_at')} + ${timeoutMs} < ${now}`)
    .where(sql<boolean>`${o.startedAt} + ${timeoutMs} < ${now}`)
    .execute();
  const offline: string[] = [];
  if (silent.length > 0) {
    await o.db.transaction().execute(async (trx) => {
      for (const k of silent) {
        const marked = await trx.updateTable('kiosks').set({ offline: 1 }).where('id', '=', k.id).where('offline', '=', 0).executeTakeFirst();
        if (Number(marked.numUpdatedRows) === 0) continue; // heard from meanwhile
        const interval = k.heartbeat_seconds ?? DEFAULT_HEARTBEAT_SECONDS;
        const silentS = Math.round((now - Math.max(k.last_seen_at!, o.startedAt)) / 1000);
        const detail = `no word from the kiosk for ${silentS} s (${OFFLINE_AFTER_INTERVALS} × its ${interval} s heartbeat); last seen ${iso(k.last_seen_at!)}`;
        await raiseAlarm(trx, { kioskId: k.id, code: FaultCode.KIOSK_OFFLINE, severity: FAULT_SEVERITY.KIOSK_OFFLINE, device: 'link', detail, at: iso(now), atMs: now, receivedAt: now, flapWindowMs: o.flapWindowMs });
        await trx
          .insertInto('kiosk_history')
          .values({ id: sortableId(now), kiosk_id: k.id, at: now, kiosk_at: null, kind: 'offline', state: stateOf(k.lifecycle, true), lifecycle: k.lifecycle, detail })
          .execute();
        offline.push(k.id);
      }
    });
    for (const id of offline) o.log.warn(`KIOSK_OFFLINE raised for kiosk ${id}`);
  }
  const expiredCommands = await expireCommands(o.db, now);
  await o.db.deleteFrom('nonces').where('seen_at', '<', now - NONCE_WINDOW_MS).execute();
  // issue 10: screenshots are kept until their expiry
  const prunedScreenshots = await pruneScreenshots(o.db, now);
  if (prunedScreenshots) o.log.info(`monitor: ${prunedScreenshots} expired screenshot(s) deleted`);
  if (o.availability) await o.availability.tick(now);
  return { offline, expiredCommands };
}

export interface Monitor {
  /** one pass now (tests drive the clock and call this) */
  tick(): Promise<TickResult>;
  /** stops the timer and waits for a pass in flight */
  stop(): Promise<void>;
}

/** Runs `monitorTick` every `intervalMs` (never two at once; a failed pass is logged and the next one runs). */
export function startMonitor(o: MonitorOptions, intervalMs: number = DEFAULT_MONITOR_INTERVAL_MS): Monitor {
  let running: Promise<TickResult> | null = null;
  let stopped = false;
  const tick = (): Promise<TickResult> => {
    if (running) return running;
    running = monitorTick(o).finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (stopped || running) return;
    tick().catch((e: unknown) => o.log.error(`monitor: ${(e as Error).message}`));
  }, intervalMs);
  timer.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running.catch(() => undefined);
    },
  };
}
