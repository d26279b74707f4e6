import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  BackOfficeSim,
  SimInputError,
  SimReject,
  businessInput,
  parseInput,
  shanghaiDate,
  shanghaiIso,
  type ActiveFault,
  type SimAnswer,
  type SimCommonOptions,
  type SimRequest,
} from '../sim-server.ts';
import type { RefundStatus, TradeState } from './types.ts';

/**
 * A WeChat-Pay-v3-like payment gateway on loopback, for proving the kiosk never loses, double-charges
 * or silently undoes a payment. It speaks the REST shape documented in ./http.ts.
 *
 * Semantics:
 * - native order → NOTPAY; the simulated patient pays with `pay(outTradeNo)` (or POST /__sim/pay, or
 *   automatically after `autoPayNativeMs`) → SUCCESS. `time_expire` is NOT enforced: a patient may pay
 *   after the kiosk's deadline, right up to the moment the order is closed — the race the kiosk must survive.
 * - micropay with a WeChat 付款码 (18 digits, starting 10–15) → SUCCESS, or USERPAYING then SUCCESS after
 *   `userPayingMs` (null: only when `pay()`/`decline()` is called), or NOT_ENOUGH → PAYERROR (config `micropay`).
 * - repeating create/micropay with the same out_trade_no and the same content returns the same order (never
 *   a second charge); different content → OUT_TRADE_NO_USED.
 * - close → CLOSED (again: no-op); on a paid order → 400 ORDER_PAID. Fault `paid-meanwhile` on route
 *   `closeOrder` lands the patient's payment just before the close.
 * - refund is idempotent by out_refund_no (a repeat returns the same refund, never a second one); more than
 *   was paid → REFUND_AMOUNT_INVALID; PROCESSING → SUCCESS after `refundProcessingMs`.
 * - ABNORMAL refunds (WeChat Pay v3: the refund could not reach the payer, e.g. a closed bank card — the
 *   money stays with the merchant and must be handed over by hand): PROCESSING → ABNORMAL after
 *   `refundProcessingMs`, with a REFUND.ABNORMAL notification, for every refund of an order marked with
 *   `refundsEndAbnormal(outTradeNo)`, and for the refund of a request hit by the fault `refund-abnormal`
 *   on route `refund` (`times: 1` = the next refund; `probability` for a soak). An ABNORMAL refund is
 *   final here: the order stays REFUND, the amount counts as `refundAbnormalFen`, never as refunded.
 * - query always tells the truth.
 * - notifications (TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL) are POSTed to the order's notify_url
 *   or the configured `notifyUrl`, each sent `notificationCopies` times, each copy retried every
 *   `notifyRetryMs` until 2xx.
 *
 * Routes for faults: createNative, micropay, queryOrder, closeOrder, refund, queryRefund.
 * Control routes (besides /__sim/{state,ledger,faults,reset}):
 *   POST /__sim/pay {outTradeNo, afterMs?}     POST /__sim/decline {outTradeNo}
 *   POST /__sim/config {…PaymentSimConfig}     GET  /__sim/notifications
 *   POST /__sim/refund-abnormal {outTradeNo?}  refunds of that order end ABNORMAL; without one: the next refund
 */

export const PAYMENT_ROUTES = ['createNative', 'micropay', 'queryOrder', 'closeOrder', 'refund', 'queryRefund'] as const;
export type PaymentRoute = (typeof PAYMENT_ROUTES)[number];

/** The merchant the simulator accepts unless told otherwise (WeChat's documentation example). */
export const SIM_MERCHANT_ID = '1900000109';

