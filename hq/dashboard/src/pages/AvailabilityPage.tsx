/**
 * `#/availability`: availability inside promised hours per district, site or kiosk — the calendar of
 * the whole selection, its totals, the ranking worst first and a CSV of the same query. Everything
 * shown is HQ's numbers (`GET /api/v1/availability`); the page only adds the selection's days up
 * when it holds several groups. The root says `data-state="loading|ready|empty|error"`.
 */
import { lazy, Suspense, useMemo } from 'react';
import { AvailabilityReportSchema, type AvailabilityReport, type AvailabilityRow } from '../../../../contracts/hq-analytics.ts';
import { analyticsPaths } from '../api/endpoints.ts';
import { AnalyticsFilters } from '../components/AnalyticsFilters.tsx';
import { ReportPlaceholder, showsReport, TodayNote, useAnalyticsReport } from '../components/AnalyticsReport.tsx';
import { AvailabilityTable, AvailabilityValue } from '../components/AvailabilityTable.tsx';
import { Freshness, PageTitle } from '../components/PageTitle.tsx';
import { AVAILABILITY_BANDS, bandColour, calendarLayout, hours, hoursMinutes, NO_DATA_COLOUR, NONE_COLOUR, pct, sumTimes, weekdayName, worstDays } from '../format/analytics.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { kioskDayHref, replaceParams, type Route } from '../routing/hash.ts';
import '../analytics.css';

/** ECharts is only needed here and on the first-time page: its own chunk */
const AvailabilityCalendar = lazy(() => import('../components/AvailabilityCalendar.tsx').then((m) => ({ default: m.AvailabilityCalendar })));

function Legend() {
  const { t } = useI18n();
  const items = [
    ...AVAILABILITY_BANDS.map((b) => ({ key: b.band, colour: b.colour, label: t(`av.legend.${b.band}`) })),
    { key: 'no-data', colour: NO_DATA_COLOUR, label: t('av.noData') },
    { key: 'none', colour: NONE_COLOUR, label: t('av.none') },
  ];
  return (
    <ul className="legend" data-legend="availability">
      {items.map((i) => (
        <li key={i.key}>
          <span className={`legend-swatch band-${i.key}`} style={{ background: i.colour }} />
          {i.label}
        </li>
      ))}
    </ul>
  );
}

