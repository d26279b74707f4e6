/** The kiosk's own screens: connecting, starting, home, lockouts, ended, PIN, maintenance. */
import { useState, type ReactNode } from 'react';
import { Icon } from '../icons.tsx';
import type { DeviceStatus, Locale, ServiceTile } from '../../../contracts/bridge.ts';
import { dayAndTime, duration, kioskTime, secondsLeft } from '../format.ts';
import { isTextKey, translate, type TextKey } from '../i18n.ts';
import { pinNoticeActive } from '../choose.ts';
import { RecentPrintJobs } from './printing.tsx';
import { Action, Countdown, Hotline, KioskBar, LocalButton, NearbyKiosks, Problem, ScreenRoot, StaffButton, Waiting, useAgentNow, useKiosk } from '../ui.tsx';

/** No screen yet, or the agent has been away for a while: calm, never blank. */
export function ConnectingScreen({ locale }: { locale: Locale }) {
  return (
    <main className="screen screen-calm" data-screen="connecting" data-elderly="false" lang={locale}>
      <section className="waiting" role="status" aria-live="polite" aria-busy="true">
        <div className="spinner" aria-hidden="true" />
        <h1 className="waiting-title">{translate(locale, 'connecting.title')}</h1>
        <p className="hint" lang={locale === 'en' ? 'zh-CN' : 'en'}>
          {locale === 'en' ? '正在连接…' : 'Connecting…'}
        </p>
        <p className="hint">{translate(locale, 'connecting.body')}</p>
      </section>
    </main>
  );
}

export function StartingScreen() {
  const { t, msg } = useKiosk();
  return (
    <ScreenRoot name="starting" className="screen-calm">
      <KioskBar title={msg.kiosk.name} />
      <div className="content center" tabIndex={0}>
        <Waiting title={t('starting.title')} hint={t('starting.body')} />
      </div>
    </ScreenRoot>
  );
}

function deviceStateKey(d: DeviceStatus): TextKey {
  return d.state === 'ok' ? 'device.ok' : d.state === 'warning' ? 'device.warning' : d.state === 'fault' ? 'device.fault' : 'device.unknown';
}

function ServiceTileButton({ tile }: { tile: ServiceTile }) {
  const { t, w, msg, locale } = useKiosk();
  const colon = locale === 'en' ? ': ' : '：';
  const sep = locale === 'en' ? '; ' : '；';
  const accepting = msg.kiosk.acceptsNewSessions;
  const available = tile.available && accepting;
  const reasonId = `reason-${tile.service}`;
  const ids = tile.identifyBy.map((i) => t(`identify.${i}`)).join(' / ');
  return (
    <div className={`tile${available ? '' : ' tile-off'}`}>
      <Action event={{ type: 'START_SERVICE', service: tile.service }} choice={tile.service} kind="tile" disabled={!available} describedBy={available ? undefined : reasonId}>
        <Icon name={tile.service === 'providentFundStatement' ? 'house' : 'hospital'} size={110} className="tile-icon" />
        <span className="tile-name">{t(`service.${tile.service}`)}</span>
        <span className="tile-sub">{t(`service.${tile.service}.sub`)}</span>
        {ids ? <span className="tile-ids">{t('identify.with', { list: ids })}</span> : null}
      </Action>
      {!available ? (
        <div className="tile-reason" id={reasonId}>
          <strong>{t('home.unavailable')}</strong>
          {tile.reasons.length > 0 ? `${colon}${tile.reasons.map(w).join(sep)}` : !accepting ? `${colon}${t('home.notAccepting')}` : ''}
        </div>
      ) : null}
      {available && tile.limits.length > 0 ? <div className="tile-limit">{tile.limits.map(w).join(sep)}</div> : null}
    </div>
  );
}

