import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backendErrorOf, closedPortUrl, eventually, postJson, startReceiver } from '../test-helpers.ts';
import { HttpPaymentGateway, parsePaymentNotification } from './http.ts';
import { PaymentSimulator, SIM_MERCHANT_ID } from './simulator.ts';

const WECHAT_CODE = '134567890123456789';
let sim: PaymentSimulator;
let gateway: HttpPaymentGateway;
/** waits 300 ms: for the faults that hold the answer */
let quick: HttpPaymentGateway;
let seq = 0;
const orderNo = () => `ZZ${Date.now()}${String(++seq).padStart(4, '0')}`;
const deadline = () => new Date(Date.now() + 180_000).toISOString();

/** generous: only the tests that expect a timeout use a short one (`quick`) */
function gatewayAt(url: string, timeoutMs = 5_000, extra: Partial<ConstructorParameters<typeof HttpPaymentGateway>[0]> = {}) {
  return new HttpPaymentGateway({ url, timeoutMs, merchantId: SIM_MERCHANT_ID, credential: 'sim-token', ...extra });
}

beforeEach(async () => {
  sim = new PaymentSimulator({ refundProcessingMs: 20, userPayingMs: 20, notifyRetryMs: 20 });
  const { url } = await sim.start();
  gateway = gatewayAt(url);
  quick = gatewayAt(url, 300);
});
afterEach(async () => {
  await sim.close();
});

describe('native QR payment', () => {
  it('is NOTPAY until the patient pays, then SUCCESS with a transaction id, charged once', async () => {
    const no = orderNo();
    const { codeUrl } = await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费 内科', expiresAt: deadline() });
    expect(codeUrl).toMatch(/^weixin:\/\//);
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('NOTPAY');
    expect(sim.pay(no)).toBe('paid');
    expect(sim.pay(no)).toBe('already-paid');
    const q = await gateway.queryOrder({ outTradeNo: no });
    expect(q).toMatchObject({ outTradeNo: no, tradeState: 'SUCCESS', amountFen: 5000 });
    expect(q.transactionId).toMatch(/^4200\d{24}$/);
    expect(sim.order(no)).toMatchObject({ charges: 1, paidFen: 5000 });
  });

  it('creating the same order again returns the same code; different content is OUT_TRADE_NO_USED', async () => {
    const no = orderNo();
    const a = await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费', expiresAt: deadline() });
    const b = await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费', expiresAt: deadline() });
    expect(b.codeUrl).toBe(a.codeUrl);
    const err = await backendErrorOf(gateway.createNativeOrder({ outTradeNo: no, amountFen: 6000, description: '挂号费', expiresAt: deadline() }));
    expect(err).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'OUT_TRADE_NO_USED' });
    expect(sim.ledger().totals.orders).toBe(1);
  });

  it('an unknown order is ORDER_NOT_EXIST', async () => {
    const err = await backendErrorOf(gateway.queryOrder({ outTradeNo: 'NEVER-CREATED-1' }));
    expect(err).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'ORDER_NOT_EXIST' });
  });

  it('refuses a wrong credential or merchant (401/403) as a rejection', async () => {
    const strict = new PaymentSimulator({ credential: 'right' });
    const { url } = await strict.start();
    try {
      const wrong = await backendErrorOf(gatewayAt(url, 5_000, { credential: 'wrong' }).queryOrder({ outTradeNo: 'X123456' }));
      expect(wrong).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'SIGN_ERROR' });
      const merchant = await backendErrorOf(gatewayAt(url, 5_000, { credential: 'right', merchantId: '1' }).queryOrder({ outTradeNo: 'X123456' }));
      expect(merchant.code).toBe('MCH_NOT_EXISTS');
    } finally {
      await strict.close();
    }
  });
});

