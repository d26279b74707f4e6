import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, fromPromise, toPromise } from 'xstate';
import { DeviceFault, FaultCode } from '../contracts/faults.ts';
import type { PrintJob } from '../drivers/printer/job.ts';
import { openJournal, type Journal } from '../runtime/journal/journal.ts';
import {
  makePrintJobMachine,
  printReceiptActorFrom,
  printRejection,
  PrintReceiptFailure,
  type AwaitTakeInput,
  type AwaitTakeOutput,
  type CheckPrinterOutput,
  type JournalPrintJobInput,
  type JournalPrintJobOutput,
  type JournalPrintStartInput,
  type PrintInput,
  type PrintJobContext,
  type PrintJobOutput,
  type PrintOutput,
  type RecordPrintResultInput,
} from './print-job.machine.ts';
import { modelPaths, replay, T0, type ModelSpec } from './testing/model-paths.ts';

const JOB: PrintJob = { title: '挂号凭条', lines: [{ kind: 'text', text: '内科 3号' }] };
const INPUT = { job: JOB, sessionId: 'S1', printJobId: 'S1-slip-1', kind: 'registration-slip' };

const paperOutBeforeSending = new DeviceFault(FaultCode.PRINTER_PAPER_OUT, 'out of paper — "挂号凭条" was not sent', { phase: 'pre-job' });
const lostMidJob = new DeviceFault(FaultCode.PRINT_NOT_DELIVERED, '"挂号凭条" was not delivered: no completion reply', { phase: 'printing', completionId: '00000007', cause: 'NO_COMPLETION' });
const leftInPresenter = new DeviceFault(FaultCode.PRINT_NOT_TAKEN, '"挂号凭条" was printed and presented but not taken', { phase: 'presenter', completionId: '00000007' });

describe('print job: model-based (all simple paths over every actor outcome, the timers and a restore)', () => {
  const spec: ModelSpec = {
    model: makePrintJobMachine(() => T0),
    sut: (now) => makePrintJobMachine(now),
    input: INPUT,
    outcomes: {
      journalPrintJob: [
        { output: { status: 'queued' } satisfies JournalPrintJobOutput },
        { output: { status: 'printing' } satisfies JournalPrintJobOutput },
        { output: { status: 'delivered', completionId: '00000003' } satisfies JournalPrintJobOutput },
        { output: { status: 'failed', fault: 'PRINTER_PAPER_OUT' } satisfies JournalPrintJobOutput },
        { error: new Error('SQLITE_BUSY: database is locked') },
      ],
      checkPrinter: [{ output: { ready: true } }, { output: { ready: false, code: 'PRINTER_PAPER_OUT', detail: 'out of paper' } }, { error: new Error('link closed') }],
      journalPrintStart: [{ output: undefined }, { error: new Error('SQLITE_BUSY: database is locked') }],
      print: [
        { output: { completionId: '00000007', taken: null } satisfies PrintOutput },
        { output: { completionId: '00000007', taken: true } satisfies PrintOutput },
        { output: { completionId: '00000007', taken: null, awaitingTake: true } satisfies PrintOutput },
        { error: paperOutBeforeSending },
        { error: lostMidJob },
        { error: leftInPresenter },
      ],
      awaitTake: [{ output: { taken: true } }, { output: { taken: false } }, { error: new Error('presenter sensor not answering') }],
      recordPrintResult: [{ output: undefined }, { error: new Error('SQLITE_BUSY: database is locked') }],
    },
    events: () => [{ type: 'zizhu.resume' }],
    abstract: (c) => {
      const x = c as unknown as PrintJobContext;
      return { code: x.code, taken: x.taken, may: x.mayHavePrinted, wait: x.awaitingTake, j: x.fromJournal, je: x.journalError !== null };
    },
  };
  const paths = modelPaths(spec);

  it('reaches every state', () => {
    const reached = new Set(paths.flatMap((p) => p.steps.map((s) => String(s.state.value))));
    for (const s of ['queued', 'checkingPrinter', 'startingPrint', 'printing', 'delivered', 'awaitingTake', 'taken', 'notTaken', 'failed', 'done']) expect(reached).toContain(s);
  });

  it('on every path: journaled before sent, sent at most once, never after "may have printed", and the answer matches what happened', async () => {
    for (const path of paths) {
      const { calls, final } = await replay(spec, path);
      const srcs = calls.map((c) => c.src);
      const prints = srcs.filter((s) => s === 'print').length;
      expect(prints, path.description).toBeLessThanOrEqual(1);
      // a job the journal already knows (may have printed, delivered, failed) is never sent again
      const journaled = path.steps.find((st) => st.event.type === 'xstate.done.actor.journalPrintJob');
      const known = (journaled?.event as { output?: JournalPrintJobOutput } | undefined)?.output?.status;
      if (known !== undefined && known !== 'queued') expect(prints, path.description).toBe(0);
      if (prints) {
        expect(srcs.indexOf('journalPrintStart'), path.description).toBeGreaterThan(srcs.indexOf('journalPrintJob'));
        expect(srcs.indexOf('print'), path.description).toBeGreaterThan(srcs.indexOf('journalPrintStart'));
      }
      if (final.status !== 'done') continue;
      const out = final.output as PrintJobOutput;
      expect(out.printJobId).toBe('S1-slip-1');
      if (out.status === 'failed') {
        expect(out.code, path.description).toMatch(/^[A-Z_]+$/);
        // nothing sent → nothing may have printed
        if (!prints) expect(out.mayHavePrinted === false || out.code === FaultCode.PRINT_NOT_DELIVERED, path.description).toBe(true);
      }
      if (out.status === 'not-taken') expect(out.code).toBe(FaultCode.PRINT_NOT_TAKEN);
      // whatever the journal answered last is what the flow is told (recordPrintResult input = output)
      const records = calls.filter((c) => c.src === 'recordPrintResult').map((c) => c.input as RecordPrintResultInput);
      if (records.length) expect(records.at(-1)!.status, path.description).toBe(out.status);
    }
  });
});

