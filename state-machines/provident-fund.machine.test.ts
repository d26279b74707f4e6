import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { ProvidentFundStatement, StatementPeriod } from '../backends/provident-fund/types.ts';
import {
  createProvidentFundMachine,
  defaultPeriod,
  periodProblem,
  providentFundView,
  type PrintReceiptInput,
  type PrintReceiptOutput,
  type ProvidentFundInput,
  type UndeliveredRecord,
} from './provident-fund.machine.ts';
import { statementReceipt } from './receipts.ts';
import { modelPaths, replay, T0, type ModelSpec } from './testing/model-paths.ts';
import { rejected, settle, timeoutError } from './testing/fake-backends.ts';

const SESSION = 'pf-session-0001';
const ID = '420106199001011234';
const KIOSK = { id: 'sz-futian-gov-0001', name: '福田区政务服务中心 24小时自助终端 1号', hotline: '12345' };
const CARD = { name: '张三', idNumber: ID, idNumberValid: true };
const statement = (period: StatementPeriod = { from: '2024-12', to: '2025-11' }): ProvidentFundStatement => ({
  statementNo: 'GJJ2025112500001',
  accountNumber: '************5678',
  holderName: '张三',
  idNumber: ID,
  employer: '深圳市某某科技有限公司',
  accountStatus: 'normal',
  balanceFen: 3_512_345,
  monthlyDepositFen: 240_000,
  period,
  rows: [
    { date: '2025-10-15', description: '汇缴', amountFen: 240_000, balanceFen: 3_272_345 },
    { date: '2025-11-15', description: '汇缴', amountFen: 240_000, balanceFen: 3_512_345 },
  ],
  generatedAt: '2025-11-25T22:03:00+08:00',
  verificationCode: 'https://gjj.example.cn/verify/GJJ2025112500001',
});
const be = (kind: string, outcome: string, code: string) => ({ kind, outcome, code, message: code });
const baseInput: ProvidentFundInput = {
  sessionId: SESSION,
  today: '2025-11-25',
  kiosk: KIOSK,
  identifyBy: ['idCard', 'eSocialSecurityQr'],
  nearbyKiosks: [{ name: '福田区政务服务中心 2号机', location: '一楼东侧', hoursText: '24小时', distanceMeters: 20 }],
};

let undelivered: UndeliveredRecord[] = [];

const flowEvents = () => [
  { type: 'CARD_READ', card: CARD },
  { type: 'CARD_READ', card: { name: '张三', idNumber: '420106199001011235', idNumberValid: false } },
  { type: 'E_SOCIAL_SECURITY_SCANNED', code: 'ESSC-OPAQUE-TOKEN' },
  { type: 'PERIOD_CHOSEN' },
  { type: 'PERIOD_CHOSEN', from: '2026-01', to: '2026-02' },
  { type: 'PRINT' },
  { type: 'BACK' },
  { type: 'RETRY' },
  { type: 'TAKEN' },
  { type: 'DONE' },
  { type: 'CANCEL' },
];