describe('payment code (付款码)', () => {
  it('charges a valid WeChat code at once', async () => {
    const no = orderNo();
    const r = await gateway.micropay({ outTradeNo: no, amountFen: 8000, description: '挂号费', authCode: WECHAT_CODE });
    expect(r.tradeState).toBe('SUCCESS');
    expect(r.transactionId).toBeTruthy();
    expect(sim.order(no)?.charges).toBe(1);
  });

  it('refuses a code that is not a WeChat 付款码, charging nothing', async () => {
    const no = orderNo();
    const err = await backendErrorOf(gateway.micropay({ outTradeNo: no, amountFen: 8000, description: '挂号费', authCode: '280000000000000000' }));
    expect(err).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'AUTH_CODE_INVALID' });
    expect(sim.order(no)).toBeUndefined();
  });

  it('USERPAYING becomes SUCCESS after the patient confirms; a retry returns the same charge', async () => {
    sim.configure({ micropay: 'USERPAYING', userPayingMs: null });
    const no = orderNo();
    const req = { outTradeNo: no, amountFen: 5000, description: '挂号费', authCode: WECHAT_CODE };
    expect(await gateway.micropay(req)).toEqual({ tradeState: 'USERPAYING' });
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('USERPAYING');
    sim.pay(no);
    const retry = await gateway.micropay(req);
    expect(retry.tradeState).toBe('SUCCESS');
    expect(retry.transactionId).toBe((await gateway.queryOrder({ outTradeNo: no })).transactionId);
    expect(sim.order(no)).toMatchObject({ charges: 1, requests: { create: 2 } });
  });

  it('USERPAYING turns SUCCESS by itself after the configured delay', async () => {
    sim.configure({ micropay: 'USERPAYING', userPayingMs: 10 });
    const no = orderNo();
    await gateway.micropay({ outTradeNo: no, amountFen: 5000, description: '挂号费', authCode: WECHAT_CODE });
    await eventually('USERPAYING → SUCCESS', async () => (await gateway.queryOrder({ outTradeNo: no })).tradeState === 'SUCCESS');
  });

  it('a declined confirmation is PAYERROR; not enough balance is NOT_ENOUGH', async () => {
    sim.configure({ micropay: 'USERPAYING', userPayingMs: null });
    const a = orderNo();
    await gateway.micropay({ outTradeNo: a, amountFen: 5000, description: '挂号费', authCode: WECHAT_CODE });
    sim.decline(a);
    expect((await gateway.queryOrder({ outTradeNo: a })).tradeState).toBe('PAYERROR');

    sim.configure({ micropay: 'NOT_ENOUGH' });
    const b = orderNo();
    const err = await backendErrorOf(gateway.micropay({ outTradeNo: b, amountFen: 5000, description: '挂号费', authCode: WECHAT_CODE }));
    expect(err).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'NOT_ENOUGH' });
    expect((await gateway.queryOrder({ outTradeNo: b })).tradeState).toBe('PAYERROR');
    expect(sim.ledger().totals.charges).toBe(0);
  });
});

describe('closing an order', () => {
  it('closes an unpaid order; the patient can no longer pay it; closing again is harmless', async () => {
    const no = orderNo();
    await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费', expiresAt: deadline() });
    await gateway.closeOrder({ outTradeNo: no });
    await gateway.closeOrder({ outTradeNo: no });
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('CLOSED');
    expect(sim.pay(no)).toBe('closed');
    expect(sim.order(no)?.charges).toBe(0);
    const again = await backendErrorOf(gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费', expiresAt: deadline() }));
    expect(again.code).toBe('ORDER_CLOSED');
  });

  it('close on a paid order is ORDER_PAID, and the query then says SUCCESS', async () => {
    const no = orderNo();
    await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费', expiresAt: deadline() });
    sim.pay(no);
    const err = await backendErrorOf(gateway.closeOrder({ outTradeNo: no }));
    expect(err).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'ORDER_PAID' });
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('SUCCESS');
  });

  it('late success: the patient pays just as the kiosk gives up and closes → ORDER_PAID, one charge', async () => {
    const no = orderNo();
    await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费', expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('NOTPAY');
    sim.injectFault({ route: 'closeOrder', mode: 'paid-meanwhile', times: 1 });
    const err = await backendErrorOf(gateway.closeOrder({ outTradeNo: no }));
    expect(err.code).toBe('ORDER_PAID');
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('SUCCESS');
    expect(sim.order(no)).toMatchObject({ charges: 1, requests: { close: 1 } });
  });

  it('late success: a payment scheduled after the deadline lands unless the order was closed', async () => {
    const no = orderNo();
    await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费', expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(sim.pay(no, { afterMs: 20 })).toBe('scheduled');
    await eventually('late payment lands', async () => (await gateway.queryOrder({ outTradeNo: no })).tradeState === 'SUCCESS');
  });
});