describe('print rejections', () => {
  it('tell "nothing was sent" from "may have printed"', () => {
    expect(printRejection(paperOutBeforeSending)).toMatchObject({ code: 'PRINTER_PAPER_OUT', mayHavePrinted: false, notTakenAfterDelivery: false });
    expect(printRejection(lostMidJob)).toMatchObject({ code: 'PRINT_NOT_DELIVERED', mayHavePrinted: true, completionId: '00000007' });
    expect(printRejection(leftInPresenter)).toMatchObject({ code: 'PRINT_NOT_TAKEN', notTakenAfterDelivery: true });
    const stillInPresenter = new DeviceFault(FaultCode.PRINT_NOT_TAKEN, 'the previous ticket is still in the presenter', { phase: 'pre-job' });
    expect(printRejection(stillInPresenter)).toMatchObject({ mayHavePrinted: false, notTakenAfterDelivery: false });
    expect(printRejection(new Error('EIO'))).toMatchObject({ code: 'PRINT_NOT_DELIVERED', mayHavePrinted: true, detail: 'EIO' });
    // a link that failed while writing may have put part of the receipt on paper
    expect(printRejection(new DeviceFault(FaultCode.DEVICE_LINK_DOWN, '/dev/ttyS1 closed while writing'))).toMatchObject({ code: 'DEVICE_LINK_DOWN', mayHavePrinted: true });
  });
});

// ───────────── the runtime's wiring, against the real journal (print_jobs) ─────────────

