/**
 * One signed `POST {hq.url}/api/v1/ingest` and what HQ's answer means for the batch:
 *
 * - 2xx with an ingest answer (IngestResponseSchema) → `delivered`, with HQ's clock and commands;
 * - 413 → `too-large` (the link halves the batch);
 * - 400 naming `events[i]` → `event-refused` (that one event is set aside, the rest go again);
 * - anything else — network error, timeout, 401, 5xx, a 400 naming no event, a 2xx that is not an
 *   ingest answer — → `failed` (the link backs off and sends the same events again, in order).
 *
 * Commands are read from any 2xx answer, each on its own: one malformed command does not lose the
 * others (nor the delivery).
 */
import { HQ_INGEST_PATH, IngestResponseSchema, type HqEvent } from '../../contracts/hq.ts';
import { signedIngestHeaders } from '../../contracts/hq-signing.ts';

export interface PostRequest {
  url: string;
  kioskId: string;
  secret: string;
  events: HqEvent[];
  /** the timestamp to sign with (the kiosk's clock, corrected by a known skew) */
  signAt: number;
  timeoutMs: number;
  fetch: typeof fetch;
  signal?: AbortSignal;
}

export interface Delivered {
  kind: 'delivered';
  accepted: number;
  duplicates: number;
  serverTime: number;
  /** each command as HQ sent it (validated one by one by the command runner) */
  commands: unknown[];
  /** problems with the answer that did not stop the delivery (a malformed command list) */
  warnings: string[];
}
export type PostOutcome =
  | Delivered
  | { kind: 'too-large'; error: string }
  | { kind: 'event-refused'; index: number; error: string }
  | {
      kind: 'failed';
      error: string;
      status?: number;
      /** HQ's `Date` header (epoch ms, to the second), for a clock check when there is no serverTime */
      serverDate?: number;
      /** a 400 that names no event: our request is wrong as a whole */
      badRequest?: boolean;
      /** commands found in a 2xx answer that was otherwise not an ingest answer */
      commands?: unknown[];
    };

const snippet = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

/** `https://hq.example.cn/` + `/api/v1/ingest`, without a doubled slash. */
export function ingestUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}${HQ_INGEST_PATH}`;
}

export async function postBatch(r: PostRequest): Promise<PostOutcome> {
  const body = JSON.stringify({ kioskId: r.kioskId, events: r.events });
  const headers = signedIngestHeaders(r.kioskId, r.secret, body, r.signAt);
  const signals = [AbortSignal.timeout(r.timeoutMs), ...(r.signal ? [r.signal] : [])];
  let res: Response;
  let text: string;
  try {
    res = await r.fetch(ingestUrl(r.url), { method: 'POST', headers, body, signal: AbortSignal.any(signals) });
    text = await res.text();
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${r.timeoutMs} ms` : err.name === 'AbortError' ? 'stopped' : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : err.cause?.message ? ` (${err.cause.message})` : ''}`;
    return { kind: 'failed', error: `cannot reach HQ: ${why}` };
  }
  const dateHeader = Date.parse(res.headers.get('date') ?? '');
  const serverDate = Number.isFinite(dateHeader) ? { serverDate: dateHeader } : {};
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const message = (json && typeof json === 'object' && typeof (json as { error?: unknown }).error === 'string' ? (json as { error: string }).error : snippet(text)) || res.statusText;

  if (res.status >= 200 && res.status < 300) return answerOf(json, text, res.status, serverDate);
  if (res.status === 413) return { kind: 'too-large', error: `HQ refused the batch of ${r.events.length} as too large (413): ${message}` };
  if (res.status === 400) {
    const m = /^events\[(\d+)\]/.exec(message);
    const index = m ? Number(m[1]) : -1;
    if (index >= 0 && index < r.events.length) return { kind: 'event-refused', index, error: `HQ refused it (400): ${message}` };
    return { kind: 'failed', status: 400, badRequest: true, error: `HQ refused the request (400): ${message}`, ...serverDate };
  }
  if (res.status === 401) return { kind: 'failed', status: 401, error: `HQ refused the kiosk's signature (401: ${message}): check hq.credentialsRef holds this kiosk's secret from "zizhu hq enroll" and that the kiosk is enrolled and enabled`, ...serverDate };
  return { kind: 'failed', status: res.status, error: `HQ answered ${res.status}: ${message}`, ...serverDate };
}

function answerOf(json: unknown, text: string, status: number, serverDate: { serverDate?: number }): PostOutcome {
  const commands = json && typeof json === 'object' && Array.isArray((json as { commands?: unknown }).commands) ? ((json as { commands: unknown[] }).commands) : [];
  const parsed = IngestResponseSchema.safeParse(json);
  if (parsed.success) return { kind: 'delivered', accepted: parsed.data.accepted, duplicates: parsed.data.duplicates, serverTime: parsed.data.serverTime, commands, warnings: [] };
  // only the commands are malformed: the events were taken; each command is judged on its own
  const outer = IngestResponseSchema.omit({ commands: true }).safeParse(json);
  if (outer.success) {
    const issue = parsed.error.issues[0]!;
    const warning = `HQ's answer has a malformed command list (${issue.path.join('.')}: ${issue.message})`;
    return { kind: 'delivered', accepted: outer.data.accepted, duplicates: outer.data.duplicates, serverTime: outer.data.serverTime, commands, warnings: [warning] };
  }
  const issue = outer.error.issues[0]!;
  return {
    kind: 'failed',
    status,
    error: `HQ answered ${status} but not with an ingest answer (${issue.path.join('.') || 'body'}: ${issue.message}; body ${JSON.stringify(snippet(text))})`,
    ...serverDate,
    ...(commands.length ? { commands } : {}),
  };
}
