/**
 * "Today" for the analytics pages' default range, from HQ and not from the browser's clock: the day
 * (where the reader is) of the latest time HQ heard from any kiosk. Only when HQ has never heard
 * from one does the browser's clock stand in, and `fromHq` says so. Also the fleet, for the
 * district and site lists.
 */
import { KioskListSchema, type KioskSummary } from '../../../../contracts/hq-api.ts';
import { hqNowFrom, localDay } from '../format/analytics.ts';
import { paths } from './endpoints.ts';
import { usePoll } from './usePoll.ts';

const EVERY_MINUTE = 60_000;

export interface HqToday {
  /** null until the fleet's answer (or its failure) is in */
  today: string | null;
  fromHq: boolean;
  kiosks: KioskSummary[];
}

export function useHqToday(): HqToday {
  const poll = usePoll(paths.kiosks, KioskListSchema, EVERY_MINUTE);
  const kiosks = poll.data?.kiosks ?? [];
  if (!poll.data && !poll.error) return { today: null, fromHq: false, kiosks };
  const hqNow = hqNowFrom(kiosks);
  return { today: localDay(hqNow ?? Date.now()), fromHq: hqNow !== null, kiosks };
}
