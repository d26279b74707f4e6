/**
 * Personal data on disk: people use the kiosk through the real path (ID cards and codes read by the
 * simulated devices over PTYs, the agent's flow runtime, the simulated provident-fund centre, HIS and
 * payment gateway), then the raw bytes of the journal, its -wal and -shm files and the logs are
 * searched for every full ID number, name and identifying code those people used — as UTF-8 and
 * as UTF-16 (little and big endian). Nothing may be found: the running session keeps identity in
 * memory, and the journal holds it only sealed with a key of this boot.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { insuranceVoucherFor } from '../../backends/sim-persons.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { simKioskConfig } from '../../runtime/sim-config.ts';
import { startAgent, type RunningAgent } from '../../runtime/agent.ts';
import { backOfficeForSimulators } from '../../runtime/flows/back-office.ts';
import { SessionHost, type HostedSession } from '../../runtime/sessions/session-host.ts';
import { createFlowRuntime } from '../../runtime/flows/runtime.ts';
import { openJournal } from '../../runtime/journal/journal.ts';
import { Recovery } from '../../runtime/recovery/recovery.ts';
import { SIM_ACCOUNTS } from '../../backends/provident-fund/simulator.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';
import { startSimAgent } from '../sim-agent.ts';

const step = (s: HostedSession) => JSON.stringify(s.actor.getSnapshot().value);
const at = (s: HostedSession, name: string) => until(`step ${name} (now ${step(s)})`, () => step(s).includes(`"${name}"`));
const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const card = (id: string) => SAMPLE_IDENTITIES.find((i) => i.id === id)!.card;
const DAY = 86_400_000;
/** business data of the resident's statement (not personal, but kept only as long as needed) */
const statementEmployer = SIM_ACCOUNTS.find((a) => a.idNumber === card('resident').idNumber)!.employer;

/** Each secret as the bytes it would have in a file: UTF-8, UTF-16LE, UTF-16BE. */
function forms(secret: string): [string, Buffer][] {
  const le = Buffer.from(secret, 'utf16le');
  return [
    ['utf8', Buffer.from(secret, 'utf8')],
    ['utf16le', le],
    ['utf16be', Buffer.from(le).swap16()],
  ];
}

function occurrences(haystack: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) n++;
  return n;
}

/** Every (file, secret, encoding) with a hit, e.g. "journal.sqlite-wal: 110101199003071233 (utf8) ×12". */
function findSecrets(files: { name: string; bytes: Buffer }[], secrets: string[]): string[] {
  const found: string[] = [];
  for (const f of files)
    for (const secret of secrets)
      for (const [encoding, needle] of forms(secret)) {
        const n = occurrences(f.bytes, needle);
        if (n) found.push(`${f.name}: ${secret} (${encoding}) ×${n}`);
      }
  return found;
}

async function filesIn(dir: string): Promise<{ name: string; bytes: Buffer }[]> {
  const names = await readdir(dir);
  return Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(dir, name)).catch(() => Buffer.alloc(0)) })));
}

