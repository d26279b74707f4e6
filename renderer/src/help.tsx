/**
 * 求助 (issue 10): the button in the top-right corner of every screen (each screen's bar keeps that
 * corner free), and the overlay the agent's help view asks for — "已通知工作人员，请稍候", the
 * hotline when staff cannot be told, or an operator's answer. Everything shown follows from
 * `msg.help`; the renderer only sends HELP (with the screen's name) and HELP_CLOSE.
 */
import { Icon } from './icons.tsx';
import { Action, useKiosk } from './ui.tsx';

/** the open request is waiting for staff (the overlay closed): the button says so */
const WAITING = new Set(['sending', 'sent']);

export function HelpButton({ screen }: { screen: string }) {
  const { t, msg } = useKiosk();
  const waiting = msg.help != null && WAITING.has(msg.help.state) && !msg.help.shown;
  return (
    <div className="help-corner">
      <Action event={{ type: 'HELP', screen }} kind="secondary" className={`help-button${waiting ? ' help-waiting' : ''}`} label={t('help.buttonLabel')} pressed={waiting}>
        <Icon name="help" size={44} className="help-icon" />
        <span className="help-word">{t(waiting ? 'help.buttonOpen' : 'help.button')}</span>
      </Action>
    </div>
  );
}

export function HelpOverlay() {
  const { t, msg } = useKiosk();
  const h = msg.help;
  if (!h || !h.shown) return null;
  const hotline = t('help.callHotline', { hotline: msg.kiosk.hotline });
  const body = (() => {
    switch (h.state) {
      case 'sending':
        return (
          <>
            <div className="spinner" aria-hidden="true" />
            <h2 id="help-title" className="big-text">
              {t('help.sending')}
            </h2>
          </>
        );
      case 'sent':
        return (
          <>
            <Icon name="check" size={96} className="help-ok" />
            <h2 id="help-title" className="huge-text">
              {t('help.sent')}
            </h2>
            <p className="hint">{t('help.sentHint')}</p>
          </>
        );
      case 'answered':
        return (
          <>
            <h2 id="help-title" className="big-text">
              {t('help.answered')}
            </h2>
            <blockquote className="help-answer" data-testid="help-answer" lang="zh-CN">
              {h.answer}
            </blockquote>
          </>
        );
      default:
        return (
          <>
            <h2 id="help-title" className="huge-text">
              {t(h.state === 'no-link' ? 'help.noLink' : 'help.unreachable')}
            </h2>
            <p className="big-text">{hotline}</p>
          </>
        );
    }
  })();
  return (
    <div className="help-backdrop" data-testid="help-overlay" data-help-state={h.state}>
      <section className="help-dialog" role="alertdialog" aria-modal="true" aria-labelledby="help-title" aria-live="assertive">
        {body}
        <Action event={{ type: 'HELP_CLOSE' }} kind={h.state === 'answered' ? 'primary' : 'secondary'} className="wide help-close">
          {t(h.state === 'answered' ? 'help.gotIt' : 'help.close')}
        </Action>
      </section>
    </div>
  );
}
