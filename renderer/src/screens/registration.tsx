/** Hospital registration steps (state-machines/registration.machine.ts) and the payment view. */
import QRCode from 'qrcode';
import { useEffect, useState, type ReactNode } from 'react';
import { Icon } from '../icons.tsx';
import type { PaymentView, RegistrationSummary, RegistrationView, UiEvent } from '../../../contracts/bridge.ts';
import { money } from '../format.ts';
import { isTextKey } from '../i18n.ts';
import { Action, Countdown, Hotline, Problem, Waiting, messageStep, primary, useKiosk } from '../ui.tsx';
import { Identify, type StepParts } from './provident-fund.tsx';
import { CheckTray, PrintingWait } from './printing.tsx';

function RegistrationCard({ r }: { r: RegistrationSummary }) {
  const { t } = useKiosk();
  return (
    <li className={`reg-card${r.status === 'cancelled' ? ' reg-cancelled' : ''}`}>
      <div className="reg-card-main">
        <div className="reg-dept">{r.departmentName}</div>
        <div>
          {r.doctorName} · {r.date} {r.time}
        </div>
        {r.status === 'cancelled' ? <div className="problem-inline">{t('reg.cancelled')}</div> : null}
      </div>
      <div className="reg-queue">
        <span className="reg-queue-label">{t('reg.queueLabel')}</span>
        <span className="reg-queue-number">{t('reg.queue', { n: r.queueNumber })}</span>
      </div>
    </li>
  );
}

/** One choice per item, as big buttons in a grid (one column in 长辈模式). */
function ChoiceGrid(props: {
  label: string;
  /** columns outside 长辈模式 (default 2) */
  columns?: 2 | 3;
  heading?: ReactNode;
  items: { id: string; event: UiEvent; main: ReactNode; sub: ReactNode; disabled?: boolean }[];
}) {
  const { elderly } = useKiosk();
  return (
    <section aria-label={props.label}>
      {props.heading}
      <div className={`choice-grid${elderly ? ' one-col' : props.columns === 3 ? ' three-col' : ''}`}>
        {props.items.map((i) => (
          <Action key={i.id} event={i.event} choice={i.id} className="choice" disabled={i.disabled}>
            <span className="choice-main">{i.main}</span>
            <span className="choice-sub">{i.sub}</span>
          </Action>
        ))}
      </div>
    </section>
  );
}

function ChooseDepartment({ view }: { view: RegistrationView }) {
  const { t } = useKiosk();
  const items = view.departments.map((d) => ({ id: d.id, event: { type: 'DEPARTMENT_CHOSEN', departmentId: d.id } as const, main: d.name, sub: d.location }));
  return <ChoiceGrid label={t('reg.chooseDepartment')} columns={3} items={items} />;
}

function ChooseDoctor({ view }: { view: RegistrationView }) {
  const { t } = useKiosk();
  const items = view.doctors.map((d) => ({ id: d.id, event: { type: 'DOCTOR_CHOSEN', doctorId: d.id } as const, main: d.name, sub: d.title }));
  return <ChoiceGrid label={t('reg.chooseDoctor')} heading={view.department ? <p className="big-text">{view.department.name}</p> : null} items={items} />;
}

function ChooseSlot({ view }: { view: RegistrationView }) {
  const { t } = useKiosk();
  const items = view.slots.map((s) => ({
    id: s.id,
    event: { type: 'SLOT_CHOSEN', slotId: s.id } as const,
    main: s.time,
    sub: `${money(s.feeFen)} · ${s.remaining > 0 ? t('reg.remaining', { n: s.remaining }) : t('reg.full')}`,
    disabled: s.remaining <= 0,
  }));
  const heading = (
    <>
      <p className="big-text">
        {view.department?.name} · {view.doctor?.name} {view.doctor?.title}
      </p>
      {view.slots.length === 0 ? <p className="big-text">{t('reg.noneLeft')}</p> : null}
    </>
  );
  return <ChoiceGrid label={t('reg.chooseSlot')} heading={heading} items={items} />;
}

