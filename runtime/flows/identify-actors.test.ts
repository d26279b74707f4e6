import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { insuranceVoucherFor } from '../../backends/his/simulator.ts';
import { socialSecurityCodeFor } from '../../backends/provident-fund/simulator.ts';
import { eventually } from '../../backends/test-helpers.ts';
import { openKioskDevices, type KioskDevices } from '../devices.ts';
import { simKioskConfig } from '../sim-config.ts';
import { openJournal, type Journal } from '../journal/journal.ts';
import type { HostedSession } from '../sessions/session-host.ts';
import { backOfficeForSimulators } from './back-office.ts';
import { createFlowRuntime, type FlowRuntime } from './runtime.ts';

/**
 * Identification by a scanned phone code, through the real path: the simulated scanner sends the
 * code over its PTY, the QrScanner driver classifies it, the runtime hands it to the running session,
 * the flow's actor asks the back office (HIS or provident-fund centre simulator) over HTTP.
 */

let dir: string;
let hw: RunningKioskHardware;
let bo: BackOffice;
let devices: KioskDevices;
let journal: Journal;
let flows: FlowRuntime;
let detach: () => void;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zizhu-identify-'));
  hw = await startKioskHardware({ dir: join(dir, 'sim') });
  bo = await startBackOffice();
  const config = await simKioskConfig(hw.describe(), 'hospital-lobby');
  devices = await openKioskDevices({ scanner: config.devices.scanner });
  journal = openJournal({ path: join(dir, 'journal.sqlite') });
  const clients = backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 1_000 });
  flows = createFlowRuntime({ journal, backends: clients, kiosk: { id: 'test-kiosk-01', name: '测试机' }, retryPauseMs: () => 10 });
  detach = flows.attachDevices({ scanner: devices.scanner! });
});
afterEach(() => {
  const s = flows.current();
  s?.actor.send({ type: 'CANCEL' });
});
afterAll(async () => {
  detach?.();
  flows?.close();
  if (journal?.isOpen) journal.close();
  await devices?.close();
  await hw?.close();
  await bo?.close();
  await rm(dir, { recursive: true, force: true });
});

const step = (s: HostedSession) => JSON.stringify(s.actor.getSnapshot().value);
const ctx = <T>(s: HostedSession) => s.actor.getSnapshot().context as T;
async function scan(text: string): Promise<void> {
  const res = await fetch(`${hw.control.url}/devices/scanner/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
  expect(res.status).toBe(200);
}
const journaledEvents = (s: HostedSession) => JSON.stringify(journal.sessions.events(s.id).map((e) => e.event));

describe('hospital registration by medical-insurance e-voucher (医保电子凭证)', () => {
  it('a scanned voucher is resolved by the HIS to the patient, who then goes on to registration', async () => {
    const s = flows.startSession('hospitalRegistration');
    const voucher = insuranceVoucherFor('permit');
    await scan(voucher);
    await eventually(`departments (now ${step(s)})`, () => step(s).includes('choosingDepartment'));
    expect(ctx<{ patient: unknown }>(s).patient).toEqual({ name: '陈测试', idNumber: '810000199506150041' });
    // the voucher is a credential: the journal keeps it redacted
    const events = journaledEvents(s);
    expect(events).toContain('MEDICAL_INSURANCE_SCANNED');
    expect(events).not.toContain(voucher);
  });

  it('an expired voucher sends the patient back to identifying with the reason, nothing else asked', async () => {
    const s = flows.startSession('hospitalRegistration');
    await scan(insuranceVoucherFor('resident', 'expired'));
    await eventually(`back to identifying (now ${step(s)})`, () => ctx<{ identifyProblem: string | null }>(s).identifyProblem ?? undefined);
    expect(step(s)).toContain('identifying');
    expect(ctx<{ identifyProblem: string; patient: unknown; lastFailure: { code: string } }>(s)).toMatchObject({ identifyProblem: 'code-not-recognised', patient: null, lastFailure: { code: 'VOUCHER_EXPIRED' } });
    // then the patient's refreshed voucher works
    await scan(insuranceVoucherFor('resident'));
    await eventually(`departments (now ${step(s)})`, () => step(s).includes('choosingDepartment'));
    expect(ctx<{ patient: { name: string } }>(s).patient.name).toBe('张测试');
  });
});

describe('provident-fund statement by e-social-security card (电子社保卡)', () => {
  it('a scanned code reaches the session as E_SOCIAL_SECURITY_SCANNED and the centre resolves the holder; the statement follows', async () => {
    const s = flows.startSession('providentFundStatement', { identifyBy: ['idCard', 'eSocialSecurityQr'] });
    await scan(socialSecurityCodeFor('resident'));
    await eventually(`choosing the period (now ${step(s)})`, () => step(s).includes('choosingPeriod'));
    expect(ctx<{ holder: unknown }>(s).holder).toEqual({ name: '张测试', idNumber: '110101199003071233' });
    expect(journaledEvents(s)).toContain('E_SOCIAL_SECURITY_SCANNED');
    s.actor.send({ type: 'PERIOD_CHOSEN' });
    await eventually(`preview (now ${step(s)})`, () => step(s).includes('preview'));
    expect(ctx<{ statement: { holderName: string } }>(s).statement.holderName).toBe('张测试');
  });

  it('an expired or unknown code is "not recognised"; a payment code is never taken for one', async () => {
    const s = flows.startSession('providentFundStatement', { identifyBy: ['idCard', 'eSocialSecurityQr'] });
    await scan(socialSecurityCodeFor('permit', 'expired'));
    await eventually(`back to identifying (now ${step(s)})`, () => ctx<{ identifyProblem: string | null }>(s).identifyProblem ?? undefined);
    expect(ctx<{ identifyProblem: string; lastFailure: { code: string } }>(s)).toMatchObject({ identifyProblem: 'code-not-recognised', lastFailure: { code: 'CODE_EXPIRED' } });
    const lookups = () => (bo.providentFund.state() as { codeLookups: { resolved: number; invalid: number; expired: number } }).codeLookups;
    const before = lookups();
    // a WeChat 付款码 on the scanner goes to the session as a payment code, not to the centre
    await scan('134567890123456780');
    await eventually('the payment code reached the session', () => journaledEvents(s).includes('PAYMENT_CODE_SCANNED'));
    expect(lookups()).toEqual(before);
    expect(step(s)).toContain('identifying');
  });

  it('a kiosk that does not offer the QR says so without asking the centre', async () => {
    const s = flows.startSession('providentFundStatement', { identifyBy: ['idCard'] });
    const before = (bo.providentFund.state() as { codeLookups: unknown }).codeLookups;
    await scan(socialSecurityCodeFor('resident-longterm'));
    await eventually(`method not offered (now ${step(s)})`, () => ctx<{ identifyProblem: string | null }>(s).identifyProblem === 'method-not-offered');
    expect((bo.providentFund.state() as { codeLookups: unknown }).codeLookups).toEqual(before);
  });
});
