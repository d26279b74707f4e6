/**
 * The fleet's one HTTP client: a keep-alive agent shared by every kiosk (node:http, or node:https for
 * an https URL), and the operator calls enrollment needs (login, create a kiosk, re-key one).
 */
import http from 'node:http';
import https from 'node:https';

export interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export class HqClient {
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly baseUrl: URL,
    maxSockets = 256,
    private readonly timeoutMs = 10_000,
  ) {
    const secure = baseUrl.protocol === 'https:';
    this.mod = secure ? https : http;
    this.agent = new this.mod.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
    this.host = baseUrl.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(baseUrl.port) || (secure ? 443 : 80);
  }

  /** POST `body` (JSON text; `headers` gains its content-length); resolves with any status, rejects on a network error or timeout */
  post(path: string, body: string, headers: Record<string, string | number>): Promise<Answer> {
    headers['content-length'] = Buffer.byteLength(body);
    return new Promise((resolve, reject) => {
      const req = this.mod.request(
        { host: this.host, port: this.port, path, method: 'POST', agent: this.agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
          res.on('error', reject);
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export class EnrollError extends Error {
  override readonly name = 'EnrollError';
}

/** An operator session: the cookie and CSRF token `POST /api/v1/login` gave. */
export interface OperatorSession {
  cookie: string;
  csrfToken: string;
}

export async function login(client: HqClient, username: string, password: string): Promise<OperatorSession> {
  const a = await client.post('/api/v1/login', JSON.stringify({ username, password }), { 'content-type': 'application/json' }).catch((e: Error) => {
    throw new EnrollError(`cannot reach HQ at ${client.baseUrl.origin}: ${e.message}`);
  });
  if (a.status !== 200) throw new EnrollError(`login as ${username} refused: HTTP ${a.status}${a.status === 401 ? ' (wrong user or password)' : ''}`);
  const setCookie = a.headers['set-cookie'] ?? [];
  const cookie = setCookie.map((c) => c.split(';')[0]!.trim()).join('; ');
  const csrfToken = (JSON.parse(a.body) as { csrfToken?: unknown }).csrfToken;
  if (typeof csrfToken !== 'string' || !cookie) throw new EnrollError('login answered without a session cookie or csrfToken');
  return { cookie, csrfToken };
}

export interface KioskRegistration {
  id: string;
  site: string;
  district: string;
  address: string;
  lat: number;
  lng: number;
}

/** Register a kiosk (`POST /api/v1/kiosks`) and get its secret; one that exists (409) is re-keyed. */
export async function enrollKiosk(client: HqClient, s: OperatorSession, k: KioskRegistration): Promise<string> {
  const headers = { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrfToken };
  let a = await client.post('/api/v1/kiosks', JSON.stringify(k), headers);
  if (a.status === 409) a = await client.post(`/api/v1/kiosks/${encodeURIComponent(k.id)}/secret`, '{}', headers);
  if (a.status !== 200 && a.status !== 201) throw new EnrollError(`enrolling ${k.id} failed: HTTP ${a.status} ${a.body.slice(0, 200)}`);
  const secret = (JSON.parse(a.body) as { secret?: unknown }).secret;
  if (typeof secret !== 'string' || !secret) throw new EnrollError(`enrolling ${k.id}: the answer has no secret`);
  return secret;
}
