/**
 * A heartbeat updates the kiosk's row in place; HQ stores a history row only when what the kiosk
 * is changed (state, lifecycle, a device's health, open hours, a service's usability) — 50,000 kiosks every 30 s must
 * not become 50,000 rows every 30 s.
 */
import type { HqEvents } from '../../../contracts/hq.ts';
import type { z } from 'zod';
import type { KiosksTable } from '../db/tables.ts';

export type HeartbeatPayload = z.output<(typeof HqEvents)['heartbeat']>;

/** The fields of the kiosk row a heartbeat sets. */
export type KioskNow = Pick<
  KiosksTable,
  'lifecycle' | 'devices' | 'watch' | 'hours_open' | 'hours_next_change' | 'backends' | 'outbox_backlog' | 'clock_skew_ms' | 'heartbeat_seconds' | 'last_heartbeat_seq' | 'services'
>;

/** Devices as stable JSON (sorted keys and codes), so equal health compares equal; `noisy` when the line carries noise now. */
export function devicesJson(devices: HeartbeatPayload['devices']): string {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(devices).sort()) {
    const d = devices[name as keyof typeof devices]!;
    // of the line-noise report only `noisy` (issue 11): its counters would make every beat a change
    out[name] = { state: d.state, faults: [...d.faults].sort(), warnings: [...d.warnings].sort(), ...(d.lineNoise?.noisy ? { noisy: true } : {}) };
  }
  return JSON.stringify(out);
}

/** The watchdogs' faults and checked codes as stable JSON (sorted), null when the kiosk did not say (issue 11). */
export function watchJson(watch: HeartbeatPayload['watch']): string | null {
  return watch ? JSON.stringify({ faults: [...new Set(watch.faults)].sort(), checked: [...new Set(watch.checked)].sort() }) : null;
}

/** Service usability as stable JSON (sorted services), null when the kiosk did not say (issue 10). */
export function servicesJson(services: HeartbeatPayload['services']): string | null {
  if (!services) return null;
  const out: Record<string, { usable: boolean; reason?: string }> = {};
  for (const name of Object.keys(services).sort()) {
    const s = services[name as keyof typeof services]!;
    out[name] = s.reason === undefined ? { usable: s.usable } : { usable: s.usable, reason: s.reason };
  }
  return JSON.stringify(out);
}

/** The row after heartbeat `p` (seq `seq`) received at HQ's `now`, and whether it changed what the kiosk is. */
export function applyHeartbeat(current: KioskNow, p: HeartbeatPayload, seq: number, now: number): { next: KioskNow; changed: boolean } {
  const devices = devicesJson(p.devices);
  const hoursOpen = p.hours.open ? 1 : 0;
  const services = servicesJson(p.services);
  const changed = p.lifecycle !== current.lifecycle || devices !== current.devices || hoursOpen !== current.hours_open || services !== current.services;
  return {
    changed,
    next: {
      lifecycle: p.lifecycle,
      devices,
      // not part of `changed`: a screen fault reaches the history as its own event
      watch: watchJson(p.watch),
      hours_open: hoursOpen,
      hours_next_change: p.hours.nextChangeAt ?? null,
      backends: p.backends ? JSON.stringify(p.backends) : null,
      outbox_backlog: p.outboxBacklog,
      // a heartbeat delivered late (a backlog) shows its lateness here until the next live one
      clock_skew_ms: Date.parse(p.clock) - now,
      heartbeat_seconds: p.intervalSeconds,
      last_heartbeat_seq: seq,
      services,
    },
  };
}
