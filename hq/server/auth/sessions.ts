/**
 * Console sessions: a random 32-byte id in the cookie, kept server-side only as its sha256, with a
 * random CSRF token of its own. A session ends at logout, after `idleMs` without a request, after
 * `maxMs` in all, or at once when its user is disabled.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { RoleSchema } from '../../../contracts/hq-api.ts';
import type { AuthTables } from './tables.ts';
import type { AuthUser } from './users.ts';

export const SESSION_COOKIE = 'zizhu_hq_session';
export const DEFAULT_IDLE_MS = 8 * 3600_000;
export const DEFAULT_MAX_MS = 12 * 3600_000;

export interface SessionTimes {
  idleMs: number;
  maxMs: number;
}

export interface ActiveSession {
  idHash: string;
  csrfToken: string;
  user: AuthUser;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** A 43-character base64url session id, as it goes in the cookie. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export async function createSession(db: Kysely<AuthTables>, userId: string, now: number): Promise<{ id: string; csrfToken: string }> {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  await db.insertInto('sessions').values({ id_hash: sha256(id), user_id: userId, csrf_token: csrfToken, created_at: now, last_seen_at: now }).execute();
  return { id, csrfToken };
}

/** Deletes every session past its idle or absolute limit (called at each login; cheap with few rows). */
export async function pruneSessions(db: Kysely<AuthTables>, now: number, t: SessionTimes): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('last_seen_at', '<', now - t.idleMs), eb('created_at', '<', now - t.maxMs)]))
    .execute();
}

/**
 * The live session for a cookie value, or null (unknown, expired, user disabled: the row is deleted).
 * Touches `last_seen_at`, at most every min(1 min, idle/8) to spare a write per request.
 */
export async function resolveSession(db: Kysely<AuthTables>, cookieId: string, now: number, t: SessionTimes): Promise<ActiveSession | null> {
  if (!SESSION_ID.test(cookieId)) return null;
  const idHash = sha256(cookieId);
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.csrf_token', 'sessions.created_at', 'sessions.last_seen_at', 'users.id', 'users.name', 'users.role', 'users.disabled'])
    .where('sessions.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row) return null;
  const lastSeen = Number(row.last_seen_at);
  const created = Number(row.created_at);
  const role = RoleSchema.safeParse(row.role);
  if (row.disabled || !role.success || now - lastSeen > t.idleMs || now - created > t.maxMs) {
    await endSession(db, idHash);
    return null;
  }
  if (now - lastSeen >= Math.min(60_000, t.idleMs / 8)) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  return { idHash, csrfToken: row.csrf_token, user: { id: row.id, name: row.name, role: role.data } };
}

export async function endSession(db: Kysely<AuthTables>, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Constant-time comparison of the `X-CSRF-Token` header with the session's token. */
export function csrfMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(sha256(given), 'hex');
  const b = Buffer.from(sha256(expected), 'hex');
  return timingSafeEqual(a, b);
}
