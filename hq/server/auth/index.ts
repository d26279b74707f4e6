/**
 * HQ operator authentication: login → a session cookie (HttpOnly, SameSite=Strict) and a CSRF token,
 * roles (viewer < operator < admin) checked per route by `requireRole`, admin user management and the
 * audit log. The tables and migrations are in tables.ts; helper A's server includes them.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { registerAdminRoutes } from './admin-routes.ts';
import { attachSession, type AuthContext, type AuthLog, type LoginLimits } from './guard.ts';
import { registerLoginRoutes } from './login-routes.ts';
import { dummyHash } from './password.ts';
import { DEFAULT_IDLE_MS, DEFAULT_MAX_MS, resolveSession, SESSION_COOKIE } from './sessions.ts';
import type { AuthTables } from './tables.ts';

export { audit, listAudit, type AuditEntry, type AuditInput, type AuditQuery } from './audit.ts';
export { requireRole, sessionOf, type AuthLog, type LoginLimits } from './guard.ts';
export { hashPassword, verifyPassword, DEFAULT_SCRYPT, type ScryptParams } from './password.ts';
export { SESSION_COOKIE, DEFAULT_IDLE_MS, DEFAULT_MAX_MS } from './sessions.ts';
export { authMigrations, type AuthTables } from './tables.ts';
export { createUser, disableUser, findUser, listUsers, UserExistsError, MIN_PASSWORD_LENGTH, NewUserSchema, PasswordSchema, UserNameSchema, type AuthUser, type NewUser, type UserView } from './users.ts';

export interface AuthOptions {
  db: Kysely<AuthTables>;
  /** epoch ms; default Date.now */
  now?: () => number;
  log?: AuthLog;
  /** adds Secure to the cookie (set it whenever HQ is served over HTTPS) */
  secureCookie?: boolean;
  /** default 8 h */
  sessionIdleMs?: number;
  /** default 12 h */
  sessionMaxMs?: number;
  /** login attempts allowed per window (default 10 per user name, 30 per address, 5 min) */
  loginLimits?: LoginLimits;
}

/**
 * Registers the cookie plugin (unless there), the session hook that sets `request.user`, and the
 * routes: POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me, GET|POST /api/v1/users,
 * POST /api/v1/users/:name/disable, GET /api/v1/audit. Call it on the instance whose routes use
 * `requireRole` (or an ancestor of them).
 */
export async function registerAuth(app: FastifyInstance, o: AuthOptions): Promise<void> {
  const ctx: AuthContext = {
    db: o.db,
    now: o.now ?? Date.now,
    log: o.log,
    secureCookie: o.secureCookie ?? false,
    times: { idleMs: o.sessionIdleMs ?? DEFAULT_IDLE_MS, maxMs: o.sessionMaxMs ?? DEFAULT_MAX_MS },
    limits: { perUser: o.loginLimits?.perUser ?? 10, perIp: o.loginLimits?.perIp ?? 30, windowMs: o.loginLimits?.windowMs ?? 5 * 60_000 },
  };
  // made now, so the first login of an unknown name costs no more than the next ones
  dummyHash().catch(() => undefined);
  if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie);
  if (!app.hasRequestDecorator('user')) app.decorateRequest('user', null);

  // Only requests carrying our cookie cost a lookup: kiosks' ingest calls never do.
  app.addHook('onRequest', async (req) => {
    req.user = null;
    const header = req.headers.cookie;
    if (!header || !header.includes(SESSION_COOKIE)) return;
    const id = app.parseCookie(header)[SESSION_COOKIE];
    if (!id) return;
    const s = await resolveSession(ctx.db, id, ctx.now(), ctx.times);
    if (s) attachSession(req, s);
  });

  // an encapsulated scope, so the rate-limit plugin registered for login touches no other route
  await app.register(async (scope) => {
    await registerLoginRoutes(scope, ctx);
    registerAdminRoutes(scope, ctx);
  });
}
