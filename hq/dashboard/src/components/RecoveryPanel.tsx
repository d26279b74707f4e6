/**
 * The kiosk's recovery ladder at work (issue 11): each rung it tried — reload, restart the browser,
 * restart the agent, out of service — and how it went, newest first, from the kiosk's history.
 */
import type { KioskDetail } from '../../../../contracts/hq-api.ts';
import { fullTime, shortTime } from '../format/time.ts';
import { faultText } from '../i18n/faults.ts';
import { useI18n } from '../i18n/I18n.tsx';
import type { MessageKey } from '../i18n/zh.ts';

/** HQ writes `<step> <outcome> (<FAULT>), attempt <n>: <detail>` (hq/server/ingest/apply.ts) */
const LINE = /^(reload|restart-shell|restart-agent|out-of-service) (tried|failed|recovered|no-effect|out-of-service|back-in-service|reset)(?: \(([A-Z_]+)\))?(?:, attempt (\d+))?: ([\s\S]*)$/;
const TONE: Record<string, string> = { recovered: 'ok', 'back-in-service': 'ok', reset: 'neutral', tried: 'neutral', 'no-effect': 'bad', failed: 'bad', 'out-of-service': 'bad' };

export function RecoveryPanel({ history }: { history: KioskDetail['history'] }) {
  const { t, locale } = useI18n();
  const rows = history.filter((h) => h.kind === 'recovery').slice(0, 10);
  if (rows.length === 0) return null;
  const now = Date.now();
  return (
    <section className="card" data-section="recovery">
      <h2>{t('recovery.title')}</h2>
      <ul className="recovery-list">
        {rows.map((h, i) => {
          const m = LINE.exec(h.detail ?? '');
          if (!m) return null;
          const [, step, outcome, fault, attempt, detail] = m;
          return (
            <li key={`${h.at}-${i}`} data-recovery-step={step} data-recovery-outcome={outcome}>
              <span className="num recovery-at" title={fullTime(h.at)}>
                {shortTime(h.at, now)}
              </span>
              <span className="recovery-what">
                <b>{t(`recovery.step.${step}` as MessageKey)}</b>
                {attempt && attempt !== '0' ? <span className="recovery-attempt num"> #{attempt}</span> : null}{' '}
                <span className={`outcome outcome-${TONE[outcome!] ?? 'neutral'}`}>{t(`recovery.outcome.${outcome}` as MessageKey)}</span>
                {fault ? <span className="recovery-fault"> · {faultText(fault, locale)}</span> : null}
              </span>
              <span className="recovery-detail ellipsis" title={detail}>
                {detail}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