function spec(over: Partial<ModelSpec> = {}): ModelSpec {
  return {
    model: createProvidentFundMachine(() => T0),
    sut: (now) => createProvidentFundMachine(now).provide({ actions: { recordUndelivered: (_: unknown, p: UndeliveredRecord) => undelivered.push(p) } }),
    reset: () => {
      undelivered = [];
    },
    input: baseInput,
    outcomes: {
      identifyBySocialSecurityCode: [{ output: { idNumber: ID, name: '张三' } }, { error: be('rejected', 'not-done', 'NOT_FOUND') }],
      fetchStatement: [{ output: statement() }, { error: be('rejected', 'not-done', 'NO_ACCOUNT') }, { error: be('timeout', 'unknown', 'ETIMEDOUT') }, { error: be('rejected', 'not-done', 'PERIOD_INVALID') }],
      printReceipt: [{ output: { delivered: true, taken: true } }, { output: { delivered: true, taken: null } }, { error: { code: 'PRINTER_PAPER_OUT', detail: 'paper end sensor' } }],
    },
    events: flowEvents,
    abstract: (c) => ({ o: c.outcome, h: c.holder !== null, ip: c.identifyProblem, pp: c.periodProblem !== null }),
    // the idle region has its own model below
    skipTimer: (t) => /Idle/.test(t),
    check: (sut, calls) => {
      const c = sut.context as { holder: unknown; statement: unknown; receipt: unknown; outcome: string | null };
      // nothing personal outlives the session
      if (sut.status === 'done' && (c.holder !== null || c.statement !== null || c.receipt !== null)) throw new Error('personal data left in the ended session');
      // the statement is fetched for the person identified, and printed only once per PRINT
      for (const call of calls.filter((x) => x.src === 'fetchStatement')) if ((call.input as { idNumber: string }).idNumber !== ID) throw new Error('statement fetched for someone else');
      const undeliveredStep = c.outcome === 'undelivered';
      if (undeliveredStep !== undelivered.length > 0) throw new Error(`undelivered recorded ${undelivered.length} time(s) with outcome ${c.outcome}`);
      for (const u of undelivered) if (JSON.stringify(u).includes(ID) || JSON.stringify(u).includes('张三')) throw new Error('personal data in the undelivered record');
    },
    ...over,
  };
}

describe('provident-fund machine: model-based (all simple paths)', () => {
  it('the running machine follows the model on every path; personal data is forgotten at the end; undelivered prints are recorded', async () => {
    const s = spec();
    const paths = modelPaths(s);
    expect(paths.length).toBeGreaterThan(50);
    const outcomes = new Set<string>();
    for (const path of paths) {
      const { final } = await replay(s, path);
      if (final.status === 'done') outcomes.add((final.output as { outcome: string }).outcome);
    }
    expect([...outcomes].sort()).toEqual(['cancelled', 'completed', 'no-account', 'undelivered']);
  });

  it('idle timeout: warning then home on every step the person must act on; TOUCH extends; never while the kiosk is busy', async () => {
    const s = spec({
      events: () => [{ type: 'CARD_READ', card: CARD }, { type: 'PERIOD_CHOSEN' }, { type: 'PRINT' }, { type: 'TOUCH' }],
      outcomes: {
        fetchStatement: [{ output: statement() }],
        printReceipt: [{ output: { delivered: true, taken: null } }, { error: { code: 'PRINT_NOT_DELIVERED' } }],
      },
      skipTimer: undefined,
      abstract: (c) => ({ o: c.outcome }),
    });
    const paths = modelPaths(s);
    const outcomes = new Set<string>();
    let warnings = 0;
    for (const path of paths) {
      const { final } = await replay(s, path);
      if (path.steps.some((st) => JSON.stringify(st.state.value).includes('"idle":"warning"'))) warnings++;
      if (final.status === 'done') outcomes.add((final.output as { outcome: string }).outcome);
    }
    expect(warnings).toBeGreaterThan(5);
    expect([...outcomes].sort()).toEqual(['completed', 'timeout', 'undelivered']);
  });
});

// ───────────────────────────── focused tests ─────────────────────────────

interface Fakes {
  fetch?: (input: { idNumber: string; period: StatementPeriod }) => Promise<ProvidentFundStatement>;
  print?: (input: PrintReceiptInput) => Promise<PrintReceiptOutput>;
}

