import type { z } from 'zod';
import { BackendError, type BackendName, type CallOptions } from './errors.ts';

/**
 * One JSON call to a back office, with the failure mapping every adapter shares.
 *
 * The rule that matters: a *write* (create, micropay, close, refund, register) whose fate we
 * cannot know is `outcome: 'unknown'` — the caller must query before deciding. A *read* has no
 * effect on the other side, so its failures are always `'not-done'`: retrying a read is safe.
 *
 *   connection refused / host not found        → unavailable, not-done
 *   no answer within timeoutMs (after sending) → timeout,     unknown (write) / not-done (read)
 *   the caller's signal aborted                → timeout (code ABORTED), same outcome rule
 *   connection reset / dropped mid-answer      → unavailable, unknown (write) / not-done (read)
 *   5xx                                        → unavailable, unknown (write) / not-done (read)
 *   429                                        → unavailable, not-done (the service refused to start)
 *   other 4xx                                  → rejected,    not-done, code = the body's `code`
 *   2xx with a body that fails the schema      → protocol,    unknown (write) / not-done (read)
 *
 * Statuses listed in `answerStatuses` are part of the protocol (a 409 conflict carrying a domain
 * answer, a 404 meaning "none"): their body is validated with the schema and returned.
 */

export interface HttpBackendOptions {
  /** base URL, e.g. http://127.0.0.1:8443 (a trailing slash is ignored) */
  url: string;
  /** per call, from sending to the last byte of the answer */
  timeoutMs: number;
  /**
   * Headers that authenticate a request. The seam for real request signing: it sees the method,
   * the path with query and the exact body text that will be sent.
   */
  authenticate?: (req: { method: string; pathAndQuery: string; bodyText: string | undefined }) => Record<string, string>;
}

export interface HttpCall<T> {
  /** what the call does, in the kiosk's words, for error messages: "create native order" */
  operation: string;
  method: 'GET' | 'POST';
  /** path plus query, already encoded */
  path: string;
  body?: unknown;
  /** may the other side act on this request (money moved, booking made)? */
  write: boolean;
  schema: z.ZodType<T>;
  /** non-2xx statuses whose body is a protocol answer (validated with `schema`) rather than an error */
  answerStatuses?: readonly number[];
  headers?: Record<string, string>;
}

export interface HttpAnswer<T> {
  status: number;
  body: T;
}

