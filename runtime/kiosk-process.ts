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
import { kioskWatchReport, startKioskWatch, type KioskWatch } from './watchdog/machine-watch.ts';
import { startScreenRecovery, type ScreenRecovery } from './watchdog/screen-recovery.ts';
import type { LadderPolicy } from './watchdog/ladder.ts';
import { markerBootId } from '../contracts/screen-marker.ts';
import { screenPrivacy } from './hq-link/screenshot.ts';

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
  watchdog?: Pick<
    ScreenWatchdogOptions,
    'paintTimeoutMs' | 'checkEveryMs' | 'frameEveryMs' | 'reloadGraceMs' | 'markerEveryMs' | 'frozenAfterMs' | 'coveredAfterChecks' | 'hungAfterMs'
  >;
  /** the kiosk's clock (default the system clock; tests and `zizhu start --at` pin it) */
  now?: Now;
  /** issue 11: the recovery ladder's attempts and waits (tests shorten them) */
  recovery?: Partial<LadderPolicy>;
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
  /** issue 11: the recovery ladder the watchdogs use */
  recovery?: ScreenRecovery;
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
  let recovery: ScreenRecovery | undefined;
  // made after the shell, used by the recovery ladder made with it
  const late: { machineWatch?: KioskWatch; hands?: ReturnType<typeof kioskProcessHands> } = {};
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
      const kiosk = agent.kiosk;
      agent.hqLink.provideScreenReload(() => s.reload('HQ asked for a reload (reload-screen)'));
      // issue 11: what the screen's watchdogs do about a fault: reload → restart the shell → restart the agent (as
      // HQ's restart-app, when something starts it again) → out of service (runtime/watchdog/screen-recovery.ts)
      const restartable = typeof s.relaunch === 'function' || o.onRestart !== undefined;
      recovery = startScreenRecovery({
        shell: s,
        ...(kiosk ? { kiosk } : {}),
        dataDir: dirname(agent.journalPath),
        journal: agent.journal,
        faults: () => [...(watchdog?.faults ?? []), ...(late.machineWatch?.gpu?.raised ? ['GPU_CRASHED'] : [])],
        ...(restartable ? { restartAgent: async (reason: string) => late.hands?.restartApp?.(`the recovery ladder: ${reason}`) } : {}),
        log: agent.log,
        ...(o.now ? { now: o.now } : {}),
        ...(o.recovery ? { policy: o.recovery } : {}),
      });
      const ladder = recovery;
      watchdog = new ScreenWatchdog({
        recover: (code, reason) => ladder.recover(code, reason),
        bridge,
        shell,
        report: (c) => {
          agent.journal.outbox.enqueue(...faultEvent(c));
          if (c.change === 'cleared') ladder.cleared();
        },
        log: agent.log,
        // issue 11: the marker this boot's renderer draws (from the boot token); frames go to HQ only of screens without personal data
        markerBootId: markerBootId(bridge.token),
        ...(kiosk ? { privacy: () => screenPrivacy(kiosk.screen()) } : {}),
        ...o.watchdog,
      }).start();
    }
  } catch (e) {
    agent.log.error(`the screen's shell could not start: ${(e as Error).message}`);
    await shell?.close('start failed').catch(() => undefined);
    await agent.stop();
    throw e;
  }
  // issue 11: display connectors, the shell's GPU process, the touch panel (runtime/watchdog/machine-watch.ts)
  const machineWatch = (late.machineWatch = startKioskWatch({
    ...(recovery ? { recover: recovery.recover } : {}),
    config,
    journal: agent.journal,
    now: o.now ?? Date.now,
    devices: agent.devices,
    ...(agent.kiosk ? { kiosk: agent.kiosk } : {}),
    bridge,
    ...(shell ? { shell } : {}),
    log: agent.log,
  }));
  // and what they all say in each heartbeat, so HQ clears an alarm whose clearing went with an earlier run
  const offWatch = agent.watchReports.add(() => kioskWatchReport(machineWatch, watchdog ? { faults: watchdog.faults, checked: watchdog.checked } : undefined));
  let stopped = false;
  /** `relaunch`: Electron relaunches the app once the agent has stopped (HQ's restart-app) */
  const stop = async (reason: string, relaunch = false) => {
    if (stopped) return;
    stopped = true;
    watchdog?.stop();
    recovery?.stop();
    machineWatch.stop();
    offWatch();
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
  const hands = (late.hands = kioskProcessHands({ agent, bridge, ...(shell ? { shell } : {}), stop, ...(o.onRestart ? { onRestart: o.onRestart } : {}) }));
  agent.hqLink.provideRemoteHands(hands);
  return {
    agent,
    ...(shell ? { shell } : {}),
    ...(watchdog ? { watchdog } : {}),
    ...(recovery ? { recovery } : {}),
    rendererUrl: bridge.url,
    stop: (reason = 'stopped') => stop(reason),
  };
}
