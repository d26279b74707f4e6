import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSimDir, type SimDescription } from '../hardware-sim/kiosk-hardware.ts';
import { parseKioskConfig, type KioskConfig } from '../kiosk-config/schema.ts';

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
export async function simKioskConfig(sim: Pick<SimDescription, 'devicesConfig'>, example: SimExample = 'gov-24h'): Promise<KioskConfig> {
  return parseKioskConfig(await simConfigJson(sim, example), `${example} with simulated devices`);
}

export type SimExample = 'gov-24h' | 'hospital-lobby';

async function simConfigJson(sim: Pick<SimDescription, 'devicesConfig'>, example: SimExample): Promise<Record<string, unknown>> {
  const raw = JSON.parse(await readFile(join(EXAMPLES, `${example}.json`), 'utf8')) as Record<string, unknown>;
  raw.devices = sim.devicesConfig;
  return raw;
}

/** Writes `kiosk.json` next to sim.json so `zizhu doctor` and the agent find the simulated machine. */
export async function writeSimKioskConfig(dir: string, sim: Pick<SimDescription, 'devicesConfig'>, example: SimExample = 'gov-24h'): Promise<string> {
  const raw = await simConfigJson(sim, example);
  parseKioskConfig(raw, `${example} with simulated devices`);
  const file = join(dir, 'kiosk.json');
  await writeFile(file, `${JSON.stringify(raw, null, 2)}\n`);
  return file;
}
