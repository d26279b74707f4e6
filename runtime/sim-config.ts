import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSimDir, type SimDescription } from '../hardware-sim/kiosk-hardware.ts';
import { parseKioskConfig, type KioskConfig } from '../kiosk-config/schema.ts';
import { hashStaffPin } from './kiosk/staff-pin.ts';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', 'kiosk-config', 'examples');

/** A running simulator's description (sim.json), or undefined when none runs in `dir`. */
export async function readRunningSim(dir = defaultSimDir()): Promise<SimDescription | undefined> {
  const file = join(dir, 'sim.json');
  if (!existsSync(file)) return undefined;
  try {
    const d = JSON.parse(await readFile(file, 'utf8')) as SimDescription;
    // a stale file from a simulator that was killed: its pid is gone
    try {
      process.kill(d.pid, 0);
    } catch {
      return undefined;
    }
    return d;
  } catch {
    return undefined;
  }
}

/**
 * The kiosk config for a machine whose devices are the simulator's: an example config
 * (gov-24h by default) with its `devices` pointed at the simulator's ports.
 */
export async function simKioskConfig(sim: Pick<SimDescription, 'devicesConfig'>, example: SimExample = 'gov-24h', backOffice?: SimBackOffice, options: SimConfigOptions = {}): Promise<KioskConfig> {
  return parseKioskConfig(await simConfigJson(sim, example, backOffice, options), `${example} with simulated devices`);
}

export interface SimConfigOptions {
  /** promised and service hours 24/7 (try the hospital machine at night) */
  alwaysOpen?: boolean;
  /** the HQ the kiosk's link reports to (zizhu start's development HQ) */
  hq?: { url: string; credentialsRef: string; heartbeatSeconds: number };
}

/** The back-office simulators a simulated kiosk talks to (backends/simulators.ts `startBackOffice`). */
export interface SimBackOffice {
  urls: { providentFund: string; his: string; payment: string };
  merchantId: string;
}

/** The environment variable the simulated kiosk's payment credential is read from (any value: the simulator checks only that there is one). */
export const SIM_PAYMENT_CREDENTIAL_ENV = 'ZIZHU_SIM_PAYMENT_CREDENTIAL';
/** The staff PIN of a simulated kiosk's technician (never used on a real machine: its config names its own staff). */
export const SIM_STAFF_PIN = '246810';
const SIM_STAFF = { id: 'sim-technician' };

export type SimExample = 'gov-24h' | 'hospital-lobby';

export async function simConfigJson(sim: Pick<SimDescription, 'devicesConfig'>, example: SimExample, backOffice?: SimBackOffice, options: SimConfigOptions = {}): Promise<Record<string, unknown>> {
  const raw = JSON.parse(await readFile(join(EXAMPLES, `${example}.json`), 'utf8')) as Record<string, unknown>;
  raw.devices = sim.devicesConfig;
  if (options.alwaysOpen) {
    (raw.promisedHours as Record<string, unknown>).weekly = '24/7';
    (raw.promisedHours as Record<string, unknown>).exceptions = [];
    for (const service of Object.values((raw.services ?? {}) as Record<string, Record<string, unknown>>)) delete service.hours;
  }
  if (backOffice) {
    const services = (raw.services ?? {}) as Record<string, unknown>;
    const u = backOffice.urls;
    raw.backends = {
      ...(services.providentFundStatement ? { providentFund: { url: u.providentFund, timeoutMs: 3_000 } } : {}),
      ...(services.hospitalRegistration ? { his: { url: u.his, timeoutMs: 3_000 } } : {}),
      ...(services.payment ? { payment: { url: u.payment, credentialsRef: `env:${SIM_PAYMENT_CREDENTIAL_ENV}`, merchantId: backOffice.merchantId, timeoutMs: 3_000 } } : {}),
    };
  }
  raw.staff = [{ id: SIM_STAFF.id, pin: simStaffPinHash() }];
  // the example's HQ (a real secret file) is not this simulated kiosk's: only zizhu start's development HQ, when given
  if (options.hq) raw.hq = { ...options.hq };
  else delete raw.hq;
  return raw;
}

let simPinHash: string | undefined;
/** The sim technician's PIN hash, made once per process (scrypt is slow on purpose). */
function simStaffPinHash(): string {
  simPinHash ??= hashStaffPin(SIM_STAFF_PIN, Buffer.from('zizhu-sim-staff!'));
  return simPinHash;
}

/** Writes `kiosk.json` next to sim.json so `zizhu doctor` and the agent find the simulated machine. */
export async function writeSimKioskConfig(dir: string, sim: Pick<SimDescription, 'devicesConfig'>, example: SimExample = 'gov-24h', backOffice?: SimBackOffice, options: SimConfigOptions = {}): Promise<string> {
  const raw = await simConfigJson(sim, example, backOffice, options);
  parseKioskConfig(raw, `${example} with simulated devices`);
  const file = join(dir, 'kiosk.json');
  await writeFile(file, `${JSON.stringify(raw, null, 2)}\n`);
  return file;
}
