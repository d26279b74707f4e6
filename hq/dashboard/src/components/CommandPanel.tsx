/**
 * Lock / unlock / reload the screen, and what became of each command: queued → delivered →
 * succeeded | failed | expired, with the kiosk's own words. Viewers see the buttons greyed out.
 */
import { useState } from 'react';
import type { CommandView } from '../../../../contracts/hq-api.ts';
import type { HqCommandType } from '../../../../contracts/hq.ts';
import { useCommands } from '../api/useCommands.ts';
import { fullTime, shortTime } from '../format/time.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { useCanOperate } from '../session/Session.tsx';
import { CommandStatusBadge } from './badges.tsx';

const BUTTONS: HqCommandType[] = ['lock', 'unlock', 'reload-screen'];
const SHOWN = 6;

export function CommandPanel({ kioskId, commands }: { kioskId: string; commands: CommandView[] }) {
  const { t } = useI18n();
  const canOperate = useCanOperate();
  const { list, send, sending } = useCommands(kioskId, commands);
  const [error, setError] = useState<string | null>(null);

  const click = (type: HqCommandType) => {
    setError(null);
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
      <div className="command-note" role="status">
        {error ? <span className="bad-text">{error}</span> : canOperate ? t('command.lockHint') : t('command.viewer')}
      </div>
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
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
