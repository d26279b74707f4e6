import { describe, expect, it } from 'vitest';
import { HttpHis } from './his/http.ts';
import { HttpPaymentGateway } from './payment/http.ts';
import { HttpProvidentFundCentre } from './provident-fund/http.ts';
import { startBackOffice } from './simulators.ts';
import { backendErrorOf, eventually, startReceiver } from './test-helpers.ts';

/** Wednesday 2026-06-10 12:00 in Asia/Shanghai */
const NOON_SHANGHAI = Date.parse('2026-06-10T12:00:00+08:00');

describe('startBackOffice', () => {
  it('brings up all three on loopback; a hospital registration goes through end to end; close stops them', async () => {
    const receiver = await startReceiver();
    // the hospital's clock pinned at noon in Shanghai: today's afternoon slots are open whenever this runs
    const started = Date.now();
    const now = () => NOON_SHANGHAI + (Date.now() - started);
    const office = await startBackOffice({ notifyUrl: receiver.url, now });
    try {
      expect(new Set(Object.values(office.urls)).size).toBe(3);
      for (const url of Object.values(office.urls)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const pf = new HttpProvidentFundCentre({ url: office.urls.providentFund, timeoutMs: 1_000 });
      const his = new HttpHis({ url: office.urls.his, timeoutMs: 1_000 });
      const pay = new HttpPaymentGateway({ url: office.urls.payment, timeoutMs: 1_000, merchantId: office.merchantId, credential: 'any-token' });

      const month = office.his.today().slice(0, 7);
      expect((await pf.statement({ idNumber: '110101199003071233', period: { from: month, to: month } })).holderName).toBe('张测试');

      const today = office.his.today();
      const slot = (await his.slots({ doctorId: 'EK02', date: today })).find((s) => s.remaining > 0)!;
      const no = 'ZZE2E0000001';
      await pay.createNativeOrder({ outTradeNo: no, amountFen: slot.feeFen, description: '挂号费 儿科', expiresAt: new Date(now() + 180_000).toISOString() });
      office.payment.pay(no);
      expect((await pay.queryOrder({ outTradeNo: no })).tradeState).toBe('SUCCESS');
      await his.lockSlot({ idempotencyKey: 'e2e-attempt-0001', patient: { idNumber: '810000199506150041', name: '陈测试' }, slotId: slot.id, holdSeconds: 600 });
      const r = await his.confirmRegistration({ idempotencyKey: 'e2e-attempt-0001', paymentOrderNo: no });
      expect(r).toMatchObject({ outcome: 'booked', registration: { paymentOrderNo: no, departmentName: '儿科' } });
      await eventually('payment notified to the configured URL', () => receiver.received.length === 1);

      expect(office.payment.ledger().totals).toMatchObject({ orders: 1, charges: 1, chargedFen: slot.feeFen });
      expect(office.his.ledger().totals.booked).toBe(1);
      expect(office.providentFund.ledger().statements).toHaveLength(1);
    } finally {
      await office.close();
      await receiver.close();
    }
    const after = new HttpHis({ url: office.urls.his, timeoutMs: 1_000 });
    // refused, or a pooled keep-alive socket the closed server reset: either way nobody answers, nothing done
    expect(await backendErrorOf(after.departments())).toMatchObject({ kind: 'unavailable', outcome: 'not-done' });
  });

  it('close() returns even with a request held by a timeout fault', async () => {
    const office = await startBackOffice();
    const his = new HttpHis({ url: office.urls.his, timeoutMs: 10_000 });
    office.his.injectFault({ route: 'departments', mode: 'timeout' });
    const pending = backendErrorOf(his.departments());
    await eventually('request held', () => office.his.activeFaults()[0]?.hits === 1);
    await office.close();
    expect(await pending).toMatchObject({ kind: 'unavailable', outcome: 'not-done' });
  });
});