const configSchema = z.strictObject({
  micropay: z.enum(['SUCCESS', 'USERPAYING', 'NOT_ENOUGH']),
  /** USERPAYING → SUCCESS after this; null = stays USERPAYING until pay()/decline() */
  userPayingMs: z.number().int().min(0).max(3_600_000).nullable(),
  /** native orders: the patient pays this long after creation; null = only when pay() is called */
  autoPayNativeMs: z.number().int().min(0).max(3_600_000).nullable(),
  refundProcessingMs: z.number().int().min(0).max(3_600_000),
  /** where notifications go when the order/refund names no notify_url; null = nowhere (recorded, not sent) */
  notifyUrl: z.url({ protocol: /^https?$/ }).nullable(),
  /** each notification is delivered this many times (duplicates carry the same id) */
  notificationCopies: z.number().int().min(1).max(20),
  notifyRetryMs: z.number().int().min(1).max(3_600_000),
  notifyMaxAttempts: z.number().int().min(1).max(100),
});
export type PaymentSimConfig = z.output<typeof configSchema>;

const DEFAULT_CONFIG: PaymentSimConfig = {
  micropay: 'SUCCESS',
  userPayingMs: 3_000,
  autoPayNativeMs: null,
  refundProcessingMs: 500,
  notifyUrl: null,
  notificationCopies: 1,
  notifyRetryMs: 1_000,
  notifyMaxAttempts: 10,
};

export interface PaymentSimOptions extends SimCommonOptions, Partial<PaymentSimConfig> {
  /** the merchant id the gateway accepts (default SIM_MERCHANT_ID) */
  merchantId?: string;
  /** if set, the bearer token must equal it; otherwise any non-empty token is accepted */
  credential?: string;
}

export interface LedgerRefund {
  outRefundNo: string;
  refundId: string;
  amountFen: number;
  reason: string;
  status: RefundStatus;
  createdAt: string;
  successAt: string | null;
  /** how many refund requests carried this out_refund_no */
  requests: number;
}

export interface LedgerOrder {
  outTradeNo: string;
  kind: 'native' | 'micropay';
  description: string;
  amountFen: number;
  tradeState: TradeState;
  createdAt: string;
  expiresAt: string | null;
  paidAt: string | null;
  closedAt: string | null;
  transactionId: string | null;
  /** how many times the patient's money was taken for this order (a correct gateway never exceeds 1) */
  charges: number;
  paidFen: number;
  /** refunds that reached SUCCESS */
  refundedFen: number;
  /** refunds still PROCESSING */
  refundPendingFen: number;
  /** refunds that ended ABNORMAL: the gateway gave up, the merchant still holds the money (staff hand it over) */
  refundAbnormalFen: number;
  refunds: LedgerRefund[];
  requests: { create: number; query: number; close: number };
}

export interface PaymentLedger {
  orders: LedgerOrder[];
  totals: { orders: number; charges: number; chargedFen: number; refundedFen: number; refundPendingFen: number; refundAbnormalFen: number };
}

export interface NotificationDelivery {
  /** the notification id; copies share it */
  notificationId: string;
  copy: number;
  eventType: 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.ABNORMAL';
  outTradeNo: string;
  outRefundNo: string | null;
  url: string | null;
  attempts: number;
  delivered: boolean;
  lastError: string | null;
}

export type PayOutcome = 'paid' | 'already-paid' | 'closed' | 'failed' | 'scheduled';

interface Order {
  outTradeNo: string;
  kind: 'native' | 'micropay';
  description: string;
  amountFen: number;
  authCode: string | null;
  notifyUrl: string | null;
  codeUrl: string | null;
  tradeState: TradeState;
  createdAt: number;
  expiresAt: string | null;
  paidAt: number | null;
  closedAt: number | null;
  transactionId: string | null;
  charges: number;
  refundNos: string[];
  requests: { create: number; query: number; close: number };
}

interface Refund {
  outRefundNo: string;
  refundId: string;
  outTradeNo: string;
  amountFen: number;
  reason: string;
  notifyUrl: string | null;
  status: RefundStatus;
  createdAt: number;
  successAt: number | null;
  requests: number;
  /** ends ABNORMAL instead of SUCCESS after processing */
  endsAbnormal: boolean;
}

