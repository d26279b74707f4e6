/**
 * HQ's set-promised-hours (issue 10): the kiosk's promised hours as a form — around the clock, or a
 * range list per weekday — with exception dates. HQ checks them with the kiosk config's own schema;
 * its 400 names the field, and the form shows it. On success the command is followed in the list.
 */
import { useState } from 'react';
import { emptyHoursForm, hoursArgs, WEEKDAYS, type HoursForm } from '../format/hours-form.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { FormDialog } from './FormDialog.tsx';
import '../remote-hands.css';

export function HoursDialog({ version, send, onClose }: { version: string | null; send: (args: Record<string, unknown>) => Promise<void>; onClose: () => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState<HoursForm>(emptyHoursForm);
  return (
    <FormDialog name="set-promised-hours" title={t('hours.title')} submitLabel={t('hours.submit')} wide submit={() => send(hoursArgs(form))} onClose={onClose}>
      <div className="hours-form">
        <p className="dialog-note">{t('hours.intro')}</p>
        <p className="dialog-note mono">{version ? t('hours.version', { v: version }) : t('hours.noVersion')}</p>
        <div className="hours-row">
          <label className="check">
            <input type="checkbox" data-field="allDay" checked={form.allDay} onChange={(e) => setForm({ ...form, allDay: e.target.checked })} />
            {t('hours.allDay')}
          </label>
          <label className="hours-tz">
            <span>{t('hours.timezone')}</span>
            <input data-field="timezone" value={form.timezone} onChange={(e) => setForm({ ...form, timezone: e.target.value })} />
          </label>
        </div>
        <div className="hours-days" aria-disabled={form.allDay}>
          {WEEKDAYS.map((d) => (
            <label key={d} className="hours-day">
              <span>{t(`hours.day.${d}`)}</span>
              <input
                data-field={`day-${d}`}
                disabled={form.allDay}
                placeholder={form.allDay ? '00:00-24:00' : t('hours.closed')}
                value={form.days[d]}
                onChange={(e) => setForm({ ...form, days: { ...form.days, [d]: e.target.value } })}
              />
            </label>
          ))}
          <div className="hours-hint">{t('hours.dayHint')}</div>
        </div>
        <label className="field">
          <span>{t('hours.exceptions')}</span>
          <textarea data-field="exceptions" rows={3} placeholder={t('hours.exceptionsHint')} value={form.exceptions} onChange={(e) => setForm({ ...form, exceptions: e.target.value })} />
        </label>
      </div>
    </FormDialog>
  );
}
