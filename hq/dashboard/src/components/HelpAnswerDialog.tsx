/**
 * A HELP_REQUESTED alarm (issue 10): where on the kiosk the person asked (screen, step, service —
 * never who), a short answer (≤ 200 characters) the kiosk shows on its screen, or "mark handled"
 * (the alarm's clear, with the comment). The answers so far, with how far each got (queued →
 * delivered → shown / failed), refresh while the dialog is open.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Alarm } from '../../../../contracts/hq-api.ts';
import { HELP_ANSWER_MAX_CHARS } from '../../../../contracts/hq.ts';
import { helpAnswerPath, HelpHistorySchema, helpPath, type HelpHistory } from '../../../../contracts/hq-help.ts';
import { clearAlarm } from '../api/endpoints.ts';
import { postJson } from '../api/http.ts';
import { usePoll } from '../api/usePoll.ts';
import { fullTime, shortTime } from '../format/time.ts';
import { useI18n, type Translate } from '../i18n/I18n.tsx';
import { CommandStatusBadge, SeverityBadge } from './badges.tsx';
import '../help.css';

function serviceName(service: string | null, t: Translate): string {
  if (service === 'providentFundStatement' || service === 'hospitalRegistration') return t(`service.${service}`);
  return service ?? t('help.noService');
}

function Where({ history }: { history: HelpHistory | null }) {
  const { t } = useI18n();
  const latest = history?.requests[0];
  if (!history) return null;
  if (!latest) return <div className="muted">{t('help.noRequest')}</div>;
  return (
    <dl className="help-where" data-help-request={latest.requestId}>
      <dt>{t('help.screen')}</dt>
      <dd className="mono" data-field="help-screen">
        {latest.screen}
      </dd>
      <dt>{t('help.step')}</dt>
      <dd className="mono">{latest.step}</dd>
      <dt>{t('help.service')}</dt>
      <dd>{serviceName(latest.service, t)}</dd>
      <dt />
      <dd className="muted small" title={fullTime(latest.at)}>
        {t('help.askedAt', { time: shortTime(latest.at) })}
        {history.requests.length > 1 ? ` · ${t('help.requests', { n: history.requests.length })}` : ''}
      </dd>
    </dl>
  );
}

function Answers({ history }: { history: HelpHistory | null }) {
  const { t } = useI18n();
  if (!history) return null;
  return (
    <section className="help-history" aria-label={t('help.history')}>
      <h3>{t('help.history')}</h3>
      {history.answers.length === 0 ? (
        <div className="muted small">{t('help.noAnswers')}</div>
      ) : (
        <ul>
          {history.answers.map((a) => (
            <li key={a.commandId} data-help-answer={a.commandId} data-command-status={a.status}>
              <div className="help-answer-text">“{a.text}”</div>
              <div className="help-answer-meta">
                <CommandStatusBadge status={a.status} />
                <span title={fullTime(a.at)}>
                  {a.by} · {shortTime(a.at)}
                </span>
                {a.result ? (
                  <span className="muted" title={a.result}>
                    {a.result}
                  </span>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function HelpAnswerDialog({ alarm, onClose, onDone }: { alarm: Alarm; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const poll = usePoll(helpPath(alarm.id), HelpHistorySchema, 2000);
  const active = alarm.status.startsWith('active');

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  const run = (what: () => Promise<unknown>, close: boolean) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    what().then(
      () => {
        setBusy(false);
        onDone();
        if (close) onClose();
        else {
          setText('');
          poll.refresh();
        }
      },
      (err: unknown) => {
        setBusy(false);
        setError(t('dialog.failed', { msg: err instanceof Error ? err.message : String(err) }));
      },
    );
  };
  const send = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) run(() => postJson(helpAnswerPath(alarm.id), { text: text.trim() }, HelpHistorySchema), false);
  };

  return (
    <dialog ref={dialog} className="dialog help-dialog" data-dialog="help-answer" aria-labelledby="help-dialog-title" onCancel={(e) => (e.preventDefault(), onClose())}>
      <form onSubmit={send}>
        <h2 id="help-dialog-title">{t(active ? 'help.title' : 'help.history')}</h2>
        <div className="dialog-alarm">
          <SeverityBadge severity={alarm.severity} />
          <span className="mono">{alarm.kioskId}</span>
          {alarm.count > 1 ? <span className="count">×{alarm.count}</span> : null}
        </div>
        <h3>{t('help.where')}</h3>
        <Where history={poll.data} />
        <Answers history={poll.data} />
        <label className="field">
          <span>
            {t('help.text')} <span className="muted small">{t('help.count', { n: text.trim().length, max: HELP_ANSWER_MAX_CHARS })}</span>
          </span>
          <textarea data-field="help-text" rows={3} maxLength={HELP_ANSWER_MAX_CHARS} placeholder={t('help.textHint')} value={text} onChange={(e) => setText(e.target.value)} disabled={!active} autoFocus />
        </label>
        <div className="dialog-error" role="alert">
          {error ?? (poll.error ? t('common.error', { msg: poll.error.message }) : null)}
        </div>
        <div className="dialog-buttons">
          <button type="button" className="button ghost" data-action="cancel" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="button" className="button" data-action="help-handled" disabled={busy || !active} onClick={() => run(() => clearAlarm(alarm.id, text.trim()), true)}>
            {t('help.handled')}
          </button>
          <button type="submit" className="button primary" data-action="help-send" disabled={busy || !active || !text.trim() || !poll.data?.requests.length}>
            {t('help.send')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
