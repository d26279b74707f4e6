/**
 * The print-job machine's actors (state-machines/print-job.machine.ts), backed by the journal's
 * print_jobs table and the ReceiptPrinter driver, and the flows' `printReceipt` actor built on
 * them with `printReceiptActorFrom`.
 *
 * Decided: flows print through the print-job machine, not `ReceiptPrinter.print` directly, because
 * that machine owns the rule that matters after a crash — a job the journal shows as `printing`
 * may have come out and is never printed again automatically; `queued` was never sent. Each flow
 * print attempt has its own `printJobId` (kept in the flow's context), so a flow whose promise
 * actor is run again does not print twice.
 */
import { randomUUID } from 'node:crypto';
import { createActor, fromPromise, toPromise } from 'xstate';
import { FaultCode } from '../../contracts/faults.ts';
import type { ReceiptPrinter } from '../../drivers/printer/device.ts';
import { SILENT_CAUSES } from '../../drivers/printer/delivery.ts';
import type { Journal, PrintJobRecord } from '../journal/journal.ts';
import { JournalError } from '../journal/journal.ts';
import {
  makePrintJobMachine,
  printRejection,
  PrintReceiptFailure,
  type AwaitTakeInput,
  type CheckPrinterOutput,
  type JournalPrintJobInput,
  type JournalPrintJobOutput,
  type PrintInput,
  type PrintOutput,
  type RecordPrintResultInput,
} from '../../state-machines/print-job.machine.ts';
import type { Now } from '../../state-machines/deadlines.ts';
import type { PrintJob } from '../../drivers/printer/job.ts';
import type { PrintReceiptInput, PrintReceiptOutput } from '../../state-machines/provident-fund.machine.ts';
import type { FlowLog } from './log.ts';

/** What printing needs of the printer driver. */
export type FlowPrinter = Pick<ReceiptPrinter, 'print' | 'refreshStatus' | 'health'>;

export interface PrintActorsOptions {
  journal: Journal;
  /** absent: every print fails before sending (PRINTER_NO_RESPONSE) */
  printer?: FlowPrinter;
  log?: FlowLog;
}

