/** A picture opened large in a modal dialog — a screenshot (issue 10), a screen alarm's frame (issue 11): its title, the picture, a line about it, Close. */
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/I18n.tsx';
import { useModal } from './useModal.ts';
import '../remote-hands.css';

export function PictureDialog(o: { name: string; title: string; picture: ReactNode; about: ReactNode; onClose: () => void; className?: string }) {
  const { t } = useI18n();
  const dialog = useModal();
  const titleId = `${o.name}-title`;
  return (
    <dialog ref={dialog} className={`dialog shot-dialog${o.className ? ` ${o.className}` : ''}`} data-dialog={o.name} aria-labelledby={titleId} onCancel={(e) => (e.preventDefault(), o.onClose())} onClick={(e) => e.target === e.currentTarget && o.onClose()}>
      <div className="shot-full">
        <h2 id={titleId}>{o.title}</h2>
        {o.picture}
        <div className="shot-meta">
          {o.about}
          <button type="button" className="button" data-action={`close-${o.name}`} onClick={o.onClose}>
            {t('shot.close')}
          </button>
        </div>
      </div>
    </dialog>
  );
}
