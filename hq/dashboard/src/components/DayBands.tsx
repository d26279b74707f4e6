/**
 * One kiosk's day per service as a horizontal band of segments coloured by state (up, down, no data,
 * maintenance, not promised), proportional to time, on an hour scale in the kiosk's own time zone.
 * Plain DOM (no chart): each segment is `data-segment-state`, its title says when and why.
 */
import type { KioskDay } from '../../../../contracts/hq-analytics.ts';
import { dayTicks, pct, zonedClock } from '../format/analytics.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { AvailabilityValue } from './AvailabilityTable.tsx';
import { serviceName } from './AnalyticsFilters.tsx';

export const SEGMENT_ORDER = ['up', 'down', 'no-data', 'maintenance', 'not-promised'] as const;

export function SegmentLegend() {
  const { t } = useI18n();
  return (
    <ul className="legend" data-legend="segments">
      {SEGMENT_ORDER.map((s) => (
        <li key={s}>
          <span className={`legend-swatch seg-${s}`} />
          {t(`seg.${s}`)}
        </li>
      ))}
    </ul>
  );
}

export function DayBands({ day }: { day: KioskDay }) {
  const { t } = useI18n();
  const length = day.end - day.start;
  const ticks = dayTicks(day.start, day.end, day.timezone);
  const clock = (ms: number) => (ms >= day.end ? '24:00' : zonedClock(ms, day.timezone));
  return (
    <div className="bands">
      {day.services.map((s) => (
        <div key={s.service} className="band-row" data-service={s.service}>
          <div className="band-name">
            <span className="ellipsis" title={s.service}>
              {serviceName(s.service, t)}
            </span>
            <span className="band-figures">
              <AvailabilityValue times={s.times} />
              <span className="muted small">{t('av.tip.coverage', { v: pct(s.times.coverage) })}</span>
            </span>
          </div>
          <div className="band" role="img" aria-label={serviceName(s.service, t)}>
            {s.segments.map((g) => {
              const left = ((g.from - day.start) / length) * 100;
              const width = ((g.to - g.from) / length) * 100;
              const title = `${clock(g.from)}–${clock(g.to)} ${t(`seg.${g.state}`)}${g.reason ? ` · ${g.reason}` : ''}`;
              return (
                <span
                  key={`${g.from}-${g.state}`}
                  className={`seg seg-${g.state}`}
                  style={{ left: `${left}%`, width: `${width}%` }}
                  title={title}
                  data-segment-state={g.state}
                  data-from={clock(g.from)}
                  data-to={clock(g.to)}
                  data-reason={g.reason ?? undefined}
                />
              );
            })}
          </div>
        </div>
      ))}
      <div className="band-row band-axis" aria-hidden="true">
        <div className="band-name" />
        <div className="axis">
          {ticks.map((k) => (
            <span key={k.at} className="tick" style={{ left: `${k.share * 100}%` }}>
              {k.label}
            </span>
          ))}
        </div>
      </div>
    </div>
  );
}