function Summary({ view, withLocation, withPatient }: { view: RegistrationView; withLocation?: boolean; withPatient?: boolean }) {
  const { t } = useKiosk();
  return (
    <dl className="summary-grid">
      {withPatient && view.patient ? (
        <div>
          <dt>{t('reg.patient')}</dt>
          <dd className="big-text" data-testid="reg-patient">
            {view.patient.name}
          </dd>
        </div>
      ) : null}
      <div>
        <dt>{t('reg.department')}</dt>
        <dd className="big-text">{view.department?.name ?? view.registration?.departmentName}</dd>
      </div>
      <div>
        <dt>{t('reg.doctor')}</dt>
        <dd className="big-text">
          {view.doctor ? `${view.doctor.name} ${view.doctor.title}` : view.registration?.doctorName}
        </dd>
      </div>
      <div>
        <dt>{t('reg.time')}</dt>
        <dd className="big-text">{view.slot ? `${view.slot.date} ${view.slot.time}` : view.registration ? `${view.registration.date} ${view.registration.time}` : ''}</dd>
      </div>
      {withLocation && view.department ? (
        <div>
          <dt>{t('reg.location')}</dt>
          <dd className="big-text">{view.department.location}</dd>
        </div>
      ) : null}
      {view.slot ? (
        <div>
          <dt>{t('reg.fee')}</dt>
          <dd className="huge-text">{money(view.slot.feeFen)}</dd>
        </div>
      ) : null}
    </dl>
  );
}

function MethodChoice({ methods, onlyChoice }: { methods: readonly ('nativeQr' | 'paymentCode')[]; onlyChoice?: boolean }) {
  const { t } = useKiosk();
  return (
    <div className="choice-grid one-col">
      {methods.map((m) => (
        <Action key={m} event={{ type: 'PAYMENT_METHOD_CHOSEN', method: m }} choice={m} className="choice" kind={onlyChoice ? 'primary' : 'secondary'}>
          <span className="choice-main">
            <Icon name={m === 'nativeQr' ? 'qr' : 'code'} size={44} />{' '}
            {t(`reg.method.${m}`)}
          </span>
          <span className="choice-sub">{t(`reg.method.${m}.sub`)}</span>
        </Action>
      ))}
    </div>
  );
}

/** A real QR code of the payment's code_url, as SVG. */
export function PaymentQr({ text }: { text: string }) {
  const { t } = useKiosk();
  const [svg, setSvg] = useState<{ text: string; svg: string } | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
      .then((s) => {
        if (live) setSvg({ text, svg: s });
      })
      .catch((err: unknown) => console.warn(`payment QR: ${String(err)}`));
    return () => {
      live = false;
    };
  }, [text]);
  return (
    <div className="qr-box" role="img" aria-label={t('pay.scan')} data-testid="payment-qr" data-ready={svg?.text === text ? 'true' : 'false'}>
      {svg?.text === text ? <div className="qr-svg" dangerouslySetInnerHTML={{ __html: svg.svg }} /> : <div className="spinner" aria-hidden="true" />}
    </div>
  );
}

