import { parseArgs } from 'node:util';
import { type CliCommand, type CliIo, Exit } from './io.ts';
import { ConfigError, loadKioskConfig } from '../../kiosk-config/schema.ts';
import { JournalError } from '../journal/journal.ts';
import { startKioskProcess, type RunningKioskProcess, type ShellChoice } from '../kiosk-process.ts';

const USAGE = `usage: zizhu agent --config FILE [--shell chromium|parent-port|none] [--headless] [--data-dir DIR] [--bridge-port N] [--move-aside-corrupt-journal]
  runs the kiosk agent for a real machine: devices, journal, service flows with the configured back
  offices, and the screen (the renderer on 127.0.0.1, shown by the shell)
  --shell parent-port   the Electron shell started this process (it supervises it; the default there)
  --shell chromium      start Debian Chromium in kiosk mode over CDP (--headless: without a window)`;

/** Waits for SIGINT/SIGTERM (or the shell's quit), then stops. */
export async function runUntilStopped(p: RunningKioskProcess, io: CliIo, name: string): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await p.stop('signal');
  io.out(`${name}: stopped`);
}

export const agentCommand: CliCommand = async (args, io) => {
  let values: { config?: string; shell?: string; headless?: boolean; 'data-dir'?: string; 'bridge-port'?: string; 'move-aside-corrupt-journal'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        shell: { type: 'string' },
        headless: { type: 'boolean' },
        'data-dir': { type: 'string' },
        'bridge-port': { type: 'string' },
        'move-aside-corrupt-journal': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    io.err(`zizhu agent: ${(e as Error).message}\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  if (values.help) {
    io.out(USAGE);
    return Exit.OK;
  }
  if (!values.config) {
    io.err(`zizhu agent: --config FILE is required\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  const shell = (values.shell ?? ((process as { parentPort?: unknown }).parentPort ? 'parent-port' : 'chromium')) as ShellChoice;
  if (!['chromium', 'parent-port', 'none'].includes(shell)) {
    io.err(`zizhu agent: --shell must be chromium, parent-port or none, got "${values.shell}"`);
    return Exit.BAD_INPUT;
  }
  const bridgePort = values['bridge-port'] === undefined ? undefined : Number(values['bridge-port']);
  if (bridgePort !== undefined && !(Number.isInteger(bridgePort) && bridgePort >= 0 && bridgePort < 65536)) {
    io.err(`zizhu agent: --bridge-port must be a port number, got "${values['bridge-port']}"`);
    return Exit.BAD_INPUT;
  }
  let config;
  try {
    config = loadKioskConfig(values.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(`zizhu agent: ${values.config} is not a valid kiosk config (zizhu config check ${values.config} lists every problem)`);
    return Exit.BAD_INPUT;
  }
  let p: RunningKioskProcess;
  try {
    p = await startKioskProcess({
      config,
      shell,
      headless: values.headless === true,
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      ...(bridgePort !== undefined ? { bridgePort } : {}),
      moveAsideCorruptJournal: values['move-aside-corrupt-journal'] === true,
    });
  } catch (e) {
    io.err(`zizhu agent: ${(e as Error).message}`);
    return e instanceof JournalError ? Exit.FAULT : Exit.FAULT;
  }
  io.out(`zizhu agent: kiosk ${config.id} — screen ${p.agent.bridge!.origin} (shell: ${shell})`);
  await runUntilStopped(p, io, 'zizhu agent');
  return Exit.OK;
};
