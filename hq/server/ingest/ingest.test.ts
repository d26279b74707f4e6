import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INGEST_MAX_BODY_BYTES, NONCE_WINDOW_MS, SIGNATURE_WINDOW_MS } from '../../../contracts/hq.ts';
import { enrollKiosk, setKioskEnabled } from '../kiosks/enroll.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import { faultPayload, IngestKiosk, sendIngest, signedIngestRequest } from '../testing.ts';
import { parseRing, RING_SIZE } from './nonce-ring.ts';

let t: TestHq;
let k: IngestKiosk;
beforeEach(async () => {
  t = await testHq();
  k = await t.kiosk('K-001', { site: '市民中心', district: '江岸区' });
});
afterEach(() => t.close());

const refusedBecause = (text: string) => expect(t.log.lines.some((l) => l.includes('refused (401)') && l.includes(text))).toBe(true);

describe('ingest: accepted batches', () => {
  it('answers accepted, duplicates, serverTime and commands, and stores each event once', async () => {
    const events = [k.heartbeat(), k.event('fault.raised', faultPayload('PRINTER_PAPER_OUT'))];
    const first = await k.send(t.hq.app, events);
    expect(first).toEqual({ status: 200, body: { accepted: 2, duplicates: 0, serverTime: t.clock.now(), commands: [] } });
    // the same events again (a retry after a lost answer): nothing stored twice
    const again = await k.send(t.hq.app, events);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2 });
    const stored = await t.hq.db.selectFrom('events').select(['id', 'type']).execute();
    expect(stored).toEqual([{ id: events[1]!.id, type: 'fault.raised' }]);
    expect(await t.hq.db.selectFrom('alarms').select('count').execute()).toEqual([{ count: 1 }]);
  });

  it('over real HTTP too (the raw body is what is verified)', async () => {
    const r = await k.send(t.hq.url, [k.heartbeat(), k.event('lockout.started', { reason: 'schedule', detail: '夜间停止服务' })]);
    expect(r).toMatchObject({ status: 200, body: { accepted: 2, duplicates: 0 } });
    const noType = k.request([]);
    delete noType.headers['content-type'];
    expect((await sendIngest(t.hq.url, noType)).status).toBe(200);
  });

  it('counts a repeated id within one batch as a duplicate', async () => {
    const e = k.event('lockout.started', { reason: 'schedule', detail: 'closed' });
    expect((await k.send(t.hq.app, [e, e])).body).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it('requests arriving together share one commit; a bad one among them costs the others nothing', async () => {
    const others = await Promise.all(['K-002', 'K-003', 'K-004'].map((id) => t.kiosk(id)));
    const replay = k.request([k.heartbeat()]);
    expect((await sendIngest(t.hq.app, replay)).status).toBe(200);
    const answers = await Promise.all([
      ...others.map((o) => o.send(t.hq.app, [o.heartbeat(), o.event('fault.raised', faultPayload('SCREEN_BLACK'))])),
      sendIngest(t.hq.app, replay),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 401]);
    expect(await t.hq.db.selectFrom('alarms').select('kiosk_id').orderBy('kiosk_id').execute()).toEqual([{ kiosk_id: 'K-002' }, { kiosk_id: 'K-003' }, { kiosk_id: 'K-004' }]);
  });

  it('accepts an empty batch (a kiosk asking for its commands)', async () => {
    expect((await k.send(t.hq.app, [])).body).toMatchObject({ accepted: 0, duplicates: 0 });
  });
});

