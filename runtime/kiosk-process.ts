/**
 * The kiosk agent as a process runs it: the agent (devices, journal, flows with the configured back
 * offices, lifecycle and bridge) plus a shell showing the renderer. Used by `zizhu agent` (production:
 * a config file, the shell is Electron's main process over parentPort or Chromium) and `zizhu start`
 * (development: simulators first, then this).
 */
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { KioskConfig } from '../kiosk-config/schema.ts';
import { startAgent, type RunningAgent } from './agent.ts';
import { backOfficeFromConfig } from './flows/back-office.ts';
import type { ShellConnection, ShellProblemEvent } from './shell/types.ts';
import type { NoSandboxAllowance } from './shell/chromium.ts';
import { ScreenWatchdog, type ScreenWatchdogOptions } from './screen-watchdog.ts';
import type { Now } from '../state-machines/deadlines.ts';
import { faultEvent } from './hq-events.ts';
import { kioskProcessHands } from './hq-link/process-hands.ts';

export type ShellChoice = 'chromium' | 'parent-port' | 'none';

export interface KioskProcessOptions {
  config: KioskConfig;
  dataDir?: string;
  logDir?: string | false;
  console?: 'text' | 'json' | false;
  moveAsideCorruptJournal?: boolean;
  shell: ShellChoice;
  /** Chromium without a window */
  headless?: boolean;
  bridgePort?: number;
  /** payment notifications are received here (default: a free loopback port) */
  notifyPort?: number;
  env?: NodeJS.ProcessEnv;
  /** the screen watchdog's timing (it runs whenever there is a shell) */
  watchdog?: Pick<ScreenWatchdogOptions, 'paintTimeoutMs' | 'checkEveryMs' | 'frameEveryMs' | 'reloadGraceMs'>;
  /** the kiosk's clock (default the system clock; tests and `zizhu start --at` pin it) */
  now?: Now;
  /** the kiosk config's file (named in errors about it) */
  configFile?: string;
  /**
   * Development only (`zizhu start`, tests): Chromium may run without its sandbox as root. Elsewhere
   * only the config's `shell.allowNoSandbox: true` allows it; else the agent does not start.
   */
  developmentNoSandbox?: boolean;
  /** development only (`zizhu start --headless`): the bridge offers a takeover URL for a person's own browser */
  screenTakeover?: boolean;
  /**
   * HQ's restart-app (issue 10), for a shell other than Electron's: called once this process has
   * stopped cleanly; the caller starts it again (runtime/cli/restart-loop.ts). Absent (and not under
   * Electron, which relaunches the app itself): restart-app fails, nothing would start the kiosk again.
   */
  onRestart?: (reason: string) => void;
}

export interface RunningKioskProcess {
  agent: RunningAgent;
  shell?: ShellConnection;
  watchdog?: ScreenWatchdog;
  /** the renderer URL with this boot's token */
  rendererUrl: string;
  stop(reason?: string): Promise<void>;
}

/** A free TCP port on loopback (the notify receiver's URL must be known before the payment client is made). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Who allows Chromium without its sandbox for this process: the config, development, or nobody. */
function noSandboxAllowance(o: KioskProcessOptions): NoSandboxAllowance | undefined {
  return o.config.shell.allowNoSandbox ? 'config' : o.developmentNoSandbox ? 'development' : undefined;
}