const outNo = z.string().regex(/^[A-Za-z0-9_\-|*]{6,32}$/, { error: 'expected 6–32 characters of letters, digits, _ - | *' });
const money = z.strictObject({ total: z.number().int().min(1).max(100_000_000), currency: z.literal('CNY').optional() });
const nativeBody = z.object({
  description: z.string().min(1).max(127),
  out_trade_no: outNo,
  time_expire: z.iso.datetime({ offset: true }).optional(),
  notify_url: z.url().optional(),
  amount: money,
});
const codepayBody = z.object({
  description: z.string().min(1).max(127),
  out_trade_no: outNo,
  amount: money,
  payer: z.object({ auth_code: z.string() }),
});
const refundBody = z.object({
  out_trade_no: outNo,
  out_refund_no: outNo,
  reason: z.string().max(80).optional(),
  notify_url: z.url().optional(),
  amount: z.object({ refund: z.number().int().min(1), total: z.number().int().min(1).optional(), currency: z.literal('CNY').optional() }),
});

/** WeChat 付款码: 18 digits beginning 10–15. */
export const isWechatAuthCode = (code: string): boolean => /^1[0-5]\d{16}$/.test(code);

export class PaymentSimulator extends BackOfficeSim {
  private readonly initialConfig: PaymentSimConfig;
  private cfg: PaymentSimConfig;
  private readonly merchantId: string;
  private readonly credential: string | undefined;
  private orders = new Map<string, Order>();
  private refunds = new Map<string, Refund>();
  private deliveries: NotificationDelivery[] = [];
  /** orders whose refunds end ABNORMAL */
  private abnormalOrders = new Set<string>();
  private readonly inflight = new Set<AbortController>();
  private seq = 0;

  constructor(opts: PaymentSimOptions = {}) {
    super('payment', PAYMENT_ROUTES, { 'paid-meanwhile': ['closeOrder'], 'refund-abnormal': ['refund'] }, opts);
    const { seed: _s, now: _n, merchantId, credential, ...rest } = opts;
    this.initialConfig = parseInput(configSchema, { ...DEFAULT_CONFIG, ...stripUndefined(rest) }, 'payment simulator options');
    this.cfg = { ...this.initialConfig };
    this.merchantId = merchantId ?? SIM_MERCHANT_ID;
    this.credential = credential;
  }

  // ── the simulated patient and operator ──

  /** The patient pays (scans the QR and confirms, or confirms a USERPAYING micropay). With `afterMs`, later. */
  pay(outTradeNo: string, opts: { afterMs?: number } = {}): PayOutcome {
    const order = this.mustOrder(outTradeNo);
    if (opts.afterMs !== undefined && opts.afterMs > 0) {
      this.later(opts.afterMs, () => this.charge(order));
      return 'scheduled';
    }
    return this.charge(order);
  }

  /** The patient cancels on the phone: a USERPAYING micropay becomes PAYERROR. */
  decline(outTradeNo: string): TradeState {
    const order = this.mustOrder(outTradeNo);
    if (order.tradeState === 'USERPAYING') order.tradeState = 'PAYERROR';
    return order.tradeState;
  }

  /**
   * Refunds of this order end ABNORMAL after processing (those still PROCESSING too): the payer's
   * card is closed, the money stays with the merchant. The order need not exist yet.
   */
  refundsEndAbnormal(outTradeNo: string): void {
    this.abnormalOrders.add(outTradeNo);
    for (const r of this.refunds.values()) if (r.outTradeNo === outTradeNo && r.status === 'PROCESSING') r.endsAbnormal = true;
  }

  /** The next refund request ends ABNORMAL (a `refund-abnormal` fault on route `refund`, once). */
  nextRefundEndsAbnormal(): void {
    this.injectFault({ route: 'refund', mode: 'refund-abnormal', times: 1 });
  }

  configure(partial: Partial<PaymentSimConfig>): PaymentSimConfig {
    this.cfg = parseInput(configSchema, { ...this.cfg, ...stripUndefined(partial) }, 'payment simulator config');
    return { ...this.cfg };
  }

