/** Times as ops staff read them: in the browser's time zone, relative where "how long ago" matters. */
import type { Locale, Translate } from '../i18n/I18n.tsx';

const pad = (n: number) => String(n).padStart(2, '0');

function parts(ms: number): { y: number; mo: string; d: string; h: string; mi: string; s: string } {
  const at = new Date(ms);
  return { y: at.getFullYear(), mo: pad(at.getMonth() + 1), d: pad(at.getDate()), h: pad(at.getHours()), mi: pad(at.getMinutes()), s: pad(at.getSeconds()) };
}

/** `06-10 11:59:48` (with the year when it is not this year's), or `—` */
export function shortTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const p = parts(ms);
  const day = p.y === new Date(now).getFullYear() ? `${p.mo}-${p.d}` : `${p.y}-${p.mo}-${p.d}`;
  return `${day} ${p.h}:${p.mi}:${p.s}`;
}

/** `2026-06-10 11:59:48 GMT+8`, for titles */
export function fullTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const p = parts(ms);
  const zone = new Intl.DateTimeFormat('en', { timeZoneName: 'shortOffset' }).formatToParts(ms).find((x) => x.type === 'timeZoneName')?.value ?? '';
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s} ${zone}`.trim();
}

/** `HH:mm:ss` */
export function clockTime(ms: number): string {
  const p = parts(ms);
  return `${p.h}:${p.mi}:${p.s}`;
}

/** `12 秒前` / `12 s ago` */
export function ago(iso: string | null | undefined, t: Translate, now = Date.now()): string {
  if (!iso) return t('time.never');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const s = Math.floor((now - ms) / 1000);
  if (s < 3) return t('time.justNow');
  if (s < 120) return t('time.seconds', { n: s });
  if (s < 2 * 3600) return t('time.minutes', { n: Math.floor(s / 60) });
  if (s < 48 * 3600) return t('time.hours', { n: Math.floor(s / 3600) });
  return t('time.days', { n: Math.floor(s / 86400) });
}

/** seconds since `iso` (for staleness colours), or Infinity */
export function ageSeconds(iso: string | null | undefined, now = Date.now()): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? Infinity : (now - ms) / 1000;
}

/** `1 分 05 秒` / `1 min 05 s`, `42 秒` / `42 s` */
export function duration(ms: number, locale: Locale): string {
  const total = Math.round(ms / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  if (locale === 'en') return m ? `${m} min ${pad(s)} s` : `${s} s`;
  return m ? `${m} 分 ${pad(s)} 秒` : `${s} 秒`;
}

/** `+1.2 s` / `−450 ms` */
export function skew(ms: number): string {
  const sign = ms < 0 ? '−' : '+';
  const a = Math.abs(ms);
  return a >= 1000 ? `${sign}${(a / 1000).toFixed(1)} s` : `${sign}${a} ms`;
}
