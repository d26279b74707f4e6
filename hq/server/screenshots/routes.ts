/**
 * Screenshots (issue 10: remote hands).
 *
 * - `POST /api/v1/kiosk/screenshots/:commandId` — the kiosk's upload of a `screenshot` command's
 *   picture: signed like ingest over this path (ingest/signed-request.ts; 401 alike), the body the
 *   image itself (`image/png` or `image/jpeg`, its first bytes must say so too), at most
 *   SCREENSHOT_MAX_BYTES (413). 404: not this kiosk's command; 409: not a screenshot, or not waiting
 *   for one. 201 `{ expiresAt }` (again for a repeated upload of the same command).
 * - `GET /api/v1/screenshots/:commandId` — the picture, for viewers and up, until it expires (404 after).
 */
import type { FastifyInstance } from 'fastify';
import { SCREENSHOT_CONTENT_TYPES, SCREENSHOT_MAX_BYTES, SCREENSHOT_UPLOAD_PREFIX, type ScreenshotContentType } from '../../../contracts/hq.ts';
import { requireRole } from '../auth/index.ts';
import type { HqDb } from '../db/open.ts';
import { signedKioskRoute } from '../ingest/signed-request.ts';
import type { HqLog } from '../log.ts';
import { HttpError } from '../api/http.ts';
import { iso } from '../ids.ts';
import { readScreenshot, ScreenshotRefusedError, storeScreenshot } from './store.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const looksLike = (type: ScreenshotContentType, b: Buffer) => b.subarray(0, (type === 'image/png' ? PNG : JPEG).length).equals(type === 'image/png' ? PNG : JPEG);

export interface ScreenshotRouteOptions {
  db: HqDb;
  now: () => number;
  log: HqLog;
  ttlMs: number;
}

/** The kiosk's signed upload; register in a scope of its own (the body stays raw bytes). */
export function screenshotUploadRoute(app: FastifyInstance, o: ScreenshotRouteOptions): void {
  signedKioskRoute(app, `${SCREENSHOT_UPLOAD_PREFIX}:commandId`, { ...o, bodyLimit: SCREENSHOT_MAX_BYTES }, async ({ kioskId, raw, now, req, reply }) => {
    const commandId = String((req.params as { commandId?: unknown }).commandId ?? '');
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!(SCREENSHOT_CONTENT_TYPES as readonly string[]).includes(type))
      return reply.code(415).send({ error: `content-type: expected ${SCREENSHOT_CONTENT_TYPES.join(' or ')}, got ${JSON.stringify(type.slice(0, 60))}` });
    if (!looksLike(type as ScreenshotContentType, raw)) return reply.code(400).send({ error: `body: not a ${type} image (its first bytes say otherwise)` });
    try {
      const r = await storeScreenshot(o.db, { commandId, kioskId, contentType: type as ScreenshotContentType, image: raw, now, ttlMs: o.ttlMs });
      if (r.stored) o.log.info(`screenshot for command ${commandId} from kiosk ${kioskId}: ${raw.length} bytes, kept until ${iso(r.expiresAt)}`);
      return reply.code(201).send({ expiresAt: iso(r.expiresAt) });
    } catch (e) {
      if (!(e instanceof ScreenshotRefusedError)) throw e;
      o.log.warn(`screenshot upload from kiosk ${kioskId} refused (${e.status}): ${e.message}`);
      return reply.code(e.status).send({ error: e.message });
    }
  });
}

/** The operator's view of a screenshot (inside the operator API's scope). */
export function screenshotRoutes(app: FastifyInstance, o: { db: HqDb; now: () => number }): void {
  app.get('/api/v1/screenshots/:commandId', { preHandler: requireRole('viewer') }, async (req, reply) => {
    const commandId = String((req.params as { commandId?: unknown }).commandId ?? '');
    const s = await readScreenshot(o.db, commandId, o.now());
    if (!s) throw new HttpError(404, `no screenshot for command ${commandId} (none was taken, or it expired)`);
    return reply
      .type(s.contentType)
      .header('cache-control', 'private, max-age=300')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `inline; filename="screenshot-${commandId}.${s.contentType === 'image/png' ? 'png' : 'jpg'}"`)
      .send(s.image);
  });
}