describe('print job over the real journal', () => {
  let dir: string;
  let journal: Journal;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zizhu-print-job-'));
    journal = openJournal({ path: join(dir, 'journal.sqlite') });
    journal.sessions.start({ id: 'S1', service: 'hospitalRegistration', state: {} });
  });
  afterEach(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** what runtime/ will provide: the journal actors, and a printer */
  function wired(print: (job: PrintJob) => Promise<PrintOutput>, printerReady: () => boolean = () => true) {
    const printed: string[] = [];
    const machine = makePrintJobMachine().provide({
      actors: {
        journalPrintJob: fromPromise<JournalPrintJobOutput, JournalPrintJobInput>(async ({ input }) => {
          let row;
          try {
            row = journal.printJobs.get(input.printJobId);
          } catch {
            row = journal.printJobs.create({ id: input.printJobId, kind: input.kind, sessionId: input.sessionId });
          }
          return { status: row.status, completionId: row.completionId, fault: row.fault };
        }),
        checkPrinter: fromPromise<CheckPrinterOutput, Record<string, never>>(async () => (printerReady() ? { ready: true as const } : { ready: false as const, code: FaultCode.PRINTER_PAPER_OUT, detail: 'out of paper' })),
        journalPrintStart: fromPromise<void, JournalPrintStartInput>(async ({ input }) => {
          journal.printJobs.update(input.printJobId, { status: 'printing' });
        }),
        print: fromPromise<PrintOutput, PrintInput>(async ({ input }) => {
          printed.push(input.printJobId);
          return print(input.job);
        }),
        awaitTake: fromPromise<AwaitTakeOutput, AwaitTakeInput>(async () => ({ taken: true })),
        recordPrintResult: fromPromise<void, RecordPrintResultInput>(async ({ input }) => {
          journal.printJobs.update(input.printJobId, {
            status: input.status === 'not-taken' ? 'failed' : input.status,
            ...(input.completionId ? { completionId: input.completionId } : {}),
            ...(input.code ? { fault: input.code } : {}),
            ...(input.detail ? { faultDetail: input.detail } : {}),
          });
        }),
      },
    });
    return { machine, printed };
  }
  const run = (logic: ReturnType<typeof printReceiptActorFrom>, printJobId = 'S1-slip-1') => toPromise(createActor(logic, { input: { ...INPUT, printJobId } }).start());

  it('a delivered slip is journaled delivered with its completion id; the flow gets { delivered, taken }', async () => {
    const { machine } = wired(async () => ({ completionId: '0000002A', taken: null }));
    await expect(run(printReceiptActorFrom(machine))).resolves.toEqual({ delivered: true, taken: null });
    expect(journal.printJobs.get('S1-slip-1')).toMatchObject({ status: 'delivered', completionId: '0000002A', finishedAt: expect.any(Number) });
  });

  it('a presenter ticket left in the output: delivered, taken false, journaled failed PRINT_NOT_TAKEN after delivered', async () => {
    const { machine } = wired(async () => ({ completionId: '0000002B', taken: false }));
    await expect(run(printReceiptActorFrom(machine))).resolves.toMatchObject({ delivered: true, taken: false });
    expect(journal.printJobs.get('S1-slip-1')).toMatchObject({ status: 'failed', fault: 'PRINT_NOT_TAKEN', completionId: '0000002B' });
  });

  it('paper out before anything is sent: rejects PRINTER_PAPER_OUT (nothing printed), journaled failed, no retry', async () => {
    const { machine, printed } = wired(async () => ({ completionId: 'x', taken: null }), () => false);
    const failure = await run(printReceiptActorFrom(machine)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PrintReceiptFailure);
    expect((failure as PrintReceiptFailure).toJSON()).toEqual({ code: 'PRINTER_PAPER_OUT', detail: 'out of paper', mayHavePrinted: false, printJobId: 'S1-slip-1' });
    expect(printed).toEqual([]);
    expect(journal.printJobs.get('S1-slip-1')).toMatchObject({ status: 'failed', fault: 'PRINTER_PAPER_OUT' });
  });

  it('paper out in the middle of the job: PRINT_NOT_DELIVERED, may have printed, printed exactly once', async () => {
    let calls = 0;
    const { machine } = wired(async () => {
      calls++;
      throw new DeviceFault(FaultCode.PRINT_NOT_DELIVERED, 'PRINTER_PAPER_OUT while printing; a partial receipt may have come out', { phase: 'printing', cause: 'PRINTER_PAPER_OUT' });
    });
    const failure = (await run(printReceiptActorFrom(machine)).catch((e: unknown) => e)) as PrintReceiptFailure;
    expect([failure.code, failure.mayHavePrinted, calls]).toEqual(['PRINT_NOT_DELIVERED', true, 1]);
    expect(journal.printJobs.get('S1-slip-1')).toMatchObject({ status: 'failed', fault: 'PRINT_NOT_DELIVERED' });
  });

  it('after a power cut mid-print, the restored flow asking again does not print a second copy', async () => {
    // first run: the bytes went out, then the kiosk lost power before the printer answered
    const first = wired(() => new Promise<never>(() => {}));
    const actor = createActor(first.machine, { input: INPUT }).start();
    await new Promise((r) => setTimeout(r, 10));
    expect(actor.getSnapshot().value).toBe('printing');
    actor.stop();
    expect(journal.printJobs.listUnfinished().map((j) => [j.id, j.status])).toEqual([['S1-slip-1', 'printing']]);

    // after the restart the flow's printReceipt runs again with the same print job id
    const second = wired(async () => ({ completionId: 'dup', taken: null }));
    const failure = (await run(printReceiptActorFrom(second.machine)).catch((e: unknown) => e)) as PrintReceiptFailure;
    expect(second.printed).toEqual([]);
    expect(failure.toJSON()).toMatchObject({ code: 'PRINT_NOT_DELIVERED', mayHavePrinted: true });
    expect(journal.printJobs.get('S1-slip-1')).toMatchObject({ status: 'failed', fault: 'PRINT_NOT_DELIVERED' });
    expect(journal.printJobs.listUnfinished()).toEqual([]);
  });

  it('a job journaled but never sent prints after the restart; a delivered one is not printed again', async () => {
    journal.printJobs.create({ id: 'S1-slip-1', kind: 'registration-slip', sessionId: 'S1' });
    const { machine, printed } = wired(async () => ({ completionId: '0000002C', taken: null }));
    await expect(run(printReceiptActorFrom(machine))).resolves.toEqual({ delivered: true, taken: null });
    await expect(run(printReceiptActorFrom(machine))).resolves.toEqual({ delivered: true, taken: null });
    expect(journal.printJobs.get('S1-slip-1')).toMatchObject({ status: 'delivered', completionId: '0000002C' });
    expect(printed).toEqual(['S1-slip-1']);
    // an explicit reprint is a new print job id
    await expect(run(printReceiptActorFrom(machine), 'S1-slip-2')).resolves.toMatchObject({ delivered: true });
    expect(printed).toEqual(['S1-slip-1', 'S1-slip-2']);
  });
});

