import { describe, expect, it } from 'vitest';
import type { PrinterHealth } from '../../drivers/printer/device.ts';
import type { IdReaderSelfCheck } from '../../drivers/id-reader/device.ts';
import { runSelfTest, selfTestOutcome, type SelfTestParts } from './self-test.ts';

const up = { state: 'up' as const, since: 0, reopenAttempts: 0 };
const health = (over: Partial<PrinterHealth> = {}): PrinterHealth => ({ state: 'ok', faults: [], warnings: [], status: {}, lastHeardAt: 1, link: up, ...over });
const sam = (ok: boolean): IdReaderSelfCheck => (ok ? { ok, link: 'id', sw3: '90', status: 'ok', detail: 'SAM status 90 ok' } : { ok, link: 'id', sw3: '60', status: 'sam_fault', fault: 'IDREADER_SAM_FAULT', detail: 'SAM self-test failed (60)' });
const never = <T>() => new Promise<T>(() => {});

describe('the self-test', () => {
  it('ready when the printer status is clean (a near-end warning passes), the SAM answers 90 and each back office answers', async () => {
    const probed: string[] = [];
    const r = await runSelfTest({
      printer: { refreshStatus: async () => health({ state: 'warning', warnings: ['PRINTER_PAPER_NEAR_END'] }) },
      idReader: { selfCheck: async () => sam(true) },
      backOffices: { names: ['his', 'payment'], probe: async (b) => (probed.push(b), { reachable: true, detail: 'answers' }) },
    });
    expect(r).toEqual({
      ready: true,
      checks: [
        { name: 'printer', ok: true, detail: 'status clean, with warnings: PRINTER_PAPER_NEAR_END' },
        { name: 'idReader', ok: true, detail: 'SAM ok (SAM status 90 ok)' },
        { name: 'his', ok: true, detail: 'reachable: answers' },
        { name: 'payment', ok: true, detail: 'reachable: answers' },
      ],
    });
    expect(probed).toEqual(['his', 'payment']);
    expect(selfTestOutcome(r)).toEqual({ status: 'succeeded', detail: 'ready: printer, idReader, his, payment ok' });
  });

  it('not ready, naming each failure: paper out, the SAM, an unreachable back office, a device that never answers (bounded), a link down', async () => {
    const parts: SelfTestParts = {
      printer: { refreshStatus: async () => health({ state: 'fault', faults: ['PRINTER_PAPER_OUT'] }) },
      idReader: { selfCheck: async () => sam(false) },
      backOffices: { names: ['his', 'payment'], probe: async (b) => (b === 'his' ? { reachable: false, detail: 'unreachable: connect ECONNREFUSED' } : never()) },
    };
    const r = await runSelfTest(parts, { checkTimeoutMs: 50 });
    expect(r.ready).toBe(false);
    expect(r.checks).toEqual([
      { name: 'printer', ok: false, detail: 'the printer reports PRINTER_PAPER_OUT' },
      { name: 'idReader', ok: false, detail: 'SAM not ok: IDREADER_SAM_FAULT: SAM self-test failed (60)' },
      { name: 'his', ok: false, detail: 'unreachable: connect ECONNREFUSED' },
      { name: 'payment', ok: false, detail: 'back office payment: no answer within 0.05 s' },
    ]);
    expect(selfTestOutcome(r).detail).toMatch(/^not ready: printer: the printer reports PRINTER_PAPER_OUT; idReader: SAM not ok/);
    const down = await runSelfTest({ printer: { refreshStatus: async () => health({ link: { ...up, state: 'reopening', lastError: 'ENOENT /dev/ttyUSB0' } as never }) } });
    expect(down.checks[0]).toEqual({ name: 'printer', ok: false, detail: 'the printer link is reopening: ENOENT /dev/ttyUSB0' });
    const thrown = await runSelfTest({ printer: { refreshStatus: async () => Promise.reject(new Error('printer closed')) } });
    expect(thrown.checks[0]).toEqual({ name: 'printer', ok: false, detail: 'printer closed' });
  });

  it('the SAM must answer 90: another answer (80, a find\'s) is asked again once, then fails', async () => {
    const answers = [{ ...sam(true), sw3: '80', status: 'no_card', detail: 'SAM status 80 no_card' }, sam(true)];
    const again = await runSelfTest({ idReader: { selfCheck: async () => answers.shift()! } });
    expect(again.checks).toEqual([{ name: 'idReader', ok: true, detail: 'SAM ok (SAM status 90 ok)' }]);
    const odd = { ...sam(true), sw3: '80', status: 'no_card', detail: 'SAM status 80 no_card' };
    const never90 = await runSelfTest({ idReader: { selfCheck: async () => odd } });
    expect(never90.checks).toEqual([{ name: 'idReader', ok: false, detail: 'SAM status answered 80 no_card, not 90 ok' }]);
  });

  it('prints a verified test page only when asked, and never to a printer whose status is not clean', async () => {
    let pages = 0;
    const testPrint = async () => (pages++, { status: 'succeeded' as const, detail: 'delivered: the printer confirmed the test page (completion 00000001)' });
    const clean = await runSelfTest({ printer: { refreshStatus: async () => health() }, testPrint });
    expect([clean.checks.map((c) => c.name), pages]).toEqual([['printer'], 0]);
    const asked = await runSelfTest({ printer: { refreshStatus: async () => health() }, testPrint }, { testPrint: true });
    expect(asked.checks[1]).toEqual({ name: 'printer.testPage', ok: true, detail: 'delivered: the printer confirmed the test page (completion 00000001)' });
    const faulty = await runSelfTest({ printer: { refreshStatus: async () => health({ state: 'fault', faults: ['PRINTER_COVER_OPEN'] }) }, testPrint }, { testPrint: true });
    expect(faulty.checks[1]).toEqual({ name: 'printer.testPage', ok: false, detail: 'not printed: the printer status is not clean' });
    expect(pages).toBe(1);
  });
});