describe('refunds', () => {
  async function paidOrder(amountFen = 5000): Promise<string> {
    const no = orderNo();
    await gateway.micropay({ outTradeNo: no, amountFen, description: '挂号费', authCode: WECHAT_CODE });
    return no;
  }

  it('the same refund number twice refunds once; PROCESSING turns SUCCESS; query says so', async () => {
    const no = await paidOrder();
    const req = { outTradeNo: no, outRefundNo: `R${no}`, amountFen: 5000, reason: '挂号失败退款' };
    const first = await gateway.refund(req);
    const second = await gateway.refund(req);
    expect(first.status).toBe('PROCESSING');
    expect(second.refundId).toBe(first.refundId);
    await eventually('refund SUCCESS', async () => (await gateway.queryRefund({ outRefundNo: req.outRefundNo })).status === 'SUCCESS');
    const order = sim.order(no);
    expect(order?.refunds).toHaveLength(1);
    expect(order).toMatchObject({ refundedFen: 5000, charges: 1, tradeState: 'REFUND' });
    expect(order?.refunds[0]?.requests).toBe(2);
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('REFUND');
  });

  it('a different refund number beyond what was paid is REFUND_AMOUNT_INVALID', async () => {
    const no = await paidOrder(5000);
    await gateway.refund({ outTradeNo: no, outRefundNo: `RA${no}`, amountFen: 3000, reason: 'x' });
    const err = await backendErrorOf(gateway.refund({ outTradeNo: no, outRefundNo: `RB${no}`, amountFen: 2001, reason: 'x' }));
    expect(err).toMatchObject({ kind: 'rejected', outcome: 'not-done', code: 'REFUND_AMOUNT_INVALID' });
    await gateway.refund({ outTradeNo: no, outRefundNo: `RC${no}`, amountFen: 2000, reason: 'x' });
    expect(sim.order(no)?.refunds.map((r) => r.amountFen)).toEqual([3000, 2000]);
  });

  it('refunding an unpaid order or querying an unknown refund is refused', async () => {
    const no = orderNo();
    await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费', expiresAt: deadline() });
    expect((await backendErrorOf(gateway.refund({ outTradeNo: no, outRefundNo: `R${no}`, amountFen: 5000, reason: 'x' }))).code).toBe('ORDER_NOT_PAID');
    expect((await backendErrorOf(gateway.queryRefund({ outRefundNo: 'NO-SUCH-REFUND' }))).code).toBe('REFUND_NOT_EXIST');
  });

  it('ABNORMAL: refunds of a marked order end ABNORMAL after processing, notified as REFUND.ABNORMAL; never counted as refunded', async () => {
    const receiver = await startReceiver();
    try {
      sim.configure({ notifyUrl: receiver.url });
      const no = await paidOrder();
      sim.refundsEndAbnormal(no);
      const first = await gateway.refund({ outTradeNo: no, outRefundNo: `R${no}`, amountFen: 5000, reason: '挂号失败退款' });
      expect(first.status).toBe('PROCESSING');
      await eventually('refund ABNORMAL', async () => (await gateway.queryRefund({ outRefundNo: `R${no}` })).status === 'ABNORMAL');
      // final: it stays ABNORMAL, and asking again with the same number changes nothing
      expect((await gateway.refund({ outTradeNo: no, outRefundNo: `R${no}`, amountFen: 5000, reason: 'x' })).status).toBe('ABNORMAL');
      await new Promise((r) => setTimeout(r, 40));
      expect((await gateway.queryRefund({ outRefundNo: `R${no}` })).status).toBe('ABNORMAL');
      expect(sim.order(no)).toMatchObject({ tradeState: 'REFUND', charges: 1, refundedFen: 0, refundPendingFen: 0, refundAbnormalFen: 5000 });
      expect(sim.ledger().totals).toMatchObject({ refundedFen: 0, refundAbnormalFen: 5000 });
      await eventually('notified', () => receiver.received.length === 2);
      const n = parsePaymentNotification(receiver.received[1]?.body);
      expect(n).toMatchObject({ eventType: 'REFUND.ABNORMAL', outTradeNo: no, outRefundNo: `R${no}`, amountFen: 5000 });
      expect(receiver.received[1]?.body).toMatchObject({ summary: '退款异常', resource: { refund_status: 'ABNORMAL' } });
      expect(sim.notifications().map((d) => d.eventType)).toEqual(['TRANSACTION.SUCCESS', 'REFUND.ABNORMAL']);
    } finally {
      await receiver.close();
    }
  });

  it('ABNORMAL: only the next refund, as a fault (control route without an order); the one after succeeds', async () => {
    const a = await paidOrder();
    const b = await paidOrder();
    expect(await postJson(`${sim.url}/__sim/refund-abnormal`, {})).toMatchObject({ status: 200, body: { applies: 'the next refund' } });
    await gateway.refund({ outTradeNo: a, outRefundNo: `R${a}`, amountFen: 5000, reason: 'x' });
    await gateway.refund({ outTradeNo: b, outRefundNo: `R${b}`, amountFen: 5000, reason: 'x' });
    await eventually('both processed', () => sim.order(a)!.refundPendingFen === 0 && sim.order(b)!.refundPendingFen === 0);
    expect(sim.order(a)).toMatchObject({ refundAbnormalFen: 5000, refundedFen: 0 });
    expect(sim.order(b)).toMatchObject({ refundAbnormalFen: 0, refundedFen: 5000 });
    // an order marked over HTTP, before it exists
    const c = orderNo();
    expect(await postJson(`${sim.url}/__sim/refund-abnormal`, { outTradeNo: c })).toMatchObject({ status: 200, body: { applies: `refunds of ${c}` } });
    await gateway.micropay({ outTradeNo: c, amountFen: 5000, description: '挂号费', authCode: WECHAT_CODE });
    await gateway.refund({ outTradeNo: c, outRefundNo: `R${c}`, amountFen: 5000, reason: 'x' });
    await eventually('c ABNORMAL', async () => (await gateway.queryRefund({ outRefundNo: `R${c}` })).status === 'ABNORMAL');
    expect((await postJson(`${sim.url}/__sim/faults`, { route: 'queryRefund', mode: 'refund-abnormal' })).status).toBe(400);
    sim.reset();
    expect(sim.ledger().totals.refundAbnormalFen).toBe(0);
  });

  it('reusing a refund number for another amount is refused, not a second refund', async () => {
    const no = await paidOrder();
    await gateway.refund({ outTradeNo: no, outRefundNo: `R${no}`, amountFen: 1000, reason: 'x' });
    const err = await backendErrorOf(gateway.refund({ outTradeNo: no, outRefundNo: `R${no}`, amountFen: 2000, reason: 'x' }));
    expect(err.code).toBe('INVALID_REQUEST');
    expect(sim.order(no)?.refunds).toHaveLength(1);
  });
});

