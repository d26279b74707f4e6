/** Operator API: remote commands (operator sends, viewer follows), each sent one in the audit log. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit, requireRole } from '../auth/index.ts';
import { BadCommandError, commandView, CommandKioskError, getCommand, queueCommand } from '../commands/store.ts';
import { argsForAudit, commandArgs } from '../commands/args.ts';
import { withScreenshots } from '../screenshots/store.ts';
import { HttpError, idParam, parseInput } from './http.ts';
import type { ApiOptions } from './kiosks.ts';

/** Like CommandRequestSchema, but the type checked by queueCommand so an unknown one says which are known. */
const CommandBody = z.object({ type: z.string().max(40), reason: z.string().max(200).optional(), args: z.record(z.string(), z.unknown()).optional() });

export function commandRoutes(app: FastifyInstance, { db, now, commandTtlMs }: ApiOptions & { commandTtlMs: number }): void {
  app.post('/api/v1/kiosks/:id/commands', { preHandler: requireRole('operator') }, async (req) => {
    const kioskId = idParam(req.params);
    const body = parseInput(CommandBody, req.body);
    const checked = commandArgs(body);
    if (!checked.ok) throw new HttpError(400, checked.error);
    const { args } = checked;
    let queued;
    try {
      queued = await queueCommand(db, kioskId, body.type, args, req.user!.name, { now, ttlMs: commandTtlMs });
    } catch (e) {
      if (e instanceof BadCommandError) throw new HttpError(400, `${e.message.startsWith('unknown command type') ? 'type' : 'args'}: ${e.message}`);
      if (e instanceof CommandKioskError) throw new HttpError(e.reason === 'unknown' ? 404 : 409, e.message);
      throw e;
    }
    await audit(db, { user: req.user!.name, action: 'command.send', target: kioskId, detail: `${body.type} ${queued.id}${argsForAudit(body.type, args)}`, at: now() });
    return queued;
  });

  app.get('/api/v1/commands/:id', { preHandler: requireRole('viewer') }, async (req) => {
    const row = await getCommand(db, idParam(req.params));
    if (!row) throw new HttpError(404, `no command ${idParam(req.params)}`);
    return (await withScreenshots(db, [commandView(row)], now()))[0];
  });
}