  config(): PaymentSimConfig {
    return { ...this.cfg };
  }

  /** Every notification delivery (one per copy), oldest first. */
  notifications(): NotificationDelivery[] {
    return this.deliveries.map((d) => ({ ...d }));
  }

  order(outTradeNo: string): LedgerOrder | undefined {
    const o = this.orders.get(outTradeNo);
    return o ? this.ledgerOrder(o) : undefined;
  }

  ledger(): PaymentLedger {
    const orders = [...this.orders.values()].map((o) => this.ledgerOrder(o));
    return {
      orders,
      totals: {
        orders: orders.length,
        charges: sum(orders.map((o) => o.charges)),
        chargedFen: sum(orders.map((o) => o.paidFen)),
        refundedFen: sum(orders.map((o) => o.refundedFen)),
        refundPendingFen: sum(orders.map((o) => o.refundPendingFen)),
        refundAbnormalFen: sum(orders.map((o) => o.refundAbnormalFen)),
      },
    };
  }

  state(): unknown {
    const byState: Record<string, number> = {};
    for (const o of this.orders.values()) byState[o.tradeState] = (byState[o.tradeState] ?? 0) + 1;
    return {
      merchantId: this.merchantId,
      config: this.config(),
      orders: byState,
      refunds: this.refunds.size,
      notifications: { deliveries: this.deliveries.length, undelivered: this.deliveries.filter((d) => !d.delivered).length },
      faults: this.activeFaults(),
    };
  }

  reset(): void {
    this.orders.clear();
    this.refunds.clear();
    this.deliveries = [];
    this.abnormalOrders.clear();
    this.cfg = { ...this.initialConfig };
    this.clearFaults();
  }

  // ── HTTP ──

  protected override authorize(req: SimRequest): void {
    const auth = header(req, 'authorization');
    const token = auth?.match(/^Bearer (\S+)$/)?.[1];
    if (!token || (this.credential !== undefined && token !== this.credential)) {
      throw new SimReject(401, 'SIGN_ERROR', 'missing or wrong credentials (Authorization: Bearer …)');
    }
    const mchid = header(req, 'x-merchant-id');
    if (mchid !== this.merchantId) throw new SimReject(403, 'MCH_NOT_EXISTS', `merchant "${mchid ?? ''}" unknown to this gateway`);
  }

  protected defineRoutes(app: FastifyInstance): void {
    this.route(app, 'POST', '/v3/pay/transactions/native', 'createNative', (r) => this.createNative(r));
    this.route(app, 'POST', '/v3/pay/transactions/codepay', 'micropay', (r) => this.micropay(r));
    this.route(app, 'GET', '/v3/pay/transactions/out-trade-no/:no', 'queryOrder', (r) => this.queryOrder(r));
    this.route(app, 'POST', '/v3/pay/transactions/out-trade-no/:no/close', 'closeOrder', (r, f) => this.closeOrder(r, f));
    this.route(app, 'POST', '/v3/refund/domestic/refunds', 'refund', (r, f) => this.refund(r, f));
    this.route(app, 'GET', '/v3/refund/domestic/refunds/:no', 'queryRefund', (r) => this.queryRefund(r));
  }

  protected override defineControl(app: FastifyInstance): void {
    this.control(app, '/__sim/pay', z.strictObject({ outTradeNo: z.string().min(1), afterMs: z.number().int().min(0).max(3_600_000).optional() }), (i) => ({
      outcome: this.pay(i.outTradeNo, i.afterMs === undefined ? {} : { afterMs: i.afterMs }),
      order: this.order(i.outTradeNo),
    }));
    this.control(app, '/__sim/decline', z.strictObject({ outTradeNo: z.string().min(1) }), (i) => ({ tradeState: this.decline(i.outTradeNo) }));
    this.control(app, '/__sim/config', configSchema.partial(), (i) => ({ config: this.configure(i) }));
    app.get('/__sim/notifications', async () => ({ notifications: this.notifications() }));
    this.control(app, '/__sim/refund-abnormal', z.strictObject({ outTradeNo: z.string().min(1).optional() }), (i) => {
      if (i.outTradeNo) this.refundsEndAbnormal(i.outTradeNo);
      else this.nextRefundEndsAbnormal();
      return { applies: i.outTradeNo ? `refunds of ${i.outTradeNo}` : 'the next refund' };
    });
  }