function run(input: Partial<ProvidentFundInput> = {}, fakes: Fakes = {}) {
  const clock = new SimulatedClock();
  clock.set(T0);
  const prints: PrintReceiptInput[] = [];
  const fetches: { idNumber: string; period: StatementPeriod }[] = [];
  const records: UndeliveredRecord[] = [];
  const machine = createProvidentFundMachine(() => clock.now()).provide({
    actors: {
      fetchStatement: fromPromise<ProvidentFundStatement, { idNumber: string; period: StatementPeriod }>(async ({ input }) => {
        fetches.push(input);
        return fakes.fetch ? fakes.fetch(input) : statement(input.period);
      }),
      printReceipt: fromPromise<PrintReceiptOutput, PrintReceiptInput>(async ({ input }) => {
        prints.push(input);
        return fakes.print ? fakes.print(input) : { delivered: true, taken: null };
      }),
      identifyBySocialSecurityCode: fromPromise<{ idNumber: string; name: string }, { code: string }>(async ({ input }) => {
        if (input.code !== 'ESSC-OK') throw rejected('NOT_FOUND', 'providentFund');
        return { idNumber: ID, name: '张三' };
      }),
    },
    actions: { recordUndelivered: (_: unknown, p: UndeliveredRecord) => records.push(p) },
  });
  const actor = createActor(machine, { clock, input: { ...baseInput, ...input } });
  actor.start();
  const flow = () => (actor.getSnapshot().value as { session?: { flow: string } }).session?.flow ?? actor.getSnapshot().value;
  const idle = () => (actor.getSnapshot().value as { session?: { idle: string } }).session?.idle;
  return { actor, clock, prints, fetches, records, machine, flow, idle };
}

