/**
 * One payment for one purpose (a registration fee): native QR (the kiosk shows `code_url`, the
 * patient scans it) or payment code (the scanner reads the patient's 付款码).
 *
 *   start ─┬─ choosingMethod ─ METHOD_CHOSEN ─┐
 *          ├─ waitingForPaymentCode ─ PAYMENT_CODE_SCANNED ─┐
 *          │                                  ▼             ▼
 *          │                    journalingOrder (fsync, before any gateway call)
 *          │                         ▼                      ▼
 *          │              creatingNativeOrder      chargingPaymentCode
 *          │                         └──────► awaiting ◄────┘  (query with backoff; unknown → query)
 *          │                                   │   │ deadline / CANCEL
 *          │                                   │   ▼
 *          │                                   │ closing ── ORDER_PAID ──► confirmingPaid ─┐
 *          │                                   ▼   ▼                                      │
 *          │                                  paid ◄──────────────────────────────────────┘
 *          │                          MARK_USED │ REFUND_REQUESTED / CANCEL
 *          │                                  ▼ ▼
 *          └─ settling (refund mode) ──►  used  refunding (journal refund no → refund → query) ─┬─► refunded
 *                                                                                               └─► refundAbnormal
 *
 * Final: used | closed | refunded | none (no order was ever made) | pending (the gateway did not
 * confirm a close or refund in time: the order stays unfinished in the journal and the runtime's
 * reconciliation finishes it, with this machine in refund mode) | refund-abnormal (state
 * `refundAbnormal`: the gateway says the refund is ABNORMAL — WeChat Pay v3, e.g. the payer's bank
 * card is closed — so the money is still with the merchant and staff must hand it over; it is final
 * and alarmed, never "refunded", and never retried automatically: the runtime journals it and tells HQ).
 *
 * Journaling (decided): the two effects that must precede a gateway call are invoked actors
 * (`journalOrder`, `journalRefund`) so the runtime fsyncs them before the next state is entered.
 * Every other change of the order's journal state is the `recordPayment` action (params:
 * {@link PaymentRecordChange}); the runtime implements it as `journal.payments.setState(...)`,
 * ideally buffered into the same transaction as the session snapshot it journals for the
 * transition. `context.ledger` mirrors the last recorded state. Losing a `recordPayment` write
 * in a crash is safe: reconciliation queries every unfinished order by its journaled number.
 */
import { assign, enqueueActions, fromPromise, sendTo, setup } from 'xstate';
import type { OrderQuery, RefundQuery } from '../backends/payment/types.ts';
import { msUntil, systemNow, type Now } from './deadlines.ts';
import { backoffMs, callFailure, notProvided, type CallFailure } from './failures.ts';

export type PaymentMethod = 'nativeQr' | 'paymentCode';
export const PAYMENT_METHODS: readonly PaymentMethod[] = ['nativeQr', 'paymentCode'];

/** The journal's payment states (runtime/journal PaymentState; repeated here: machines do not import the runtime). */
export type PaymentLedgerState = 'journaled' | 'awaiting-payment' | 'unknown' | 'paid' | 'used' | 'closing' | 'closed' | 'refunding' | 'refunded' | 'refund-abnormal';

/** How the payment ended, for the parent flow and the screen. */
export type PaymentEndReason =
  | 'used'
  | 'cancelled'
  | 'deadline'
  /** the gateway refused the payment (balance, expired 付款码 …): `failure.code` says why */
  | 'declined'
  /** the order could not be created (gateway unavailable) */
  | 'create-failed'
  /** the order number could not be journaled: the gateway was never called */
  | 'journal-failed'
  /** the parent asked for a refund (its purpose failed after payment) */
  | 'refund-requested'
  | 'closed-elsewhere'
  | 'refunded-elsewhere';

export type PaymentFinal = 'used' | 'closed' | 'refunded' | 'none' | 'pending' | 'refund-abnormal';

export interface PaymentInput {
  sessionId: string;
  amountFen: number;
  /** shown on the patient's bill, e.g. "挂号费 内科 王医生"; must stay the same for the order's life */
  description: string;
  /** allowed methods (config services.payment.methods); default both */
  methods?: PaymentMethod[];
  /** chosen already (the parent asked); null/absent with several methods → choosingMethod */
  method?: PaymentMethod | null;
  /** 1 for the first payment of a session, 2 for a retry … (part of the derived order number) */
  attempt?: number;
  /** merchant order number; default {@link merchantOrderNo}(sessionId, attempt) */
  outTradeNo?: string;
  /** config services.payment.orderDeadlineSeconds (default 180) */
  deadlineSeconds?: number;
  /** how long to wait for a close or refund to be confirmed before handing it to reconciliation (default 60) */
  settleWaitSeconds?: number;
  /**
   * Refund mode: the order already exists (journaled) and its purpose failed or is unknown —
   * query it, then refund if paid or close if not. Used by start-up reconciliation.
   */
  settle?: { refundReason: string } | null;
}

