/** `GET /api/v1/first-time-success?from&to&groupBy&district&site&kioskId&service` (any signed-in role): report.ts. */
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/index.ts';
import { parseAnalyticsQuery } from '../api/analytics-query.ts';
import type { HqDb } from '../db/open.ts';
import { firstTimeReport } from './report.ts';

export function firstTimeRoutes(app: FastifyInstance, { db }: { db: HqDb }): void {
  app.get('/api/v1/first-time-success', { preHandler: requireRole('viewer') }, async (req) => firstTimeReport(db, parseAnalyticsQuery(req.query)));
}