describe('provident-fund machine: the service', () => {
  it('defaults to the last 12 months and never more than the centre allows', () => {
    expect(defaultPeriod('2025-11-25', 36)).toEqual({ from: '2024-12', to: '2025-11' });
    expect(defaultPeriod('2025-01-03', 6)).toEqual({ from: '2024-08', to: '2025-01' });
    expect(periodProblem({ from: '2025-01', to: '2025-12' }, '2025-11-25', 36)).toBe('截止月份不能晚于本月');
    expect(periodProblem({ from: '2025-06', to: '2025-01' }, '2025-11-25', 36)).toBe('起始月份不能晚于截止月份');
    expect(periodProblem({ from: '2020-01', to: '2025-11' }, '2025-11-25', 36)).toBe('一次最多查询 36 个月');
    expect(periodProblem({ from: '2025-1', to: '2025-11' }, '2025-11-25', 36)).toBe('请选择起止年月');
    expect(periodProblem({ from: '2023-12', to: '2025-11' }, '2025-11-25', 24)).toBeNull();
  });

  it('card → default period → statement → preview → print (masked ID on paper) → taken → completed', async () => {
    const { actor, flow, prints, fetches } = run({}, { print: async () => ({ delivered: true, taken: true }) });
    expect(flow()).toBe('identifying');
    actor.send({ type: 'CARD_READ', card: CARD });
    expect(flow()).toBe('choosingPeriod');
    actor.send({ type: 'PERIOD_CHOSEN' });
    await settle();
    expect(fetches).toEqual([{ idNumber: ID, period: { from: '2024-12', to: '2025-11' } }]);
    expect(flow()).toBe('preview');
    const view = providentFundView(actor.getSnapshot());
    expect(view.holder).toEqual({ name: '张**', idNumber: '4201**********1234' });
    expect(JSON.stringify(view)).not.toContain(ID);
    actor.send({ type: 'PRINT' });
    await settle();
    expect(prints).toHaveLength(1);
    expect(prints[0]).toMatchObject({ sessionId: SESSION, printJobId: `${SESSION}-statement-1`, job: statementReceipt(statement(), KIOSK) });
    expect(JSON.stringify(prints[0]!.job)).not.toContain(ID);
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toEqual({ outcome: 'completed', period: { from: '2024-12', to: '2025-11' }, printed: true, printJobId: `${SESSION}-statement-1`, fault: null });
    expect(actor.getSnapshot().context).toMatchObject({ holder: null, statement: null, receipt: null });
  });

  it('a chosen period is checked before the centre is asked; the centre refusing a period sends the person back with a reason', async () => {
    const { actor, flow, fetches } = run({ maxPeriodMonths: 24 }, { fetch: async () => Promise.reject(rejected('PERIOD_INVALID', 'providentFund')) });
    actor.send({ type: 'CARD_READ', card: CARD });
    actor.send({ type: 'PERIOD_CHOSEN', from: '2022-01', to: '2025-11' });
    expect(flow()).toBe('choosingPeriod');
    expect(actor.getSnapshot().context.periodProblem).toBe('一次最多查询 24 个月');
    expect(fetches).toHaveLength(0);
    actor.send({ type: 'PERIOD_CHOSEN', from: '2024-01', to: '2025-11' });
    await settle();
    expect(flow()).toBe('choosingPeriod');
    expect(actor.getSnapshot().context.periodProblem).toContain('缩短查询期间');
  });

  it('no account: a clear step of its own, then home', async () => {
    const { actor, flow } = run({}, { fetch: async () => Promise.reject(rejected('NO_ACCOUNT', 'providentFund')) });
    actor.send({ type: 'CARD_READ', card: CARD });
    actor.send({ type: 'PERIOD_CHOSEN' });
    await settle();
    expect(flow()).toBe('noAccount');
    actor.send({ type: 'DONE' });
    expect(actor.getSnapshot().output).toMatchObject({ outcome: 'no-account', printed: false });
  });

  it('the centre not answering offers a retry', async () => {
    let calls = 0;
    const { actor, flow } = run({}, {
      fetch: async (i) => {
        if (++calls === 1) throw timeoutError('providentFund');
        return statement(i.period);
      },
    });
    actor.send({ type: 'CARD_READ', card: CARD });
    actor.send({ type: 'PERIOD_CHOSEN' });
    await settle();
    expect(flow()).toBe('fetchFailed');
    expect(actor.getSnapshot().context.lastFailure).toMatchObject({ kind: 'timeout', code: 'ETIMEDOUT' });
    actor.send({ type: 'RETRY' });
    await settle();
    expect(flow()).toBe('preview');
  });

  it('identification: an unreadable card or a method not offered is refused with a reason; the e-social-security code is resolved', async () => {
    const cardOnly = run({ identifyBy: ['idCard'] });
    cardOnly.actor.send({ type: 'E_SOCIAL_SECURITY_SCANNED', code: 'ESSC-OK' });
    expect(cardOnly.actor.getSnapshot().context.identifyProblem).toBe('method-not-offered');
    cardOnly.actor.send({ type: 'CARD_READ', card: { ...CARD, idNumberValid: false } });
    expect(cardOnly.actor.getSnapshot().context.identifyProblem).toBe('card-unreadable');
    expect(cardOnly.flow()).toBe('identifying');

    const both = run();
    both.actor.send({ type: 'E_SOCIAL_SECURITY_SCANNED', code: 'nope' });
    await settle();
    expect(both.flow()).toBe('identifying');
    expect(both.actor.getSnapshot().context.identifyProblem).toBe('code-not-recognised');
    both.actor.send({ type: 'E_SOCIAL_SECURITY_SCANNED', code: 'ESSC-OK' });
    await settle();
    expect(both.flow()).toBe('choosingPeriod');
  });

  it('undelivered print: says so, offers the nearby kiosks, records it (nothing personal), ends "undelivered"', async () => {
    const { actor, flow, records } = run({}, { print: async () => Promise.reject({ code: 'PRINT_NOT_DELIVERED', detail: 'no completion id within 20 s' }) });
    actor.send({ type: 'CARD_READ', card: CARD });
    actor.send({ type: 'PERIOD_CHOSEN' });
    await settle();
    actor.send({ type: 'PRINT' });
    actor.send({ type: 'CANCEL' }); // ignored while paper is moving
    await settle();
    expect(flow()).toBe('undelivered');
    expect(providentFundView(actor.getSnapshot()).nearbyKiosks).toEqual(baseInput.nearbyKiosks);
    expect(records).toEqual([
      { sessionId: SESSION, service: 'providentFundStatement', printJobId: `${SESSION}-statement-1`, title: '公积金缴存明细', fault: 'PRINT_NOT_DELIVERED', detail: 'no completion id within 20 s' },
    ]);
    actor.send({ type: 'DONE' });
    expect(actor.getSnapshot().output).toMatchObject({ outcome: 'undelivered', printed: false, fault: 'PRINT_NOT_DELIVERED' });
  });

  it('"please take your receipt" ends on TAKEN or after a short timeout (twice as long in elderly mode)', async () => {
    for (const [elderlyMode, seconds] of [
      [false, 15],
      [true, 30],
    ] as const) {
      const { actor, clock, flow } = run({ elderlyMode });
      actor.send({ type: 'CARD_READ', card: CARD });
      actor.send({ type: 'PERIOD_CHOSEN' });
      await settle();
      actor.send({ type: 'PRINT' });
      await settle();
      expect(flow()).toBe('takingReceipt');
      clock.increment(seconds * 1000 - 1);
      expect(flow()).toBe('takingReceipt');
      clock.increment(1);
      expect(actor.getSnapshot().output).toMatchObject({ outcome: 'completed', printed: true });
    }
  });
});