export interface PaymentContext {
  sessionId: string;
  outTradeNo: string;
  amountFen: number;
  description: string;
  methods: PaymentMethod[];
  method: PaymentMethod | null;
  /** the scanned 付款码: a credential, only until the charge is decided */
  authCode: string | null;
  codeUrl: string | null;
  deadlineSeconds: number;
  settleWaitSeconds: number;
  /** epoch ms: not paid by then → close */
  paymentDeadline: number | null;
  /** epoch ms: a close or refund not confirmed by then → final 'pending' (reconciliation continues) */
  settleDeadline: number | null;
  refundNo: string | null;
  refundReason: string | null;
  transactionId: string | null;
  ledger: PaymentLedgerState | null;
  cancelRequested: boolean;
  /** the last create/charge answer was not known: the next ledger state is 'unknown' */
  resultUnknown: boolean;
  /** polls and retries in the current state (drives the backoff) */
  tries: number;
  lastFailure: CallFailure | null;
  endReason: PaymentEndReason | null;
  final: PaymentFinal | null;
  wasPaid: boolean;
  /** the scanned code was not a payment code (shown to the patient) */
  badCode: boolean;
  /** refund mode (input.settle): query, then refund or close */
  settleMode: boolean;
}

export interface PaymentOutput {
  outTradeNo: string;
  final: PaymentFinal;
  amountFen: number;
  method: PaymentMethod | null;
  transactionId: string | null;
  refundNo: string | null;
  reason: PaymentEndReason;
  /** money moved at some point (paid, then used or refunded) */
  wasPaid: boolean;
  failure: CallFailure | null;
}

export type PaymentEvent =
  | { type: 'METHOD_CHOSEN'; method: PaymentMethod }
  | { type: 'PAYMENT_CODE_SCANNED'; code: string }
  | { type: 'CANCEL' }
  /** the parent's purpose succeeded (registration booked) */
  | { type: 'MARK_USED' }
  | { type: 'REFUND_REQUESTED'; reason: string }
  /** the gateway's async notification arrived for this order: query now (never trusted alone) */
  | { type: 'PAYMENT_NOTIFIED'; outTradeNo: string }
  /** sent by the runtime right after restoring a snapshot: re-arms the timers (xstate does not restore them) */
  | { type: 'zizhu.resume' }
  | { type: 'TOUCH' };

/** What the machine sends its parent once the money is in (so the parent can use it). */
export interface PaymentPaidEvent {
  type: 'PAYMENT_PAID';
  outTradeNo: string;
  amountFen: number;
  transactionId: string | null;
}

/** Params of the `recordPayment` action. */
export interface PaymentRecordChange {
  outTradeNo: string;
  state: PaymentLedgerState;
  transactionId?: string;
  refundNo?: string;
  detail?: string;
}

// ───────────────────────────── actor contracts ─────────────────────────────

export interface JournalOrderInput {
  outTradeNo: string;
  amountFen: number;
  method: PaymentMethod;
  sessionId: string;
  deadlineAt: number | null;
}
export interface CreateNativeOrderInput {
  outTradeNo: string;
  amountFen: number;
  description: string;
  /** ISO */
  expiresAt: string;
}
export interface MicropayInput {
  outTradeNo: string;
  amountFen: number;
  description: string;
  authCode: string;
}
export interface MicropayOutput {
  tradeState: 'SUCCESS' | 'USERPAYING';
  transactionId?: string;
}
export interface JournalRefundInput {
  outTradeNo: string;
  refundNo: string;
  amountFen: number;
  reason: string;
}
export interface JournalRefundOutput {
  /** the number the journal keeps for this order (the first one ever decided) */
  refundNo: string;
}
export interface RefundInput {
  outTradeNo: string;
  outRefundNo: string;
  amountFen: number;
  reason: string;
}

// ───────────────────────────── numbers ─────────────────────────────

/** FNV-1a 32-bit, two seeds → 16 hex characters. Pure, deterministic. */
function hash64hex(s: string): string {
  const fnv = (seed: number) => {
    let h = seed >>> 0;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
  };
  return fnv(0x811c9dc5) + fnv(0x050c5d1f);
}

/**
 * The merchant order number for a session's `attempt`-th payment: deterministic, ≤ 32 characters
 * of [A-Za-z0-9], so a restored session derives the same number. Session ids longer than 24
 * characters (UUIDs) keep 8 characters and a 64-bit hash of the whole id.
 */
export function merchantOrderNo(sessionId: string, attempt: number): string {
  if (!Number.isSafeInteger(attempt) || attempt < 1 || attempt > 999) throw new RangeError(`payment attempt must be 1–999, got ${attempt}`);
  const clean = sessionId.replace(/[^A-Za-z0-9]/g, '');
  if (clean.length === 0) throw new RangeError(`session id "${sessionId}" has no letters or digits to build an order number from`);
  const body = clean.length <= 24 ? clean : clean.slice(0, 8) + hash64hex(sessionId);
  return `${body}P${attempt}`;
}

