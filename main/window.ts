/**
 * The one full-screen kiosk window: shows the renderer URL the agent gives it (or the calm
 * "recovering" page while there is none), takes frames, reloads, and reports what happens to the
 * renderer as `problem` events for the agent (contracts/shell.ts `shell.problem`).
 *
 * Recovery it does by itself: renderer gone → load again after 1 s; renderer unresponsive for 10 s →
 * kill it and load again; renderer URL fails to load → recovering page, retry after 5 s.
 */
import { EventEmitter } from 'node:events';
import type { App, BrowserWindow, BrowserWindowConstructorOptions, Details, Rectangle, RenderProcessGoneDetails } from 'electron';
import type { FrameRequest, ShellToAgent } from '../contracts/shell.ts';
import { RECOVERING_BACKGROUND, recoveringPageUrl } from './recovering-page.ts';

export type ShellProblemReport = Omit<Extract<ShellToAgent, { type: 'shell.problem' }>, 'type'>;

export type BrowserWindowConstructor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

export interface KioskWindowOptions {
  production: boolean;
  /** the display to cover (screen.getPrimaryDisplay().bounds); the window manager decides when absent */
  bounds?: Rectangle;
}

/** The window's options: kiosk, full screen, frameless, light background, locked-down renderer. */
export function kioskWindowOptions(opts: KioskWindowOptions): BrowserWindowConstructorOptions {
  return {
    ...(opts.bounds ? { x: opts.bounds.x, y: opts.bounds.y, width: opts.bounds.width, height: opts.bounds.height } : {}),
    title: 'Zizhu',
    show: false,
    kiosk: true,
    fullscreen: true,
    frame: false,
    autoHideMenuBar: true,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    // a black window would look exactly like the failure we hunt
    backgroundColor: RECOVERING_BACKGROUND,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !opts.production,
      disableBlinkFeatures: 'Auxclick',
      // the renderer's heartbeat must not be throttled
      backgroundThrottling: false,
      // no preload: the renderer talks to the agent over WebSocket only
    },
  };
}

export interface KioskWindowTimings {
  /** renderer gone → load again after this long (1 s) */
  reloadAfterGoneMs: number;
  /** renderer unresponsive this long (10 s) → kill it and load again */
  unresponsiveReloadMs: number;
  /** renderer URL failed to load → retry after this long (5 s) */
  loadRetryMs: number;
  /** capturePage gives up after this long (4 s; the agent waits 5 s) */
  captureTimeoutMs: number;
}

export const DEFAULT_TIMINGS: KioskWindowTimings = { reloadAfterGoneMs: 1000, unresponsiveReloadMs: 10_000, loadRetryMs: 5000, captureTimeoutMs: 4000 };

export interface KioskWindowDeps extends KioskWindowOptions {
  BrowserWindow: BrowserWindowConstructor;
  log: { info(message: string): void; warn(message: string): void };
  timings?: Partial<KioskWindowTimings>;
  now?: () => number;
}

