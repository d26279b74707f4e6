/**
 * The audit log: who did what to which target, when (HQ's clock). Every operator action goes here —
 * logins (ok and failed), logouts, user changes, and helper A's alarm acks/clears and commands.
 * Never a password or a secret in `detail`.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuthTables } from './tables.ts';

export interface AuditInput {
  /** the acting user's name (for a failed login, the name tried) */
  user: string;
  /** dotted verb, e.g. `login`, `login.failed`, `logout`, `user.create`, `user.disable`, `alarm.ack` */
  action: string;
  /** what was acted on: a user name, a kiosk id, an alarm id… */
  target?: string | null;
  /** short free text; never a password or a secret */
  detail?: string | null;
  /** epoch ms; default Date.now() */
  at?: number;
}

/** As contracts/hq-api.ts AuditEntrySchema: `at` ISO 8601 (UTC). */
export interface AuditEntry {
  id: string;
  at: string;
  user: string;
  action: string;
  target: string | null;
  detail: string | null;
}

const MAX_TEXT = 500;
const clip = (s: string | null | undefined): string | null => (s == null ? null : s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);

let counter = 0;
/** Sorts by time, then by insertion order within this process; the random tail keeps several HQ nodes apart. */
function auditId(at: number): string {
  counter = (counter + 1) % 36 ** 6;
  return `${String(Math.max(0, Math.trunc(at))).padStart(13, '0')}-${counter.toString(36).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
}

/** Appends one row. Accepts any Kysely whose database includes the auth tables (or a transaction). */
export async function audit(db: Kysely<AuthTables>, e: AuditInput): Promise<void> {
  const at = e.at ?? Date.now();
  await db
    .insertInto('audit_log')
    .values({ id: auditId(at), at, user_name: clip(e.user) ?? '', action: e.action, target: clip(e.target), detail: clip(e.detail) })
    .execute();
}

export interface AuditQuery {
  /** 1..1000, default 100 */
  limit?: number;
  target?: string;
  user?: string;
  action?: string;
  /** only entries older than this entry id (paging) */
  before?: string;
}

/** Newest first. */
export async function listAudit(db: Kysely<AuthTables>, q: AuditQuery = {}): Promise<AuditEntry[]> {
  const limit = Math.min(1000, Math.max(1, Math.trunc(q.limit ?? 100)));
  let query = db.selectFrom('audit_log').selectAll();
  if (q.target !== undefined) query = query.where('target', '=', q.target);
  if (q.user !== undefined) query = query.where('user_name', '=', q.user);
  if (q.action !== undefined) query = query.where('action', '=', q.action);
  if (q.before !== undefined) query = query.where('id', '<', q.before);
  const rows = await query.orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, at: new Date(Number(r.at)).toISOString(), user: r.user_name, action: r.action, target: r.target, detail: r.detail }));
}
