/**
 * First-time success per service × group as HQ ranked it (worst rate first): the rate on a bar with
 * the target marked, sessions started, completed, abandoned, the main failure and completions on a
 * retry. Rows carry `data-row-key`, `data-service` and `data-rate`; a kiosk row opens the kiosk, a
 * district or site row shows the level below.
 */
import type { FirstTimeReport } from '../../../../contracts/hq-analytics.ts';
import { pct } from '../format/analytics.ts';
import { topFailure } from '../format/first-time.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { RowKey, rowOpener, type Drill } from './RowKey.tsx';
import { serviceName } from './AnalyticsFilters.tsx';
import { TableHead } from './TableHead.tsx';

export function RateBar({ rate, target }: { rate: number | null; target: number }) {
  const { t } = useI18n();
  if (rate === null) return <span className="muted">{t('ft.noSessions')}</span>;
  const below = rate < target;
  return (
    <span className={below ? 'rate below' : 'rate'} data-below-target={below}>
      <b className="num">{pct(rate)}</b>
      <span className="rate-track" aria-hidden="true">
        <span className="rate-fill" style={{ width: `${Math.min(1, rate) * 100}%` }} />
        <span className="rate-target" style={{ left: `${Math.min(1, target) * 100}%` }} />
      </span>
    </span>
  );
}

export function FirstTimeTable({ report, onDrill }: { report: FirstTimeReport; onDrill: Drill }) {
  const { t } = useI18n();
  const kiosks = report.groupBy === 'kiosk';
  return (
    <table className="table ft-table">
      <TableHead columns={[
          { col: 'c-rank', label: t('av.col.rank'), className: 'num' },
          { col: 'c-key', label: t(`an.group.${report.groupBy}`) },
          { label: t('av.col.where') },
          { col: 'c-service', label: t('ft.col.service') },
          { col: 'c-rate', label: t('ft.col.rate') },
          { col: 'c-n', label: t('ft.col.started'), className: 'right' },
          { col: 'c-n', label: t('ft.col.completed'), className: 'right' },
          { col: 'c-n', label: t('ft.col.abandoned'), className: 'right' },
          { col: 'c-failure', label: t('ft.col.topFailure') },
          { col: 'c-n', label: t('ft.col.onRetry'), className: 'right' },
        ]} />
      <tbody>
        {report.rows.map((row, i) => {
          const where = (kiosks ? [row.district, row.site] : report.groupBy === 'site' ? [row.district] : []).filter(Boolean).join(' · ');
          const top = topFailure(row.failed);
          const open = rowOpener(report.groupBy, row, onDrill);
          return (
            <tr key={`${row.service}|${row.key}`} data-row-key={row.key} data-service={row.service} data-rate={row.firstTimeSuccessRate ?? ''} data-rank={i + 1} onClick={open}>
              <td className="num muted">{i + 1}</td>
              <td className={kiosks ? 'mono ellipsis' : 'ellipsis'}>
                <RowKey name={row.key} kiosk={kiosks} onDrill={open} />
              </td>
              <td className="ellipsis muted" title={where}>
                {where || '—'}
              </td>
              <td className="ellipsis">{serviceName(row.service, t)}</td>
              <td>
                <RateBar rate={row.firstTimeSuccessRate} target={report.target} />
              </td>
              <td className="num right">{row.started}</td>
              <td className="num right">{row.completed}</td>
              <td className="num right">{row.abandoned}</td>
              <td className="ellipsis" data-top-failure={top?.reason ?? ''}>
                {top ? (
                  <>
                    {t(`ft.reason.${top.reason}`)} <b className="num">{top.count}</b>
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="num right">{row.completedOnRetry}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
