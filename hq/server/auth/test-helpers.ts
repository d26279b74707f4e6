/** Test fixtures for the auth module: an in-memory database with the auth migrations, a bare app. */
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import type { Role } from '../../../contracts/hq-api.ts';
import { createUser, registerAuth, requireRole, SESSION_COOKIE, type AuthOptions } from './index.ts';
import type { ScryptParams } from './password.ts';
import { authMigrations, type AuthTables } from './tables.ts';

/** Cheap enough for tests; production hashes use DEFAULT_SCRYPT. */
export const TEST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };

export async function memoryDb(): Promise<Kysely<AuthTables>> {
  const db = new Kysely<AuthTables>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const provider: MigrationProvider = { getMigrations: async () => authMigrations };
  const { error } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error;
  return db;
}

export class Clock {
  constructor(public t = 1_700_000_000_000) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  db: Kysely<AuthTables>;
  clock: Clock;
  logs: string[];
  addUser(name: string, role: Role, password?: string): Promise<void>;
  login(name: string, password?: string, ip?: string): Promise<LightMyRequestResponse>;
  /** logs in and returns the cookie header value and the CSRF token */
  session(name: string, password?: string): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery';

export async function testApp(o: Partial<AuthOptions> = {}): Promise<TestApp> {
  const db = await memoryDb();
  const clock = new Clock();
  const logs: string[] = [];
  const app = Fastify({ logger: false });
  await registerAuth(app, { db, now: clock.now, log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) }, ...o });
  app.get('/op', { preHandler: requireRole('operator') }, async (req) => ({ user: req.user?.name }));
  app.post('/op', { preHandler: requireRole('operator') }, async (req) => ({ done: true, user: req.user?.name }));
  await app.ready();
  const login = (name: string, password = PASSWORD, ip = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: name, password }, remoteAddress: ip });
  return {
    app,
    db,
    clock,
    logs,
    addUser: async (name, role, password = PASSWORD) => {
      await createUser(db, { name, role, password, at: clock.now(), scrypt: TEST_SCRYPT });
    },
    login,
    session: async (name, password) => {
      const r = await login(name, password);
      if (r.statusCode !== 200) throw new Error(`login ${r.statusCode} ${r.body}`);
      const c = r.cookies.find((x) => x.name === SESSION_COOKIE)!;
      return { cookie: `${SESSION_COOKIE}=${c.value}`, csrf: (r.json() as { csrfToken: string }).csrfToken };
    },
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}
