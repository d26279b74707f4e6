import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, toPromise } from 'xstate';
import { openJournal, type Journal } from '../journal/journal.ts';
import { printReceiptActor, type FlowPrinter } from './print-actors.ts';
import type { PrintJob } from '../../drivers/printer/job.ts';

const SLIP: PrintJob = { title: '挂号凭条', lines: [{ kind: 'text', text: '就诊序号 7' }], cut: 'full' };

let dir: string;
let journal: Journal;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zizhu-print-actors-'));
  journal = openJournal({ path: join(dir, 'journal.sqlite') });
  journal.sessions.start({ id: 'S1', service: 'hospitalRegistration', state: {} });
});
afterEach(async () => {
  journal.close();
  await rm(dir, { recursive: true, force: true });
});

/** A printer that must never be asked to print (the journal decides before it could). */
const untouchable: FlowPrinter = {
  get health(): never {
    throw new Error('the printer was consulted');
  },
  refreshStatus: async () => {
    throw new Error('the printer was consulted');
  },
  print: async () => {
    throw new Error('the receipt was printed again');
  },
};

const run = (printer: FlowPrinter | undefined, printJobId: string) =>
  toPromise(createActor(printReceiptActor({ journal, ...(printer ? { printer } : {}) }), { input: { job: SLIP, sessionId: 'S1', printJobId } }).start());

describe('the flows’ printReceipt actor', () => {
  it('does not print again a receipt the journal shows delivered (a restored flow runs its print again)', async () => {
    journal.printJobs.create({ id: 'S1-slip-1', kind: 'receipt', sessionId: 'S1' });
    journal.printJobs.update('S1-slip-1', { status: 'printing' });
    journal.printJobs.update('S1-slip-1', { status: 'delivered', completionId: 'C0000001' });
    await expect(run(untouchable, 'S1-slip-1')).resolves.toEqual({ delivered: true, taken: null });
  });

  it('reports a receipt the kiosk was printing when it stopped as not delivered, may have printed — never prints it twice', async () => {
    journal.printJobs.create({ id: 'S1-slip-2', kind: 'receipt', sessionId: 'S1' });
    journal.printJobs.update('S1-slip-2', { status: 'printing' });
    await expect(run(untouchable, 'S1-slip-2')).rejects.toMatchObject({ code: 'PRINT_NOT_DELIVERED', mayHavePrinted: true });
    expect(journal.printJobs.get('S1-slip-2')).toMatchObject({ status: 'failed', fault: 'PRINT_NOT_DELIVERED' });
    expect(journal.outbox.claim().map((e) => e.kind)).toEqual(['print.failed']);
  });

  it('without a printer fails before sending anything, and journals why', async () => {
    await expect(run(undefined, 'S1-slip-3')).rejects.toMatchObject({ code: 'PRINTER_NO_RESPONSE', mayHavePrinted: false });
    expect(journal.printJobs.get('S1-slip-3')).toMatchObject({ status: 'failed', fault: 'PRINTER_NO_RESPONSE' });
  });
});
