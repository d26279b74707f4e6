import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BackOfficeSim, SimReject, businessInput, shanghaiDate, shanghaiIso, type SimCommonOptions } from '../sim-server.ts';
import { SIM_SOCIAL_SECURITY_CODE, SimCodeBook, socialSecurityCodeFor, type SimPerson } from '../sim-persons.ts';
import type { ProvidentFundStatement, SocialSecurityPerson, StatementPeriod, StatementRow } from './types.ts';

export { socialSecurityCodeFor };

/**
 * A housing-provident-fund centre (住房公积金管理中心) on loopback, speaking the REST shape in ./http.ts.
 *
 * Seed accounts are keyed by the ID numbers of the simulated ID reader's sample cards
 * (hardware-sim/id-reader/identities.ts), so the end-to-end flow finds them; the foreigner card
 * CAN110090010101 deliberately has no account (NO_ACCOUNT). Rows are generated month by month from
 * each account's opening to the current month (Asia/Shanghai): 汇缴 on the 15th, 结息 on 30 June
 * (1.5 %), and the account's withdrawals.
 *
 * Period rules (PERIOD_INVALID): YYYY-MM; from ≤ to; not before RECORDS_FROM; not after the current
 * month; at most MAX_PERIOD_MONTHS months.
 *
 * Electronic social-security card (电子社保卡) QR: the centre resolves a scanned code to the person (in
 * reality through the social-security platform). It knows the codes of the sample people
 * (../sim-persons.ts: `socialSecurityCodeFor(identityId)` is the current one, `(identityId, 'expired')`
 * an expired one) — including the foreigner without an account, who then gets NO_ACCOUNT for the
 * statement; anything else is CODE_INVALID, an expired one CODE_EXPIRED.
 *
 * Routes for faults: statement, personBySocialSecurityCode. Control routes: /__sim/{state,ledger,faults,reset},
 * GET /__sim/social-security-codes (every known code, by identity), POST /__sim/expire-social-security-code {code}.
 */

export const PROVIDENT_FUND_ROUTES = ['statement', 'personBySocialSecurityCode'] as const;
/** the centre keeps online records from this month on */
export const RECORDS_FROM = '2012-01';
export const MAX_PERIOD_MONTHS = 36;

export interface SimAccount {
  idNumber: string;
  holderName: string;
  /** full account number; statements show only the last 4 digits */
  accountNumber: string;
  employer: string;
  /** YYYY-MM */
  openedMonth: string;
  monthlyDepositFen: number;
  /** deposits stop from this month on and the account is 封存 */
  sealedFrom?: string;
  withdrawals: { date: string; description: string; amountFen: number }[];
}

export const SIM_ACCOUNTS: readonly SimAccount[] = [
  {
    idNumber: '110101199003071233',
    holderName: '张测试',
    accountNumber: '110100201507001233',
    employer: '北京测试科技有限公司',
    openedMonth: '2015-07',
    monthlyDepositFen: 2_400_00,
    withdrawals: [
      { date: '2021-03-20', description: '提取(租房)', amountFen: -1_500_000 },
      { date: '2023-03-18', description: '提取(租房)', amountFen: -1_500_000 },
    ],
  },
  {
    idNumber: '110108195801010028',
    holderName: '李长期测试',
    accountNumber: '110100200001000028',
    employer: '北京样例机械厂',
    openedMonth: '2000-01',
    monthlyDepositFen: 1_360_00,
    sealedFrom: '2018-02',
    withdrawals: [{ date: '2019-05-10', description: '提取(偿还购房贷款)', amountFen: -3_000_000 }],
  },
  {
    idNumber: '810000199506150041',
    holderName: '陈测试',
    accountNumber: '440300202203000041',
    employer: '深圳样例贸易有限公司',
    openedMonth: '2022-03',
    monthlyDepositFen: 1_800_00,
    withdrawals: [],
  },
  {
    idNumber: '931840198504120015',
    holderName: '爱丽丝测试',
    accountNumber: '110100202403000015',
    employer: '北京测试国际学校',
    openedMonth: '2024-03',
    monthlyDepositFen: 3_000_00,
    withdrawals: [],
  },
];

export interface IssuedStatement {
  statementNo: string;
  idNumber: string;
  period: StatementPeriod;
  rows: number;
  generatedAt: string;
}

export interface ProvidentFundSimOptions extends SimCommonOptions {
  /** replaces the seed accounts */
  accounts?: readonly SimAccount[];
}

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'expected a month YYYY-MM' });
const statementBody = z.object({ idNumber: z.string().min(1).max(32), period: z.object({ from: z.string(), to: z.string() }) });

export class ProvidentFundSimulator extends BackOfficeSim {
  private readonly accounts: Map<string, SimAccount>;
  private issued: IssuedStatement[] = [];
  private seq = 0;
  private readonly codes = new SimCodeBook(socialSecurityCodeFor, SIM_SOCIAL_SECURITY_CODE, {
    invalid: { code: 'CODE_INVALID', message: '电子社保卡二维码无效：this is not an e-social-security-card code the centre knows' },
    expired: { code: 'CODE_EXPIRED', message: '电子社保卡二维码已过期：please refresh the code on the phone and scan it again' },
    unknown: 'no such e-social-security-card code (GET /__sim/social-security-codes lists the known ones)',
  });

  constructor(opts: ProvidentFundSimOptions = {}) {
    super('providentFund', PROVIDENT_FUND_ROUTES, {}, opts);
    this.accounts = new Map((opts.accounts ?? SIM_ACCOUNTS).map((a) => [a.idNumber, a]));
  }

