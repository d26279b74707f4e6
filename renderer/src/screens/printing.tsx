/** The printer's parts of the screens: "正在打印…" with progress, "check the outlet", the staff screen's recent jobs. */
import type { RecentPrintJob } from '../../../contracts/bridge.ts';
import { duration, kioskTime, secondsLeft } from '../format.ts';
import { Icon } from '../icons.tsx';
import { useAgentNow, useKiosk, Waiting } from '../ui.tsx';

/**
 * "正在打印…": how far the receipt should be (estimated from its length, never 100 % before the
 * printer confirms it), and how long the kiosk still waits before it says what to do.
 */
export function PrintingWait({ title, hint }: { title: string; hint?: string }) {
  return (
    <>
      <Waiting variant="printer" title={title} {...(hint ? { hint } : {})} />
      <PrintProgress />
    </>
  );
}

function PrintProgress() {
  const { msg, t, locale } = useKiosk();
  const now = useAgentNow(250);
  const p = msg.printing;
  if (!p) return null;
  const pct = Math.min(95, Math.max(1, Math.round(((now - p.sentAt) / Math.max(1, p.expectedDoneAt - p.sentAt)) * 100)));
  const words = now >= p.expectedDoneAt ? t('print.confirming') : t('print.progress', { pct, lines: p.lines });
  return (
    <section className="print-progress" data-testid="print-progress">
      <progress className="print-progress-bar" max={100} value={pct} aria-label={words} />
      <p className="big-text">{words}</p>
      <p className="hint">
        <span role="timer" aria-live="off">
          {t('print.giveUp', { time: duration(locale, secondsLeft(p.giveUpAt, now)) })}
        </span>
      </p>
    </section>
  );
}

/** Part of the receipt may be in the outlet (it carries a name): say so before "go elsewhere". */
export function CheckTray({ show }: { show: boolean | undefined }) {
  const { t } = useKiosk();
  if (!show) return null;
  return (
    <div className="check-tray" role="alert" data-testid="check-tray">
      <Icon name="down" size={72} />
      <div>
        <strong className="check-tray-title">{t('print.checkTray')}</strong>
        <span className="check-tray-hint">{t('print.checkTrayHint')}</span>
      </div>
    </div>
  );
}

/** The staff screen: the latest print jobs (from the journal) and how each ended. */
export function RecentPrintJobs({ jobs }: { jobs: RecentPrintJob[] | undefined }) {
  const { t, w } = useKiosk();
  if (!jobs) return null;
  return (
    <section className="card" data-testid="recent-print-jobs">
      <h2 className="section-title">{t('mt.jobs')}</h2>
      {jobs.length === 0 ? (
        <p>{t('mt.noJobs')}</p>
      ) : (
        <ol className="job-list">
          {jobs.map((j, i) => (
            <li key={`${j.at}-${i}`} className={`job-row job-${j.status}`}>
              <span className="job-time">{kioskTime(j.at)}</span>
              <span className="job-what">{w(j.what)}</span>
              <strong className="job-status">{t(`mt.job.${j.status}`)}</strong>
              {j.faultWords ? (
                <span className="job-fault">
                  {w(j.faultWords)} <code>{j.fault}</code>
                </span>
              ) : null}
              {j.detail ? <span className="job-detail">{j.detail}</span> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