const ORDER_NO = /^[A-Za-z0-9_-]{1,32}$/;
export const isMerchantOrderNo = (s: string): boolean => ORDER_NO.test(s);

/** The one refund number an order ever gets (we refund in full, once): stable across retries and restarts. */
export function refundNoFor(outTradeNo: string): string {
  return `${outTradeNo}R1`;
}

/** A 付款码 as the scanner reads it: 16–24 digits (WeChat 18 digits 10–15, Alipay 25–30). */
export const looksLikePaymentCode = (code: string): boolean => /^\d{16,24}$/.test(code.trim());

// ───────────────────────────── clock ─────────────────────────────

/** Delays computed from the deadlines in context and the injected clock. */
export function delaysFor(now: Now = systemNow) {
  return {
    untilPaymentDeadline: ({ context }: { context: PaymentContext }) => msUntil(context.paymentDeadline, now),
    untilSettleDeadline: ({ context }: { context: PaymentContext }) => msUntil(context.settleDeadline, now),
    retryPause: ({ context }: { context: PaymentContext }) => backoffMs(context.tries),
  };
}

const DECLINE_EXCEPTIONS = new Set(['ORDER_PAID', 'ORDER_CLOSED', 'ORDER_NOT_EXIST']);
/** A definite refusal of a charge (micropay): the patient was not charged. */
const isDeclined = (f: CallFailure) => f.kind === 'rejected' && f.outcome === 'not-done' && !DECLINE_EXCEPTIONS.has(f.code);
/** Codes with which a *query* says the payment failed for good (WeChat-like: PAYERROR and its causes). */
export const PAYMENT_REFUSED_CODES: ReadonlySet<string> = new Set([
  'PAYERROR',
  'NOT_ENOUGH',
  'NOTENOUGH',
  'AUTH_CODE_INVALID',
  'AUTHCODEEXPIRE',
  'AUTH_CODE_EXPIRE',
  'BUYER_MISMATCH',
  'NOTSUPORTCARD',
  'USER_ACCOUNT_ABNORMAL',
  'TRADE_ERROR',
]);
const isRefusedByQuery = (f: CallFailure) => f.kind === 'rejected' && PAYMENT_REFUSED_CODES.has(f.code);

/**
 * The payment machine with its clock. The runtime uses `createPaymentMachine(now).provide({ actors })`;
 * tests pass a SimulatedClock's `now`. (Setting a deadline needs the clock as much as waiting for
 * one does, so the clock goes into the factory rather than only into `provide({ delays })`.)
 */
