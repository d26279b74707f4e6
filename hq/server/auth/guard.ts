/**
 * The per-request side of auth: which session a request carries (set by registerAuth's hook) and
 * `requireRole`, the preHandler every operator route uses.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import { roleAllows, type Role } from '../../../contracts/hq-api.ts';
import { csrfMatches, type ActiveSession, type SessionTimes } from './sessions.ts';
import type { AuthTables } from './tables.ts';
import type { AuthUser } from './users.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** the logged-in operator, or null (set by registerAuth's onRequest hook) */
    user: AuthUser | null;
  }
}

export interface AuthLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface LoginLimits {
  /** attempts per user name per window (default 10) */
  perUser?: number;
  /** attempts per client address per window (default 30: an office behind one NAT) */
  perIp?: number;
  /** default 5 min */
  windowMs?: number;
}

/** What registerAuth's route modules share. */
export interface AuthContext {
  db: Kysely<AuthTables>;
  now: () => number;
  log: AuthLog | undefined;
  secureCookie: boolean;
  times: SessionTimes;
  limits: Required<LoginLimits>;
}

const sessions = new WeakMap<FastifyRequest, ActiveSession>();

export const sessionOf = (req: FastifyRequest): ActiveSession | undefined => sessions.get(req);

export function attachSession(req: FastifyRequest, s: ActiveSession): void {
  sessions.set(req, s);
  req.user = s.user;
}

export const unauthorized = (reply: FastifyReply, error = 'not logged in'): FastifyReply => reply.code(401).send({ error });

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a request with this method must carry the session's `X-CSRF-Token`. */
export const needsCsrf = (method: string): boolean => !SAFE_METHODS.has(method);

/**
 * A preHandler: 401 `{error}` without a live session, 403 when the user's role is below `role`, and for
 * every method but GET/HEAD/OPTIONS 403 unless `X-CSRF-Token` equals the session's token.
 */
export function requireRole(role: Role): preHandlerAsyncHookHandler {
  return async function requireRoleHook(req, reply) {
    const s = sessions.get(req);
    if (!s || !req.user) return unauthorized(reply);
    if (!roleAllows(req.user.role, role)) return reply.code(403).send({ error: `this needs the ${role} role` });
    if (needsCsrf(req.method) && !csrfMatches(req.headers['x-csrf-token'], s.csrfToken)) {
      return reply.code(403).send({ error: 'missing or wrong X-CSRF-Token header' });
    }
    return undefined;
  };
}
