/** Alarms across the fleet: active (default) or all, optionally for one kiosk; ack and clear. */
import { useMemo } from 'react';
import { AlarmListSchema } from '../../../../contracts/hq-api.ts';
import { paths } from '../api/endpoints.ts';
import { usePoll } from '../api/usePoll.ts';
import { AlarmTable } from '../components/AlarmTable.tsx';
import { Freshness, PageTitle } from '../components/PageTitle.tsx';
import { alarmOrder } from '../format/alarms.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { replaceParams, type Route } from '../routing/hash.ts';

export function AlarmsPage({ route }: { route: Route }) {
  const { t } = useI18n();
  const status = route.params.get('status') === 'all' ? 'all' : 'active';
  const kioskId = route.params.get('kioskId') ?? '';
  const poll = usePoll(paths.alarms(status, kioskId.trim() || undefined), AlarmListSchema);
  const alarms = useMemo(() => [...(poll.data?.alarms ?? [])].sort(alarmOrder), [poll.data]);
  const set = (patch: Record<string, string | null>) => replaceParams(route, patch);

  return (
    <div className="page" data-page="alarms">
      <PageTitle title={t('nav.alarms')} freshness={<Freshness updatedAt={poll.updatedAt} error={poll.error} />}>
        <div className="tabs" role="tablist">
          {(['active', 'all'] as const).map((s) => (
            <button key={s} type="button" role="tab" aria-selected={status === s} className={status === s ? 'tab active' : 'tab'} data-filter-status={s} onClick={() => set({ status: s === 'active' ? null : s })}>
              {t(s === 'active' ? 'alarms.active' : 'alarms.all')}
            </button>
          ))}
        </div>
        <input className="search narrow" type="search" data-filter="kioskId" placeholder={t('alarms.kioskFilter')} aria-label={t('alarms.kioskFilter')} value={kioskId} onChange={(e) => set({ kioskId: e.target.value })} />
        <span className="filters-count num" data-shown={alarms.length}>
          {t('alarms.count', { n: alarms.length })}
        </span>
      </PageTitle>
      <div className="card table-card">
        {poll.data ? (
          <AlarmTable alarms={alarms} showKiosk onChanged={poll.refresh} empty={t('alarms.none')} />
        ) : (
          <div className="placeholder">{poll.error ? t('common.error', { msg: poll.error.message }) : t('common.loading')}</div>
        )}
      </div>
    </div>
  );
}