/** the selection's worst days; for one kiosk each opens that day's timeline */
function WorstDays({ days, kioskId }: { days: AvailabilityRow['days']; kioskId: string | null }) {
  const { t, locale } = useI18n();
  const worst = worstDays(days);
  return (
    <div className="worst-days" data-section="worst-days">
      <h3>{t('av.worstDays')}</h3>
      {worst.length === 0 ? (
        <div className="muted small">{t('av.noBadDays')}</div>
      ) : (
        <ol>
          {worst.map((d) => (
            <li key={d.day} data-worst-day={d.day}>
              {kioskId ? (
                <a className="num" href={kioskDayHref(kioskId, d.day)}>
                  {d.day}
                </a>
              ) : (
                <span className="num">{d.day}</span>
              )}
              <span className="muted">{weekdayName(d.day, locale)}</span>
              <AvailabilityValue times={d} />
              <span className="muted small">
                {t('av.down')} {hoursMinutes(d.downMs, locale)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** the selection's totals: availability and coverage large, then where the promised time went, then its worst days */
function Summary({ report, days, kioskId }: { report: AvailabilityReport; days: AvailabilityRow['days']; kioskId: string | null }) {
  const { t } = useI18n();
  const total = sumTimes(report.rows.map((r) => r.totals));
  const kiosks = report.rows.reduce((n, r) => n + r.kioskCount, 0);
  const parts = [
    { key: 'up', ms: total.upMs, label: t('av.up'), colour: bandColour('top') },
    { key: 'down', ms: total.downMs, label: t('av.down'), colour: bandColour('lt90') },
    { key: 'no-data', ms: total.noDataMs, label: t('av.noData'), colour: NO_DATA_COLOUR },
    { key: 'maintenance', ms: total.maintenanceMs, label: t('av.maintenance'), colour: '#3f7fc4' },
  ];
  return (
    <section className="card av-summary" data-section="summary" data-availability={total.availability ?? ''} data-coverage={total.coverage ?? ''}>
      <h2>
        {t('av.summary')} <span className="muted small">{t('av.kiosks', { n: kiosks })}</span>
      </h2>
      <div className="av-big">
        <div className="big-stat" data-stat="availability">
          <span className="big-label">{t('av.availability')}</span>
          <span className="big-value">
            <AvailabilityValue times={total} />
          </span>
        </div>
        <div className="big-stat" data-stat="coverage">
          <span className="big-label">{t('av.coverage')}</span>
          <span className="big-value num">{pct(total.coverage)}</span>
        </div>
        <div className="big-stat" data-stat="promised">
          <span className="big-label">{t('av.promised')}</span>
          <span className="big-value num">{t('av.hoursUnit', { n: hours(total.promisedMs) })}</span>
        </div>
      </div>
      <div className="share-bar" aria-hidden="true">
        {parts.map((p) => (total.promisedMs > 0 && p.ms > 0 ? <span key={p.key} style={{ flexGrow: p.ms, background: p.colour }} /> : null))}
      </div>
      <dl className="share-list">
        {parts.map((p) => (
          <div key={p.key} data-stat={p.key}>
            <dt>
              <span className="legend-swatch" style={{ background: p.colour }} />
              {p.label}
            </dt>
            <dd className="num">{t('av.hoursUnit', { n: hours(p.ms) })}</dd>
          </div>
        ))}
      </dl>
      <WorstDays days={days} kioskId={kioskId} />
    </section>
  );
}

export function AvailabilityPage({ route }: { route: Route }) {
  const { t } = useI18n();
  const r = useAnalyticsReport(route, analyticsPaths.availability, AvailabilityReportSchema);
  const { hq, filters: f, poll, shown, state } = r;

  const selection = useMemo(() => {
    if (!shown || shown.rows.length === 0) return null;
    if (shown.rows.length === 1) return { one: shown.rows[0]!, days: shown.rows[0]!.days };
    return { one: null, days: shown.days.map((day, i) => ({ day, ...sumTimes(shown.rows.map((r) => r.days[i]!)) })) };
  }, [shown]);

  const dayKiosk = shown?.groupBy === 'kiosk' && selection?.one ? selection.one.key : null;

  return (
    <div className="page" data-page="availability" data-state={state} data-from={f?.from} data-to={f?.to} data-group-by={f?.groupBy}>
      <PageTitle title={t('nav.availability')} freshness={<Freshness updatedAt={poll.updatedAt} error={state === 'ready' || state === 'empty' ? poll.error : null} />}>
        <TodayNote hq={hq} />
        {f ? (
          <a className="button small export" href={analyticsPaths.availabilityCsv(f)} download data-action="export-csv">
            {t('an.exportCsv')}
          </a>
        ) : null}
      </PageTitle>
      {f && hq.today ? <AnalyticsFilters route={route} filters={f} today={hq.today} kiosks={hq.kiosks} /> : null}
      <p className="explain">{t('av.explain')}</p>
      <ReportPlaceholder report={r} />
      {shown && selection && showsReport(r) ? (
        <div className={state === 'loading' ? 'an-body reloading' : 'an-body'}>
          <div className="av-top">
            <section className="card av-calendar" data-section="calendar">
              <h2>
                {selection.one ? t('av.calendarOne', { key: selection.one.key }) : t('av.calendar')}
                <span className="h2-note muted">{dayKiosk ? t('av.calendarHint') : shown.groupBy === 'kiosk' ? '' : t('av.calendarGroupHint')}</span>
              </h2>
              <div className="calendar-box">
                <Suspense fallback={<div className="calendar" style={calendarLayout(shown.from, shown.to)} />}>
                  <AvailabilityCalendar from={shown.from} to={shown.to} days={selection.days} onDay={dayKiosk ? (day) => (window.location.hash = kioskDayHref(dayKiosk, day)) : undefined} />
                </Suspense>
                <Legend />
              </div>
            </section>
            <Summary report={shown} days={selection.days} kioskId={dayKiosk} />
          </div>
          <section className="card table-card" data-section="ranking">
            <h2>
              {t('av.ranked')} <span className="h2-count num">{shown.rows.length}</span>
              <span className="h2-note muted">{t('an.days', { from: shown.from, to: shown.to, n: shown.days.length })}</span>
            </h2>
            <AvailabilityTable report={shown} onDrill={(patch) => replaceParams(route, patch)} />
          </section>
        </div>
      ) : null}
    </div>
  );
}
