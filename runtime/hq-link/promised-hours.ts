/**
 * HQ's `set-promised-hours` on the kiosk: the hours are validated again with the kiosk config's own
 * schema (kiosk-config/schema.ts `parseHoursChange`, as HQ did before queuing), applied through the
 * lifecycle (the hours in force change now, open/closed is re-evaluated and the next boundary
 * re-armed), and kept across restarts.
 *
 * Where they are kept (decided): `<dataDir>/promised-hours.json` (0600, written whole and renamed
 * into place), holding the change as HQ sent it, the command and when. At every start the agent
 * reads it after the config file and its hours replace the config's (`withHoursOverride`; the log
 * says so), so a restart does not bring back hours HQ replaced. The config file is never rewritten
 * (it may be managed by the site's tooling). To go back to the config file's hours, send them with
 * set-promised-hours, or delete the file and restart. A file that no longer validates is ignored
 * with an error line (the config's hours stand).
 *
 * The running config object's `promisedHours` and `services.<s>.hours` are replaced in place, so
 * every holder of the config (screen, nearby list, heartbeat) sees the hours in force.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { formatConfigIssue, parseHoursChange, type HoursChange, type KioskConfig } from '../../kiosk-config/schema.ts';
import { writePrivateFile } from '../private-files.ts';
import type { CommandOutcome } from './remote-hands.ts';

export const HOURS_OVERRIDE_FILE = 'promised-hours.json';

const SERVICES = ['providentFundStatement', 'hospitalRegistration'] as const;

/** The change as the kiosk's config takes it, or why not (a field path and what is wrong, every one). */
export function checkHoursChange(config: Pick<KioskConfig, 'services'>, args: unknown): { ok: true; change: HoursChange } | { ok: false; detail: string } {
  const parsed = parseHoursChange(args);
  if (!parsed.ok) return { ok: false, detail: `invalid hours: ${parsed.issues.map(formatConfigIssue).join('; ')}` };
  const notOffered = SERVICES.filter((s) => parsed.change.services?.[s] !== undefined && !config.services[s]);
  if (notOffered.length) return { ok: false, detail: `invalid hours: ${notOffered.map((s) => `services.${s}: not offered on this kiosk`).join('; ')}` };
  return parsed;
}

/** The config's hours with `change` in force (a copy; services not named keep theirs). */
export function hoursWith(config: Pick<KioskConfig, 'promisedHours' | 'services'>, change: HoursChange): Pick<KioskConfig, 'promisedHours' | 'services'> {
  const services = { ...config.services };
  for (const s of SERVICES) {
    const c = change.services?.[s];
    const current = services[s];
    if (c === undefined || !current) continue;
    const next = { ...current } as typeof current & { hours?: unknown };
    if (c.hours === null) delete next.hours;
    else next.hours = c.hours;
    (services as Record<string, unknown>)[s] = next;
  }
  return { promisedHours: change.promisedHours, services };
}

/** Keep the change (as HQ sent it) for the next starts. */
export function writeHoursOverride(dataDir: string, args: unknown, commandId: string, at: number): void {
  const path = join(dataDir, HOURS_OVERRIDE_FILE);
  const tmp = `${path}.tmp`;
  writePrivateFile(tmp, `${JSON.stringify({ setBy: 'hq', commandId, appliedAt: new Date(at).toISOString(), change: args }, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * The running config: a copy of the file's, with the hours HQ set last (the override file) when there
 * is one and it still fits (else logged, and the file's hours stand).
 */
export function withHoursOverride(file: KioskConfig, dataDir: string, log: { info(m: string): unknown; error(m: string): unknown }): KioskConfig {
  // always a copy: set-promised-hours replaces the running config's hours, never the caller's
  const config = { ...file };
  const path = join(dataDir, HOURS_OVERRIDE_FILE);
  if (!existsSync(path)) return config;
  let saved: { commandId?: unknown; appliedAt?: unknown; change?: unknown };
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as typeof saved;
  } catch (e) {
    log.error(`${path} is unreadable (${(e as Error).message}); the config's promised hours stand`);
    return config;
  }
  const checked = checkHoursChange(config, saved?.change);
  if (!checked.ok) {
    log.error(`${path} no longer fits this kiosk (${checked.detail}); the config's promised hours stand`);
    return config;
  }
  log.info(`promised hours as HQ set them (set-promised-hours ${String(saved.commandId)} at ${String(saved.appliedAt)}, ${path}) replace the config file's`);
  return { ...config, ...hoursWith(config, checked.change) };
}

export interface HoursTarget {
  config: KioskConfig;
  dataDir: string;
  now: () => number;
  /** the lifecycle takes the hours now (Kiosk.setHours); absent: no lifecycle, nothing applied */
  apply?: (hours: Pick<KioskConfig, 'promisedHours' | 'services'>) => void;
  /** tell HQ the hours in force (hours.config); returns their version */
  report: () => string;
}

/** Carry out set-promised-hours: validate, keep, apply, report. */
export function setPromisedHours(t: HoursTarget, args: unknown, commandId: string): CommandOutcome {
  if (!t.apply) return { status: 'failed', detail: 'this agent runs no kiosk lifecycle (it has no screen); the hours were not changed' };
  const checked = checkHoursChange(t.config, args);
  if (!checked.ok) return { status: 'failed', detail: checked.detail };
  // kept first: hours applied but lost at the next restart would be worse than not applied
  writeHoursOverride(t.dataDir, args, commandId, t.now());
  const hours = hoursWith(t.config, checked.change);
  t.config.promisedHours = hours.promisedHours;
  t.config.services = hours.services;
  t.apply(hours);
  const version = t.report();
  const weekly = hours.promisedHours.weekly === '24/7' ? '24/7' : 'weekly schedule';
  return { status: 'succeeded', detail: `promised hours applied (version ${version}; ${weekly}, ${hours.promisedHours.exceptions.length} exception date(s), ${hours.promisedHours.timezone}); kept across restarts` };
}