function findJob(journal: Journal, id: string): PrintJobRecord | undefined {
  try {
    return journal.printJobs.get(id);
  } catch (e) {
    if (e instanceof JournalError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
}

/** `makePrintJobMachine(now).provide({ actors: printJobActors(...) })`. */
export function printJobActors(o: PrintActorsOptions) {
  const { journal, printer } = o;
  return {
    journalPrintJob: fromPromise<JournalPrintJobOutput, JournalPrintJobInput>(async ({ input }) => {
      const job = journal.transaction(() => {
        const known = findJob(journal, input.printJobId);
        if (known) return known;
        const session = input.sessionId ? journal.sessions.find(input.sessionId) : undefined;
        return journal.printJobs.create({ id: input.printJobId, kind: input.kind, sessionId: session ? input.sessionId : null });
      });
      return { status: job.status, completionId: job.completionId, fault: job.fault };
    }),

    checkPrinter: fromPromise<CheckPrinterOutput, Record<string, never>>(async () => {
      if (!printer) return { ready: false, code: FaultCode.PRINTER_NO_RESPONSE, detail: 'no printer is configured on this kiosk; nothing was sent' };
      let health = printer.health;
      try {
        health = await printer.refreshStatus();
      } catch {
        // the last known health decides; the driver checks again before sending
      }
      if (health.link.state !== 'up') return { ready: false, code: FaultCode.DEVICE_LINK_DOWN, detail: `the printer link is ${health.link.state}; nothing was sent` };
      if (health.state === 'fault' && health.faults.length > 0) return { ready: false, code: health.faults[0]!, detail: `the printer reports ${health.faults.join(', ')}; nothing was sent` };
      return { ready: true };
    }),

    journalPrintStart: fromPromise<void, { printJobId: string }>(async ({ input }) => {
      journal.printJobs.update(input.printJobId, { status: 'printing' });
    }),

    print: fromPromise<PrintOutput, PrintInput>(async ({ input }) => {
      if (!printer) throw Object.assign(new Error('no printer is configured'), { code: FaultCode.PRINTER_NO_RESPONSE, detail: 'no printer is configured', context: { phase: 'pre-job' } });
      const r = await printer.print(input.job);
      return { completionId: r.completionId, taken: r.taken };
    }),

    // `print` waits for the take itself (driver default), so the machine never asks for this; answer "not seen"
    awaitTake: fromPromise<{ taken: boolean }, AwaitTakeInput>(async () => ({ taken: false })),

    recordPrintResult: fromPromise<void, RecordPrintResultInput>(async ({ input }) => {
      journal.transaction(() => {
        const job = findJob(journal, input.printJobId);
        if (!job) return;
        const completion = input.completionId ? { completionId: input.completionId } : {};
        switch (input.status) {
          case 'delivered':
            if (job.status === 'printing') journal.outbox.enqueue('print.delivered', { printJobId: input.printJobId, kind: input.kind, sessionId: job.sessionId ?? null });
            journal.printJobs.update(input.printJobId, { status: 'delivered', ...completion });
            break;
          case 'taken':
            if (job.status === 'printing') {
              journal.printJobs.update(input.printJobId, { status: 'delivered', ...completion });
              journal.outbox.enqueue('print.delivered', { printJobId: input.printJobId, kind: input.kind, sessionId: job.sessionId ?? null });
            }
            journal.printJobs.update(input.printJobId, { status: 'taken', ...completion });
            break;
          case 'not-taken':
          case 'failed': {
            const fault = input.code ?? (input.status === 'not-taken' ? FaultCode.PRINT_NOT_TAKEN : FaultCode.PRINT_NOT_DELIVERED);
            if (job.status === 'taken' || job.status === 'failed') break;
            journal.printJobs.update(input.printJobId, { status: 'failed', fault, ...(input.detail ? { faultDetail: input.detail } : {}), ...completion });
            journal.outbox.enqueue('print.not_delivered', {
              printJobId: input.printJobId,
              kind: input.kind,
              code: fault as FaultCode,
              mayHavePrinted: input.status === 'not-taken' ? true : (input.mayHavePrinted ?? true),
              ...(input.detail ? { detail: input.detail.slice(0, 500) } : {}),
            });
            break;
          }
        }
      });
    }),
  };
}

/**
 * The flows' `printReceipt` actor (the contract in provident-fund.machine.ts, which the registration
 * machine shares): one print-job machine run per receipt, journaled by `printJobId`. Resolves when
 * the receipt came out; rejects with a PrintReceiptFailure `{ code, detail, mayHavePrinted }`. The
 * job runs to its end even if the flow stops waiting: its outcome is journaled either way.
 * (print-job.machine.ts `printReceiptActorFrom` does the same; its types name the print-job side's
 * contract, which differs from the flows' by a nullable session id.)
 */
export function printReceiptActor(o: PrintActorsOptions & { now?: Now }) {
  const machine = makePrintJobMachine(o.now).provide({ actors: printJobActors(o) });
  return fromPromise<PrintReceiptOutput, PrintReceiptInput>(async ({ input }) => {
    const kind = RECEIPT_KIND[o.journal.sessions.find(input.sessionId)?.service ?? ''] ?? 'receipt';
    const actor = createActor(machine, { input: { job: input.job, sessionId: input.sessionId, printJobId: input.printJobId, kind } });
    actor.start();
    const out = await toPromise(actor);
    if (out.status === 'failed') throw new PrintReceiptFailure(out.code ?? FaultCode.PRINT_NOT_DELIVERED, out.detail ?? '', out.mayHavePrinted ?? true, out.printJobId);
    return { delivered: true, taken: out.status === 'taken' ? true : out.status === 'not-taken' ? false : null };
  });
}

/** The print_jobs kind of each service's receipt (the staff screen names them). */
const RECEIPT_KIND: Record<string, string> = { providentFundStatement: 'provident-fund-statement', hospitalRegistration: 'registration-slip' };

/** What the maintenance screen's test print needs of the printer driver. */
export type TestPagePrinter = Pick<ReceiptPrinter, 'print' | 'refreshStatus' | 'paperReloaded'>;

/**
 * The staff test page, journaled as a `test-page` print job next to the customers' receipts (the staff
 * screen lists them together). It goes straight to the driver, whatever the printer's health says —
 * a verified test page is how staff prove a PRINTER_NOT_DELIVERING printer fixed (the driver clears
 * that fault on any delivered job) — while a customer's receipt is not even sent to a faulty printer.
 */
export function testPagePrinter(o: { journal: Journal; printer: TestPagePrinter }): TestPagePrinter {
  const { journal, printer } = o;
  return {
    async print(job: PrintJob, opts?: Parameters<ReceiptPrinter['print']>[1]) {
      const id = `test-page-${randomUUID()}`;
      journal.transaction(() => {
        journal.printJobs.create({ id, kind: 'test-page', sessionId: null });
        journal.printJobs.update(id, { status: 'printing' });
      });
      try {
        const r = await printer.print(job, opts);
        journal.printJobs.update(id, { status: 'delivered', completionId: r.completionId });
        return r;
      } catch (e) {
        const f = printRejection(e);
        journal.printJobs.update(id, { status: 'failed', fault: f.code, faultDetail: f.detail, ...(f.completionId ? { completionId: f.completionId } : {}) });
        throw e;
      }
    },
    refreshStatus: () => printer.refreshStatus(),
    paperReloaded: () => printer.paperReloaded(),
  };
}

/**
 * Why a verified test page did not come out, as the fault to report: a clean status with nothing
 * delivered (no completion, ticket never presented) is PRINTER_NOT_DELIVERING; a not-delivered job
 * with a status cause (paper out mid-job) is that cause; any other device fault is its own code.
 * `zizhu doctor --test-print` and HQ's `test-print` both say it this way.
 */
export function testPageFault(e: unknown): { code: string; detail: string; silent: boolean } {
  const err = (e !== null && typeof e === 'object' ? e : {}) as { code?: unknown; detail?: unknown; message?: unknown; context?: unknown };
  const detail = String(err.detail ?? err.message ?? e);
  if (typeof err.code !== 'string') return { code: FaultCode.PRINT_NOT_DELIVERED, detail, silent: false };
  const cause = String((err.context as { cause?: unknown } | undefined)?.cause ?? '');
  if (err.code === FaultCode.PRINT_NOT_DELIVERED && SILENT_CAUSES.includes(cause)) return { code: FaultCode.PRINTER_NOT_DELIVERING, detail, silent: true };
  return { code: err.code === FaultCode.PRINT_NOT_DELIVERED && cause ? cause : err.code, detail, silent: false };
}
