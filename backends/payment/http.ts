import { z } from 'zod';
import { BackendError, type CallOptions } from '../errors.ts';
import { JsonHttpBackend, type HttpBackendOptions } from '../http-call.ts';
import type { OrderQuery, PaymentGateway, PaymentNotification, RefundQuery } from './types.ts';

/**
 * Payment gateway over HTTP, WeChat-Pay-v3-like. Amounts are integers in fen (分), currency CNY.
 *
 * Every request carries `Authorization: Bearer <credential>` and `X-Merchant-Id: <mchid>`; a real
 * gateway's request signing (WECHATPAY2-SHA256-RSA2048 …) plugs in through `authenticate`.
 *
 *   POST /v3/pay/transactions/native
 *        {description, out_trade_no, time_expire, notify_url?, amount:{total, currency:"CNY"}}
 *        200 {code_url}
 *   POST /v3/pay/transactions/codepay            (付款码 / micropay)
 *        {description, out_trade_no, amount:{total, currency}, payer:{auth_code}}
 *        200 {out_trade_no, trade_state:"SUCCESS", transaction_id, success_time}
 *        202 {out_trade_no, trade_state:"USERPAYING"}          the patient confirms on the phone: query
 *   GET  /v3/pay/transactions/out-trade-no/{out_trade_no}
 *        200 {out_trade_no, trade_state, trade_state_desc, amount:{total, payer_total?}, transaction_id?, success_time?}
 *   POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close   {}
 *        204; 400 ORDER_PAID when the patient has paid
 *   POST /v3/refund/domestic/refunds
 *        {out_trade_no, out_refund_no, reason, notify_url?, amount:{refund, currency}}
 *        200 {refund_id, out_refund_no, out_trade_no, transaction_id?, status, create_time, success_time?, amount:{refund, total}}
 *   GET  /v3/refund/domestic/refunds/{out_refund_no}   200 same body as above
 *
 * Errors are `{code, message}` with 4xx: ORDER_PAID, ORDER_CLOSED, ORDER_NOT_EXIST, OUT_TRADE_NO_USED,
 * AUTH_CODE_INVALID, NOT_ENOUGH, ORDER_NOT_PAID, REFUND_AMOUNT_INVALID, REFUND_NOT_EXIST, PARAM_ERROR,
 * SIGN_ERROR (401), MCH_NOT_EXISTS (403). 5xx SYSTEM_ERROR.
 *
 * Notifications: the gateway POSTs to notify_url
 *   {id, create_time, resource_type:"plain", event_type:"TRANSACTION.SUCCESS"|"REFUND.SUCCESS"|"REFUND.ABNORMAL",
 *    summary, resource:{out_trade_no, transaction_id?, trade_state?, out_refund_no?, refund_id?, refund_status?,
 *    amount:{total, refund?}, success_time?}}
 * and retries until it gets a 2xx; the same id may arrive more than once. Parse with `parsePaymentNotification`.
 */

export interface HttpPaymentGatewayOptions extends HttpBackendOptions {
  merchantId: string;
  /** the bearer token (the secret behind config `credentialsRef`, already resolved) */
  credential?: string;
  /** where the gateway should POST notifications for orders created here */
  notifyUrl?: string;
}

const tradeState = z.enum(['NOTPAY', 'USERPAYING', 'SUCCESS', 'CLOSED', 'REFUND', 'PAYERROR']);
const refundStatus = z.enum(['PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED']);
const fen = z.number().int().min(0);

const nativeAnswer = z.object({ code_url: z.string().min(1) });
const micropayAnswer = z.discriminatedUnion('trade_state', [
  z.object({ trade_state: z.literal('SUCCESS'), transaction_id: z.string().min(1) }),
  z.object({ trade_state: z.literal('USERPAYING'), transaction_id: z.string().optional() }),
]);
const orderAnswer = z.object({
  out_trade_no: z.string(),
  trade_state: tradeState,
  amount: z.object({ total: fen }),
  transaction_id: z.string().optional(),
  success_time: z.string().optional(),
});
const refundAnswer = z.object({
  refund_id: z.string().optional(),
  out_refund_no: z.string(),
  out_trade_no: z.string(),
  status: refundStatus,
  amount: z.object({ refund: fen }),
});
const noBody = z.unknown();

export class HttpPaymentGateway implements PaymentGateway {
  private readonly http: JsonHttpBackend;
  constructor(private readonly options: HttpPaymentGatewayOptions) {
    const { merchantId, credential, authenticate } = options;
    // Every request names the merchant; the credential is a bearer token unless a real signer is given.
    const credentials: NonNullable<HttpBackendOptions['authenticate']> =
      authenticate ?? ((): Record<string, string> => (credential ? { authorization: `Bearer ${credential}` } : {}));
    this.http = new JsonHttpBackend('payment', { ...options, authenticate: (r) => ({ 'x-merchant-id': merchantId, ...credentials(r) }) });
  }

  async createNativeOrder(req: { outTradeNo: string; amountFen: number; description: string; expiresAt: string }, opts?: CallOptions): Promise<{ codeUrl: string }> {
    const { body } = await this.http.call(
      {
        operation: `create payment order ${req.outTradeNo}`,
        method: 'POST',
        path: '/v3/pay/transactions/native',
        write: true,
        body: {
          description: req.description,
          out_trade_no: req.outTradeNo,
          time_expire: req.expiresAt,
          ...(this.options.notifyUrl ? { notify_url: this.options.notifyUrl } : {}),
          amount: { total: req.amountFen, currency: 'CNY' },
        },
        schema: nativeAnswer,
      },
      opts,
    );
    return { codeUrl: body.code_url };
  }

