/**
 * One receipt, from "print this" to "the customer has it" — or to a recorded failure.
 *
 *   queued ──journalPrintJob──► checkingPrinter ──checkPrinter──► startingPrint ──journalPrintStart──► printing ──print──► delivered
 *   delivered ──recordPrintResult──► awaitingTake (presenter, when `print` did not wait) ──awaitTake──► taken | notTaken ──► done
 *                                    taken | notTaken (when `print` already waited for the take) | done (no presenter)
 *   any failure ──► failed ──recordPrintResult──► done
 *
 * A print is delivered only when the printer confirmed it (drivers/printer: completion id, clean
 * status after the job, ticket seen in the presenter). `print` resolving is that confirmation.
 *
 * Idempotent by `printJobId` (chosen by the flow, stable per print attempt): `journalPrintJob`
 * creates the print_jobs row or returns the one already there. A job the journal already knows is
 * not printed again: `queued` (never sent) goes on; `printing` (sent when the kiosk stopped) fails
 * with PRINT_NOT_DELIVERED (may have printed); `delivered`/`taken`/`failed` end as recorded.
 * `journalPrintStart` moves the row to `printing` *before* the first byte goes out, so after a
 * power cut the journal tells "never sent" from "may have printed".
 *
 * No automatic reprint, ever. Once data may have reached the printer (PRINT_NOT_DELIVERED after
 * sending: no completion, a fault mid-job, the ticket stuck inside), a second copy could come out
 * next to a partial first one. The statement carries a person's name, masked ID number and
 * provident-fund balance: every extra copy is one more piece of personal data that may be left in
 * the tray for the next person — a duplicate registration slip would be harmless, but the rule is
 * one for all receipts. And a fault mid-job (paper out, cover open) means the printer cannot print
 * now anyway: a silent retry would only queue bytes that come out when staff reload paper, in front
 * of someone else (the driver clears the printer's buffer for exactly this reason). So this machine
 * reports what happened (`code`, `mayHavePrinted`); the flow tells the person and offers a reprint,
 * which is a *new* print job (new `printJobId`) started by their explicit choice — or sends them to
 * another kiosk. Failures before anything was sent (`mayHavePrinted: false`: printer not ready,
 * journal unavailable) are just as final here; retrying after the fix is the flow's or person's call.
 *
 * Not persisted: a flow runs this machine through `printReceiptActorFrom` (a promise actor); after
 * a restart the flow's promise actor runs again with the same `printJobId`, and the journal —
 * the durable record of every print — answers as above. Deadlines (`printDeadline`,
 * `takeDeadline`) are in context; `zizhu.resume` re-arms the take wait and treats an interrupted
 * `printing` as PRINT_NOT_DELIVERED.
 */
import { assign, createActor, fromPromise, setup, toPromise, type ActorOptions, type AnyActorLogic, type SnapshotFrom } from 'xstate';
import { FaultCode } from '../contracts/faults.ts';
import type { PrintJob } from '../drivers/printer/job.ts';
import { msUntil, systemNow, type Now } from './deadlines.ts';

// ───────────────────────────── actors the runtime provides ─────────────────────────────

/** What the journal knows about a print job (runtime/journal print_jobs). */
export type JournaledPrintStatus = 'queued' | 'printing' | 'delivered' | 'taken' | 'failed';

/** `journalPrintJob`: create the print_jobs row as `queued`, or return the row already there. */
export interface JournalPrintJobInput {
  printJobId: string;
  sessionId: string | null;
  /** e.g. 'provident-fund-statement', 'registration-slip' */
  kind: string;
  /** the receipt title (never personal) */
  title: string;
}
export interface JournalPrintJobOutput {
  status: JournaledPrintStatus;
  completionId?: string | null;
  /** when failed: the recorded fault code */
  fault?: string | null;
}

/** `checkPrinter`: the printer's present health (no bytes printed). */
export type CheckPrinterOutput = { ready: true } | { ready: false; code: FaultCode; detail?: string };

/** `journalPrintStart`: queued → printing, before the first byte is sent. */
export interface JournalPrintStartInput {
  printJobId: string;
}

