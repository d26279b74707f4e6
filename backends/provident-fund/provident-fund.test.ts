import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { backendErrorOf, closedPortUrl, postJson } from '../test-helpers.ts';
import { HttpProvidentFundCentre } from './http.ts';
import { ProvidentFundSimulator, SIM_ACCOUNTS, socialSecurityCodeFor } from './simulator.ts';

let sim: ProvidentFundSimulator;
let centre: HttpProvidentFundCentre;
/** waits 300 ms: for the faults that hold the answer */
let quick: HttpProvidentFundCentre;
const ZHANG = '110101199003071233';

// a fixed clock: 2025-11-20 10:00 in Asia/Shanghai
const NOW = Date.parse('2025-11-20T10:00:00+08:00');

beforeEach(async () => {
  sim = new ProvidentFundSimulator({ now: () => NOW });
  const { url } = await sim.start();
  centre = new HttpProvidentFundCentre({ url, timeoutMs: 5_000 });
  quick = new HttpProvidentFundCentre({ url, timeoutMs: 300 });
});
afterEach(async () => {
  await sim.close();
});

describe('statement', () => {
  it('gives the holder’s rows for the period with a running balance, account number masked', async () => {
    const s = await centre.statement({ idNumber: ZHANG, period: { from: '2024-11', to: '2025-10' } });
    expect(s).toMatchObject({ idNumber: ZHANG, holderName: '张测试', accountStatus: 'normal', period: { from: '2024-11', to: '2025-10' } });
    expect(s.accountNumber).toMatch(/^\*+1233$/);
    const deposits = s.rows.filter((r) => r.description === '汇缴');
    expect(deposits).toHaveLength(12);
    expect(s.rows.some((r) => r.description === '结息' && r.date === '2025-06-30')).toBe(true);
    for (const r of s.rows) expect(r.date >= '2024-11-01' && r.date <= '2025-10-31').toBe(true);
    for (let i = 1; i < s.rows.length; i++) expect(s.rows[i]!.balanceFen).toBe(s.rows[i - 1]!.balanceFen + s.rows[i]!.amountFen);
    expect(s.balanceFen).toBeGreaterThan(s.rows.at(-1)!.balanceFen); // November's deposit is after the period
    expect(s.statementNo).toMatch(/^GJJ20251120\d{6}$/);
    expect(s.verificationCode).toMatch(/^[0-9A-F]{12}$/);
    expect(sim.ledger().statements).toHaveLength(1);
  });

  it('a sealed (封存) account shows no monthly deposit and its withdrawal', async () => {
    const s = await centre.statement({ idNumber: '110108195801010028', period: { from: '2018-01', to: '2019-12' } });
    expect(s).toMatchObject({ accountStatus: 'sealed', monthlyDepositFen: 0 });
    expect(s.rows.filter((r) => r.description === '汇缴').map((r) => r.date)).toEqual(['2018-01-15']);
    expect(s.rows.find((r) => r.description.startsWith('提取'))).toMatchObject({ amountFen: -3_000_000 });
  });

  it('no account for this ID number → rejected NO_ACCOUNT', async () => {
    const err = await backendErrorOf(centre.statement({ idNumber: 'CAN110090010101', period: { from: '2025-01', to: '2025-10' } }));
    expect(err).toMatchObject({ backend: 'providentFund', kind: 'rejected', outcome: 'not-done', code: 'NO_ACCOUNT' });
  });

  it.each([
    [{ from: '2025-10', to: '2025-01' }, /after it ends/],
    [{ from: '2025-01', to: '2025-12' }, /future/],
    [{ from: '2011-01', to: '2011-12' }, /records from 2012-01/],
    [{ from: '2020-01', to: '2025-10' }, /at most 36 months/],
    [{ from: '2025-13', to: '2025-10' }, /not a month/],
  ])('period %j → rejected PERIOD_INVALID (%s)', async (period, message) => {
    const err = await backendErrorOf(centre.statement({ idNumber: ZHANG, period }));
    expect(err).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'PERIOD_INVALID' });
    expect(err.message).toMatch(message);
  });

  it('every sample ID card of the simulated reader has an account, except the one kept for NO_ACCOUNT', () => {
    const withAccount = new Set(SIM_ACCOUNTS.map((a) => a.idNumber));
    const missing = SAMPLE_IDENTITIES.filter((i) => !withAccount.has(i.card.idNumber)).map((i) => i.card.idNumber);
    expect(missing).toEqual(['CAN110090010101']);
    for (const a of SIM_ACCOUNTS) expect(SAMPLE_IDENTITIES.find((i) => i.card.idNumber === a.idNumber)?.card.name).toBe(a.holderName);
  });
});

