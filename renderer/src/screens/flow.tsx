/** A running session: title bar, the step's body, its actions, 取消, and the idle overlay. */
import { useRef } from 'react';
import type { SessionView } from '../../../contracts/bridge.ts';
import { secondsLeft } from '../format.ts';
import { Action, ScreenRoot, useAgentNow, useKiosk } from '../ui.tsx';
import { providentFundStep } from './provident-fund.tsx';
import { registrationStep } from './registration.tsx';

const PF_STEPS = [['identifying', 'resolvingSocialSecurityCode'], ['choosingPeriod', 'fetching', 'fetchFailed', 'noAccount'], ['preview'], ['printing', 'takingReceipt', 'undelivered']];
const REG_STEPS = [
  ['identifying', 'resolvingVoucher', 'loadingRegistrations', 'existingRegistrations'],
  ['loadingDepartments', 'choosingDepartment', 'sameDepartment', 'loadingDoctors', 'choosingDoctor'],
  ['loadingSlots', 'choosingSlot', 'slotTaken', 'confirmingFee'],
  ['choosingPaymentMethod', 'lockingSlot', 'lockPausing', 'charging', 'releasingSlot', 'releasePausing', 'slotReleased', 'moneyReturned', 'paymentNotCompleted', 'unavailable'],
  ['slipReady', 'printingSlip', 'takingSlip', 'slipOnScreen', 'slipNotPrinted'],
];

function stepNumber(session: SessionView): { n: number; of: number } | null {
  const table = session.service === 'providentFundStatement' ? PF_STEPS : REG_STEPS;
  const head = session.step.split('.')[0] ?? session.step;
  const i = table.findIndex((group) => group.includes(head));
  return i < 0 ? null : { n: i + 1, of: table.length };
}

/** Throttled TOUCH: any tap in a flow screen keeps the session alive (once a second at most). */
function useTouchSender() {
  const { send } = useKiosk();
  const last = useRef(0);
  return () => {
    const now = Date.now();
    if (now - last.current >= 1000) {
      last.current = now;
      send({ type: 'TOUCH' });
    }
  };
}

export function IdleOverlay({ deadline }: { deadline: number | null }) {
  const { t } = useKiosk();
  const now = useAgentNow();
  const n = deadline === null ? null : secondsLeft(deadline, now);
  return (
    <div className="idle-backdrop" data-testid="idle-warning">
      <section className="idle-dialog" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" aria-describedby="idle-body">
        <h2 id="idle-title" className="huge-text">
          {t('idle.title')}
        </h2>
        {n !== null ? (
          <p id="idle-body" className="big-text" role="timer" aria-live="off">
            {t('idle.body', { n })}
          </p>
        ) : (
          <p id="idle-body" />
        )}
        <Action event={{ type: 'TOUCH' }} kind="primary" className="wide idle-continue">
          {t('idle.continue')}
        </Action>
      </section>
    </div>
  );
}

export function FlowScreen({ name }: { name: string }) {
  const k = useKiosk();
  const { t, msg } = k;
  const touch = useTouchSender();
  const session = msg.session;
  if (!session) return null;
  const parts =
    session.service === 'providentFundStatement' ? providentFundStep(session.step, session.view, t) : registrationStep(session.step, session.view, session.payment, t);
  const num = stepNumber(session);
  const serviceTitle = t(`service.${session.service}`);
  return (
    <ScreenRoot name={name} className="screen-flow" onPointerDownCapture={touch} extra={session.service === 'hospitalRegistration' && session.payment ? { 'data-payment-step': session.payment.step } : {}}>
      <header className="bar bar-flow">
        <div className="bar-row">
          <div className="bar-kiosk">
            {serviceTitle} · {msg.kiosk.name}
          </div>
          {num ? (
            <ol className="steps" aria-label={t('common.step', { n: num.n })}>
              {Array.from({ length: num.of }, (_, i) => (
                <li key={i} className={i + 1 < num.n ? 'done' : i + 1 === num.n ? 'current' : ''} aria-current={i + 1 === num.n ? 'step' : undefined}>
                  <span className="visually-hidden">{t('common.step', { n: i + 1 })}</span>
                </li>
              ))}
            </ol>
          ) : null}
        </div>
        <h1 className="bar-title">{parts.title}</h1>
      </header>
      <div className="content" tabIndex={0} inert={session.idle.warning}>
        {parts.body}
      </div>
      <footer className="footer footer-flow" inert={session.idle.warning}>
        {parts.cancel ? (
          <Action event={{ type: 'CANCEL' }} kind="quiet" className="cancel">
            {session.service === 'hospitalRegistration' && session.step === 'charging.paying' ? t('pay.cancel') : t('common.cancel')}
          </Action>
        ) : (
          <span />
        )}
        <div className="footer-actions">{parts.actions}</div>
      </footer>
      {session.idle.warning ? <IdleOverlay deadline={session.idle.deadline} /> : null}
    </ScreenRoot>
  );
}
