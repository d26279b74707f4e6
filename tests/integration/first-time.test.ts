/**
 * First-time success, the kiosk's side: a real agent (simulated devices over PTYs, the simulated
 * provident-fund centre, the kiosk lifecycle) serves the same ID card twice — the printer lets the
 * first person down, the second try prints — and session.ended tells HQ so: the same anonymous
 * person hash, `failure` device then null, the funnel steps reached. The hash is made with a salt
 * of the kiosk's own that stays in its data directory; the ID number appears in no outbox row and
 * no log line. The clock is pinned at Wednesday noon in Shanghai.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { simKioskConfig } from '../../runtime/sim-config.ts';
import { startAgent, type RunningAgent } from '../../runtime/agent.ts';
import { backOfficeForSimulators } from '../../runtime/flows/back-office.ts';
import { PERSON_HASH_SALT_FILE, personHash } from '../../runtime/flows/person-hash.ts';
import { maskIdNumber } from '../../contracts/pii.ts';
import { FUNNEL_STEPS } from '../../contracts/hq-analytics.ts';
import type { HqEventPayload } from '../../contracts/hq.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import type { UiEvent } from '../../contracts/bridge.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';

const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const resident = SAMPLE_IDENTITIES.find((i) => i.id === 'resident')!.card;
type Ended = HqEventPayload<'session.ended'>;

describe('session.ended on a real agent: who tried again, how far they got, why it failed', () => {
  const now = pinnedNow(NOON_SHANGHAI);
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let config: KioskConfig;
  let agent: RunningAgent | undefined;
  /** every outbox row of every agent run so far, as journaled */
  const rows: { dataDir: string; kind: string; json: string }[] = [];

  const start = async (dataDir: string) => {
    agent = await startAgent({
      config,
      dataDir: join(dir, dataDir),
      logDir: join(dir, 'log'),
      console: false,
      now,
      backOffice: { clients: backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 2_000 }), retryPauseMs: () => 20 },
      screen: { port: 0, rendererDir: join(dir, 'no-renderer-here'), endedShowMs: 200 },
    });
    return agent;
  };
  const stop = async () => {
    const a = agent!;
    for (const r of a.journal.outbox.claim({ limit: 1_000 })) rows.push({ dataDir: a.journalPath, kind: r.kind, json: JSON.stringify(r) });
    await a.stop();
    agent = undefined;
  };
  const sessionsEnded = (dataDir: string) =>
    rows.filter((r) => r.kind === 'session.ended' && r.dataDir.startsWith(join(dir, dataDir))).map((r) => (JSON.parse(r.json) as { payload: Ended }).payload);
  const screen = () => agent!.kiosk!.screen();
  const send = (e: UiEvent) => expect(agent!.kiosk!.handle(e)).toEqual({ ok: true });
  const atStep = (step: string) => until(`step ${step} (now ${screen().session?.step ?? 'no session'})`, () => screen().session?.step === step && screen());

  /** a person lays the card down, takes the default period, asks to print; returns the step the print led to */
  const statement = async () => {
    await until('home', () => screen().kiosk.acceptsNewSessions && !screen().session);
    send({ type: 'START_SERVICE', service: 'providentFundStatement' });
    await atStep('identifying');
    await post(`${hw.control.url}/devices/idReader/card-on`, { identity: 'resident' });
    await atStep('choosingPeriod');
    await post(`${hw.control.url}/devices/idReader/card-off`);
    send({ type: 'PERIOD_CHOSEN' });
    await atStep('preview');
    send({ type: 'PRINT' });
    return until('the print ended', () => ['undelivered', 'takingReceipt'].find((s) => screen().session?.step === s) ?? (!screen().session ? 'ended' : undefined));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-first-time-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    bo = await startBackOffice({ now });
    config = await simKioskConfig(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    config.devices.printer!.completionTimeoutMs = 1_000;
  }, 60_000);
  afterAll(async () => {
    if (agent) await stop();
    await bo?.close();
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the printer fails a person, who tries again and gets the statement: two session.ended, one person hash, device then null', async () => {
    await start('kiosk-a');
    hw.printer.setPrintsNothing('stalled');
    expect(await statement()).toBe('undelivered');
    send({ type: 'DONE' });
    hw.printer.setPrintsNothing('off');
    expect(await statement()).toBe('takingReceipt');
    send({ type: 'TAKEN' });
    await until('back home', () => !screen().session);
    await stop();

    const [failed, completed] = sessionsEnded('kiosk-a');
    expect(failed).toMatchObject({ service: 'providentFundStatement', outcome: 'undelivered', lastStep: 'session.flow.undelivered', failure: 'device', stepsReached: [...FUNNEL_STEPS.providentFundStatement] });
    expect(completed).toMatchObject({ outcome: 'completed', lastStep: 'session.flow.takingReceipt', failure: null, stepsReached: [...FUNNEL_STEPS.providentFundStatement] });
    expect(failed!.personHash).toMatch(/^[0-9a-f]{32}$/);
    expect(completed!.personHash).toBe(failed!.personHash);

    // the hash is the kiosk's own salt's: kept 0600 in its data directory, never in what goes to HQ
    const saltFile = join(dir, 'kiosk-a', PERSON_HASH_SALT_FILE);
    expect(statSync(saltFile).mode & 0o777).toBe(0o600);
    const salt = readFileSync(saltFile, 'utf8').trim();
    expect(personHash(Buffer.from(salt, 'hex'), resident.idNumber)).toBe(failed!.personHash);
    expect(rows.some((r) => r.json.includes(salt))).toBe(false);
  }, 90_000);

  it('the ID number is in no outbox row and no log line; neither is the name', async () => {
    expect(rows.length).toBeGreaterThan(2);
    for (const r of rows) {
      expect(r.json).not.toContain(resident.idNumber);
      expect(r.json).not.toContain(maskIdNumber(resident.idNumber));
      expect(r.json).not.toContain(resident.name);
    }
    const logs = readdirSync(join(dir, 'log')).map((f) => readFileSync(join(dir, 'log', f), 'utf8'));
    expect(logs.join('').length).toBeGreaterThan(0);
    for (const text of logs) expect(text).not.toContain(resident.idNumber);
  });

  it('the salt outlives a restart (same person, same hash); another kiosk (another salt) hashes the same card differently', async () => {
    const before = sessionsEnded('kiosk-a')[0]!.personHash;
    for (const dataDir of ['kiosk-a', 'kiosk-b']) {
      await start(dataDir);
      await until('home', () => screen().kiosk.acceptsNewSessions && !screen().session);
      send({ type: 'START_SERVICE', service: 'providentFundStatement' });
      await post(`${hw.control.url}/devices/idReader/card-on`, { identity: 'resident' });
      await atStep('choosingPeriod');
      await post(`${hw.control.url}/devices/idReader/card-off`);
      send({ type: 'CANCEL' });
      await until('back home', () => !screen().session);
      await stop();
    }
    const again = sessionsEnded('kiosk-a').at(-1)!;
    const other = sessionsEnded('kiosk-b').at(-1)!;
    expect(again).toMatchObject({ outcome: 'cancelled', failure: 'cancelled', stepsReached: ['identifying', 'choosingPeriod'], personHash: before });
    expect(other).toMatchObject({ outcome: 'cancelled', failure: 'cancelled', personHash: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(other.personHash).not.toBe(before);
  }, 90_000);
});
