/**
 * `#/channels`: where alarms go — each ops group chat's robot with its masked address, which alarms
 * it takes, its grouping times, how its last delivery went (a robot's refusal in red until a message
 * gets through) and what waits in its outbox. Admins add, remove and send a test message.
 */
import { useState } from 'react';
import { roleAllows } from '../../../../contracts/hq-api.ts';
import { ChannelListSchema, type ChannelView } from '../../../../contracts/hq-notify.ts';
import { notifyPaths, removeChannel, testChannel } from '../api/notify.ts';
import { usePoll } from '../api/usePoll.ts';
import { ChannelDialog } from '../components/ChannelDialog.tsx';
import { FormDialog } from '../components/FormDialog.tsx';
import { Freshness, PageTitle } from '../components/PageTitle.tsx';
import { secondsText } from '../format/durations.ts';
import { fullTime, shortTime } from '../format/time.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { useSession } from '../session/Session.tsx';
import '../notify.css';

type TestState = { state: 'busy' | 'sent' | 'failed' | 'pending'; msg: string | null };
const LOGO = { wecom: '企', dingtalk: '钉', feishu: '飞', webhook: '⇢' } as const;

function Route({ c }: { c: ChannelView }) {
  const { t } = useI18n();
  const chips = [
    c.district ? t('ch.routeDistrict', { v: c.district }) : null,
    c.site ? t('ch.routeSite', { v: c.site }) : null,
    c.codes ? t('ch.routeCodes', { v: c.codes.join(', ') }) : null,
  ].filter((x): x is string => x !== null);
  return (
    <div className="chips">
      {chips.length === 0 ? <span className="chip all">{t('ch.allAlarms')}</span> : chips.map((x) => <span key={x} className="chip" title={x}>{x}</span>)}
      {c.minSeverity !== 'warning' ? <span className="chip sev">{t('ch.routeSeverity', { v: t(`severity.${c.minSeverity}`) })}</span> : null}
    </div>
  );
}

/** how delivery goes: ok / error / refused / never (also `data-delivery`) */
const deliveryOf = (c: ChannelView): 'ok' | 'error' | 'refused' | 'never' =>
  c.lastErrorAt && (!c.lastDeliveryAt || c.lastErrorAt >= c.lastDeliveryAt) ? (c.lastErrorPermanent ? 'refused' : 'error') : c.lastDeliveryAt ? 'ok' : 'never';

function Delivery({ c, test, now }: { c: ChannelView; test: TestState | undefined; now: number }) {
  const { t } = useI18n();
  const d = deliveryOf(c);
  return (
    <div className="delivery">
      {d === 'ok' ? (
        <div className="ok" title={fullTime(c.lastDeliveryAt)}>
          ✓ {t('ch.delivered', { time: shortTime(c.lastDeliveryAt, now) })}
        </div>
      ) : d === 'never' ? (
        <div className="muted">{t('ch.never')}</div>
      ) : (
        <>
          <div className="bad" title={c.lastError ?? ''}>
            {t('ch.error', { time: shortTime(c.lastErrorAt, now), msg: c.lastError ?? '' })}
          </div>
          {d === 'refused' ? <div className="refused">{t('ch.refused')}</div> : null}
        </>
      )}
      {c.pending + c.failed > 0 ? <div className="queue">{t('ch.queue', { pending: c.pending, failed: c.failed })}</div> : null}
      {test ? (
        <div className={`test-result ${test.state}`} data-test-result={test.state}>
          {test.state === 'busy' ? t('ch.testing') : test.state === 'sent' ? `✓ ${t('ch.testSent')}` : t(test.state === 'failed' ? 'ch.testFailed' : 'ch.testPending', { msg: test.msg ?? '' })}
        </div>
      ) : null}
    </div>
  );
}

