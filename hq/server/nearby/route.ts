/**
 * `POST /api/v1/kiosk/nearby` (contracts/hq-nearby.ts): a kiosk, signed like ingest, asks which
 * kiosks near it are usable now for the services it names. 401 as ingest (the log says why); 400
 * naming the field; the answer nearest first (query.ts).
 */
import type { FastifyInstance } from 'fastify';
import { NEARBY_MAX_BODY_BYTES, NEARBY_PATH, NearbyRequestSchema, type NearbyResponse } from '../../../contracts/hq-nearby.ts';
import type { HqDb } from '../db/open.ts';
import { parseJsonBody, fieldPath, IngestBodyError } from '../ingest/validate.ts';
import { signedKioskRoute } from '../ingest/signed-request.ts';
import type { HqLog } from '../log.ts';
import { nearbyKiosks } from './query.ts';

export function nearbyRoutes(app: FastifyInstance, o: { db: HqDb; now: () => number; log: HqLog }): void {
  signedKioskRoute(app, NEARBY_PATH, { ...o, bodyLimit: NEARBY_MAX_BODY_BYTES }, async ({ kioskId, raw, now, reply }) => {
    let body: unknown;
    try {
      body = parseJsonBody(raw);
    } catch (e) {
      if (!(e instanceof IngestBodyError)) throw e;
      return reply.code(400).send({ error: e.message });
    }
    const r = NearbyRequestSchema.safeParse(body);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      return reply.code(400).send({ error: `${fieldPath(issue.path)}: ${issue.message}` });
    }
    const answer: NearbyResponse = await nearbyKiosks(o.db, { kioskId, services: r.data.services, now });
    return answer;
  });
}
