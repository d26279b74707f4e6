/** A new silence (operator): kiosk, site and/or fault — every one given must match — for how long, and why. */
import { useState } from 'react';
import { ALL_FAULT_CODES } from '../../../../contracts/faults.ts';
import type { NewSilence } from '../../../../contracts/hq-notify.ts';
import { addSilence } from '../api/notify.ts';
import { SILENCE_DURATIONS } from '../format/durations.ts';
import { faultText } from '../i18n/faults.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { FormDialog } from './FormDialog.tsx';

export function SilenceDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const { t, locale } = useI18n();
  const [f, setF] = useState({ kioskId: '', site: '', code: '', minutes: '120', comment: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const submit = async () => {
    const s: NewSilence = {
      ...(f.kioskId.trim() ? { kioskId: f.kioskId.trim() } : {}),
      ...(f.site.trim() ? { site: f.site.trim() } : {}),
      ...(f.code ? { code: f.code as NewSilence['code'] } : {}),
      durationMinutes: Number(f.minutes),
      comment: f.comment.trim(),
    };
    await addSilence(s);
    onDone();
  };
  return (
    <FormDialog name="add-silence" title={t('sil.form.title')} submitLabel={t('sil.form.submit')} wide submit={submit} onClose={onClose}>
      <div className="form-grid">
        <label className="field">
          <span>{t('sil.form.kiosk')}</span>
          <input data-field="kioskId" className="mono" maxLength={64} value={f.kioskId} onChange={set('kioskId')} autoFocus />
        </label>
        <label className="field">
          <span>{t('sil.form.site')}</span>
          <input data-field="site" list="notify-sites" maxLength={200} value={f.site} onChange={set('site')} />
        </label>
        <label className="field">
          <span>{t('sil.form.code')}</span>
          <select data-field="code" value={f.code} onChange={set('code')}>
            <option value="">{t('sil.form.anyCode')}</option>
            {ALL_FAULT_CODES.map((c) => (
              <option key={c} value={c}>
                {faultText(c, locale)} ({c})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('sil.form.duration')}</span>
          <select data-field="duration" value={f.minutes} onChange={set('minutes')}>
            {SILENCE_DURATIONS.map(([key, minutes]) => (
              <option key={key} value={minutes}>
                {t(key)}
              </option>
            ))}
          </select>
        </label>
        <span className="field-hint span2">{t('sil.form.matchHint')}</span>
        <label className="field span2">
          <span>{t('sil.form.comment')}</span>
          <textarea data-field="comment" rows={2} maxLength={500} required placeholder={t('sil.form.commentPh')} value={f.comment} onChange={set('comment')} />
        </label>
      </div>
    </FormDialog>
  );
}
