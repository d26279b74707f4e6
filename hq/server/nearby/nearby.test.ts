/**
 * `POST /api/v1/kiosk/nearby` on a real HQ (SQLite file): signed like ingest or refused; the kiosks
 * near the asking one that are usable now for the asked service, nearest first, within the radius;
 * closed, locked, offline, disabled, unplaced and service-unusable kiosks left out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HQ_INGEST_PATH } from '../../../contracts/hq.ts';
import { signedUploadHeaders } from '../../../contracts/hq-signing.ts';
import { NEARBY_MAX_KIOSKS, NEARBY_PATH, NearbyResponseSchema } from '../../../contracts/hq-nearby.ts';
import type { HqEventPayload } from '../../../contracts/hq.ts';
import { enrollKiosk, setKioskEnabled } from '../kiosks/enroll.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import { IngestKiosk } from '../testing.ts';
import { haversineMeters } from './query.ts';

/** 福田区政务服务中心, roughly */
const HERE = { lat: 22.5431, lng: 114.0579 };
/** metres per degree of latitude on the haversine sphere */
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;
const north = (m: number) => ({ lat: HERE.lat + m / M_PER_DEG, lng: HERE.lng });
const east = (m: number) => ({ lat: HERE.lat, lng: HERE.lng + m / (M_PER_DEG * Math.cos((HERE.lat * Math.PI) / 180)) });

type Heartbeat = Partial<HqEventPayload<'heartbeat'>>;
const pfUsable: Heartbeat = { services: { providentFundStatement: { usable: true } } };

let dir: string;
let t: TestHq;
let asker: IngestKiosk;

async function kioskAt(id: string, at: { lat: number; lng: number } | null, beat: Heartbeat | null = pfUsable, place: { site?: string; address?: string } = { site: `site of ${id}`, address: `address of ${id}` }) {
  const secret = await enrollKiosk(t.hq.db, { id, ...place, ...(at ?? {}) }, t.clock.now);
  const k = new IngestKiosk(id, secret, t.clock.now);
  if (beat) expect((await k.send(t.hq.app, [k.heartbeat(beat)])).status).toBe(200);
  return k;
}

function nearbyRequest(k: IngestKiosk, body: unknown, o: { path?: string; nowMs?: number } = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = signedUploadHeaders(k.id, k.secret, o.path ?? NEARBY_PATH, Buffer.from(payload), o.nowMs ?? t.clock.now(), 'application/json');
  return { method: 'POST' as const, url: NEARBY_PATH, headers, payload };
}

