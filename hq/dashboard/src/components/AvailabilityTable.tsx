/**
 * The availability ranking as HQ ordered it (worst first, no data last): one row per district, site
 * or kiosk with availability, coverage, down and no-data hours and a strip of its days. A kiosk row
 * opens the kiosk (its day cells open that day's timeline); a district or site row shows the level
 * below it. Rows carry `data-row-key`, `data-rank` and `data-availability`.
 */
import type { AvailabilityReport, AvailabilityRow } from '../../../../contracts/hq-analytics.ts';
import { bandColour, bandOf, hours, pct } from '../format/analytics.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { RowKey, rowOpener, type Drill } from './RowKey.tsx';
import { DayStrip } from './DayStrip.tsx';

export function AvailabilityValue({ times }: { times: AvailabilityRow['totals'] }) {
  const { t } = useI18n();
  const band = bandOf(times);
  if (band === 'none' || band === 'no-data') return <span className="muted">{t(band === 'none' ? 'av.none' : 'av.noData')}</span>;
  return (
    <span className="av-value">
      <span className="av-swatch" style={{ background: bandColour(band) }} />
      <b className="num">{pct(times.availability)}</b>
    </span>
  );
}

export function AvailabilityTable({ report, onDrill }: { report: AvailabilityReport; onDrill: Drill }) {
  const { t } = useI18n();
  const kiosks = report.groupBy === 'kiosk';
  return (
    <table className="table av-table">
      <colgroup>
        <col className="c-rank" />
        <col className="c-key" />
        <col />
        <col className="c-kiosks" />
        <col className="c-av" />
        <col className="c-cov" />
        <col className="c-hours" />
        <col className="c-hours" />
        <col className="c-strip" />
      </colgroup>
      <thead>
        <tr>
          <th className="num">{t('av.col.rank')}</th>
          <th>{t(`an.group.${report.groupBy}`)}</th>
          <th>{t('av.col.where')}</th>
          <th className="num right">{t('av.col.kiosks')}</th>
          <th>{t('av.col.availability')}</th>
          <th className="right">{t('av.col.coverage')}</th>
          <th className="right">{t('av.col.down')}</th>
          <th className="right">{t('av.col.noData')}</th>
          <th>{t('av.col.days')}</th>
        </tr>
      </thead>
      <tbody>
        {report.rows.map((row, i) => {
          const where = kiosks ? [row.district, row.site] : report.groupBy === 'site' ? [row.district] : [];
          const open = rowOpener(report.groupBy, row, onDrill);
          const drillTitle = kiosks || !open ? undefined : t(report.groupBy === 'district' ? 'av.drill.site' : 'av.drill.kiosk');
          return (
            <tr key={row.key} data-row-key={row.key} data-rank={i + 1} data-availability={row.totals.availability ?? ''} data-band={bandOf(row.totals)} onClick={open} title={drillTitle}>
              <td className="num muted">{i + 1}</td>
              <td className={kiosks ? 'mono ellipsis' : 'ellipsis'}>
                <RowKey name={row.key} kiosk={kiosks} onDrill={open} title={drillTitle} />
              </td>
              <td className="ellipsis muted" title={where.filter(Boolean).join(' · ')}>
                {where.filter(Boolean).join(' · ') || '—'}
              </td>
              <td className="num right">{row.kioskCount}</td>
              <td>
                <AvailabilityValue times={row.totals} />
              </td>
              <td className="num right">{pct(row.totals.coverage)}</td>
              <td className={row.totals.downMs > 0 ? 'num right bad-text' : 'num right'}>{hours(row.totals.downMs)}</td>
              <td className={row.totals.noDataMs > 0 ? 'num right warn-text' : 'num right'}>{hours(row.totals.noDataMs)}</td>
              <td>
                <DayStrip days={row.days} kioskId={kiosks ? row.key : undefined} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
