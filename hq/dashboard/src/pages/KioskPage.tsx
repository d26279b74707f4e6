/** One kiosk: devices, active alarms, its last 24 hours, commands, link to HQ, recent sessions. */
import { lazy, Suspense } from 'react';
import { KioskDetailSchema } from '../../../../contracts/hq-api.ts';
import { paths } from '../api/endpoints.ts';
import { ApiError } from '../api/http.ts';
import { usePoll } from '../api/usePoll.ts';
import { AlarmTable } from '../components/AlarmTable.tsx';
import { HealthDot, StateBadge } from '../components/badges.tsx';
import { CommandPanel } from '../components/CommandPanel.tsx';
import { DevicesPanel } from '../components/DevicesPanel.tsx';
import { KioskAvailability } from '../components/KioskAvailability.tsx';
import { LinkPanel } from '../components/LinkPanel.tsx';
import { Freshness, PageTitle } from '../components/PageTitle.tsx';
import { RecoveryPanel } from '../components/RecoveryPanel.tsx';
import { SessionsPanel } from '../components/SessionsPanel.tsx';
import { SelfTestPanel } from '../components/SelfTestPanel.tsx';
import { alarmOrder, isActive } from '../format/alarms.ts';
import { healthOf } from '../format/health.ts';
import { timelineHeight } from '../format/timeline.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { href } from '../routing/hash.ts';

/** ECharts is only needed here: its own chunk, so the fleet page loads without it */
const AlarmTimeline = lazy(() => import('../components/AlarmTimeline.tsx').then((m) => ({ default: m.AlarmTimeline })));

export function KioskPage({ kioskId }: { kioskId: string }) {
  const { t } = useI18n();
  const poll = usePoll(paths.kiosk(kioskId), KioskDetailSchema);
  const k = poll.current && poll.data?.id === kioskId ? poll.data : null;
  const notFound = poll.error instanceof ApiError && poll.error.status === 404;

  const title = (
    <>
      <a className="back" href={href('fleet')}>
        ‹ {t('kiosk.back')}
      </a>
      <span className="mono kiosk-id">{kioskId}</span>
    </>
  );

  if (!k) {
    return (
      <div className="page" data-page="kiosk" data-kiosk-id={kioskId}>
        <PageTitle title={title} freshness={<Freshness updatedAt={null} error={poll.error} />} />
        <div className="card placeholder">{notFound ? t('kiosk.notFound', { id: kioskId }) : poll.error ? t('common.error', { msg: poll.error.message }) : t('common.loading')}</div>
      </div>
    );
  }

  const active = k.alarms.filter(isActive).sort(alarmOrder);
  return (
    <div className="page" data-page="kiosk" data-kiosk-id={k.id} data-state={k.state}>
      <PageTitle title={title} freshness={<Freshness updatedAt={poll.updatedAt} error={poll.error} />}>
        <HealthDot health={healthOf(k)} />
        <StateBadge state={k.state} />
        <span className="kiosk-where ellipsis" title={k.address ?? ''}>
          {[k.district, k.site, k.address].filter(Boolean).join(' · ')}
        </span>
        <span className="kiosk-facts">
          <span>
            {t('kiosk.lifecycle')} <b className="mono">{k.lifecycle ?? '—'}</b>
          </span>
          <span>
            {t('kiosk.hours')} <b>{k.hoursOpen === null ? '—' : t(k.hoursOpen ? 'kiosk.hoursOpen' : 'kiosk.hoursClosed')}</b>
          </span>
        </span>
      </PageTitle>
      <div className="kiosk-grid">
        <div className="kiosk-main">
          <section className="card">
            <h2>{t('kiosk.devices')}</h2>
            <DevicesPanel devices={k.devices} />
          </section>
          <section className="card" data-section="self-test">
            <h2>{t('selfTest.title')}</h2>
            <SelfTestPanel selfTest={k.selfTest} />
          </section>
          <section className="card" data-section="alarms">
            <h2>
              {t('kiosk.alarms')} <span className="h2-count num">{active.length}</span>
            </h2>
            <AlarmTable alarms={active} showKiosk={false} onChanged={poll.refresh} empty={t('kiosk.noAlarms')} />
          </section>
          <section className="card">
            <h2>{t('kiosk.timeline')}</h2>
            <Suspense fallback={<div className="timeline" style={{ height: timelineHeight(k, Date.now()) }} />}>
              <AlarmTimeline detail={k} />
            </Suspense>
          </section>
          <section className="card">
            <h2>{t('kiosk.sessions')}</h2>
            <SessionsPanel sessions={k.sessions} />
          </section>
        </div>
        <div className="kiosk-side">
          <section className="card" data-section="commands">
            <h2>{t('kiosk.commands')}</h2>
            <CommandPanel kioskId={k.id} commands={k.commands} hoursVersion={k.hoursVersion ?? null} />
          </section>
          <section className="card">
            <h2>{t('kiosk.link')}</h2>
            <LinkPanel link={k.link} />
          </section>
          <RecoveryPanel history={k.history} />
          <KioskAvailability kioskId={k.id} lastSeenAt={k.lastSeenAt} />
        </div>
      </div>
    </div>
  );
}
