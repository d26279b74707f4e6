/**
 * Housing-provident-fund statement (government 24h kiosk):
 *
 *   identifying ─ CARD_READ ───────────────────────────────┐
 *       └─ E_SOCIAL_SECURITY_SCANNED → resolvingSocialSecurityCode ─┤
 *                                                           ▼
 *   choosingPeriod (default: last 12 months) ─ PERIOD_CHOSEN → fetching ─┬─ NO_ACCOUNT → noAccount
 *                                                           │            ├─ timeout/5xx → fetchFailed (RETRY)
 *                                                           ▼            │
 *   preview ─ PRINT → printing ─┬─ delivered, taken → ended             │
 *                               ├─ delivered → takingReceipt (TAKEN / short timeout) → ended
 *                               └─ not delivered → undelivered (nearby kiosks; recorded) → ended
 *
 * CANCEL anywhere (except while the receipt is printing) ends the session; idle timeout likewise.
 * Personal data: the holder's name and ID number are in context only while the session runs;
 * `ended` forgets them (and the statement), and `providentFundView` masks them for the screen.
 */
import { assign, fromPromise, raise, setup } from 'xstate';
import type { ProvidentFundStatement, StatementPeriod } from '../backends/provident-fund/types.ts';
import type { PrintJob } from '../drivers/printer/job.ts';
import { maskIdNumber, maskName } from '../contracts/pii.ts';
import { msUntil, systemNow, type Now } from './deadlines.ts';
import { callFailure, notProvided, printFailure, type CallFailure, type PrintFailure } from './failures.ts';
import { IDLE_REGION, idleDelays, idleTiming, type IdleContext, type IdleSettings, type NearbyKiosk } from './idle.ts';
import { statementReceipt, type KioskIdentity } from './receipts.ts';

export type ProvidentFundIdentifyBy = 'idCard' | 'eSocialSecurityQr';

/** What the flow needs from an ID card read (drivers/id-reader IdCard has these fields). */
export interface IdCardLike {
  name: string;
  idNumber: string;
  /** false when the number's check digit does not hold (a bad read) */
  idNumberValid?: boolean;
}

export interface ProvidentFundInput {
  sessionId: string;
  /** today in the kiosk's time zone, YYYY-MM-DD (sets the default period) */
  today: string;
  kiosk: KioskIdentity;
  /** config services.providentFundStatement.identifyBy (default ['idCard']) */
  identifyBy?: ProvidentFundIdentifyBy[];
  /** config services.providentFundStatement.maxPeriodMonths (default 36) */
  maxPeriodMonths?: number;
  /** config ui.idle */
  idle?: IdleSettings;
  elderlyMode?: boolean;
  /** "please take your receipt" shows this long when the printer cannot tell (default 15; doubled in elderly mode) */
  takeReceiptSeconds?: number;
  /** config ui.nearbyKiosks: offered when the receipt could not be delivered */
  nearbyKiosks?: NearbyKiosk[];
}

export type ProvidentFundOutcome = 'completed' | 'cancelled' | 'timeout' | 'no-account' | 'undelivered';

export interface ProvidentFundContext extends IdleContext {
  sessionId: string;
  today: string;
  kiosk: KioskIdentity;
  identifyBy: ProvidentFundIdentifyBy[];
  maxPeriodMonths: number;
  nearbyKiosks: NearbyKiosk[];
  takeReceiptMs: number;
  /** epoch ms: "please take your receipt" ends then */
  takeDeadline: number | null;
  holder: { name: string; idNumber: string } | null;
  /** why the last identification was not accepted: card-unreadable | method-not-offered | code-not-recognised */
  identifyProblem: string | null;
  period: StatementPeriod;
  /** why the chosen period was not accepted (shown next to the picker) */
  periodProblem: string | null;
  statement: ProvidentFundStatement | null;
  receipt: PrintJob | null;
  printJobId: string | null;
  printAttempt: number;
  printFailure: PrintFailure | null;
  lastFailure: CallFailure | null;
  outcome: ProvidentFundOutcome | null;
}

export interface ProvidentFundOutput {
  outcome: ProvidentFundOutcome;
  period: StatementPeriod;
  printed: boolean;
  printJobId: string | null;
  /** the fault code when the receipt was not delivered */
  fault: string | null;
}

export type ProvidentFundEvent =
  | { type: 'CARD_READ'; card: IdCardLike }
  | { type: 'E_SOCIAL_SECURITY_SCANNED'; code: string }
  /** from/to "YYYY-MM"; absent → the default (last 12 months) */
  | { type: 'PERIOD_CHOSEN'; from?: string; to?: string }
  | { type: 'PRINT' }
  | { type: 'BACK' }
  | { type: 'RETRY' }
  /** the presenter saw the receipt taken, or the person pressed "I have it" */
  | { type: 'TAKEN' }
  | { type: 'DONE' }
  | { type: 'CANCEL' }
  | { type: 'TOUCH' }
  /** sent by the runtime right after restoring a snapshot: re-arms the timers */
  | { type: 'zizhu.resume' }
  // internal (raised by the machine itself)
  | { type: 'IDLE_TIMEOUT' }
  | { type: 'idle.restart' }
  | { type: 'idle.pause' };