export function ChannelsPage() {
  const { t, locale } = useI18n();
  const isAdmin = roleAllows(useSession().user.role, 'admin');
  const poll = usePoll(notifyPaths.channels, ChannelListSchema, 5000);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<ChannelView | null>(null);
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const channels = poll.data?.channels ?? [];
  const now = Date.now();
  const sec = (s: number) => secondsText(s, locale);

  const test = (c: ChannelView) => {
    setTests((x) => ({ ...x, [c.id]: { state: 'busy', msg: null } }));
    testChannel(c.id).then(
      (r) => setTests((x) => ({ ...x, [c.id]: { state: r.outcome, msg: r.error } })),
      (e: unknown) => setTests((x) => ({ ...x, [c.id]: { state: 'failed', msg: e instanceof Error ? e.message : String(e) } })),
    ).finally(poll.refresh);
  };

  return (
    <div className="page notify-page" data-page="channels">
      <PageTitle title={t('nav.channels')} freshness={<Freshness updatedAt={poll.updatedAt} error={poll.error} />}>
        <span className="filters-count num">{t('ch.count', { n: channels.length })}</span>
        <button type="button" className="button primary" data-action="add-channel" disabled={!isAdmin} title={isAdmin ? undefined : t('ch.adminOnly')} onClick={() => setAdding(true)}>
          + {t('ch.add')}
        </button>
      </PageTitle>
      <p className="page-intro">{t('ch.intro')}</p>
      <div className="card table-card">
        {poll.data ? (
          channels.length === 0 ? (
            <div className="empty" data-empty>
              {t('ch.none')}
            </div>
          ) : (
            <table className="table notify-table">
              <TableHead columns={[
                { col: 'c-channel', label: t('ch.col.channel') },
                { col: 'c-url', label: t('ch.col.url') },
                { col: 'c-route', label: t('ch.col.route') },
                { col: 'c-grouping', label: t('ch.col.grouping') },
                { col: 'c-delivery', label: t('ch.col.delivery') },
                { col: 'c-ch-actions', label: t('ch.col.actions') },
              ]} />
              <tbody>
                {channels.map((c) => (
                  <tr key={c.id} data-channel-id={c.id} data-channel-type={c.type} data-delivery={deliveryOf(c)}>
                    <td>
                      <div className="ch-name" title={c.name}>
                        {c.name}
                      </div>
                      <div className="ch-sub ch-type">
                        <span className={`ch-logo ch-logo-${c.type}`} aria-hidden="true">
                          {LOGO[c.type]}
                        </span>
                        {t(`ch.type.${c.type}`)}
                        {c.hasSecret ? ` · ${t('ch.signed')}` : ''}
                      </div>
                      {c.perMinute ? <div className="ch-sub">{t('ch.perMinute', { n: c.perMinute })}</div> : null}
                    </td>
                    <td className="mono url-cell" data-url>
                      {c.urlMasked}
                    </td>
                    <td>
                      <Route c={c} />
                    </td>
                    <td className="num">
                      {sec(c.groupWaitS)} / {sec(c.groupIntervalS)} / {sec(c.repeatS)}
                    </td>
                    <td>
                      <Delivery c={c} test={tests[c.id]} now={now} />
                    </td>
                    <td className="actions">
                      <button type="button" className="button small" data-action="test" disabled={!isAdmin || tests[c.id]?.state === 'busy'} title={isAdmin ? undefined : t('ch.adminOnly')} onClick={() => test(c)}>
                        {t('ch.test')}
                      </button>
                      <button type="button" className="button small ghost" data-action="remove" disabled={!isAdmin} title={isAdmin ? undefined : t('ch.adminOnly')} onClick={() => setRemoving(c)}>
                        {t('ch.remove')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : (
          <div className="placeholder">{poll.error ? t('common.error', { msg: poll.error.message }) : t('common.loading')}</div>
        )}
      </div>
      {adding ? <ChannelDialog onClose={() => setAdding(false)} onDone={poll.refresh} /> : null}
      {removing ? (
        <FormDialog name="remove-channel" title={t('ch.removeTitle')} submitLabel={t('ch.remove')} danger onClose={() => setRemoving(null)} submit={() => removeChannel(removing.id).then(poll.refresh)}>
          <p>{t('ch.removeConfirm', { name: removing.name, n: removing.pending })}</p>
        </FormDialog>
      ) : null}
    </div>
  );
}