describe('personal data on disk: none after sessions of both flows through the real path', () => {
  const now = pinnedNow(NOON_SHANGHAI);
  const resident = card('resident');
  const longterm = card('resident-longterm');
  const permit = card('permit');
  const voucher = insuranceVoucherFor('permit');
  // what identifies these people: full ID numbers, names, the permit number and the 医保电子凭证 code
  const secrets = [resident.idNumber, resident.name, longterm.idNumber, longterm.name, permit.idNumber, permit.name, 'H12345678', voucher];
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let agent: RunningAgent | undefined;

  const start = (example: 'gov-24h' | 'hospital-lobby') => startSimAgent({ hw, bo, dir, now, example });
  const cardOn = async (identity: string) => post(`${hw.control.url}/devices/idReader/card-on`, { identity });
  // the card is taken away, and the reader has seen it go (so the next card is a new read)
  const cardOff = async () => {
    await post(`${hw.control.url}/devices/idReader/card-off`);
    await until('the card gone from the reader', () => !agent!.devices.idReader!.hasCard);
  };
  const onDisk = async () => [...(await filesIn(join(dir, 'data'))), ...(await filesIn(join(dir, 'log')))];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-pii-on-disk-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    bo = await startBackOffice({ now, payment: { refundProcessingMs: 10 } });
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });
  afterAll(async () => {
    await hw?.close();
    await bo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the search finds a secret in every form it looks for', () => {
    const text = `{"name":"${resident.name}","idNumber":"${resident.idNumber}"}`;
    const found = findSecrets([{ name: 'utf8', bytes: Buffer.from(text) }, { name: 'utf16', bytes: Buffer.from(text, 'utf16le') }], [resident.name, resident.idNumber]);
    expect(found).toEqual(expect.arrayContaining(['utf8: 张测试 (utf8) ×1', 'utf8: 110101199003071233 (utf8) ×1', 'utf16: 张测试 (utf16le) ×1', 'utf16: 110101199003071233 (utf16le) ×1']));
  });

  it('statements, registrations, a cancelled and an interrupted session leave no ID number, name or code in the journal, its WAL and SHM, or the logs', async () => {
    // ── provident fund: a statement printed for one person, another person walks away at the preview
    agent = await start('gov-24h');
    const printed = agent.flows!.startSession('providentFundStatement');
    await cardOn('resident');
    await at(printed, 'choosingPeriod');
    await cardOff();
    printed.actor.send({ type: 'PERIOD_CHOSEN' });
    await at(printed, 'preview');
    // the person's data is in the running session's memory (so the search below means something)
    expect(JSON.stringify(printed.actor.getSnapshot().context)).toContain(resident.idNumber);
    printed.actor.send({ type: 'PRINT' });
    await at(printed, 'takingReceipt');
    printed.actor.send({ type: 'TAKEN' });
    expect(await printed.ended).toBe('completed');

    const cancelled = agent.flows!.startSession('providentFundStatement');
    await cardOn('resident-longterm');
    await at(cancelled, 'choosingPeriod');
    await cardOff();
    cancelled.actor.send({ type: 'PERIOD_CHOSEN' });
    await at(cancelled, 'preview');
    cancelled.actor.send({ type: 'CANCEL' });
    expect(await cancelled.ended).toBe('cancelled');
    await agent.stop();

    // ── hospital: registered and paid by 付款码; identified by 医保电子凭证 and interrupted by a restart
    agent = await start('hospital-lobby');
    const registered = agent.flows!.startSession('hospitalRegistration', { payment: { methods: ['paymentCode'] } });
    await cardOn('resident-longterm');
    await at(registered, 'choosingDepartment');
    await cardOff();
    registered.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: 'NK' });
    await at(registered, 'choosingDoctor');
    registered.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: 'NK02' });
    await at(registered, 'choosingSlot');
    const slots = (registered.actor.getSnapshot().context as { slots: { id: string; remaining: number }[] }).slots;
    registered.actor.send({ type: 'SLOT_CHOSEN', slotId: slots.find((x) => x.remaining > 0)!.id });
    await at(registered, 'confirmingFee');
    registered.actor.send({ type: 'CONFIRM' });
    await at(registered, 'paying');
    await post(`${hw.control.url}/devices/scanner/scan`, { text: '134567890123456780' });
    await at(registered, 'takingSlip');
    registered.actor.send({ type: 'TAKEN' });
    expect(await registered.ended).toBe('registered');
    expect(bo.his.ledger().bookings.filter((b) => b.idNumber === longterm.idNumber && b.status === 'booked')).toHaveLength(1);

    const interrupted = agent.flows!.startSession('hospitalRegistration');
    await post(`${hw.control.url}/devices/scanner/scan`, { text: voucher });
    await at(interrupted, 'choosingDepartment');
    expect((interrupted.actor.getSnapshot().context as { patient: { idNumber: string } }).patient.idNumber).toBe(permit.idNumber);

    // while the agent runs: the WAL holds every write of these sessions
    const running = await onDisk();
    expect(running.map((f) => f.name)).toEqual(expect.arrayContaining(['journal.sqlite', 'journal.sqlite-wal', 'journal.sqlite-shm']));
    expect(running.find((f) => f.name === 'journal.sqlite-wal')!.bytes.length).toBeGreaterThan(0);
    expect(findSecrets(running, secrets)).toEqual([]);
    // and what is there is the kiosk user's alone
    const mode = async (p: string) => ((await stat(p)).mode & 0o777).toString(8);
    const own = [...(await readdir(join(dir, 'data'))).filter((f) => f.startsWith('journal.sqlite')).map((f) => join(dir, 'data', f)), ...(await readdir(join(dir, 'log'))).filter((f) => /^(agent-.*\.log(\.\d+)?|\.agent-audit\.json)$/.test(f)).map((f) => join(dir, 'log', f))];
    expect(own.length).toBeGreaterThanOrEqual(5);
    expect(await Promise.all(own.map(mode))).toEqual(own.map(() => '600'));
    expect([await mode(join(dir, 'data')), await mode(join(dir, 'log'))]).toEqual(['700', '700']);

    // the agent stops mid-session; the next start ends that session as recovered
    await agent.stop();
    agent = await start('hospital-lobby');
    expect(agent.recoveryReport).toMatchObject({ sessionsRecovered: 1 });
    expect(agent.journal.sessions.get(interrupted.id).outcome).toBe('recovered');
    const events = agent.journal.sessions.events(registered.id).length + agent.journal.sessions.events(printed.id).length;
    expect(events).toBeGreaterThan(10);
    await agent.stop();
    agent = undefined;
    expect(findSecrets(await onDisk(), secrets)).toEqual([]);
    // four days later the agent prunes at start (agent.retention.sessionsDays: 3): the statements go too
    const employer = Buffer.from(statementEmployer, 'utf8');
    expect((await onDisk()).some((f) => f.bytes.includes(employer))).toBe(true);
    agent = await startAgent({ config: await simKioskConfig(hw.describe(), 'gov-24h'), dataDir: join(dir, 'data'), logDir: join(dir, 'log'), console: false, now: pinnedNow(NOON_SHANGHAI + 4 * DAY) });
    for (const id of [printed.id, cancelled.id, registered.id, interrupted.id]) expect(agent.journal.sessions.find(id)).toBeUndefined();
    expect((await onDisk()).filter((f) => f.bytes.includes(employer)).map((f) => f.name)).toEqual([]);
  });
});

