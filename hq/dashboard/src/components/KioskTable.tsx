/** The fleet, worst first: one dense row per kiosk; the row opens the kiosk. */
import { useState } from 'react';
import type { KioskSummary } from '../../../../contracts/hq-api.ts';
import { healthOf } from '../format/health.ts';
import { ago, fullTime } from '../format/time.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { href } from '../routing/hash.ts';
import { HealthDot, SeverityBadge, StateBadge } from './badges.tsx';

const PAGE = 200;

export function KioskTable({ kiosks }: { kiosks: KioskSummary[] }) {
  const { t } = useI18n();
  const [limit, setLimit] = useState(PAGE);
  const now = Date.now();
  const shown = kiosks.slice(0, limit);
  return (
    <div className="card table-card">
      <table className="table kiosks">
        <colgroup>
          <col className="c-dot" />
          <col className="c-id" />
          <col />
          <col className="c-district" />
          <col className="c-state" />
          <col className="c-seen" />
          <col className="c-alarms" />
        </colgroup>
        <thead>
          <tr>
            <th aria-label={t('health.green')} />
            <th>{t('fleet.col.id')}</th>
            <th>{t('fleet.col.site')}</th>
            <th>{t('fleet.col.district')}</th>
            <th>{t('fleet.col.state')}</th>
            <th>{t('fleet.col.lastSeen')}</th>
            <th>{t('fleet.col.alarms')}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((k) => {
            const health = healthOf(k);
            return (
              <tr key={k.id} data-kiosk-id={k.id} data-health={health} data-state={k.state} className={`row-${health}`} onClick={() => (window.location.hash = href('kiosk', k.id))}>
                <td>
                  <HealthDot health={health} />
                </td>
                <td className="mono">
                  <a href={href('kiosk', k.id)} onClick={(e) => e.stopPropagation()}>
                    {k.id}
                  </a>
                </td>
                <td className="ellipsis" title={k.address ?? k.site ?? ''}>
                  {k.site ?? '—'}
                </td>
                <td className="ellipsis">{k.district ?? '—'}</td>
                <td>
                  <StateBadge state={k.state} />
                </td>
                <td className={k.state === 'offline' ? 'num bad-text' : 'num'} title={fullTime(k.lastSeenAt)}>
                  {ago(k.lastSeenAt, t, now)}
                </td>
                <td>
                  {k.activeAlarms > 0 ? (
                    <span className="alarm-count">
                      <b className="num">{k.activeAlarms}</b>
                      {k.worstSeverity ? <SeverityBadge severity={k.worstSeverity} /> : null}
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {kiosks.length === 0 ? <div className="empty">{t('fleet.empty')}</div> : null}
      {kiosks.length > limit ? (
        <button type="button" className="button more" onClick={() => setLimit(limit + PAGE)}>
          {t('fleet.more', { n: Math.min(PAGE, kiosks.length - limit) })}
        </button>
      ) : null}
    </div>
  );
}
