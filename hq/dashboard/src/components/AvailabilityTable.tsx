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
import { TableHead } from './TableHead.tsx';

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
      <TableHead columns={[
          { col: 'c-rank', label: t('av.col.rank'), className: 'num' },
          { col: 'c-key', label: t(`an.group.${report.groupBy}`) },
          { label: t('av.col.where') },
          { col: 'c-kiosks', label: t('av.col.kiosks'), className: 'num right' },
          { col: 'c-av', label: t('av.col.availability') },
          { col: 'c-cov', label: t('av.col.coverage'), className: 'right' },
          { col: 'c-hours', label: t('av.col.down'), className: 'right' },
          { col: 'c-hours', label: t('av.col.noData'), className: 'right' },
          { col: 'c-strip', label: t('av.col.days') },
        ]} />
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
