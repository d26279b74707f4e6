/**
 * What the two report pages (availability, first-time success) share: HQ's "today" and the filters
 * from the address, the report asked for them (again every minute), the page's state, the "today"
 * note and the loading / error / empty placeholders. While a new query loads, the last answer stays
 * on screen, dimmed.
 */
import type { z } from 'zod';
import { usePoll, type Poll } from '../api/usePoll.ts';
import { useHqToday, type HqToday } from '../api/useHqToday.ts';
import { ANALYTICS_POLL_MS, filtersFrom, type AnalyticsFilters } from '../format/analytics.ts';
import { useI18n } from '../i18n/I18n.tsx';
import type { Route } from '../routing/hash.ts';

export type ReportState = 'loading' | 'ready' | 'empty' | 'error';

export interface AnalyticsReport<T> {
  hq: HqToday;
  /** null until HQ's today is known */
  filters: AnalyticsFilters | null;
  poll: Poll<T>;
  /** the answer to the filters shown, else the previous one (dimmed), else null */
  shown: T | null;
  state: ReportState;
}

export function useAnalyticsReport<T extends { rows: unknown[] }>(route: Route, pathOf: (f: AnalyticsFilters) => string, schema: z.ZodType<T>): AnalyticsReport<T> {
  const hq = useHqToday();
  const filters = hq.today ? filtersFrom(route.params, hq.today) : null;
  const poll = usePoll(filters ? pathOf(filters) : null, schema, ANALYTICS_POLL_MS);
  const report = poll.data && poll.current ? poll.data : null;
  const state: ReportState = !filters || (!report && !poll.error) ? 'loading' : !report ? 'error' : report.rows.length === 0 ? 'empty' : 'ready';
  return { hq, filters, poll, shown: report ?? poll.data, state };
}

/** "Today (HQ): …", or that the browser's clock stands in */
export function TodayNote({ hq }: { hq: HqToday }) {
  const { t } = useI18n();
  if (!hq.today) return null;
  return (
    <span className="muted small" data-today={hq.today}>
      {t(hq.fromHq ? 'an.today' : 'an.todayBrowser', { day: hq.today })}
    </span>
  );
}

/** the card in place of the report while there is none to show, it failed, or it is empty */
export function ReportPlaceholder({ report }: { report: AnalyticsReport<unknown> }) {
  const { t } = useI18n();
  if (report.state === 'error') {
    return (
      <div className="card placeholder error-text" data-error>
        {t('common.error', { msg: report.poll.error!.message })}
      </div>
    );
  }
  if (report.state === 'empty') {
    return (
      <div className="card placeholder" data-empty>
        {t('an.noData')}
      </div>
    );
  }
  if (report.state === 'loading' && !report.shown) return <div className="card placeholder">{t('common.loading')}</div>;
  return null;
}

/** the report itself is shown: ready, or loading with a previous answer */
export const showsReport = (r: AnalyticsReport<unknown>): boolean => !!r.shown && (r.state === 'ready' || r.state === 'loading');
