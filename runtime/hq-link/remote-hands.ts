/**
 * HQ's remote hands (issue 10): what the commands beyond lock / unlock / reload-screen need of the
 * kiosk, and how each is carried out. The command runner (commands.ts) only dispatches here; the
 * agent provides the hands that need its devices and journal (runtime/self-test/agent-hands.ts:
 * test-print, self-test, set-promised-hours) and the kiosk process those that need the screen
 * (screenshot, restart-app) — `HqLink.provideRemoteHands`.
 *
 * - `test-print`: the verified test page (test-print.ts); failed = not delivered, with the fault code.
 * - `self-test`: runs the self-test now; succeeded = ready, failed = not ready (the failed checks).
 * - `screenshot`: a picture of a screen with no personal data on it (screenshot.ts), uploaded signed
 *   to HQ (screenshot-upload.ts); refused while a session is on screen.
 * - `set-promised-hours`: validated with the kiosk config's schema, applied through the lifecycle,
 *   kept across restarts (promised-hours.ts); the result names the version in force.
 * - `restart-app`: the kiosk app stops cleanly and starts again; the command stays `running` in the
 *   journal meanwhile and is finished by the next start (`afterRestart`).
 */
import type { HqCommandType } from '../../contracts/hq.ts';

export interface CommandOutcome {
  status: 'succeeded' | 'failed';
  detail: string;
}

/** A screen picture the kiosk confirmed shows no personal data. */
export interface SafeCapture {
  image: Buffer;
  contentType: 'image/png' | 'image/jpeg';
  /** the screen shown, e.g. `home` */
  screen: string;
}

/** Why there is no picture (a session is on screen, no renderer, …): the command fails with it. */
export class ScreenshotRefused extends Error {
  override readonly name = 'ScreenshotRefused';
}

export interface RemoteHands {
  testPrint?(): Promise<CommandOutcome>;
  selfTest?(o: { testPrint: boolean }): Promise<CommandOutcome>;
  /** rejects with ScreenshotRefused (or any error) when no safe picture can be had */
  captureScreen?(): Promise<SafeCapture>;
  setPromisedHours?(args: unknown, commandId: string): Promise<CommandOutcome>;
  /**
   * Stop the kiosk app cleanly and start it again. Resolves once the restart is under way (the
   * result is sent by the next start); rejects when it will not restart (a customer is served, no
   * one would start it again).
   */
  restartApp?(reason: string): Promise<void>;
}

export const REMOTE_HAND_TYPES: ReadonlySet<HqCommandType> = new Set(['test-print', 'self-test', 'screenshot', 'set-promised-hours', 'restart-app']);

/** Sends a screenshot to HQ (the link's signed upload); rejects with the reason it could not. */
export type ScreenshotUpload = (commandId: string, capture: SafeCapture) => Promise<void>;

const failed = (detail: string): CommandOutcome => ({ status: 'failed', detail });
const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Carry out one remote-hands command. Resolves with its outcome, or with `'restarting'` when the app
 * is restarting (the next start finishes the command). Never rejects.
 */
export async function carryOut(
  c: { id: string; type: HqCommandType; args: Record<string, unknown> },
  hands: RemoteHands,
  upload: ScreenshotUpload,
): Promise<CommandOutcome | 'restarting'> {
  try {
    switch (c.type) {
      case 'test-print':
        return hands.testPrint ? await hands.testPrint() : failed('this agent has no printer to test');
      case 'self-test':
        return hands.selfTest ? await hands.selfTest({ testPrint: c.args.testPrint === true }) : failed('this agent cannot run the self-test (it is still starting)');
      case 'screenshot': {
        if (!hands.captureScreen) return failed('this agent has no screen to take a picture of');
        const capture = await hands.captureScreen();
        await upload(c.id, capture);
        return { status: 'succeeded', detail: `screenshot of the ${capture.screen} screen uploaded (${Math.ceil(capture.image.length / 1024)} KiB ${capture.contentType})` };
      }
      case 'set-promised-hours':
        return hands.setPromisedHours ? await hands.setPromisedHours(c.args, c.id) : failed('this agent runs no kiosk lifecycle (it has no screen); the hours were not changed');
      case 'restart-app':
        if (!hands.restartApp) return failed('this agent cannot restart itself (nothing would start it again)');
        await hands.restartApp(typeof c.args.reason === 'string' && c.args.reason.trim() ? c.args.reason.trim() : 'HQ asked for a restart');
        return 'restarting';
      default:
        return failed(`${c.type} is not a remote-hands command`);
    }
  } catch (e) {
    if (e instanceof ScreenshotRefused) return failed(`no screenshot: ${e.message}`);
    return failed(c.type === 'restart-app' ? `not restarted: ${why(e)}` : `${c.type} could not be carried out: ${why(e)}`);
  }
}

/** The result of a restart-app the previous run left running: it restarted (this is the next start). */
export function afterRestart(r: { receivedAt: number }, now: number): CommandOutcome {
  return { status: 'succeeded', detail: `the kiosk app restarted: asked at ${new Date(r.receivedAt).toISOString()}, running again since ${new Date(now).toISOString()}` };
}
