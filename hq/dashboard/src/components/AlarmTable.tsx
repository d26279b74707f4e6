/**
 * Alarms as rows: severity, what it means, where, when (kiosk time and HQ time), how often, status,
 * who handled it, and acknowledge / clear. The row carries `data-alarm-id`, `data-alarm-code`,
 * `data-alarm-status`; its buttons `data-action="ack|clear"`, and on a HELP_REQUESTED alarm `answer` (HelpAnswerDialog).
 */
import { useState } from 'react';
import type { Alarm } from '../../../../contracts/hq-api.ts';
import { fullTime, shortTime } from '../format/time.ts';
import { faultText } from '../i18n/faults.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { href } from '../routing/hash.ts';
import { useCanOperate } from '../session/Session.tsx';
import { AlarmDialog, type AlarmAction } from './AlarmDialog.tsx';
import { AlarmFrame } from './AlarmFrame.tsx';
import { AlarmStatusBadge, SeverityBadge } from './badges.tsx';
import { HelpAnswerDialog } from './HelpAnswerDialog.tsx';

/** who acknowledged / cleared it, when, and what they wrote */
function Handled({ alarm: a, now }: { alarm: Alarm; now: number }) {
  const { t } = useI18n();
  return (
    <div className="handled">
      {a.ackedBy ? <div title={fullTime(a.ackedAt)}>{t('alarm.acked', { user: a.ackedBy, time: shortTime(a.ackedAt, now) })}</div> : null}
      {a.clearedBy ? <div>{t('alarm.cleared', { user: a.clearedBy })}</div> : null}
      {a.comment ? (
        <div className="comment" title={a.comment}>
          “{a.comment}”
        </div>
      ) : null}
    </div>
  );
}

export function AlarmTable({ alarms, showKiosk, onChanged, empty }: { alarms: Alarm[]; showKiosk: boolean; onChanged: () => void; empty: string }) {
  const { t, locale } = useI18n();
  const canOperate = useCanOperate();
  const [open, setOpen] = useState<{ alarm: Alarm; action: AlarmAction } | null>(null);
  const [helpOpen, setHelpOpen] = useState<Alarm | null>(null);
  const now = Date.now();
  return (
    <>
      <table className={`table alarms${showKiosk ? '' : ' no-kiosk'}`}>
        <colgroup>
          <col className="c-sev" />
          <col />
          {showKiosk ? <col className="c-kiosk" /> : null}
          <col className="c-time" />
          {showKiosk ? <col className="c-time" /> : null}
          <col className="c-count" />
          <col className={showKiosk ? 'c-status' : 'c-status-wide'} />
          {showKiosk ? <col className="c-handled" /> : null}
          <col className="c-actions" />
        </colgroup>
        <thead>
          <tr>
            <th>{t('alarms.col.severity')}</th>
            <th>{t('alarms.col.code')}</th>
            {showKiosk ? <th>{t('alarms.col.kiosk')}</th> : null}
            <th>{t('alarms.col.raised')}</th>
            {showKiosk ? <th>{t('alarms.col.received')}</th> : null}
            <th className="num">{t('alarms.col.count')}</th>
            <th>{t('alarms.col.status')}</th>
            {showKiosk ? <th>{t('alarms.col.handled')}</th> : null}
            <th>{t('alarms.col.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {alarms.map((a) => {
            const active = a.status.startsWith('active');
            const unacked = a.status.endsWith('unack');
            return (
              <tr key={a.id} data-alarm-id={a.id} data-alarm-code={a.code} data-alarm-status={a.status} data-severity={a.severity} className={`sev-row-${a.severity}${active ? '' : ' cleared'}`}>
                <td>
                  <SeverityBadge severity={a.severity} />
                </td>
                <td className="alarm-what">
                  <div className="alarm-title">{faultText(a.code, locale)}</div>
                  <div className="alarm-sub">
                    <span className="mono">{a.code}</span>
                    {a.device ? <span className="mono">· {a.device}</span> : null}
                    {a.detail ? <span className="alarm-detail" title={a.detail}>· {a.detail}</span> : null}
                  </div>
                  {a.frameUrl ? <AlarmFrame url={a.frameUrl} /> : null}
                </td>
                {showKiosk ? (
                  <td className="mono">
                    <a href={href('kiosk', a.kioskId)}>{a.kioskId}</a>
                  </td>
                ) : null}
                <td className="num" title={fullTime(a.raisedAt)}>
                  {shortTime(a.raisedAt, now)}
                  {a.clearedAt ? <div className="muted small">{t('alarm.clearedAt', { time: shortTime(a.clearedAt, now) })}</div> : null}
                </td>
                {showKiosk ? (
                  <td className="num" title={fullTime(a.receivedAt)}>
                    {shortTime(a.receivedAt, now)}
                  </td>
                ) : null}
                <td className="num">{a.count > 1 ? <span className="count" title={String(a.count)}>×{a.count}</span> : <span className="muted">1</span>}</td>
                <td>
                  <AlarmStatusBadge status={a.status} />
                  {showKiosk ? null : <Handled alarm={a} now={now} />}
                </td>
                {showKiosk ? (
                  <td>
                    <Handled alarm={a} now={now} />
                  </td>
                ) : null}
                <td className="actions">
                  {a.code === 'HELP_REQUESTED' ? (
                    <button type="button" className={`button small${active ? ' primary' : ''}`} data-action="answer" disabled={active && !canOperate} title={active && !canOperate ? t('role.viewerHint') : undefined} onClick={() => setHelpOpen(a)}>
                      {t(active ? 'help.answer' : 'help.history')}
                    </button>
                  ) : null}
                  <button type="button" className="button small" data-action="ack" disabled={!canOperate || !unacked} title={canOperate ? undefined : t('role.viewerHint')} onClick={() => setOpen({ alarm: a, action: 'ack' })}>
                    {t('alarm.ack')}
                  </button>
                  <button type="button" className="button small" data-action="clear" disabled={!canOperate || !active} title={canOperate ? undefined : t('role.viewerHint')} onClick={() => setOpen({ alarm: a, action: 'clear' })}>
                    {t('alarm.clear')}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {alarms.length === 0 ? <div className="empty">{empty}</div> : null}
      {open ? <AlarmDialog alarm={open.alarm} action={open.action} onClose={() => setOpen(null)} onDone={onChanged} /> : null}
      {helpOpen ? <HelpAnswerDialog alarm={helpOpen} onClose={() => setHelpOpen(null)} onDone={onChanged} /> : null}
    </>
  );
}