describe('ingest: 401, one message for every cause, the log says which', () => {
  const expect401 = async (r: Promise<{ status: number; body: unknown }>, cause: string) => {
    const res = await r;
    expect(res).toEqual({ status: 401, body: { error: 'unauthorized' } });
    refusedBecause(cause);
    expect(await t.hq.db.selectFrom('events').select('id').execute()).toEqual([]);
  };

  it('unknown kiosk', async () => {
    await expect401(sendIngest(t.hq.app, signedIngestRequest('K-999', k.secret, { kioskId: 'K-999', events: [] }, { now: t.clock.now() })), 'unknown kiosk "K-999"');
  });

  it('disabled kiosk', async () => {
    await setKioskEnabled(t.hq.db, 'K-001', false);
    await expect401(k.send(t.hq.app, [k.heartbeat()]), 'is disabled');
    await setKioskEnabled(t.hq.db, 'K-001', true);
    expect((await k.send(t.hq.app, [k.heartbeat()])).status).toBe(200);
  });

  it('a kiosk disabled or given a new secret elsewhere (the CLI) is refused at once, though HQ knew its secret', async () => {
    expect((await k.send(t.hq.app, [k.heartbeat()])).status).toBe(200);
    await setKioskEnabled(t.hq.db, 'K-001', false);
    await expect401(k.send(t.hq.app, [k.heartbeat()]), 'is disabled');
    await setKioskEnabled(t.hq.db, 'K-001', true);
    expect((await k.send(t.hq.app, [k.heartbeat()])).status).toBe(200);
    const secret = await enrollKiosk(t.hq.db, { id: 'K-001', rotate: true });
    await expect401(k.send(t.hq.app, [k.heartbeat()]), 'bad signature');
    const renewed = new IngestKiosk('K-001', secret, t.clock.now, k.seq + 1);
    expect((await renewed.send(t.hq.app, [renewed.heartbeat()])).status).toBe(200);
  });

  it('bad signature (wrong secret)', async () => {
    const r = signedIngestRequest('K-001', 'not-the-secret', { kioskId: 'K-001', events: [] }, { now: t.clock.now() });
    await expect401(sendIngest(t.hq.app, r), 'bad signature');
  });

  it('body changed after signing (the signature covers the raw bytes)', async () => {
    const r = k.request([k.heartbeat()]);
    await expect401(sendIngest(t.hq.app, { ...r, payload: r.payload.replace('"inService"', '"degraded"') }), 'bad signature');
    // re-serialised but equal JSON is not the signed bytes either
    const r2 = k.request([]);
    await expect401(sendIngest(t.hq.app, { ...r2, payload: JSON.stringify(JSON.parse(r2.payload), null, 1) }), 'bad signature');
  });

  it('missing or malformed headers', async () => {
    for (const header of ['x-zizhu-kiosk', 'x-zizhu-timestamp', 'x-zizhu-nonce', 'x-zizhu-signature']) {
      const r = k.request([]);
      delete r.headers[header];
      await expect401(sendIngest(t.hq.app, r), `malformed ${header.replace(/^x-zizhu-/, 'x-zizhu-')}`);
    }
    await expect401(k.send(t.hq.app, [], { timestamp: 'yesterday' }), 'malformed x-zizhu-timestamp');
  });

  it('timestamp off by more than 5 minutes either way; within is fine', async () => {
    await expect401(k.send(t.hq.app, [], { now: t.clock.now() - SIGNATURE_WINDOW_MS - 1 }), 's off HQ');
    await expect401(k.send(t.hq.app, [], { now: t.clock.now() + SIGNATURE_WINDOW_MS + 1000 }), 's off HQ');
    expect((await k.send(t.hq.app, [], { now: t.clock.now() - SIGNATURE_WINDOW_MS + 1000 })).status).toBe(200);
  });

  it('a replayed nonce within 10 minutes, even with the same valid request', async () => {
    const r = k.request([k.heartbeat()]);
    expect((await sendIngest(t.hq.app, r)).status).toBe(200);
    await expect401(sendIngest(t.hq.app, r), 'nonce replayed');
    // a new nonce for the same content is fine (and counts as a duplicate)
    expect((await k.send(t.hq.app, [], { nonce: 'another-nonce-1' })).status).toBe(200);
  });

  it("a kiosk's last nonces live in its row; beyond RING_SIZE in a window they spill to the table, and a replay of either is refused", async () => {
    const sent = Array.from({ length: RING_SIZE + 3 }, (_, i) => {
      t.clock.advance(1_000);
      return k.request([], { nonce: `nonce-${String(i).padStart(4, '0')}` });
    });
    for (const r of sent) expect((await sendIngest(t.hq.app, r)).status).toBe(200);
    const ring = parseRing((await t.hq.db.selectFrom('kiosks').select('recent_nonces').where('id', '=', k.id).executeTakeFirstOrThrow()).recent_nonces);
    expect(ring.map((e) => e[1])).toEqual(sent.slice(3).map((r) => r.headers['x-zizhu-nonce']));
    const spilled = await t.hq.db.selectFrom('nonces').select('nonce').orderBy('nonce').execute();
    expect(spilled.map((n) => n.nonce)).toEqual(['nonce-0000', 'nonce-0001', 'nonce-0002']);
    await expect401(sendIngest(t.hq.app, sent[0]!), 'nonce replayed'); // from the table
    await expect401(sendIngest(t.hq.app, sent.at(-1)!), 'nonce replayed'); // from the ring
    // a nonce whose timestamp left the signature window leaves the ring with the next request
    t.clock.advance(SIGNATURE_WINDOW_MS + 1);
    expect((await k.send(t.hq.app, [], { nonce: 'nonce-after' })).status).toBe(200);
    const after = parseRing((await t.hq.db.selectFrom('kiosks').select('recent_nonces').where('id', '=', k.id).executeTakeFirstOrThrow()).recent_nonces);
    expect(after.map((e) => e[1])).toEqual(['nonce-after']);
  });

  it('spilled nonces are pruned after the window, and an old replay then fails on its timestamp', async () => {
    const first = k.request([], { nonce: 'nonce-first' });
    expect((await sendIngest(t.hq.app, first)).status).toBe(200);
    for (let i = 0; i < RING_SIZE; i++) expect((await k.send(t.hq.app, [], { nonce: `nonce-more-${i}` })).status).toBe(200);
    expect(await t.hq.db.selectFrom('nonces').select('nonce').execute()).toEqual([{ nonce: 'nonce-first' }]);
    t.clock.advance(NONCE_WINDOW_MS + 1);
    await t.hq.monitor.tick();
    expect(await t.hq.db.selectFrom('nonces').select('nonce').execute()).toEqual([]);
    await expect401(sendIngest(t.hq.app, first), 's off HQ');
  });

  it('header kiosk is not the body kioskId', async () => {
    const other = await t.kiosk('K-002');
    // signed correctly by K-001, but the body speaks for K-002
    await expect401(k.send(t.hq.app, [], { body: { kioskId: other.id, events: [] } }), 'sent a body for kiosk "K-002"');
  });
});

