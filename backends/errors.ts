/**
 * How a back-office call can fail. The one distinction that matters for money and bookings:
 * did the other side possibly act on the request? `outcome: 'unknown'` means it may have
 * (timeout after sending, connection reset, 5xx on a write) — the caller must query before
 * deciding; `'not-done'` means it certainly did not (connection refused, 4xx validation).
 */
export type BackendName = 'providentFund' | 'his' | 'payment';

export type BackendErrorKind =
  /** no answer in time after the request was sent */
  | 'timeout'
  /** the service could not be reached or answered 5xx */
  | 'unavailable'
  /** the service answered with a business refusal (code says which) */
  | 'rejected'
  /** the answer did not match the protocol (bad JSON, missing fields) */
  | 'protocol';

export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    readonly backend: BackendName,
    readonly kind: BackendErrorKind,
    /** whether the other side may have acted on the request */
    readonly outcome: 'unknown' | 'not-done',
    /** business code for 'rejected' (e.g. ORDER_PAID, NOT_FOUND, SLOT_TAKEN), HTTP status or errno otherwise */
    readonly code: string,
    message: string,
  ) {
    super(`${backend} ${kind} (${code}): ${message}`);
  }
  get retryable(): boolean {
    return this.kind === 'timeout' || this.kind === 'unavailable';
  }
}

export const isBackendError = (e: unknown): e is BackendError => e instanceof BackendError;

/** Every call takes an AbortSignal so a flow that is cancelled or times out stops waiting. */
export interface CallOptions {
  signal?: AbortSignal;
}
