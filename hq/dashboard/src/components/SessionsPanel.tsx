/** How the kiosk's recent sessions ended (no personal data ever reaches HQ). */
import type { KioskDetail } from '../../../../contracts/hq-api.ts';
import { duration, fullTime, shortTime } from '../format/time.ts';
import { useI18n } from '../i18n/I18n.tsx';

const GOOD = /^(completed|done|success|succeeded|printed|paid)$/i;
const NEUTRAL = /^(cancel|abandon|timeout|timed-out|idle)/i;

export function SessionsPanel({ sessions }: { sessions: KioskDetail['sessions'] }) {
  const { t, locale } = useI18n();
  const now = Date.now();
  if (sessions.length === 0) return <div className="empty">{t('session.none')}</div>;
  return (
    <table className="table sessions">
      <colgroup>
        <col className="c-time" />
        <col />
        <col className="c-outcome" />
        <col />
        <col className="c-duration" />
      </colgroup>
      <thead>
        <tr>
          <th>{t('session.at')}</th>
          <th>{t('session.service')}</th>
          <th>{t('session.outcome')}</th>
          <th>{t('session.lastStep')}</th>
          <th className="num">{t('session.duration')}</th>
        </tr>
      </thead>
      <tbody>
        {sessions.slice(0, 12).map((s, i) => {
          const tone = GOOD.test(s.outcome) ? 'ok' : NEUTRAL.test(s.outcome) ? 'neutral' : 'bad';
          const service = s.service === 'providentFundStatement' || s.service === 'hospitalRegistration' ? t(`service.${s.service}`) : s.service;
          return (
            <tr key={`${s.at}-${i}`} data-session-outcome={s.outcome}>
              <td className="num" title={fullTime(s.at)}>
                {shortTime(s.at, now)}
              </td>
              <td className="ellipsis">{service}</td>
              <td>
                <span className={`outcome outcome-${tone}`}>{s.outcome}</span>
              </td>
              <td className="mono ellipsis" title={s.lastStep}>
                {s.lastStep}
              </td>
              <td className="num">{duration(s.durationMs, locale)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
