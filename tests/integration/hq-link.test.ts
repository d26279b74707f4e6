/**
 * The HQ link end to end: a real agent (simulated devices over PTYs, back-office simulators, the
 * kiosk lifecycle) with its link pointed at a fake HQ that checks every signature and event. The
 * kiosk, the back offices and HQ share one clock pinned at Wednesday noon in Shanghai.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { simKioskConfig } from '../../runtime/sim-config.ts';
import { startAgent, type RunningAgent } from '../../runtime/agent.ts';
import { backOfficeForSimulators } from '../../runtime/flows/back-office.ts';
import { startFakeHq, type FakeHq } from '../../runtime/hq-link/testing.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import type { HqEvent } from '../../contracts/hq.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';

const SECRET = 'integration-secret-0123456789';
const SECRET_ENV = 'ZIZHU_TEST_HQ_SECRET';
const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the HQ link of a real agent on the simulators', () => {
  const now = pinnedNow(NOON_SHANGHAI);
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let hq: FakeHq;
  let config: KioskConfig;
  let agent: RunningAgent;

  const start = () =>
    startAgent({
      config,
      dataDir: join(dir, 'data'),
      logDir: false,
      console: false,
      now,
      backOffice: { clients: backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 1_000 }), retryPauseMs: () => 20, recoveryRetry: { firstMs: 20, maxMs: 200 } },
      screen: { port: 0, rendererDir: join(dir, 'no-renderer-here'), endedShowMs: 200 },
      hq: { env: { [SECRET_ENV]: SECRET }, backoff: { initialMs: 50, maxMs: 500 } },
    });
  const status = () => agent.kiosk!.lifecycle.getSnapshot().context.status;
  /** HQ's events of `type` after the latest agent.started */
  const sinceStart = <T extends HqEvent['type']>(type: T) => {
    const starts = hq.events.filter((e) => e.type === 'agent.started');
    const from = starts.at(-1)?.seq ?? 0;
    return hq.ofType(type).filter((e) => e.seq >= from);
  };
  const command = (type: 'lock' | 'unlock', args: Record<string, unknown> = {}) => {
    const c = { id: randomUUID(), type, args, issuedAt: new Date(now()).toISOString(), expiresAt: new Date(now() + 600_000).toISOString() };
    hq.queueCommand(c);
    return c;
  };
  const resultOf = (id: string) => hq.ofType('command.result').find((e) => e.payload.commandId === id);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-hq-link-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    bo = await startBackOffice({ now });
    const sim = await simKioskConfig(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    hq = await startFakeHq({ kioskId: sim.id, secret: SECRET, now });
    config = { ...sim, hq: { url: hq.url, credentialsRef: `env:${SECRET_ENV}`, heartbeatSeconds: 1 } };
    agent = await start();
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await hq?.close();
    await bo?.close();
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says the agent started, then beats with the lifecycle and every device', async () => {
    const started = await until('agent.started at HQ', () => hq.ofType('agent.started')[0]);
    expect(started.payload).toMatchObject({ uncleanPreviousRun: false, heartbeatSeconds: 1, remoteLocked: false });
    expect(started.payload.version).toMatch(/^\d+\.\d+\.\d+/);
    const beat = await until('a heartbeat in service', () => hq.ofType('heartbeat').find((e) => e.payload.lifecycle === 'inService'));
    expect(beat.payload).toMatchObject({ intervalSeconds: 1, hours: { open: true }, devices: { printer: { state: 'ok' }, idReader: { state: 'ok' }, scanner: { state: 'ok' } } });
    expect(beat.payload.clock.slice(0, 10)).toBe('2026-06-10');
    expect(hq.unauthorized).toBe(0);
    expect(agent.hqLink.status()).toMatchObject({ state: 'running', url: hq.url, heartbeatSeconds: 1, lastError: null, clock: { skewFault: false } });
  });

  it('paper out in the simulator → fault.raised PRINTER_PAPER_OUT at HQ; paper loaded → cleared', async () => {
    await post(`${hw.control.url}/devices/printer/paper-out`);
    const raised = await until('PRINTER_PAPER_OUT at HQ', () => hq.ofType('fault.raised').find((e) => e.payload.code === 'PRINTER_PAPER_OUT'));
    expect(raised.payload).toMatchObject({ device: 'printer', severity: 'major', blocking: true });
    // the only service needs the printer: out of service, a lockout for a fault
    const lockout = await until('lockout.started fault', () => hq.ofType('lockout.started').find((e) => e.payload.reason === 'fault'));
    expect(lockout.payload.detail).toMatch(/out of service/);
    hw.printer.loadPaper();
    await until('PRINTER_PAPER_OUT cleared', () => hq.ofType('fault.cleared').find((e) => e.payload.code === 'PRINTER_PAPER_OUT'));
    await until('lockout.ended fault', () => hq.ofType('lockout.ended').find((e) => e.payload.reason === 'fault'));
    await until('in service again', () => status() === 'inService');
  });

  it("a lock during a customer's session waits for its end, then locks: command.result succeeded, lockout.started remote, session.ended", async () => {
    expect(agent.kiosk!.handle({ type: 'START_SERVICE', service: 'providentFundStatement' })).toEqual({ ok: true });
    const sessionId = agent.flows!.current()!.id;
    const lock = command('lock', { reason: '现场巡检' });
    await until('the lock pending', () => status() === 'remoteLockPending');
    // a second of heartbeats later: still serving the customer, no result, no lockout
    await until('two more heartbeats', () => hq.ofType('heartbeat').filter((e) => e.payload.lifecycle === 'remoteLockPending').length >= 2);
    expect(resultOf(lock.id)).toBeUndefined();
    expect(hq.ofType('lockout.started').some((e) => e.payload.reason === 'remote')).toBe(false);
    expect(agent.hqLink.status().commandsWaiting).toEqual([lock.id]);

    expect(agent.kiosk!.handle({ type: 'CANCEL' })).toEqual({ ok: true });
    const result = await until('command.result', () => resultOf(lock.id));
    expect(result.payload).toMatchObject({ type: 'lock', status: 'succeeded' });
    expect(status()).toBe('remoteLocked');
    const lockout = await until('lockout.started remote', () => hq.ofType('lockout.started').find((e) => e.payload.reason === 'remote'));
    expect(lockout.payload.detail).toBe('locked by HQ: 现场巡检');
    const ended = await until('session.ended', () => hq.ofType('session.ended').find((e) => e.payload.sessionId === sessionId));
    expect(ended.payload).toMatchObject({ service: 'providentFundStatement', outcome: 'cancelled' });
    expect(ended.payload.lastStep).toMatch(/\w/);
    // HQ applies events in order: the session ended before the lock took
    expect(ended.seq).toBeLessThan(result.seq);
    expect(agent.journal.hqLink.currentLock()).toMatchObject({ reason: '现场巡检', by: 'hq', commandId: lock.id });
  });

  it('the lock survives a restart: agent.started says remoteLocked, the kiosk never serves before it is locked', async () => {
    await agent.stop();
    agent = await start();
    const started = await until('the second agent.started', () => hq.ofType('agent.started')[1]);
    expect(started.payload).toMatchObject({ remoteLocked: true, uncleanPreviousRun: false });
    await until('locked', () => status() === 'remoteLocked');
    expect(agent.kiosk!.screen().kiosk.status).toBe('remoteLocked');
    await until('lockout.started remote after the restart', () => sinceStart('lockout.started').find((e) => e.payload.reason === 'remote'));
    // the kiosk status went booting → selfTest → remoteLocked: never in service
    const statuses = (await until('kiosk.status to remoteLocked', () => sinceStart('kiosk.status').some((e) => e.payload.status === 'remoteLocked') && sinceStart('kiosk.status'))).map((e) => e.payload.status);
    expect(statuses).not.toContain('inService');
    expect(agent.kiosk!.handle({ type: 'START_SERVICE', service: 'providentFundStatement' })).toMatchObject({ ok: false, code: 'SERVICE_UNAVAILABLE' });
  });

  it('unlock: command.result succeeded, lockout.ended remote, in service again, the lock lifted in the journal', async () => {
    const unlock = command('unlock');
    const result = await until('command.result', () => resultOf(unlock.id));
    expect(result.payload).toMatchObject({ type: 'unlock', status: 'succeeded' });
    await until('lockout.ended remote', () => sinceStart('lockout.ended').find((e) => e.payload.reason === 'remote'));
    await until('in service', () => status() === 'inService');
    expect(agent.journal.hqLink.currentLock()).toBeUndefined();
    expect(hq.unauthorized).toBe(0);
    expect(hq.duplicates).toBe(0);
    // every event HQ has, in order, no gaps
    const seqs = hq.events.map((e) => e.seq);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
  });
});