function Payment({ payment }: { payment: PaymentView }) {
  const { t } = useKiosk();
  const step = payment.step;
  const amount = (
    <p className="pay-amount">
      {t('pay.amount')} <strong className="huge-text">{money(payment.amountFen)}</strong>
    </p>
  );
  const deadline =
    payment.paymentDeadline !== null ? (
      <p className="big-text" aria-live="off">
        <Countdown deadline={payment.paymentDeadline} render={(n) => t('pay.deadline', { time: `${Math.floor(n / 60)}:${String(n % 60).padStart(2, '0')}` })} />
      </p>
    ) : null;
  if (step === 'choosingMethod') {
    return (
      <section className="card">
        {amount}
        <h2 className="section-title">{t('pay.chooseMethod')}</h2>
        <MethodChoice methods={payment.methods} />
      </section>
    );
  }
  if (step === 'waitingForPaymentCode') {
    return (
      <section className="card card-big">
        {amount}
        <div className="scan-arrow" aria-hidden="true">
          <Icon name="down" size={110} />
        </div>
        <h2 className="huge-text">{t('pay.showCode')}</h2>
        {payment.badCode ? <Problem>{t('pay.badCode')}</Problem> : null}
        {deadline}
      </section>
    );
  }
  if (step.startsWith('awaiting') && payment.method === 'nativeQr' && payment.codeUrl) {
    return (
      <section className="card card-big pay-qr">
        {amount}
        <PaymentQr text={payment.codeUrl} />
        <h2 className="big-text">{t('pay.scan')}</h2>
        {deadline}
      </section>
    );
  }
  const words =
    step === 'journalingOrder' || step === 'creatingNativeOrder'
      ? t('pay.creating')
      : step === 'chargingPaymentCode'
        ? t('pay.charging')
        : step.startsWith('closing')
          ? t('pay.closing')
          : step === 'paid' || step === 'used'
            ? t('pay.paid')
            : step.startsWith('refunding')
              ? t('reg.refunding')
              : t('pay.confirming');
  return (
    <>
      <section className="card">{amount}</section>
      <Waiting title={words} />
    </>
  );
}

/** payment steps where the person may still walk away (no money has moved) */
function paymentCancellable(p: PaymentView | null): boolean {
  if (!p) return false;
  return p.step === 'choosingMethod' || p.step === 'waitingForPaymentCode' || p.step.startsWith('awaiting');
}

function endWords(t: ReturnType<typeof useKiosk>['t'], reason: string | null | undefined): string | null {
  if (!reason) return null;
  const key = `payend.${reason}`;
  return isTextKey(key) ? t(key) : null;
}

function Unprinted({ view }: { view: RegistrationView }) {
  const { t, w } = useKiosk();
  return (
    <>
      <section className="card card-big">
        <div className="big-check" aria-hidden="true">
          <Icon name="check" size={96} />
        </div>
        <h2 className="big-text">{t('reg.slipNotPrinted')}</h2>
        {view.registration ? (
          <p className="queue-big">
            <span className="reg-queue-label">{t('reg.queueLabel')}</span>
            <span className="reg-queue-number">{t('reg.queue', { n: view.registration.queueNumber })}</span>
          </p>
        ) : null}
        <Summary view={view} withLocation />
        {view.printFaultWords ? <Problem>{w(view.printFaultWords)}</Problem> : null}
        <CheckTray show={view.printMayHavePrinted} />
        <p className="hint">{t('reg.slipNotPrintedHint')}</p>
      </section>
      <Hotline />
    </>
  );
}

