import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testHq, type TestHq } from '../test-hq.ts';

let t: TestHq | undefined;
let dir: string | undefined;
afterEach(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  t = undefined;
  dir = undefined;
});

describe('console', () => {
  it('without a build, / says how to make one; the API still answers JSON', async () => {
    t = await testHq();
    const home = await t.hq.app.inject({ method: 'GET', url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toMatch(/^text\/html/);
    expect(home.body).toContain('npm run build:dashboard');
    expect(home.headers['content-security-policy']).toContain("script-src 'self'");
    const api = await t.hq.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: 'no GET /api/v1/nothing-here' });
  });

  it('serves the build at /, with index.html for the console’s own routes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'zizhu-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>HQ</title><script type="module" src="/assets/app.js"></script>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    t = await testHq({ consoleDir: dir });
    const home = await t.hq.app.inject({ method: 'GET', url: '/' });
    expect(home.body).toContain('<title>HQ</title>');
    expect(home.headers['x-frame-options']).toBe('DENY');
    expect((await t.hq.app.inject({ method: 'GET', url: '/assets/app.js' })).body).toBe('console.log(1)');
    const deep = await t.hq.app.inject({ method: 'GET', url: '/kiosks/K-001?tab=alarms' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>HQ</title>');
    expect((await t.hq.app.inject({ method: 'POST', url: '/kiosks/K-001' })).statusCode).toBe(404);
    expect((await t.hq.app.inject({ method: 'GET', url: '/api/v1/unknown' })).headers['content-type']).toMatch(/json/);
  });
});
