/**
 * The options `zizhu agent` and `zizhu start` share (both end in startKioskProcess), parsed and
 * checked in one place: one line saying what is wrong, exit 2.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadKioskConfig, type KioskConfig } from '../../kiosk-config/schema.ts';
import type { KioskProcessOptions } from '../kiosk-process.ts';
import { AgentAlreadyRunningError, takeAgentLock, type AgentLock } from '../agent-lock.ts';
import { type CliIo, Exit } from './io.ts';

export const KIOSK_PROCESS_OPTIONS = {
  config: { type: 'string' },
  shell: { type: 'string' },
  headless: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'bridge-port': { type: 'string' },
  'move-aside-corrupt-journal': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = { config?: string; shell?: string; headless?: boolean; 'data-dir'?: string; 'bridge-port'?: string; 'move-aside-corrupt-journal'?: boolean; help?: boolean };

/**
 * Parses `args` with the shared options plus `extra`. Returns the values, or the exit code after
 * printing the usage (help) or what was wrong.
 */
export function parseKioskArgs<E extends Record<string, { type: 'string' | 'boolean' }>>(
  command: string,
  usage: string,
  args: string[],
  io: CliIo,
  extra: E,
): { values: Values & { [K in keyof E]?: E[K]['type'] extends 'boolean' ? boolean : string }; exit?: undefined } | { exit: number } {
  let values: Values & Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { ...KIOSK_PROCESS_OPTIONS, ...extra }, strict: true }) as { values: Values & Record<string, string | boolean | undefined> });
  } catch (e) {
    io.err(`zizhu ${command}: ${(e as Error).message}\n${usage}`);
    return { exit: Exit.BAD_INPUT };
  }
  if (values.help) {
    io.out(usage);
    return { exit: Exit.OK };
  }
  const port = values['bridge-port'];
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) < 65536)) {
    io.err(`zizhu ${command}: --bridge-port must be a port number (0 for any free one), got "${port}"`);
    return { exit: Exit.BAD_INPUT };
  }
  return { values: values as Values & { [K in keyof E]?: E[K]['type'] extends 'boolean' ? boolean : string } };
}

/** The parts of startKioskProcess's options these flags give. */
export function processOptionsOf(values: Values): Pick<KioskProcessOptions, 'dataDir' | 'bridgePort' | 'moveAsideCorruptJournal'> {
  return {
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values['bridge-port'] !== undefined ? { bridgePort: Number(values['bridge-port']) } : {}),
    moveAsideCorruptJournal: values['move-aside-corrupt-journal'] === true,
  };
}

/** The kiosk config in `file`, or undefined after saying it is not valid (and how to see why). */
export function loadConfigFor(command: string, file: string, io: CliIo): KioskConfig | undefined {
  try {
    return loadKioskConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(`zizhu ${command}: ${file} is not a valid kiosk config (zizhu config check ${file} lists every problem)`);
    return undefined;
  }
}

/**
 * Takes the one-agent lock on `dataDir` before anything starts; when another agent holds it, says
 * so in one line naming its pid and returns exit 2.
 */
export function lockDataDir(command: string, dataDir: string, io: CliIo): { lock: AgentLock } | { exit: number } {
  try {
    return { lock: takeAgentLock(dataDir, { command: `zizhu ${command}` }) };
  } catch (e) {
    io.err(`zizhu ${command}: ${(e as Error).message}`);
    return { exit: e instanceof AgentAlreadyRunningError ? Exit.BAD_INPUT : Exit.FAULT };
  }
}
