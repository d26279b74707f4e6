/** Housing-provident-fund statement steps (state-machines/provident-fund.machine.ts). */
import { useRef } from 'react';
import { Icon } from '../icons.tsx';
import type { ProvidentFundView } from '../../../contracts/bridge.ts';
import { kioskDate, money, quickPeriods, yearMonth } from '../format.ts';
import { isTextKey } from '../i18n.ts';
import { Action, Countdown, Hotline, LocalButton, NearbyKiosks, Problem, Waiting, messageStep, primary, useKiosk, type StepParts } from '../ui.tsx';
import { CheckTray, PrintingWait } from './printing.tsx';

export function IdCardIllustration() {
  return (
    <svg className="idcard-illustration" viewBox="0 0 360 240" width="600" height="400" aria-hidden="true">
      <rect x="40" y="150" width="280" height="70" rx="14" fill="#dfe7f1" stroke="#0b5cad" strokeWidth="5" />
      <text x="180" y="198" textAnchor="middle" fontSize="26" fill="#0b5cad">
        ↓ ↓ ↓
      </text>
      <g className="idcard-card">
        <rect x="85" y="20" width="190" height="120" rx="12" fill="#fff8e6" stroke="#8a5a00" strokeWidth="4" />
        <rect x="100" y="40" width="50" height="62" rx="6" fill="#e6cf9b" />
        <rect x="162" y="46" width="96" height="10" rx="5" fill="#8a5a00" />
        <rect x="162" y="68" width="80" height="10" rx="5" fill="#8a5a00" />
        <rect x="162" y="90" width="96" height="10" rx="5" fill="#8a5a00" />
        <rect x="100" y="116" width="158" height="10" rx="5" fill="#8a5a00" />
      </g>
    </svg>
  );
}

export function QrIllustration() {
  return (
    <svg className="qr-illustration" viewBox="0 0 120 120" width="120" height="120" aria-hidden="true">
      <rect x="4" y="4" width="112" height="112" rx="14" fill="#ffffff" stroke="#0b5cad" strokeWidth="5" />
      <rect x="20" y="20" width="30" height="30" fill="#0b5cad" />
      <rect x="70" y="20" width="30" height="30" fill="#0b5cad" />
      <rect x="20" y="70" width="30" height="30" fill="#0b5cad" />
      <rect x="72" y="72" width="10" height="10" fill="#0b5cad" />
      <rect x="88" y="88" width="12" height="12" fill="#0b5cad" />
    </svg>
  );
}

/** "Place your ID card" + QR alternative (per the service's identifyBy), with the last problem. */
export function Identify({ problem, qr }: { problem: string | null; qr: 'eSocialSecurityQr' | 'medicalInsuranceQr' }) {
  const { t, msg } = useKiosk();
  const service = qr === 'eSocialSecurityQr' ? 'providentFundStatement' : 'hospitalRegistration';
  const identifyBy = msg.kiosk.services.find((s) => s.service === service)?.identifyBy ?? ['idCard'];
  const card = identifyBy.includes('idCard');
  const withQr = identifyBy.includes(qr);
  const problemKey = problem ? `id.problem.${problem}` : null;
  return (
    <div className="identify">
      {problem ? <Problem>{problemKey && isTextKey(problemKey) ? t(problemKey) : problem}</Problem> : null}
      {card ? (
        <section className="card card-big identify-card">
          <IdCardIllustration />
          <h2 className="huge-text">{t('id.card')}</h2>
          <p className="hint">{t('id.cardHint')}</p>
        </section>
      ) : null}
      {withQr ? (
        <section className="card identify-qr">
          <QrIllustration />
          <p className="big-text">{t(card ? 'id.orQr' : 'id.qrOnly', { what: t(`identify.${qr}`) })}</p>
        </section>
      ) : null}
    </div>
  );
}

