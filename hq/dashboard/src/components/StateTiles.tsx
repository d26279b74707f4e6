/** One big tile per kiosk state with its count; a tile is a filter (click again to drop it). */
import { KIOSK_STATES, type KioskState } from '../../../../contracts/hq-api.ts';
import { useI18n } from '../i18n/I18n.tsx';

export function StateTiles({ counts, total, selected, onSelect }: { counts: Record<KioskState, number>; total: number; selected: KioskState | null; onSelect: (s: KioskState | null) => void }) {
  const { t } = useI18n();
  return (
    <div className="tiles" role="group">
      <button type="button" className={`tile tile-all${selected === null ? ' selected' : ''}`} data-state-count="all" aria-pressed={selected === null} onClick={() => onSelect(null)}>
        <span className="tile-count">{total}</span>
        <span className="tile-label">{t('fleet.total')}</span>
      </button>
      {KIOSK_STATES.map((s) => (
        <button
          key={s}
          type="button"
          className={`tile tile-${s}${selected === s ? ' selected' : ''}${counts[s] === 0 ? ' zero' : ''}`}
          data-state-count={s}
          data-count={counts[s]}
          aria-pressed={selected === s}
          onClick={() => onSelect(selected === s ? null : s)}
        >
          <span className="tile-count">{counts[s]}</span>
          <span className="tile-label">{t(`state.${s}`)}</span>
        </button>
      ))}
    </div>
  );
}
