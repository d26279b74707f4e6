/** Small helpers shared by the operator API's route modules. */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { HqLog } from '../log.ts';
import { fieldPath } from '../ingest/validate.ts';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The body (or query) as `schema`, or a 400 naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new HttpError(400, `${fieldPath(issue.path)}: ${issue.message}`);
}

/** `{error}` answers for HttpError, Fastify's own 4xx, and a logged 500 for anything else. */
export function jsonErrors(app: FastifyInstance, log: HqLog): void {
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err instanceof HttpError ? err.statusCode : err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error(`${req.method} ${req.url}: ${err.message}`);
    return reply.code(status).send({ error: status === 500 ? 'internal error' : err.message });
  });
}

export const idParam = (params: unknown): string => String((params as { id?: unknown }).id ?? '');