  protected override onClose(): void {
    for (const c of this.inflight) c.abort();
    this.inflight.clear();
  }

  private createNative(req: SimRequest): SimAnswer {
    const b = businessInput(nativeBody, req.body);
    const existing = this.orders.get(b.out_trade_no);
    if (existing) {
      if (existing.kind !== 'native' || existing.amountFen !== b.amount.total || existing.description !== b.description) {
        throw new SimReject(400, 'OUT_TRADE_NO_USED', `out_trade_no ${b.out_trade_no} already used for a different order`);
      }
      existing.requests.create++;
      if (existing.tradeState === 'CLOSED') throw new SimReject(400, 'ORDER_CLOSED', `order ${b.out_trade_no} is closed`);
      if (existing.tradeState === 'SUCCESS' || existing.tradeState === 'REFUND') throw new SimReject(400, 'ORDER_PAID', `order ${b.out_trade_no} is already paid`);
      return { body: { code_url: existing.codeUrl } };
    }
    const order = this.newOrder('native', b.out_trade_no, b.description, b.amount.total, b.notify_url ?? null);
    order.expiresAt = b.time_expire ?? null;
    order.codeUrl = `weixin://wxpay/bizpayurl?pr=SIM${String(++this.seq).padStart(8, '0')}`;
    if (this.cfg.autoPayNativeMs !== null) this.later(this.cfg.autoPayNativeMs, () => this.charge(order));
    return { body: { code_url: order.codeUrl } };
  }

  private micropay(req: SimRequest): SimAnswer {
    const b = businessInput(codepayBody, req.body);
    const authCode = b.payer.auth_code;
    const existing = this.orders.get(b.out_trade_no);
    if (existing) {
      if (existing.kind !== 'micropay' || existing.amountFen !== b.amount.total || existing.authCode !== authCode) {
        throw new SimReject(400, 'OUT_TRADE_NO_USED', `out_trade_no ${b.out_trade_no} already used for a different order`);
      }
      existing.requests.create++;
      return this.micropayAnswer(existing);
    }
    if (!isWechatAuthCode(authCode)) {
      throw new SimReject(400, 'AUTH_CODE_INVALID', '付款码无效：请刷新微信付款码后重新扫码 (expected 18 digits starting 10–15)');
    }
    const order = this.newOrder('micropay', b.out_trade_no, b.description, b.amount.total, null);
    order.authCode = authCode;
    if (this.cfg.micropay === 'SUCCESS') this.charge(order);
    else if (this.cfg.micropay === 'NOT_ENOUGH') order.tradeState = 'PAYERROR';
    else {
      order.tradeState = 'USERPAYING';
      if (this.cfg.userPayingMs !== null) this.later(this.cfg.userPayingMs, () => this.charge(order));
    }
    return this.micropayAnswer(order);
  }

  private micropayAnswer(o: Order): SimAnswer {
    switch (o.tradeState) {
      case 'SUCCESS':
      case 'REFUND':
        return { body: { out_trade_no: o.outTradeNo, trade_state: 'SUCCESS', transaction_id: o.transactionId, success_time: iso(o.paidAt) } };
      case 'USERPAYING':
        return { status: 202, body: { out_trade_no: o.outTradeNo, trade_state: 'USERPAYING' } };
      case 'PAYERROR':
        throw new SimReject(403, 'NOT_ENOUGH', '用户余额不足 (the patient\'s balance is not enough)');
      case 'CLOSED':
        throw new SimReject(400, 'ORDER_CLOSED', `order ${o.outTradeNo} is closed`);
      default:
        throw new SimReject(400, 'INVALID_REQUEST', `order ${o.outTradeNo} is ${o.tradeState}`);
    }
  }