  async micropay(req: { outTradeNo: string; amountFen: number; description: string; authCode: string }, opts?: CallOptions): Promise<{ tradeState: 'SUCCESS' | 'USERPAYING'; transactionId?: string }> {
    const { body } = await this.http.call(
      {
        operation: `charge payment code for order ${req.outTradeNo}`,
        method: 'POST',
        path: '/v3/pay/transactions/codepay',
        write: true,
        body: {
          description: req.description,
          out_trade_no: req.outTradeNo,
          amount: { total: req.amountFen, currency: 'CNY' },
          payer: { auth_code: req.authCode },
        },
        schema: micropayAnswer,
      },
      opts,
    );
    return body.transaction_id ? { tradeState: body.trade_state, transactionId: body.transaction_id } : { tradeState: body.trade_state };
  }

  async queryOrder(req: { outTradeNo: string }, opts?: CallOptions): Promise<OrderQuery> {
    const { body } = await this.http.call(
      { operation: `query payment order ${req.outTradeNo}`, method: 'GET', path: `/v3/pay/transactions/out-trade-no/${encodeURIComponent(req.outTradeNo)}`, write: false, schema: orderAnswer },
      opts,
    );
    if (body.out_trade_no !== req.outTradeNo) {
      throw new BackendError('payment', 'protocol', 'not-done', 'BAD_RESPONSE', `asked for order ${req.outTradeNo}, the gateway answered about ${body.out_trade_no}`);
    }
    return {
      outTradeNo: body.out_trade_no,
      tradeState: body.trade_state,
      amountFen: body.amount.total,
      ...(body.transaction_id ? { transactionId: body.transaction_id } : {}),
      ...(body.success_time ? { successTime: body.success_time } : {}),
    };
  }

  async closeOrder(req: { outTradeNo: string }, opts?: CallOptions): Promise<void> {
    await this.http.call(
      { operation: `close payment order ${req.outTradeNo}`, method: 'POST', path: `/v3/pay/transactions/out-trade-no/${encodeURIComponent(req.outTradeNo)}/close`, write: true, body: {}, schema: noBody },
      opts,
    );
  }

  async refund(req: { outTradeNo: string; outRefundNo: string; amountFen: number; reason: string }, opts?: CallOptions): Promise<RefundQuery> {
    const { body } = await this.http.call(
      {
        operation: `refund ${req.outRefundNo} on order ${req.outTradeNo}`,
        method: 'POST',
        path: '/v3/refund/domestic/refunds',
        write: true,
        body: {
          out_trade_no: req.outTradeNo,
          out_refund_no: req.outRefundNo,
          reason: req.reason,
          ...(this.options.notifyUrl ? { notify_url: this.options.notifyUrl } : {}),
          amount: { refund: req.amountFen, currency: 'CNY' },
        },
        schema: refundAnswer,
      },
      opts,
    );
    if (body.out_refund_no !== req.outRefundNo) {
      throw new BackendError('payment', 'protocol', 'unknown', 'BAD_RESPONSE', `asked for refund ${req.outRefundNo}, the gateway answered about ${body.out_refund_no} — query the refund before deciding`);
    }
    return toRefundQuery(body);
  }

  async queryRefund(req: { outRefundNo: string }, opts?: CallOptions): Promise<RefundQuery> {
    const { body } = await this.http.call(
      { operation: `query refund ${req.outRefundNo}`, method: 'GET', path: `/v3/refund/domestic/refunds/${encodeURIComponent(req.outRefundNo)}`, write: false, schema: refundAnswer },
      opts,
    );
    return toRefundQuery(body);
  }
}

function toRefundQuery(body: z.output<typeof refundAnswer>): RefundQuery {
  return {
    outRefundNo: body.out_refund_no,
    outTradeNo: body.out_trade_no,
    status: body.status,
    amountFen: body.amount.refund,
    ...(body.refund_id ? { refundId: body.refund_id } : {}),
  };
}

const notificationSchema = z.object({
  id: z.string().min(1),
  create_time: z.string().min(1),
  event_type: z.enum(['TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'REFUND.ABNORMAL']),
  resource: z.object({
    out_trade_no: z.string().min(1),
    transaction_id: z.string().optional(),
    out_refund_no: z.string().optional(),
    amount: z.object({ total: fen, refund: fen.optional() }),
  }),
});

/**
 * A notification body as the gateway POSTs it → PaymentNotification. Throws BackendError
 * (payment, protocol, not-done, BAD_NOTIFICATION) when it is not one; answer such a request 400
 * so the gateway does not count it as delivered.
 */
export function parsePaymentNotification(body: unknown): PaymentNotification {
  const r = notificationSchema.safeParse(body);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new BackendError('payment', 'protocol', 'not-done', 'BAD_NOTIFICATION', `payment notification not understood (${issues})`);
  }
  const n = r.data;
  const refund = n.event_type !== 'TRANSACTION.SUCCESS';
  if (refund && (!n.resource.out_refund_no || n.resource.amount.refund === undefined)) {
    throw new BackendError('payment', 'protocol', 'not-done', 'BAD_NOTIFICATION', `payment notification ${n.id}: a ${n.event_type} needs resource.out_refund_no and amount.refund`);
  }
  return {
    id: n.id,
    eventType: n.event_type,
    outTradeNo: n.resource.out_trade_no,
    ...(n.resource.out_refund_no ? { outRefundNo: n.resource.out_refund_no } : {}),
    ...(n.resource.transaction_id ? { transactionId: n.resource.transaction_id } : {}),
    amountFen: refund ? (n.resource.amount.refund ?? 0) : n.resource.amount.total,
    createTime: n.create_time,
  };
}
