import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { listAudit, registerAuth } from '../server/auth/index.ts';
import { openHqDb } from '../server/db/open.ts';
import { readFirstLine, userAddCommand } from './user-add.ts';

const dir = mkdtempSync(join(tmpdir(), 'zizhu-user-add-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}
const stdin = (text: string) => Readable.from([text]);

describe('zizhu hq user add', () => {
  it('creates the user from the first stdin line, who can then log in; refuses a duplicate; audits it', async () => {
    const url = `sqlite:${join(dir, 'ok.db')}`;
    const c = capture();
    expect(await userAddCommand(['alice', '--role', 'operator', '--db', url], c.io, stdin('s3cret-pass\nignored second line\n'))).toBe(0);
    expect(c.out).toEqual(['user alice created with role operator']);
    expect(c.err).toEqual([]);

    const dup = capture();
    expect(await userAddCommand(['alice', '--role', 'viewer', '--db', url], dup.io, stdin('another-pass\n'))).toBe(2);
    expect(dup.err).toHaveLength(1);
    expect(dup.err[0]).toMatch(/already exists/);

    const db = await openHqDb(url);
    try {
      const app = Fastify();
      await registerAuth(app, { db });
      const login = (password: string) => app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: 'alice', password } });
      expect((await login('s3cret-pass')).json().user).toEqual({ name: 'alice', role: 'operator' });
      expect((await login('another-pass')).statusCode).toBe(401);
      expect((await listAudit(db, { action: 'user.create' })).map((e) => [e.user, e.target])).toEqual([['(cli)', 'alice']]);
      await app.close();
    } finally {
      await db.destroy();
    }
  });

  it('refuses a short password with one clear line and exit 2, creating nothing', async () => {
    const url = `sqlite:${join(dir, 'short.db')}`;
    const c = capture();
    expect(await userAddCommand(['bob', '--role', 'viewer', '--db', url], c.io, stdin('short\n'))).toBe(2);
    expect(c.err).toEqual(['refused: the password (first line of stdin) must have 8 to 1024 characters']);
    expect(c.out).toEqual([]);
  });

  it('refuses bad usage, names and roles with exit 2', async () => {
    for (const args of [[], ['bob'], ['bob', 'carol', '--role', 'viewer'], ['bob', '--role', 'root'], ['b b', '--role', 'viewer'], ['bob', '--role', 'viewer', '--bogus']]) {
      const c = capture();
      expect(await userAddCommand(args, c.io, stdin('long enough\n'))).toBe(2);
      expect(c.err.length).toBe(1);
    }
    const c = capture();
    expect(await userAddCommand(['bob', '--role', 'viewer', '--db', 'postgres://x'], c.io, stdin('long enough\n'))).toBe(2);
    expect(c.err[0]).toMatch(/unsupported database URL/);
  });

  it('reads the first line across chunks, without CR, or all of a stream with no newline', async () => {
    expect(await readFirstLine(Readable.from(['pass', 'word\r\n', 'next']))).toBe('password');
    expect(await readFirstLine(Readable.from(['no newline']))).toBe('no newline');
    expect(await readFirstLine(Readable.from([]))).toBe('');
  });
});
