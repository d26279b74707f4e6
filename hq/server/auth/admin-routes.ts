/**
 * Admin user management (GET|POST /api/v1/users, POST /api/v1/users/:name/disable) and the audit log
 * for every role (GET /api/v1/audit?limit=&target=, AuditListSchema).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listAudit } from './audit.ts';
import { requireRole, type AuthContext } from './guard.ts';
import { firstIssue } from './login-routes.ts';
import { createUser, disableUser, listUsers, NewUserSchema, UserExistsError } from './users.ts';

const AuditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  target: z.string().min(1).max(200).optional(),
  user: z.string().min(1).max(64).optional(),
  before: z.string().min(1).max(100).optional(),
});

export function registerAdminRoutes(app: FastifyInstance, ctx: AuthContext): void {
  const { db, log } = ctx;

  app.get('/api/v1/users', { preHandler: requireRole('admin') }, async () => ({ users: await listUsers(db) }));

  app.post('/api/v1/users', { preHandler: requireRole('admin') }, async (req, reply) => {
    const parsed = NewUserSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: firstIssue(parsed.error) });
    const by = req.user!.name;
    try {
      const u = await createUser(db, { ...parsed.data, by, at: ctx.now() });
      log?.info(`hq auth: ${by} created user ${u.name} (${u.role})`);
      return reply.code(201).send({ user: { name: u.name, role: u.role, disabled: false } });
    } catch (e) {
      if (e instanceof UserExistsError) return reply.code(409).send({ error: e.message });
      throw e;
    }
  });

  app.post<{ Params: { name: string } }>('/api/v1/users/:name/disable', { preHandler: requireRole('admin') }, async (req, reply) => {
    const by = req.user!.name;
    const { name } = req.params;
    if (name === by) return reply.code(409).send({ error: 'you cannot disable yourself; ask another admin' });
    if (!(await disableUser(db, name, { by, at: ctx.now() }))) return reply.code(404).send({ error: `no user "${name}"` });
    log?.info(`hq auth: ${by} disabled user ${name}`);
    return reply.send({ user: { name, disabled: true } });
  });

  app.get('/api/v1/audit', { preHandler: requireRole('viewer') }, async (req, reply) => {
    const q = AuditQuerySchema.safeParse(req.query ?? {});
    if (!q.success) return reply.code(400).send({ error: firstIssue(q.error) });
    return { entries: await listAudit(db, q.data) };
  });
}