/** Where a URL points, without its query (the renderer URL carries the boot token). */
export function redactUrl(url: string): string {
  if (url.startsWith('data:')) return 'data:…';
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

export class KioskWindow extends EventEmitter<{ problem: [ShellProblemReport] }> {
  readonly window: BrowserWindow;
  private target: string | undefined;
  private readonly timings: KioskWindowTimings;
  private readonly log: KioskWindowDeps['log'];
  private readonly now: () => number;
  private reloadTimer: NodeJS.Timeout | undefined;
  private hungTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private killedOnPurpose = false;

  constructor(deps: KioskWindowDeps) {
    super();
    this.timings = { ...DEFAULT_TIMINGS, ...deps.timings };
    this.log = deps.log;
    this.now = deps.now ?? Date.now;
    const win = new deps.BrowserWindow(kioskWindowOptions(deps));
    this.window = win;
    win.removeMenu();
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => this.clearTimers());

    const contents = win.webContents;
    contents.on('render-process-gone', (_event, details) => this.onRendererGone(details));
    contents.on('unresponsive', () => this.onUnresponsive());
    contents.on('responsive', () => this.onResponsive());
    contents.on('did-fail-load', (_event, errorCode, errorDescription, validatedURL, isMainFrame) => {
      this.onLoadFailed(errorCode, errorDescription, validatedURL, isMainFrame);
    });
  }

  /** The renderer URL the agent asked for (undefined while the recovering page is meant to show). */
  rendererUrl(): string | undefined {
    return this.target;
  }

  /** Show the agent's renderer URL. */
  load(url: string): void {
    this.target = url;
    this.clearTimer('retryTimer');
    this.navigate(url);
  }

  /** No agent URL any more (agent gone or starting): show the recovering page. */
  showRecovering(): void {
    this.target = undefined;
    this.clearTimers();
    this.navigate(recoveringPageUrl());
  }

  /** Load the renderer URL again (or the recovering page when there is none). */
  reload(reason: string): void {
    this.log.info(`reloading the renderer: ${reason}`);
    this.clearTimer('reloadTimer');
    this.navigate(this.target ?? recoveringPageUrl());
  }

  /**
   * A PNG of what the window shows now — or of `request.clip` (CSS px), sized by `request.scale`
   * (issue 11: the watchdog's small corner and whole-frame captures); rejects with a reason when there is none.
   */
  async captureFrame(request: FrameRequest = {}): Promise<Buffer> {
    if (this.window.isDestroyed()) throw new Error('no kiosk window: it was closed');
    const contents = this.window.webContents;
    if (contents.isCrashed()) throw new Error('the renderer is gone (crashed); it is being reloaded');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`capturePage did not answer within ${this.timings.captureTimeoutMs} ms`)), this.timings.captureTimeoutMs);
    });
    try {
      const { clip, scale = 1 } = request;
      const rect = clip ? { x: Math.round(clip.x), y: Math.round(clip.y), width: Math.max(1, Math.round(clip.width)), height: Math.max(1, Math.round(clip.height)) } : undefined;
      const image = await Promise.race([rect ? contents.capturePage(rect) : contents.capturePage(), timeout]);
      if (image.isEmpty()) throw new Error('capturePage returned an empty image (window not shown or zero-sized)');
      if (!rect && scale === 1) return image.toPNG();
      // the image comes in device pixels (2× on a HiDPI screen): sized to the CSS size × scale
      const css = rect ?? image.getSize();
      return image.resize({ width: Math.max(1, Math.round(css.width * scale)), height: Math.max(1, Math.round(css.height * scale)), quality: 'good' }).toPNG();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Forward a GPU process crash (app `child-process-gone` with type 'GPU'). */
  gpuProcessGone(details: Pick<Details, 'type' | 'reason' | 'exitCode'>): void {
    this.report('gpu-process-gone', `GPU process ${details.reason} (exit code ${details.exitCode})`);
  }

  close(): void {
    this.clearTimers();
    if (!this.window.isDestroyed()) this.window.destroy();
  }

  // -------------------------------------------------------------------------------------------

  private navigate(url: string): void {
    if (this.window.isDestroyed()) return;
    // failures arrive as did-fail-load; the promise would only repeat them
    this.window.webContents.loadURL(url).catch(() => undefined);
  }

  private report(problem: ShellProblemReport['problem'], detail: string): void {
    const report: ShellProblemReport = { problem, detail: detail.slice(0, 500), at: this.now() };
    this.log.warn(`shell problem ${problem}: ${report.detail}`);
    this.emit('problem', report);
  }

  private onRendererGone(details: RenderProcessGoneDetails): void {
    this.clearTimer('hungTimer');
    const onPurpose = this.killedOnPurpose;
    this.killedOnPurpose = false;
    this.report('render-process-gone', `${details.reason} (exit code ${details.exitCode})${onPurpose ? ' — killed after being unresponsive, reloading' : ''}`);
    if (onPurpose || this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      this.reload('the renderer process was gone');
    }, this.timings.reloadAfterGoneMs);
  }

  private onUnresponsive(): void {
    if (this.hungTimer) return;
    this.report('unresponsive', 'the renderer stopped answering');
    this.hungTimer = setTimeout(() => {
      this.hungTimer = undefined;
      const seconds = Math.round(this.timings.unresponsiveReloadMs / 1000);
      this.report('unresponsive', `unresponsive for ${seconds} s: killing and reloading the renderer`);
      if (this.window.isDestroyed()) return;
      this.killedOnPurpose = true;
      this.window.webContents.forcefullyCrashRenderer();
      this.reload(`unresponsive for ${seconds} s`);
    }, this.timings.unresponsiveReloadMs);
  }

  private onResponsive(): void {
    if (!this.hungTimer) return;
    this.clearTimer('hungTimer');
    this.report('responsive', 'the renderer answers again');
  }

  private onLoadFailed(errorCode: number, errorDescription: string, url: string, isMainFrame: boolean): void {
    // -3 ERR_ABORTED: a newer navigation replaced this one
    if (!isMainFrame || errorCode === -3) return;
    this.report('load-failed', `${redactUrl(url)}: ${errorDescription} (${errorCode})`);
    if (this.target === undefined || this.retryTimer) return;
    this.navigate(recoveringPageUrl());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.target !== undefined) this.navigate(this.target);
    }, this.timings.loadRetryMs);
  }

  private clearTimer(name: 'reloadTimer' | 'hungTimer' | 'retryTimer'): void {
    const timer = this[name];
    if (timer) clearTimeout(timer);
    this[name] = undefined;
  }

  private clearTimers(): void {
    this.clearTimer('reloadTimer');
    this.clearTimer('hungTimer');
    this.clearTimer('retryTimer');
  }
}

/** Forward GPU process crashes to the window's problem stream. */
export function watchGpuProcess(app: App, window: Pick<KioskWindow, 'gpuProcessGone'>): void {
  app.on('child-process-gone', (_event, details) => {
    if (details.type === 'GPU') window.gpuProcessGone(details);
  });
}