describe('faults map to BackendError kind and outcome', () => {
  it('connection refused → unavailable, not-done', async () => {
    const err = await backendErrorOf(gatewayAt(await closedPortUrl()).createNativeOrder({ outTradeNo: orderNo(), amountFen: 1, description: 'x', expiresAt: deadline() }));
    expect(err).toMatchObject({ backend: 'payment', kind: 'unavailable', outcome: 'not-done', code: 'ECONNREFUSED' });
    expect(err.retryable).toBe(true);
  });

  it('timeout (the gateway holds the answer and does nothing) → timeout, unknown; nothing was created', async () => {
    sim.injectFault({ route: 'createNative', mode: 'timeout', times: 1 });
    const no = orderNo();
    const err = await backendErrorOf(quick.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: 'x', expiresAt: deadline() }));
    expect(err).toMatchObject({ kind: 'timeout', outcome: 'unknown', code: 'TIMEOUT' });
    expect(sim.order(no)).toBeUndefined();
  });

  it('a slow gateway acts after the kiosk stopped waiting → timeout, unknown; the query finds the order', async () => {
    sim.injectFault({ route: 'micropay', mode: 'delay', ms: 600, times: 1 });
    const no = orderNo();
    const err = await backendErrorOf(quick.micropay({ outTradeNo: no, amountFen: 5000, description: 'x', authCode: WECHAT_CODE }));
    expect(err).toMatchObject({ kind: 'timeout', outcome: 'unknown' });
    await eventually('the delayed charge lands', () => sim.order(no)?.tradeState === 'SUCCESS');
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('SUCCESS');
  });

  it('5xx on a write → unavailable, unknown; 5xx on a read → unavailable, not-done', async () => {
    sim.injectFault({ route: 'createNative', mode: 'error', status: 502, times: 1 });
    sim.injectFault({ route: 'queryOrder', mode: 'error', times: 1 });
    const no = orderNo();
    const w = await backendErrorOf(gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: 'x', expiresAt: deadline() }));
    expect(w).toMatchObject({ kind: 'unavailable', outcome: 'unknown', code: '502' });
    const r = await backendErrorOf(gateway.queryOrder({ outTradeNo: no }));
    expect(r).toMatchObject({ kind: 'unavailable', outcome: 'not-done', code: '503' });
  });

  it('unknown result (charged, connection dropped) → unavailable, unknown; retry with the same number is the same charge', async () => {
    sim.injectFault({ route: 'micropay', mode: 'unknown-result', then: 'drop', times: 1 });
    const no = orderNo();
    const req = { outTradeNo: no, amountFen: 5000, description: 'x', authCode: WECHAT_CODE };
    const err = await backendErrorOf(gateway.micropay(req));
    expect(err).toMatchObject({ kind: 'unavailable', outcome: 'unknown' });
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('SUCCESS');
    expect((await gateway.micropay(req)).tradeState).toBe('SUCCESS');
    expect(sim.order(no)?.charges).toBe(1);
  });

  it('unknown result on refund (done, answer hangs) → timeout, unknown; retry returns the same refund', async () => {
    const no = orderNo();
    await gateway.micropay({ outTradeNo: no, amountFen: 5000, description: 'x', authCode: WECHAT_CODE });
    sim.injectFault({ route: 'refund', mode: 'unknown-result', then: 'hang', times: 1 });
    const req = { outTradeNo: no, outRefundNo: `R${no}`, amountFen: 5000, reason: 'x' };
    expect(await backendErrorOf(quick.refund(req))).toMatchObject({ kind: 'timeout', outcome: 'unknown' });
    const retry = await gateway.refund(req);
    expect(retry.outRefundNo).toBe(req.outRefundNo);
    expect(sim.order(no)?.refunds).toHaveLength(1);
  });

  it('unknown result on close (closed, then 500) → unavailable, unknown; the query says CLOSED', async () => {
    const no = orderNo();
    await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: 'x', expiresAt: deadline() });
    sim.injectFault({ route: 'closeOrder', mode: 'unknown-result', then: 'error', times: 1 });
    expect(await backendErrorOf(gateway.closeOrder({ outTradeNo: no }))).toMatchObject({ kind: 'unavailable', outcome: 'unknown', code: '500' });
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('CLOSED');
  });

  it('a malformed answer → protocol, unknown on a write; not-done on a read', async () => {
    sim.injectFault({ route: 'createNative', mode: 'unknown-result', then: 'garbage', times: 1 });
    sim.injectFault({ route: 'queryOrder', mode: 'unknown-result', then: 'garbage', times: 1 });
    const no = orderNo();
    expect(await backendErrorOf(gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: 'x', expiresAt: deadline() }))).toMatchObject({
      kind: 'protocol',
      outcome: 'unknown',
      code: 'BAD_JSON',
    });
    expect(await backendErrorOf(gateway.queryOrder({ outTradeNo: no }))).toMatchObject({ kind: 'protocol', outcome: 'not-done' });
    expect((await gateway.queryOrder({ outTradeNo: no })).tradeState).toBe('NOTPAY');
  });

  it("the caller's signal stops the wait: timeout ABORTED, unknown for a write", async () => {
    sim.injectFault({ route: 'refund', mode: 'timeout', times: 1 });
    const slow = gatewayAt(sim.url, 10_000);
    const ac = new AbortController();
    const p = backendErrorOf(slow.refund({ outTradeNo: 'X1234567', outRefundNo: 'R1234567', amountFen: 1, reason: 'x' }, { signal: ac.signal }));
    await eventually('the request reached the gateway', () => sim.activeFaults().length === 0);
    ac.abort();
    expect(await p).toMatchObject({ kind: 'timeout', outcome: 'unknown', code: 'ABORTED' });
    const already = await backendErrorOf(slow.queryOrder({ outTradeNo: 'X1234567' }, { signal: AbortSignal.abort() }));
    expect(already).toMatchObject({ kind: 'timeout', outcome: 'not-done', code: 'ABORTED' });
  });

  it('probability faults follow the seed: the same seed gives the same pattern', async () => {
    const pattern = (seed: number) => {
      const s = new PaymentSimulator({ seed });
      s.injectFault({ route: 'queryOrder', mode: 'error', probability: 0.5 });
      return Array.from({ length: 20 }, () => (s['faults'].take('queryOrder') ? 1 : 0)).join('');
    };
    expect(pattern(7)).toBe(pattern(7));
    expect(pattern(7)).not.toBe(pattern(8));
    expect(pattern(7)).toMatch(/1/);
    expect(pattern(7)).toMatch(/0/);
  });
});

