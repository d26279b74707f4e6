/**
 * A modal form (the notification pages' add / confirm dialogs): title, fields, the server's error
 * in words, cancel and submit. `submit` returns a promise; the dialog closes when it resolves and
 * shows the error when it rejects (nothing typed is lost). `data-dialog` names it for tests.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18n.tsx';

export function FormDialog({ name, title, submitLabel, danger, wide, submit, onClose, children }: { name: string; title: string; submitLabel: string; danger?: boolean; wide?: boolean; submit: () => Promise<unknown>; onClose: () => void; children: ReactNode }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    submit().then(onClose, (err: unknown) => {
      setBusy(false);
      setError(t('form.failed', { msg: err instanceof Error ? err.message : String(err) }));
    });
  };

  return (
    <dialog ref={dialog} className={`dialog${wide ? ' dialog-wide' : ''}`} data-dialog={name} aria-labelledby={`${name}-title`} onCancel={(e) => (e.preventDefault(), onClose())}>
      <form onSubmit={onSubmit}>
        <h2 id={`${name}-title`}>{title}</h2>
        {children}
        <div className="dialog-error" role="alert" data-form-error>
          {error}
        </div>
        <div className="dialog-buttons">
          <button type="button" className="button ghost" data-action="cancel" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className={`button ${danger ? 'danger' : 'primary'}`} data-action={`confirm-${name}`} disabled={busy}>
            {submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
