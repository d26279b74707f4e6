/**
 * Add a notification channel (admin): the robot's type and its whole address, an optional secret,
 * which alarms it wants and its grouping times. The address is checked here as HQ checks it (the
 * rule is contracts/hq-notify.ts's), so a pasted wrong URL is said at once.
 */
import { useState } from 'react';
import { ALARM_SEVERITIES, type AlarmSeverity } from '../../../../contracts/faults.ts';
import { CHANNEL_TYPES, channelUrlProblem, DEFAULT_GROUP_INTERVAL_S, DEFAULT_GROUP_WAIT_S, DEFAULT_REPEAT_S, type ChannelType, type NewChannel } from '../../../../contracts/hq-notify.ts';
import { addChannel } from '../api/notify.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { FormDialog } from './FormDialog.tsx';
import { PlaceLists } from './PlaceLists.tsx';

const EXAMPLE: Record<ChannelType, string> = {
  wecom: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…',
  dingtalk: 'https://oapi.dingtalk.com/robot/send?access_token=…',
  feishu: 'https://open.feishu.cn/open-apis/bot/v2/hook/…',
  webhook: 'https://…',
};

export function ChannelDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [type, setType] = useState<ChannelType>('wecom');
  const [f, setF] = useState({ name: '', url: '', secret: '', district: '', site: '', codes: '', minSeverity: 'warning' as AlarmSeverity, groupWaitS: String(DEFAULT_GROUP_WAIT_S), groupIntervalS: String(DEFAULT_GROUP_INTERVAL_S), repeatS: String(DEFAULT_REPEAT_S) });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const urlProblem = f.url.trim() ? channelUrlProblem(type, f.url.trim()) : null;

  const submit = async () => {
    const opt = (v: string) => (v.trim() ? v.trim() : undefined);
    const codes = f.codes
      .split(/[,，\s]+/)
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean);
    const c: NewChannel = {
      type,
      url: f.url.trim(),
      name: opt(f.name),
      secret: type === 'wecom' ? undefined : opt(f.secret),
      district: opt(f.district),
      site: opt(f.site),
      minSeverity: f.minSeverity,
      codes: codes.length > 0 ? (codes as NewChannel['codes']) : undefined,
      groupWaitS: Number(f.groupWaitS),
      groupIntervalS: Number(f.groupIntervalS),
      repeatS: Number(f.repeatS),
    };
    await addChannel(c);
    onDone();
  };

  const secretLabel = type === 'wecom' ? t('ch.form.secret') : t(`ch.form.secret.${type}`);
  return (
    <FormDialog name="add-channel" title={t('ch.form.title')} submitLabel={t('ch.form.submit')} wide submit={submit} onClose={onClose}>
      <div className="form-grid">
        <label className="field">
          <span>{t('ch.form.type')}</span>
          <select data-field="type" value={type} onChange={(e) => setType(e.target.value as ChannelType)}>
            {CHANNEL_TYPES.map((ct) => (
              <option key={ct} value={ct}>
                {t(`ch.type.${ct}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('ch.form.name')}</span>
          <input data-field="name" maxLength={80} placeholder={t('ch.form.namePh')} value={f.name} onChange={set('name')} />
        </label>
        <label className="field span2">
          <span>{t('ch.form.url')}</span>
          <input data-field="url" className="mono" required maxLength={2000} placeholder={EXAMPLE[type]} value={f.url} onChange={set('url')} autoFocus spellCheck={false} autoComplete="off" />
          <span className={`field-hint${urlProblem ? ' bad' : ''}`} data-url-problem={urlProblem ? '' : undefined}>
            {urlProblem ?? t('ch.form.secretKept')}
          </span>
        </label>
        <label className="field span2">
          <span>{secretLabel}</span>
          <input data-field="secret" type="password" autoComplete="new-password" maxLength={200} disabled={type === 'wecom'} placeholder={type === 'wecom' ? t('ch.form.secretNone') : ''} value={type === 'wecom' ? '' : f.secret} onChange={set('secret')} />
        </label>
        <label className="field">
          <span>{t('ch.form.district')}</span>
          <input data-field="district" list="notify-districts" maxLength={100} value={f.district} onChange={set('district')} />
        </label>
        <label className="field">
          <span>{t('ch.form.site')}</span>
          <input data-field="site" list="notify-sites" maxLength={200} value={f.site} onChange={set('site')} />
        </label>
        <label className="field">
          <span>{t('ch.form.minSeverity')}</span>
          <select data-field="minSeverity" value={f.minSeverity} onChange={set('minSeverity')}>
            {[...ALARM_SEVERITIES].reverse().map((s) => (
              <option key={s} value={s}>
                {t(`severity.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('ch.form.codes')}</span>
          <input data-field="codes" className="mono" placeholder="KIOSK_OFFLINE, SCREEN_BLACK" value={f.codes} onChange={set('codes')} />
        </label>
      </div>
      <div className="form-grid three">
        {(['groupWaitS', 'groupIntervalS', 'repeatS'] as const).map((k) => (
          <label key={k} className="field">
            <span>{t(k === 'groupWaitS' ? 'ch.form.groupWait' : k === 'groupIntervalS' ? 'ch.form.groupInterval' : 'ch.form.repeat')}</span>
            <input data-field={k} type="number" min={k === 'groupWaitS' ? 0 : k === 'repeatS' ? 60 : 1} step={1} required value={f[k]} onChange={set(k)} />
          </label>
        ))}
      </div>
      <PlaceLists />
    </FormDialog>
  );
}
