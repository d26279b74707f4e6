/**
 * POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me.
 *
 * Login attempts are counted per client address and per user name with @fastify/rate-limit's
 * limiter (its LRU store, its fixed window) called from the handler, after the body is parsed, so the
 * user name can be a key: over either limit → 429 with Retry-After. A wrong user name and a wrong
 * password get the same 401 after the same scrypt work.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { LoginRequestSchema, type LoginResponse } from '../../../contracts/hq-api.ts';
import { audit } from './audit.ts';
import { needsCsrf, sessionOf, unauthorized, type AuthContext } from './guard.ts';
import { dummyHash, verifyPassword } from './password.ts';
import { createSession, csrfMatches, endSession, pruneSessions, SESSION_COOKIE } from './sessions.ts';
import { findUser } from './users.ts';

const WRONG_LOGIN = 'wrong user name or password';

/** `field: message` of the first issue, for a 400. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid request';
}

export async function registerLoginRoutes(app: FastifyInstance, ctx: AuthContext): Promise<void> {
  const { db, log } = ctx;
  if (!app.hasDecorator('createRateLimit')) await app.register(fastifyRateLimit, { global: false });
  const byIp = app.createRateLimit({ max: ctx.limits.perIp, timeWindow: ctx.limits.windowMs, keyGenerator: (req) => `login-ip:${req.ip}` });
  const byUser = app.createRateLimit({
    max: ctx.limits.perUser,
    timeWindow: ctx.limits.windowMs,
    keyGenerator: (req) => `login-user:${String((req.body as { username?: unknown } | undefined)?.username).toLowerCase()}`,
  });

  /** The limiter that refuses this attempt, or null. */
  const overLimit = async (req: FastifyRequest): Promise<{ retryAfterS: number; which: string } | null> => {
    for (const [which, limiter] of [['address', byIp], ['user name', byUser]] as const) {
      const r = await limiter(req);
      if (!r.isAllowed && r.isExceeded) return { retryAfterS: r.ttlInSeconds, which };
    }
    return null;
  };

  const sendSession = (reply: FastifyReply, body: LoginResponse) => reply.header('Cache-Control', 'no-store').send(body);

  app.post('/api/v1/login', async (req, reply) => {
    const parsed = LoginRequestSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: firstIssue(parsed.error) });
    const { username, password } = parsed.data;
    const limited = await overLimit(req);
    if (limited) {
      log?.warn(`hq auth: login for "${username}" from ${req.ip} refused, too many attempts per ${limited.which}`);
      return reply
        .code(429)
        .header('Retry-After', String(limited.retryAfterS))
        .send({ error: `too many login attempts; try again in ${limited.retryAfterS} s` });
    }
    const user = await findUser(db, username);
    // the same scrypt work whether or not the user exists or may log in
    const ok = user && !user.disabled ? await verifyPassword(password, user.passwordHash) : (await verifyPassword(password, await dummyHash()), false);
    const at = ctx.now();
    if (!user || !ok) {
      const why = !user ? 'unknown user' : user.disabled ? 'user disabled' : 'wrong password';
      await audit(db, { user: username, action: 'login.failed', detail: `${why}, from ${req.ip}`, at });
      log?.warn(`hq auth: failed login for "${username}" from ${req.ip} (${why})`);
      return unauthorized(reply, WRONG_LOGIN);
    }
    await pruneSessions(db, at, ctx.times);
    const session = await createSession(db, user.id, at);
    await audit(db, { user: user.name, action: 'login', detail: `from ${req.ip}`, at });
    log?.info(`hq auth: ${user.name} (${user.role}) logged in from ${req.ip}`);
    reply.setCookie(SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'strict', path: '/', secure: ctx.secureCookie });
    return sendSession(reply, { csrfToken: session.csrfToken, user: { name: user.name, role: user.role } });
  });

  app.post('/api/v1/logout', async (req, reply) => {
    const s = sessionOf(req);
    if (s && needsCsrf(req.method) && !csrfMatches(req.headers['x-csrf-token'], s.csrfToken)) {
      return reply.code(403).send({ error: 'missing or wrong X-CSRF-Token header' });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    if (!s) return reply.send({ ok: true });
    await endSession(db, s.idHash);
    await audit(db, { user: s.user.name, action: 'logout', at: ctx.now() });
    log?.info(`hq auth: ${s.user.name} logged out`);
    return reply.send({ ok: true });
  });

  app.get('/api/v1/me', async (req, reply) => {
    const s = sessionOf(req);
    if (!s) return unauthorized(reply);
    return sendSession(reply, { csrfToken: s.csrfToken, user: { name: s.user.name, role: s.user.role } });
  });
}
