import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { backOfficeForSimulators } from './back-office.ts';
import { watchBackOffice } from './back-office-health.ts';

describe('back-office reachability, learned from real calls to the simulators', () => {
  let bo: BackOffice;
  beforeAll(async () => {
    bo = await startBackOffice({});
  });
  afterAll(async () => {
    await bo?.close();
  });

  it('two unreachable calls in a row → down; while down a probe finds it answering again → up; a refusal counts as an answer', async () => {
    const changes: string[] = [];
    const h = watchBackOffice({
      clients: backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 500 }),
      onChange: (b, s) => changes.push(`${b}:${s}`),
      probeEveryMs: 100,
    });
    try {
      // answers: up, but no news (nothing was known before)
      await h.clients.his!.departments();
      expect(h.state('his')).toBe('up');
      expect(changes).toEqual([]);

      bo.his.injectFault({ route: 'departments', mode: 'error', status: 503 });
      await expect(h.clients.his!.departments()).rejects.toMatchObject({ kind: 'unavailable' });
      expect(h.state('his')).toBe('up'); // one failure is not an outage
      await expect(h.clients.his!.departments()).rejects.toMatchObject({ kind: 'unavailable' });
      expect(h.state('his')).toBe('down');
      expect(changes).toEqual(['his:down']);

      // nobody calls the HIS while its service is not offered: the probe notices it is back
      bo.his.clearFaults();
      const deadline = Date.now() + 5_000;
      while (h.state('his') !== 'up' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(changes).toEqual(['his:down', 'his:up']);

      // a business refusal (ORDER_NOT_EXIST) proves the gateway is reachable
      await expect(h.clients.payment!.queryOrder({ outTradeNo: 'NOSUCHORDER0001' })).rejects.toMatchObject({ kind: 'rejected' });
      expect(h.state('payment')).toBe('up');
    } finally {
      h.stop();
    }
  });
});