describe('faults (a statement is a read: never "unknown")', () => {
  it('connection refused → unavailable, not-done', async () => {
    const down = new HttpProvidentFundCentre({ url: await closedPortUrl(), timeoutMs: 5_000 });
    expect(await backendErrorOf(down.statement({ idNumber: ZHANG, period: { from: '2025-01', to: '2025-10' } }))).toMatchObject({ kind: 'unavailable', outcome: 'not-done' });
  });

  it.each([
    [{ mode: 'timeout' }, { kind: 'timeout', outcome: 'not-done', code: 'TIMEOUT' }],
    [{ mode: 'error', status: 503 }, { kind: 'unavailable', outcome: 'not-done', code: '503' }],
    [{ mode: 'unknown-result', then: 'drop' }, { kind: 'unavailable', outcome: 'not-done' }],
    [{ mode: 'unknown-result', then: 'garbage' }, { kind: 'protocol', outcome: 'not-done', code: 'BAD_JSON' }],
  ] as const)('fault %j → %j', async (fault, expected) => {
    sim.injectFault({ route: 'statement', times: 1, ...fault });
    expect(await backendErrorOf(quick.statement({ idNumber: ZHANG, period: { from: '2025-01', to: '2025-10' } }))).toMatchObject(expected);
    // and the next call works
    expect((await centre.statement({ idNumber: ZHANG, period: { from: '2025-01', to: '2025-10' } })).idNumber).toBe(ZHANG);
  });
});

describe('e-social-security card (电子社保卡) code', () => {
  it('resolves each sample person’s current code to that person, also one without an account', async () => {
    expect(await centre.personBySocialSecurityCode({ code: socialSecurityCodeFor('resident') })).toEqual({ name: '张测试', idNumber: ZHANG });
    const foreigner = await centre.personBySocialSecurityCode({ code: socialSecurityCodeFor('foreigner') });
    expect(foreigner).toEqual({ name: '泰斯特', idNumber: 'CAN110090010101' });
    expect(await backendErrorOf(centre.statement({ idNumber: foreigner.idNumber, period: { from: '2025-01', to: '2025-10' } }))).toMatchObject({ code: 'NO_ACCOUNT' });
  });

  it.each([
    ['a well-formed code the centre does not know', 'ESSC11000000000000000000000000'],
    ['a medical-insurance voucher', '4243669509084040896099330000'],
    ['free text', 'https://example.invalid/x'],
  ])('%s → rejected CODE_INVALID, not done, the code never in the message', async (_what, code) => {
    const err = await backendErrorOf(centre.personBySocialSecurityCode({ code }));
    expect(err).toMatchObject({ backend: 'providentFund', kind: 'rejected', outcome: 'not-done', code: 'CODE_INVALID' });
    expect(err.message).not.toContain(code);
  });

  it('an expired code → rejected CODE_EXPIRED; a current one can expire meanwhile (over the control route too)', async () => {
    expect(await backendErrorOf(centre.personBySocialSecurityCode({ code: socialSecurityCodeFor('permit', 'expired') }))).toMatchObject({ kind: 'rejected', code: 'CODE_EXPIRED' });
    const code = socialSecurityCodeFor('permit');
    expect(await postJson(`${sim.url}/__sim/expire-social-security-code`, { code })).toMatchObject({ status: 200, body: { identityId: 'permit' } });
    expect(await backendErrorOf(centre.personBySocialSecurityCode({ code }))).toMatchObject({ kind: 'rejected', code: 'CODE_EXPIRED' });
    const list = (await (await fetch(`${sim.url}/__sim/social-security-codes`)).json()) as { codes: { identityId: string; expired: boolean }[] };
    expect(list.codes.find((c) => c.identityId === 'permit')?.expired).toBe(true);
    expect(await postJson(`${sim.url}/__sim/expire-social-security-code`, { code: 'ESSC-nope' })).toMatchObject({ status: 400 });
  });

  it('is a read: a dropped answer is not-done, and the next call works', async () => {
    sim.injectFault({ route: 'personBySocialSecurityCode', mode: 'unknown-result', then: 'drop', times: 1 });
    expect(await backendErrorOf(quick.personBySocialSecurityCode({ code: socialSecurityCodeFor('resident') }))).toMatchObject({ kind: 'unavailable', outcome: 'not-done' });
    expect((await centre.personBySocialSecurityCode({ code: socialSecurityCodeFor('resident') })).idNumber).toBe(ZHANG);
  });
});
