import { parseArgs } from 'node:util';
import { type CliCommand, Exit } from './io.ts';
import { ConfigError, loadKioskConfig, type KioskConfig } from '../../kiosk-config/schema.ts';
import { JournalError } from '../journal/journal.ts';
import { defaultSimDir, startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { readRunningSim, simKioskConfig, writeSimKioskConfig, type SimExample } from '../sim-config.ts';
import { startAgent } from '../agent.ts';

const USAGE = `usage: zizhu start [--headless] [--config FILE] [--kiosk gov-24h|hospital-lobby] [--data-dir DIR] [--move-aside-corrupt-journal]
  without --config: starts the hardware simulator (or uses the one already running) and a kiosk
  configured like the example --kiosk (default gov-24h) with the simulator's devices`;

export const startCommand: CliCommand = async (args, io) => {
  let values: { headless?: boolean; config?: string; kiosk?: string; 'data-dir'?: string; 'move-aside-corrupt-journal'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        headless: { type: 'boolean' },
        config: { type: 'string' },
        kiosk: { type: 'string' },
        'data-dir': { type: 'string' },
        'move-aside-corrupt-journal': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    io.err(`zizhu start: ${(e as Error).message}\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  if (values.help) {
    io.out(USAGE);
    return Exit.OK;
  }
  const example = (values.kiosk ?? 'gov-24h') as SimExample;
  if (example !== 'gov-24h' && example !== 'hospital-lobby') {
    io.err(`zizhu start: --kiosk must be gov-24h or hospital-lobby, got "${values.kiosk}"`);
    return Exit.BAD_INPUT;
  }

  let hw: RunningKioskHardware | undefined;
  let config: KioskConfig;
  let controlUrl: string | undefined;
  if (values.config) {
    try {
      config = loadKioskConfig(values.config);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      io.err(`zizhu start: ${values.config} is not a valid kiosk config (zizhu config check ${values.config} lists every problem)`);
      return Exit.BAD_INPUT;
    }
  } else {
    const running = await readRunningSim();
    if (running) {
      controlUrl = running.controlUrl;
      config = await simKioskConfig(running, example);
    } else {
      hw = await startKioskHardware({ dir: defaultSimDir(), controlPort: 7420 }).catch(() => startKioskHardware({ dir: defaultSimDir(), controlPort: 0 }));
      const d = hw.describe();
      await writeSimKioskConfig(hw.dir, d, example);
      controlUrl = d.controlUrl;
      config = await simKioskConfig(d, example);
    }
  }

  let agent;
  try {
    agent = await startAgent({ config, ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), moveAsideCorruptJournal: values['move-aside-corrupt-journal'] === true });
  } catch (e) {
    await hw?.close();
    if (e instanceof JournalError) {
      io.err(`zizhu start: ${e.message}`);
      return Exit.FAULT;
    }
    throw e;
  }

  io.out(`zizhu start: kiosk ${config.id} — ${config.name}`);
  io.out(`  journal          ${agent.journalPath}`);
  if (controlUrl) io.out(`  simulator panel  ${controlUrl}/   (place an ID card, run out of paper, scan a code)`);
  io.out(`  devices          zizhu doctor${values.config ? ` --config ${values.config}` : ''}   (self-check every device)`);
  io.out(`  screen           ${values.headless ? 'headless: none' : 'not in this build yet: the agent runs headless'}`);
  io.out('Ctrl-C stops.');

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await agent.stop();
  await hw?.close();
  io.out('zizhu start: stopped');
  return Exit.OK;
};
