/**
 * What the kiosk tells HQ for availability: `hours.config` (its promised hours in the config's
 * input form, with a version) after every `agent.started`, and each service's usability in the
 * heartbeat. The agent test runs a real agent on the simulated devices (PTYs) and back offices,
 * its link pointed at a fake HQ that checks every signature and event, on a clock pinned at
 * Wednesday noon in Shanghai.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HqEvents } from '../../contracts/hq.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { loadKioskConfig, parseHoursChange, parseKioskConfig, type KioskConfig } from '../../kiosk-config/schema.ts';
import { NOON_SHANGHAI, pinnedNow } from '../../tests/pinned-clock.ts';
import { until } from '../../tests/until.ts';
import { startAgent, type RunningAgent } from '../agent.ts';
import { backOfficeForSimulators } from '../flows/back-office.ts';
import { simKioskConfig } from '../sim-config.ts';
import { canonicalJson, promisedHoursReport } from './hours-report.ts';
import { startFakeHq, type FakeHq } from './testing.ts';

const example = (name: string) => fileURLToPath(new URL(`../../kiosk-config/examples/${name}.json`, import.meta.url));
const hospital = loadKioskConfig(example('hospital-lobby'));

describe('hours.config', () => {
  it("gives the config's hours back in its input form: the same schema reads them as the same hours", () => {
    const report = promisedHoursReport(hospital);
    expect(HqEvents['hours.config'].safeParse(report).success).toBe(true);
    expect(report).toMatchObject({
      timezone: 'Asia/Shanghai',
      promisedHours: {
        timezone: 'Asia/Shanghai',
        weekly: { mon: ['07:00-20:00'], sat: ['07:30-12:00', '13:30-17:30'], sun: ['07:30-12:00'] },
        exceptions: [
          { date: '2026-01-01', ranges: ['08:00-12:00'], reason: '元旦 假日门诊' },
          { date: '2026-02-17', closed: true, reason: '春节 (正月初一) 停诊' },
        ],
      },
      services: { hospitalRegistration: { weekly: { mon: ['07:00-17:00'], sun: ['08:00-12:00'] } } },
    });
    const raw = JSON.parse(readFileSync(example('hospital-lobby'), 'utf8')) as { promisedHours: unknown; services: { hospitalRegistration: { hours: unknown } } };
    const back = parseHoursChange({ promisedHours: report.promisedHours, services: { hospitalRegistration: { hours: report.services.hospitalRegistration } } });
    const fromFile = parseHoursChange({ promisedHours: raw.promisedHours, services: { hospitalRegistration: { hours: raw.services.hospitalRegistration.hours } } });
    expect(back.ok && fromFile.ok).toBe(true);
    expect(back).toEqual(fromFile);
  });

  it('names equal hours with one version, whatever the key order, and other hours with another', () => {
    const a = promisedHoursReport(hospital);
    const reordered = parseKioskConfig({ ...JSON.parse(readFileSync(example('hospital-lobby'), 'utf8')), promisedHours: { exceptions: [], weekly: '24/7', timezone: 'Asia/Shanghai' } });
    const b = promisedHoursReport(reordered);
    expect(a.version).toMatch(/^[0-9a-f]{12}$/);
    expect(b.version).not.toBe(a.version);
    expect(promisedHoursReport({ ...hospital }).version).toBe(a.version);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});

describe('a real agent tells HQ its promised hours and each service\'s usability', () => {
  const SECRET = 'hours-report-secret-0123456789';
  const SECRET_ENV = 'ZIZHU_TEST_HQ_SECRET';
  const now = pinnedNow(NOON_SHANGHAI);
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let hq: FakeHq;
  let config: KioskConfig;
  let agent: RunningAgent;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-hours-report-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    bo = await startBackOffice({ now });
    const sim = await simKioskConfig(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    hq = await startFakeHq({ kioskId: sim.id, secret: SECRET, now });
    config = { ...sim, hq: { url: hq.url, credentialsRef: `env:${SECRET_ENV}`, heartbeatSeconds: 1 } };
    agent = await startAgent({
      config,
      dataDir: join(dir, 'data'),
      logDir: false,
      console: false,
      now,
      backOffice: { clients: backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 1_000 }), retryPauseMs: () => 20 },
      screen: { port: 0, rendererDir: join(dir, 'no-renderer-here'), endedShowMs: 200 },
      hq: { env: { [SECRET_ENV]: SECRET }, backoff: { initialMs: 50, maxMs: 500 } },
    });
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await hq?.close();
    await bo?.close();
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('hours.config right after agent.started, with the hours in force and their version', async () => {
    const hours = await until('hours.config at HQ', () => hq.ofType('hours.config')[0]);
    const started = hq.ofType('agent.started')[0]!;
    expect(hours.seq).toBe(started.seq + 1);
    expect(hours.payload).toEqual(promisedHoursReport(config));
    expect(hours.payload).toMatchObject({ timezone: 'Asia/Shanghai', promisedHours: { weekly: '24/7' }, services: { providentFundStatement: null } });
  });

  it('the heartbeat says each service usable; paper out → the statement service unusable and why; paper back → usable', async () => {
    const usable = await until('a heartbeat with the service usable', () => hq.ofType('heartbeat').find((e) => e.payload.lifecycle === 'inService' && e.payload.services?.providentFundStatement?.usable === true));
    await fetch(`${hw.control.url}/devices/printer/paper-out`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const out = await until('a heartbeat with the statement service unusable', () => hq.ofType('heartbeat').find((e) => e.seq > usable.seq && e.payload.services?.providentFundStatement?.usable === false));
    expect(out.payload.services).toEqual({ providentFundStatement: { usable: false, reason: 'printer out of paper' } });
    hw.printer.loadPaper();
    const seqOut = out.seq;
    await until('usable again', () => hq.ofType('heartbeat').find((e) => e.seq > seqOut && e.payload.services?.providentFundStatement?.usable === true));
  });
});