describe('notifications', () => {
  it('each notification is delivered N times to a real receiver, same id, retried until 2xx', async () => {
    const receiver = await startReceiver((_r, i) => (i === 0 ? 500 : 200));
    try {
      sim.configure({ notifyUrl: receiver.url, notificationCopies: 3 });
      const no = orderNo();
      await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: '挂号费', expiresAt: deadline() });
      sim.pay(no);
      await eventually('3 copies delivered', () => sim.notifications().filter((d) => d.delivered).length === 3);
      // the first POST was answered 500 and retried: 4 requests for 3 copies
      expect(receiver.received).toHaveLength(4);
      const parsed = receiver.received.map((r) => parsePaymentNotification(r.body));
      expect(new Set(parsed.map((n) => n.id)).size).toBe(1);
      expect(parsed[0]).toMatchObject({ eventType: 'TRANSACTION.SUCCESS', outTradeNo: no, amountFen: 5000 });
      expect(parsed[0]?.transactionId).toBe((await gateway.queryOrder({ outTradeNo: no })).transactionId);
      expect(sim.notifications().map((d) => d.attempts).sort()).toEqual([1, 1, 2]);
    } finally {
      await receiver.close();
    }
  });

  it('a refund that succeeds is notified as REFUND.SUCCESS with the refund amount', async () => {
    const receiver = await startReceiver();
    try {
      sim.configure({ notifyUrl: receiver.url });
      const no = orderNo();
      await gateway.micropay({ outTradeNo: no, amountFen: 5000, description: 'x', authCode: WECHAT_CODE });
      await gateway.refund({ outTradeNo: no, outRefundNo: `R${no}`, amountFen: 1200, reason: 'x' });
      await eventually('refund notified', () => receiver.received.length === 2);
      const refund = parsePaymentNotification(receiver.received[1]?.body);
      expect(refund).toMatchObject({ eventType: 'REFUND.SUCCESS', outTradeNo: no, outRefundNo: `R${no}`, amountFen: 1200 });
    } finally {
      await receiver.close();
    }
  });

  it('uses the notify URL the adapter names on the order', async () => {
    const receiver = await startReceiver();
    try {
      const withNotify = gatewayAt(sim.url, 5_000, { notifyUrl: receiver.url });
      const no = orderNo();
      await withNotify.createNativeOrder({ outTradeNo: no, amountFen: 100, description: 'x', expiresAt: deadline() });
      sim.pay(no);
      await eventually('notified', () => receiver.received.length === 1);
    } finally {
      await receiver.close();
    }
  });

  it('a body that is not a notification is refused with a reason', () => {
    expect(() => parsePaymentNotification({ id: 'x' })).toThrow(/not understood/);
    expect(() => parsePaymentNotification({ id: 'x', create_time: 't', event_type: 'REFUND.SUCCESS', resource: { out_trade_no: 'a', amount: { total: 1 } } })).toThrow(/out_refund_no/);
  });
});