/** errno codes that prove the request never left this machine */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export class JsonHttpBackend {
  private readonly base: string;
  constructor(
    private readonly backend: BackendName,
    private readonly options: HttpBackendOptions,
  ) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async call<T>(spec: HttpCall<T>, opts: CallOptions = {}): Promise<HttpAnswer<T>> {
    const { backend } = this;
    const url = `${this.base}${spec.path}`;
    const what = `${spec.operation} (${spec.method} ${url})`;
    const maybe = spec.write ? 'unknown' : 'not-done';
    const bodyText = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(bodyText === undefined ? {} : { 'content-type': 'application/json' }),
      ...this.options.authenticate?.({ method: spec.method, pathAndQuery: spec.path, bodyText }),
      ...spec.headers,
    };
    const mayHaveActed = spec.write ? ' — it may have acted: query before deciding' : '';

    if (opts.signal?.aborted) {
      throw new BackendError(backend, 'timeout', 'not-done', 'ABORTED', `${what} not sent: the caller had already given up`);
    }
    const call = linkedAbort(opts.signal, this.options.timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await fetch(url, { method: spec.method, headers, body: bodyText, signal: call.signal, redirect: 'manual' });
      status = res.status;
      text = await res.text();
    } catch (e) {
      if (call.timedOut()) {
        throw new BackendError(backend, 'timeout', maybe, 'TIMEOUT', `no complete answer to ${what} within ${this.options.timeoutMs} ms${mayHaveActed}`);
      }
      if (opts.signal?.aborted) {
        throw new BackendError(backend, 'timeout', maybe, 'ABORTED', `${what} abandoned by the caller before the answer arrived${mayHaveActed}`);
      }
      const code = errnoOf(e);
      if (code && NEVER_SENT.has(code)) {
        throw new BackendError(backend, 'unavailable', 'not-done', code, `cannot reach ${this.base} for ${spec.operation} (${code}); nothing was sent — check the service and backends.${backend}.url`);
      }
      throw new BackendError(backend, 'unavailable', maybe, code ?? 'NETWORK', `connection failed during ${what}: ${describe(e)}${mayHaveActed}`);
    } finally {
      call.dispose();
    }

    const answer = spec.answerStatuses?.includes(status) ?? false;
    if (!answer && status >= 500) {
      throw new BackendError(backend, 'unavailable', maybe, String(status), `${what} answered HTTP ${status}${errorMessageOf(text)}${mayHaveActed}`);
    }
    if (!answer && status === 429) {
      throw new BackendError(backend, 'unavailable', 'not-done', '429', `${what} refused: too many requests, try again shortly`);
    }
    if (!answer && status >= 400) {
      const err = errorBodyOf(text);
      throw new BackendError(backend, 'rejected', 'not-done', err.code ?? `HTTP_${status}`, `${spec.operation} refused (HTTP ${status}): ${err.message ?? (text.slice(0, 200) || 'no details')}`);
    }
    if (!answer && (status < 200 || status >= 300)) {
      throw new BackendError(backend, 'protocol', maybe, String(status), `${what} answered HTTP ${status}, which this protocol does not use${mayHaveActed}`);
    }

    let json: unknown = null;
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        throw new BackendError(backend, 'protocol', maybe, 'BAD_JSON', `${what} answered HTTP ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}${mayHaveActed}`);
      }
    }
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      throw new BackendError(backend, 'protocol', maybe, 'BAD_RESPONSE', `${what} answered HTTP ${status} with an unexpected body (${issues})${mayHaveActed}`);
    }
    return { status, body: parsed.data };
  }
}

/**
 * The caller's signal and a per-call timeout in one signal. Hand-made rather than
 * `AbortSignal.any`: on Node 20 `AbortSignal.any` keeps every combined signal alive for as long
 * as a long-lived source signal lives (nodejs/node#55351) — the agent runs for months with one
 * shutdown signal — and here the listener is removed as soon as the call ends.
 */
export function linkedAbort(parent: AbortSignal | undefined, timeoutMs: number): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent) {
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener('abort', onParentAbort, { once: true });
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

function errnoOf(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur && typeof cur === 'object'; depth++) {
    const c = cur as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof c.code === 'string') return c.code;
    if (Array.isArray(c.errors) && c.errors.length > 0) {
      const first = c.errors[0] as { code?: unknown };
      if (typeof first?.code === 'string') return first.code;
    }
    cur = c.cause;
  }
  return undefined;
}

function describe(e: unknown): string {
  const cause = (e as { cause?: { message?: string } })?.cause?.message;
  const msg = e instanceof Error ? e.message : String(e);
  return cause ? `${msg}: ${cause}` : msg;
}

function errorBodyOf(text: string): { code?: string; message?: string } {
  try {
    const j = JSON.parse(text) as { code?: unknown; message?: unknown };
    return {
      ...(typeof j.code === 'string' ? { code: j.code } : {}),
      ...(typeof j.message === 'string' ? { message: j.message } : {}),
    };
  } catch {
    return {};
  }
}

function errorMessageOf(text: string): string {
  const m = errorBodyOf(text).message;
  return m ? ` (${m})` : '';
}

/** `Authorization: Bearer …` when a credential is configured. */
export function bearer(credential: string | undefined): HttpBackendOptions['authenticate'] {
  if (!credential) return undefined;
  return () => ({ authorization: `Bearer ${credential}` });
}
