import { afterEach, describe, expect, it } from 'vitest';
import { LoginResponseSchema } from '../../../contracts/hq-api.ts';
import { listAudit, SESSION_COOKIE } from './index.ts';
import { PASSWORD, testApp, type TestApp } from './test-helpers.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

describe('POST /api/v1/login', () => {
  it('sets an HttpOnly SameSite=Strict session cookie and answers the CSRF token and the user', async () => {
    t = await testApp();
    await t.addUser('ops', 'operator');
    const r = await t.login('ops');
    expect(r.statusCode).toBe(200);
    const body = LoginResponseSchema.parse(r.json());
    expect(body.user).toEqual({ name: 'ops', role: 'operator' });
    expect(body.csrfToken.length).toBeGreaterThanOrEqual(32);
    const setCookie = String(r.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('adds Secure when secureCookie is set', async () => {
    t = await testApp({ secureCookie: true });
    await t.addUser('ops', 'operator');
    expect(String((await t.login('ops')).headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('answers 401 with the same body for a wrong password and an unknown user, and sets no cookie', async () => {
    t = await testApp();
    await t.addUser('ops', 'operator');
    const wrong = await t.login('ops', 'not the password');
    const unknown = await t.login('nobody', PASSWORD);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(wrong.json()).toEqual({ error: 'wrong user name or password' });
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('answers 400 naming the field for a bad body', async () => {
    t = await testApp();
    const noPassword = await t.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: 'ops' } });
    expect(noPassword.statusCode).toBe(400);
    expect(noPassword.json().error).toMatch(/^password: /);
    const emptyName = await t.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: '', password: 'x' } });
    expect(emptyName.statusCode).toBe(400);
    expect(emptyName.json().error).toMatch(/^username: /);
  });

  it('refuses a disabled user with the same 401', async () => {
    t = await testApp();
    await t.addUser('ops', 'operator');
    const { disableUser } = await import('./index.ts');
    await disableUser(t.db, 'ops');
    const r = await t.login('ops');
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual({ error: 'wrong user name or password' });
  });

  it('answers 429 after the per-user limit, even with the right password, and logs no password', async () => {
    t = await testApp({ loginLimits: { perUser: 3, perIp: 100 } });
    await t.addUser('ops', 'operator');
    for (let i = 0; i < 3; i++) expect((await t.login('ops', `guess-${i}`)).statusCode).toBe(401);
    const limited = await t.login('ops');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error).toMatch(/too many login attempts/);
    // another user is not locked out by it
    await t.addUser('other', 'viewer');
    expect((await t.login('other')).statusCode).toBe(200);
    expect(t.logs.join('\n')).not.toMatch(/guess-|correct horse/);
  });

  it('answers 429 after the per-address limit across user names', async () => {
    t = await testApp({ loginLimits: { perUser: 100, perIp: 2 } });
    await t.addUser('ops', 'operator');
    expect((await t.login('a', 'x', '10.0.0.9')).statusCode).toBe(401);
    expect((await t.login('b', 'x', '10.0.0.9')).statusCode).toBe(401);
    expect((await t.login('ops', PASSWORD, '10.0.0.9')).statusCode).toBe(429);
    expect((await t.login('ops', PASSWORD, '10.0.0.10')).statusCode).toBe(200);
  });

  it('audits ok and failed logins without the password', async () => {
    t = await testApp();
    await t.addUser('ops', 'operator');
    await t.login('ops', 'secret-guess');
    await t.login('ghost', 'secret-guess');
    await t.login('ops');
    const entries = await listAudit(t.db, {});
    expect(entries.map((e) => [e.action, e.user])).toEqual([
      ['login', 'ops'],
      ['login.failed', 'ghost'],
      ['login.failed', 'ops'],
      ['user.create', '(system)'],
    ]);
    expect(entries[1]!.detail).toMatch(/unknown user/);
    expect(entries[2]!.detail).toMatch(/wrong password/);
    expect(JSON.stringify(entries)).not.toMatch(/secret-guess|correct horse/);
    expect(entries[0]!.at).toBe(new Date(t.clock.now()).toISOString());
  });
});

describe('GET /api/v1/me and POST /api/v1/logout', () => {
  it('/me answers the user and the same CSRF token for a reloaded console; 401 without a session', async () => {
    t = await testApp();
    await t.addUser('ops', 'operator');
    const s = await t.session('ops');
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: s.cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ csrfToken: s.csrf, user: { name: 'ops', role: 'operator' } });
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: 'not logged in' });
  });

  it('logout needs the CSRF token, ends the session, clears the cookie and is audited', async () => {
    t = await testApp();
    await t.addUser('ops', 'operator');
    const s = await t.session('ops');
    const noCsrf = await t.app.inject({ method: 'POST', url: '/api/v1/logout', headers: { cookie: s.cookie } });
    expect(noCsrf.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/op', headers: { cookie: s.cookie } })).statusCode).toBe(200);

    const out = await t.app.inject({ method: 'POST', url: '/api/v1/logout', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
    expect((await t.app.inject({ method: 'GET', url: '/op', headers: { cookie: s.cookie } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: s.cookie } })).statusCode).toBe(401);
    expect((await listAudit(t.db, { action: 'logout' })).map((e) => e.user)).toEqual(['ops']);
    // logging out again, without a session, is harmless
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/logout', headers: { cookie: s.cookie } })).statusCode).toBe(200);
  });
});
