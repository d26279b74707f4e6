import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../auth/index.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import { faultPayload, type IngestKiosk } from '../testing.ts';

let t: TestHq;
let k: IngestKiosk;
let op: Awaited<ReturnType<TestHq['as']>>;
beforeEach(async () => {
  t = await testHq({ flapWindowMs: 10 * 60_000 });
  k = await t.kiosk('K-ALARM');
  op = await t.as('operator', 'ops-li');
});
afterEach(() => t.close());

const raise = (code: Parameters<typeof faultPayload>[0] = 'PRINTER_PAPER_OUT') => k.send(t.hq.app, [k.event('fault.raised', faultPayload(code))]);
const clear = (code: Parameters<typeof faultPayload>[0] = 'PRINTER_PAPER_OUT') => k.send(t.hq.app, [k.event('fault.cleared', faultPayload(code))]);
const alarms = async (status: 'active' | 'all' = 'all') => (await op('GET', `/api/v1/alarms?status=${status}&kioskId=K-ALARM`)).json().alarms as Record<string, unknown>[];

describe('alarms', () => {
  it('one alarm per kiosk + code, severity from the event, kiosk and HQ times kept', async () => {
    const raisedAtKiosk = new Date(t.clock.now()).toISOString();
    await raise();
    t.clock.advance(1000);
    await raise('SCREEN_BLACK');
    const list = await alarms('active');
    expect(list).toHaveLength(2);
    expect(list.find((a) => a.code === 'PRINTER_PAPER_OUT')).toMatchObject({
      kioskId: 'K-ALARM',
      severity: 'major',
      status: 'active-unack',
      raisedAt: raisedAtKiosk,
      receivedAt: raisedAtKiosk,
      clearedAt: null,
      ackedAt: null,
      ackedBy: null,
      count: 1,
      device: 'printer',
    });
    expect(list.find((a) => a.code === 'SCREEN_BLACK')).toMatchObject({ severity: 'critical' });
  });

  it('goes active-unack → active-ack → cleared-ack, with who, when and the comment, each in the audit log', async () => {
    await raise();
    const [a] = await alarms();
    t.clock.advance(60_000);
    const acked = await op('POST', `/api/v1/alarms/${a!.id}/ack`, { comment: '已通知网点补纸' });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ status: 'active-ack', ackedBy: 'ops-li', ackedAt: new Date(t.clock.now()).toISOString(), comment: '已通知网点补纸' });
    // acknowledging again is not a transition
    expect((await op('POST', `/api/v1/alarms/${a!.id}/ack`, {})).statusCode).toBe(409);
    t.clock.advance(60_000);
    await clear();
    const [cleared] = await alarms();
    expect(cleared).toMatchObject({ status: 'cleared-ack', clearedAt: new Date(t.clock.now()).toISOString(), clearedBy: null, count: 1 });
    expect((await op('POST', `/api/v1/alarms/${a!.id}/clear`, {})).statusCode).toBe(409);
    const audit = await listAudit(t.hq.db, { action: 'alarm.ack' });
    expect(audit).toEqual([expect.objectContaining({ user: 'ops-li', target: a!.id, detail: 'K-ALARM PRINTER_PAPER_OUT: 已通知网点补纸' })]);
  });

  it('cleared-unack → cleared-ack; an operator clear of a present fault, then the next raise reopens it', async () => {
    await raise();
    const [a] = await alarms();
    const cleared = await op('POST', `/api/v1/alarms/${a!.id}/clear`, { comment: 'known, technician booked' });
    expect(cleared.json()).toMatchObject({ status: 'cleared-unack', clearedBy: 'ops-li', comment: 'known, technician booked' });
    expect(await alarms('active')).toEqual([]);
    expect((await listAudit(t.hq.db, { action: 'alarm.clear' }))[0]).toMatchObject({ user: 'ops-li', target: a!.id });
    // the fault was still there: the kiosk clears it later, then it comes back within the window
    t.clock.advance(60_000);
    await clear();
    t.clock.advance(60_000);
    await raise();
    expect(await alarms()).toEqual([expect.objectContaining({ id: a!.id, status: 'active-unack', count: 2, clearedAt: null, clearedBy: null })]);
    expect((await op('POST', `/api/v1/alarms/${a!.id}/ack`)).json()).toMatchObject({ status: 'active-ack' });
  });

  it('a flapping fault stays one alarm with a count; a reopened alarm keeps its acknowledgement', async () => {
    await raise();
    const [a] = await alarms();
    await op('POST', `/api/v1/alarms/${a!.id}/ack`, {});
    for (let i = 0; i < 5; i++) {
      t.clock.advance(30_000);
      await clear();
      t.clock.advance(30_000);
      await raise();
    }
    expect(await alarms()).toEqual([expect.objectContaining({ id: a!.id, status: 'active-ack', count: 6 })]);
    // a raise while active counts too (an agent restart raises its present faults again)
    await raise();
    expect((await alarms())[0]).toMatchObject({ count: 7 });
  });

  it('a raise longer than the flap window after the clear (on the kiosk clock) is a new alarm', async () => {
    await raise();
    await clear();
    t.clock.advance(10 * 60_000);
    await raise();
    const list = await alarms();
    expect(list.map((a) => [a.status, a.count])).toEqual([
      ['active-unack', 1],
      ['cleared-unack', 1],
    ]);
  });

  it('the window is measured between the kiosk clock times, so a backlog delivered at once keeps them apart', async () => {
    const at = t.clock.now();
    const batch = [
      k.event('fault.raised', faultPayload('PRINTER_PAPER_OUT'), { at }),
      k.event('fault.cleared', faultPayload('PRINTER_PAPER_OUT'), { at: at + 60_000 }),
      k.event('fault.raised', faultPayload('PRINTER_PAPER_OUT'), { at: at + 60_000 + 3_600_000 }),
    ];
    await k.send(t.hq.app, batch);
    expect((await alarms()).length).toBe(2);
  });

  it('404 for an unknown alarm; 403 for a viewer; 401 without a session', async () => {
    expect((await op('POST', '/api/v1/alarms/nope/ack', {})).statusCode).toBe(404);
    await raise();
    const [a] = await alarms();
    const viewer = await t.as('viewer');
    expect((await viewer('POST', `/api/v1/alarms/${a!.id}/ack`, {})).statusCode).toBe(403);
    expect((await t.hq.app.inject({ method: 'GET', url: '/api/v1/alarms' })).statusCode).toBe(401);
    expect((await op('POST', `/api/v1/alarms/${a!.id}/ack`, { comment: 'x'.repeat(501) })).json().error).toMatch(/^comment: /);
  });

  it('kiosk strings stay data in the API (no HTML is made of them)', async () => {
    await k.send(t.hq.app, [k.event('fault.raised', faultPayload('PRINTER_PAPER_OUT', { detail: '<img src=x onerror=alert(1)>' }))]);
    const res = await op('GET', '/api/v1/alarms?status=active');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json().alarms[0].detail).toBe('<img src=x onerror=alert(1)>');
  });

  it('a device alarm the kiosk\'s heartbeat no longer lists is cleared (gone while the agent was stopped); one it lists stays, and so do screen and kiosk alarms', async () => {
    const ok = { state: 'ok' as const, faults: [], warnings: [] };
    const paperOut = { state: 'fault' as const, faults: ['PRINTER_PAPER_OUT' as const], warnings: [] };
    await k.send(t.hq.app, [k.event('fault.raised', faultPayload('PRINTER_PAPER_OUT')), k.event('fault.raised', faultPayload('SCREEN_BLACK', { device: 'screen' }))]);
    t.clock.advance(1_000);
    await k.send(t.hq.app, [k.heartbeat({ devices: { printer: paperOut } })]);
    expect((await alarms('active')).map((a) => a.code).sort()).toEqual(['PRINTER_PAPER_OUT', 'SCREEN_BLACK']);
    // the agent restarts after the roll was changed: its new board never raised, so never clears
    t.clock.advance(60_000);
    await k.send(t.hq.app, [k.event('agent.started', { uncleanPreviousRun: false, version: '0.1.0', heartbeatSeconds: 30 }), k.heartbeat({ devices: { printer: ok } })]);
    const all = await alarms('all');
    expect(all.find((a) => a.code === 'PRINTER_PAPER_OUT')).toMatchObject({ status: 'cleared-unack', clearedAt: new Date(t.clock.now()).toISOString() });
    expect(all.find((a) => a.code === 'SCREEN_BLACK')).toMatchObject({ status: 'active-unack' });
  });
  it("issue 11: a watchdog alarm the new run's heartbeat has checked and does not have is cleared (its clearing went with the old run); one it still has, or has not looked for yet, stays", async () => {
    const screen = ['SCREEN_BLACK', 'RENDERER_CRASHED', 'SCREEN_FROZEN', 'SCREEN_COVERED', 'RENDERER_HUNG'] as const;
    await k.send(t.hq.app, [
      k.event('fault.raised', faultPayload('SCREEN_COVERED', { device: 'screen' })),
      k.event('fault.raised', faultPayload('TOUCH_UNRESPONSIVE', { device: 'screen', severity: 'major' })),
      k.event('fault.raised', faultPayload('DISK_LOW', { device: 'agent' })),
    ]);
    t.clock.advance(1_000);
    // the run that raised them says so
    await k.send(t.hq.app, [k.heartbeat({ watch: { faults: ['SCREEN_COVERED', 'TOUCH_UNRESPONSIVE', 'DISK_LOW'], checked: [...screen, 'TOUCH_UNRESPONSIVE', 'DISK_LOW'] } })]);
    const active = async () => (await alarms('active')).map((a) => a.code).sort();
    expect(await active()).toEqual(['DISK_LOW', 'SCREEN_COVERED', 'TOUCH_UNRESPONSIVE']);
    // the agent restarted (the recovery ladder's rung): the new run has looked at nothing yet — nothing cleared
    t.clock.advance(10_000);
    await k.send(t.hq.app, [k.event('agent.started', { uncleanPreviousRun: false, version: '0.1.0', heartbeatSeconds: 1 }), k.heartbeat({ watch: { faults: [], checked: [] } })]);
    expect(await active()).toEqual(['DISK_LOW', 'SCREEN_COVERED', 'TOUCH_UNRESPONSIVE']);
    // it has proven the screen and still sees the disk low; no tap yet, so touch is not spoken for
    t.clock.advance(1_000);
    await k.send(t.hq.app, [k.heartbeat({ watch: { faults: ['DISK_LOW'], checked: [...screen, 'DISK_LOW'] } })]);
    expect(await active()).toEqual(['DISK_LOW', 'TOUCH_UNRESPONSIVE']);
    expect((await alarms('all')).find((a) => a.code === 'SCREEN_COVERED')).toMatchObject({ status: 'cleared-unack', clearedAt: new Date(t.clock.now()).toISOString() });
  });
});
