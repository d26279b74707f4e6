import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { audit, authMigrations, createUser, disableUser, findUser, hashPassword, listAudit, UserExistsError, verifyPassword } from './index.ts';
import { memoryDb, TEST_SCRYPT } from './test-helpers.ts';

describe('hashPassword / verifyPassword', () => {
  it('stores scrypt with its N/r/p and a per-hash salt, never the password; verify rejects a wrong one', async () => {
    const a = await hashPassword('hunter2hunter2');
    const b = await hashPassword('hunter2hunter2');
    expect(a).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b); // salted
    expect(a).not.toContain('hunter2');
    expect(await verifyPassword('hunter2hunter2', a)).toBe(true);
    expect(await verifyPassword('hunter2hunter3', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('verifies with the parameters stored in the hash', async () => {
    const cheap = await hashPassword('pässwörd', TEST_SCRYPT);
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('pässwörd', cheap)).toBe(true);
    expect(await verifyPassword('pa\u0308sswo\u0308rd', cheap)).toBe(true); // NFC-normalised
  });

  it('answers false, not a throw, for a malformed or greedy stored value', async () => {
    const good = await hashPassword('whatever1', TEST_SCRYPT);
    for (const bad of ['', 'plain', 'scrypt$1$8$1$x$y', good.replace('$1024$', '$1000$'), good.replace('$1024$', `$${2 ** 24}$`), good.replace(/\$[^$]+$/, '$')]) {
      expect(await verifyPassword('whatever1', bad)).toBe(false);
    }
  });
});

describe('createUser / disableUser', () => {
  it('keeps only the hash, refuses a duplicate name and audits the creation', async () => {
    const db = await memoryDb();
    const u = await createUser(db, { name: 'ops', role: 'operator', password: 'long enough', by: 'root', at: 5000, scrypt: TEST_SCRYPT });
    expect(u).toMatchObject({ name: 'ops', role: 'operator' });
    const row = await db.selectFrom('users').selectAll().where('name', '=', 'ops').executeTakeFirstOrThrow();
    expect(row.password_hash).not.toContain('long enough');
    expect(await verifyPassword('long enough', row.password_hash)).toBe(true);
    expect(row.created_at).toBe(5000);
    await expect(createUser(db, { name: 'ops', role: 'viewer', password: 'long enough', scrypt: TEST_SCRYPT })).rejects.toBeInstanceOf(UserExistsError);
    await expect(createUser(db, { name: 'x', role: 'viewer', password: 'short', scrypt: TEST_SCRYPT })).rejects.toThrow(/at least 8/);
    await expect(createUser(db, { name: 'has space', role: 'viewer', password: 'long enough', scrypt: TEST_SCRYPT })).rejects.toThrow();
    expect(await listAudit(db)).toEqual([{ id: expect.any(String), at: '1970-01-01T00:00:05.000Z', user: 'root', action: 'user.create', target: 'ops', detail: 'role operator' }]);
    await db.destroy();
  });

  it('disables once (audited once), reports an unknown user', async () => {
    const db = await memoryDb();
    await createUser(db, { name: 'ops', role: 'operator', password: 'long enough', scrypt: TEST_SCRYPT });
    expect(await disableUser(db, 'ops', { by: 'root', at: 10 })).toBe(true);
    expect(await disableUser(db, 'ops', { by: 'root', at: 11 })).toBe(true);
    expect(await disableUser(db, 'ghost')).toBe(false);
    expect((await findUser(db, 'ops'))?.disabled).toBe(true);
    expect((await listAudit(db, { action: 'user.disable' })).map((e) => e.user)).toEqual(['root']);
    await db.destroy();
  });
});

describe('audit / listAudit', () => {
  it('orders newest first (same millisecond: insertion order), filters, limits, pages and clips', async () => {
    const db = await memoryDb();
    await audit(db, { user: 'a', action: 'alarm.ack', target: 'K1', at: 1000 });
    await audit(db, { user: 'b', action: 'alarm.clear', target: 'K1', at: 1000 });
    await audit(db, { user: 'a', action: 'command', target: 'K2', detail: 'x'.repeat(2000), at: 2000 });
    const all = await listAudit(db);
    expect(all.map((e) => e.action)).toEqual(['command', 'alarm.clear', 'alarm.ack']);
    expect(all[0]!.detail!.length).toBe(500);
    expect((await listAudit(db, { target: 'K1' })).map((e) => e.user)).toEqual(['b', 'a']);
    expect((await listAudit(db, { user: 'a', limit: 1 })).map((e) => e.action)).toEqual(['command']);
    expect((await listAudit(db, { before: all[1]!.id })).map((e) => e.action)).toEqual(['alarm.ack']);
    await db.destroy();
  });

  it('migrates down and up again', async () => {
    const db = await memoryDb();
    const migrator = new Migrator({ db, provider: { getMigrations: async () => authMigrations } });
    expect((await migrator.migrateDown()).error).toBeUndefined();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    await db.destroy();
  });
});