describe('control routes', () => {
  it('the patient pays over HTTP, and the config changes over HTTP', async () => {
    const no = orderNo();
    await gateway.createNativeOrder({ outTradeNo: no, amountFen: 5000, description: 'x', expiresAt: deadline() });
    const paid = await postJson(`${sim.url}/__sim/pay`, { outTradeNo: no });
    expect(paid).toMatchObject({ status: 200, body: { ok: true, outcome: 'paid' } });
    expect((await postJson(`${sim.url}/__sim/config`, { micropay: 'USERPAYING' })).body).toMatchObject({ config: { micropay: 'USERPAYING' } });
    const ledger = (await (await fetch(`${sim.url}/__sim/ledger`)).json()) as { orders: { outTradeNo: string; charges: number }[] };
    expect(ledger.orders).toEqual([expect.objectContaining({ outTradeNo: no, charges: 1 })]);
  });

  it('injects faults over HTTP, all or none', async () => {
    const ok = await postJson(`${sim.url}/__sim/faults`, { faults: [{ route: 'queryOrder', mode: 'error' }, { route: 'refund', mode: 'timeout' }] });
    expect(ok.status).toBe(200);
    const bad = await postJson(`${sim.url}/__sim/faults`, { faults: [{ route: 'queryOrder', mode: 'error' }, { route: 'refnud', mode: 'timeout' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/faults\[1\].*no route "refnud".*refund/);
    expect(sim.activeFaults()).toHaveLength(2);
    expect((await postJson(`${sim.url}/__sim/faults/clear`, { route: 'refund' })).body).toMatchObject({ removed: 1 });
    expect((await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' })).status).toBe(200);
    expect(sim.activeFaults()).toHaveLength(0);
  });

  it.each([
    ['/__sim/faults', { route: 'queryOrder', mode: 'delay' }, /needs "ms"/],
    ['/__sim/faults', { route: 'queryOrder', mode: 'sometimes' }, /mode/],
    ['/__sim/faults', { route: 'queryOrder', mode: 'slot-taken' }, /does not apply/],
    ['/__sim/faults', { route: 'queryOrder', mode: 'paid-meanwhile' }, /only to route "closeOrder"/],
    ['/__sim/faults', { route: 'queryOrder', mode: 'error', status: 404 }, /status/],
    ['/__sim/pay', {}, /outTradeNo/],
    ['/__sim/pay', { outTradeNo: 'NEVER-MADE' }, /no order "NEVER-MADE"/],
    ['/__sim/config', { notificationCopies: 0 }, /notificationCopies/],
    ['/__sim/config', { micropay: 'MAYBE' }, /micropay/],
    ['/__sim/config', { surprise: true }, /surprise/],
  ])('POST %s %j → 400 saying what is wrong', async (path, body, message) => {
    const r = await postJson(`${sim.url}${path}`, body);
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(message);
  });

  it('a body that is not JSON → 400', async () => {
    const r = await postJson(`${sim.url}/__sim/pay`, null, '{not json');
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(/not valid JSON/);
  });

  it('reset forgets orders and faults', async () => {
    await gateway.createNativeOrder({ outTradeNo: orderNo(), amountFen: 1, description: 'x', expiresAt: deadline() });
    sim.injectFault({ route: 'queryOrder', mode: 'error' });
    expect((await postJson(`${sim.url}/__sim/reset`, {})).status).toBe(200);
    expect(sim.ledger().orders).toHaveLength(0);
    expect(sim.activeFaults()).toHaveLength(0);
  });
});
