/**
 * The kiosk's signature on a request, checked the way ingest checks it — headers, timestamp window
 * (±5 min), kiosk known and enabled, HMAC over the raw bytes and this request's path
 * (contracts/hq-signing.ts) — for ingest (route.ts) and for every other kiosk-facing request
 * (`signedKioskRoute`: e.g. nearby kiosks), which also remembers the nonce like ingest does (10 min).
 * Every refusal is the same 401 `{"error":"unauthorized"}` to the caller; the log says which.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IngestHeaders, SIGNATURE_WINDOW_MS } from '../../../contracts/hq.ts';
import { ingestSignature, signaturesMatch } from '../../../contracts/hq-signing.ts';
import type { HqDb } from '../db/open.ts';
import { CredentialCache } from '../kiosks/credentials.ts';
import type { HqLog } from '../log.ts';

export const UNAUTHORIZED = { error: 'unauthorized' };

/** a header value as safe log text (it is the caller's, not ours) */
export const shown = (v: unknown): string => JSON.stringify(typeof v === 'string' ? v.slice(0, 80) : (v ?? null));

export interface SignedHeaders {
  kioskId: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

/** The four signature headers, or why they are missing or malformed. */
export function signedHeaders(req: FastifyRequest): SignedHeaders | string {
  const h = (name: string): string | undefined => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  const kioskId = h(IngestHeaders.kiosk);
  const timestamp = h(IngestHeaders.timestamp);
  const nonce = h(IngestHeaders.nonce);
  const signature = h(IngestHeaders.signature);
  if (!kioskId || kioskId.length > 64) return `missing or malformed ${IngestHeaders.kiosk} ${shown(kioskId)}`;
  if (!timestamp || !/^\d{1,16}$/.test(timestamp)) return `missing or malformed ${IngestHeaders.timestamp} ${shown(timestamp)}`;
  if (!nonce || !/^[A-Za-z0-9_-]{8,128}$/.test(nonce)) return `missing or malformed ${IngestHeaders.nonce}`;
  if (!signature || !/^[0-9a-fA-F]{64}$/.test(signature)) return `missing or malformed ${IngestHeaders.signature}`;
  return { kioskId, timestamp, nonce, signature };
}

/** The timestamp is outside HQ's window: why, else null. */
export function outsideWindow(s: SignedHeaders, now: number): string | null {
  const skew = Number(s.timestamp) - now;
  return Math.abs(skew) > SIGNATURE_WINDOW_MS ? `kiosk ${shown(s.kioskId)}: timestamp ${Math.round(skew / 1000)} s off HQ's clock (window ±${SIGNATURE_WINDOW_MS / 1000} s)` : null;
}

export interface SignedRouteOptions {
  db: HqDb;
  now: () => number;
  log: HqLog;
  /** bodies over this are refused (413) before anything else */
  bodyLimit: number;
}

/** What a signed route's handler is given: the kiosk (its signature checked, its nonce new) and the raw body. */
export interface SignedRequest {
  kioskId: string;
  raw: Buffer;
  now: number;
  req: FastifyRequest;
  reply: FastifyReply;
}

/**
 * Registers `POST pattern` in its own scope (raw body bytes: the signature is over them), signed
 * like ingest over the request's own path. Call it inside `app.register(async (scope) => …)`.
 */
export function signedKioskRoute(app: FastifyInstance, pattern: string, o: SignedRouteOptions, handler: (r: SignedRequest) => Promise<unknown>): void {
  const credentials = new CredentialCache(o.db);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: o.bodyLimit }, (_req, body, done) => done(null, body));
  const refuse = (req: FastifyRequest, reply: FastifyReply, reason: string) => {
    o.log.warn(`${pattern} refused (401) from ${req.ip}: ${reason}`);
    return reply.code(401).send(UNAUTHORIZED);
  };
  app.post(pattern, { bodyLimit: o.bodyLimit }, async (req, reply) => {
    const now = o.now();
    const s = signedHeaders(req);
    if (typeof s === 'string') return refuse(req, reply, s);
    const late = outsideWindow(s, now);
    if (late) return refuse(req, reply, late);
    const kiosk = await credentials.get(s.kioskId);
    if (!kiosk) return refuse(req, reply, `unknown kiosk ${shown(s.kioskId)}`);
    if (!kiosk.enabled) return refuse(req, reply, `kiosk ${shown(s.kioskId)} is disabled`);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const path = req.url.split('?')[0]!;
    if (!signaturesMatch(ingestSignature(kiosk.secret, s.timestamp, s.nonce, raw, path), s.signature)) {
      // a rotated secret: the next request reads the row afresh
      credentials.forget(s.kioskId);
      return refuse(req, reply, `kiosk ${shown(s.kioskId)}: bad signature`);
    }
    const row = await o.db.selectFrom('kiosks').select(['enabled', 'secret_enc']).where('id', '=', s.kioskId).executeTakeFirst();
    // the cache may be older than a disable or a new secret (by the API or the CLI in another process)
    const changed = !row ? 'is no longer enrolled' : row.enabled !== 1 ? 'is disabled' : row.secret_enc !== kiosk.sealed ? 'was given a new secret' : null;
    if (changed) {
      credentials.forget(s.kioskId);
      return refuse(req, reply, `kiosk ${shown(s.kioskId)} ${changed}`);
    }
    const nonce = await o.db
      .insertInto('nonces')
      .values({ kiosk_id: s.kioskId, nonce: s.nonce, seen_at: now })
      .onConflict((oc) => oc.columns(['kiosk_id', 'nonce']).doNothing())
      .executeTakeFirst();
    if (Number(nonce.numInsertedOrUpdatedRows ?? 0) === 0) return refuse(req, reply, `kiosk ${shown(s.kioskId)}: nonce replayed`);
    return handler({ kioskId: s.kioskId, raw, now, req, reply });
  });
}