export function HomeScreen() {
  const { t, w, msg, locale, elderly } = useKiosk();
  const k = msg.kiosk;
  return (
    <ScreenRoot name="home">
      <header className="bar bar-home">
        <div className="bar-kiosk">{k.name}</div>
        <h1 className="bar-title">{t('home.welcome')}</h1>
      </header>
      <div className="content" tabIndex={0}>
        <div className="prefs" role="group" aria-label={t('home.language')}>
          <Action event={{ type: 'SET_LOCALE', locale: 'zh-CN' }} choice="zh-CN" pressed={locale === 'zh-CN'} kind="quiet">
            <span lang="zh-CN">中文</span>
          </Action>
          <Action event={{ type: 'SET_LOCALE', locale: 'en' }} choice="en" pressed={locale === 'en'} kind="quiet">
            <span lang="en">English</span>
          </Action>
          {k.elderlyModeAllowed ? (
            <Action event={{ type: 'SET_ELDERLY', on: !msg.prefs.elderly }} choice={msg.prefs.elderly ? 'off' : 'on'} pressed={elderly} kind="quiet" className="elderly-toggle">
              {t('home.elderly')}
            </Action>
          ) : null}
        </div>
        {k.status === 'remoteLockPending' ? <p className="note">{t('home.lockPending')}</p> : null}
        {k.status === 'degraded' ? <p className="note">{t('home.degraded')}</p> : null}
        <h2 className="section-title big">{t('home.choose')}</h2>
        <div className="tiles">
          {k.services.map((s) => (
            <ServiceTileButton key={s.service} tile={s} />
          ))}
        </div>
      </div>
      <footer className="footer footer-home">
        <p className="device-line" aria-label={t('home.devices')}>
          {k.devices.map((d) => (
            <span key={d.device} className={`device-dot device-${d.state}`}>
              <span className="dot" aria-hidden="true" />
              {w(d.name)} {t(deviceStateKey(d))}
            </span>
          ))}
        </p>
        <p className="footer-hotline">
          {t('common.hotlineHint')} {k.hotline}
        </p>
        <StaffButton />
      </footer>
    </ScreenRoot>
  );
}

/** A screen that cannot serve the person: why (children), then the nearest other machines and the hotline; staff entry. */
function GoElsewhereScreen({ name, title, children }: { name: string; title: string; children: ReactNode }) {
  return (
    <ScreenRoot name={name} className="screen-calm">
      <KioskBar title={title} />
      <div className="content" tabIndex={0}>
        {children}
        <NearbyKiosks />
        <Hotline />
      </div>
      <footer className="footer">
        <StaffButton />
      </footer>
    </ScreenRoot>
  );
}

export function OutOfHoursScreen() {
  const { t, w, msg, locale } = useKiosk();
  const h = msg.kiosk.hours;
  const now = useAgentNow(1000);
  return (
    <GoElsewhereScreen name="out-of-hours" title={t('hours.title')}>
      <section className="card card-big">
        <div className="moon" aria-hidden="true" />
        <dl className="facts">
          <div>
            <dt>{t('hours.schedule')}</dt>
            <dd className="big-text">{w(h.schedule)}</dd>
          </div>
          <div>
            <dt>{t('hours.next')}</dt>
            <dd className="huge-text">{h.opensAt !== null ? dayAndTime(locale, h.opensAt, now) : t('hours.none')}</dd>
          </div>
        </dl>
        {h.exceptionReason ? <p className="note">{h.exceptionReason}</p> : null}
        <p className="hint">{t('hours.sorry')}</p>
      </section>
    </GoElsewhereScreen>
  );
}