export function registrationStep(step: string, view: RegistrationView, payment: PaymentView | null, t: ReturnType<typeof useKiosk>['t']): StepParts {
  const wait = (title: string, cancel = true, hint?: string): StepParts => ({ title: t('reg.title'), body: <Waiting title={title} hint={hint} />, actions: null, cancel });
  const back = <Action event={{ type: 'BACK' }}>{t('common.back')}</Action>;
  switch (step) {
    case 'identifying':
      return { title: t('id.title'), body: <Identify problem={view.identifyProblem} qr="medicalInsuranceQr" />, actions: null, cancel: true };
    case 'resolvingVoucher':
      return wait(t('id.resolvingVoucher'));
    case 'loadingRegistrations':
      return wait(t('reg.loadingRegistrations'));
    case 'loadingDepartments':
      return wait(t('reg.loadingDepartments'));
    case 'loadingDoctors':
      return wait(t('reg.loadingDoctors'));
    case 'loadingSlots':
      return wait(t('reg.loadingSlots'));
    case 'existingRegistrations':
      return {
        title: t('reg.existing'),
        body: (
          <section className="card">
            <ul className="reg-list">
              {view.todays.map((r) => (
                <RegistrationCard key={r.bookingId} r={r} />
              ))}
            </ul>
            <p className="hint">{t('reg.existingHint')}</p>
          </section>
        ),
        actions: (
          <>
            <Action event={{ type: 'DONE' }}>{t('common.done')}</Action>
            {primary({ type: 'CONTINUE' }, t('reg.continue'))}
          </>
        ),
        cancel: false,
      };
    case 'choosingDepartment':
      return { title: t('reg.chooseDepartment'), body: <ChooseDepartment view={view} />, actions: null, cancel: true };
    case 'choosingDoctor':
      return { title: t('reg.chooseDoctor'), body: <ChooseDoctor view={view} />, actions: back, cancel: true };
    case 'choosingSlot':
      return { title: t('reg.chooseSlot'), body: <ChooseSlot view={view} />, actions: back, cancel: true };
    case 'confirmingFee':
      return {
        title: t('reg.confirm'),
        body: (
          <section className="card">
            <Summary view={view} withLocation withPatient />
          </section>
        ),
        actions: (
          <>
            {back}
            {primary({ type: 'CONFIRM' }, t('reg.confirmButton'))}
          </>
        ),
        cancel: true,
      };
    case 'choosingPaymentMethod':
      return {
        title: t('reg.payMethod'),
        body: (
          <section className="card">
            {view.slot ? (
              <p className="pay-amount">
                {t('pay.amount')} <strong className="huge-text">{money(view.slot.feeFen)}</strong>
              </p>
            ) : null}
            <MethodChoice methods={view.paymentMethods} onlyChoice={view.paymentMethods.length === 1} />
          </section>
        ),
        actions: back,
        cancel: true,
      };
    case 'unavailable':
      return messageStep({ title: t('reg.title'), heading: t('reg.unavailable'), hint: t('reg.unavailableHint'), primary: { event: { type: 'RETRY' }, label: t('common.retry') }, cancel: true });
    case 'sameDepartment':
      return {
        title: t('reg.sameDepartment', { department: view.department?.name ?? '' }),
        body: (
          <section className="card">
            <ul className="reg-list">
              {view.conflict?.reason === 'same-department' ? view.conflict.existing.map((r) => <RegistrationCard key={r.bookingId} r={r} />) : null}
            </ul>
            <p className="explain" role="note">
              {t('reg.sameDepartmentHint')}
            </p>
          </section>
        ),
        actions: (
          <>
            <Action event={{ type: 'ADD_ANYWAY' }}>{t('reg.addAnyway')}</Action>
            {primary({ type: 'BACK' }, t('reg.otherDepartment'))}
          </>
        ),
        cancel: true,
      };
    case 'lockingSlot':
    case 'lockPausing':
      return wait(t('reg.locking'), false);
    case 'slotTaken':
      return {
        title: t('reg.title'),
        body: (
          <section className="card card-big">
            <h2 className="big-text">{t(view.conflict?.reason === 'slot-passed' ? 'reg.slotPassed' : 'reg.slotTaken')}</h2>
            <p className="hint">{t('reg.slotTakenHint')}</p>
          </section>
        ),
        actions: (
          <>
            <Action event={{ type: 'DONE' }}>{t('common.done')}</Action>
            {primary({ type: 'CHOOSE_ANOTHER_SLOT' }, t('reg.chooseAnother'))}
          </>
        ),
        cancel: false,
      };
    case 'releasingSlot':
    case 'releasePausing':
    case 'slotReleased':
      return wait(t('common.pleaseWait'), false);
    case 'charging.paying':
      return {
        title: t('pay.title'),
        body: payment ? <Payment payment={payment} /> : <Waiting title={t('pay.creating')} />,
        actions: null,
        cancel: paymentCancellable(payment),
      };
    case 'charging.registering':
    case 'charging.registerPausing':
    case 'charging.checkingRegistration':
    case 'charging.markingUsed':
      return wait(t('reg.registering'), false, t('reg.registeringHint'));
    case 'charging.refunding':
      return wait(t('reg.refunding'), false, t('reg.refundingHint'));
    case 'moneyReturned': {
      const refundKey = `refund.${view.refundReason ?? ''}`;
      const why = isTextKey(refundKey) ? t(refundKey) : null;
      return {
        title: t('reg.title'),
        body: (
          <section className="card card-big">
            {view.paymentResult?.final === 'refund-abnormal' ? (
              <>
                <h2 className="big-text">{t('reg.refundAbnormal')}</h2>
                {why ? <p className="big-text">{why}</p> : null}
                <p className="big-text">{t('reg.refundAbnormalHint', { amount: money(view.paymentResult.amountFen) })}</p>
                <Hotline />
              </>
            ) : (
              <>
                <h2 className="big-text">{t('reg.moneyReturned')}</h2>
                {why ? <p className="big-text">{why}</p> : null}
                {view.paymentResult ? <p className="hint">{t('reg.moneyReturnedAmount', { amount: money(view.paymentResult.amountFen) })}</p> : null}
              </>
            )}
          </section>
        ),
        actions: primary({ type: 'DONE' }, t('common.done')),
        cancel: false,
      };
    }
    case 'paymentNotCompleted':
      return messageStep({
        title: t('reg.paymentNotCompleted'),
        heading: t('reg.paymentNotCompleted'),
        problem: endWords(t, view.paymentResult?.reason),
        hint: t('reg.paymentNotCompletedHint'),
        primary: { event: { type: 'RETRY_PAYMENT' }, label: t('reg.retryPayment') },
        cancel: true,
      });
    case 'slipReady':
    case 'printingSlip':
      return { title: t('reg.registered'), body: <PrintingWait title={t('reg.printingSlip')} hint={t('pf.printingHint')} />, actions: null, cancel: false };
    case 'takingSlip':
      return {
        title: t('reg.registered'),
        body: (
          <section className="card card-big" role="status">
            <div className="big-check" aria-hidden="true">
              <Icon name="check" size={96} />
            </div>
            {view.registration ? (
              <p className="queue-big">
                <span className="reg-queue-label">{t('reg.queueLabel')}</span>
                <span className="reg-queue-number">{t('reg.queue', { n: view.registration.queueNumber })}</span>
              </p>
            ) : null}
            <Summary view={view} withLocation />
            <h2 className="huge-text">{t('reg.takeSlip')}</h2>
            <p className="big-text">
              {t('pf.takeHint')}
              {view.takeDeadline !== null ? (
                <>
                  {' '}
                  · <Countdown deadline={view.takeDeadline} />
                </>
              ) : null}
            </p>
          </section>
        ),
        actions: primary({ type: 'TAKEN' }, t('pf.taken')),
        cancel: false,
      };
    case 'slipOnScreen':
      return {
        title: t('reg.slipOnScreen'),
        body: (
          <section className="card">
            <p className="hint">{t('reg.slipOnScreenHint')}</p>
            {view.registration ? (
              <p className="queue-big">
                <span className="reg-queue-label">{t('reg.queueLabel')}</span>
                <span className="reg-queue-number">{t('reg.queue', { n: view.registration.queueNumber })}</span>
              </p>
            ) : null}
            <pre className="slip">{(view.slipLines ?? []).join('\n')}</pre>
          </section>
        ),
        actions: primary({ type: 'DONE' }, t('common.done')),
        cancel: false,
      };
    case 'slipNotPrinted':
      return {
        title: t('reg.registered'),
        body: <Unprinted view={view} />,
        actions: primary({ type: 'DONE' }, t('common.done')),
        cancel: false,
      };
    default:
      return step.startsWith('charging') ? wait(t('common.pleaseWait'), false) : wait(t('common.pleaseWait'));
  }
}