function Holder({ view }: { view: ProvidentFundView }) {
  const { t } = useKiosk();
  if (!view.holder) return null;
  return (
    <p className="holder">
      {t('pf.holder')}：<strong>{view.holder.name}</strong>{'\u3000'}{t('pf.idNumber')}：<span className="mono">{view.holder.idNumber}</span>
    </p>
  );
}

function ChoosingPeriod({ view }: { view: ProvidentFundView }) {
  const { t, locale, agentNow, elderly } = useKiosk();
  const today = kioskDate(agentNow());
  const quick = quickPeriods(today, view.maxPeriodMonths);
  const isCurrent = (p: { from: string; to: string }) => p.from === view.period.from && p.to === view.period.to;
  return (
    <>
      <Holder view={view} />
      <section className="card">
        <h2 className="section-title">{t('pf.period.title')}</h2>
        <p className="big-text">{t('pf.period.current', { from: yearMonth(locale, view.period.from), to: yearMonth(locale, view.period.to) })}</p>
        {view.periodProblem ? <Problem>{view.periodProblem}</Problem> : null}
        <div className={`choice-grid${elderly ? ' one-col' : ''}`}>
          {quick.map((p) => (
            <Action key={p.id} event={{ type: 'PERIOD_CHOSEN', from: p.from, to: p.to }} choice={p.id} kind={isCurrent(p) ? 'primary' : 'secondary'} className="choice">
              <span className="choice-main">{t(`pf.period.${p.id}`)}</span>
              <span className="choice-sub">
                {yearMonth(locale, p.from)} – {yearMonth(locale, p.to)}
              </span>
            </Action>
          ))}
        </div>
      </section>
    </>
  );
}