export function OutOfServiceScreen() {
  const { t, w, msg } = useKiosk();
  const seen = new Set<string>();
  const reasons = msg.kiosk.services
    .flatMap((s) => s.reasons)
    .filter((r) => {
      const key = r.zh;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return (
    <GoElsewhereScreen name="out-of-service" title={t('oos.title')}>
      <section className="card">
        <h2 className="section-title">{t('oos.why')}</h2>
        <ul className="reasons">{reasons.length > 0 ? reasons.map((r) => <li key={r.code + r.zh}>{w(r)}</li>) : <li>{t('oos.unknownReason')}</li>}</ul>
      </section>
      <section className="card">
        <h2 className="section-title">{t('oos.next')}</h2>
        <ol className="next-steps">
          <li>{t('oos.goNearby')}</li>
          <li>{t('oos.call', { hotline: msg.kiosk.hotline })}</li>
        </ol>
      </section>
    </GoElsewhereScreen>
  );
}

export function LockedScreen() {
  const { t, msg } = useKiosk();
  return (
    <GoElsewhereScreen name="locked" title={t('locked.title')}>
      <section className="card card-big">
        <p className="huge-text">{t('locked.title')}</p>
        {msg.kiosk.remoteLock?.reason ? <p className="big-text">{msg.kiosk.remoteLock.reason}</p> : null}
        <p className="hint">{t('hours.sorry')}</p>
      </section>
    </GoElsewhereScreen>
  );
}

export function EndedScreen() {
  const { t, msg } = useKiosk();
  const ended = msg.ended;
  if (!ended) return null;
  const key = `outcome.${ended.service}.${ended.outcome}`;
  const words = isTextKey(key) ? t(key) : ended.outcome === 'recovered' ? t('outcome.recovered') : t('outcome.other');
  const good = ended.outcome === 'completed' || ended.outcome === 'registered';
  return (
    <ScreenRoot name="ended" className="screen-calm">
      <KioskBar title={t(`service.${ended.service}`)} />
      <div className="content center" tabIndex={0}>
        <section className="card card-big" role="status" aria-live="polite">
          <div className={good ? 'big-check' : 'big-info'} aria-hidden="true">
            <Icon name={good ? 'check' : 'info'} size={96} />
          </div>
          <h2 className="huge-text">{t('ended.title')}</h2>
          <p className="big-text">{words}</p>
          <p className="hint">{t('ended.thanks')}</p>
          <p className="hint">
            <Countdown deadline={ended.until} render={(n) => t('ended.autoHome', { n })} />
          </p>
        </section>
      </div>
      <footer className="footer">
        <Action event={{ type: 'HOME' }} kind="primary" className="wide">
          {t('common.home')}
        </Action>
      </footer>
    </ScreenRoot>
  );
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

export function PinScreen() {
  const { t, w, msg, send, closePin, locale } = useKiosk();
  const [pin, setPin] = useState('');
  const now = useAgentNow(500);
  const verifying = msg.kiosk.status === 'verifyingPin';
  const lockedUntil = msg.kiosk.pinLockedUntil;
  const locked = lockedUntil !== null && lockedUntil > now;
  const notice = pinNoticeActive(msg, now) ? msg.notice : null;
  const add = (d: string) => setPin((p) => (p.length >= 12 ? p : p + d));
  return (
    <ScreenRoot name="pin" className="screen-calm">
      <KioskBar title={t('pin.title')} />
      <div className="content center" tabIndex={0}>
        {verifying ? (
          <Waiting title={t('pin.verifying')} />
        ) : locked && lockedUntil !== null ? (
          <section className="card card-big" role="status">
            <div className="big-lock" aria-hidden="true">
              <Icon name="lock" size={88} />
            </div>
            <h2 className="big-text">{t('pin.locked')}</h2>
            <p className="big-text">{t('pin.lockedLeft', { time: duration(locale, secondsLeft(lockedUntil, now)) })}</p>
          </section>
        ) : (
          <section className="pin-pad" aria-labelledby="pin-prompt">
            <h2 id="pin-prompt" className="section-title">
              {t('pin.prompt')}
            </h2>
            <div className="pin-dots" role="status" aria-live="polite" aria-label={t('pin.digits', { n: pin.length })}>
              {Array.from({ length: Math.max(4, pin.length) }, (_, i) => (
                <span key={i} className={`pin-dot${i < pin.length ? ' on' : ''}`} aria-hidden="true" />
              ))}
            </div>
            {notice && notice.kind === 'error' ? <Problem>{w(notice.words)}</Problem> : null}
            <div className="keypad">
              {KEYS.map((d) => (
                <LocalButton key={d} onClick={() => add(d)} className="key" testId={`pin-key-${d}`}>
                  {d}
                </LocalButton>
              ))}
              <LocalButton onClick={() => setPin((p) => p.slice(0, -1))} className="key key-small" disabled={pin.length === 0} label={t('pin.delete')}>
                <Icon name="backspace" size={56} />
              </LocalButton>
              <LocalButton onClick={() => add('0')} className="key" testId="pin-key-0">
                0
              </LocalButton>
              <button
                type="button"
                className="btn btn-primary key key-small"
                data-action="STAFF_PIN"
                disabled={pin.length < 4}
                onClick={() => {
                  send({ type: 'STAFF_PIN', pin });
                  setPin('');
                }}
              >
                {t('pin.ok')}
              </button>
            </div>
          </section>
        )}
      </div>
      <footer className="footer">
        <LocalButton onClick={closePin} kind="secondary" className="wide" testId="pin-cancel">
          {t('common.cancel')}
        </LocalButton>
      </footer>
    </ScreenRoot>
  );
}

export function MaintenanceScreen() {
  const { t, w, msg, send } = useKiosk();
  const m = msg.maintenance;
  const k = msg.kiosk;
  const [lastActivity, setLastActivity] = useState(0);
  const onTap = () => {
    const now = Date.now();
    if (now - lastActivity >= 10_000) {
      setLastActivity(now);
      send({ type: 'STAFF_ACTIVITY' });
    }
  };
  const test = m?.lastTestPrint ?? null;
  return (
    <ScreenRoot name="maintenance" className="screen-maint" onPointerDownCapture={onTap}>
      <KioskBar title={t('mt.title')} sub={[m?.staffId ? t('mt.staff', { id: m.staffId }) : '', m ? t('mt.since', { time: kioskTime(m.since) }) : ''].filter(Boolean).join(' · ')} />
      <div className="content" tabIndex={0}>
        {m?.deadline ? <p className="note">{t('mt.autoEnd', { time: kioskTime(m.deadline) })}</p> : null}
        {k.remoteLock ? <p className="note">{t('mt.locked', { reason: k.remoteLock.reason })}</p> : null}
        <section className="card">
          <h2 className="section-title">{t('mt.devices')}</h2>
          <ul className="device-list">
            {k.devices.map((d) => (
              <li key={d.device} className={`device-row device-${d.state}`}>
                <div className="device-head">
                  <span className="dot" aria-hidden="true" />
                  <strong>{w(d.name)}</strong>
                  <span className="device-state">{t(deviceStateKey(d))}</span>
                  {d.port ? <span className="device-port">{t('mt.port', { port: d.port })}</span> : null}
                </div>
                {[...d.faults, ...d.warnings].length > 0 ? (
                  <ul className="device-faults">
                    {[...d.faults, ...d.warnings].map((f) => (
                      <li key={f.code}>
                        {w(f)} <code>{f.code}</code>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
        <section className="card">
          <div className="maint-actions">
            <Action event={{ type: 'TEST_PRINT' }} kind="primary" disabled={m?.testPrintRunning === true}>
              {t('mt.testPrint')}
            </Action>
            <Action event={{ type: 'PAPER_RELOADED' }}>{t('mt.paper')}</Action>
            <Action event={{ type: 'RUN_SELF_TEST' }}>{t('mt.selfTest')}</Action>
            {k.remoteLock ? <Action event={{ type: 'UNLOCK_KIOSK' }}>{t('mt.unlock')}</Action> : <Action event={{ type: 'LOCK_KIOSK' }}>{t('mt.lock')}</Action>}
          </div>
          <div role="status" aria-live="polite" className="maint-status">
            {m?.testPrintRunning ? <p>{t('mt.testPrinting')}</p> : null}
            {!m?.testPrintRunning && test ? (
              <p className={test.ok ? 'ok-text' : 'problem'}>
                {t(test.ok ? 'mt.testOk' : 'mt.testFailed', { time: kioskTime(test.at) })}
                {test.words ? ` — ${w(test.words)}` : test.fault ? ` — ${test.fault}` : ''}
              </p>
            ) : null}
            {m?.paperReloadedAt ? <p>{t('mt.paperAt', { time: kioskTime(m.paperReloadedAt) })}</p> : null}
          </div>
        </section>
        <RecentPrintJobs jobs={m?.recentPrintJobs} />
      </div>
      <footer className="footer">
        <Action event={{ type: 'EXIT_MAINTENANCE' }} kind="primary" className="wide">
          {t('mt.exit')}
        </Action>
      </footer>
    </ScreenRoot>
  );
}
