/** Operator API: alarms (viewer lists; operator acknowledges and clears, each with an audit row). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AlarmActionSchema } from '../../../contracts/hq-api.ts';
import { audit, requireRole } from '../auth/index.ts';
import { ackAlarm, AlarmTransitionError, clearAlarmByOperator, UnknownAlarmError, type AlarmRow, type OperatorAction } from '../alarms/store.ts';
import type { HqDb } from '../db/open.ts';
import { HttpError, idParam, parseInput } from './http.ts';
import type { ApiOptions } from './kiosks.ts';
import { alarmView } from './views.ts';
import { alarmFrame } from '../alarms/frame.ts';

const AlarmQuery = z.object({
  kioskId: z.string().max(64).optional(),
  status: z.enum(['active', 'all']).default('active'),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

export async function listAlarms(db: HqDb, q: z.output<typeof AlarmQuery>): Promise<AlarmRow[]> {
  let query = db.selectFrom('alarms').selectAll();
  if (q.kioskId !== undefined) query = query.where('kiosk_id', '=', q.kioskId);
  if (q.status === 'active') query = query.where('status', 'in', ['active-unack', 'active-ack']);
  return query.orderBy('updated_at', 'desc').orderBy('id').limit(q.limit).execute();
}

export function alarmRoutes(app: FastifyInstance, { db, now }: ApiOptions): void {
  app.get('/api/v1/alarms', { preHandler: requireRole('viewer') }, async (req) => ({ alarms: (await listAlarms(db, parseInput(AlarmQuery, req.query))).map(alarmView) }));

  const step = (verb: 'ack' | 'clear', run: (db: HqDb, id: string, a: OperatorAction) => Promise<AlarmRow>) =>
    app.post(`/api/v1/alarms/:id/${verb}`, { preHandler: requireRole('operator') }, async (req) => {
      const id = idParam(req.params);
      const { comment } = parseInput(AlarmActionSchema, req.body);
      let row: AlarmRow;
      try {
        row = await run(db, id, { user: req.user!.name, comment: comment ?? null, at: now() });
      } catch (e) {
        if (e instanceof UnknownAlarmError) throw new HttpError(404, e.message);
        if (e instanceof AlarmTransitionError) throw new HttpError(409, e.message);
        throw e;
      }
      await audit(db, { user: req.user!.name, action: `alarm.${verb}`, target: id, detail: `${row.kiosk_id} ${row.code}${comment ? `: ${comment}` : ''}`, at: now() });
      return alarmView(row);
    });
  step('ack', ackAlarm);
  step('clear', clearAlarmByOperator);

  // issue 11: the frame a screen alarm came with (a small PNG), or a 404 saying why there is none
  app.get('/api/v1/alarms/:id/frame', { preHandler: requireRole('viewer') }, async (req, reply) => {
    const id = idParam(req.params);
    const alarm = await db.selectFrom('alarms').select(['kiosk_id', 'code', 'last_raised_at']).where('id', '=', id).executeTakeFirst();
    if (!alarm) throw new HttpError(404, `no alarm ${id}`);
    const frame = await alarmFrame(db, alarm);
    if ('reason' in frame) throw new HttpError(404, frame.reason);
    return reply.type('image/png').header('cache-control', 'private, max-age=86400').header('x-content-type-options', 'nosniff').send(frame.png);
  });
}
