/**
 * "附近可用的自助机": the other machines a person is sent to when this one cannot serve them. Only
 * those open at the instant (by their configured hours, in the promised hours' time zone) are
 * offered, nearest first; a machine without a distance comes after those with one. Pure: the
 * instant is always given (the kiosk's injected clock), never read from the wall clock.
 */
import type { KioskConfig, NearbyKioskConfig } from '../../kiosk-config/schema.ts';
import { hoursAt, type Schedule } from '../../kiosk-config/hours.ts';

export interface OpenNearbyKiosk {
  kiosk: NearbyKioskConfig;
  /** epoch ms when it closes (null: not within the foreseeable future, e.g. 24/7) */
  closesAt: number | null;
}

function scheduleOf(config: KioskConfig, k: NearbyKioskConfig): Schedule {
  return { timezone: config.promisedHours.timezone, weekly: k.hours.weekly, exceptions: k.hours.exceptions };
}

/** The nearby machines open at `at`, nearest first. */
export function nearbyOpenAt(config: KioskConfig, at: number): OpenNearbyKiosk[] {
  const open: (OpenNearbyKiosk & { order: number })[] = [];
  config.ui.nearbyKiosks.forEach((kiosk, order) => {
    const h = hoursAt(scheduleOf(config, kiosk), at);
    if (h.open) open.push({ kiosk, closesAt: h.closesAt?.getTime() ?? null, order });
  });
  const distance = (k: NearbyKioskConfig) => k.distanceMeters ?? Number.POSITIVE_INFINITY;
  return open.sort((a, b) => distance(a.kiosk) - distance(b.kiosk) || a.order - b.order).map(({ kiosk, closesAt }) => ({ kiosk, closesAt }));
}

/** The next instant after `at` when one of the nearby machines opens or closes (null: none within the horizon). */
export function nextNearbyChange(config: KioskConfig, at: number): number | null {
  let next: number | null = null;
  for (const k of config.ui.nearbyKiosks) {
    const h = hoursAt(scheduleOf(config, k), at);
    const change = (h.open ? h.closesAt : h.opensAt)?.getTime() ?? null;
    if (change !== null && change > at && (next === null || change < next)) next = change;
  }
  return next;
}
