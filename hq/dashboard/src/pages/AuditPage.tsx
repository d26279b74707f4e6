/** Who did what: every operator action HQ recorded, newest first as the server answers. */
import { AuditListSchema } from '../../../../contracts/hq-api.ts';
import { paths } from '../api/endpoints.ts';
import { usePoll } from '../api/usePoll.ts';
import { Freshness, PageTitle } from '../components/PageTitle.tsx';
import { fullTime, shortTime } from '../format/time.ts';
import { auditActionText } from '../i18n/audit.ts';
import { useI18n } from '../i18n/I18n.tsx';

export function AuditPage() {
  const { t, locale } = useI18n();
  const poll = usePoll(paths.audit, AuditListSchema, 5000);
  const entries = poll.data?.entries ?? [];
  const now = Date.now();
  return (
    <div className="page" data-page="audit">
      <PageTitle title={t('nav.audit')} freshness={<Freshness updatedAt={poll.updatedAt} error={poll.error} />} />
      <div className="card table-card">
        {poll.data ? (
          <>
            <table className="table audit">
              <colgroup>
                <col className="c-time" />
                <col className="c-user" />
                <col className="c-action" />
                <col className="c-target" />
                <col />
              </colgroup>
              <thead>
                <tr>
                  <th>{t('audit.at')}</th>
                  <th>{t('audit.user')}</th>
                  <th>{t('audit.action')}</th>
                  <th>{t('audit.target')}</th>
                  <th>{t('audit.detail')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id} data-audit-id={e.id} data-audit-action={e.action}>
                    <td className="num" title={fullTime(e.at)}>
                      {shortTime(e.at, now)}
                    </td>
                    <td>{e.user}</td>
                    <td className="ellipsis" title={e.action}>
                      {auditActionText(e.action, locale) ?? <span className="mono">{e.action}</span>}
                    </td>
                    <td className="mono ellipsis" title={e.target ?? ''}>
                      {e.target ?? '—'}
                    </td>
                    <td className="ellipsis" title={e.detail ?? ''}>
                      {e.detail ?? ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {entries.length === 0 ? <div className="empty">{t('audit.none')}</div> : null}
          </>
        ) : (
          <div className="placeholder">{poll.error ? t('common.error', { msg: poll.error.message }) : t('common.loading')}</div>
        )}
      </div>
    </div>
  );
}