  private queryOrder(req: SimRequest): SimAnswer {
    const o = this.orders.get(req.params.no ?? '');
    if (!o) throw new SimReject(404, 'ORDER_NOT_EXIST', `no order ${req.params.no}`);
    o.requests.query++;
    return {
      body: {
        out_trade_no: o.outTradeNo,
        trade_state: o.tradeState,
        trade_state_desc: TRADE_STATE_DESC[o.tradeState],
        amount: { total: o.amountFen, currency: 'CNY', ...(o.charges > 0 ? { payer_total: o.amountFen } : {}) },
        ...(o.transactionId ? { transaction_id: o.transactionId } : {}),
        ...(o.paidAt !== null ? { success_time: iso(o.paidAt) } : {}),
      },
    };
  }

  private closeOrder(req: SimRequest, fault: ActiveFault | undefined): SimAnswer {
    const o = this.orders.get(req.params.no ?? '');
    if (!o) throw new SimReject(404, 'ORDER_NOT_EXIST', `no order ${req.params.no}`);
    o.requests.close++;
    if (fault?.mode === 'paid-meanwhile') this.charge(o);
    if (o.tradeState === 'SUCCESS' || o.tradeState === 'REFUND') throw new SimReject(400, 'ORDER_PAID', `order ${o.outTradeNo} is already paid; it cannot be closed — refund it instead`);
    if (o.tradeState !== 'CLOSED') {
      o.tradeState = 'CLOSED';
      o.closedAt = this.now();
    }
    return { status: 204 };
  }

  private refund(req: SimRequest, fault: ActiveFault | undefined): SimAnswer {
    const b = businessInput(refundBody, req.body);
    const abnormal = fault?.mode === 'refund-abnormal';
    const same = this.refunds.get(b.out_refund_no);
    if (same) {
      if (same.outTradeNo !== b.out_trade_no || same.amountFen !== b.amount.refund) {
        throw new SimReject(400, 'INVALID_REQUEST', `out_refund_no ${b.out_refund_no} was already used for order ${same.outTradeNo}, ${same.amountFen} fen`);
      }
      same.requests++;
      if (abnormal && same.status === 'PROCESSING') same.endsAbnormal = true;
      return { body: this.refundBody(same) };
    }
    const o = this.orders.get(b.out_trade_no);
    if (!o) throw new SimReject(404, 'ORDER_NOT_EXIST', `no order ${b.out_trade_no}`);
    if (o.charges === 0) throw new SimReject(400, 'ORDER_NOT_PAID', `order ${o.outTradeNo} is ${o.tradeState}: nothing was paid, nothing to refund`);
    if (b.amount.total !== undefined && b.amount.total !== o.amountFen) {
      throw new SimReject(400, 'PARAM_ERROR', `amount.total ${b.amount.total} is not the order's amount ${o.amountFen}`);
    }
    const already = sum(o.refundNos.map((n) => this.refunds.get(n)).filter((r): r is Refund => !!r && r.status !== 'CLOSED' && r.status !== 'ABNORMAL').map((r) => r.amountFen));
    if (already + b.amount.refund > o.amountFen * o.charges) {
      throw new SimReject(400, 'REFUND_AMOUNT_INVALID', `refund of ${b.amount.refund} fen exceeds what is left to refund (${o.amountFen * o.charges - already} fen) on order ${o.outTradeNo}`);
    }
    const r: Refund = {
      outRefundNo: b.out_refund_no,
      refundId: `50${shanghaiDate(this.now()).replaceAll('-', '')}${String(++this.seq).padStart(19, '0')}`,
      outTradeNo: o.outTradeNo,
      amountFen: b.amount.refund,
      reason: b.reason ?? '',
      notifyUrl: b.notify_url ?? o.notifyUrl,
      status: 'PROCESSING',
      createdAt: this.now(),
      successAt: null,
      requests: 1,
      endsAbnormal: abnormal || this.abnormalOrders.has(o.outTradeNo),
    };
    this.refunds.set(r.outRefundNo, r);
    o.refundNos.push(r.outRefundNo);
    o.tradeState = 'REFUND';
    this.later(this.cfg.refundProcessingMs, () => {
      if (this.refunds.get(r.outRefundNo) !== r) return; // reset meanwhile
      if (r.endsAbnormal || this.abnormalOrders.has(r.outTradeNo)) {
        r.status = 'ABNORMAL';
        this.notify('REFUND.ABNORMAL', o, r);
        return;
      }
      r.status = 'SUCCESS';
      r.successAt = this.now();
      this.notify('REFUND.SUCCESS', o, r);
    });
    return { body: this.refundBody(r) };
  }

