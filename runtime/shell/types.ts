/**
 * What the agent needs of a shell — whichever shows the renderer full-screen:
 * - `runtime/shell/chromium.ts`: Debian Chromium started by the agent in kiosk/app mode, driven over CDP;
 * - `runtime/shell/parent-port.ts`: the Electron main process that started the agent as a
 *   utilityProcess, spoken to over `process.parentPort` with the messages of `contracts/shell.ts`.
 *
 * The agent owns the screen's state; a shell only shows a URL, reports what happened to it, takes
 * frames and reloads. Every problem a shell sees reaches the agent as a `problem` event, which the
 * watchdog turns into a fault for HQ.
 */
import type { FrameRequest, ShellProblem } from '../../contracts/shell.ts';

export interface ShellProblemEvent {
  problem: ShellProblem;
  detail: string;
  at: number;
}

export interface ShellConnection {
  readonly kind: 'electron' | 'chromium';
  /** show this URL (the renderer with its boot token); resolves when the shell has started loading it */
  load(url: string): Promise<void>;
  /**
   * a PNG of what the screen shows now (or of `request.clip`, scaled by `request.scale`); rejects
   * with a clear error when there is no frame (no window, renderer gone)
   */
  captureFrame(request?: FrameRequest): Promise<Buffer>;
  /** reload the renderer (it lands on the same step) */
  reload(reason: string): Promise<void>;
  on(event: 'problem', listener: (e: ShellProblemEvent) => void): this;
  off(event: 'problem', listener: (e: ShellProblemEvent) => void): this;
  /**
   * issue 11, the recovery ladder's second rung: end the browser and start it afresh with the renderer URL
   * (Chromium). Absent: this shell cannot restart alone (Electron: the window is the app; the ladder goes on to
   * restarting the agent, which relaunches the app).
   */
  restart?(reason: string): Promise<void>;
  /** the agent is stopping on purpose: close the window / browser (Electron: do not restart the agent) */
  close(reason: string): Promise<void>;
  /**
   * Electron only: the agent has stopped for HQ's restart-app; the shell relaunches the whole app
   * (window and agent) and this link closes. Absent: whoever started the agent starts it again.
   */
  relaunch?(reason: string): Promise<void>;
}
