/**
 * `#/silences`: what is kept out of the ops chats — silences (operator: new, expire now) and
 * maintenance windows declared beforehand (operator: declare, end / cancel). Viewers read.
 */
import { useState } from 'react';
import { MaintenanceWindowListSchema, SilenceListSchema, type MaintenanceWindowView, type SilenceView } from '../../../../contracts/hq-notify.ts';
import type { z } from 'zod';
import { endMaintenanceWindow, expireSilence, notifyPaths } from '../api/notify.ts';
import { usePoll, type Poll } from '../api/usePoll.ts';
import { MaintenanceDialog } from '../components/MaintenanceDialog.tsx';
import { PlaceLists } from '../components/PlaceLists.tsx';
import { Freshness, PageTitle } from '../components/PageTitle.tsx';
import { SilenceDialog } from '../components/SilenceDialog.tsx';
import { secondsText } from '../format/durations.ts';
import { fullTime, shortTime } from '../format/time.ts';
import { faultText } from '../i18n/faults.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { useCanOperate } from '../session/Session.tsx';
import '../notify.css';

function Silences({ poll, canOperate, now }: { poll: Poll<z.infer<typeof SilenceListSchema>>; canOperate: boolean; now: number }) {
  const { t, locale } = useI18n();
  const [adding, setAdding] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const silences = poll.data?.silences ?? [];
  const expire = (s: SilenceView) =>
    expireSilence(s.id).then(
      () => poll.refresh(),
      (e: unknown) => setProblem(e instanceof Error ? e.message : String(e)),
    );
  return (
    <div className="card table-card" data-section="silences">
      <div className="card-head">
        <h2>{t('sil.title')}</h2>
        <span className="card-note">{problem ?? t('sil.intro')}</span>
        <button type="button" className="button primary small" data-action="add-silence" disabled={!canOperate} title={canOperate ? undefined : t('sil.operatorOnly')} onClick={() => setAdding(true)}>
          + {t('sil.add')}
        </button>
      </div>
      {poll.data && silences.length === 0 ? <div className="empty">{t('sil.none')}</div> : null}
      {silences.length > 0 ? (
        <table className="table notify-table">
          <TableHead columns={[
              { col: 'c-match', label: t('sil.col.match') },
              { col: 'c-state', label: t('sil.col.state') },
              { col: 'c-until', label: t('sil.col.until') },
              { col: 'c-by', label: t('sil.col.by') },
              { label: t('sil.col.comment') },
              { col: 'c-mw-actions', label: t('sil.col.actions') },
            ]} />
          <tbody>
            {silences.map((s) => (
              <tr key={s.id} data-silence-id={s.id} data-state={s.state} className={s.state === 'expired' ? 'faded' : undefined}>
                <td>
                  <div className="chips">
                    {s.kioskId ? <span className="chip mono">{t('sil.kiosk', { v: s.kioskId })}</span> : null}
                    {s.site ? <span className="chip">{t('sil.site', { v: s.site })}</span> : null}
                    {s.code ? (
                      <span className="chip" title={s.code}>
                        {faultText(s.code, locale)}
                      </span>
                    ) : null}
                  </div>
                </td>
                <td>
                  <span className={`state-pill ${s.state}`}>{t(s.state === 'active' ? 'sil.active' : 'sil.expired')}</span>
                </td>
                <td className="num" title={fullTime(s.endsAt)}>
                  {shortTime(s.endsAt, now)}
                  {s.state === 'active' ? <div className="ch-sub">{t('sil.left', { v: secondsText((Date.parse(s.endsAt) - now) / 1000, locale, false) })}</div> : null}
                  {s.expiredBy ? <div className="ch-sub">{t('sil.expiredBy', { user: s.expiredBy })}</div> : null}
                </td>
                <td>{s.createdBy}</td>
                <td className="ellipsis" title={s.comment}>
                  {s.comment}
                </td>
                <td className="actions">
                  {s.state === 'active' ? (
                    <button type="button" className="button small" data-action="expire" disabled={!canOperate} onClick={() => void expire(s)}>
                      {t('sil.expire')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {!poll.data ? <div className="placeholder">{poll.error ? t('common.error', { msg: poll.error.message }) : t('common.loading')}</div> : null}
      {adding ? <SilenceDialog onClose={() => setAdding(false)} onDone={poll.refresh} /> : null}
    </div>
  );
}

const STATE_KEY = { upcoming: 'mw.upcoming', current: 'mw.current', past: 'mw.past' } as const;

function MaintenanceWindows({ poll, canOperate, now }: { poll: Poll<z.infer<typeof MaintenanceWindowListSchema>>; canOperate: boolean; now: number }) {
  const { t } = useI18n();
  const [adding, setAdding] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const windows = poll.data?.windows ?? [];
  const end = (w: MaintenanceWindowView) =>
    endMaintenanceWindow(w.id).then(
      () => poll.refresh(),
      (e: unknown) => setProblem(e instanceof Error ? e.message : String(e)),
    );
  const scope = (w: MaintenanceWindowView) => (w.kioskId ? [t('mw.scope.kiosk'), w.kioskId] : w.site ? [t('mw.scope.site'), w.site] : [t('mw.scope.district'), w.district ?? '']);
  return (
    <div className="card table-card" data-section="maintenance">
      <div className="card-head">
        <h2>{t('mw.title')}</h2>
        <span className="card-note">{problem ?? t('mw.intro')}</span>
        <button type="button" className="button primary small" data-action="add-maintenance" disabled={!canOperate} title={canOperate ? undefined : t('sil.operatorOnly')} onClick={() => setAdding(true)}>
          + {t('mw.add')}
        </button>
      </div>
      {poll.data && windows.length === 0 ? <div className="empty">{t('mw.none')}</div> : null}
      {windows.length > 0 ? (
        <table className="table notify-table">
          <TableHead columns={[
              { col: 'c-scope', label: t('mw.col.scope') },
              { col: 'c-state', label: t('mw.col.state') },
              { col: 'c-when', label: t('mw.col.from') },
              { col: 'c-when', label: t('mw.col.to') },
              { col: 'c-by', label: t('mw.col.by') },
              { label: t('mw.col.reason') },
              { col: 'c-mw-actions', label: t('mw.col.actions') },
            ]} />
          <tbody>
            {windows.map((w) => {
              const [kind, value] = scope(w);
              return (
                <tr key={w.id} data-window-id={w.id} data-state={w.state} className={w.state === 'past' ? 'faded' : undefined}>
                  <td>
                    <span className="scope">
                      <span className="chip">{kind}</span>
                      <span className={w.kioskId ? 'mono ellipsis' : 'ellipsis'}>{value}</span>
                    </span>
                  </td>
                  <td>
                    <span className={`state-pill ${w.state}`}>{t(STATE_KEY[w.state])}</span>
                  </td>
                  <td className="num" title={fullTime(w.startsAt)}>
                    {shortTime(w.startsAt, now)}
                  </td>
                  <td className="num" title={fullTime(w.endsAt)}>
                    {shortTime(w.endsAt, now)}
                  </td>
                  <td>{w.createdBy}</td>
                  <td className="ellipsis" title={w.reason}>
                    {w.reason}
                  </td>
                  <td className="actions">
                    {w.state !== 'past' ? (
                      <button type="button" className="button small" data-action={w.state === 'current' ? 'end' : 'cancel'} disabled={!canOperate} onClick={() => void end(w)}>
                        {t(w.state === 'current' ? 'mw.end' : 'mw.cancel')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {!poll.data ? <div className="placeholder">{poll.error ? t('common.error', { msg: poll.error.message }) : t('common.loading')}</div> : null}
      {adding ? <MaintenanceDialog onClose={() => setAdding(false)} onDone={poll.refresh} /> : null}
    </div>
  );
}

export function SilencesPage() {
  const { t } = useI18n();
  const canOperate = useCanOperate();
  const silences = usePoll(notifyPaths.silences, SilenceListSchema, 5000);
  const windows = usePoll(notifyPaths.maintenance, MaintenanceWindowListSchema, 5000);
  const now = Date.now();
  return (
    <div className="page notify-page" data-page="silences">
      <PageTitle title={t('nav.silences')} freshness={<Freshness updatedAt={silences.updatedAt} error={silences.error ?? windows.error} />} />
      <Silences poll={silences} canOperate={canOperate} now={now} />
      <MaintenanceWindows poll={windows} canOperate={canOperate} now={now} />
      <PlaceLists />
    </div>
  );
}
