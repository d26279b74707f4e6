import type { CallOptions } from '../errors.ts';

/** WeChat-Pay-v3-like trade states. */
export type TradeState = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'CLOSED' | 'REFUND' | 'PAYERROR';
export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';

export interface OrderQuery {
  outTradeNo: string;
  tradeState: TradeState;
  amountFen: number;
  transactionId?: string;
  /** ISO */
  successTime?: string;
}

export interface RefundQuery {
  outRefundNo: string;
  outTradeNo: string;
  status: RefundStatus;
  amountFen: number;
  refundId?: string;
}

/** An asynchronous payment notification, as the gateway delivers it (possibly more than once). */
export interface PaymentNotification {
  id: string;
  eventType: 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.ABNORMAL';
  outTradeNo: string;
  outRefundNo?: string;
  transactionId?: string;
  amountFen: number;
  /** ISO */
  createTime: string;
}

/**
 * The payment gateway. Rejections are BackendError kind 'rejected' with the gateway's codes:
 * ORDER_PAID, ORDER_CLOSED, ORDER_NOT_EXIST, AUTH_CODE_INVALID, NOT_ENOUGH (balance), REFUND_AMOUNT_INVALID …
 * A timeout or 5xx on create/micropay/close/refund is `outcome: 'unknown'`: query before deciding.
 */
export interface PaymentGateway {
  /** native QR: the kiosk shows `codeUrl`, the patient scans it */
  createNativeOrder(req: { outTradeNo: string; amountFen: number; description: string; expiresAt: string }, opts?: CallOptions): Promise<{ codeUrl: string }>;
  /** payment code (付款码) read by the scanner; USERPAYING = the patient must confirm on the phone: query until final */
  micropay(req: { outTradeNo: string; amountFen: number; description: string; authCode: string }, opts?: CallOptions): Promise<{ tradeState: 'SUCCESS' | 'USERPAYING'; transactionId?: string }>;
  queryOrder(req: { outTradeNo: string }, opts?: CallOptions): Promise<OrderQuery>;
  closeOrder(req: { outTradeNo: string }, opts?: CallOptions): Promise<void>;
  /** idempotent per outRefundNo: the same refund number never refunds twice */
  refund(req: { outTradeNo: string; outRefundNo: string; amountFen: number; reason: string }, opts?: CallOptions): Promise<RefundQuery>;
  queryRefund(req: { outRefundNo: string }, opts?: CallOptions): Promise<RefundQuery>;
}
