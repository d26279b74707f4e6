/**
 * Lock / unlock / reload the screen, and issue 10's remote hands (test print, self-test, screenshot,
 * promised hours through a form, restart after a confirmation); what became of each command: queued →
 * delivered → succeeded | failed | expired, who sent it, when delivered, the kiosk's own words, and a
 * screenshot's thumbnail. Viewers see the buttons greyed out.
 */
import { useState } from 'react';
import type { CommandView } from '../../../../contracts/hq-api.ts';
import type { HqCommandType } from '../../../../contracts/hq.ts';
import { useCommands } from '../api/useCommands.ts';
import { fullTime, shortTime } from '../format/time.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { useCanOperate } from '../session/Session.tsx';
import { CommandStatusBadge } from './badges.tsx';
import { HoursDialog } from './HoursDialog.tsx';
import { RestartDialog } from './RestartDialog.tsx';
import { ScreenshotThumb } from './ScreenshotThumb.tsx';

const BUTTONS: HqCommandType[] = ['lock', 'unlock', 'reload-screen'];
/** issue 10's remote hands; set-promised-hours and restart-app open a form / confirmation first */
const HANDS: HqCommandType[] = ['test-print', 'self-test', 'screenshot', 'set-promised-hours', 'restart-app'];
const ASKS_FIRST = new Set<HqCommandType>(['set-promised-hours', 'restart-app']);
const SHOWN = 6;

export function CommandPanel({ kioskId, commands, hoursVersion = null }: { kioskId: string; commands: CommandView[]; hoursVersion?: string | null }) {
  const { t } = useI18n();
  const canOperate = useCanOperate();
  const { list, send, sending } = useCommands(kioskId, commands);
  const [error, setError] = useState<string | null>(null);
  const [asking, setAsking] = useState<HqCommandType | null>(null);

  const click = (type: HqCommandType) => {
    setError(null);
    if (ASKS_FIRST.has(type)) return setAsking(type);
    send(type).catch((e: unknown) => setError(t('command.sendFailed', { msg: e instanceof Error ? e.message : String(e) })));
  };

  return (
    <div className="commands">
      <div className="command-buttons">
        {BUTTONS.map((type) => (
          <button
            key={type}
            type="button"
            className={type === 'lock' ? 'button warn' : 'button'}
            data-action={type}
            disabled={!canOperate || sending !== null}
            title={canOperate ? (type === 'lock' ? t('command.lockHint') : undefined) : t('command.viewer')}
            onClick={() => click(type)}
          >
            {t(`command.${type}`)}
          </button>
        ))}
      </div>
      <div className="command-buttons hands" data-command-group="remote-hands">
        {HANDS.map((type) => (
          <button
            key={type}
            type="button"
            className={type === 'restart-app' ? 'button warn' : 'button'}
            data-action={type}
            disabled={!canOperate || sending !== null}
            title={canOperate ? t('command.handsHint') : t('command.viewer')}
            onClick={() => click(type)}
          >
            {t(`command.${type}`)}
          </button>
        ))}
      </div>
      <div className="command-note" role="status">
        {error ? <span className="bad-text">{error}</span> : canOperate ? t('command.lockHint') : t('command.viewer')}
      </div>
      {asking === 'set-promised-hours' ? <HoursDialog version={hoursVersion} send={(args) => send('set-promised-hours', { args })} onClose={() => setAsking(null)} /> : null}
      {asking === 'restart-app' ? (
        <RestartDialog kioskId={kioskId} send={(reason) => send('restart-app', reason ? { reason } : {})} onClose={() => setAsking(null)} />
      ) : null}
      {list.length === 0 ? (
        <div className="empty small">{t('command.none')}</div>
      ) : (
        <ul className="command-list">
          {list.slice(0, SHOWN).map((c) => (
            <li key={c.id} data-command-id={c.id} data-command-type={c.type} data-command-status={c.status}>
              <span className="command-type">{t(`command.${c.type}`)}</span>
              <CommandStatusBadge status={c.status} />
              <span className="command-when num" title={fullTime(c.finishedAt ?? c.deliveredAt ?? c.issuedAt)}>
                {c.issuedAt ? shortTime(c.finishedAt ?? c.deliveredAt ?? c.issuedAt) : ''}
              </span>
              <span className="command-by">{c.issuedBy ?? ''}</span>
              {c.result ? (
                <span className="command-result" data-command-result title={c.result}>
                  {c.result}
                </span>
              ) : null}
              {c.deliveredAt ? (
                <span className="command-meta" data-command-delivered>
                  <span title={fullTime(c.deliveredAt)}>{t('command.delivered.at', { time: shortTime(c.deliveredAt) })}</span>
                  {c.finishedAt ? <span title={fullTime(c.finishedAt)}>{t('command.finished.at', { time: shortTime(c.finishedAt) })}</span> : null}
                </span>
              ) : null}
              {c.type === 'screenshot' && c.status === 'succeeded' ? <ScreenshotThumb shot={c.screenshot} /> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
