/** Shared pieces of every screen: the kiosk context, action buttons, countdowns, waits, help. */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Locale, ScreenMessage, UiEvent, Words } from '../../contracts/bridge.ts';
import { dayAndTime, distance, duration, secondsLeft } from './format.ts';
import { Icon } from './icons.tsx';
import { pick, translate, type TextKey } from './i18n.ts';
import { HelpButton, HelpOverlay } from './help.tsx';

export interface KioskUi {
  msg: ScreenMessage;
  locale: Locale;
  elderly: boolean;
  t: (key: TextKey, vars?: Record<string, string | number>) => string;
  w: (words: Words) => string;
  send: (event: UiEvent) => void;
  /** the agent's clock now (local clock + the offset measured at the screen's arrival) */
  agentNow: () => number;
  openPin: () => void;
  closePin: () => void;
}

export const KioskContext = createContext<KioskUi | null>(null);

export function useKiosk(): KioskUi {
  const k = useContext(KioskContext);
  if (!k) throw new Error('useKiosk outside KioskContext');
  return k;
}

export function makeTranslator(locale: Locale) {
  return {
    t: (key: TextKey, vars?: Record<string, string | number>) => translate(locale, key, vars),
    w: (words: Words) => pick(locale, words),
  };
}

/** `DEPARTMENT_CHOSEN:d-01` style name of an action, for data-action */
export function actionName(event: UiEvent, choice?: string): string {
  return choice === undefined ? event.type : `${event.type}:${choice}`;
}

type ButtonKind = 'primary' | 'secondary' | 'danger' | 'quiet' | 'tile';

/** A button that sends one UiEvent; carries data-action for the end-to-end tests. */
export function Action(props: {
  event: UiEvent;
  choice?: string;
  kind?: ButtonKind;
  disabled?: boolean;
  pressed?: boolean;
  label?: string;
  className?: string;
  describedBy?: string;
  children: ReactNode;
}) {
  const { send } = useKiosk();
  return (
    <button
      type="button"
      className={`btn btn-${props.kind ?? 'secondary'}${props.className ? ` ${props.className}` : ''}`}
      data-action={actionName(props.event, props.choice)}
      disabled={props.disabled}
      aria-pressed={props.pressed}
      aria-label={props.label}
      aria-describedby={props.describedBy}
      onClick={() => send(props.event)}
    >
      {props.children}
    </button>
  );
}

/** The step's one emphasised button. */
export function primary(event: UiEvent, label: ReactNode): ReactNode {
  return (
    <Action event={event} kind="primary">
      {label}
    </Action>
  );
}

/** What a flow screen is made of (the frame adds the title bar, 取消 and the idle overlay). */
export interface StepParts {
  title: string;
  body: ReactNode;
  actions: ReactNode;
  /** the step offers 取消 (not while paper or money is moving, not where 完成 ends it) */
  cancel: boolean;
}

/** A step that says one thing and offers one way on: a heading, maybe a problem, a hint; maybe 返回, and one primary button. */
export function messageStep(o: { title: string; heading: string; problem?: string | null; hint?: string; back?: string; primary: { event: UiEvent; label: string }; cancel: boolean }): StepParts {
  return {
    title: o.title,
    body: (
      <section className="card card-big">
        <h2 className="big-text">{o.heading}</h2>
        {o.problem ? <Problem>{o.problem}</Problem> : null}
        {o.hint ? <p className="hint">{o.hint}</p> : null}
      </section>
    ),
    actions: (
      <>
        {o.back ? <Action event={{ type: 'BACK' }}>{o.back}</Action> : null}
        {primary(o.primary.event, o.primary.label)}
      </>
    ),
    cancel: o.cancel,
  };
}

