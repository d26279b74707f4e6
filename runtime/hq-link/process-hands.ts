/**
 * The kiosk process's part of HQ's remote hands (issue 10): what needs the screen's shell and the
 * process itself (runtime/kiosk-process.ts provides them to the link).
 *
 * - `screenshot`: the shell's frame, taken only of a screen with no personal data (screenshot.ts).
 * - `restart-app`: refused while a customer is served. Otherwise the command stays `running` in the
 *   journal, the process stops cleanly (journal closed, devices released, the shell closed), and then
 *   — under Electron — the shell relaunches the whole app (`relaunch`: app.relaunch()), or — otherwise
 *   — whoever started the process starts it again (`onRestart`: `zizhu agent`/`zizhu start` run it
 *   again, or exit for systemd's Restart=always). The next start finishes the command (commands.ts
 *   `resume`), so HQ hears "restarted" from the restarted kiosk.
 */
import type { Kiosk } from '../kiosk/kiosk.ts';
import type { ShellConnection } from '../shell/types.ts';
import type { RunningBridge } from '../bridge/server.ts';
import { ScreenshotRefused, type RemoteHands } from './remote-hands.ts';
import { captureSafeScreen } from './screenshot.ts';

export interface ProcessHandsOptions {
  agent: { kiosk?: Kiosk; log: { info(m: string): unknown; error(m: string): unknown } };
  bridge: RunningBridge;
  shell?: ShellConnection;
  /** stop the kiosk process; `relaunch`: the Electron shell relaunches the app afterwards */
  stop(reason: string, relaunch: boolean): Promise<void>;
  onRestart?: (reason: string) => void;
}

export function kioskProcessHands(o: ProcessHandsOptions): Pick<RemoteHands, 'captureScreen' | 'restartApp'> {
  const { kiosk, log } = o.agent;
  let restarting = false;
  return {
    captureScreen: async () => {
      const shell = o.shell;
      if (!shell) throw new ScreenshotRefused('this agent drives no shell (the screen is a browser it does not control), so it cannot take a picture');
      if (!kiosk) throw new ScreenshotRefused('this agent has no screen');
      return captureSafeScreen({ kiosk, bridge: o.bridge, capture: () => shell.captureFrame() });
    },
    restartApp: async (reason) => {
      if (kiosk?.lifecycle.getSnapshot().context.activeSession) throw new Error('a customer is being served; send it again when the kiosk is idle, or lock the kiosk first');
      const viaElectron = typeof o.shell?.relaunch === 'function';
      const onRestart = o.onRestart;
      if (!viaElectron && !onRestart) throw new Error('nothing would start this agent again (it is not under the Electron shell, and its launcher does not restart it)');
      if (restarting) throw new Error('a restart is already under way');
      restarting = true;
      log.info(`restart-app: ${reason}; stopping cleanly, then ${viaElectron ? 'the Electron shell relaunches the app' : 'the kiosk starts again'}`);
      // after this command's answer went out of the link's round: stopping waits for that round
      setImmediate(() => {
        o.stop(`HQ restart-app: ${reason}`, viaElectron)
          .catch((e: unknown) => log.error(`restart-app: the kiosk did not stop cleanly: ${(e as Error).message}`))
          // a kiosk that did not stop cleanly is started again all the same: better than a dead screen
          .finally(() => (viaElectron ? undefined : onRestart?.(reason)));
      });
    },
  };
}