export function createPaymentMachine(now: Now = systemNow) {
  const record = (ctx: PaymentContext, state: PaymentLedgerState, extra: Omit<PaymentRecordChange, 'outTradeNo' | 'state'> = {}): PaymentRecordChange => ({
    outTradeNo: ctx.outTradeNo,
    state,
    ...extra,
  });
  return setup({
    types: {
      context: {} as PaymentContext,
      events: {} as PaymentEvent,
      input: {} as PaymentInput,
      output: {} as PaymentOutput,
    },
    actors: {
      journalOrder: fromPromise<unknown, JournalOrderInput>(async () => notProvided('journalOrder')),
      createNativeOrder: fromPromise<{ codeUrl: string }, CreateNativeOrderInput>(async () => notProvided('createNativeOrder')),
      micropay: fromPromise<MicropayOutput, MicropayInput>(async () => notProvided('micropay')),
      queryOrder: fromPromise<OrderQuery, { outTradeNo: string }>(async () => notProvided('queryOrder')),
      closeOrder: fromPromise<unknown, { outTradeNo: string }>(async () => notProvided('closeOrder')),
      journalRefund: fromPromise<JournalRefundOutput | void, JournalRefundInput>(async () => notProvided('journalRefund')),
      refund: fromPromise<RefundQuery, RefundInput>(async () => notProvided('refund')),
      queryRefund: fromPromise<RefundQuery, { outRefundNo: string }>(async () => notProvided('queryRefund')),
    },
    actions: {
      /** the runtime writes the order's journal state (see the file comment) */
      recordPayment: (_args, _params: PaymentRecordChange) => {},
      armPaymentDeadline: assign({ paymentDeadline: ({ context }) => context.paymentDeadline ?? now() + context.deadlineSeconds * 1000 }),
      armSettleDeadline: assign({ settleDeadline: ({ context }) => context.settleDeadline ?? now() + context.settleWaitSeconds * 1000 }),
      resetTries: assign({ tries: 0 }),
      countTry: assign({ tries: ({ context }) => context.tries + 1 }),
      failed: assign({ lastFailure: ({ event }) => callFailure((event as { error?: unknown }).error) }),
      requestCancel: assign({ cancelRequested: true }),
      end: assign((_, params: { reason: PaymentEndReason; final?: PaymentFinal }) => ({
        endReason: params.reason,
        ...(params.final ? { final: params.final } : {}),
      })),
      keepReason: assign({ endReason: ({ context }, params: { reason: PaymentEndReason }) => context.endReason ?? params.reason }),
      notifyParentPaid: sendTo(
        ({ self }) => self._parent ?? self,
        ({ context }): PaymentPaidEvent => ({ type: 'PAYMENT_PAID', outTradeNo: context.outTradeNo, amountFen: context.amountFen, transactionId: context.transactionId }),
      ),
    },
    guards: {
      settleMode: ({ context }) => context.settleMode,
      nativeQrChosen: ({ context }) => context.method === 'nativeQr',
      paymentCodeChosen: ({ context }) => context.method === 'paymentCode',
      methodAllowed: ({ context, event }) => event.type === 'METHOD_CHOSEN' && context.methods.includes(event.method),
      cancelRequested: ({ context }) => context.cancelRequested,
      refundJournaled: ({ context }) => context.refundNo !== null,
    },
    delays: delaysFor(now),
  }).createMachine({
    id: 'payment',
    context: ({ input }) => {
      const methods = input.methods && input.methods.length > 0 ? [...new Set(input.methods)] : [...PAYMENT_METHODS];
      const attempt = input.attempt ?? 1;
      const outTradeNo = input.outTradeNo ?? merchantOrderNo(input.sessionId, attempt);
      if (!isMerchantOrderNo(outTradeNo)) throw new RangeError(`merchant order number "${outTradeNo}" must be 1–32 characters of A–Z a–z 0–9 _ -`);
      if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) throw new RangeError(`payment amount must be a positive whole number of fen, got ${input.amountFen}`);
      const settle = input.settle ?? null;
      const method = input.method ?? (methods.length === 1 ? methods[0]! : null);
      return {
        sessionId: input.sessionId,
        outTradeNo,
        amountFen: input.amountFen,
        description: input.description,
        methods,
        method,
        authCode: null,
        codeUrl: null,
        deadlineSeconds: input.deadlineSeconds ?? 180,
        settleWaitSeconds: input.settleWaitSeconds ?? 60,
        paymentDeadline: null,
        settleDeadline: null,
        refundNo: null,
        refundReason: settle ? settle.refundReason : null,
        transactionId: null,
        ledger: null,
        cancelRequested: false,
        resultUnknown: false,
        tries: 0,
        lastFailure: null,
        endReason: settle ? 'refund-requested' : null,
        final: null,
        wasPaid: false,
        badCode: false,
        settleMode: settle !== null,
      };
    },
    initial: 'start',
    states: {
      start: {
        entry: 'armPaymentDeadline',
        always: [
          { guard: 'settleMode', target: 'settling' },
          { guard: 'nativeQrChosen', target: 'journalingOrder' },
          { guard: 'paymentCodeChosen', target: 'waitingForPaymentCode' },
          { target: 'choosingMethod' },
        ],
      },

      choosingMethod: {
        after: { untilPaymentDeadline: { target: 'notOrdered', actions: { type: 'end', params: { reason: 'deadline' } } } },
        on: {
          METHOD_CHOSEN: [
            {
              guard: ({ context, event }) => event.method === 'nativeQr' && context.methods.includes('nativeQr'),
              target: 'journalingOrder',
              actions: assign({ method: 'nativeQr' as const }),
            },
            { guard: 'methodAllowed', target: 'waitingForPaymentCode', actions: assign({ method: 'paymentCode' as const }) },
          ],
          CANCEL: { target: 'notOrdered', actions: { type: 'end', params: { reason: 'cancelled' } } },
          REFUND_REQUESTED: { target: 'notOrdered', actions: { type: 'end', params: { reason: 'cancelled' } } },
          'zizhu.resume': { target: 'choosingMethod', reenter: true },
        },
      },

      waitingForPaymentCode: {
        after: { untilPaymentDeadline: { target: 'notOrdered', actions: { type: 'end', params: { reason: 'deadline' } } } },
        on: {
          PAYMENT_CODE_SCANNED: [
            {
              guard: ({ event }) => looksLikePaymentCode(event.code),
              target: 'journalingOrder',
              actions: assign({ authCode: ({ event }) => event.code.trim(), badCode: false }),
            },
            { actions: assign({ badCode: true }) },
          ],
          CANCEL: { target: 'notOrdered', actions: { type: 'end', params: { reason: 'cancelled' } } },
          REFUND_REQUESTED: { target: 'notOrdered', actions: { type: 'end', params: { reason: 'cancelled' } } },
          'zizhu.resume': { target: 'waitingForPaymentCode', reenter: true },
        },
      },

      journalingOrder: {
        invoke: {
          src: 'journalOrder',
          input: ({ context }) => ({
            outTradeNo: context.outTradeNo,
            amountFen: context.amountFen,
            method: context.method ?? 'nativeQr',
            sessionId: context.sessionId,
            deadlineAt: context.paymentDeadline,
          }),
          onDone: [
            // journaled but never sent: final without a gateway call
            { guard: 'cancelRequested', target: 'closed', actions: [assign({ ledger: 'journaled' as const }), { type: 'end', params: { reason: 'cancelled' } }] },
            { guard: 'nativeQrChosen', target: 'creatingNativeOrder', actions: assign({ ledger: 'journaled' as const }) },
            { target: 'chargingPaymentCode', actions: assign({ ledger: 'journaled' as const }) },
          ],
          onError: { target: 'notOrdered', actions: ['failed', { type: 'end', params: { reason: 'journal-failed' } }] },
        },
        on: { CANCEL: { actions: 'requestCancel' }, REFUND_REQUESTED: { actions: 'requestCancel' } },
      },

      creatingNativeOrder: {
        invoke: {
          src: 'createNativeOrder',
          input: ({ context }) => ({
            outTradeNo: context.outTradeNo,
            amountFen: context.amountFen,
            description: context.description,
            expiresAt: new Date(context.paymentDeadline ?? now()).toISOString(),
          }),
          onDone: { target: 'awaiting', actions: assign({ codeUrl: ({ event }) => event.output.codeUrl, resultUnknown: false }) },
          onError: [
            {
              guard: ({ event }) => callFailure(event.error).outcome === 'unknown',
              target: 'awaiting',
              actions: ['failed', assign({ resultUnknown: true })],
            },
            { guard: ({ event }) => callFailure(event.error).code === 'ORDER_PAID', target: 'awaiting', actions: 'failed' },
            {
              guard: ({ event }) => callFailure(event.error).code === 'ORDER_CLOSED',
              target: 'closed',
              actions: ['failed', { type: 'keepReason', params: { reason: 'closed-elsewhere' } }],
            },
            { target: 'closing', actions: ['failed', { type: 'keepReason', params: { reason: 'create-failed' } }] },
          ],
        },
        on: { CANCEL: { actions: 'requestCancel' }, REFUND_REQUESTED: { actions: 'requestCancel' } },
      },

      chargingPaymentCode: {
        invoke: {
          src: 'micropay',
          input: ({ context }) => ({
            outTradeNo: context.outTradeNo,
            amountFen: context.amountFen,
            description: context.description,
            authCode: context.authCode ?? '',
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.tradeState === 'SUCCESS',
              target: 'paid',
              actions: assign({ transactionId: ({ event }) => event.output.transactionId ?? null, resultUnknown: false }),
            },
            { target: 'awaiting', actions: assign({ resultUnknown: false }) },
          ],
          onError: [
            {
              guard: ({ event }) => callFailure(event.error).outcome === 'unknown',
              target: 'awaiting',
              actions: ['failed', assign({ resultUnknown: true })],
            },
            { guard: ({ event }) => callFailure(event.error).code === 'ORDER_PAID', target: 'awaiting', actions: 'failed' },
            {
              guard: ({ event }) => callFailure(event.error).code === 'ORDER_CLOSED',
              target: 'closed',
              actions: ['failed', { type: 'keepReason', params: { reason: 'closed-elsewhere' } }],
            },
            { guard: ({ event }) => isDeclined(callFailure(event.error)), target: 'closing', actions: ['failed', { type: 'keepReason', params: { reason: 'declined' } }] },
            { target: 'closing', actions: ['failed', { type: 'keepReason', params: { reason: 'create-failed' } }] },
          ],
        },
        on: { CANCEL: { actions: 'requestCancel' }, REFUND_REQUESTED: { actions: 'requestCancel' } },
      },

      awaiting: {
        entry: [
          'resetTries',
          { type: 'recordPayment', params: ({ context }) => record(context, context.resultUnknown ? 'unknown' : 'awaiting-payment') },
          assign({ ledger: ({ context }) => (context.resultUnknown ? 'unknown' : 'awaiting-payment') }),
        ],
        always: { guard: 'cancelRequested', target: 'closing', actions: { type: 'keepReason', params: { reason: 'cancelled' } } },
        after: { untilPaymentDeadline: { target: 'closing', actions: { type: 'keepReason', params: { reason: 'deadline' } } } },
        on: {
          CANCEL: { target: 'closing', actions: ['requestCancel', { type: 'keepReason', params: { reason: 'cancelled' } }] },
          REFUND_REQUESTED: { target: 'closing', actions: ['requestCancel', { type: 'keepReason', params: { reason: 'cancelled' } }] },
          PAYMENT_NOTIFIED: { guard: ({ context, event }) => event.outTradeNo === context.outTradeNo, target: '.querying' },
          'zizhu.resume': { target: 'awaiting', reenter: true },
        },
        initial: 'querying',
        states: {
          querying: {
            invoke: {
              src: 'queryOrder',
              input: ({ context }) => ({ outTradeNo: context.outTradeNo }),
              onDone: [
                {
                  guard: ({ event }) => event.output.tradeState === 'SUCCESS',
                  target: '#payment.paid',
                  actions: assign({ transactionId: ({ event }) => event.output.transactionId ?? null }),
                },
                {
                  guard: ({ event }) => event.output.tradeState === 'CLOSED',
                  target: '#payment.closed',
                  actions: { type: 'keepReason', params: { reason: 'closed-elsewhere' } },
                },
                {
                  guard: ({ event }) => event.output.tradeState === 'REFUND',
                  target: '#payment.refunded',
                  actions: [assign({ wasPaid: true }), { type: 'keepReason', params: { reason: 'refunded-elsewhere' } }],
                },
                {
                  guard: ({ event }) => event.output.tradeState === 'PAYERROR',
                  target: '#payment.closing',
                  actions: { type: 'keepReason', params: { reason: 'declined' } },
                },
                { target: 'pausing' },
              ],
              onError: [
                {
                  guard: ({ event }) => callFailure(event.error).code === 'ORDER_CLOSED',
                  target: '#payment.closed',
                  actions: ['failed', { type: 'keepReason', params: { reason: 'closed-elsewhere' } }],
                },
                {
                  guard: ({ event }) => isRefusedByQuery(callFailure(event.error)),
                  target: '#payment.closing',
                  actions: ['failed', { type: 'keepReason', params: { reason: 'declined' } }],
                },
                { target: 'pausing', actions: 'failed' },
              ],
            },
          },
          pausing: {
            after: { retryPause: { target: 'querying', actions: 'countTry' } },
          },
        },
      },

      closing: {
        entry: [
          'resetTries',
          'armSettleDeadline',
          { type: 'recordPayment', params: ({ context }) => record(context, 'closing', { detail: context.endReason ?? undefined }) },
          assign({ ledger: 'closing' as const }),
        ],
        after: { untilSettleDeadline: { target: 'pending' } },
        on: {
          CANCEL: { actions: ['requestCancel', { type: 'keepReason', params: { reason: 'cancelled' } }] },
          REFUND_REQUESTED: { actions: ['requestCancel', { type: 'keepReason', params: { reason: 'cancelled' } }] },
          'zizhu.resume': { target: 'closing', reenter: true },
        },
        initial: 'calling',
        states: {
          calling: {
            invoke: {
              src: 'closeOrder',
              input: ({ context }) => ({ outTradeNo: context.outTradeNo }),
              onDone: { target: '#payment.closed' },
              onError: [
                // the patient paid just before the close: late success
                { guard: ({ event }) => callFailure(event.error).code === 'ORDER_PAID', target: '#payment.confirmingPaid', actions: 'failed' },
                { guard: ({ event }) => ['ORDER_CLOSED', 'ORDER_NOT_EXIST'].includes(callFailure(event.error).code), target: '#payment.closed' },
                { target: 'pausing', actions: 'failed' },
              ],
            },
          },
          pausing: { after: { retryPause: { target: 'calling', actions: 'countTry' } } },
        },
      },

      /** close said ORDER_PAID: confirm by query (never assumed), then it is paid */
      confirmingPaid: {
        entry: 'resetTries',
        after: { untilSettleDeadline: { target: 'pending' } },
        on: {
          CANCEL: { actions: ['requestCancel', { type: 'keepReason', params: { reason: 'cancelled' } }] },
          REFUND_REQUESTED: { actions: ['requestCancel', { type: 'keepReason', params: { reason: 'cancelled' } }] },
          'zizhu.resume': { target: 'confirmingPaid', reenter: true },
        },
        initial: 'querying',
        states: {
          querying: {
            invoke: {
              src: 'queryOrder',
              input: ({ context }) => ({ outTradeNo: context.outTradeNo }),
              onDone: [
                {
                  guard: ({ event }) => event.output.tradeState === 'SUCCESS',
                  target: '#payment.paid',
                  actions: assign({ transactionId: ({ event }) => event.output.transactionId ?? null }),
                },
                { guard: ({ event }) => event.output.tradeState === 'CLOSED', target: '#payment.closed' },
                {
                  guard: ({ event }) => event.output.tradeState === 'REFUND',
                  target: '#payment.refunded',
                  actions: [assign({ wasPaid: true }), { type: 'keepReason', params: { reason: 'refunded-elsewhere' } }],
                },
                { target: 'pausing' },
              ],
              onError: { target: 'pausing', actions: 'failed' },
            },
          },
          pausing: { after: { retryPause: { target: 'querying', actions: 'countTry' } } },
        },
      },

      /** refund mode: find out what became of the order first */
      settling: {
        entry: ['resetTries', 'armSettleDeadline'],
        after: { untilSettleDeadline: { target: 'pending' } },
        on: { 'zizhu.resume': { target: 'settling', reenter: true } },
        initial: 'querying',
        states: {
          querying: {
            invoke: {
              src: 'queryOrder',
              input: ({ context }) => ({ outTradeNo: context.outTradeNo }),
              onDone: [
                {
                  guard: ({ event }) => event.output.tradeState === 'SUCCESS',
                  target: '#payment.refunding',
                  actions: assign({ wasPaid: true, transactionId: ({ event }) => event.output.transactionId ?? null, ledger: 'paid' as const }),
                },
                { guard: ({ event }) => event.output.tradeState === 'CLOSED', target: '#payment.closed' },
                { guard: ({ event }) => event.output.tradeState === 'REFUND', target: '#payment.refunded', actions: assign({ wasPaid: true }) },
                { target: '#payment.closing' },
              ],
              onError: [
                { guard: ({ event }) => callFailure(event.error).code === 'ORDER_CLOSED', target: '#payment.closed' },
                // the order never reached the gateway: close makes that certain
                { guard: ({ event }) => callFailure(event.error).code === 'ORDER_NOT_EXIST', target: '#payment.closing', actions: 'failed' },
                { target: 'pausing', actions: 'failed' },
              ],
            },
          },
          pausing: { after: { retryPause: { target: 'querying', actions: 'countTry' } } },
        },
      },

      paid: {
        entry: [
          assign({ wasPaid: true, authCode: null, ledger: 'paid' as const }),
          { type: 'recordPayment', params: ({ context }) => record(context, 'paid', context.transactionId ? { transactionId: context.transactionId } : {}) },
          enqueueActions(({ context, enqueue }) => {
            if (!context.cancelRequested && !context.settleMode) enqueue('notifyParentPaid');
          }),
        ],
        // cancelled meanwhile, or settling an order whose purpose failed: the money goes back
        always: {
          guard: ({ context }) => context.cancelRequested || context.settleMode,
          target: 'refunding',
          actions: assign({ refundReason: ({ context }) => context.refundReason ?? '患者取消' }),
        },
        on: {
          MARK_USED: { target: 'used', actions: { type: 'end', params: { reason: 'used' } } },
          REFUND_REQUESTED: {
            target: 'refunding',
            actions: [assign({ refundReason: ({ event }) => event.reason }), { type: 'end', params: { reason: 'refund-requested' } }],
          },
          CANCEL: {
            target: 'refunding',
            actions: [assign({ refundReason: '患者取消', cancelRequested: true }), { type: 'end', params: { reason: 'cancelled' } }],
          },
        },
      },

      refunding: {
        entry: ['resetTries', 'armSettleDeadline'],
        after: { untilSettleDeadline: { target: 'pending' } },
        on: {
          'zizhu.resume': [
            { guard: 'refundJournaled', target: '.queryingRefund', reenter: true },
            { target: '.journalingRefund', reenter: true },
          ],
        },
        initial: 'journalingRefund',
        states: {
          journalingRefund: {
            invoke: {
              src: 'journalRefund',
              input: ({ context }) => ({
                outTradeNo: context.outTradeNo,
                refundNo: refundNoFor(context.outTradeNo),
                amountFen: context.amountFen,
                reason: context.refundReason ?? '退款',
              }),
              onDone: {
                target: 'requestingRefund',
                // the journal keeps the first number it was given: adopt what it returns
                actions: assign({
                  refundNo: ({ context, event }) => (typeof event.output?.refundNo === 'string' ? event.output.refundNo : refundNoFor(context.outTradeNo)),
                  ledger: 'refunding' as const,
                }),
              },
              onError: { target: 'journalPausing', actions: 'failed' },
            },
          },
          journalPausing: { after: { retryPause: { target: 'journalingRefund', actions: 'countTry' } } },
          requestingRefund: {
            invoke: {
              src: 'refund',
              input: ({ context }) => ({
                outTradeNo: context.outTradeNo,
                outRefundNo: context.refundNo ?? refundNoFor(context.outTradeNo),
                amountFen: context.amountFen,
                reason: context.refundReason ?? '退款',
              }),
              onDone: [
                { guard: ({ event }) => event.output.status === 'SUCCESS', target: '#payment.refunded' },
                { guard: ({ event }) => event.output.status === 'PROCESSING', target: 'pausing' },
                { guard: ({ event }) => event.output.status === 'ABNORMAL', target: '#payment.refundAbnormal', actions: assign({ lastFailure: ({ event }) => refundTrouble(event.output) }) },
                { target: '#payment.pending', actions: assign({ lastFailure: ({ event }) => refundTrouble(event.output) }) },
              ],
              // unknown or refused: the refund query says what really happened
              onError: { target: 'pausing', actions: 'failed' },
            },
          },
          pausing: { after: { retryPause: { target: 'queryingRefund', actions: 'countTry' } } },
          queryingRefund: {
            invoke: {
              src: 'queryRefund',
              input: ({ context }) => ({ outRefundNo: context.refundNo ?? refundNoFor(context.outTradeNo) }),
              onDone: [
                { guard: ({ event }) => event.output.status === 'SUCCESS', target: '#payment.refunded' },
                { guard: ({ event }) => event.output.status === 'PROCESSING', target: 'pausing' },
                { guard: ({ event }) => event.output.status === 'ABNORMAL', target: '#payment.refundAbnormal', actions: assign({ lastFailure: ({ event }) => refundTrouble(event.output) }) },
                { target: '#payment.pending', actions: assign({ lastFailure: ({ event }) => refundTrouble(event.output) }) },
              ],
              onError: [
                // never reached the gateway: ask again with the same number (idempotent)
                { guard: ({ event }) => callFailure(event.error).code === 'REFUND_NOT_EXIST', target: 'requestingRefund', actions: 'failed' },
                { target: 'pausing', actions: 'failed' },
              ],
            },
          },
        },
      },

      used: {
        type: 'final',
        entry: [
          assign({ ledger: 'used' as const, final: 'used' as const }),
          { type: 'recordPayment', params: ({ context }) => record(context, 'used') },
        ],
      },
      closed: {
        type: 'final',
        entry: [
          assign({ ledger: 'closed' as const, final: 'closed' as const, authCode: null }),
          { type: 'recordPayment', params: ({ context }) => record(context, 'closed', { detail: context.endReason ?? undefined }) },
        ],
      },
      refunded: {
        type: 'final',
        entry: [
          assign({ ledger: 'refunded' as const, final: 'refunded' as const }),
          {
            type: 'recordPayment',
            params: ({ context }) => record(context, 'refunded', { ...(context.refundNo ? { refundNo: context.refundNo } : {}), detail: context.endReason ?? undefined }),
          },
        ],
      },
      /**
       * the gateway gave the refund up (ABNORMAL): the money is still with the merchant. Final and
       * alarmed — the journal row becomes `refund-abnormal` (the runtime queues `payment.refund-abnormal`
       * for HQ with it) and staff hand the money over; nothing here retries it.
       */
      refundAbnormal: {
        type: 'final',
        entry: [
          assign({ ledger: 'refund-abnormal' as const, final: 'refund-abnormal' as const, wasPaid: true, authCode: null }),
          {
            type: 'recordPayment',
            params: ({ context }) =>
              record(context, 'refund-abnormal', {
                refundNo: context.refundNo ?? refundNoFor(context.outTradeNo),
                detail: `refund ${context.refundNo ?? refundNoFor(context.outTradeNo)} is ABNORMAL at the gateway: staff must hand the money over`,
              }),
          },
        ],
      },
      /** close or refund not confirmed in time: the journal keeps the order unfinished; reconciliation goes on */
      pending: {
        type: 'final',
        entry: [
          assign({ final: 'pending' as const, authCode: null }),
          {
            type: 'recordPayment',
            params: ({ context }) =>
              record(context, context.ledger ?? 'unknown', { detail: `not confirmed in time (${context.lastFailure?.code ?? 'no answer'}); reconciliation continues` }),
          },
        ],
      },
      /** no order was ever created at the gateway */
      notOrdered: { type: 'final', entry: assign({ final: 'none' as const, authCode: null }) },
    },
    output: ({ context }) => ({
      outTradeNo: context.outTradeNo,
      final: context.final ?? 'none',
      amountFen: context.amountFen,
      method: context.method,
      transactionId: context.transactionId,
      refundNo: context.refundNo,
      reason: context.endReason ?? 'cancelled',
      wasPaid: context.wasPaid,
      failure: context.lastFailure,
    }),
  });
}