  private queryRefund(req: SimRequest): SimAnswer {
    const r = this.refunds.get(req.params.no ?? '');
    if (!r) throw new SimReject(404, 'REFUND_NOT_EXIST', `no refund ${req.params.no}`);
    return { body: this.refundBody(r) };
  }

  // ── the ledger of money ──

  private newOrder(kind: Order['kind'], outTradeNo: string, description: string, amountFen: number, notifyUrl: string | null): Order {
    const order: Order = {
      outTradeNo,
      kind,
      description,
      amountFen,
      authCode: null,
      notifyUrl,
      codeUrl: null,
      tradeState: 'NOTPAY',
      createdAt: this.now(),
      expiresAt: null,
      paidAt: null,
      closedAt: null,
      transactionId: null,
      charges: 0,
      refundNos: [],
      requests: { create: 1, query: 0, close: 0 },
    };
    this.orders.set(outTradeNo, order);
    return order;
  }

  /** Take the patient's money, if the order can still be paid. The only place `charges` grows. */
  private charge(order: Order): PayOutcome {
    if (this.orders.get(order.outTradeNo) !== order) return 'failed'; // reset meanwhile
    switch (order.tradeState) {
      case 'SUCCESS':
      case 'REFUND':
        return 'already-paid';
      case 'CLOSED':
        return 'closed';
      case 'PAYERROR':
        return 'failed';
      default:
        break;
    }
    order.tradeState = 'SUCCESS';
    order.charges++;
    order.paidAt = this.now();
    order.transactionId = `4200${shanghaiDate(order.paidAt).replaceAll('-', '')}${String(++this.seq).padStart(16, '0')}`;
    this.notify('TRANSACTION.SUCCESS', order);
    return 'paid';
  }

  private refundBody(r: Refund): unknown {
    const o = this.orders.get(r.outTradeNo);
    return {
      refund_id: r.refundId,
      out_refund_no: r.outRefundNo,
      out_trade_no: r.outTradeNo,
      ...(o?.transactionId ? { transaction_id: o.transactionId } : {}),
      status: r.status,
      create_time: iso(r.createdAt),
      ...(r.successAt !== null ? { success_time: iso(r.successAt) } : {}),
      amount: { refund: r.amountFen, total: o?.amountFen ?? r.amountFen, currency: 'CNY' },
    };
  }

  private ledgerOrder(o: Order): LedgerOrder {
    const refunds = o.refundNos.map((n) => this.refunds.get(n)).filter((r): r is Refund => !!r);
    return {
      outTradeNo: o.outTradeNo,
      kind: o.kind,
      description: o.description,
      amountFen: o.amountFen,
      tradeState: o.tradeState,
      createdAt: iso(o.createdAt),
      expiresAt: o.expiresAt,
      paidAt: o.paidAt === null ? null : iso(o.paidAt),
      closedAt: o.closedAt === null ? null : iso(o.closedAt),
      transactionId: o.transactionId,
      charges: o.charges,
      paidFen: o.amountFen * o.charges,
      refundedFen: sum(refunds.filter((r) => r.status === 'SUCCESS').map((r) => r.amountFen)),
      refundPendingFen: sum(refunds.filter((r) => r.status === 'PROCESSING').map((r) => r.amountFen)),
      refundAbnormalFen: sum(refunds.filter((r) => r.status === 'ABNORMAL').map((r) => r.amountFen)),
      refunds: refunds.map((r) => ({
        outRefundNo: r.outRefundNo,
        refundId: r.refundId,
        amountFen: r.amountFen,
        reason: r.reason,
        status: r.status,
        createdAt: iso(r.createdAt),
        successAt: r.successAt === null ? null : iso(r.successAt),
        requests: r.requests,
      })),
      requests: { ...o.requests },
    };
  }

