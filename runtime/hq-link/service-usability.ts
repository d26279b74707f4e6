/**
 * The heartbeat's `services`: each service HQ counts availability for, usable now or not and why,
 * its hours aside (HQ knows the promised hours; here it is the devices the service needs, its back
 * office, payment for registration, and the kiosk's own blocks: maintenance, lock, starting).
 * Computed on the kiosk, from the same availability the lifecycle gates sessions on
 * (state-machines/availability.ts), so HQ's figure is what a citizen met.
 */
import type { ServiceUsability } from '../../contracts/hq.ts';
import { DEVICE_KINDS, isHoursReason, serviceAvailability, unknownHealth, type Availability, type AvailabilityConfig, type KioskHealth } from '../../state-machines/availability.ts';
import type { FaultCode } from '../../contracts/faults.ts';

const REPORTED = ['providentFundStatement', 'hospitalRegistration'] as const;
export type ServicesUsability = Partial<Record<(typeof REPORTED)[number], ServiceUsability>>;

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s);

/** Usability from the lifecycle's (or a computed) availability: hours reasons do not count. */
export function servicesUsability(availability: Availability): ServicesUsability {
  const out: ServicesUsability = {};
  for (const s of REPORTED) {
    const a = availability[s];
    if (!a) continue;
    const why = a.reasons.filter((r) => !isHoursReason(r));
    out[s] = why.length ? { usable: false, reason: clip(why.map((r) => r.en).join('; ')) } : { usable: true };
  }
  return out;
}

type Problems = { faults: { code: FaultCode }[]; warnings: { code: FaultCode }[] };

/** For an agent without a lifecycle: availability from the devices' latest health and the back offices' reachability. */
export function servicesUsabilityFrom(config: AvailabilityConfig, devices: ReadonlyMap<string, Problems>, backends: ReadonlyMap<string, { state: 'up' | 'down' }>, at: number): ServicesUsability {
  const health: KioskHealth = unknownHealth();
  for (const d of DEVICE_KINDS) {
    const h = devices.get(d);
    const faults = (h?.faults ?? []).map((f) => ({ code: f.code, detail: '' }));
    const warnings = (h?.warnings ?? []).map((f) => ({ code: f.code, detail: '' }));
    health.devices[d] = { state: faults.length ? 'fault' : warnings.length ? 'warning' : 'ok', faults, warnings };
  }
  for (const [b, r] of backends) if (b in health.backends) health.backends[b as keyof KioskHealth['backends']] = { state: r.state };
  return servicesUsability(serviceAvailability(config, health, at));
}
