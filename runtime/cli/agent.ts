import { type CliCommand, Exit } from './io.ts';
import { loadConfigFor, lockDataDir, parseKioskArgs, processOptionsOf } from './kiosk-options.ts';
import { agentDataDir } from '../agent-dirs.ts';
import { startKioskProcess, type ShellChoice } from '../kiosk-process.ts';
import { EXIT_RESTART, keepRunning, underSystemd } from './restart-loop.ts';

const USAGE = `usage: zizhu agent --config FILE [--shell chromium|parent-port|none] [--headless] [--data-dir DIR] [--bridge-port N] [--move-aside-corrupt-journal]
  runs the kiosk agent for a real machine: devices, journal, service flows with the configured back
  offices, and the screen (the renderer on 127.0.0.1, shown by the shell)
  --shell parent-port   the Electron shell started this process (it supervises it; the default there)
  --shell chromium      start Debian Chromium in kiosk mode over CDP (--headless: without a window)
  --data-dir DIR        journal and the one-agent lock (default: agent.dataDir of the config, else
                        $XDG_STATE_HOME/zizhu/data or ~/.local/state/zizhu/data; /var/lib/zizhu for root)`;

export const agentCommand: CliCommand = async (args, io) => {
  const parsed = parseKioskArgs('agent', USAGE, args, io, {});
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  if (!values.config) {
    io.err(`zizhu agent: --config FILE is required\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  const shell = (values.shell ?? ((process as { parentPort?: unknown }).parentPort ? 'parent-port' : 'chromium')) as ShellChoice;
  if (!['chromium', 'parent-port', 'none'].includes(shell)) {
    io.err(`zizhu agent: --shell must be chromium, parent-port or none, got "${values.shell}"`);
    return Exit.BAD_INPUT;
  }
  const config = loadConfigFor('agent', values.config, io);
  if (!config) return Exit.BAD_INPUT;
  // one agent per machine: refused here, before any device, browser or port is touched
  const dataDir = agentDataDir(values['data-dir'] ?? config.agent.dataDir);
  const locked = lockDataDir('agent', dataDir, io);
  if ('exit' in locked) return locked.exit;
  let ended: 'signal' | 'restart';
  try {
    ended = await keepRunning(
      (onRestart) => startKioskProcess({ config, shell, headless: values.headless === true, ...processOptionsOf(values), dataDir, configFile: values.config, onRestart }),
      {
        io,
        name: 'zizhu agent',
        // HQ's restart-app: under systemd a fresh process (Restart=always), else started again here
        exitForRestart: underSystemd(),
        onStarted: (p, restarts) => io.out(`zizhu agent: kiosk ${config.id} — screen ${p.agent.bridge!.origin} (shell: ${shell}; data ${dataDir})${restarts ? `; restart ${restarts}` : ''}`),
      },
    );
  } catch (e) {
    locked.lock.release();
    io.err(`zizhu agent: ${(e as Error).message}`);
    // running Chromium unsandboxed as root was not allowed: the config (or the user) must change
    return (e as Error).name === 'NoSandboxRefusedError' ? Exit.BAD_INPUT : Exit.FAULT;
  }
  locked.lock.release();
  if (ended === 'restart') return EXIT_RESTART;
  io.out('zizhu agent: stopped');
  return Exit.OK;
};