/** A local (non-event) button, e.g. scroll or keypad. */
export function LocalButton(props: { onClick: () => void; kind?: ButtonKind; disabled?: boolean; label?: string; className?: string; children: ReactNode; testId?: string }) {
  return (
    <button
      type="button"
      className={`btn btn-${props.kind ?? 'secondary'}${props.className ? ` ${props.className}` : ''}`}
      disabled={props.disabled}
      aria-label={props.label}
      data-testid={props.testId}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

/** Re-renders every `ms` and returns the agent's clock. */
export function useAgentNow(ms = 250): number {
  const { agentNow } = useKiosk();
  const [now, setNow] = useState(agentNow);
  useEffect(() => {
    const h = setInterval(() => setNow(agentNow()), ms);
    return () => clearInterval(h);
  }, [agentNow, ms]);
  return now;
}

/** Seconds left to an agent-clock deadline, ticking locally. */
export function Countdown({ deadline, render }: { deadline: number; render?: (seconds: number) => ReactNode }) {
  const { locale } = useKiosk();
  const now = useAgentNow();
  const s = secondsLeft(deadline, now);
  return (
    <span className="countdown" role="timer" aria-live="off">
      {render ? render(s) : duration(locale, s)}
    </span>
  );
}

/** A calm "the kiosk is working" block: spinner + words, announced politely. */
export function Waiting({ title, hint, variant = 'spinner' }: { title: string; hint?: string; variant?: 'spinner' | 'printer' }) {
  return (
    <section className="waiting" role="status" aria-live="polite" aria-busy="true">
      {variant === 'printer' ? <PrinterAnimation /> : <div className="spinner" aria-hidden="true" />}
      <h2 className="waiting-title">{title}</h2>
      {hint ? <p className="hint">{hint}</p> : null}
    </section>
  );
}

function PrinterAnimation() {
  return (
    <svg className="printer-anim" viewBox="0 0 200 200" width="260" height="260" aria-hidden="true">
      <rect x="30" y="60" width="140" height="70" rx="12" fill="#0b5cad" />
      <rect x="55" y="30" width="90" height="36" rx="4" fill="#dfe7f1" stroke="#0b5cad" strokeWidth="4" />
      <rect className="paper" x="60" y="118" width="80" height="70" fill="#ffffff" stroke="#0b5cad" strokeWidth="4" />
      <line className="paper-line" x1="72" y1="140" x2="128" y2="140" stroke="#6b7a8c" strokeWidth="5" />
      <line className="paper-line" x1="72" y1="158" x2="118" y2="158" stroke="#6b7a8c" strokeWidth="5" />
      <circle cx="150" cy="82" r="7" fill="#7be38a" />
    </svg>
  );
}

export function Problem({ children }: { children: ReactNode }) {
  return (
    <p className="problem" role="alert">
      <span className="problem-icon" aria-hidden="true">!</span>
      {children}
    </p>
  );
}

export function Hotline() {
  const { msg, t } = useKiosk();
  return (
    <section className="hotline" aria-labelledby="hotline-title">
      <h2 id="hotline-title" className="hotline-title">
        {t('common.hotline')}
      </h2>
      <p className="hotline-number">
        <a href={`tel:${msg.kiosk.hotline}`} tabIndex={-1}>
          {msg.kiosk.hotline}
        </a>
      </p>
    </section>
  );
}

/** The other machines open now, nearest first (the agent chose them); none: say so, with the hotline. */
export function NearbyKiosks({ headingLevel = 2 }: { headingLevel?: 2 | 3 }) {
  const { msg, t, w, locale, elderly, agentNow } = useKiosk();
  const H = headingLevel === 2 ? 'h2' : 'h3';
  const list = elderly ? msg.kiosk.nearbyKiosks.slice(0, 3) : msg.kiosk.nearbyKiosks;
  return (
    <section className="nearby" aria-label={t('common.nearby')} data-testid="nearby">
      <H className="section-title">{t('common.nearby')}</H>
      {list.length === 0 ? (
        <p data-testid="no-nearby">{t(msg.kiosk.nearbyLive ? 'common.noNearbyLive' : 'common.noNearby', { hotline: msg.kiosk.hotline })}</p>
      ) : (
        <ul className="nearby-list">
          {list.map((k) => (
            <li key={`${k.name}-${k.location}`} className="nearby-item" data-live={k.live ? 'true' : undefined}>
              <div className="nearby-name">
                {k.name}
                {k.live ? <span className="nearby-live">{t('common.nearbyLive')}</span> : null}
                {k.distanceMeters !== undefined ? <span className="nearby-distance">{distance(locale, k.distanceMeters)}</span> : null}
              </div>
              <div className="nearby-location">{k.location}</div>
              {k.schedule || k.hoursText ? <div className="nearby-hours">{k.schedule ? w(k.schedule) : k.hoursText}</div> : null}
              {k.closesAt ? <div className="nearby-hours">{t('common.nearbyUntil', { time: dayAndTime(locale, k.closesAt, agentNow()) })}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** "请取回您的身份证": the agent says a read ID card is still on the reader as the person leaves (or has left). */
export function TakeIdCard() {
  const { msg, t } = useKiosk();
  if (!msg.takeIdCard) return null;
  // asked for a card while one is left there: it is someone's (maybe theirs) from before
  const identifying = msg.session?.step === 'identifying';
  return (
    <div className="take-id-card" role="alert" data-testid="take-id-card">
      <Icon name="idCard" size={72} />
      <div>
        <strong className="take-id-card-title">{t('idCard.take')}</strong>
        <span className="take-id-card-hint">{t(identifying ? 'idCard.leftHint' : 'idCard.takeHint')}</span>
      </div>
    </div>
  );
}

/** The small staff entry at the bottom of home / lockout / out-of-service screens. */
export function StaffButton() {
  const { t, openPin } = useKiosk();
  return (
    <LocalButton kind="quiet" className="staff-button" onClick={openPin} testId="staff-button">
      {t('common.staff')}
    </LocalButton>
  );
}

/** Root of every screen: data-screen names it (the painted message names it the same); the ID-card reminder sits above its footer; 求助 in its top-right corner. */
export function ScreenRoot(props: { name: string; className?: string; children: ReactNode; onPointerDownCapture?: () => void; extra?: Record<string, string> }) {
  const { elderly, locale } = useKiosk();
  return (
    <main
      className={`screen${props.className ? ` ${props.className}` : ''}`}
      data-screen={props.name}
      data-elderly={elderly ? 'true' : 'false'}
      lang={locale}
      onPointerDownCapture={props.onPointerDownCapture}
      {...props.extra}
    >
      {props.children}
      <TakeIdCard />
      <HelpButton screen={props.name} />
      <HelpOverlay />
    </main>
  );
}

export function KioskBar({ title, sub }: { title: string; sub?: string }) {
  const { msg } = useKiosk();
  return (
    <header className="bar">
      <div className="bar-kiosk">{msg.kiosk.name}</div>
      <h1 className="bar-title">{title}</h1>
      {sub ? <div className="bar-sub">{sub}</div> : null}
    </header>
  );
}
