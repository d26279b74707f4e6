/**
 * One small cell per day, coloured on the availability scale (the calendar's), each `data-day` and
 * `data-band`; for a kiosk each cell opens that day's timeline.
 */
import type { AvailabilityRow } from '../../../../contracts/hq-analytics.ts';
import { bandColour, bandOf, pct } from '../format/analytics.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { kioskDayHref } from '../routing/hash.ts';

export function DayStrip({ days, kioskId, size = 'small' }: { days: AvailabilityRow['days']; kioskId?: string; size?: 'small' | 'large' }) {
  const { t } = useI18n();
  // the large strip (a kiosk's week) names each day of the month; the small one has no room
  const label = (day: string) => (size === 'large' ? String(Number(day.slice(8))) : null);
  return (
    <span className={`strip strip-${size}`} data-strip-days={days.length}>
      {days.map((d) => {
        const band = bandOf(d);
        const title = `${d.day} · ${band === 'none' ? t('av.none') : band === 'no-data' ? t('av.noData') : t('av.tip.availability', { v: pct(d.availability) })}`;
        const style = { background: bandColour(band) };
        return kioskId ? (
          <a key={d.day} className={`strip-cell band-${band}`} style={style} href={kioskDayHref(kioskId, d.day)} title={title} aria-label={title} data-day={d.day} data-band={band} onClick={(e) => e.stopPropagation()}>
            {label(d.day)}
          </a>
        ) : (
          <span key={d.day} className={`strip-cell band-${band}`} style={style} title={title} data-day={d.day} data-band={band}>
            {label(d.day)}
          </span>
        );
      })}
    </span>
  );
}
