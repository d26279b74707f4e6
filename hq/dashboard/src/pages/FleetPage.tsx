/** Home: how many kiosks are in each state, and the whole fleet worst first, with filters. */
import { useMemo } from 'react';
import { KIOSK_STATES, KioskListSchema, KioskStateSchema, type KioskState, type KioskSummary } from '../../../../contracts/hq-api.ts';
import { paths } from '../api/endpoints.ts';
import { usePoll } from '../api/usePoll.ts';
import { HealthDot } from '../components/badges.tsx';
import { KioskTable } from '../components/KioskTable.tsx';
import { Freshness, PageTitle } from '../components/PageTitle.tsx';
import { StateTiles } from '../components/StateTiles.tsx';
import { healthOf, worstFirst, type Health } from '../format/health.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { replaceParams, type Route } from '../routing/hash.ts';

const uniq = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort((a, b) => a.localeCompare(b, 'zh-CN'));

export function FleetPage({ route }: { route: Route }) {
  const { t } = useI18n();
  const poll = usePoll(paths.kiosks, KioskListSchema);
  const parsedState = KioskStateSchema.safeParse(route.params.get('state'));
  const state: KioskState | null = parsedState.success ? parsedState.data : null;
  const district = route.params.get('district') ?? '';
  const site = route.params.get('site') ?? '';
  const q = route.params.get('q') ?? '';
  const set = (patch: Record<string, string | null>) => replaceParams(route, patch);

  const kiosks = useMemo<KioskSummary[]>(() => poll.data?.kiosks ?? [], [poll.data]);
  const counts = useMemo(() => {
    const c = Object.fromEntries(KIOSK_STATES.map((s) => [s, 0])) as Record<KioskState, number>;
    for (const k of kiosks) c[k.state] += 1;
    return c;
  }, [kiosks]);
  const health = useMemo(() => {
    const h: Record<Health, number> = { red: 0, amber: 0, green: 0 };
    for (const k of kiosks) h[healthOf(k)] += 1;
    return h;
  }, [kiosks]);
  const districts = useMemo(() => uniq(kiosks.map((k) => k.district)), [kiosks]);
  const sites = useMemo(() => uniq(kiosks.filter((k) => !district || k.district === district).map((k) => k.site)), [kiosks, district]);
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return kiosks
      .filter((k) => (!state || k.state === state) && (!district || k.district === district) && (!site || k.site === site) && (!needle || k.id.toLowerCase().includes(needle)))
      .sort(worstFirst);
  }, [kiosks, state, district, site, q]);

  return (
    <div className="page" data-page="fleet">
      <PageTitle
        title={t('nav.fleet')}
        freshness={<Freshness updatedAt={poll.updatedAt} error={poll.error} />}
      >
        <span className="health-summary">
          {(['red', 'amber', 'green'] as const).map((h) => (
            <span key={h} className="health-sum" data-health-count={h}>
              <HealthDot health={h} /> {t(`health.${h}`)} <b className="num">{health[h]}</b>
            </span>
          ))}
        </span>
      </PageTitle>
      <StateTiles counts={counts} total={kiosks.length} selected={state} onSelect={(s) => set({ state: s })} />
      <div className="filters">
        <input className="search" type="search" data-filter="q" placeholder={t('fleet.search')} aria-label={t('fleet.search')} value={q} onChange={(e) => set({ q: e.target.value })} />
        <label className="select">
          <span>{t('fleet.district')}</span>
          <select data-filter="district" value={district} onChange={(e) => set({ district: e.target.value, site: null })}>
            <option value="">{t('common.all')}</option>
            {districts.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label className="select">
          <span>{t('fleet.site')}</span>
          <select data-filter="site" value={site} onChange={(e) => set({ site: e.target.value })}>
            <option value="">{t('common.all')}</option>
            {sites.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="select">
          <span>{t('fleet.state')}</span>
          <select data-filter="state" value={state ?? ''} onChange={(e) => set({ state: e.target.value })}>
            <option value="">{t('common.all')}</option>
            {KIOSK_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`state.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button ghost" data-action="reset-filters" disabled={!state && !district && !site && !q} onClick={() => set({ state: null, district: null, site: null, q: null })}>
          {t('fleet.reset')}
        </button>
        <span className="filters-count" data-shown={shown.length}>
          {t('fleet.shown', { n: shown.length, total: kiosks.length })}
        </span>
      </div>
      {poll.data ? <KioskTable kiosks={shown} /> : <div className="card placeholder">{poll.error ? t('common.error', { msg: poll.error.message }) : t('common.loading')}</div>}
    </div>
  );
}
