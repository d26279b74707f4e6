/**
 * Operator API for help requests (contracts/hq-help.ts): a HELP_REQUESTED alarm's requests and
 * answers (viewer), and an answer to the latest request (operator, CSRF, in the audit log).
 */
import type { FastifyInstance } from 'fastify';
import { HelpAnswerRequestSchema } from '../../../contracts/hq-help.ts';
import { HttpError, idParam, parseInput } from '../api/http.ts';
import type { ApiOptions } from '../api/kiosks.ts';
import { audit, requireRole } from '../auth/index.ts';
import { CommandKioskError } from '../commands/store.ts';
import { answerHelp, HelpAlarmError, helpHistory } from './store.ts';

function helpErrors(e: unknown): never {
  if (e instanceof HelpAlarmError) throw new HttpError(e.status, e.message);
  if (e instanceof CommandKioskError) throw new HttpError(409, e.message);
  throw e;
}

export function helpRoutes(app: FastifyInstance, { db, now, commandTtlMs }: ApiOptions & { commandTtlMs: number }): void {
  app.get('/api/v1/alarms/:id/help', { preHandler: requireRole('viewer') }, async (req) => helpHistory(db, idParam(req.params)).catch(helpErrors));

  app.post('/api/v1/alarms/:id/help-answer', { preHandler: requireRole('operator') }, async (req) => {
    const alarmId = idParam(req.params);
    const { text } = parseInput(HelpAnswerRequestSchema, req.body);
    const user = req.user!.name;
    const sent = await answerHelp(db, { alarmId, text, user, now, commandTtlMs }).catch(helpErrors);
    await audit(db, { user, action: 'alarm.help-answer', target: alarmId, detail: `${sent.kioskId} request ${sent.requestId} (command ${sent.commandId}): ${text}`, at: now() });
    return helpHistory(db, alarmId);
  });
}
