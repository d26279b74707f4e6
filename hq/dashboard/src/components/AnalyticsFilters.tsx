/**
 * The analytics pages' controls, all kept in the address: the date range (with "last 7 / 30 / 90
 * days" ending on HQ's today), group by district / site / kiosk, service, district, site, and the
 * one kiosk shown when a link asked for it. Inputs carry `data-filter`, presets `data-range`, the
 * group tabs `data-group-by`.
 */
import type { ReactNode } from 'react';
import { ANALYTICS_MAX_DAYS } from '../../../../contracts/hq-analytics.ts';
import { ServiceNameSchema } from '../../../../contracts/hq.ts';
import type { KioskSummary } from '../../../../contracts/hq-api.ts';
import { rangeEnding, type AnalyticsFilters as Filters } from '../format/analytics.ts';
import { useI18n, type Translate } from '../i18n/I18n.tsx';
import { replaceParams, type Route } from '../routing/hash.ts';

const PRESETS = [7, 30, 90].filter((n) => n <= ANALYTICS_MAX_DAYS);
const uniq = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort((a, b) => a.localeCompare(b, 'zh-CN'));

export function serviceName(service: string, t: Translate): string {
  const known = ServiceNameSchema.safeParse(service);
  return known.success ? t(`service.${known.data}`) : service;
}

export function AnalyticsFilters({ route, filters: f, today, kiosks, children }: { route: Route; filters: Filters; today: string; kiosks: KioskSummary[]; children?: ReactNode }) {
  const { t } = useI18n();
  const set = (patch: Record<string, string | null>) => replaceParams(route, patch);
  const districts = uniq(kiosks.map((k) => k.district));
  const sites = uniq(kiosks.filter((k) => !f.district || k.district === f.district).map((k) => k.site));
  const touched = ['from', 'to', 'groupBy', 'service', 'district', 'site', 'kioskId'].some((k) => route.params.has(k));

  return (
    <div className="filters an-filters">
      <label className="select">
        <span>{t('an.from')}</span>
        <input type="date" className="date" data-filter="from" value={f.from} max={f.to} onChange={(e) => set({ from: e.target.value, to: f.to })} />
      </label>
      <label className="select">
        <span>{t('an.to')}</span>
        <input type="date" className="date" data-filter="to" value={f.to} min={f.from} onChange={(e) => set({ to: e.target.value, from: f.from })} />
      </label>
      <span className="presets">
        {PRESETS.map((n) => {
          const r = rangeEnding(today, n);
          const on = r.from === f.from && r.to === f.to;
          return (
            <button key={n} type="button" className={on ? 'button small on' : 'button small'} data-range={n} aria-pressed={on} onClick={() => set({ from: r.from, to: r.to })}>
              {t('an.lastDays', { n })}
            </button>
          );
        })}
      </span>
      <span className="select">
        <span>{t('an.groupBy')}</span>
        <span className="tabs" role="tablist">
          {(['district', 'site', 'kiosk'] as const).map((g) => (
            <button key={g} type="button" role="tab" aria-selected={f.groupBy === g} className={f.groupBy === g ? 'tab active' : 'tab'} data-group-by={g} onClick={() => set({ groupBy: g === 'kiosk' ? null : g })}>
              {t(`an.group.${g}`)}
            </button>
          ))}
        </span>
      </span>
      <label className="select">
        <span>{t('an.service')}</span>
        <select data-filter="service" value={f.service} onChange={(e) => set({ service: e.target.value })}>
          <option value="">{t('common.all')}</option>
          {ServiceNameSchema.options.map((s) => (
            <option key={s} value={s}>
              {serviceName(s, t)}
            </option>
          ))}
        </select>
      </label>
      <label className="select">
        <span>{t('fleet.district')}</span>
        <select data-filter="district" value={f.district} onChange={(e) => set({ district: e.target.value, site: null })}>
          <option value="">{t('common.all')}</option>
          {uniq([...districts, f.district]).map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <label className="select">
        <span>{t('fleet.site')}</span>
        <select data-filter="site" value={f.site} onChange={(e) => set({ site: e.target.value })}>
          <option value="">{t('common.all')}</option>
          {uniq([...sites, f.site]).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {f.kioskId ? (
        <span className="an-chip" data-filter="kioskId" data-kiosk-id={f.kioskId}>
          {t('an.kiosk', { id: f.kioskId })}
          <button type="button" className="an-chip-x" aria-label={t('an.dropKiosk')} title={t('an.dropKiosk')} onClick={() => set({ kioskId: null })}>
            ×
          </button>
        </span>
      ) : null}
      <button type="button" className="button ghost small" data-action="reset-filters" disabled={!touched} onClick={() => set({ from: null, to: null, groupBy: null, service: null, district: null, site: null, kioskId: null })}>
        {t('an.reset')}
      </button>
      {children}
    </div>
  );
}