  private mustOrder(outTradeNo: string): Order {
    const o = this.orders.get(outTradeNo);
    if (!o) {
      const known = [...this.orders.keys()].slice(-5);
      throw new SimInputError(`no order "${outTradeNo}" at the payment simulator${known.length ? ` (latest: ${known.join(', ')})` : ' (no orders yet)'}`);
    }
    return o;
  }

  // ── notifications ──

  private notify(eventType: NotificationDelivery['eventType'], o: Order, r?: Refund): void {
    const id = `EV${String(++this.seq).padStart(10, '0')}`;
    const body = {
      id,
      create_time: iso(this.now()),
      resource_type: 'plain',
      event_type: eventType,
      summary: NOTIFICATION_SUMMARY[eventType],
      resource: r
        ? {
            out_trade_no: o.outTradeNo,
            transaction_id: o.transactionId,
            out_refund_no: r.outRefundNo,
            refund_id: r.refundId,
            refund_status: r.status,
            amount: { refund: r.amountFen, total: o.amountFen },
            ...(r.successAt !== null ? { success_time: iso(r.successAt) } : {}),
          }
        : {
            out_trade_no: o.outTradeNo,
            transaction_id: o.transactionId,
            trade_state: 'SUCCESS',
            amount: { total: o.amountFen, payer_total: o.amountFen },
            success_time: iso(o.paidAt ?? this.now()),
          },
    };
    const url = (r ? r.notifyUrl : o.notifyUrl) ?? this.cfg.notifyUrl;
    const text = JSON.stringify(body);
    for (let copy = 1; copy <= this.cfg.notificationCopies; copy++) {
      const d: NotificationDelivery = { notificationId: id, copy, eventType, outTradeNo: o.outTradeNo, outRefundNo: r?.outRefundNo ?? null, url, attempts: 0, delivered: false, lastError: url ? null : 'no notify URL configured' };
      this.deliveries.push(d);
      if (url) void this.deliver(d, url, text);
    }
  }

  private async deliver(d: NotificationDelivery, url: string, text: string): Promise<void> {
    if (this.closed) return;
    d.attempts++;
    const ac = new AbortController();
    this.inflight.add(ac);
    const timer = setTimeout(() => ac.abort(), 5_000);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'wechatpay-serial': 'SIM' }, body: text, signal: ac.signal });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        d.delivered = true;
        d.lastError = null;
        return;
      }
      d.lastError = `HTTP ${res.status}`;
    } catch (e) {
      d.lastError = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    } finally {
      clearTimeout(timer);
      this.inflight.delete(ac);
    }
    if (d.attempts < this.cfg.notifyMaxAttempts) this.later(this.cfg.notifyRetryMs, () => void this.deliver(d, url, text));
  }
}

const NOTIFICATION_SUMMARY: Record<NotificationDelivery['eventType'], string> = {
  'TRANSACTION.SUCCESS': '支付成功',
  'REFUND.SUCCESS': '退款成功',
  'REFUND.ABNORMAL': '退款异常',
};

const TRADE_STATE_DESC: Record<TradeState, string> = {
  NOTPAY: '未支付',
  USERPAYING: '用户支付中',
  SUCCESS: '支付成功',
  CLOSED: '已关闭',
  REFUND: '转入退款',
  PAYERROR: '支付失败',
};

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const iso = (ms: number | null): string => shanghaiIso(ms ?? 0);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
