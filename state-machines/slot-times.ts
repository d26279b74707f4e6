/**
 * Which slots the kiosk may still offer. A slot (date YYYY-MM-DD, time "HH:MM-HH:MM" in the hospital's
 * local time) is open until its end: 08:00–09:00 is offered at 08:40 and not at 09:00 — nor at 21:48,
 * when a kiosk once offered and charged for it. The HIS should not list such slots; the kiosk does not
 * rely on it. Local time is the zone's wall clock (Intl), whatever zone the machine itself runs in.
 */
import type { Slot } from '../backends/his/types.ts';

export const HOSPITAL_TIME_ZONE = 'Asia/Shanghai';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `{ date: 'YYYY-MM-DD', time: 'HH:MM' }` of the instant `at` in `timeZone`. */
export function localDateTime(at: number, timeZone: string = HOSPITAL_TIME_ZONE): { date: string; time: string } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** Has the slot's time ended at `at`? A slot whose time cannot be read counts as over (never offered by guesswork). */
export function slotIsOver(slot: Pick<Slot, 'date' | 'time'>, at: number, timeZone: string = HOSPITAL_TIME_ZONE): boolean {
  const end = /^\d{2}:\d{2}-(\d{2}:\d{2})$/.exec(slot.time)?.[1];
  if (!end || !/^\d{4}-\d{2}-\d{2}$/.test(slot.date)) return true;
  const now = localDateTime(at, timeZone);
  return slot.date < now.date || (slot.date === now.date && end <= now.time);
}

/** The slots still open at `at`, in the HIS's order. */
export function openSlots(slots: readonly Slot[], at: number, timeZone: string = HOSPITAL_TIME_ZONE): Slot[] {
  return slots.filter((s) => !slotIsOver(s, at, timeZone));
}
