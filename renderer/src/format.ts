/** Money, times and periods as the kiosk shows them: money from fen, times in Asia/Shanghai. */
import type { Locale } from '../../contracts/bridge.ts';
import { translate } from './i18n.ts';

export const KIOSK_TIME_ZONE = 'Asia/Shanghai';

/** ¥12.50 from 1250; negative amounts keep their sign: -¥3.00 */
export function money(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.round(fen));
  const yuan = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: KIOSK_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const timeFormat = new Intl.DateTimeFormat('en-GB', { timeZone: KIOSK_TIME_ZONE, hour: '2-digit', minute: '2-digit', hour12: false });

/** YYYY-MM-DD in the kiosk's time zone */
export function kioskDate(epochMs: number): string {
  return dayFormat.format(new Date(epochMs));
}

/** HH:MM in the kiosk's time zone */
export function kioskTime(epochMs: number): string {
  return timeFormat.format(new Date(epochMs));
}

function dayIndex(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Math.round(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) / 86_400_000);
}

/** "今天 18:00" / "明天 08:30" / "11月27日 08:30" (en: "Today 18:00", "Tomorrow 08:30", "27 Nov 08:30") */
export function dayAndTime(locale: Locale, at: number, now: number): string {
  const days = dayIndex(kioskDate(at)) - dayIndex(kioskDate(now));
  const time = kioskTime(at);
  if (days === 0) return `${translate(locale, 'day.today')} ${time}`;
  if (days === 1) return `${translate(locale, 'day.tomorrow')} ${time}`;
  const [y, m, d] = kioskDate(at).split('-').map(Number);
  const sameYear = kioskDate(at).slice(0, 4) === kioskDate(now).slice(0, 4);
  if (locale === 'en') {
    const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][(m ?? 1) - 1];
    return `${d} ${mon}${sameYear ? '' : ` ${y}`} ${time}`;
  }
  return `${sameYear ? '' : `${y}年`}${m}月${d}日 ${time}`;
}

/** whole seconds left (never negative) */
export function secondsLeft(deadline: number, agentNow: number): number {
  return Math.max(0, Math.ceil((deadline - agentNow) / 1000));
}

/** 2:05 / 45 s style: minutes when over a minute */
export function duration(locale: Locale, seconds: number): string {
  if (seconds >= 60) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return locale === 'en' ? `${m} min ${s} s` : `${m} 分 ${s} 秒`;
  }
  return translate(locale, 'common.seconds', { n: seconds });
}

export function distance(locale: Locale, meters: number): string {
  if (meters >= 1000) return translate(locale, 'common.distanceKm', { km: (meters / 1000).toFixed(1) });
  return translate(locale, 'common.distance', { m: Math.round(meters) });
}

/** A statement period "YYYY-MM" → "2025年12月" / "Dec 2025" */
export function yearMonth(locale: Locale, ym: string): string {
  const [y, m] = ym.split('-').map(Number);
  if (!y || !m) return ym;
  if (locale === 'en') return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m - 1]} ${y}`;
  return `${y}年${m}月`;
}

function ym(index: number): string {
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return `${y}-${String(m).padStart(2, '0')}`;
}

export type QuickPeriodId = 'last12' | 'thisYear' | 'lastYear' | 'last36';

/** The period quick choices for "today" (YYYY-MM-DD in the kiosk's zone), within maxMonths. */
export function quickPeriods(today: string, maxMonths: number): { id: QuickPeriodId; from: string; to: string }[] {
  const [y, m] = today.split('-').map(Number);
  const current = (y ?? 1970) * 12 + ((m ?? 1) - 1);
  const year = y ?? 1970;
  const all: { id: QuickPeriodId; from: string; to: string; months: number }[] = [
    { id: 'last12', from: ym(current - 11), to: ym(current), months: 12 },
    { id: 'thisYear', from: `${year}-01`, to: ym(current), months: (m ?? 1) },
    { id: 'lastYear', from: `${year - 1}-01`, to: `${year - 1}-12`, months: 12 },
    { id: 'last36', from: ym(current - 35), to: ym(current), months: 36 },
  ];
  return all.filter((p) => p.months <= maxMonths).map(({ id, from, to }) => ({ id, from, to }));
}
