/**
 * What every robot codec is: a pure `encode` (message → the HTTP request, signed for this moment)
 * and `answer` (the robot's HTTP status and body → sent, retry, or refused for good). Codecs never
 * touch the network; delivery.ts does.
 */
import type { NotifyMessage } from '../../../../contracts/hq-notify.ts';

export interface RobotRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** sent; or not: `permanent` (a bad token, signature, keyword — retrying cannot help) or retry, not before `retryAfterMs` when the robot said it is rate-limiting */
export type RobotAnswer = { ok: true } | { ok: false; permanent: boolean; error: string; retryAfterMs?: number };

export interface EncodeContext {
  /** the channel's URL and secret, opened */
  url: string;
  secret: string | null;
  /** HQ's clock (signatures carry it) */
  nowMs: number;
  timeZone: string;
  /** the webhook's per-request nonce (random unless given) */
  nonce?: string;
}

export interface RobotCodec {
  encode(msg: NotifyMessage, ctx: EncodeContext): RobotRequest;
  answer(status: number, body: string): RobotAnswer;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
export const jsonRequest = (url: string, body: unknown, headers: Record<string, string> = {}): RobotRequest => ({ url, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });

/** null for 2xx; else whether a retry may help (timeouts, rate limits, server errors) */
export function httpStatusAnswer(status: number, body: string): RobotAnswer | null {
  if (status >= 200 && status < 300) return null;
  const said = body.trim().slice(0, 160);
  const error = `HTTP ${status}${said ? `: ${said}` : ''}`;
  const retry = status === 408 || status === 425 || status === 429 || status >= 500;
  return { ok: false, permanent: !retry, error, ...(status === 429 ? { retryAfterMs: 60_000 } : {}) };
}

export interface ErrcodeRules {
  /** the body's code field(s), in order of preference */
  codeFields: string[];
  msgFields: string[];
  /** codes that mean the channel itself is wrong */
  permanent: Record<number, string>;
  /** codes that mean "too fast": retry after this long */
  rateLimited: Record<number, number>;
}

/** A robot's JSON answer `{errcode, errmsg}` (or its own field names): code 0 is sent. Unknown codes are retried. */
export function errcodeAnswer(status: number, body: string, rules: ErrcodeRules): RobotAnswer {
  const http = httpStatusAnswer(status, body);
  if (http) return http;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { ok: false, permanent: false, error: `the robot answered something that is not JSON: ${body.slice(0, 120)}` };
  }
  const code = rules.codeFields.map((f) => json[f]).find((v) => typeof v === 'number') as number | undefined;
  if (code === 0) return { ok: true };
  const msg = rules.msgFields.map((f) => json[f]).find((v) => typeof v === 'string') as string | undefined;
  const error = `errcode ${code ?? '(none)'}: ${(msg ?? '').slice(0, 200)}`;
  if (code !== undefined && rules.permanent[code]) return { ok: false, permanent: true, error: `${error} — ${rules.permanent[code]}` };
  if (code !== undefined && rules.rateLimited[code]) return { ok: false, permanent: false, error, retryAfterMs: rules.rateLimited[code] };
  return { ok: false, permanent: false, error };
}