function Preview({ view }: { view: ProvidentFundView }) {
  const { t, locale } = useKiosk();
  const scroller = useRef<HTMLDivElement>(null);
  const st = view.statement;
  if (!st) return <Waiting title={t('pf.fetching')} />;
  const scroll = (dir: 1 | -1) => {
    const el = scroller.current;
    if (el) el.scrollBy({ top: dir * el.clientHeight * 0.8, behavior: 'smooth' });
  };
  const long = st.rows.length > 8;
  return (
    <>
      <Holder view={view} />
      <section className="card">
        <dl className="summary-grid">
          <div>
            <dt>{t('pf.balance')}</dt>
            <dd className="huge-text">{money(st.balanceFen)}</dd>
          </div>
          <div>
            <dt>{t('pf.monthly')}</dt>
            <dd className="big-text">{money(st.monthlyDepositFen)}</dd>
          </div>
          <div>
            <dt>{t('pf.employer')}</dt>
            <dd>{st.employer}</dd>
          </div>
          <div>
            <dt>{t('pf.status')}</dt>
            <dd>{t(`pf.status.${st.accountStatus}`)}</dd>
          </div>
          <div>
            <dt>{t('pf.period')}</dt>
            <dd>
              {yearMonth(locale, st.period.from)} – {yearMonth(locale, st.period.to)}
            </dd>
          </div>
        </dl>
      </section>
      <section className="card rows-card">
        {st.rows.length === 0 ? (
          <p>{t('pf.noRows')}</p>
        ) : (
          <div className="rows-wrap">
            <div className="rows-scroll" ref={scroller} tabIndex={0} role="region" aria-label={t('pf.period')}>
              <table className="rows">
                <thead>
                  <tr>
                    <th scope="col">{t('pf.col.date')}</th>
                    <th scope="col">{t('pf.col.desc')}</th>
                    <th scope="col" className="num">
                      {t('pf.col.amount')}
                    </th>
                    <th scope="col" className="num">
                      {t('pf.col.balance')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {st.rows.map((r, i) => (
                    <tr key={`${r.date}-${i}`}>
                      <td>{r.date}</td>
                      <td>{r.description}</td>
                      <td className="num">{money(r.amountFen)}</td>
                      <td className="num">{money(r.balanceFen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {long ? (
              <div className="scroll-buttons">
                <LocalButton onClick={() => scroll(-1)} label={t('common.scrollUp')} testId="scroll-up">
                  <Icon name="up" size={44} />
                  {t('common.scrollUp')}
                </LocalButton>
                <LocalButton onClick={() => scroll(1)} label={t('common.scrollDown')} testId="scroll-down">
                  <Icon name="down" size={44} />
                  {t('common.scrollDown')}
                </LocalButton>
              </div>
            ) : null}
          </div>
        )}
      </section>
    </>
  );
}

/** Step body for the provident-fund flow, and its footer actions. */
export type { StepParts };

export function providentFundStep(step: string, view: ProvidentFundView, t: ReturnType<typeof useKiosk>['t']): StepParts {
  switch (step) {
    case 'identifying':
      return { title: t('id.title'), body: <Identify problem={view.identifyProblem} qr="eSocialSecurityQr" />, actions: null, cancel: true };
    case 'resolvingSocialSecurityCode':
      return { title: t('id.title'), body: <Waiting title={t('id.resolvingSS')} />, actions: null, cancel: true };
    case 'choosingPeriod':
      return {
        title: t('pf.period.title'),
        body: <ChoosingPeriod view={view} />,
        actions: <Action event={{ type: 'BACK' }}>{t('common.back')}</Action>,
        cancel: true,
      };
    case 'fetching':
      return { title: t('pf.title'), body: <Waiting title={t('pf.fetching')} />, actions: null, cancel: true };
    case 'fetchFailed':
      return messageStep({
        title: t('pf.title'),
        heading: t('pf.fetchFailed'),
        hint: t('pf.fetchFailedHint'),
        back: t('common.back'),
        primary: { event: { type: 'RETRY' }, label: t('common.retry') },
        cancel: true,
      });
    case 'noAccount':
      return messageStep({ title: t('pf.title'), heading: t('pf.noAccount'), hint: t('pf.noAccountHint'), primary: { event: { type: 'DONE' }, label: t('common.done') }, cancel: false });
    case 'preview':
      return {
        title: t('pf.preview'),
        body: <Preview view={view} />,
        actions: (
          <>
            <Action event={{ type: 'BACK' }}>{t('common.back')}</Action>
            <Action event={{ type: 'PRINT' }} kind="primary">
              <Icon name="printer" size={48} />
              {t('pf.print')}
            </Action>
          </>
        ),
        cancel: true,
      };
    case 'printing':
      return { title: t('pf.title'), body: <PrintingWait title={t('pf.printing')} hint={t('pf.printingHint')} />, actions: null, cancel: false };
    case 'takingReceipt':
      return {
        title: t('pf.title'),
        body: (
          <section className="card card-big" role="status">
            <div className="take-arrow" aria-hidden="true">
              <Icon name="down" size={110} />
            </div>
            <h2 className="huge-text">{t('pf.take')}</h2>
            <p className="big-text">{t('pf.takeHint')}</p>
            {view.takeDeadline !== null ? (
              <p className="hint">
                <Countdown deadline={view.takeDeadline} />
              </p>
            ) : null}
          </section>
        ),
        actions: primary({ type: 'TAKEN' }, t('pf.taken')),
        cancel: false,
      };
    case 'undelivered':
      return {
        title: t('pf.title'),
        body: <Undelivered view={view} />,
        actions: primary({ type: 'DONE' }, t('common.done')),
        cancel: false,
      };
    default:
      return { title: t('pf.title'), body: <Waiting title={t('common.pleaseWait')} />, actions: null, cancel: true };
  }
}

function Undelivered({ view }: { view: ProvidentFundView }) {
  const { t, w } = useKiosk();
  return (
    <>
      <section className="card card-big">
        <h2 className="huge-text">{t('pf.undelivered')}</h2>
        {view.printFaultWords ? <Problem>{w(view.printFaultWords)}</Problem> : null}
        <CheckTray show={view.printMayHavePrinted} />
        <p className="big-text">{t('pf.undeliveredHint')}</p>
      </section>
      <NearbyKiosks />
      <Hotline />
    </>
  );
}