function refundTrouble(q: RefundQuery): CallFailure {
  return { kind: 'rejected', outcome: 'not-done', code: `REFUND_${q.status}`, message: `refund ${q.outRefundNo} is ${q.status}: staff must settle it on the merchant platform` };
}

export const paymentMachine = createPaymentMachine();
export type PaymentMachine = ReturnType<typeof createPaymentMachine>;

/**
 * What the payment screen shows (no credential: the 付款码 is never in it).
 *
 * `final` stays within what the bridge's PaymentView (contracts/bridge.ts) knows: a refund the gateway
 * gave up shows as `pending` (the patient's money is not back yet; staff settle it) with
 * `failureCode` REFUND_ABNORMAL and `refundAbnormal: true`. The parent flow's payment result carries
 * the exact `refund-abnormal`.
 */
export function paymentView(snapshot: { value: unknown; context: PaymentContext }) {
  const c = snapshot.context;
  const final: PaymentFinal | null = c.final;
  return {
    step: snapshot.value,
    amountFen: c.amountFen,
    description: c.description,
    method: c.method,
    methods: c.methods,
    codeUrl: c.codeUrl,
    paymentDeadline: c.paymentDeadline,
    badCode: c.badCode,
    final,
    reason: c.endReason,
    failureCode: c.lastFailure?.code ?? null,
  };
}
