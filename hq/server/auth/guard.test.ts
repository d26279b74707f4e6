import { afterEach, describe, expect, it } from 'vitest';
import { AuditListSchema } from '../../../contracts/hq-api.ts';
import { disableUser, listAudit } from './index.ts';
import { testApp, type TestApp } from './test-helpers.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
const post = (url: string, cookie: string, csrf?: string, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers: { cookie, ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }) }, ...(payload ? { payload } : {}) });

describe('requireRole', () => {
  it('answers 401 {error} without a cookie or with a made-up one', async () => {
    t = await testApp();
    const none = await get('/op');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: 'not logged in' });
    expect((await get('/op', `zizhu_hq_session=${'A'.repeat(43)}`)).statusCode).toBe(401);
    expect((await get('/op', 'zizhu_hq_session=garbage')).statusCode).toBe(401);
  });

  it('answers 403 to a viewer on an operator route, 200 to an operator and an admin', async () => {
    t = await testApp();
    await t.addUser('v', 'viewer');
    await t.addUser('o', 'operator');
    await t.addUser('a', 'admin');
    const v = await t.session('v');
    expect((await get('/op', v.cookie)).statusCode).toBe(403);
    expect((await post('/op', v.cookie, v.csrf)).statusCode).toBe(403);
    const o = await t.session('o');
    expect((await get('/op', o.cookie)).json()).toEqual({ user: 'o' });
    const a = await t.session('a');
    expect((await get('/op', a.cookie)).statusCode).toBe(200);
  });

  it('requires the session CSRF token on a POST: 403 without or wrong, 200 right', async () => {
    t = await testApp();
    await t.addUser('o', 'operator');
    await t.addUser('p', 'operator');
    const o = await t.session('o');
    const p = await t.session('p');
    const without = await post('/op', o.cookie);
    expect(without.statusCode).toBe(403);
    expect(without.json().error).toMatch(/X-CSRF-Token/);
    expect((await post('/op', o.cookie, 'x'.repeat(43))).statusCode).toBe(403);
    expect((await post('/op', o.cookie, p.csrf)).statusCode).toBe(403); // another session's token
    const ok = await post('/op', o.cookie, o.csrf);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ done: true, user: 'o' });
  });

  it("ends a disabled user's sessions at once", async () => {
    t = await testApp();
    await t.addUser('o', 'operator');
    const o = await t.session('o');
    expect((await get('/op', o.cookie)).statusCode).toBe(200);
    await disableUser(t.db, 'o');
    expect((await get('/op', o.cookie)).statusCode).toBe(401);
    expect(await t.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  it('expires a session after the idle time, counted from its last request', async () => {
    t = await testApp({ sessionIdleMs: 60 * 60_000, sessionMaxMs: 10 * 3600_000 });
    await t.addUser('o', 'operator');
    const o = await t.session('o');
    t.clock.advance(59 * 60_000);
    expect((await get('/op', o.cookie)).statusCode).toBe(200); // touches it
    t.clock.advance(59 * 60_000);
    expect((await get('/op', o.cookie)).statusCode).toBe(200);
    t.clock.advance(60 * 60_000 + 1);
    expect((await get('/op', o.cookie)).statusCode).toBe(401);
    t.clock.advance(-60 * 60_000); // the row is gone: no way back
    expect((await get('/op', o.cookie)).statusCode).toBe(401);
  });

  it('expires a busy session at the absolute limit', async () => {
    t = await testApp({ sessionIdleMs: 60 * 60_000, sessionMaxMs: 3 * 3600_000 });
    await t.addUser('o', 'operator');
    const o = await t.session('o');
    for (let i = 0; i < 6; i++) {
      t.clock.advance(30 * 60_000);
      expect((await get('/op', o.cookie)).statusCode).toBe(200);
    }
    t.clock.advance(1);
    expect((await get('/op', o.cookie)).statusCode).toBe(401);
  });
});

describe('admin user routes', () => {
  it('lets an admin list, create and disable users, audited under the admin; others get 403', async () => {
    t = await testApp();
    await t.addUser('root', 'admin');
    await t.addUser('o', 'operator');
    const a = await t.session('root');
    const o = await t.session('o');
    expect((await get('/api/v1/users', o.cookie)).statusCode).toBe(403);
    expect((await post('/api/v1/users', o.cookie, o.csrf, { name: 'x', role: 'viewer', password: 'long enough' })).statusCode).toBe(403);

    const created = await post('/api/v1/users', a.cookie, a.csrf, { name: 'newbie', role: 'viewer', password: 'long enough' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ user: { name: 'newbie', role: 'viewer', disabled: false } });
    expect((await post('/api/v1/users', a.cookie, a.csrf, { name: 'newbie', role: 'viewer', password: 'long enough' })).statusCode).toBe(409);
    const short = await post('/api/v1/users', a.cookie, a.csrf, { name: 'y', role: 'viewer', password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error).toMatch(/^password: /);
    const badRole = await post('/api/v1/users', a.cookie, a.csrf, { name: 'y', role: 'god', password: 'long enough' });
    expect(badRole.json().error).toMatch(/^role: /);
    expect((await post('/api/v1/users', a.cookie, undefined, { name: 'z', role: 'viewer', password: 'long enough' })).statusCode).toBe(403);
    expect((await t.login('newbie', 'long enough')).statusCode).toBe(200);

    expect((await post('/api/v1/users/newbie/disable', a.cookie, a.csrf)).statusCode).toBe(200);
    expect((await post('/api/v1/users/ghost/disable', a.cookie, a.csrf)).statusCode).toBe(404);
    expect((await post('/api/v1/users/root/disable', a.cookie, a.csrf)).statusCode).toBe(409);
    const users = (await get('/api/v1/users', a.cookie)).json().users;
    expect(users.map((u: { name: string; role: string; disabled: boolean }) => [u.name, u.role, u.disabled])).toEqual([
      ['newbie', 'viewer', true],
      ['o', 'operator', false],
      ['root', 'admin', false],
    ]);
    expect(JSON.stringify(users)).not.toMatch(/scrypt|hash/);

    const changes = await listAudit(t.db, { target: 'newbie' });
    expect(changes.map((e) => [e.action, e.user, e.detail])).toEqual([
      ['user.disable', 'root', null],
      ['user.create', 'root', 'role viewer'],
    ]);
  });
});

describe('GET /api/v1/audit', () => {
  it('answers AuditListSchema to a viewer, newest first, filtered by target, limited; 400 on a bad limit', async () => {
    t = await testApp();
    await t.addUser('v', 'viewer');
    await t.addUser('o', 'operator');
    t.clock.advance(1000);
    const v = await t.session('v');
    const all = AuditListSchema.parse((await get('/api/v1/audit', v.cookie)).json()).entries;
    expect(all.map((e) => e.action)).toEqual(['login', 'user.create', 'user.create']);
    const one = AuditListSchema.parse((await get('/api/v1/audit?target=o', v.cookie)).json()).entries;
    expect(one.map((e) => [e.action, e.target])).toEqual([['user.create', 'o']]);
    expect((await get('/api/v1/audit?limit=1', v.cookie)).json().entries).toHaveLength(1);
    const bad = await get('/api/v1/audit?limit=zero', v.cookie);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/^limit: /);
    expect((await get('/api/v1/audit')).statusCode).toBe(401);
  });
});
