/**
 * Declare a maintenance window (operator): one kiosk, a site or a district, from now (or later) until
 * a time, and why. Times are the browser's local time, sent with their offset.
 */
import { useState } from 'react';
import type { NewMaintenanceWindow } from '../../../../contracts/hq-notify.ts';
import { addMaintenanceWindow } from '../api/notify.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { FormDialog } from './FormDialog.tsx';

type Scope = 'kioskId' | 'site' | 'district';
const SCOPES: [Scope, 'mw.scope.kiosk' | 'mw.scope.site' | 'mw.scope.district'][] = [
  ['kioskId', 'mw.scope.kiosk'],
  ['site', 'mw.scope.site'],
  ['district', 'mw.scope.district'],
];

/** `datetime-local` text (the browser's time) → ISO 8601 UTC */
const fromLocal = (v: string): string => new Date(v).toISOString();

export function MaintenanceDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [f, setF] = useState({ scope: 'site' as Scope, value: '', from: '', to: '', reason: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const submit = async () => {
    const m: NewMaintenanceWindow = { [f.scope]: f.value.trim(), endsAt: fromLocal(f.to), reason: f.reason.trim(), ...(f.from ? { startsAt: fromLocal(f.from) } : {}) };
    await addMaintenanceWindow(m);
    onDone();
  };
  return (
    <FormDialog name="add-maintenance" title={t('mw.form.title')} submitLabel={t('mw.form.submit')} wide submit={submit} onClose={onClose}>
      <div className="form-grid">
        <label className="field">
          <span>{t('mw.form.scope')}</span>
          <select data-field="scope" value={f.scope} onChange={set('scope')}>
            {SCOPES.map(([s, key]) => (
              <option key={s} value={s}>
                {t(key)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('mw.form.value')}</span>
          <input data-field="value" list={f.scope === 'site' ? 'notify-sites' : f.scope === 'district' ? 'notify-districts' : undefined} required maxLength={200} value={f.value} onChange={set('value')} autoFocus />
        </label>
        <label className="field">
          <span>{t('mw.form.from')}</span>
          <input data-field="from" type="datetime-local" value={f.from} onChange={set('from')} />
        </label>
        <label className="field">
          <span>{t('mw.form.to')}</span>
          <input data-field="to" type="datetime-local" required value={f.to} onChange={set('to')} />
        </label>
        <label className="field span2">
          <span>{t('mw.form.reason')}</span>
          <textarea data-field="reason" rows={2} maxLength={500} required placeholder={t('mw.form.reasonPh')} value={f.reason} onChange={set('reason')} />
        </label>
      </div>
    </FormDialog>
  );
}
