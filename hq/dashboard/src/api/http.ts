/**
 * The one way the console talks to HQ: JSON over fetch with the session cookie, `X-CSRF-Token` on
 * every write, every answer checked against its schema in contracts/hq-api.ts. Any 401 (except a
 * refused login) tells the app the session is gone.
 */
import type { z } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** the server answered something the contract does not allow: shown, never half-rendered */
export class ContractError extends Error {
  override readonly name = 'ContractError';
}

let csrfToken: string | null = null;
let unauthorized: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

export const isAbort = (e: unknown): boolean => e instanceof DOMException && e.name === 'AbortError';

async function messageOf(res: Response): Promise<string> {
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object') {
      const m = (body as { message?: unknown; error?: unknown }).message ?? (body as { error?: unknown }).error;
      if (typeof m === 'string') return m;
    }
  } catch {
    // not JSON: the status says enough
  }
  return `HTTP ${res.status}`;
}

async function send(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    signal,
    // Fastify refuses an empty JSON body, so a write always sends an object
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
  if (res.status === 401 && path !== '/api/v1/login') unauthorized();
  if (!res.ok) throw new ApiError(res.status, await messageOf(res));
  const text = await res.text();
  return text ? (JSON.parse(text) as unknown) : null;
}

function check<T>(path: string, schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ContractError(`${path}: ${issue ? `${issue.path.join('.') || '(root)'} — ${issue.message}` : 'unexpected answer'}`);
}

export async function getJson<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
  return check(path, schema, await send('GET', path, undefined, signal));
}

export async function postJson<T>(path: string, body: unknown, schema?: z.ZodType<T>): Promise<T | null> {
  const raw = await send('POST', path, body);
  return schema ? check(path, schema, raw) : null;
}
