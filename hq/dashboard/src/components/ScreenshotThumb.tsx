/**
 * A screenshot command's picture (issue 10): a thumbnail in the command list that opens full size,
 * with when HQ deletes it. The image comes from HQ's operator API with the session cookie.
 */
import { useState } from 'react';
import type { ScreenshotInfo } from '../../../../contracts/hq-api.ts';
import { fullTime, shortTime } from '../format/time.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { PictureDialog } from './PictureDialog.tsx';
import '../remote-hands.css';

function FullSize({ shot, onClose }: { shot: ScreenshotInfo; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <PictureDialog
      name="screenshot"
      title={t('shot.title')}
      picture={<img src={shot.url} alt={t('shot.title')} data-screenshot-full />}
      about={
        <span title={fullTime(shot.expiresAt)} data-screenshot-expires>
          {t('shot.expires', { time: shortTime(shot.expiresAt) })}
        </span>
      }
      onClose={onClose}
    />
  );
}

export function ScreenshotThumb({ shot }: { shot: ScreenshotInfo | null | undefined }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  if (shot === undefined) return null;
  if (shot === null) return <span className="shot-gone">{t('shot.gone')}</span>;
  return (
    <span className="shot">
      <button type="button" className="shot-thumb" data-action="open-screenshot" title={t('shot.thumb')} onClick={() => setOpen(true)}>
        <img src={shot.url} alt={t('shot.thumb')} loading="lazy" data-screenshot-thumb />
      </button>
      <span className="shot-info">
        <span>{t('shot.size', { kb: Math.max(1, Math.round(shot.bytes / 1024)) })}</span>
        <span title={fullTime(shot.expiresAt)}>{t('shot.expires', { time: shortTime(shot.expiresAt) })}</span>
      </span>
      {open ? <FullSize shot={shot} onClose={() => setOpen(false)} /> : null}
    </span>
  );
}
