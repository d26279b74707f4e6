/**
 * `POST /api/v1/ingest`, in its own Fastify scope so its body stays raw bytes: the signature is
 * over the bytes the kiosk sent, not over a re-serialisation. Refusals: 413 over 1 MiB; 401 with one
 * generic message for every authentication failure (the log says which); 400 naming the field.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HQ_INGEST_PATH, INGEST_MAX_BODY_BYTES, IngestHeaders, type IngestRequest, type IngestResponse } from '../../../contracts/hq.ts';
import { ingestSignature, signaturesMatch } from '../../../contracts/hq-signing.ts';
import type { HqDb } from '../db/open.ts';
import { CredentialCache } from '../kiosks/credentials.ts';
import type { HqLog } from '../log.ts';
import { ingestResultOf, type HqMetrics } from '../metrics/metrics.ts';
import { applyBatch, ReplayError, StaleCredentialsError } from './apply.ts';
import { GroupCommit } from './group-commit.ts';
import { outsideWindow, shown, signedHeaders, UNAUTHORIZED } from './signed-request.ts';
import { claimedKiosk, IngestBodyError, parseJsonBody, validateIngest } from './validate.ts';

export interface IngestRouteOptions {
  db: HqDb;
  now: () => number;
  flapWindowMs: number;
  log: HqLog;
  metrics: HqMetrics;
}

const started = new WeakMap<FastifyRequest, number>();

export async function ingestRoutes(app: FastifyInstance, o: IngestRouteOptions): Promise<void> {
  const group = new GroupCommit(o.db);
  const credentials = new CredentialCache(o.db);
  app.addHook('onClose', () => group.idle());
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: INGEST_MAX_BODY_BYTES }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req) => void started.set(req, performance.now()));
  app.addHook('onResponse', async (req, reply) => {
    const t0 = started.get(req);
    o.metrics.ingestRequest(ingestResultOf(reply.statusCode), t0 === undefined ? 0 : (performance.now() - t0) / 1000);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 413) o.log.warn(`ingest refused (413) from ${req.ip}: body over ${INGEST_MAX_BODY_BYTES} bytes, kiosk ${shown(req.headers[IngestHeaders.kiosk])}`);
    else if (status === 500) o.log.error(`ingest failed: ${err.message}`);
    return reply.code(status).send({ error: status === 413 ? `body larger than ${INGEST_MAX_BODY_BYTES} bytes` : status === 500 ? 'internal error' : err.message });
  });

  const refuse = (req: FastifyRequest, reply: FastifyReply, reason: string) => {
    o.log.warn(`ingest refused (401) from ${req.ip}: ${reason}`);
    return reply.code(401).send(UNAUTHORIZED);
  };

  app.post(HQ_INGEST_PATH, { bodyLimit: INGEST_MAX_BODY_BYTES }, async (req, reply) => {
    const now = o.now();
    const s = signedHeaders(req);
    if (typeof s === 'string') return refuse(req, reply, s);
    const late = outsideWindow(s, now);
    if (late) return refuse(req, reply, late);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let batch: IngestRequest | undefined;

    // twice at most: a kiosk rotated or disabled between the check and the transaction is checked again
    for (let attempt = 0; attempt < 2; attempt++) {
      const kiosk = await credentials.get(s.kioskId);
      if (!kiosk) return refuse(req, reply, `unknown kiosk ${shown(s.kioskId)}`);
      if (!kiosk.enabled) return refuse(req, reply, `kiosk ${shown(s.kioskId)} is disabled`);
      if (!signaturesMatch(ingestSignature(kiosk.secret, s.timestamp, s.nonce, raw), s.signature)) return refuse(req, reply, `kiosk ${shown(s.kioskId)}: bad signature`);

      if (!batch) {
        try {
          const body = parseJsonBody(raw);
          const claimed = claimedKiosk(body);
          if (typeof claimed === 'string' && claimed !== s.kioskId) return refuse(req, reply, `kiosk ${shown(s.kioskId)} sent a body for kiosk ${shown(claimed)}`);
          batch = validateIngest(body);
        } catch (e) {
          if (!(e instanceof IngestBodyError)) throw e;
          o.log.warn(`ingest refused (400) from kiosk ${shown(s.kioskId)}: ${e.message}`);
          return reply.code(400).send({ error: e.message });
        }
      }

      const input = { kioskId: s.kioskId, nonce: s.nonce, timestamp: Number(s.timestamp), events: batch.events, now, flapWindowMs: o.flapWindowMs, log: o.log, sealedSecret: kiosk.sealed };
      try {
        const r = await group.run((trx) => applyBatch(trx, input));
        o.metrics.ingestEvents(r.accepted, r.duplicates);
        const answer: IngestResponse = { accepted: r.accepted, duplicates: r.duplicates, serverTime: now, commands: r.commands };
        return answer;
      } catch (e) {
        if (e instanceof ReplayError) return refuse(req, reply, `kiosk ${shown(s.kioskId)}: nonce replayed`);
        if (!(e instanceof StaleCredentialsError)) throw e;
        credentials.forget(s.kioskId);
      }
    }
    return refuse(req, reply, `kiosk ${shown(s.kioskId)}: its credentials keep changing`);
  });
}
