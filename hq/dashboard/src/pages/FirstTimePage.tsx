/**
 * `#/first-time`: first-time success (`GET /api/v1/first-time-success`) — per service its rate against
 * HQ's target, a funnel of the steps reached, failures by reason and completions on a retry; then
 * every service × group ranked worst first. Same filters as the availability page. The root says
 * `data-state="loading|ready|empty|error"`; each service card `data-service`.
 */
import { lazy, Suspense, useMemo } from 'react';
import { FAILURE_REASONS, FirstTimeReportSchema } from '../../../../contracts/hq-analytics.ts';
import { analyticsPaths } from '../api/endpoints.ts';
import { AnalyticsFilters, serviceName } from '../components/AnalyticsFilters.tsx';
import { ReportPlaceholder, showsReport, TodayNote, useAnalyticsReport } from '../components/AnalyticsReport.tsx';
import { RateBar, FirstTimeTable } from '../components/FirstTimeTable.tsx';
import { Freshness, PageTitle } from '../components/PageTitle.tsx';
import { dayCount, pct } from '../format/analytics.ts';
import { serviceTotals, type ServiceTotals } from '../format/first-time.ts';
import { stepText } from '../i18n/analytics.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { replaceParams, type Route } from '../routing/hash.ts';
import '../analytics.css';

const FunnelChart = lazy(() => import('../components/FunnelChart.tsx').then((m) => ({ default: m.FunnelChart })));

function ServiceCard({ s, target }: { s: ServiceTotals; target: number }) {
  const { t, locale } = useI18n();
  const name = serviceName(s.service, t);
  const first = s.funnel[0]?.reached ?? 0;
  const failedMost = Math.max(1, ...FAILURE_REASONS.map((r) => s.failed[r]));
  return (
    <section className="card ft-service" data-service={s.service} data-rate={s.rate ?? ''}>
      <h2>
        {name}
        <span className="h2-note muted">{t('ft.target', { v: pct(target, 0) })}</span>
      </h2>
      <div className="ft-head">
        <div className="big-stat" data-stat="rate">
          <span className="big-label">{t('ft.rate')}</span>
          <span className="big-value">
            <RateBar rate={s.rate} target={target} />
          </span>
        </div>
        {(
          [
            ['started', s.started, 'ft.started'],
            ['completed', s.completed, 'ft.completed'],
            ['abandoned', s.abandoned, 'ft.abandoned'],
            ['on-retry', s.completedOnRetry, 'ft.onRetry'],
          ] as const
        ).map(([key, n, label]) => (
          <div key={key} className="big-stat small-stat" data-stat={key}>
            <span className="big-label">{t(label)}</span>
            <span className="big-value num">{n}</span>
          </div>
        ))}
      </div>
      <div className="ft-body">
        <div className="ft-funnel">
          <h3>{t('ft.funnel')}</h3>
          {s.funnel.length === 0 ? (
            <div className="empty small">{t('an.noData')}</div>
          ) : (
            <>
              <Suspense fallback={<div className="funnel" />}>
                <FunnelChart steps={s.funnel.map((f) => ({ ...f, name: stepText(f.step, locale) }))} label={name} />
              </Suspense>
              <table className="table steps">
                <colgroup>
                  <col />
                  <col className="c-step-n" />
                  <col className="c-step-n" />
                  <col className="c-step-n" />
                </colgroup>
                <thead>
                  <tr>
                    <th>{t('ft.col.step')}</th>
                    <th className="right">{t('ft.col.reached')}</th>
                    <th className="right">{t('ft.col.share')}</th>
                    <th className="right">{t('ft.col.abandonedHere')}</th>
                  </tr>
                </thead>
                <tbody>
                  {s.funnel.map((f) => (
                    <tr key={f.step} data-funnel-step={f.step} data-reached={f.reached} data-abandoned={f.abandoned}>
                      <td className="ellipsis" title={f.step}>
                        {stepText(f.step, locale)}
                      </td>
                      <td className="num right">{f.reached}</td>
                      <td className="num right muted">{first > 0 ? pct(f.reached / first, 0) : '—'}</td>
                      <td className={f.abandoned > 0 ? 'num right warn-text' : 'num right muted'}>{f.abandoned}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
        <div className="ft-failures">
          <h3>{t('ft.failed')}</h3>
          <ul className="reason-bars">
            {FAILURE_REASONS.map((r) => (
              <li key={r} data-failure={r} data-count={s.failed[r]}>
                <span className="reason-name">{t(`ft.reason.${r}`)}</span>
                <span className="reason-track">
                  <span className="reason-fill" style={{ width: `${(s.failed[r] / failedMost) * 100}%` }} />
                </span>
                <b className="num">{s.failed[r]}</b>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}

export function FirstTimePage({ route }: { route: Route }) {
  const { t } = useI18n();
  const r = useAnalyticsReport(route, analyticsPaths.firstTime, FirstTimeReportSchema);
  const { hq, filters: f, poll, shown, state } = r;
  const services = useMemo(() => (shown ? serviceTotals(shown.rows) : []), [shown]);

  return (
    <div className="page" data-page="first-time" data-state={state} data-from={f?.from} data-to={f?.to} data-group-by={f?.groupBy}>
      <PageTitle title={t('nav.firstTime')} freshness={<Freshness updatedAt={poll.updatedAt} error={state === 'ready' || state === 'empty' ? poll.error : null} />}>
        <TodayNote hq={hq} />
      </PageTitle>
      {f && hq.today ? <AnalyticsFilters route={route} filters={f} today={hq.today} kiosks={hq.kiosks} /> : null}
      <p className="explain">{t('ft.explain')}</p>
      <ReportPlaceholder report={r} />
      {shown && showsReport(r) && shown.rows.length > 0 ? (
        <div className={state === 'loading' ? 'an-body reloading' : 'an-body'}>
          <div className="ft-services">
            {services.map((s) => (
              <ServiceCard key={s.service} s={s} target={shown.target} />
            ))}
          </div>
          <section className="card table-card" data-section="ranking">
            <h2>
              {t('ft.ranked', { group: t(`an.group.${shown.groupBy}`) })} <span className="h2-count num">{shown.rows.length}</span>
              <span className="h2-note muted">{t('an.days', { from: shown.from, to: shown.to, n: dayCount(shown.from, shown.to) })}</span>
            </h2>
            <FirstTimeTable report={shown} onDrill={(patch) => replaceParams(route, patch)} />
          </section>
        </div>
      ) : null}
    </div>
  );
}