/**
 * `print`: ReceiptPrinter.print(job). Resolves once delivery is confirmed; rejects with a
 * DeviceFault-like `{ code, detail, context?: { phase?, completionId? } }` (phase `pre-job`: nothing
 * was sent). `taken`: null when the printer cannot tell or did not wait for the take; `awaitingTake`:
 * a presenter printer presented the ticket and the machine should wait for the take with `awaitTake`.
 */
export interface PrintInput {
  printJobId: string;
  job: PrintJob;
}
export interface PrintOutput {
  completionId: string;
  taken: boolean | null;
  awaitingTake?: boolean;
}

/** `awaitTake`: presenter printers, wait until the presented ticket is taken or left. */
export interface AwaitTakeInput {
  printJobId: string;
  completionId: string | null;
}
export interface AwaitTakeOutput {
  taken: boolean;
}

/**
 * `recordPrintResult`: journal the outcome (print_jobs: delivered, taken, or failed with the code —
 * `not-taken` is `failed` with PRINT_NOT_TAKEN after `delivered`) and tell HQ about failures.
 */
export interface RecordPrintResultInput {
  printJobId: string;
  sessionId: string | null;
  kind: string;
  status: 'delivered' | 'taken' | 'not-taken' | 'failed';
  completionId?: string;
  code?: string;
  detail?: string;
  mayHavePrinted?: boolean;
}

// ───────────────────────────── the machine ─────────────────────────────

export type PrintJobStatus = 'delivered' | 'taken' | 'not-taken' | 'failed';

export interface PrintJobOutput {
  status: PrintJobStatus;
  printJobId: string;
  completionId?: string;
  /** failed / not-taken: the fault code (PRINT_NOT_DELIVERED, PRINTER_PAPER_OUT, PRINT_NOT_TAKEN …) */
  code?: string;
  detail?: string;
  /** failed: could paper have come out? (false: nothing was sent) */
  mayHavePrinted?: boolean;
}

export interface PrintJobInput {
  job: PrintJob;
  sessionId: string | null;
  /** stable per print attempt (the flow's key); a reprint is a new id */
  printJobId: string;
  /** default 'receipt' */
  kind?: string;
  /** safety net if `print` never settles (default 15 min: the driver's own timeouts come first) */
  maxPrintMs?: number;
  /** safety net if `awaitTake` never settles (default 10 min) */
  maxTakeMs?: number;
}

export interface PrintJobContext {
  job: PrintJob;
  sessionId: string | null;
  printJobId: string;
  kind: string;
  maxPrintMs: number;
  maxTakeMs: number;
  completionId: string | null;
  taken: boolean | null;
  awaitingTake: boolean;
  printDeadline: number | null;
  takeDeadline: number | null;
  /** failed / not-taken */
  code: string | null;
  detail: string | null;
  mayHavePrinted: boolean;
  /** the journal already had this job's outcome (nothing printed or recorded again) */
  fromJournal: boolean;
  /** the journal refused a write (the outcome stands; the runtime logs it) */
  journalError: string | null;
}

export type PrintJobEvent = { type: 'zizhu.resume' };

const CODE = /^[A-Z][A-Z0-9_]+$/;

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** How a `print` rejection reads: its code, whether paper may have come out, and a not-taken after delivery. */
export function printRejection(error: unknown): { code: string; detail: string; mayHavePrinted: boolean; notTakenAfterDelivery: boolean; completionId: string | null } {
  const e = (error !== null && typeof error === 'object' ? error : {}) as { code?: unknown; detail?: unknown; message?: unknown; context?: unknown };
  const ctx = (e.context !== null && typeof e.context === 'object' ? e.context : {}) as { phase?: unknown; completionId?: unknown };
  const code = typeof e.code === 'string' && CODE.test(e.code) ? e.code : FaultCode.PRINT_NOT_DELIVERED;
  const detail = text(e.detail ?? e.message ?? error);
  const completionId = typeof ctx.completionId === 'string' ? ctx.completionId : null;
  // only the driver's phase 'pre-job' proves nothing was sent; anything else (a link that failed
  // mid-write, an error without a phase) may have put bytes on paper
  const preJob = ctx.phase === 'pre-job';
  const notTakenAfterDelivery = code === FaultCode.PRINT_NOT_TAKEN && !preJob;
  return { code, detail, mayHavePrinted: !preJob, notTakenAfterDelivery, completionId };
}

