/**
 * A small fake HQ for the fleet simulator's tests (node:http on 127.0.0.1:0): login, kiosk enrollment
 * and re-keying, and ingest that checks every signature with contracts/hq-signing.ts and every event
 * with HqEventSchema. Whatever is wrong goes into `problems` (a test expects it empty).
 */
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HQ_INGEST_PATH, HqEventSchema, IngestHeaders, IngestRequestSchema, type HqCommand, type HqCommandType, type HqEvent } from '../../contracts/hq.ts';
import { ingestSignature, signaturesMatch } from '../../contracts/hq-signing.ts';

export interface FakeHq {
  url: string;
  /** enrolled kiosks: registration body and current secret */
  kiosks: Map<string, { registration: Record<string, unknown>; secret: string }>;
  /** accepted events per kiosk, in the order they arrived (duplicates by id left out) */
  events: Map<string, HqEvent[]>;
  problems: string[];
  /** answer the next N ingest requests of a kiosk with 401 */
  refuse: Map<string, number>;
  refused: Map<string, number>;
  rekeyed: string[];
  ingestRequests: number;
  queueCommand(kioskId: string, type: HqCommandType): string;
  close(): Promise<void>;
}

const SESSION = 'sid=fake-session';
const CSRF = 'fake-csrf';

export async function startFakeHq(o: { user: string; password: string; existing?: string[] }): Promise<FakeHq> {
  const kiosks: FakeHq['kiosks'] = new Map();
  for (const id of o.existing ?? []) kiosks.set(id, { registration: { id }, secret: 'old-secret' });
  const events: FakeHq['events'] = new Map();
  const problems: string[] = [];
  const refuse = new Map<string, number>();
  const refused = new Map<string, number>();
  const rekeyed: string[] = [];
  const commands = new Map<string, HqCommand[]>();
  const seenIds = new Set<string>();
  const nonces = new Set<string>();
  let ingestRequests = 0;

  const reply = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const operator = (req: http.IncomingMessage): boolean => req.headers.cookie === SESSION && req.headers['x-csrf-token'] === CSRF;

  function ingest(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    ingestRequests++;
    const h = (name: string): string => String(req.headers[name] ?? '');
    const kioskId = h(IngestHeaders.kiosk);
    const kiosk = kiosks.get(kioskId);
    if (!kiosk) return (problems.push(`ingest from unknown kiosk "${kioskId}"`), reply(res, 401, { error: 'unauthorized' }));
    const nonce = h(IngestHeaders.nonce);
    if (nonces.has(nonce)) problems.push(`${kioskId}: nonce reused`);
    nonces.add(nonce);
    if (!signaturesMatch(ingestSignature(kiosk.secret, h(IngestHeaders.timestamp), nonce, raw), h(IngestHeaders.signature))) {
      problems.push(`${kioskId}: bad signature`);
      return reply(res, 401, { error: 'unauthorized' });
    }
    const left = refuse.get(kioskId) ?? 0;
    if (left > 0) {
      refuse.set(kioskId, left - 1);
      refused.set(kioskId, (refused.get(kioskId) ?? 0) + 1);
      return reply(res, 401, { error: 'unauthorized' });
    }
    const body = IngestRequestSchema.safeParse(JSON.parse(raw));
    if (!body.success || body.data.kioskId !== kioskId) return (problems.push(`${kioskId}: bad ingest body`), reply(res, 400, { error: 'bad body' }));
    let accepted = 0;
    let duplicates = 0;
    for (const e of body.data.events) {
      const ev = HqEventSchema.safeParse(e);
      if (!ev.success) {
        problems.push(`${kioskId}: invalid event ${JSON.stringify(e).slice(0, 300)}: ${ev.error.message.slice(0, 300)}`);
        continue;
      }
      if (seenIds.has(ev.data.id)) {
        duplicates++;
        continue;
      }
      seenIds.add(ev.data.id);
      accepted++;
      const list = events.get(kioskId) ?? [];
      list.push(ev.data);
      events.set(kioskId, list);
    }
    const queued = commands.get(kioskId) ?? [];
    commands.set(kioskId, []);
    reply(res, 200, { accepted, duplicates, serverTime: Date.now(), commands: queued });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      if (req.method !== 'POST') return reply(res, 404, {});
      if (url === HQ_INGEST_PATH) return ingest(req, raw, res);
      if (url === '/api/v1/login') {
        const b = JSON.parse(raw) as { username?: string; password?: string };
        if (b.username !== o.user || b.password !== o.password) return reply(res, 401, { error: 'wrong user or password' });
        return reply(res, 200, { csrfToken: CSRF, user: { name: o.user, role: 'admin' } }, { 'set-cookie': `${SESSION}; HttpOnly; SameSite=Strict; Path=/` });
      }
      if (!operator(req)) return (problems.push(`${url}: no session or CSRF token`), reply(res, 401, {}));
      if (url === '/api/v1/kiosks') {
        const b = JSON.parse(raw) as Record<string, unknown>;
        const ok = ['id', 'site', 'district', 'address'].every((k) => typeof b[k] === 'string' && b[k]) && typeof b.lat === 'number' && typeof b.lng === 'number';
        if (!ok) return (problems.push(`bad registration ${raw}`), reply(res, 400, {}));
        if (kiosks.has(b.id as string)) return reply(res, 409, { error: 'exists' });
        const secret = randomBytes(24).toString('hex');
        kiosks.set(b.id as string, { registration: b, secret });
        return reply(res, 201, { id: b.id, secret });
      }
      const rekey = /^\/api\/v1\/kiosks\/([^/]+)\/secret$/.exec(url);
      const id = rekey ? decodeURIComponent(rekey[1]!) : '';
      if (rekey && kiosks.has(id)) {
        const secret = randomBytes(24).toString('hex');
        kiosks.get(id)!.secret = secret;
        rekeyed.push(id);
        return reply(res, 200, { id, secret });
      }
      reply(res, 404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    kiosks,
    events,
    problems,
    refuse,
    refused,
    rekeyed,
    get ingestRequests() {
      return ingestRequests;
    },
    queueCommand(kioskId, type) {
      const id = randomUUID();
      const issued = Date.now();
      const list = commands.get(kioskId) ?? [];
      list.push({ id, type, args: {}, issuedAt: new Date(issued).toISOString(), expiresAt: new Date(issued + 600_000).toISOString() });
      commands.set(kioskId, list);
      return id;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
