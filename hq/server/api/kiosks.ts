/** Operator API: the fleet and one kiosk (viewer); enrolling, new secrets, disabling (admin). */
import type { FastifyInstance } from 'fastify';
import { audit, requireRole } from '../auth/index.ts';
import type { HqDb } from '../db/open.ts';
import { enrollKiosk, EnrollInputSchema, KioskExistsError, BadKioskInputError, rotateKioskSecret, setKioskEnabled, UnknownKioskError } from '../kiosks/enroll.ts';
import { HttpError, idParam, parseInput } from './http.ts';
import { kioskDetail, listKiosks } from './views.ts';

export interface ApiOptions {
  db: HqDb;
  now: () => number;
}

const EnrollBody = EnrollInputSchema.omit({ rotate: true });

function kioskErrors(e: unknown): never {
  if (e instanceof KioskExistsError) throw new HttpError(409, e.message);
  if (e instanceof UnknownKioskError) throw new HttpError(404, e.message);
  if (e instanceof BadKioskInputError) throw new HttpError(400, e.message);
  throw e;
}

export function kioskRoutes(app: FastifyInstance, { db, now }: ApiOptions): void {
  app.get('/api/v1/kiosks', { preHandler: requireRole('viewer') }, async () => ({ kiosks: await listKiosks(db) }));

  app.get('/api/v1/kiosks/:id', { preHandler: requireRole('viewer') }, async (req) => {
    const d = await kioskDetail(db, idParam(req.params), now());
    if (!d) throw new HttpError(404, `no kiosk ${idParam(req.params)}`);
    return d;
  });

  app.post('/api/v1/kiosks', { preHandler: requireRole('admin') }, async (req) => {
    const input = parseInput(EnrollBody, req.body);
    const secret = await enrollKiosk(db, input, now).catch(kioskErrors);
    const place = [input.site, input.district].filter(Boolean).join(', ');
    await audit(db, { user: req.user!.name, action: 'kiosk.enroll', target: input.id, detail: place || null, at: now() });
    return { id: input.id, secret };
  });

  app.post('/api/v1/kiosks/:id/secret', { preHandler: requireRole('admin') }, async (req) => {
    const id = idParam(req.params);
    const secret = await rotateKioskSecret(db, id, now).catch(kioskErrors);
    await audit(db, { user: req.user!.name, action: 'kiosk.rotate-secret', target: id, detail: null, at: now() });
    return { id, secret };
  });

  for (const [verb, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    app.post(`/api/v1/kiosks/:id/${verb}`, { preHandler: requireRole('admin') }, async (req) => {
      const id = idParam(req.params);
      await setKioskEnabled(db, id, enabled).catch(kioskErrors);
      await audit(db, { user: req.user!.name, action: `kiosk.${verb}`, target: id, detail: null, at: now() });
      return { id, enabled };
    });
  }
}
