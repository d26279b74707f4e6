/**
 * `startHqServer`: HQ in one process — the store, kiosk ingest, the operator API with its auth,
 * the KIOSK_OFFLINE / command-expiry watch, `/metrics` and the console. The CLI (`zizhu hq`), the
 * tests, `zizhu start` (through the CLI) and the bench all start it this way. HQ's clock is `now`,
 * injected everywhere.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_FLAP_WINDOW_MS } from './alarms/store.ts';
import { alarmRoutes } from './api/alarms.ts';
import { commandRoutes } from './api/commands.ts';
import { jsonErrors } from './api/http.ts';
import { kioskRoutes } from './api/kiosks.ts';
import { registerAuth } from './auth/index.ts';
import { DEFAULT_COMMAND_TTL_MS } from './commands/store.ts';
import { consoleRoutes, DEFAULT_CONSOLE_DIR } from './console/console.ts';
import { hqDbInfo, openHqDb, type HqDb } from './db/open.ts';
import type { Durability } from './db/sqlite.ts';
import { ingestRoutes } from './ingest/route.ts';
import { availabilityRoutes } from './availability/routes.ts';
import { startAvailabilityWatch, type AvailabilityOptions, type AvailabilityWatch } from './availability/watch.ts';
import { helpRoutes } from './help/routes.ts';
import { firstTimeRoutes } from './first-time/routes.ts';
import { nearbyRoutes } from './nearby/route.ts';
import { screenshotRoutes, screenshotUploadRoute } from './screenshots/routes.ts';
import { DEFAULT_SCREENSHOT_TTL_MS } from './screenshots/store.ts';
import { silentLog, type HqLog } from './log.ts';
import { createMetrics } from './metrics/metrics.ts';
import { DEFAULT_MONITOR_INTERVAL_MS, startMonitor, type Monitor } from './monitor/monitor.ts';
import { createNotifier, type Notifier, type NotifyTuning } from './notify/dispatcher.ts';
import { notifyRoutes } from './notify/routes.ts';

export interface HqServerOptions {
  /** `sqlite:PATH` or `sqlite::memory:` */
  dbUrl: string;
  /** default 0: any free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** HQ's clock, epoch ms (default Date.now) */
  now?: () => number;
  /** how often the KIOSK_OFFLINE / command-expiry watch runs (default 5 s) */
  offlineCheckMs?: number;
  /** how long a command may wait for its result (default 10 min) */
  commandTtlMs?: number;
  /** a raise this soon after its alarm cleared reopens it (default 10 min) */
  flapWindowMs?: number;
  /** the built console (default hq/dashboard/dist) */
  consoleDir?: string;
  log?: HqLog;
  /** default `full`: every answered ingest is on disk (db/sqlite.ts) */
  durability?: Durability;
  /** the session cookie gets Secure (HQ behind HTTPS) */
  secureCookie?: boolean;
  /** how long a `screenshot` command's picture is kept (default 7 days; the monitor prunes it) */
  screenshotTtlMs?: number;
  /** PROMISED_HOURS_BROKEN threshold, AFTER_HOURS_UNUSED office time and nights (availability/watch.ts) */
  availability?: AvailabilityOptions;
  /** the console's address as ops reach it, for the links in notifications (default: this server's own URL) */
  publicUrl?: string;
  /** the notifier's tuning: poll interval, request timeout, time zone of message times, retry backoff (notify/dispatcher.ts) */
  notify?: NotifyTuning;
}

export interface RunningHq {
  /** `http://HOST:PORT` */
  url: string;
  app: FastifyInstance;
  db: HqDb;
  /** HQ's clock when it started (the restart grace counts from it) */
  startedAt: number;
  /** the watch; `monitor.tick()` runs one pass now */
  monitor: Monitor;
  /** alarms to the ops chats; `notifier.tick()` routes, flushes and delivers now */
  notifier: Notifier;
  close(): Promise<void>;
}

/** the store, and its checkpoint worker: once this resolves, nothing of HQ's has the file open */
async function closeDb(db: HqDb): Promise<void> {
  const checkpointer = hqDbInfo(db).checkpointer;
  await db.destroy();
  await checkpointer?.stop();
}

export async function startHqServer(o: HqServerOptions): Promise<RunningHq> {
  const now = o.now ?? Date.now;
  const log = o.log ?? silentLog;
  const flapWindowMs = o.flapWindowMs ?? DEFAULT_FLAP_WINDOW_MS;
  const db = await openHqDb(o.dbUrl, { durability: o.durability, backgroundCheckpoints: true });
  const startedAt = now();
  let app: FastifyInstance | undefined;
  let monitor: Monitor | undefined;
  let availability: AvailabilityWatch | undefined;
  let selfUrl = '';
  const publicUrl = () => o.publicUrl ?? selfUrl;
  const notifier = createNotifier({ db, now, log, publicUrl, ...o.notify });
  try {
    const metrics = createMetrics(db);
    const watch = (availability = await startAvailabilityWatch({ db, log, flapWindowMs, startedAt, ...o.availability }));
    app = Fastify({ logger: false, forceCloseConnections: true, return503OnClosing: true });
    await registerAuth(app, { db, now, log, secureCookie: o.secureCookie });
    await app.register(async (scope) => ingestRoutes(scope, { db, now, flapWindowMs, log, metrics }));
    await app.register(async (scope) => {
      jsonErrors(scope, log);
      kioskRoutes(scope, { db, now });
      alarmRoutes(scope, { db, now });
      notifyRoutes(scope, { db, now, notifier, publicUrl });
      commandRoutes(scope, { db, now, commandTtlMs: o.commandTtlMs ?? DEFAULT_COMMAND_TTL_MS });
      helpRoutes(scope, { db, now, commandTtlMs: o.commandTtlMs ?? DEFAULT_COMMAND_TTL_MS });
      firstTimeRoutes(scope, { db });
      availabilityRoutes(scope, { db, now, runId: watch.runId, log });
      screenshotRoutes(scope, { db, now });
    });
    // issue 10: a screenshot's upload, signed like ingest, its body the image (a scope of its own: raw bytes)
    await app.register(async (scope) => {
      jsonErrors(scope, log);
      screenshotUploadRoute(scope, { db, now, log, ttlMs: o.screenshotTtlMs ?? DEFAULT_SCREENSHOT_TTL_MS });
    });
    // issue 10: kiosk-facing, signed like ingest (its own scope: raw body bytes)
    await app.register(async (scope) => {
      jsonErrors(scope, log);
      nearbyRoutes(scope, { db, now, log });
    });
    app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
    const consoleDir = o.consoleDir ?? DEFAULT_CONSOLE_DIR;
    const { built } = await consoleRoutes(app, consoleDir);
    if (!built) log.info(`console not built (${consoleDir}): run npm run build:dashboard`);
    await app.listen({ port: o.port ?? 0, host: o.host ?? '127.0.0.1' });
    monitor = startMonitor({ db, now, startedAt, flapWindowMs, log, availability }, o.offlineCheckMs ?? DEFAULT_MONITOR_INTERVAL_MS);
  } catch (e) {
    await app?.close().catch(() => undefined);
    await closeDb(db);
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (o.port ?? 0);
  const host = o.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  selfUrl = `http://${urlHost}:${port}`;
  notifier.start();
  const running: RunningHq = {
    url: selfUrl,
    app,
    db,
    startedAt,
    monitor,
    notifier,
    close: () =>
      (closing ??= (async () => {
        await monitor!.stop();
        await availability!.stop(now());
        await notifier.stop();
        await app!.close();
        await closeDb(db);
      })()),
  };
  return running;
}
