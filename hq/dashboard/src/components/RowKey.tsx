/** A ranking row's name: a kiosk links to its page; a district or site is a button that shows the level below (plain text when there is none). */
import type { GroupBy } from '../../../../contracts/hq-analytics.ts';
import { drillPatch } from '../format/analytics.ts';
import { href } from '../routing/hash.ts';

/** show the level below: the change to the page's address */
export type Drill = (patch: Record<string, string | null>) => void;

/** what clicking a row does: a kiosk opens its page, a group shows the level below; undefined when there is none */
export function rowOpener(groupBy: GroupBy, row: { key: string; district: string | null; site: string | null }, drill: Drill): (() => void) | undefined {
  if (groupBy === 'kiosk') return () => (window.location.hash = href('kiosk', row.key));
  const patch = drillPatch(groupBy, row);
  return patch ? () => drill(patch) : undefined;
}

export function RowKey({ name, kiosk, onDrill, title }: { name: string; kiosk: boolean; onDrill: (() => void) | undefined; title?: string }) {
  if (kiosk) {
    return (
      <a href={href('kiosk', name)} className="row-key" onClick={(e) => e.stopPropagation()}>
        {name}
      </a>
    );
  }
  if (!onDrill) return <span className="row-key">{name}</span>;
  return (
    <button
      type="button"
      className="row-key link-like"
      data-action="drill"
      title={title}
      onClick={(e) => {
        e.stopPropagation();
        onDrill();
      }}
    >
      {name}
    </button>
  );
}
