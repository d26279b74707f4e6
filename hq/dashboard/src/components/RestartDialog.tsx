/** HQ's restart-app (issue 10) asks first: what happens, and a reason for the audit trail. */
import { useState } from 'react';
import { useI18n } from '../i18n/I18n.tsx';
import { FormDialog } from './FormDialog.tsx';

export function RestartDialog({ kioskId, send, onClose }: { kioskId: string; send: (reason: string) => Promise<void>; onClose: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  return (
    <FormDialog name="restart-app" title={t('restart.title')} submitLabel={t('restart.confirm')} danger submit={() => send(reason.trim())} onClose={onClose}>
      <div className="dialog-alarm">
        <span className="mono">{kioskId}</span>
      </div>
      <p className="dialog-note">{t('restart.body')}</p>
      <label className="field">
        <span>{t('restart.reason')}</span>
        <input data-field="reason" maxLength={200} placeholder={t('restart.reasonHint')} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
      </label>
    </FormDialog>
  );
}