export async function startKioskProcess(o: KioskProcessOptions): Promise<RunningKioskProcess> {
  const { config } = o;
  if (o.shell === 'chromium') {
    // refused before anything starts: no journal, no devices, no bridge
    const { noSandboxNeeded } = await import('./shell/chromium.ts');
    noSandboxNeeded(process.getuid?.(), noSandboxAllowance(o), o.configFile);
  }
  const hasBackOffice = Object.keys(config.backends).length > 0;
  const notifyPort = config.backends.payment ? (o.notifyPort ?? (await freeLoopbackPort())) : undefined;
  const clients = hasBackOffice
    ? backOfficeFromConfig(config, { ...(notifyPort !== undefined ? { notifyUrl: `http://127.0.0.1:${notifyPort}/pay/notify` } : {}), ...(o.env ? { env: o.env } : {}) })
    : undefined;
  const agent = await startAgent({
    config,
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
    ...(o.logDir !== undefined ? { logDir: o.logDir } : {}),
    ...(o.console !== undefined ? { console: o.console } : {}),
    moveAsideCorruptJournal: o.moveAsideCorruptJournal === true,
    ...(clients ? { backOffice: { clients, ...(notifyPort !== undefined ? { notifyPort } : {}) } } : {}),
    screen: { ...(o.bridgePort !== undefined ? { port: o.bridgePort } : {}), ...(o.screenTakeover ? { takeover: true } : {}) },
    ...(o.now ? { now: o.now } : {}),
    // the HQ link reads its `env:` secret from the same environment as the back offices'
    ...(o.env ? { hq: { env: o.env } } : {}),
  });
  const bridge = agent.bridge!;
  const startedAt = Date.now();
  const firstPaint = (p: { screen: string }) => {
    bridge.off('painted', firstPaint);
    agent.log.info(`screen: first screen (${p.screen}) painted ${Date.now() - startedAt} ms after the agent was up`);
  };
  bridge.on('painted', firstPaint);
  let shell: ShellConnection | undefined;
  let watchdog: ScreenWatchdog | undefined;
  const onProblem = (p: ShellProblemEvent) => {
    agent.log.warn(`screen: ${p.problem}: ${p.detail}`);
    agent.journal.outbox.enqueue('screen.problem', { problem: p.problem, detail: p.detail });
  };
  try {
    if (o.shell === 'chromium') {
      const { launchChromiumShell } = await import('./shell/chromium.ts');
      // the browser's pid lives next to the journal: a browser a killed agent left behind is ended at the next start
      const noSandboxAllowedBy = noSandboxAllowance(o);
      shell = await launchChromiumShell({
        headless: o.headless === true,
        log: agent.log,
        pidFile: join(dirname(agent.journalPath), 'chromium-shell.pid'),
        ...(noSandboxAllowedBy ? { noSandboxAllowedBy } : {}),
        ...(o.configFile ? { configFile: o.configFile } : {}),
      });
    } else if (o.shell === 'parent-port') {
      const { parentPortShell } = await import('./shell/parent-port.ts');
      shell = parentPortShell();
      if (!shell) throw new Error('--shell parent-port: this process was not started by the Electron shell (no process.parentPort)');
    }
    if (shell) {
      shell.on('problem', onProblem);
      await shell.load(bridge.url);
      // HQ's reload-screen command: the shell reloads the page (it lands on the same step)
      const s = shell;
      agent.hqLink.provideScreenReload(() => s.reload('HQ asked for a reload (reload-screen)'));
      watchdog = new ScreenWatchdog({
        bridge,
        shell,
        report: (c) => agent.journal.outbox.enqueue(...faultEvent(c)),
        log: agent.log,
        ...o.watchdog,
      }).start();
    }
  } catch (e) {
    agent.log.error(`the screen's shell could not start: ${(e as Error).message}`);
    await shell?.close('start failed').catch(() => undefined);
    await agent.stop();
    throw e;
  }
  let stopped = false;
  /** `relaunch`: Electron relaunches the app once the agent has stopped (HQ's restart-app) */
  const stop = async (reason: string, relaunch = false) => {
    if (stopped) return;
    stopped = true;
    watchdog?.stop();
    agent.hqLink.provideScreenReload(undefined);
    agent.hqLink.provideRemoteHands({ captureScreen: undefined, restartApp: undefined });
    bridge.off('painted', firstPaint);
    shell?.off('problem', onProblem);
    if (relaunch && shell?.relaunch) {
      await agent.stop();
      await shell.relaunch(reason).catch((e: unknown) => agent.log.warn(`shell relaunch: ${(e as Error).message}`));
      return;
    }
    await shell?.close(reason).catch((e: unknown) => agent.log.warn(`shell close: ${(e as Error).message}`));
    await agent.stop();
  };
  // issue 10: HQ's screenshot and restart-app need the screen and this process
  agent.hqLink.provideRemoteHands(
    kioskProcessHands({ agent, bridge, ...(shell ? { shell } : {}), stop, ...(o.onRestart ? { onRestart: o.onRestart } : {}) }),
  );
  return {
    agent,
    ...(shell ? { shell } : {}),
    ...(watchdog ? { watchdog } : {}),
    rendererUrl: bridge.url,
    stop: (reason = 'stopped') => stop(reason),
  };
}
