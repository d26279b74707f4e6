import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, toPromise } from 'xstate';
import { openJournal, type Journal } from '../journal/journal.ts';
import { printReceiptActor, testPagePrinter, type FlowPrinter } from './print-actors.ts';
import type { PrintJob } from '../../drivers/printer/job.ts';
import { TEST_PAGE } from '../../drivers/printer/sample-jobs.ts';
import { makeRig, type Rig } from '../../drivers/printer/testing.ts';
import { printFailure } from '../../state-machines/failures.ts';

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
    expect(journal.outbox.claim().map((e) => e.kind)).toEqual(['print.not_delivered']);
  });

  it('without a printer fails before sending anything, and journals why', async () => {
    await expect(run(undefined, 'S1-slip-3')).rejects.toMatchObject({ code: 'PRINTER_NO_RESPONSE', mayHavePrinted: false });
    expect(journal.printJobs.get('S1-slip-3')).toMatchObject({ status: 'failed', fault: 'PRINTER_NO_RESPONSE' });
  });
});

describe('with the real driver and the simulated printer on a PTY', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('journals a flow receipt under its service’s kind, and a staff test page as `test-page`, delivered or not', async () => {
    rig = await makeRig('epson-generic', {}, { completionTimeoutMs: 500 });
    await expect(run(rig.printer, 'S1-slip-4')).resolves.toEqual({ delivered: true, taken: null });
    expect(journal.printJobs.get('S1-slip-4')).toMatchObject({ kind: 'registration-slip', status: 'delivered' });

    const staff = testPagePrinter({ journal, printer: rig.printer });
    rig.sim.setPrintsNothing('stalled');
    await expect(staff.print(TEST_PAGE)).rejects.toMatchObject({ code: 'PRINT_NOT_DELIVERED' });
    rig.sim.setPrintsNothing('off');
    await staff.print(TEST_PAGE);
    expect(journal.printJobs.recent(3).map((j) => [j.kind, j.status, j.fault])).toEqual([
      ['test-page', 'delivered', null],
      ['test-page', 'failed', 'PRINT_NOT_DELIVERED'],
      ['registration-slip', 'delivered', null],
    ]);
    expect(journal.printJobs.recent(3)[1]!.faultDetail).toMatch(/no completion reply/);
  });

  it('a receipt sent and not delivered: rejected with mayHavePrinted (the screen tells the person to check the outlet)', async () => {
    rig = await makeRig('epson-generic', {}, { completionTimeoutMs: 500 });
    rig.sim.setPrintsNothing('stalled');
    const failure = await run(rig.printer, 'S1-slip-5').catch((e: unknown) => e);
    expect(printFailure(failure)).toMatchObject({ code: 'PRINT_NOT_DELIVERED', mayHavePrinted: true });
    rig.sim.paperOutAfter(0);
    rig.sim.setPrintsNothing('off');
    expect(printFailure(await run(rig.printer, 'S1-slip-6').catch((e: unknown) => e))).toMatchObject({ code: 'PRINTER_PAPER_OUT', mayHavePrinted: false });
  });
});
