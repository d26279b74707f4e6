/**
 * Operator accounts: create (with its audit row), disable (which ends the user's sessions at once),
 * look up, list. Names are kept as given and matched exactly.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { RoleSchema, type Role } from '../../../contracts/hq-api.ts';
import { audit } from './audit.ts';
import { hashPassword, type ScryptParams } from './password.ts';
import type { AuthTables } from './tables.ts';

export const MIN_PASSWORD_LENGTH = 8;

/** Printable, no spaces or control characters, at most 64 (LoginRequestSchema's bound). */
export const UserNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^\s\p{C}/]+$/u, { error: 'no spaces, slashes or control characters' });
export const PasswordSchema = z.string().min(MIN_PASSWORD_LENGTH, { error: `at least ${MIN_PASSWORD_LENGTH} characters` }).max(1024);
export const NewUserSchema = z.object({ name: UserNameSchema, role: RoleSchema, password: PasswordSchema });

export interface AuthUser {
  id: string;
  name: string;
  role: Role;
}

export interface UserView {
  name: string;
  role: Role;
  disabled: boolean;
  /** ISO 8601 */
  createdAt: string;
}

export class UserExistsError extends Error {
  constructor(readonly userName: string) {
    super(`user "${userName}" already exists`);
    this.name = 'UserExistsError';
  }
}

export interface NewUser {
  name: string;
  role: Role;
  password: string;
  /** who creates it, for the audit log (default `(system)`) */
  by?: string;
  /** epoch ms, default Date.now() */
  at?: number;
  /** tests only: a cheaper hash */
  scrypt?: ScryptParams;
}

/** Creates a user (validated as NewUserSchema; a ZodError otherwise); UserExistsError for a taken name. */
export async function createUser(db: Kysely<AuthTables>, u: NewUser): Promise<AuthUser> {
  const { name, role, password } = NewUserSchema.parse({ name: u.name, role: u.role, password: u.password });
  const at = u.at ?? Date.now();
  const password_hash = await hashPassword(password, u.scrypt);
  const id = randomUUID();
  await db.transaction().execute(async (tx) => {
    const taken = await tx.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
    if (taken) throw new UserExistsError(name);
    await tx.insertInto('users').values({ id, name, role, password_hash, disabled: 0, created_at: at, updated_at: at }).execute();
    await audit(tx, { user: u.by ?? '(system)', action: 'user.create', target: name, detail: `role ${role}`, at });
  });
  return { id, name, role };
}

/** Disables a user and deletes its sessions. False when there is no such user; true also when already disabled. */
export async function disableUser(db: Kysely<AuthTables>, name: string, o: { by?: string; at?: number } = {}): Promise<boolean> {
  const at = o.at ?? Date.now();
  return db.transaction().execute(async (tx) => {
    const user = await tx.selectFrom('users').select(['id', 'disabled']).where('name', '=', name).executeTakeFirst();
    if (!user) return false;
    await tx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    if (user.disabled) return true;
    await tx.updateTable('users').set({ disabled: 1, updated_at: at }).where('id', '=', user.id).execute();
    await audit(tx, { user: o.by ?? '(system)', action: 'user.disable', target: name, at });
    return true;
  });
}

export interface StoredUser extends AuthUser {
  passwordHash: string;
  disabled: boolean;
}

/** The user row by exact name, or null (also when its role is not one we know). */
export async function findUser(db: Kysely<AuthTables>, name: string): Promise<StoredUser | null> {
  const row = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) return null;
  const role = RoleSchema.safeParse(row.role);
  if (!role.success) return null;
  return { id: row.id, name: row.name, role: role.data, passwordHash: row.password_hash, disabled: Boolean(row.disabled) };
}

export async function listUsers(db: Kysely<AuthTables>): Promise<UserView[]> {
  const rows = await db.selectFrom('users').select(['name', 'role', 'disabled', 'created_at']).orderBy('name').execute();
  return rows.map((r) => ({
    name: r.name,
    role: RoleSchema.catch('viewer').parse(r.role),
    disabled: Boolean(r.disabled),
    createdAt: new Date(Number(r.created_at)).toISOString(),
  }));
}
