/** Lengths of time as the notification pages say them: `30 秒`, `5 分钟`, `4 小时`, `1 天` (or `30 s`, `5 min`, `4 h`, `1 d`). */
import type { Locale } from '../i18n/I18n.tsx';

const UNITS: [number, string, string][] = [
  [86_400, '天', 'd'],
  [3_600, '小时', 'h'],
  [60, '分钟', 'min'],
  [1, '秒', 's'],
];

/** the largest unit that divides it (so 90 s stays `90 秒`), or the largest below it, rounded, for remaining times */
export function secondsText(seconds: number, locale: Locale, exact = true): string {
  const s = Math.max(0, Math.round(seconds));
  for (const [n, zh, en] of UNITS) {
    if (s >= n && (!exact || s % n === 0)) {
      const v = exact ? s / n : Math.floor(s / n);
      return locale === 'en' ? `${v} ${en}` : `${v} ${zh}`;
    }
  }
  return locale === 'en' ? '0 s' : '0 秒';
}

/** the silence form's choices, minutes */
export const SILENCE_DURATIONS = [
  ['dur.30m', 30],
  ['dur.1h', 60],
  ['dur.2h', 120],
  ['dur.4h', 240],
  ['dur.8h', 480],
  ['dur.1d', 1440],
  ['dur.3d', 4320],
  ['dur.7d', 10_080],
] as const;
