import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listAudit } from '../auth/index.ts';
import { openHqDb, type HqDb } from '../db/open.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import { IngestKiosk } from '../testing.ts';
import { enrollKiosk, KioskExistsError, kioskSecret, rotateKioskSecret, UnknownKioskError, BadKioskInputError } from './enroll.ts';
import { HQ_KEY_ENV, SecretKeyError } from './secret-box.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zizhu-hq-kiosks-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
async function fileDb(path: string): Promise<HqDb> {
  const db = await openHqDb(`sqlite:${path}`);
  cleanup.push(() => db.destroy());
  return db;
}

describe('enrolling kiosks', () => {
  it('returns a random 32-byte hex secret, stored only sealed; the key file is made 0600 next to the db', async () => {
    const dir = tempDir();
    const db = await fileDb(join(dir, 'hq.sqlite'));
    const secret = await enrollKiosk(db, { id: 'K-1', site: '市民之家', district: '江岸区', lat: 30.6, lng: 114.3 });
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect((statSync(join(dir, 'hq.sqlite.key')).mode & 0o777).toString(8)).toBe('600');
    const row = await db.selectFrom('kiosks').selectAll().where('id', '=', 'K-1').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ site: '市民之家', district: '江岸区', lat: 30.6, lng: 114.3, enabled: 1 });
    expect(row.secret_enc).not.toContain(secret);
    await db.destroy();
    cleanup.pop();
    for (const f of ['hq.sqlite', 'hq.sqlite-wal']) {
      try {
        expect(readFileSync(join(dir, f)).includes(Buffer.from(secret))).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    // reopened with the same key file, it opens
    const again = await fileDb(join(dir, 'hq.sqlite'));
    expect(await kioskSecret(again, 'K-1')).toEqual({ secret, enabled: true });
  });

  it('a lost key file is a clear error, not a wrong secret', async () => {
    const dir = tempDir();
    const db = await fileDb(join(dir, 'hq.sqlite'));
    await enrollKiosk(db, { id: 'K-1' });
    rmSync(join(dir, 'hq.sqlite.key'));
    const reopened = await fileDb(join(dir, 'hq.sqlite'));
    await expect(kioskSecret(reopened, 'K-1')).rejects.toThrow(SecretKeyError);
    await expect(kioskSecret(reopened, 'K-1')).rejects.toThrow(/key file .* is missing/);
  });

  it('takes the key from ZIZHU_HQ_KEY when set (and makes no key file)', async () => {
    const dir = tempDir();
    const before = process.env[HQ_KEY_ENV];
    process.env[HQ_KEY_ENV] = 'ab'.repeat(32);
    cleanup.push(() => {
      if (before === undefined) delete process.env[HQ_KEY_ENV];
      else process.env[HQ_KEY_ENV] = before;
    });
    const db = await fileDb(join(dir, 'hq.sqlite'));
    const secret = await enrollKiosk(db, { id: 'K-1' });
    expect(() => statSync(join(dir, 'hq.sqlite.key'))).toThrow();
    expect((await kioskSecret(db, 'K-1'))!.secret).toBe(secret);
  });

  it('refuses an enrolled id unless rotating, which gives a new secret and keeps the place', async () => {
    const db = await openHqDb('sqlite::memory:');
    cleanup.push(() => db.destroy());
    const first = await enrollKiosk(db, { id: 'K-1', site: 'A' });
    await expect(enrollKiosk(db, { id: 'K-1' })).rejects.toThrow(KioskExistsError);
    const second = await enrollKiosk(db, { id: 'K-1', rotate: true, district: 'D' });
    expect(second).not.toBe(first);
    expect(await db.selectFrom('kiosks').select(['site', 'district']).executeTakeFirst()).toEqual({ site: 'A', district: 'D' });
    expect((await kioskSecret(db, 'K-1'))!.secret).toBe(second);
    await expect(rotateKioskSecret(db, 'K-404')).rejects.toThrow(UnknownKioskError);
    await expect(enrollKiosk(db, { id: 'bad id with spaces' })).rejects.toThrow(BadKioskInputError);
    await expect(enrollKiosk(db, { id: 'K-2', lat: 123 })).rejects.toThrow(/^lat: /);
  });
});

describe('kiosk admin API', () => {
  let t: TestHq;
  afterEach(() => t.close());

  it('admin enrolls (409 when it exists) and rotates; the old secret stops working; audit without the secret', async () => {
    t = await testHq();
    const admin = await t.as('admin', 'root-zhao');
    const made = await admin('POST', '/api/v1/kiosks', { id: 'K-API', site: '汉口站', district: '江岸区', address: '发展大道 1 号', lat: 30.61, lng: 114.42 });
    expect(made.statusCode).toBe(200);
    const { id, secret } = made.json();
    expect(id).toBe('K-API');
    expect((await admin('POST', '/api/v1/kiosks', { id: 'K-API' })).statusCode).toBe(409);
    expect((await admin('POST', '/api/v1/kiosks', { id: '' })).json().error).toMatch(/^id: /);

    const old = new IngestKiosk('K-API', secret, t.clock.now);
    expect((await old.send(t.hq.app, [old.heartbeat()])).status).toBe(200);
    const rotated = await admin('POST', '/api/v1/kiosks/K-API/secret');
    expect(rotated.statusCode).toBe(200);
    expect((await old.send(t.hq.app, [old.heartbeat()])).status).toBe(401);
    const fresh = new IngestKiosk('K-API', rotated.json().secret, t.clock.now);
    fresh.seq = old.seq;
    expect((await fresh.send(t.hq.app, [fresh.heartbeat()])).status).toBe(200);
    expect((await admin('POST', '/api/v1/kiosks/K-NONE/secret')).statusCode).toBe(404);

    const entries = await listAudit(t.hq.db, { target: 'K-API' });
    expect(entries.map((e) => e.action)).toEqual(['kiosk.rotate-secret', 'kiosk.enroll']);
    expect(JSON.stringify(entries)).not.toContain(secret);
    expect(t.log.lines.join('\n')).not.toContain(secret);

    const operator = await t.as('operator');
    expect((await operator('POST', '/api/v1/kiosks', { id: 'K-OP' })).statusCode).toBe(403);
    expect((await operator('GET', '/api/v1/kiosks/K-NONE')).statusCode).toBe(404);
    const detail = (await operator('GET', '/api/v1/kiosks/K-API')).json();
    expect(detail).toMatchObject({ id: 'K-API', site: '汉口站', address: '发展大道 1 号', state: 'in-service', enabled: true });
  });

  it('admin disables and enables; a disabled kiosk is refused', async () => {
    t = await testHq();
    const k = await t.kiosk('K-D');
    const admin = await t.as('admin');
    expect((await admin('POST', '/api/v1/kiosks/K-D/disable', {})).json()).toEqual({ id: 'K-D', enabled: false });
    expect((await k.send(t.hq.app, [k.heartbeat()])).status).toBe(401);
    expect((await admin('POST', '/api/v1/kiosks/K-D/enable', {})).json()).toEqual({ id: 'K-D', enabled: true });
    expect((await k.send(t.hq.app, [k.heartbeat()])).status).toBe(200);
    expect((await admin('POST', '/api/v1/kiosks/K-X/disable', {})).statusCode).toBe(404);
  });
});
