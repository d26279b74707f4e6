/** Each device's health as the kiosk last reported it, with its fault and warning codes, and noise on its line. */
import type { KioskDetail } from '../../../../contracts/hq-api.ts';
import { faultText } from '../i18n/faults.ts';
import { useI18n } from '../i18n/I18n.tsx';

const DEVICES = ['idReader', 'printer', 'scanner'] as const;
const KNOWN = new Set(['ok', 'warning', 'fault', 'absent']);

export function DevicesPanel({ devices }: { devices: KioskDetail['devices'] }) {
  const { t, locale } = useI18n();
  return (
    <div className="devices">
      {DEVICES.map((name) => {
        const d = devices[name];
        const state = d ? (KNOWN.has(d.state) ? d.state : 'unknown') : 'unreported';
        const label = state === 'ok' || state === 'warning' || state === 'fault' || state === 'absent' ? t(`device.${state}`) : state === 'unreported' ? t('device.unreported') : (d?.state ?? '');
        return (
          <div key={name} className={`device device-${state}`} data-device={name} data-device-state={d?.state ?? 'unreported'}>
            <div className="device-head">
              <span className="device-name">{t(`device.${name}`)}</span>
              <span className={`device-state ds-${state}`}>{label}</span>
            </div>
            <ul className="device-codes">
              {d?.faults.map((c) => (
                <li key={`f-${c}`} className="fault" title={c}>
                  {faultText(c, locale)}
                </li>
              ))}
              {d?.warnings.map((c) => (
                <li key={`w-${c}`} className="warning" title={c}>
                  {faultText(c, locale)}
                </li>
              ))}
              {d?.noisy && !d.warnings.some((c) => c.endsWith('_LINE_NOISE')) && (
                <li className="noise" data-line-noise>
                  {t('device.noisy')}
                </li>
              )}
            </ul>
          </div>
        );
      })}
    </div>
  );
}
