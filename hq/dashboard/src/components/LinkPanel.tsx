/** The kiosk's link to HQ: when it was last heard, what it still has to send, which events are missing. */
import { CLOCK_SKEW_LIMIT_MS } from '../../../../contracts/hq.ts';
import type { KioskDetail } from '../../../../contracts/hq-api.ts';
import { ago, fullTime, skew } from '../format/time.ts';
import { useI18n } from '../i18n/I18n.tsx';

const MAX_GAPS = 8;

export function LinkPanel({ link }: { link: KioskDetail['link'] }) {
  const { t } = useI18n();
  const skewBad = link.clockSkewMs !== null && Math.abs(link.clockSkewMs) > CLOCK_SKEW_LIMIT_MS;
  const missing = link.gaps.reduce((n, g) => n + (g.to - g.from + 1), 0);
  return (
    <dl className="facts" data-link>
      <dt>{t('link.lastSeen')}</dt>
      <dd className="num" title={fullTime(link.lastSeenAt)}>
        {ago(link.lastSeenAt, t)}
      </dd>
      <dt>{t('link.heartbeat')}</dt>
      <dd className="num">{link.heartbeatSeconds === null ? t('link.unknown') : t('link.seconds', { n: link.heartbeatSeconds })}</dd>
      <dt>{t('link.backlog')}</dt>
      <dd className={`num${link.outboxBacklog ? ' warn-text' : ''}`} data-link-backlog={link.outboxBacklog ?? ''}>
        {link.outboxBacklog === null ? t('link.unknown') : link.outboxBacklog}
      </dd>
      <dt>{t('link.seq')}</dt>
      <dd className="num" data-link-seq={link.contiguousSeq}>
        {link.contiguousSeq} / {link.highestSeq}
      </dd>
      <dt>{t('link.gaps')}</dt>
      <dd data-link-gaps={link.gaps.length}>
        {link.gaps.length === 0 ? (
          <span className="muted">{t('link.noGaps')}</span>
        ) : (
          <ul className="gaps">
            {link.gaps.slice(0, MAX_GAPS).map((g) => (
              <li key={`${g.from}-${g.to}`} className="num bad-text">
                {g.from === g.to ? t('link.gapOne', { seq: g.from }) : t('link.gap', { from: g.from, to: g.to, n: g.to - g.from + 1 })}
              </li>
            ))}
            {link.gaps.length > MAX_GAPS ? <li className="muted">… {missing}</li> : null}
          </ul>
        )}
      </dd>
      <dt>{t('link.skew')}</dt>
      <dd className={`num${skewBad ? ' bad-text' : ''}`}>{link.clockSkewMs === null ? t('link.unknown') : skew(link.clockSkewMs)}</dd>
    </dl>
  );
}
