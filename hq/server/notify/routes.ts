/**
 * The operator API of notifications: channels (viewer lists; admin adds, removes, sends a test
 * message), silences and maintenance windows (viewer lists; operator adds, expires / ends). Every
 * change has its audit row (written by the store functions, in their transaction).
 */
import type { FastifyInstance } from 'fastify';
import type { ChannelTestResult, NewChannel, NewMaintenanceWindow, NewSilence } from '../../../contracts/hq-notify.ts';
import { HttpError, idParam } from '../api/http.ts';
import { audit, requireRole } from '../auth/index.ts';
import type { HqDb } from '../db/open.ts';
import { sortableId } from '../ids.ts';
import { addChannel, listChannels, removeChannel, type Actor } from './channels.ts';
import type { Notifier } from './dispatcher.ts';
import { BadNotifyInputError, NotFoundError, StateError } from './errors.ts';
import { addMaintenanceWindow, endMaintenanceWindow, listMaintenanceWindows, maintenanceView } from './maintenance.ts';
import { testMessage } from './message.ts';
import { addSilence, expireSilence, listSilences, silenceView } from './silences.ts';

export interface NotifyRouteOptions {
  db: HqDb;
  now: () => number;
  notifier: Notifier;
  publicUrl: () => string;
  /** how long "send test message" waits for the robot's answer (default 8 s) */
  testWaitMs?: number;
}

function mapped(e: unknown): never {
  if (e instanceof BadNotifyInputError) throw new HttpError(400, e.message);
  if (e instanceof NotFoundError) throw new HttpError(404, e.message);
  if (e instanceof StateError) throw new HttpError(409, e.message);
  throw e;
}

export function notifyRoutes(app: FastifyInstance, o: NotifyRouteOptions): void {
  const { db, now } = o;
  const actor = (req: { user: { name: string } | null }): Actor => ({ by: req.user!.name, at: now() });
  const viewer = { preHandler: requireRole('viewer') };
  const operator = { preHandler: requireRole('operator') };
  const admin = { preHandler: requireRole('admin') };

  app.get('/api/v1/channels', viewer, async () => ({ channels: await listChannels(db) }));
  app.post('/api/v1/channels', admin, async (req, reply) => {
    const row = await addChannel(db, (req.body ?? {}) as NewChannel, actor(req)).catch(mapped);
    o.notifier.kick();
    const view = (await listChannels(db)).find((c) => c.id === row.id)!;
    return reply.code(201).send(view);
  });
  app.post('/api/v1/channels/:id/remove', admin, async (req) => {
    const row = await removeChannel(db, idParam(req.params), actor(req)).catch(mapped);
    return { id: row.id, removed: true };
  });
  app.post('/api/v1/channels/:id/test', admin, async (req): Promise<ChannelTestResult> => {
    const id = idParam(req.params);
    const ch = await db.selectFrom('notify_channels').select(['id', 'name', 'type', 'url_masked']).where('id', '=', id).executeTakeFirst();
    if (!ch) throw new HttpError(404, `no notification channel ${id}`);
    const at = now();
    const outboxId = sortableId(at);
    await db.transaction().execute(async (trx) => {
      const message = JSON.stringify(testMessage({ id: ch.id, name: ch.name }, at, o.publicUrl()));
      await trx
        .insertInto('notify_outbox')
        .values({ id: outboxId, channel_id: id, group_key: null, kind: 'test', message, status: 'pending', attempts: 0, next_attempt_at: at, last_attempt_at: null, last_error: null, created_at: at, sent_at: null })
        .execute();
      await audit(trx as HqDb, { user: req.user!.name, action: 'channel.test', target: id, detail: `${ch.name}: ${ch.type} ${ch.url_masked}`, at });
    });
    o.notifier.kick();
    return o.notifier.settle(outboxId, o.testWaitMs ?? 8_000);
  });

  app.get('/api/v1/silences', viewer, async () => ({ silences: await listSilences(db, now()) }));
  app.post('/api/v1/silences', operator, async (req, reply) => {
    const who = actor(req);
    return reply.code(201).send(silenceView(await addSilence(db, (req.body ?? {}) as NewSilence, who).catch(mapped), who.at));
  });
  app.post('/api/v1/silences/:id/expire', operator, async (req) => {
    const who = actor(req);
    return silenceView(await expireSilence(db, idParam(req.params), who).catch(mapped), who.at);
  });

  app.get('/api/v1/maintenance-windows', viewer, async () => ({ windows: await listMaintenanceWindows(db, now()) }));
  app.post('/api/v1/maintenance-windows', operator, async (req, reply) => {
    const who = actor(req);
    return reply.code(201).send(maintenanceView(await addMaintenanceWindow(db, (req.body ?? {}) as NewMaintenanceWindow, who).catch(mapped), who.at));
  });
  app.post('/api/v1/maintenance-windows/:id/end', operator, async (req) => {
    const who = actor(req);
    const { row, cancelled } = await endMaintenanceWindow(db, idParam(req.params), who).catch(mapped);
    return { ...maintenanceView(row, who.at), cancelled };
  });
}
