/**
 * Why an invoked actor failed, as plain JSON a machine can keep in context (and the journal can
 * store). Machines never import the BackendError class (devices and back offices arrive as
 * actors); they read the same fields from whatever the actor rejected with.
 *
 * The rule that matters for money and bookings: anything we cannot classify is `outcome:
 * 'unknown'` — the other side may have acted, so the machine queries before deciding.
 */
import { maskPersonalText } from '../contracts/pii.ts';

export interface CallFailure {
  /** timeout | unavailable | rejected | protocol (BackendError kinds), or `other` for anything else */
  kind: 'timeout' | 'unavailable' | 'rejected' | 'protocol' | 'other';
  /** did the other side possibly act on the request? */
  outcome: 'unknown' | 'not-done';
  /** business code for `rejected` (ORDER_PAID, NO_ACCOUNT …), HTTP status or errno otherwise */
  code: string;
  /** what happened, personal data masked */
  message: string;
}

const KINDS = new Set(['timeout', 'unavailable', 'rejected', 'protocol']);

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A BackendError (or anything shaped like one) → CallFailure. Unclassifiable errors are `unknown`. */
export function callFailure(error: unknown): CallFailure {
  if (error !== null && typeof error === 'object') {
    const e = error as { kind?: unknown; outcome?: unknown; code?: unknown; message?: unknown };
    if (typeof e.kind === 'string' && KINDS.has(e.kind) && (e.outcome === 'unknown' || e.outcome === 'not-done')) {
      return {
        kind: e.kind as CallFailure['kind'],
        outcome: e.outcome,
        code: typeof e.code === 'string' ? e.code : String(e.code ?? ''),
        message: maskPersonalText(text(e.message ?? error)),
      };
    }
  }
  return { kind: 'other', outcome: 'unknown', code: 'ERROR', message: maskPersonalText(text(error)) };
}

/** Why a print was not delivered: `{ code: FaultCode, detail?, mayHavePrinted? }` from the print-job actor, or any error. */
export interface PrintFailure {
  /** a FaultCode (PRINT_NOT_DELIVERED, PRINTER_PAPER_OUT …); PRINT_NOT_DELIVERED when unknown */
  code: string;
  detail: string;
  /** part of it may be in the tray (sent, then paper out / unplugged / no completion): the person is told to look. Unknown = true. */
  mayHavePrinted: boolean;
}

export function printFailure(error: unknown): PrintFailure {
  if (error !== null && typeof error === 'object') {
    const e = error as { code?: unknown; detail?: unknown; message?: unknown; mayHavePrinted?: unknown };
    if (typeof e.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(e.code)) {
      return { code: e.code, detail: maskPersonalText(text(e.detail ?? e.message ?? e.code)), mayHavePrinted: e.mayHavePrinted !== false };
    }
  }
  return { code: 'PRINT_NOT_DELIVERED', detail: maskPersonalText(text(error)), mayHavePrinted: true };
}

/** The placeholder every actor has until the runtime provides the real one. */
export function notProvided(actor: string): never {
  throw new Error(`actor "${actor}" was not provided: the runtime must supply it with machine.provide({ actors: { ${actor} } })`);
}

/** Retry pause after `attempt` failures (0-based): 1 s, 2 s, 3 s, then 5 s. */
export function backoffMs(attempt: number): number {
  const steps = [1_000, 2_000, 3_000];
  return steps[attempt] ?? 5_000;
}