describe('print job output', () => {
  it('a print that never settles fails PRINT_NOT_DELIVERED at the safety deadline', async () => {
    const { SimulatedClock } = await import('xstate');
    const clock = new SimulatedClock();
    clock.set(T0);
    const machine = makePrintJobMachine(() => clock.now()).provide({
      actors: {
        journalPrintJob: fromPromise<JournalPrintJobOutput, JournalPrintJobInput>(async () => ({ status: 'queued' })),
        checkPrinter: fromPromise<CheckPrinterOutput, Record<string, never>>(async () => ({ ready: true })),
        journalPrintStart: fromPromise<void, JournalPrintStartInput>(async () => undefined),
        print: fromPromise<PrintOutput, PrintInput>(() => new Promise<never>(() => {})),
        recordPrintResult: fromPromise<void, RecordPrintResultInput>(async () => undefined),
      },
    });
    const actor = createActor(machine, { input: { ...INPUT, maxPrintMs: 60_000 }, clock }).start();
    await new Promise((r) => setTimeout(r, 5));
    expect(actor.getSnapshot().value).toBe('printing');
    clock.increment(59_999);
    expect(actor.getSnapshot().value).toBe('printing');
    clock.increment(1);
    await new Promise((r) => setTimeout(r, 5));
    expect(actor.getSnapshot().output).toMatchObject({ status: 'failed', code: 'PRINT_NOT_DELIVERED', mayHavePrinted: true });
  });
});