export interface PrintReceiptInput {
  job: PrintJob;
  sessionId: string;
  /** stable per print attempt: the runtime journals the print job under it (a restored session does not print twice) */
  printJobId: string;
  /** the journal's print_jobs.kind: 'provident-fund-statement' | 'registration-slip' */
  kind?: string;
}
export interface PrintReceiptOutput {
  delivered: true;
  /** presenter printers: was the receipt taken? null when the printer cannot tell */
  taken: boolean | null;
}

/** Params of the `recordUndelivered` action (the runtime journals it and tells HQ). */
export interface UndeliveredRecord {
  sessionId: string;
  service: 'providentFundStatement' | 'hospitalRegistration';
  printJobId: string | null;
  /** receipt title, never personal */
  title: string;
  fault: string;
  detail: string;
}

// ───────────────────────────── periods ─────────────────────────────

const YM = /^(\d{4})-(0[1-9]|1[0-2])$/;
const monthIndex = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7)) - 1;
const ymOf = (index: number) => `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;

/** The last 12 months up to this one (fewer when the centre keeps fewer). */
export function defaultPeriod(today: string, maxPeriodMonths: number): StatementPeriod {
  const to = today.slice(0, 7);
  if (!YM.test(to)) throw new RangeError(`today must be YYYY-MM-DD, got "${today}"`);
  const months = Math.max(1, Math.min(12, maxPeriodMonths));
  return { from: ymOf(monthIndex(to) - months + 1), to };
}

/** Why a period cannot be asked for, in words for the screen; null when it can. */
export function periodProblem(p: { from: string; to: string }, today: string, maxPeriodMonths: number): string | null {
  if (!YM.test(p.from) || !YM.test(p.to)) return '请选择起止年月';
  const current = monthIndex(today.slice(0, 7));
  if (monthIndex(p.from) > monthIndex(p.to)) return '起始月份不能晚于截止月份';
  if (monthIndex(p.to) > current) return '截止月份不能晚于本月';
  const months = monthIndex(p.to) - monthIndex(p.from) + 1;
  if (months > maxPeriodMonths) return `一次最多查询 ${maxPeriodMonths} 个月`;
  return null;
}

// ───────────────────────────── machine ─────────────────────────────

export function delaysFor(now: Now = systemNow) {
  return {
    ...idleDelays(now),
    untilTakeDeadline: ({ context }: { context: ProvidentFundContext }) => msUntil(context.takeDeadline, now),
  };
}

export function createProvidentFundMachine(now: Now = systemNow) {
  return setup({
    types: {
      context: {} as ProvidentFundContext,
      events: {} as ProvidentFundEvent,
      input: {} as ProvidentFundInput,
      output: {} as ProvidentFundOutput,
    },
    actors: {
      /** e-social-security-card QR → who it is (the centre's or the HR bureau's service) */
      identifyBySocialSecurityCode: fromPromise<{ idNumber: string; name: string }, { code: string }>(async () => notProvided('identifyBySocialSecurityCode')),
      fetchStatement: fromPromise<ProvidentFundStatement, { idNumber: string; period: StatementPeriod }>(async () => notProvided('fetchStatement')),
      printReceipt: fromPromise<PrintReceiptOutput, PrintReceiptInput>(async () => notProvided('printReceipt')),
    },
    actions: {
      recordUndelivered: (_args, _params: UndeliveredRecord) => {},
      armIdle: assign({ idleDeadline: ({ context }) => now() + context.idleTimeoutMs }),
      raiseIdleTimeout: raise({ type: 'IDLE_TIMEOUT' }),
      armTakeDeadline: assign({ takeDeadline: ({ context }) => context.takeDeadline ?? now() + context.takeReceiptMs }),
      restartIdle: raise({ type: 'idle.restart' }),
      pauseIdle: raise({ type: 'idle.pause' }),
      outcome: assign({ outcome: ({ context }, params: { outcome: ProvidentFundOutcome }) => context.outcome ?? params.outcome }),
      failed: assign({ lastFailure: ({ event }) => callFailure((event as { error?: unknown }).error) }),
      forgetPersonalData: assign({ holder: null, statement: null, receipt: null }),
    },
    guards: {
      qrAccepted: ({ context }) => context.identifyBy.includes('eSocialSecurityQr'),
    },
    delays: delaysFor(now),
  }).createMachine({
    id: 'providentFund',
    context: ({ input }) => {
      const maxPeriodMonths = input.maxPeriodMonths ?? 36;
      const takeSeconds = (input.takeReceiptSeconds ?? 15) * (input.elderlyMode ? 2 : 1);
      return {
        sessionId: input.sessionId,
        today: input.today,
        kiosk: input.kiosk,
        identifyBy: input.identifyBy && input.identifyBy.length > 0 ? input.identifyBy : ['idCard'],
        maxPeriodMonths,
        nearbyKiosks: input.nearbyKiosks ?? [],
        ...idleTiming(input.idle, input.elderlyMode),
        idleDeadline: null,
        takeReceiptMs: takeSeconds * 1000,
        takeDeadline: null,
        holder: null,
        identifyProblem: null,
        period: defaultPeriod(input.today, maxPeriodMonths),
        periodProblem: null,
        statement: null,
        receipt: null,
        printJobId: null,
        printAttempt: 0,
        printFailure: null,
        lastFailure: null,
        outcome: null,
      };
    },
    initial: 'session',
    states: {
      session: {
        type: 'parallel',
        states: {
          flow: {
            initial: 'identifying',
            on: {
              CANCEL: { target: '#providentFund.ended', actions: { type: 'outcome', params: { outcome: 'cancelled' } } },
              IDLE_TIMEOUT: { target: '#providentFund.ended', actions: { type: 'outcome', params: { outcome: 'timeout' } } },
            },
            states: {
              identifying: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  CARD_READ: [
                    { guard: ({ context }) => !context.identifyBy.includes('idCard'), actions: assign({ identifyProblem: 'method-not-offered' }) },
                    { guard: ({ event }) => event.card.idNumberValid === false || !event.card.idNumber, actions: assign({ identifyProblem: 'card-unreadable' }) },
                    {
                      target: 'choosingPeriod',
                      actions: assign({ holder: ({ event }) => ({ name: event.card.name, idNumber: event.card.idNumber }), identifyProblem: null }),
                    },
                  ],
                  E_SOCIAL_SECURITY_SCANNED: [
                    { guard: 'qrAccepted', target: 'resolvingSocialSecurityCode', actions: assign({ identifyProblem: null }) },
                    { actions: assign({ identifyProblem: 'method-not-offered' }) },
                  ],
                },
              },
              resolvingSocialSecurityCode: {
                entry: 'pauseIdle',
                invoke: {
                  src: 'identifyBySocialSecurityCode',
                  input: ({ event }) => ({ code: event.type === 'E_SOCIAL_SECURITY_SCANNED' ? event.code.trim() : '' }),
                  onDone: { target: 'choosingPeriod', actions: assign({ holder: ({ event }) => ({ name: event.output.name, idNumber: event.output.idNumber }) }) },
                  onError: { target: 'identifying', actions: ['failed', assign({ identifyProblem: 'code-not-recognised' })] },
                },
              },
              choosingPeriod: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  PERIOD_CHOSEN: [
                    {
                      guard: ({ context, event }) =>
                        periodProblem({ from: event.from ?? context.period.from, to: event.to ?? context.period.to }, context.today, context.maxPeriodMonths) === null,
                      target: 'fetching',
                      actions: assign({
                        period: ({ context, event }) => ({ from: event.from ?? context.period.from, to: event.to ?? context.period.to }),
                        periodProblem: null,
                      }),
                    },
                    {
                      actions: assign({
                        periodProblem: ({ context, event }) =>
                          periodProblem({ from: event.from ?? context.period.from, to: event.to ?? context.period.to }, context.today, context.maxPeriodMonths),
                      }),
                    },
                  ],
                  BACK: { target: 'identifying', actions: assign({ holder: null }) },
                },
              },
              fetching: {
                entry: 'pauseIdle',
                invoke: {
                  src: 'fetchStatement',
                  input: ({ context }) => ({ idNumber: context.holder?.idNumber ?? '', period: context.period }),
                  onDone: { target: 'preview', actions: assign({ statement: ({ event }) => event.output, lastFailure: null }) },
                  onError: [
                    { guard: ({ event }) => callFailure(event.error).code === 'NO_ACCOUNT', target: 'noAccount', actions: 'failed' },
                    {
                      guard: ({ event }) => callFailure(event.error).code === 'PERIOD_INVALID',
                      target: 'choosingPeriod',
                      actions: ['failed', assign({ periodProblem: '公积金中心没有这个期间的记录，请缩短查询期间' })],
                    },
                    { target: 'fetchFailed', actions: 'failed' },
                  ],
                },
              },
              /** the centre did not answer: offer to try again */
              fetchFailed: {
                entry: ['armIdle', 'restartIdle'],
                on: { RETRY: 'fetching', BACK: 'choosingPeriod' },
              },
              /** 未查询到公积金账户 */
              noAccount: {
                entry: ['armIdle', 'restartIdle', { type: 'outcome', params: { outcome: 'no-account' } }],
                on: { DONE: '#providentFund.ended' },
              },
              preview: {
                entry: ['armIdle', 'restartIdle'],
                on: {
                  PRINT: {
                    target: 'printing',
                    actions: assign({
                      printAttempt: ({ context }) => context.printAttempt + 1,
                      printJobId: ({ context }) => `${context.sessionId}-statement-${context.printAttempt + 1}`,
                      receipt: ({ context }) => (context.statement ? statementReceipt(context.statement, context.kiosk) : null),
                    }),
                  },
                  BACK: 'choosingPeriod',
                },
              },
              printing: {
                entry: 'pauseIdle',
                invoke: {
                  src: 'printReceipt',
                  input: ({ context }) => ({
                    job: context.receipt ?? { title: '公积金缴存明细', lines: [{ kind: 'text' as const, text: '' }] },
                    sessionId: context.sessionId,
                    printJobId: context.printJobId ?? `${context.sessionId}-statement-${context.printAttempt}`,
                    kind: 'provident-fund-statement',
                  }),
                  onDone: [
                    { guard: ({ event }) => event.output.taken === true, target: '#providentFund.ended', actions: { type: 'outcome', params: { outcome: 'completed' } } },
                    { target: 'takingReceipt' },
                  ],
                  onError: {
                    target: 'undelivered',
                    actions: [
                      assign({ printFailure: ({ event }) => printFailure(event.error) }),
                      {
                        type: 'recordUndelivered',
                        params: ({ context }) => ({
                          sessionId: context.sessionId,
                          service: 'providentFundStatement' as const,
                          printJobId: context.printJobId,
                          title: '公积金缴存明细',
                          fault: context.printFailure?.code ?? 'PRINT_NOT_DELIVERED',
                          detail: context.printFailure?.detail ?? '',
                        }),
                      },
                    ],
                  },
                },
                // paper is moving: a cancel now would leave a receipt nobody takes
                on: { CANCEL: { actions: [] } },
              },
              /** 请取走您的凭条 */
              takingReceipt: {
                entry: ['pauseIdle', 'armTakeDeadline'],
                after: { untilTakeDeadline: { target: '#providentFund.ended', actions: { type: 'outcome', params: { outcome: 'completed' } } } },
                on: {
                  TAKEN: { target: '#providentFund.ended', actions: { type: 'outcome', params: { outcome: 'completed' } } },
                  DONE: { target: '#providentFund.ended', actions: { type: 'outcome', params: { outcome: 'completed' } } },
                  CANCEL: { target: '#providentFund.ended', actions: { type: 'outcome', params: { outcome: 'completed' } } },
                  'zizhu.resume': { target: 'takingReceipt', reenter: true },
                },
              },
              /** the receipt did not come out: say so, offer the nearest other kiosks */
              undelivered: {
                entry: ['armIdle', 'restartIdle', { type: 'outcome', params: { outcome: 'undelivered' } }],
                on: { DONE: '#providentFund.ended' },
              },
            },
          },
          idle: IDLE_REGION,
        },
      },
      ended: {
        type: 'final',
        entry: 'forgetPersonalData',
      },
    },
    output: ({ context }) => ({
      outcome: context.outcome ?? 'cancelled',
      period: context.period,
      printed: context.outcome === 'completed' && context.printJobId !== null,
      printJobId: context.printJobId,
      fault: context.printFailure?.code ?? null,
    }),
  });
}

export const providentFundMachine = createProvidentFundMachine();
export type ProvidentFundMachine = ReturnType<typeof createProvidentFundMachine>;

/** What the screen shows: personal data masked, the statement's figures as they are. */
export function providentFundView(snapshot: { value: unknown; context: ProvidentFundContext }) {
  const c = snapshot.context;
  const st = c.statement;
  return {
    step: snapshot.value,
    holder: c.holder ? { name: maskName(c.holder.name), idNumber: maskIdNumber(c.holder.idNumber) } : null,
    identifyBy: c.identifyBy,
    identifyProblem: c.identifyProblem,
    period: c.period,
    maxPeriodMonths: c.maxPeriodMonths,
    periodProblem: c.periodProblem,
    statement: st
      ? {
          accountStatus: st.accountStatus,
          balanceFen: st.balanceFen,
          monthlyDepositFen: st.monthlyDepositFen,
          employer: st.employer,
          period: st.period,
          rows: st.rows,
        }
      : null,
    idleDeadline: c.idleDeadline,
    takeDeadline: c.takeDeadline,
    printFault: c.printFailure?.code ?? null,
    nearbyKiosks: c.nearbyKiosks,
    failureCode: c.lastFailure?.code ?? null,
  };
}
