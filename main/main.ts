/**
 * The Electron shell's entry (bundled by main/build.mjs to dist/main/main.cjs). The only module that
 * imports Electron's values; everything else receives them as parameters.
 *
 *   app ready → lockdown (session, every webContents, no menu) → keep the display awake →
 *   kiosk window showing "recovering" → agent started as a utilityProcess → the agent sends `load`.
 */
import { resolve } from 'node:path';
import { app, BrowserWindow, Menu, powerSaveBlocker, screen, session, utilityProcess } from 'electron';
import { agentMessageRouter } from './agent-messages.ts';
import { AgentSupervisor, agentArgs, agentEntry } from './agent-supervisor.ts';
import { lockDownApp, lockDownSession } from './security.ts';
import { KioskWindow, watchGpuProcess } from './window.ts';

const log = {
  info: (message: string) => console.log(`[zizhu-shell] ${message}`),
  warn: (message: string) => console.warn(`[zizhu-shell] ${message}`),
  error: (message: string) => console.error(`[zizhu-shell] ${message}`),
};

const production = app.isPackaged || process.env.NODE_ENV === 'production';
/** the app root: dist/main/main.cjs → two levels up (inside the asar when packaged) */
const appRoot = process.env.ZIZHU_ROOT || resolve(__dirname, '..', '..');

let window: KioskWindow | undefined;
let supervisor: AgentSupervisor | undefined;

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    log.warn('another Zizhu shell is already running; quitting');
    app.quit();
    return;
  }
  // touch kiosk: no pinch zoom, no swipe back/forward
  app.commandLine.appendSwitch('disable-pinch');
  app.commandLine.appendSwitch('overscroll-history-navigation', '0');

  lockDownApp(app, { rendererUrl: () => window?.rendererUrl(), allowDevTools: !production, log });

  app.on('window-all-closed', () => {
    // the kiosk window never closes on purpose: quit, and the OS service starts us again
    log.error('the kiosk window was closed; quitting so the service restarts the shell');
    app.quit();
  });
  app.on('before-quit', () => supervisor?.stop());

  void app.whenReady().then(start, (err: unknown) => {
    log.error(`Electron did not become ready: ${(err as Error).message}`);
    app.exit(1);
  });
}

function start(): void {
  Menu.setApplicationMenu(null);
  lockDownSession(session.defaultSession, log);
  powerSaveBlocker.start('prevent-display-sleep');

  const kiosk = new KioskWindow({ BrowserWindow, production, bounds: screen.getPrimaryDisplay().bounds, log });
  window = kiosk;
  kiosk.showRecovering();
  watchGpuProcess(app, kiosk);

  let args: string[];
  try {
    args = agentArgs(process.env);
  } catch (err) {
    log.error((err as Error).message);
    app.exit(2);
    return;
  }
  const agent = new AgentSupervisor({
    fork: (modulePath, forkArgs, options) => utilityProcess.fork(modulePath, forkArgs, options),
    modulePath: agentEntry(appRoot, process.env),
    args,
    cwd: appRoot,
    shellVersion: process.versions.electron ?? 'unknown',
    log,
    onMessage: agentMessageRouter({
      window: kiosk,
      quit: (reason) => {
        log.info(`quitting: ${reason}`);
        app.quit();
      },
      // HQ's restart-app: the agent has stopped cleanly; the app starts again as a new process (window and agent)
      relaunch: (reason) => {
        log.info(`relaunching the app: ${reason}`);
        app.relaunch();
        app.quit();
      },
    }),
    onAgentDown: () => kiosk.showRecovering(),
  });
  supervisor = agent;
  kiosk.on('problem', (report) => agent.send({ type: 'shell.problem', ...report }));
  agent.start();
}

main();