async function ask(k: IngestKiosk, services: string[] = ['providentFundStatement']) {
  const res = await t.hq.app.inject(nearbyRequest(k, { services }));
  expect(res.statusCode, res.body).toBe(200);
  return NearbyResponseSchema.parse(res.json());
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zizhu-hq-nearby-'));
  t = await testHq({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}` });
  asker = await kioskAt('K-HERE', HERE, { lifecycle: 'outOfHours', hours: { open: false, nextChangeAt: null } });
});
afterEach(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('signed like ingest', () => {
  it('refuses unsigned, wrongly signed, replayed and other-path signatures with the same 401', async () => {
    const unsigned = await t.hq.app.inject({ method: 'POST', url: NEARBY_PATH, headers: { 'content-type': 'application/json' }, payload: '{"services":["providentFundStatement"]}' });
    expect([unsigned.statusCode, unsigned.json()]).toEqual([401, { error: 'unauthorized' }]);

    const wrongSecret = nearbyRequest(new IngestKiosk('K-HERE', 'f'.repeat(64), t.clock.now), { services: ['providentFundStatement'] });
    expect((await t.hq.app.inject(wrongSecret)).statusCode).toBe(401);

    // a signature over the ingest path does not open the nearby path
    const ingestSigned = nearbyRequest(asker, { services: ['providentFundStatement'] }, { path: HQ_INGEST_PATH });
    expect((await t.hq.app.inject(ingestSigned)).statusCode).toBe(401);

    const stale = nearbyRequest(asker, { services: ['providentFundStatement'] }, { nowMs: t.clock.now() - 6 * 60_000 });
    expect((await t.hq.app.inject(stale)).statusCode).toBe(401);

    const once = nearbyRequest(asker, { services: ['providentFundStatement'] });
    expect((await t.hq.app.inject(once)).statusCode).toBe(200);
    expect((await t.hq.app.inject(once)).statusCode).toBe(401);

    await setKioskEnabled(t.hq.db, 'K-HERE', false);
    expect((await t.hq.app.inject(nearbyRequest(asker, { services: ['providentFundStatement'] }))).statusCode).toBe(401);
    expect(t.log.lines.filter((l) => l.includes(`${NEARBY_PATH} refused (401)`)).map((l) => l.replace(/^.*: /, ''))).toEqual([
      `missing or malformed x-zizhu-kiosk null`,
      'bad signature',
      'bad signature',
      expect.stringMatching(/^timestamp -360 s off HQ's clock/),
      'nonce replayed',
      expect.stringMatching(/is disabled$/),
    ]);
  });

  it('a 400 names the bad field (after the signature is checked)', async () => {
    const res = await t.hq.app.inject(nearbyRequest(asker, { services: ['swimming'] }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/^services\[0\]: /);
    const notJson = await t.hq.app.inject(nearbyRequest(asker, 'nope'));
    expect([notJson.statusCode, notJson.json().error]).toEqual([400, expect.stringMatching(/^\(body\): not JSON/)]);
  });
});

describe('the kiosks near, usable now', () => {
  it('nearest first with their distance, state and closing time; beyond the radius left out', async () => {
    await kioskAt('K-2000', north(2_000), { ...pfUsable, hours: { open: true, nextChangeAt: '2026-06-10T18:00:00+08:00' } });
    await kioskAt('K-0800', east(800), { ...pfUsable, lifecycle: 'degraded' });
    await kioskAt('K-4900', north(4_900));
    await kioskAt('K-5200', east(5_200));
    const a = await ask(asker);
    expect(a.located).toBe(true);
    expect(a.radiusMeters).toBe(5_000);
    expect(a.kiosks).toEqual([
      { kioskId: 'K-0800', name: 'site of K-0800', address: 'address of K-0800', distanceMeters: 800, services: ['providentFundStatement'], state: 'degraded', closesAt: null },
      { kioskId: 'K-2000', name: 'site of K-2000', address: 'address of K-2000', distanceMeters: 2_000, services: ['providentFundStatement'], state: 'in-service', closesAt: '2026-06-10T18:00:00+08:00' },
      expect.objectContaining({ kioskId: 'K-4900', distanceMeters: 4_900 }),
    ]);
    expect(Math.round(haversineMeters(HERE.lat, HERE.lng, east(5_200).lat, east(5_200).lng))).toBe(5_200);
  });

  it('leaves out the closed, locked, offline, disabled, unplaced, nameless and those whose service is unusable', async () => {
    await kioskAt('K-OK', north(300));
    await kioskAt('K-CLOSED', north(400), { ...pfUsable, lifecycle: 'outOfHours', hours: { open: false, nextChangeAt: null } });
    await kioskAt('K-HOURS-ONLY', north(450), { ...pfUsable, hours: { open: false, nextChangeAt: null } });
    await kioskAt('K-LOCKED', north(500), { ...pfUsable, lifecycle: 'remoteLocked' });
    await kioskAt('K-MAINT', north(550), { ...pfUsable, lifecycle: 'maintenance' });
    await kioskAt('K-NO-PAPER', north(600), { lifecycle: 'degraded', services: { providentFundStatement: { usable: false, reason: 'PRINTER_PAPER_OUT' } } });
    await kioskAt('K-HOSPITAL', north(650), { services: { hospitalRegistration: { usable: true } } });
    await kioskAt('K-NEVER-HEARD', north(700), null);
    await kioskAt('K-DISABLED', north(750));
    await setKioskEnabled(t.hq.db, 'K-DISABLED', false);
    await kioskAt('K-UNPLACED', null);
    await kioskAt('K-NAMELESS', north(800), pfUsable, {});
    // an older agent that never said its services: counted only when wholly in service
    await kioskAt('K-OLD-OK', north(900), {});
    await kioskAt('K-OLD-DEGRADED', north(950), { lifecycle: 'degraded' });
    expect((await ask(asker)).kiosks.map((k) => k.kioskId)).toEqual(['K-OK', 'K-OLD-OK']);
    expect((await ask(asker, ['hospitalRegistration', 'providentFundStatement'])).kiosks.map((k) => [k.kioskId, k.services])).toEqual([
      ['K-OK', ['providentFundStatement']],
      ['K-HOSPITAL', ['hospitalRegistration']],
      ['K-OLD-OK', ['hospitalRegistration', 'providentFundStatement']],
    ]);
  });

  it('a kiosk not heard from for three of its intervals is left out, before the watch even calls it offline', async () => {
    const quiet = await kioskAt('K-QUIET', north(300));
    expect((await ask(asker)).kiosks.map((k) => k.kioskId)).toEqual(['K-QUIET']);
    t.clock.advance(3 * 30_000 + 1);
    await asker.send(t.hq.app, [asker.heartbeat({ lifecycle: 'outOfHours', hours: { open: false, nextChangeAt: null } })]);
    expect((await ask(asker)).kiosks).toEqual([]);
    await quiet.send(t.hq.app, [quiet.heartbeat(pfUsable)]);
    expect((await ask(asker)).kiosks.map((k) => k.kioskId)).toEqual(['K-QUIET']);
  });

  it(`at most ${NEARBY_MAX_KIOSKS}; an asking kiosk HQ cannot place is told so`, async () => {
    for (let i = 1; i <= NEARBY_MAX_KIOSKS + 2; i++) await kioskAt(`K-${String(i).padStart(2, '0')}`, north(i * 100));
    const a = await ask(asker);
    expect(a.kiosks.map((k) => k.kioskId)).toEqual(Array.from({ length: NEARBY_MAX_KIOSKS }, (_, i) => `K-${String(i + 1).padStart(2, '0')}`));
    const lost = await kioskAt('K-LOST', null);
    expect(await ask(lost)).toEqual({ at: t.clock.now(), located: false, radiusMeters: 5_000, kiosks: [] });
  });
});
