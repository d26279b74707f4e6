/**
 * The `version` a kiosk's `hours.config` carries (contracts/hq.ts): the first 12 hex digits of the
 * SHA-256 of the reported hours' canonical JSON (every object's keys sorted), so equal hours have an
 * equal version on every kiosk. The agent (runtime/hq-link/hours-report.ts) and the fleet simulator
 * (hq/fleet-sim) both report with it.
 */
import { createHash } from 'node:crypto';

/** JSON with every object's keys sorted: one text for equal values. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The version of reported hours: `promisedHours` and `services` as `hours.config` carries them. */
export function hoursVersion(hours: { promisedHours: Record<string, unknown>; services: Partial<Record<string, Record<string, unknown> | null>> }): string {
  return createHash('sha256').update(canonicalJson({ promisedHours: hours.promisedHours, services: hours.services })).digest('hex').slice(0, 12);
}