export function delaysFor(now: Now = systemNow) {
  return {
    printTimeout: ({ context }: { context: PrintJobContext }) => msUntil(context.printDeadline, now),
    takeTimeout: ({ context }: { context: PrintJobContext }) => msUntil(context.takeDeadline, now),
  };
}

const notProvided = (name: string) => async (): Promise<never> => {
  throw new Error(`the ${name} actor was not provided: the runtime must supply it with printJobMachine.provide({ actors: { ${name} } })`);
};

const outputOf = (event: { type: string }): unknown => (event.type.startsWith('xstate.done.actor.') ? (event as { output?: unknown }).output : undefined);
const errorOf = (event: { type: string }): unknown => (event.type.startsWith('xstate.error.actor.') ? (event as { error?: unknown }).error : undefined);

/** The print-job machine on the clock `now`; provide the actors with `.provide({ actors })`. */
export function makePrintJobMachine(now: Now = systemNow) {
  return setup({
    types: {
      context: {} as PrintJobContext,
      events: {} as PrintJobEvent,
      input: {} as PrintJobInput,
      output: {} as PrintJobOutput,
    },
    actors: {
      journalPrintJob: fromPromise<JournalPrintJobOutput, JournalPrintJobInput>(notProvided('journalPrintJob')),
      checkPrinter: fromPromise<CheckPrinterOutput, Record<string, never>>(notProvided('checkPrinter')),
      journalPrintStart: fromPromise<void, JournalPrintStartInput>(notProvided('journalPrintStart')),
      print: fromPromise<PrintOutput, PrintInput>(notProvided('print')),
      awaitTake: fromPromise<AwaitTakeOutput, AwaitTakeInput>(notProvided('awaitTake')),
      recordPrintResult: fromPromise<void, RecordPrintResultInput>(notProvided('recordPrintResult')),
    },
    delays: delaysFor(now),
    guards: {
      journaledAs: ({ event }, params: { status: JournaledPrintStatus }) => (outputOf(event) as JournalPrintJobOutput | undefined)?.status === params.status,
      printerReady: ({ event }) => (outputOf(event) as CheckPrinterOutput | undefined)?.ready === true,
      notTakenAfterDelivery: ({ event }) => printRejection(errorOf(event)).notTakenAfterDelivery,
      waitForTake: ({ context }) => context.awaitingTake && context.taken === null,
      takenIs: ({ context }, params: { taken: boolean }) => context.taken === params.taken,
      wasTaken: ({ event }) => (outputOf(event) as AwaitTakeOutput | undefined)?.taken === true,
    },
    actions: {
      fromJournal: assign(({ event }) => {
        const out = outputOf(event) as JournalPrintJobOutput;
        return {
          fromJournal: true,
          ...(typeof out.completionId === 'string' ? { completionId: out.completionId } : {}),
          ...(out.status === 'failed' ? { code: typeof out.fault === 'string' && out.fault ? out.fault : FaultCode.PRINT_NOT_DELIVERED, detail: 'recorded as failed earlier' } : {}),
          ...(out.status === 'taken' ? { taken: true } : {}),
        };
      }),
      interrupted: assign({
        code: FaultCode.PRINT_NOT_DELIVERED,
        detail: 'the kiosk stopped while this receipt was printing; it may or may not have come out',
        mayHavePrinted: true,
        printDeadline: null,
      }),
      notSent: assign(({ event }, params: { code: string; why: string }) => {
        const error = errorOf(event);
        return { code: params.code, detail: `${params.why}${error === undefined ? '' : `: ${text(error)}`}`, mayHavePrinted: false };
      }),
      printerNotReady: assign(({ event }) => {
        const out = outputOf(event) as { code?: unknown; detail?: unknown } | undefined;
        const code = typeof out?.code === 'string' && CODE.test(out.code) ? out.code : FaultCode.PRINTER_NO_RESPONSE;
        return { code, detail: typeof out?.detail === 'string' ? out.detail : `the printer is not ready (${code}); nothing was sent`, mayHavePrinted: false };
      }),
      startPrint: assign(({ context }) => ({ printDeadline: now() + context.maxPrintMs })),
      printed: assign(({ event }) => {
        const out = (outputOf(event) ?? {}) as Partial<PrintOutput>;
        return {
          completionId: typeof out.completionId === 'string' ? out.completionId : null,
          taken: typeof out.taken === 'boolean' ? out.taken : null,
          awaitingTake: out.awaitingTake === true,
          printDeadline: null,
        };
      }),
      printedNotTaken: assign(({ event }) => {
        const r = printRejection(errorOf(event));
        return { completionId: r.completionId, taken: false, awaitingTake: false, printDeadline: null, code: r.code, detail: r.detail };
      }),
      printFailed: assign(({ event }) => {
        const r = printRejection(errorOf(event));
        return { code: r.code, detail: r.detail, mayHavePrinted: r.mayHavePrinted, printDeadline: null, ...(r.completionId ? { completionId: r.completionId } : {}) };
      }),
      printTimedOut: assign(({ context }) => ({
        code: FaultCode.PRINT_NOT_DELIVERED,
        detail: `the printer did not confirm "${context.job.title}" within ${context.maxPrintMs} ms`,
        mayHavePrinted: true,
        printDeadline: null,
      })),
      startTakeWait: assign(({ context }) => ({ takeDeadline: now() + context.maxTakeMs })),
      tookIt: assign({ taken: true, takeDeadline: null }),
      leftIt: assign(({ event, context }) => {
        const error = errorOf(event);
        return {
          taken: false,
          takeDeadline: null,
          code: FaultCode.PRINT_NOT_TAKEN,
          detail: error === undefined ? `"${context.job.title}" was presented but not taken` : `the take could not be confirmed: ${text(error)}`,
        };
      }),
      journalFailed: assign(({ event }) => ({ journalError: text(errorOf(event)) })),
    },
  }).createMachine({
    id: 'printJob',
    context: ({ input }) => ({
      job: input.job,
      sessionId: input.sessionId ?? null,
      printJobId: String(input.printJobId),
      kind: input.kind ?? 'receipt',
      maxPrintMs: input.maxPrintMs ?? 15 * 60_000,
      maxTakeMs: input.maxTakeMs ?? 10 * 60_000,
      completionId: null,
      taken: null,
      awaitingTake: false,
      printDeadline: null,
      takeDeadline: null,
      code: null,
      detail: null,
      mayHavePrinted: false,
      fromJournal: false,
      journalError: null,
    }),
    initial: 'queued',
    states: {
      queued: {
        invoke: {
          id: 'journalPrintJob',
          src: 'journalPrintJob',
          input: ({ context }) => ({ printJobId: context.printJobId, sessionId: context.sessionId, kind: context.kind, title: context.job.title }),
          onDone: [
            { guard: { type: 'journaledAs', params: { status: 'queued' } }, target: 'checkingPrinter' },
            { guard: { type: 'journaledAs', params: { status: 'printing' } }, target: 'failed', actions: 'interrupted' },
            { guard: { type: 'journaledAs', params: { status: 'delivered' } }, target: 'done', actions: 'fromJournal' },
            { guard: { type: 'journaledAs', params: { status: 'taken' } }, target: 'done', actions: 'fromJournal' },
            { guard: { type: 'journaledAs', params: { status: 'failed' } }, target: 'done', actions: 'fromJournal' },
            { target: 'failed', actions: { type: 'notSent', params: { code: FaultCode.PRINT_NOT_DELIVERED, why: 'the journal gave an unknown print-job status; nothing was sent' } } },
          ],
          // nothing to record the failure in: straight to done
          onError: { target: 'done', actions: { type: 'notSent', params: { code: FaultCode.PRINT_NOT_DELIVERED, why: 'the print job could not be journaled, so it was not sent' } } },
        },
      },
      checkingPrinter: {
        invoke: {
          id: 'checkPrinter',
          src: 'checkPrinter',
          input: () => ({}),
          onDone: [{ guard: 'printerReady', target: 'startingPrint' }, { target: 'failed', actions: 'printerNotReady' }],
          onError: { target: 'failed', actions: { type: 'notSent', params: { code: FaultCode.PRINTER_NO_RESPONSE, why: 'the printer health could not be read; nothing was sent' } } },
        },
      },
      startingPrint: {
        invoke: {
          id: 'journalPrintStart',
          src: 'journalPrintStart',
          input: ({ context }) => ({ printJobId: context.printJobId }),
          onDone: { target: 'printing' },
          onError: { target: 'failed', actions: { type: 'notSent', params: { code: FaultCode.PRINT_NOT_DELIVERED, why: 'the start of printing could not be journaled, so nothing was sent' } } },
        },
      },
      printing: {
        entry: 'startPrint',
        invoke: {
          id: 'print',
          src: 'print',
          input: ({ context }) => ({ printJobId: context.printJobId, job: context.job }),
          onDone: { target: 'delivered', actions: 'printed' },
          onError: [
            { guard: 'notTakenAfterDelivery', target: 'delivered', actions: 'printedNotTaken' },
            { target: 'failed', actions: 'printFailed' },
          ],
        },
        after: { printTimeout: { target: 'failed', actions: 'printTimedOut' } },
        on: { 'zizhu.resume': { target: 'failed', actions: 'interrupted' } },
      },
      delivered: {
        invoke: {
          id: 'recordPrintResult',
          src: 'recordPrintResult',
          input: ({ context }) => ({
            printJobId: context.printJobId,
            sessionId: context.sessionId,
            kind: context.kind,
            status: 'delivered' as const,
            ...(context.completionId ? { completionId: context.completionId } : {}),
          }),
          onDone: [
            { guard: 'waitForTake', target: 'awaitingTake' },
            { guard: { type: 'takenIs', params: { taken: true } }, target: 'taken' },
            { guard: { type: 'takenIs', params: { taken: false } }, target: 'notTaken' },
            { target: 'done' },
          ],
          onError: [
            { guard: 'waitForTake', target: 'awaitingTake', actions: 'journalFailed' },
            { guard: { type: 'takenIs', params: { taken: true } }, target: 'taken', actions: 'journalFailed' },
            { guard: { type: 'takenIs', params: { taken: false } }, target: 'notTaken', actions: 'journalFailed' },
            { target: 'done', actions: 'journalFailed' },
          ],
        },
      },
      awaitingTake: {
        entry: 'startTakeWait',
        invoke: {
          id: 'awaitTake',
          src: 'awaitTake',
          input: ({ context }) => ({ printJobId: context.printJobId, completionId: context.completionId }),
          onDone: [{ guard: 'wasTaken', target: 'taken', actions: 'tookIt' }, { target: 'notTaken', actions: 'leftIt' }],
          onError: { target: 'notTaken', actions: 'leftIt' },
        },
        after: { takeTimeout: { target: 'notTaken', actions: 'leftIt' } },
        on: { 'zizhu.resume': { target: 'awaitingTake', reenter: true } },
      },
      taken: {
        invoke: {
          id: 'recordPrintResult',
          src: 'recordPrintResult',
          input: ({ context }) => ({
            printJobId: context.printJobId,
            sessionId: context.sessionId,
            kind: context.kind,
            status: 'taken' as const,
            ...(context.completionId ? { completionId: context.completionId } : {}),
          }),
          onDone: 'done',
          onError: { target: 'done', actions: 'journalFailed' },
        },
      },
      notTaken: {
        invoke: {
          id: 'recordPrintResult',
          src: 'recordPrintResult',
          input: ({ context }) => ({
            printJobId: context.printJobId,
            sessionId: context.sessionId,
            kind: context.kind,
            status: 'not-taken' as const,
            code: context.code ?? FaultCode.PRINT_NOT_TAKEN,
            ...(context.detail ? { detail: context.detail } : {}),
            ...(context.completionId ? { completionId: context.completionId } : {}),
          }),
          onDone: 'done',
          onError: { target: 'done', actions: 'journalFailed' },
        },
      },
      failed: {
        invoke: {
          id: 'recordPrintResult',
          src: 'recordPrintResult',
          input: ({ context }) => ({
            printJobId: context.printJobId,
            sessionId: context.sessionId,
            kind: context.kind,
            status: 'failed' as const,
            code: context.code ?? FaultCode.PRINT_NOT_DELIVERED,
            ...(context.detail ? { detail: context.detail } : {}),
            ...(context.completionId ? { completionId: context.completionId } : {}),
            mayHavePrinted: context.mayHavePrinted,
          }),
          onDone: 'done',
          onError: { target: 'done', actions: 'journalFailed' },
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => outcomeOf(context),
  });
}

/** The machine's answer from its context (also used for the `done` output). */
export function outcomeOf(c: PrintJobContext): PrintJobOutput {
  const completion = c.completionId ? { completionId: c.completionId } : {};
  if (c.code && c.taken !== false) return { status: 'failed', printJobId: c.printJobId, ...completion, code: c.code, ...(c.detail ? { detail: c.detail } : {}), mayHavePrinted: c.mayHavePrinted };
  if (c.taken === false) return { status: 'not-taken', printJobId: c.printJobId, ...completion, code: c.code ?? FaultCode.PRINT_NOT_TAKEN, ...(c.detail ? { detail: c.detail } : {}) };
  if (c.taken === true) return { status: 'taken', printJobId: c.printJobId, ...completion };
  return { status: 'delivered', printJobId: c.printJobId, ...completion };
}

export const printJobMachine = makePrintJobMachine();
export type PrintJobMachine = ReturnType<typeof makePrintJobMachine>;
export type PrintJobSnapshot = SnapshotFrom<PrintJobMachine>;

// ───────────────────────────── the flows' `printReceipt` actor ─────────────────────────────

/** What a flow's `printReceipt` actor takes — the same shape as provident-fund.machine.ts declares, so this logic fits it. */
export interface PrintReceiptInput {
  job: PrintJob;
  sessionId: string;
  /** stable per print attempt; a restored flow passing the same id does not print twice */
  printJobId: string;
}
export interface PrintReceiptOutput {
  delivered: true;
  /** presenter printers: taken or left in the output; null when the printer cannot tell */
  taken: boolean | null;
}

/** The rejection of `printReceipt`: `{ code, detail }` (read it with failures.ts `printFailure`). */
export class PrintReceiptFailure extends Error {
  override readonly name = 'PrintReceiptFailure';
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly mayHavePrinted: boolean,
    readonly printJobId: string,
  ) {
    super(`${code}: ${detail}`);
  }
  toJSON() {
    return { code: this.code, detail: this.detail, mayHavePrinted: this.mayHavePrinted, printJobId: this.printJobId };
  }
}

/**
 * A flow's `printReceipt` actor backed by the print-job machine (already `.provide`d with the
 * runtime's actors): resolves `{ delivered: true, taken }` when the receipt came out (`taken: false`
 * = printed but left in the presenter), rejects with a `PrintReceiptFailure` `{ code, detail,
 * mayHavePrinted }` otherwise. The job runs to its end even when the flow stops waiting (cancel,
 * idle): its outcome is still journaled. `kind` names the print_jobs kind (default 'receipt'); pass the
 * actor system's `clock` in tests (SimulatedClock).
 */
export function printReceiptActorFrom(machine: PrintJobMachine, options: { clock?: ActorOptions<AnyActorLogic>['clock']; kind?: (input: PrintReceiptInput) => string } = {}) {
  return fromPromise<PrintReceiptOutput, PrintReceiptInput>(async ({ input }) => {
    const kind = options.kind?.(input);
    const actor = createActor(machine, {
      input: { job: input.job, sessionId: input.sessionId ?? null, printJobId: input.printJobId, ...(kind ? { kind } : {}) },
      ...(options.clock ? { clock: options.clock } : {}),
    });
    actor.start();
    const out = await toPromise(actor);
    if (out.status === 'failed') throw new PrintReceiptFailure(out.code ?? FaultCode.PRINT_NOT_DELIVERED, out.detail ?? '', out.mayHavePrinted ?? true, out.printJobId);
    return { delivered: true, taken: out.status === 'taken' ? true : out.status === 'not-taken' ? false : null };
  });
}