describe('ingest: 400 names the field, 413 over 1 MiB', () => {
  it('names the path of the first bad field', async () => {
    const good = k.heartbeat();
    const bad = { ...k.event('fault.raised', faultPayload('PRINTER_PAPER_OUT')), payload: { ...faultPayload('PRINTER_PAPER_OUT'), code: 'PAPER_GONE' } };
    const r = await k.send(t.hq.app, [good, good, good, bad]);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^events\[3\]\.payload\.code: /);
    expect(await t.hq.db.selectFrom('events').select('id').execute()).toEqual([]); // the whole batch refused
  });

  it.each([
    ['an unknown event type', { id: randomUUID(), seq: 1, at: '2026-06-10T12:00:00+08:00', type: 'coffee.brewed', payload: {} }, /^events\[0\]\.type: /],
    ['a seq that is not positive', { id: randomUUID(), seq: 0, at: '2026-06-10T12:00:00+08:00', type: 'lockout.ended', payload: { reason: 'schedule', detail: '' } }, /^events\[0\]\.seq: /],
    ['an id that is not a uuid', { id: 'x', seq: 1, at: '2026-06-10T12:00:00+08:00', type: 'lockout.ended', payload: { reason: 'schedule', detail: '' } }, /^events\[0\]\.id: /],
    ['a time without offset', { id: randomUUID(), seq: 1, at: '2026-06-10 12:00', type: 'lockout.ended', payload: { reason: 'schedule', detail: '' } }, /^events\[0\]\.at: /],
  ])('%s', async (_name, event, message) => {
    const r = await k.send(t.hq.app, [event]);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(message);
  });

  it('a body that is not JSON, or has no events', async () => {
    const notJson = await k.send(t.hq.app, [], { body: 'kioskId=K-001' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/^\(body\): not JSON/);
    const noEvents = await k.send(t.hq.app, [], { body: { kioskId: 'K-001' } });
    expect(noEvents).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^events: /) } });
  });

  it('more than 100 events', async () => {
    const r = await k.send(t.hq.app, Array.from({ length: 101 }, () => k.heartbeat()));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^events: /);
  });

  it('413 for a body over 1 MiB, before any signature work', async () => {
    const body = JSON.stringify({ kioskId: 'K-001', events: [], pad: 'x'.repeat(INGEST_MAX_BODY_BYTES) });
    const r = await k.send(t.hq.app, [], { body });
    expect(r.status).toBe(413);
    expect(t.log.lines.some((l) => l.includes('refused (413)'))).toBe(true);
  });
});
