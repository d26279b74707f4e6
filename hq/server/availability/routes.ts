/**
 * Availability in the operator API (any signed-in role reads it):
 *
 * - `GET /api/v1/availability?from&to&groupBy&district&site&kioskId&service` → AvailabilityReportSchema
 * - `GET /api/v1/availability.csv?…` → the same numbers as CSV (UTF-8 with BOM, so Excel shows Chinese names)
 * - `GET /api/v1/kiosks/:id/day/:date` → KioskDaySchema
 *
 * Bad filters are a 400 naming the field: a date that is not a calendar date, `from` after `to`,
 * more than ANALYTICS_MAX_DAYS days, a service HQ does not know.
 */
import type { FastifyInstance } from 'fastify';
import type { AnalyticsQuery } from '../../../contracts/hq-analytics.ts';
import { parseAnalyticsQuery } from '../api/analytics-query.ts';
import { HttpError, idParam } from '../api/http.ts';
import { requireRole } from '../auth/index.ts';
import type { HqDb } from '../db/open.ts';
import type { HqLog } from '../log.ts';
import { isCalendarDay } from './local-time.ts';
import { SERVICES, type Service } from './promised.ts';
import { availabilityReport, kioskDay, reportCsv } from './report.ts';

export interface AvailabilityRouteOptions {
  db: HqDb;
  now: () => number;
  /** this server's run (hq_runs), alive up to now */
  runId: string | null;
  log?: HqLog;
}

function calendarDay(field: string, day: string): void {
  if (!isCalendarDay(day)) throw new HttpError(400, `${field}: ${JSON.stringify(day)} is not a calendar date (YYYY-MM-DD)`);
}

/** The query string (api/analytics-query.ts), and a service HQ counts availability for. */
export function analyticsQuery(query: unknown): AnalyticsQuery {
  const q = parseAnalyticsQuery(query);
  if (q.service !== undefined && !SERVICES.includes(q.service as Service)) throw new HttpError(400, `service: unknown service ${JSON.stringify(q.service)}; one of ${SERVICES.join(', ')}`);
  return q;
}

export function availabilityRoutes(app: FastifyInstance, o: AvailabilityRouteOptions): void {
  const opts = () => ({ now: o.now(), currentRunId: o.runId, ...(o.log ? { log: o.log } : {}) });

  app.get('/api/v1/availability', { preHandler: requireRole('viewer') }, async (req) => availabilityReport(o.db, analyticsQuery(req.query), opts()));

  app.get('/api/v1/availability.csv', { preHandler: requireRole('viewer') }, async (req, reply) => {
    const q = analyticsQuery(req.query);
    const csv = reportCsv(await availabilityReport(o.db, q, opts()));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="availability-${q.groupBy}-${q.from}-${q.to}.csv"`)
      .send(csv);
  });

  app.get('/api/v1/kiosks/:id/day/:date', { preHandler: requireRole('viewer') }, async (req) => {
    const id = idParam(req.params);
    const date = String((req.params as { date?: unknown }).date ?? '');
    calendarDay('date', date);
    const day = await kioskDay(o.db, id, date, opts());
    if (!day) throw new HttpError(404, `no kiosk ${id}`);
    return day;
  });
}
