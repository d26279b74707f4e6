import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../auth/index.ts';
import { setKioskEnabled } from '../kiosks/enroll.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import type { IngestKiosk } from '../testing.ts';

let t: TestHq;
let k: IngestKiosk;
let op: Awaited<ReturnType<TestHq['as']>>;
beforeEach(async () => {
  t = await testHq({ commandTtlMs: 60_000 });
  k = await t.kiosk('K-CMD');
  op = await t.as('operator', 'ops-wang');
});
afterEach(() => t.close());

const status = async (id: string) => (await op('GET', `/api/v1/commands/${id}`)).json();

describe('commands', () => {
  it('queued → delivered in the next ingest answer → succeeded from command.result', async () => {
    const sent = await op('POST', '/api/v1/kiosks/K-CMD/commands', { type: 'lock', reason: '网点装修' });
    expect(sent.statusCode).toBe(200);
    const { id, status: s } = sent.json();
    expect(s).toBe('queued');
    expect(await status(id)).toMatchObject({ id, kioskId: 'K-CMD', type: 'lock', status: 'queued', result: null, issuedBy: 'ops-wang' });
    expect((await listAudit(t.hq.db, { action: 'command.send' }))[0]).toMatchObject({ user: 'ops-wang', target: 'K-CMD', detail: `lock ${id}: 网点装修` });

    const answer = await k.send(t.hq.app, [k.heartbeat()]);
    const issuedAt = new Date(t.clock.now()).toISOString();
    expect(answer.body.commands).toEqual([{ id, type: 'lock', args: { reason: '网点装修' }, issuedAt, expiresAt: new Date(t.clock.now() + 60_000).toISOString() }]);
    expect(await status(id)).toMatchObject({ status: 'delivered', deliveredAt: issuedAt });
    // handed out once
    expect((await k.send(t.hq.app, [k.heartbeat()])).body.commands).toEqual([]);

    t.clock.advance(5_000);
    await k.send(t.hq.app, [k.event('command.result', { commandId: id, type: 'lock', status: 'succeeded', detail: 'locked after the session ended' })]);
    expect(await status(id)).toMatchObject({ status: 'succeeded', result: 'locked after the session ended', finishedAt: new Date(t.clock.now()).toISOString() });
  });

  it('failed from command.result', async () => {
    const { id } = (await op('POST', '/api/v1/kiosks/K-CMD/commands', { type: 'reload-screen' })).json();
    await k.send(t.hq.app, []);
    await k.send(t.hq.app, [k.event('command.result', { commandId: id, type: 'reload-screen', status: 'failed', detail: 'no renderer' })]);
    expect(await status(id)).toMatchObject({ status: 'failed', result: 'no renderer' });
  });

  it('expired when no result came in time (queued or delivered), by the watch', async () => {
    const queued = (await op('POST', '/api/v1/kiosks/K-CMD/commands', { type: 'unlock' })).json().id;
    t.clock.advance(60_001);
    // past its expiry it is not handed out any more
    expect((await k.send(t.hq.app, [])).body.commands).toEqual([]);
    const delivered = (await op('POST', '/api/v1/kiosks/K-CMD/commands', { type: 'reload-screen' })).json().id;
    await k.send(t.hq.app, []);
    t.clock.advance(60_000);
    expect((await t.hq.monitor.tick()).expiredCommands).toBe(2);
    expect(await status(queued)).toMatchObject({ status: 'expired' });
    expect(await status(delivered)).toMatchObject({ status: 'expired' });
  });

  it('a result for another kiosk’s command changes nothing', async () => {
    const other = await t.kiosk('K-OTHER');
    const { id } = (await op('POST', '/api/v1/kiosks/K-CMD/commands', { type: 'unlock' })).json();
    await other.send(t.hq.app, [other.event('command.result', { commandId: id, type: 'unlock', status: 'succeeded', detail: 'ok' })]);
    expect(await status(id)).toMatchObject({ status: 'queued' });
    expect(t.log.lines.some((l) => l.includes('not one of its own'))).toBe(true);
  });

  it('400 unknown type, 404 unknown kiosk or command, 409 disabled kiosk, 403 for a viewer', async () => {
    const bad = await op('POST', '/api/v1/kiosks/K-CMD/commands', { type: 'self-destruct' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/^type: unknown command type "self-destruct"/);
    expect((await op('POST', '/api/v1/kiosks/K-NONE/commands', { type: 'lock' })).statusCode).toBe(404);
    expect((await op('GET', '/api/v1/commands/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    await setKioskEnabled(t.hq.db, 'K-CMD', false);
    expect((await op('POST', '/api/v1/kiosks/K-CMD/commands', { type: 'lock' })).statusCode).toBe(409);
    const viewer = await t.as('viewer');
    expect((await viewer('POST', '/api/v1/kiosks/K-CMD/commands', { type: 'lock' })).statusCode).toBe(403);
  });
});
