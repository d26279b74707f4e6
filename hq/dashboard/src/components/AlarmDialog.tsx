/** Acknowledge or clear one alarm, with an optional comment that goes into the audit trail. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Alarm } from '../../../../contracts/hq-api.ts';
import { ackAlarm, clearAlarm } from '../api/endpoints.ts';
import { faultText } from '../i18n/faults.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { SeverityBadge } from './badges.tsx';

export type AlarmAction = 'ack' | 'clear';

export function AlarmDialog({ alarm, action, onClose, onDone }: { alarm: Alarm; action: AlarmAction; onClose: () => void; onDone: () => void }) {
  const { t, locale } = useI18n();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    (action === 'ack' ? ackAlarm : clearAlarm)(alarm.id, comment.trim()).then(
      () => {
        onDone();
        onClose();
      },
      (err: unknown) => {
        setBusy(false);
        setError(t('dialog.failed', { msg: err instanceof Error ? err.message : String(err) }));
      },
    );
  };

  return (
    <dialog ref={dialog} className="dialog" data-dialog={action} aria-labelledby="alarm-dialog-title" onCancel={(e) => (e.preventDefault(), onClose())}>
      <form onSubmit={submit}>
        <h2 id="alarm-dialog-title">{t(action === 'ack' ? 'dialog.ack' : 'dialog.clear')}</h2>
        <div className="dialog-alarm">
          <SeverityBadge severity={alarm.severity} />
          <span className="mono">{alarm.kioskId}</span>
          <span>{faultText(alarm.code, locale)}</span>
          {alarm.count > 1 ? <span className="count">×{alarm.count}</span> : null}
        </div>
        <label className="field">
          <span>{t('dialog.comment')}</span>
          <textarea data-field="comment" rows={3} maxLength={500} placeholder={t('dialog.commentHint')} value={comment} onChange={(e) => setComment(e.target.value)} autoFocus />
        </label>
        <div className="dialog-error" role="alert">
          {error}
        </div>
        <div className="dialog-buttons">
          <button type="button" className="button ghost" data-action="cancel" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className={`button ${action === 'clear' ? 'danger' : 'primary'}`} data-action={`confirm-${action}`} disabled={busy}>
            {t(action === 'ack' ? 'dialog.ack' : 'dialog.clear')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