describe('provident-fund machine: idle timeout', () => {
  it('warns at deadline − warning, TOUCH extends, then goes home with "timeout"', () => {
    const { actor, clock, idle, flow } = run({ idle: { timeoutSeconds: 60, warningSeconds: 15, elderlyTimeoutSeconds: 120 } });
    expect(idle()).toBe('watching');
    expect(actor.getSnapshot().context.idleDeadline).toBe(T0 + 60_000);
    clock.increment(44_999);
    expect(idle()).toBe('watching');
    clock.increment(1);
    expect(idle()).toBe('warning');
    actor.send({ type: 'TOUCH' });
    expect(idle()).toBe('watching');
    expect(actor.getSnapshot().context.idleDeadline).toBe(T0 + 45_000 + 60_000);
    // (one timer per increment: SimulatedClock misses a timer armed by the last one it fires)
    clock.increment(45_000);
    expect(idle()).toBe('warning');
    clock.increment(15_000);
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toMatchObject({ outcome: 'timeout' });
    expect(flow()).toBe('ended');
  });

  it('elderly mode waits longer', () => {
    const { actor, clock, idle } = run({ elderlyMode: true, idle: { timeoutSeconds: 60, warningSeconds: 15, elderlyTimeoutSeconds: 180 } });
    clock.increment(164_999);
    expect(idle()).toBe('watching');
    clock.increment(1);
    expect(idle()).toBe('warning');
    expect(actor.getSnapshot().context.idleDeadline).toBe(T0 + 180_000);
  });

  it('is paused while the centre is asked (no timeout during a slow answer), and restarts on the next step', async () => {
    let answer!: (s: ProvidentFundStatement) => void;
    const { actor, clock, idle, flow } = run({}, { fetch: () => new Promise((r) => (answer = r)) });
    actor.send({ type: 'CARD_READ', card: CARD });
    actor.send({ type: 'PERIOD_CHOSEN' });
    expect(flow()).toBe('fetching');
    expect(idle()).toBe('paused');
    clock.increment(10 * 60_000);
    expect(flow()).toBe('fetching');
    answer(statement());
    await settle();
    expect(flow()).toBe('preview');
    expect(idle()).toBe('watching');
    expect(actor.getSnapshot().context.idleDeadline).toBe(clock.now() + 60_000);
  });

  it('a session restored during the warning resumes with the time that was left', () => {
    const first = run();
    first.actor.send({ type: 'CARD_READ', card: CARD });
    first.clock.increment(50_000); // warning since 45 s, 10 s left
    expect(first.idle()).toBe('warning');
    const persisted = JSON.parse(JSON.stringify(first.actor.getPersistedSnapshot()));
    first.actor.stop();
    const clock = first.clock; // the stopped actor's timers are gone with it
    clock.increment(3_000); // back 3 s later: 7 s left
    const restored = createActor(first.machine, { clock, snapshot: persisted, input: undefined as never });
    restored.start();
    restored.send({ type: 'zizhu.resume' });
    clock.increment(6_999);
    expect(restored.getSnapshot().status).toBe('active');
    clock.increment(1);
    expect(restored.getSnapshot().output).toMatchObject({ outcome: 'timeout' });
  });
});
