/** A page's title row: the title, what it is about, and how fresh the data is (fixed height: no jumps). */
import type { ReactNode } from 'react';
import { ContractError } from '../api/http.ts';
import { clockTime } from '../format/time.ts';
import { useI18n } from '../i18n/I18n.tsx';

export function Freshness({ updatedAt, error }: { updatedAt: number | null; error: Error | null }) {
  const { t } = useI18n();
  if (error instanceof ContractError) {
    return (
      <span className="freshness stale" role="status" title={error.message}>
        {t('header.contract', { msg: error.message })}
      </span>
    );
  }
  if (error && (error as { status?: number }).status !== 404) {
    return (
      <span className="freshness stale" role="status" title={error.message}>
        {t('header.stale')}
      </span>
    );
  }
  return <span className="freshness">{updatedAt ? t('header.updated', { time: clockTime(updatedAt) }) : t('common.loading')}</span>;
}

export function PageTitle({ title, children, freshness }: { title: ReactNode; children?: ReactNode; freshness?: ReactNode }) {
  return (
    <div className="page-title">
      <h1>{title}</h1>
      <div className="page-title-extra">{children}</div>
      {freshness}
    </div>
  );
}
