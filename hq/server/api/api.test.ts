import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlarmListSchema, AlarmSchema, CommandViewSchema, KioskDetailSchema, KioskListSchema } from '../../../contracts/hq-api.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import { faultPayload, type IngestKiosk } from '../testing.ts';

let t: TestHq;
let k: IngestKiosk;
let op: Awaited<ReturnType<TestHq['as']>>;
beforeEach(async () => {
  t = await testHq();
  k = await t.kiosk('K-SHAPE', { site: '市民之家', district: '江岸区' });
  op = await t.as('operator');
});
afterEach(() => t.close());

describe('operator API answers in the contract’s shapes', () => {
  it('kiosks, one kiosk, alarms, commands', async () => {
    const { id: commandId } = (await op('POST', '/api/v1/kiosks/K-SHAPE/commands', { type: 'reload-screen' })).json();
    await k.send(t.hq.app, [
      k.event('agent.started', { uncleanPreviousRun: false, version: '0.9.0', heartbeatSeconds: 30 }),
      k.heartbeat({ lifecycle: 'degraded', devices: { printer: { state: 'fault', faults: ['PRINTER_PAPER_OUT'], warnings: [] } }, backends: { his: 'up' } }),
      k.event('fault.raised', faultPayload('PRINTER_PAPER_OUT', { evidence: { port: '/dev/ttyS0' } })),
      k.event('session.ended', { sessionId: 'S-1', service: 'hospitalRegistration', outcome: 'registered', lastStep: 'slip', durationMs: 93_000 }),
      k.event('session.ended', { sessionId: 'S-2', service: 'providentFundStatement', outcome: 'recovered', lastStep: 'statement', durationMs: 1_000, recovered: true }),
      k.event('lockout.started', { reason: 'fault', detail: 'printer' }),
    ]);
    await k.send(t.hq.app, [k.event('command.result', { commandId, type: 'reload-screen', status: 'succeeded', detail: 'reloaded' })]);

    const list = KioskListSchema.parse((await op('GET', '/api/v1/kiosks')).json());
    expect(list.kiosks).toEqual([
      { id: 'K-SHAPE', site: '市民之家', district: '江岸区', address: null, state: 'degraded', lastSeenAt: new Date(t.clock.now()).toISOString(), activeAlarms: 1, worstSeverity: 'major' },
    ]);

    const detail = KioskDetailSchema.parse((await op('GET', '/api/v1/kiosks/K-SHAPE')).json());
    expect(detail).toMatchObject({
      lifecycle: 'degraded',
      devices: { printer: { state: 'fault', faults: ['PRINTER_PAPER_OUT'], warnings: [] } },
      hoursOpen: true,
      link: { contiguousSeq: 7, highestSeq: 7, gaps: [], heartbeatSeconds: 30, outboxBacklog: 0, clockSkewMs: 0 },
    });
    expect(detail.sessions.map((s) => [s.service, s.outcome, s.durationMs])).toEqual([
      ['providentFundStatement', 'recovered', 1_000],
      ['hospitalRegistration', 'registered', 93_000],
    ]);
    expect(detail.commands).toEqual([expect.objectContaining({ id: commandId, status: 'succeeded', result: 'reloaded' })]);
    expect(detail.alarms).toHaveLength(1);
    expect(detail.history[0]).toMatchObject({ state: 'lockout.started: fault' });

    const alarms = AlarmListSchema.parse((await op('GET', '/api/v1/alarms')).json());
    expect(alarms.alarms).toHaveLength(1);
    AlarmSchema.parse((await op('POST', `/api/v1/alarms/${alarms.alarms[0]!.id}/ack`, { comment: 'ok' })).json());
    CommandViewSchema.parse((await op('GET', `/api/v1/commands/${commandId}`)).json());
    expect((await op('GET', '/api/v1/alarms?status=sometimes')).json().error).toMatch(/^status: /);
  });

  it('lists worst first: most severe alarm, then state', async () => {
    const names = ['K-OK', 'K-MINOR', 'K-CRIT', 'K-LOCKED'];
    for (const id of names) {
      const kk = await t.kiosk(id);
      const events = [kk.heartbeat({ lifecycle: id === 'K-LOCKED' ? 'remoteLocked' : 'inService' })];
      if (id === 'K-MINOR') events.push(kk.event('fault.raised', faultPayload('IDREADER_READ_FAILED')));
      if (id === 'K-CRIT') events.push(kk.event('fault.raised', faultPayload('SCREEN_BLACK')));
      await kk.send(t.hq.app, events);
    }
    await k.send(t.hq.app, [k.heartbeat({ lifecycle: 'inService' }), k.event('fault.raised', faultPayload('PRINTER_PAPER_OUT'))]);
    const ids = (await op('GET', '/api/v1/kiosks')).json().kiosks.map((x: { id: string }) => x.id);
    expect(ids).toEqual(['K-CRIT', 'K-SHAPE', 'K-MINOR', 'K-LOCKED', 'K-OK']);
  });
});
