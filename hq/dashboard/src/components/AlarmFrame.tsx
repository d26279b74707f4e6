/**
 * A screen alarm's frame (issue 11): the small picture of the glass the kiosk sent with SCREEN_BLACK,
 * SCREEN_COVERED or SCREEN_FROZEN — a thumbnail under the alarm's detail that opens larger. A kiosk
 * sends none while a customer may be on screen: then HQ's 404 says why, and that is shown instead.
 */
import { useState } from 'react';
import { useI18n } from '../i18n/I18n.tsx';
import { PictureDialog } from './PictureDialog.tsx';
import '../remote-hands.css';

function Larger({ url, onClose }: { url: string; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <PictureDialog
      name="frame"
      className="alarm-frame-dialog"
      title={t('frame.title')}
      picture={<img src={url} alt={t('frame.title')} className="alarm-frame-large" />}
      about={<span>{t('frame.hint')}</span>}
      onClose={onClose}
    />
  );
}

export function AlarmFrame({ url }: { url: string }) {
  const { t } = useI18n();
  const [none, setNone] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  // no picture: ask HQ why (its 404 carries the kiosk's reason)
  const whyNot = () =>
    void fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((res) => res.json() as Promise<{ error?: unknown }>)
      .then((b) => setNone(typeof b.error === 'string' ? b.error : ''))
      .catch(() => setNone(''));
  if (none !== null)
    return (
      <div className="alarm-frame-none" data-alarm-frame="none" title={none}>
        {t('frame.none')}
        {none ? ` · ${none}` : ''}
      </div>
    );
  return (
    <div className="alarm-frame">
      <button type="button" className="shot-thumb" data-action="open-frame" title={t('frame.thumb')} onClick={() => setOpen(true)}>
        <img src={url} alt={t('frame.thumb')} loading="lazy" onError={whyNot} data-alarm-frame="shown" />
      </button>
      {open ? <Larger url={url} onClose={() => setOpen(false)} /> : null}
    </div>
  );
}
