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
import { openHqDb, type HqDb } from './db/open.ts';
import type { Durability } from './db/sqlite.ts';
import { ingestRoutes } from './ingest/route.ts';
import { silentLog, type HqLog } from './log.ts';
import { createMetrics } from './metrics/metrics.ts';
import { DEFAULT_MONITOR_INTERVAL_MS, startMonitor, type Monitor } from './monitor/monitor.ts';

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
  close(): Promise<void>;
}

export async function startHqServer(o: HqServerOptions): Promise<RunningHq> {
  const now = o.now ?? Date.now;
  const log = o.log ?? silentLog;
  const flapWindowMs = o.flapWindowMs ?? DEFAULT_FLAP_WINDOW_MS;
  const db = await openHqDb(o.dbUrl, { durability: o.durability });
  const startedAt = now();
  let app: FastifyInstance | undefined;
  let monitor: Monitor | undefined;
  try {
    const metrics = createMetrics(db);
    app = Fastify({ logger: false, forceCloseConnections: true, return503OnClosing: true });
    await registerAuth(app, { db, now, log, secureCookie: o.secureCookie });
    await app.register(async (scope) => ingestRoutes(scope, { db, now, flapWindowMs, log, metrics }));
    await app.register(async (scope) => {
      jsonErrors(scope, log);
      kioskRoutes(scope, { db, now });
      alarmRoutes(scope, { db, now });
      commandRoutes(scope, { db, now, commandTtlMs: o.commandTtlMs ?? DEFAULT_COMMAND_TTL_MS });
    });
    app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
    const consoleDir = o.consoleDir ?? DEFAULT_CONSOLE_DIR;
    const { built } = await consoleRoutes(app, consoleDir);
    if (!built) log.info(`console not built (${consoleDir}): run npm run build:dashboard`);
    await app.listen({ port: o.port ?? 0, host: o.host ?? '127.0.0.1' });
    monitor = startMonitor({ db, now, startedAt, flapWindowMs, log }, o.offlineCheckMs ?? DEFAULT_MONITOR_INTERVAL_MS);
  } catch (e) {
    await app?.close().catch(() => undefined);
    await db.destroy();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (o.port ?? 0);
  const host = o.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  const running: RunningHq = {
    url: `http://${urlHost}:${port}`,
    app,
    db,
    startedAt,
    monitor,
    close: () =>
      (closing ??= (async () => {
        await monitor!.stop();
        await app!.close();
        await db.destroy();
      })()),
  };
  return running;
}