  /** The statement the centre would issue now (also what the HTTP route answers). */
  statement(idNumber: string, period: StatementPeriod): ProvidentFundStatement {
    const current = shanghaiDate(this.now()).slice(0, 7);
    for (const [name, m] of [['from', period.from], ['to', period.to]] as const) {
      if (!month.safeParse(m).success) throw new SimReject(400, 'PERIOD_INVALID', `period.${name} "${m}" is not a month YYYY-MM`);
    }
    if (period.from > period.to) throw new SimReject(400, 'PERIOD_INVALID', `period starts (${period.from}) after it ends (${period.to})`);
    if (period.from < RECORDS_FROM) throw new SimReject(400, 'PERIOD_INVALID', `the centre keeps records from ${RECORDS_FROM} on; ${period.from} is earlier — please ask at the counter`);
    if (period.to > current) throw new SimReject(400, 'PERIOD_INVALID', `period ends in the future (${period.to}; this month is ${current})`);
    if (monthsBetween(period.from, period.to) > MAX_PERIOD_MONTHS) {
      throw new SimReject(400, 'PERIOD_INVALID', `a statement covers at most ${MAX_PERIOD_MONTHS} months (${period.from}..${period.to} is ${monthsBetween(period.from, period.to)})`);
    }
    const account = this.accounts.get(idNumber);
    if (!account) throw new SimReject(404, 'NO_ACCOUNT', 'no provident-fund account for this ID number');

    const all = accountRows(account, current);
    const rows = all.filter((r) => r.date.slice(0, 7) >= period.from && r.date.slice(0, 7) <= period.to);
    const now = this.now();
    const statementNo = `GJJ${shanghaiDate(now).replaceAll('-', '')}${String(++this.seq).padStart(6, '0')}`;
    const generatedAt = shanghaiIso(now);
    const sealed = account.sealedFrom !== undefined && account.sealedFrom <= current;
    this.issued.push({ statementNo, idNumber, period: { ...period }, rows: rows.length, generatedAt });
    return {
      statementNo,
      accountNumber: `${'*'.repeat(account.accountNumber.length - 4)}${account.accountNumber.slice(-4)}`,
      holderName: account.holderName,
      idNumber,
      employer: account.employer,
      accountStatus: sealed ? 'sealed' : 'normal',
      balanceFen: all.at(-1)?.balanceFen ?? 0,
      monthlyDepositFen: sealed ? 0 : account.monthlyDepositFen,
      period: { ...period },
      rows,
      generatedAt,
      verificationCode: createHash('sha256').update(`${statementNo}|${idNumber}|${generatedAt}`).digest('hex').slice(0, 12).toUpperCase(),
    };
  }

  /** The person a 电子社保卡 code belongs to, as the HTTP route answers it; throws SimReject CODE_INVALID / CODE_EXPIRED. */
  personByCode(code: string): SocialSecurityPerson {
    const person = this.codes.resolve(code);
    return { name: person.name, idNumber: person.idNumber };
  }

  /** A current code expires (the next scan of it is CODE_EXPIRED). */
  expireCode(code: string): SimPerson {
    return this.codes.expire(code);
  }

  ledger(): { statements: IssuedStatement[] } {
    return { statements: this.issued.map((s) => ({ ...s, period: { ...s.period } })) };
  }

  state(): unknown {
    return { accounts: this.accounts.size, statementsIssued: this.issued.length, codeLookups: this.codes.lookups(), faults: this.activeFaults() };
  }

  reset(): void {
    this.issued = [];
    this.codes.reset();
    this.clearFaults();
  }

  protected defineRoutes(app: FastifyInstance): void {
    this.route(app, 'POST', '/gjj/v1/statements', 'statement', (req) => {
      const b = businessInput(statementBody, req.body);
      return { body: { statement: this.statement(b.idNumber, b.period) } };
    });
    this.route(app, 'POST', '/gjj/v1/persons/by-social-security-code', 'personBySocialSecurityCode', (req) => {
      const b = businessInput(z.object({ code: z.string().min(1).max(512) }), req.body);
      return { body: { person: this.personByCode(b.code.trim()) } };
    });
  }

  protected override defineControl(app: FastifyInstance): void {
    this.control(app, '/__sim/expire-social-security-code', z.strictObject({ code: z.string().min(1) }), (i) => ({ identityId: this.expireCode(i.code.trim()).identityId }));
    app.get('/__sim/social-security-codes', async () => ({ codes: this.codes.listing() }));
  }
}

/** Every row of the account from its opening up to and including `untilMonth`, with running balance. */
function accountRows(a: SimAccount, untilMonth: string): StatementRow[] {
  const events: { date: string; description: string; amountFen: number }[] = [];
  for (let m = a.openedMonth; m <= untilMonth; m = nextMonth(m)) {
    const depositing = a.sealedFrom === undefined || m < a.sealedFrom;
    if (depositing) events.push({ date: `${m}-15`, description: '汇缴', amountFen: a.monthlyDepositFen });
    for (const w of a.withdrawals) if (w.date.slice(0, 7) === m) events.push(w);
    if (m.endsWith('-06')) events.push({ date: `${m}-30`, description: '结息', amountFen: 0 });
  }
  events.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
  let balance = 0;
  const rows: StatementRow[] = [];
  for (const e of events) {
    const amount = e.description === '结息' ? Math.round(balance * 0.015) : e.amountFen;
    if (e.description === '结息' && amount === 0) continue;
    balance += amount;
    rows.push({ date: e.date, description: e.description, amountFen: amount, balanceFen: balance });
  }
  return rows;
}

function nextMonth(m: string): string {
  const y = Number(m.slice(0, 4));
  const mo = Number(m.slice(5, 7));
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
}

/** inclusive count of months from..to */
function monthsBetween(from: string, to: string): number {
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1;
}
