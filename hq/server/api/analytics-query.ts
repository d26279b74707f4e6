/**
 * The query string both analytics reports take (availability, first-time success):
 * contracts/hq-analytics.ts AnalyticsQuerySchema, plus what a schema cannot say — real calendar
 * days, `to` not before `from`, at most ANALYTICS_MAX_DAYS days. A 400 names the field. An empty
 * value (`district=`) is the same as none.
 */
import { ANALYTICS_MAX_DAYS, AnalyticsQuerySchema, type AnalyticsQuery } from '../../../contracts/hq-analytics.ts';
import { dayCount, isCalendarDay } from '../availability/local-time.ts';
import { HttpError, parseInput } from './http.ts';

export function parseAnalyticsQuery(query: unknown): AnalyticsQuery {
  const given = Object.fromEntries(Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => v !== ''));
  const q = parseInput(AnalyticsQuerySchema, given);
  for (const field of ['from', 'to'] as const) if (!isCalendarDay(q[field])) throw new HttpError(400, `${field}: ${q[field]} is not a calendar day`);
  if (q.to < q.from) throw new HttpError(400, `to: ${q.to} is before from (${q.from})`);
  const days = dayCount(q.from, q.to);
  if (days > ANALYTICS_MAX_DAYS) throw new HttpError(400, `to: the range is ${days} days; at most ${ANALYTICS_MAX_DAYS}`);
  return q;
}
