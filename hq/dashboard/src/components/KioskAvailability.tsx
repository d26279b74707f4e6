/**
 * The kiosk page's small availability section: its last 7 days (ending on the day HQ last heard from
 * it) as a strip of day cells that open each day's timeline, the week's availability and coverage,
 * and a link to the availability page showing only this kiosk.
 */
import { AvailabilityReportSchema } from '../../../../contracts/hq-analytics.ts';
import { analyticsPaths } from '../api/endpoints.ts';
import { usePoll } from '../api/usePoll.ts';
import { ANALYTICS_POLL_MS, localDay, pct, rangeEnding } from '../format/analytics.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { href } from '../routing/hash.ts';
import { AvailabilityValue } from './AvailabilityTable.tsx';
import { DayStrip } from './DayStrip.tsx';
import '../analytics.css';

export function KioskAvailability({ kioskId, lastSeenAt }: { kioskId: string; lastSeenAt: string | null }) {
  const { t } = useI18n();
  const seen = lastSeenAt ? Date.parse(lastSeenAt) : NaN;
  const range = Number.isNaN(seen) ? null : rangeEnding(localDay(seen), 7);
  const poll = usePoll(range ? analyticsPaths.availability({ ...range, groupBy: 'kiosk', kioskId }) : null, AvailabilityReportSchema, ANALYTICS_POLL_MS);
  const row = poll.current ? poll.data?.rows.find((r) => r.key === kioskId) : undefined;
  return (
    <section className="card" data-section="availability">
      <h2>
        {t('av.kioskSection')}
        <a className="h2-link" href={href('availability', undefined, { kioskId })} data-action="kiosk-availability">
          {t('av.kioskMore')} ›
        </a>
      </h2>
      <div className="kiosk-av">
        {row ? (
          <>
            <DayStrip days={row.days} kioskId={kioskId} size="large" />
            <div className="kiosk-av-figures">
              <AvailabilityValue times={row.totals} />
              <span className="muted small">{t('av.tip.coverage', { v: pct(row.totals.coverage) })}</span>
            </div>
          </>
        ) : (
          <span className="muted small">{!range ? t('an.noData') : poll.error ? t('common.error', { msg: poll.error.message }) : poll.current && poll.data ? t('an.noData') : t('common.loading')}</span>
        )}
      </div>
    </section>
  );
}
