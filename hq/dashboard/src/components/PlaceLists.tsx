/** `<datalist id="notify-sites">` and `notify-districts`: the fleet's sites and districts, suggested in the notification forms. */
import { useMemo } from 'react';
import { KioskListSchema } from '../../../../contracts/hq-api.ts';
import { paths } from '../api/endpoints.ts';
import { usePoll } from '../api/usePoll.ts';

const uniq = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort((a, b) => a.localeCompare(b, 'zh-CN'));

export function PlaceLists() {
  const fleet = usePoll(paths.kiosks, KioskListSchema, 60_000);
  const sites = useMemo(() => uniq(fleet.data?.kiosks.map((k) => k.site) ?? []), [fleet.data]);
  const districts = useMemo(() => uniq(fleet.data?.kiosks.map((k) => k.district) ?? []), [fleet.data]);
  return (
    <>
      <datalist id="notify-sites">{sites.map((s) => <option key={s} value={s} />)}</datalist>
      <datalist id="notify-districts">{districts.map((d) => <option key={d} value={d} />)}</datalist>
    </>
  );
}