describe('a running session resumed from the journal: its person within the boot, nobody after a restart', () => {
  const now = pinnedNow(NOON_SHANGHAI);
  const resident = card('resident');
  let dir: string;
  let bo: BackOffice;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-pii-resume-'));
    bo = await startBackOffice({ now });
  });
  afterAll(async () => {
    await bo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the statement step after a same-boot restore fetches the right person’s statement; after a restart the session cannot resume and recovery ends it', async () => {
    const path = join(dir, 'journal.sqlite');
    let journal = openJournal({ path, now });
    const backends = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 1_000 });
    const kiosk = { id: 'test-gov-0001', name: '测试自助机' };
    const flows = createFlowRuntime({ journal, backends, kiosk, clock: { now } });
    const s = flows.startSession('providentFundStatement');
    s.actor.send({ type: 'CARD_READ', card: { name: resident.name, idNumber: resident.idNumber, idNumberValid: true } });
    await at(s, 'choosingPeriod');
    flows.close(); // the flow runtime stops hosting; the session stays open in the journal

    // within this boot the snapshot opens again: the next step needs the ID number, and has it
    const again = createFlowRuntime({ journal, backends, kiosk, clock: { now } });
    const resumed = new SessionHost(journal).restore(journal.sessions.get(s.id), again.machines.providentFund);
    resumed.actor.send({ type: 'PERIOD_CHOSEN' });
    await at(resumed, 'preview');
    expect((resumed.actor.getSnapshot().context as { statement: { holderName: string } }).statement.holderName).toBe(resident.name);
    expect(bo.providentFund.ledger().statements.at(-1)?.idNumber).toBe(resident.idNumber);
    resumed.detach();

    // a restart: the key died with the old boot; the person at the kiosk may be someone else
    journal.close();
    journal = openJournal({ path, now });
    const after = createFlowRuntime({ journal, backends, kiosk, clock: { now } });
    expect(() => new SessionHost(journal).restore(journal.sessions.get(s.id), after.machines.providentFund)).toThrow(/cannot be resumed: the identity it holds was sealed before the agent restarted/);
    expect(await new Recovery({ journal, now }).start()).toMatchObject({ sessionsRecovered: 1 });
    expect(journal.sessions.get(s.id)).toMatchObject({ outcome: 'recovered', state: { zizhuRecovered: { step: expect.stringMatching(/preview$/) } } });
    journal.close();
    expect(findSecrets(await filesIn(dir), [resident.idNumber, resident.name])).toEqual([]);
  });
});
