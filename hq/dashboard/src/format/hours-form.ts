/**
 * The promised-hours form's fields → set-promised-hours' arguments, in the kiosk config's input
 * form. Only the shape is made here: HQ checks the hours with the kiosk config's schema and answers
 * a 400 naming the field (e.g. `args.promisedHours.weekly.wed[0]`), which the form shows as it is.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface HoursForm {
  allDay: boolean;
  timezone: string;
  /** per day: "07:00-20:00, 21:00-22:00" (empty: closed) */
  days: Record<Weekday, string>;
  /** one per line: `2026-10-01 closed # 国庆` or `2026-10-08 09:00-12:00,13:00-17:00 # 调休` */
  exceptions: string;
}

export const emptyHoursForm = (): HoursForm => ({ allDay: false, timezone: 'Asia/Shanghai', days: Object.fromEntries(WEEKDAYS.map((d) => [d, ''])) as Record<Weekday, string>, exceptions: '' });

const ranges = (text: string) =>
  text
    .split(/[,，;；\s]+/)
    .map((r) => r.trim())
    .filter(Boolean);

/** One exception line; whatever it says goes as it is (HQ names what is wrong). */
function exceptionOf(line: string): Record<string, unknown> {
  const [body = '', ...comment] = line.split('#');
  const reason = comment.join('#').trim();
  const [date = '', ...rest] = body.trim().split(/\s+/);
  const what = rest.join(' ').trim();
  const closed = what === '' || /^(closed|休息|关闭|停止服务)$/i.test(what);
  return { date, ...(closed ? { closed: true } : { ranges: ranges(what) }), ...(reason ? { reason } : {}) };
}

export function hoursArgs(f: HoursForm): { promisedHours: Record<string, unknown> } {
  const weekly = f.allDay ? '24/7' : Object.fromEntries(WEEKDAYS.map((d) => [d, ranges(f.days[d])]));
  const exceptions = f.exceptions
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map(exceptionOf);
  return { promisedHours: { timezone: f.timezone.trim(), weekly, exceptions } };
}
