import { describe, expect, it } from 'vitest';
import { mayHavePrinted, PrinterProgress, recentPrintJobs } from './print-screen.ts';
import type { PrintJobRecord } from '../journal/records.ts';

describe('the printer on the screen', () => {
  it('"正在打印…": the job the driver sent, on the kiosk clock, until it ends', () => {
    let t = Date.parse('2026-06-10T12:00:00+08:00');
    let pushes = 0;
    const p = new PrinterProgress(() => t, () => pushes++);
    p.jobEvent({ state: 'printing', completionId: 'A001', title: '公积金缴存明细', lines: 42, expectedMs: 1_500, giveUpMs: 20_000 });
    expect(p.current).toEqual({ title: '公积金缴存明细', lines: 42, sentAt: t, expectedDoneAt: t + 1_500, giveUpAt: t + 20_000 });
    t += 3_000;
    p.jobEvent({ state: 'ended', completionId: 'A001', title: '公积金缴存明细', delivered: false });
    expect(p.current).toBeNull();
    expect(pushes).toBe(2);
  });

  it('a failed print may have left part of the receipt in the outlet only when the flow says so', () => {
    expect(mayHavePrinted({ printFailure: { code: 'PRINT_NOT_DELIVERED', detail: '', mayHavePrinted: true } })).toBe(true);
    expect(mayHavePrinted({ printFailure: { code: 'PRINTER_PAPER_OUT', detail: '', mayHavePrinted: false } })).toBe(false);
    expect(mayHavePrinted({ printFailure: null })).toBe(false);
    expect(mayHavePrinted(null)).toBe(false);
  });

  it('the staff screen names each job and its outcome in both languages', () => {
    const job = (over: Partial<PrintJobRecord>): PrintJobRecord => ({ id: 'x', sessionId: null, kind: 'receipt', status: 'delivered', completionId: null, fault: null, faultDetail: null, createdAt: 1, updatedAt: 1, finishedAt: 1, ...over });
    expect(recentPrintJobs([job({ kind: 'provident-fund-statement', status: 'failed', fault: 'PRINT_NOT_DELIVERED', faultDetail: 'no completion reply' }), job({ kind: 'something-new' })])).toEqual([
      { at: 1, kind: 'provident-fund-statement', what: { zh: '公积金缴存明细', en: 'provident-fund statement' }, status: 'failed', fault: 'PRINT_NOT_DELIVERED', faultWords: { zh: '打印未完成', en: 'receipt not delivered' }, detail: 'no completion reply' },
      { at: 1, kind: 'something-new', what: { zh: '凭条', en: 'receipt' }, status: 'delivered', fault: null, faultWords: null, detail: null },
    ]);
  });
});
