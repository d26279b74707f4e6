/**
 * `#/kiosks/<id>/day/<YYYY-MM-DD>`: one kiosk's local day (`GET /api/v1/kiosks/:id/day/:date`) — per
 * service a band of up / down / no data / maintenance / not promised, then the day's state changes,
 * alarms and sessions, all in the kiosk's own time zone (labelled). Previous / next day links, and
 * back to the kiosk. The root says `data-state="loading|ready|error"`.
 */
import { KioskDaySchema, type KioskDay } from '../../../../contracts/hq-analytics.ts';
import { analyticsPaths } from '../api/endpoints.ts';
import { ApiError } from '../api/http.ts';
import { usePoll } from '../api/usePoll.ts';
import { serviceName } from '../components/AnalyticsFilters.tsx';
import { DayBands, SegmentLegend } from '../components/DayBands.tsx';
import { Freshness, PageTitle } from '../components/PageTitle.tsx';
import { addDays, ANALYTICS_POLL_MS, localiseInstants, weekdayName, zoneLabel, zonedTime } from '../format/analytics.ts';
import { faultText } from '../i18n/faults.ts';
import { useI18n, type Translate } from '../i18n/I18n.tsx';
import { href, kioskDayHref } from '../routing/hash.ts';
import '../analytics.css';

const KIOSK_STATES = ['in-service', 'degraded', 'out-of-service', 'out-of-hours', 'maintenance', 'locked', 'offline'] as const;
const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
const GOOD = /^(completed|done|success|succeeded|printed|paid)$/i;
const NEUTRAL = /^(cancel|abandon|timeout|timed-out|idle)/i;

function stateText(state: string, t: Translate): string {
  return (KIOSK_STATES as readonly string[]).includes(state) ? t(`state.${state as (typeof KIOSK_STATES)[number]}`) : state;
}

function Lists({ day }: { day: KioskDay }) {
  const { t, locale } = useI18n();
  const at = (ms: number) => zonedTime(ms, day.timezone, day.day);
  const atIso = (iso: string) => (Number.isNaN(Date.parse(iso)) ? iso : at(Date.parse(iso)));
  return (
    <div className="day-lists">
      <section className="card" data-section="states">
        <h2>
          {t('day.states')} <span className="h2-count num">{day.states.length}</span>
        </h2>
        {day.states.length === 0 ? (
          <div className="empty">{t('day.noStates')}</div>
        ) : (
          <ul className="day-list">
            {day.states.map((s, i) => (
              <li key={`${s.at}-${i}`} data-day-state={s.state}>
                <span className="num day-time">{at(s.at)}</span>
                <span className={`badge state-${s.state}`}>{stateText(s.state, t)}</span>
                <span className="muted ellipsis" title={s.detail ?? ''}>
                  {s.detail ? localiseInstants(s.detail, at) : ''}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" data-section="day-alarms">
        <h2>
          {t('day.alarms')} <span className="h2-count num">{day.alarms.length}</span>
        </h2>
        {day.alarms.length === 0 ? (
          <div className="empty">{t('day.noAlarms')}</div>
        ) : (
          <ul className="day-list">
            {day.alarms.map((a) => {
              const sev = (SEVERITIES as readonly string[]).includes(a.severity) ? (a.severity as (typeof SEVERITIES)[number]) : null;
              return (
                <li key={a.id} data-alarm-id={a.id} data-alarm-code={a.code}>
                  <span className="num day-time">{atIso(a.raisedAt)}</span>
                  <span className={`badge sev-${a.severity}`}>{sev ? t(`severity.${sev}`) : a.severity}</span>
                  <span className="ellipsis" title={a.code}>
                    {faultText(a.code, locale)}
                  </span>
                  <span className="muted small day-cleared">{a.clearedAt ? `→ ${atIso(a.clearedAt)}` : t('day.stillActive')}</span>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <section className="card" data-section="day-sessions">
        <h2>
          {t('day.sessions')} <span className="h2-count num">{day.sessions.length}</span>
        </h2>
        {day.sessions.length === 0 ? (
          <div className="empty">{t('day.noSessions')}</div>
        ) : (
          <ul className="day-list">
            {day.sessions.map((s, i) => (
              <li key={`${s.at}-${i}`} data-session-outcome={s.outcome}>
                <span className="num day-time">{atIso(s.at)}</span>
                <span className="ellipsis">{serviceName(s.service, t)}</span>
                <span className={`outcome outcome-${GOOD.test(s.outcome) ? 'ok' : NEUTRAL.test(s.outcome) ? 'neutral' : 'bad'}`}>{s.outcome}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export function KioskDayPage({ kioskId, day }: { kioskId: string; day: string }) {
  const { t, locale } = useI18n();
  const poll = usePoll(analyticsPaths.kioskDay(kioskId, day), KioskDaySchema, ANALYTICS_POLL_MS);
  const d = poll.current && poll.data?.kioskId === kioskId && poll.data.day === day ? poll.data : null;
  const notFound = poll.error instanceof ApiError && poll.error.status === 404;
  const state = d ? 'ready' : poll.error ? 'error' : 'loading';

  return (
    <div className="page" data-page="kiosk-day" data-kiosk-id={kioskId} data-day={day} data-state={state}>
      <PageTitle
        title={
          <>
            <a className="back" href={href('kiosk', kioskId)} data-action="back-to-kiosk">
              ‹ {t('day.back', { id: kioskId })}
            </a>
            <span className="num">{t('day.title', { day, weekday: weekdayName(day, locale) })}</span>
          </>
        }
        freshness={<Freshness updatedAt={d ? poll.updatedAt : null} error={d ? poll.error : null} />}
      >
        <span className="day-nav">
          <a className="button small" href={kioskDayHref(kioskId, addDays(day, -1))} data-action="prev-day">
            {t('day.prev')}
          </a>
          <a className="button small" href={kioskDayHref(kioskId, addDays(day, 1))} data-action="next-day">
            {t('day.next')}
          </a>
        </span>
        {d ? (
          <span className="day-facts">
            <span className="zone" data-timezone={d.timezone}>
              {t('day.zone', { zone: zoneLabel(d.timezone, d.start) })}
            </span>
            <span>
              {t('day.hoursVersion')} <b className="mono">{d.hoursVersion ?? t('day.hoursUnknown')}</b>
            </span>
          </span>
        ) : null}
      </PageTitle>
      {!d ? (
        <div className="card placeholder" data-error={poll.error ? '' : undefined}>
          {notFound ? t('day.notFound', { id: kioskId, day }) : poll.error ? t('common.error', { msg: poll.error.message }) : t('common.loading')}
        </div>
      ) : (
        <>
          <section className="card" data-section="bands">
            <h2>
              {t('day.services')}
              <SegmentLegend />
            </h2>
            {d.services.length === 0 ? <div className="empty">{t('day.noServices')}</div> : <DayBands day={d} />}
          </section>
          <Lists day={d} />
        </>
      )}
    </div>
  );
}
