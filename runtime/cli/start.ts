import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type CliCommand, Exit } from './io.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import { loadConfigFor, lockDataDir, parseKioskArgs, processOptionsOf } from './kiosk-options.ts';
import { agentDataDir } from '../agent-dirs.ts';
import { ControlPortInUseError } from '../../hardware-sim/control-api.ts';
import { defaultSimDir, startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { readRunningSim, simKioskConfig, writeSimKioskConfig, SIM_PAYMENT_CREDENTIAL_ENV, SIM_STAFF_PIN, type SimConfigOptions, type SimExample } from '../sim-config.ts';
import { startKioskProcess, type RunningKioskProcess } from '../kiosk-process.ts';
import { pinnedNow } from '../../state-machines/deadlines.ts';
import { startDevHq, type DevHq } from './start-hq.ts';
import { keepRunning } from './restart-loop.ts';

/** epoch ms of an ISO 8601 time that names its offset (2026-12-03T21:40+08:00, …Z); null when it is not one */
export function parseInstant(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

const USAGE = `usage: zizhu start [--headless] [--kiosk gov-24h|hospital-lobby] [--always-open] [--shell auto|electron|chromium|none]
                   [--config FILE] [--data-dir DIR] [--bridge-port N] [--move-aside-corrupt-journal]
  without --config: starts the hardware simulator (or uses the one already running), the back-office
  simulators (provident-fund centre, HIS, payment gateway) and a kiosk configured like the example
  --kiosk (default gov-24h) on them; then the screen in a shell:
  --shell auto (default): Electron when its binary is present and there is a display, else Chromium
  --headless: no window (Chromium headless); open the printed screen URL in any browser to look
  --data-dir DIR: journal and the one-agent lock (default $XDG_STATE_HOME/zizhu/data or
    ~/.local/state/zizhu/data; /var/lib/zizhu for root); a second start on it is refused
  --always-open: the simulated machine keeps 24-hour hours (the hospital example opens 07:00–20:00
    Asia/Shanghai and shows its out-of-hours lockout otherwise, as it should)
  --at TIME: the simulated kiosk and back offices live at this instant (ISO 8601 with its offset, e.g.
    2026-12-03T21:40+08:00), then run on from it: try the night lockout or the evening's slots by day
  HQ: an HQ server on an embedded SQLite file in the data directory, the kiosk enrolled and reporting
  to it; the console's URL, user and password are printed. --no-hq: without it.
  --fleet N: N simulated kiosks report to that HQ too (zizhu hq fleet-sim), so the console shows a city`;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Electron binary's path, when it was downloaded (npm run electron:fetch). */
export function electronBinary(): string | undefined {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const hasDisplay = () => Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) || process.platform === 'win32' || process.platform === 'darwin';

export const startCommand: CliCommand = async (args, io) => {
  const parsed = parseKioskArgs('start', USAGE, args, io, { 'always-open': { type: 'boolean' }, kiosk: { type: 'string' }, at: { type: 'string' }, 'no-hq': { type: 'boolean' }, fleet: { type: 'string' } });
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const example = (values.kiosk ?? 'gov-24h') as SimExample;
  if (example !== 'gov-24h' && example !== 'hospital-lobby') {
    io.err(`zizhu start: --kiosk must be gov-24h or hospital-lobby, got "${values.kiosk}"`);
    return Exit.BAD_INPUT;
  }
  const at = values.at !== undefined ? parseInstant(values.at) : undefined;
  if (at === null) {
    io.err(`zizhu start: --at must be an ISO 8601 time with its offset, e.g. 2026-12-03T21:40+08:00, got "${values.at}"`);
    return Exit.BAD_INPUT;
  }
  if (at !== undefined && values.config) {
    io.err('zizhu start: --at pins the simulated kiosk\'s clock; it cannot be used with --config (a real machine keeps real time)');
    return Exit.BAD_INPUT;
  }
  const now = at !== undefined ? pinnedNow(at) : undefined;
  const withHq = values['no-hq'] !== true && !values.config;
  const fleet = values.fleet !== undefined ? Number(values.fleet) : 0;
  if (values.fleet !== undefined && !(Number.isInteger(fleet) && fleet >= 1 && fleet <= 100_000 && withHq)) {
    io.err(`zizhu start: --fleet must be a number of kiosks from 1 to 100000 (and needs the HQ: not with --no-hq or --config), got "${values.fleet}"`);
    return Exit.BAD_INPUT;
  }
  const shellArg = values.shell ?? 'auto';
  if (!['auto', 'electron', 'chromium', 'none'].includes(shellArg)) {
    io.err(`zizhu start: --shell must be auto, electron, chromium or none, got "${shellArg}"`);
    return Exit.BAD_INPUT;
  }
  const bridgePort = values['bridge-port'];
  const headless = values.headless === true;
  const electron = electronBinary();
  if (shellArg === 'electron' && !electron) {
    io.err('zizhu start: --shell electron: no Electron binary here (npm run electron:fetch on a machine with internet); use --shell chromium');
    return Exit.BAD_INPUT;
  }
  const shell: 'electron' | 'chromium' | 'none' =
    shellArg === 'none' ? 'none' : shellArg === 'electron' ? 'electron' : shellArg === 'chromium' ? 'chromium' : electron && !headless && hasDisplay() ? 'electron' : 'chromium';
  const chromiumHeadless = headless || !hasDisplay();
  if (now && shell === 'electron') {
    io.err('zizhu start: --at runs the agent in this process: add --shell chromium');
    return Exit.BAD_INPUT;
  }

  const loaded = values.config ? loadConfigFor('start', values.config, io) : undefined;
  if (values.config && !loaded) return Exit.BAD_INPUT;
  // one agent per machine: refused here, before any simulator, browser or port is started
  const dataDir = agentDataDir(values['data-dir'] ?? loaded?.agent.dataDir);
  const locked = lockDataDir('start', dataDir, io);
  if ('exit' in locked) return locked.exit;

  let hw: RunningKioskHardware | undefined;
  let bo: BackOffice | undefined;
  let hq: DevHq | undefined;
  let config: KioskConfig;
  let configFile: string | undefined = values.config;
  let controlUrl: string | undefined;
  const env = { ...process.env };
  const cleanup = async () => {
    await hq?.close();
    await bo?.close();
    await hw?.close();
    locked.lock.release();
  };
  if (loaded) {
    config = loaded;
  } else try {
    const running = await readRunningSim();
    let devices;
    let simDir: string;
    if (running) {
      controlUrl = running.controlUrl;
      devices = running;
      simDir = defaultSimDir();
    } else {
      hw = await startKioskHardware({ dir: defaultSimDir(), controlPort: 7420 }).catch((e: unknown) => {
        if (!(e instanceof ControlPortInUseError)) throw e;
        return startKioskHardware({ dir: defaultSimDir(), controlPort: 0 });
      });
      devices = hw.describe();
      controlUrl = devices.controlUrl;
      simDir = hw.dir;
    }
    // the patient "scans" the payment QR with their phone: the simulated gateway pays a QR order after 8 s
    bo = await startBackOffice({ ...(now ? { now } : {}), payment: { autoPayNativeMs: 8_000, refundProcessingMs: 500 } });
    env[SIM_PAYMENT_CREDENTIAL_ENV] ??= 'zizhu-sim';
    process.env[SIM_PAYMENT_CREDENTIAL_ENV] ??= 'zizhu-sim';
    const backOffice = { urls: bo.urls, merchantId: bo.merchantId };
    let simOptions: SimConfigOptions = { alwaysOpen: values['always-open'] === true };
    if (withHq) {
      const kiosk = await simKioskConfig(devices, example, backOffice, simOptions);
      // the kiosk does not depend on HQ: one that cannot start is said, and the kiosk keeps its events locally
      hq = await startDevHq({ dataDir, kiosk: { id: kiosk.id, site: kiosk.site, district: kiosk.district, address: kiosk.location }, fleet, log: (l) => io.err(l) }).catch((e: unknown) => {
        io.err(`zizhu start: the HQ could not start (${(e as Error).message}); the kiosk runs without it and keeps its events in its journal`);
        return undefined;
      });
      if (hq) simOptions = { ...simOptions, hq: hq.kioskLink };
    }
    configFile = await writeSimKioskConfig(simDir, devices, example, backOffice, simOptions);
    config = await simKioskConfig(devices, example, backOffice, simOptions);
  } catch (e) {
    // whatever was started is ended (no socat or back office outlives a failed start)
    await cleanup();
    io.err(`zizhu start: the simulators could not start: ${(e as Error).message}`);
    return Exit.FAULT;
  }

  const header = () => {
    io.out(`zizhu start: kiosk ${config.id} — ${config.name}`);
    if (controlUrl) io.out(`  simulator panel  ${controlUrl}/   (place an ID card, run out of paper, scan a code)`);
    if (bo) io.out(`  back offices     provident fund ${bo.urls.providentFund}  HIS ${bo.urls.his}  payment ${bo.urls.payment}`);
    if (bo) io.out(`  staff PIN        ${SIM_STAFF_PIN} (the simulated kiosk's technician; "工作人员" on the screen)`);
    io.out(`  devices          zizhu doctor${configFile ? ` --config ${configFile}` : ''}`);
    if (hq) io.out(`HQ console: ${hq.url} (user ${hq.consoleUser}, password ${hq.consolePassword})`);
    if (hq && fleet) io.out(`  fleet            ${fleet} simulated kiosks report to that HQ too (zizhu hq fleet-sim)`);
  };

  if (shell === 'electron') {
    // Electron's main process supervises the agent as a utilityProcess
    const agentArgs = ['agent', '--config', configFile!, '--shell', 'parent-port', '--data-dir', dataDir, ...(bridgePort !== undefined ? ['--bridge-port', bridgePort] : [])];
    const mainJs = `${ROOT}dist/main/main.cjs`;
    if (!existsSync(mainJs)) {
      io.err('zizhu start: the Electron shell is not built (npm run build:main)');
      await cleanup();
      return Exit.FAULT;
    }
    header();
    io.out('  screen           Electron kiosk window (Ctrl-C here stops everything)');
    const child: ChildProcess = spawn(electron!, [mainJs], { stdio: 'inherit', env: { ...env, ZIZHU_AGENT_ARGS: JSON.stringify(agentArgs) } });
    const code = await new Promise<number>((resolve) => {
      const stop = () => child.kill('SIGTERM');
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      child.once('exit', (c) => resolve(c ?? 0));
    });
    await cleanup();
    io.out('zizhu start: stopped');
    return code === 0 ? Exit.OK : Exit.FAULT;
  }

  const started = (p: RunningKioskProcess, restarts: number) => {
    if (restarts) return void io.out(`zizhu start: the kiosk started again (restart ${restarts}); screen ${p.agent.bridge!.origin}`);
    header();
    io.out(`  journal          ${p.agent.journalPath}`);
    // one renderer at a time: with a headless shell, the printed URL takes the screen over (the log and the screen say so);
    // a kiosk window holds the screen itself
    const takeoverUrl = p.agent.bridge!.takeoverUrl;
    if (shell === 'none') io.out(`  screen           no shell; open in a browser: ${p.rendererUrl}`);
    else if (takeoverUrl) io.out(`  screen           Chromium (headless); open in a browser: ${takeoverUrl} (takes the screen over from the headless Chromium)`);
    else io.out('  screen           Chromium kiosk window');
    io.out('Ctrl-C stops.');
  };
  try {
    // HQ's restart-app stops the kiosk process and this starts it again (runtime/cli/restart-loop.ts)
    await keepRunning(
      (onRestart) =>
        startKioskProcess({
          config,
          shell,
          headless: chromiumHeadless,
          env,
          ...(now ? { now } : {}),
          ...processOptionsOf(values),
          dataDir,
          ...(configFile ? { configFile } : {}),
          // development: as root (containers, this kind of machine) Chromium runs unsandboxed, and says so
          developmentNoSandbox: true,
          // no window to look at: a person's own browser may take the screen over (it says so)
          screenTakeover: shell === 'chromium' && chromiumHeadless,
          onRestart,
        }),
      { io, name: 'zizhu start', onStarted: started },
    );
  } catch (e) {
    await cleanup();
    io.err(`zizhu start: ${(e as Error).message}`);
    return Exit.FAULT;
  }
  await cleanup();
  io.out('zizhu start: stopped');
  return Exit.OK;
};
