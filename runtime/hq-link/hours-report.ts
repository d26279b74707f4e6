/**
 * The kiosk tells HQ the promised hours it keeps: one `hours.config` event in the outbox, with the
 * hours in the config's input form ("07:00-20:00", `closed: true`…) so HQ checks them with the same
 * schema, and `version`, the first 12 hex digits of the SHA-256 of their canonical JSON (keys
 * sorted; contracts/hours-version.ts): equal hours, equal version, on every kiosk.
 *
 * Who calls `reportPromisedHours(outbox, config)`:
 * - the agent, right after `agent.started`, at every start (runtime/agent.ts);
 * - whoever changes the hours in force (HQ's `set-promised-hours`), right after applying them.
 * `config` is anything with the kiosk config's (parsed) `promisedHours` and `services`; the return
 * value is the payload journaled, `.version` included. It throws only if the journal cannot write.
 */
import type { HqEventPayload } from '../../contracts/hq.ts';
import { hoursVersion } from '../../contracts/hours-version.ts';
import { WEEKDAYS, type KioskConfig, type TimeRange } from '../../kiosk-config/schema.ts';
import type { Outbox } from '../journal/outbox.ts';

export type HoursReport = HqEventPayload<'hours.config'>;
type Hours = Pick<KioskConfig['promisedHours'], 'weekly' | 'exceptions'>;

/** the services HQ counts availability for (contracts/hq.ts ServiceNameSchema) */
const REPORTED_SERVICES = ['providentFundStatement', 'hospitalRegistration'] as const;

const rangeText = (r: TimeRange) => `${r.open}-${r.close}`;

/** Parsed hours back in the config's input form. */
export function hoursInput(h: Hours): Record<string, unknown> {
  const weekly = h.weekly === '24/7' ? '24/7' : Object.fromEntries(WEEKDAYS.map((d) => [d, (h.weekly as Exclude<Hours['weekly'], '24/7'>)[d].map(rangeText)]));
  const exceptions = h.exceptions.map((e) => ({ date: e.date, ...(e.ranges.length ? { ranges: e.ranges.map(rangeText) } : { closed: true }), ...(e.reason ? { reason: e.reason } : {}) }));
  return { weekly, exceptions };
}

/** JSON with every object's keys sorted (the version is a hash of it): contracts/hours-version.ts */
export { canonicalJson } from '../../contracts/hours-version.ts';

/** What `hours.config` says for `config`. */
export function promisedHoursReport(config: Pick<KioskConfig, 'promisedHours' | 'services'>): HoursReport {
  const promisedHours = { timezone: config.promisedHours.timezone, ...hoursInput(config.promisedHours) };
  const services: HoursReport['services'] = {};
  for (const s of REPORTED_SERVICES) {
    const svc = config.services[s] as { hours?: Hours } | undefined;
    if (svc) services[s] = svc.hours ? hoursInput(svc.hours) : null;
  }
  const version = hoursVersion({ promisedHours, services });
  return { version, timezone: config.promisedHours.timezone, promisedHours, services };
}

/** Journal `hours.config` for `config` in the outbox (HQ gets it with the next batch); returns it. */
export function reportPromisedHours(outbox: Pick<Outbox, 'enqueue'>, config: Pick<KioskConfig, 'promisedHours' | 'services'>): HoursReport {
  const report = promisedHoursReport(config);
  outbox.enqueue('hours.config', report);
  return report;
}
