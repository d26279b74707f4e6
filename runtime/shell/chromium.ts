/**
 * The Chromium shell: Debian Chromium started by the agent itself (kiosk window, or headless in
 * tests and on machines without a display server) and driven over the DevTools protocol on the
 * pipe it inherits (`--remote-debugging-pipe`, `cdp-pipe.ts`): no DevTools port, so no other local
 * user can list its pages (their URL carries the bridge token), screenshot or draw on the screen.
 *
 * - `chromiumArgs()` builds the command line (pure); `noSandboxNeeded()` decides `--no-sandbox`
 *   (only as root, and only when the kiosk config or development allows it).
 * - `launchChromiumShell()` spawns Chromium in its own process group with the two pipe ends,
 *   locks the page down (`chromium-page.ts`: no other origin, no dialogs; here: no popups or new
 *   windows, no permissions, no downloads) and watches it:
 *   - renderer crash → `render-process-gone`, then a fresh page loads the renderer URL;
 *   - a `1` evaluated every 2 s that is not answered in 3 s → `unresponsive`; `responsive` when a
 *     ping answers again; 10 s unresponsive → the page is replaced (which ends the hung renderer);
 *   - Chromium exits on its own → `render-process-gone` ('browser exited (…)'), restarted with
 *     backoff (1 s doubling to 30 s, reset after 5 min up) and the renderer URL loaded again;
 *   - the renderer URL fails to load (network error, HTTP ≥ 400, timeout) → `load-failed`.
 *
 * A crashed page is not navigated again, and a hung one cannot be (the navigation never commits),
 * so recovery opens a new blank page, closes the old one (its renderer ends, and so does its bridge
 * connection, which frees the bridge's one seat) and loads the renderer in the new one.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameRequest, ShellProblem } from '../../contracts/shell.ts';
import { originOf, safeUrl, ShownPage, withTimeout, type ShellPage } from './chromium-page.ts';
import { BrowserProcess, chromiumArgs, endLeftBehindBrowser, isAlive, killGroup, noSandboxNeeded, sleep, type NoSandboxAllowance, type WindowSize } from './chromium-process.ts';
import type { ShellConnection, ShellProblemEvent } from './types.ts';
import { GpuProcessWatch } from '../watchdog/gpu-process.ts';

export { safeUrl, type ShellPage };
export { chromiumArgs, endLeftBehindBrowser, noSandboxNeeded, NoSandboxRefusedError, type ChromiumArgsOptions, type NoSandboxAllowance, type WindowSize } from './chromium-process.ts';

export interface ShellLog {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface RestartBackoff {
  /** first delay before restarting an exited browser (default 1000) */
  firstMs: number;
  /** the delay doubles up to this (default 30 000) */
  maxMs: number;
}

/** The watchdog's clock; defaults are the production values, tests shorten them. */
export interface ShellTiming {
  /** ping the renderer this often (default 2000) */
  pingEveryMs: number;
  /** a ping not answered within this is `unresponsive` (default 3000) */
  pingTimeoutMs: number;
  /** unresponsive this long → replace the page (default 10 000) */
  reloadAfterMs: number;
  /** the browser must answer over the DevTools pipe within this (default 10 000) */
  startTimeoutMs: number;
  /** a browser up this long has its restart backoff reset (default 5 min) */
  backoffResetAfterMs: number;
  /** a navigation to the renderer URL must commit within this (default 15 000) */
  navigationTimeoutMs: number;
  /** captureFrame rejects after this (default 5000) */
  captureTimeoutMs: number;
}

export interface ChromiumShellOptions {
  /** default env ZIZHU_CHROMIUM or /usr/bin/chromium */
  executablePath?: string;
  headless: boolean;
  /** full-screen kiosk window (default !headless); headless + kiosk shows exactly what a kiosk screen would */
  kiosk?: boolean;
  /** default 1080×1920 (a portrait kiosk screen) */
  windowSize?: WindowSize;
  /** default a fresh temporary directory, removed on close; a given one is kept */
  userDataDir?: string;
  log?: ShellLog;
  restart?: RestartBackoff;
  /** software rendering (`--disable-gpu`, default true: kiosk GPU drivers are a known crash source) */
  disableGpu?: boolean;
  timing?: Partial<ShellTiming>;
  /**
   * Where the running browser's pid is kept. A browser left behind by an agent that was killed
   * (SIGKILL, power-cycled process) would stay on top of the new one, showing a dead page: at every
   * start the browser named here is ended first (only if it still is a Chromium).
   */
  pidFile?: string;
  /** running as root needs `--no-sandbox`: refused unless allowed here (see {@link noSandboxNeeded}) */
  noSandboxAllowedBy?: NoSandboxAllowance;
  /** the kiosk config file, named in the error when running without the sandbox is not allowed */
  configFile?: string;
}

export const DEFAULT_WINDOW_SIZE: WindowSize = { width: 1080, height: 1920 };
export const DEFAULT_RESTART: RestartBackoff = { firstMs: 1000, maxMs: 30_000 };
export const DEFAULT_TIMING: ShellTiming = {
  pingEveryMs: 2000,
  pingTimeoutMs: 3000,
  reloadAfterMs: 10_000,
  startTimeoutMs: 10_000,
  backoffResetAfterMs: 5 * 60_000,
  navigationTimeoutMs: 15_000,
  captureTimeoutMs: 5000,
};

/** Delay before restart attempt `attempt` (0-based): firstMs doubling, capped at maxMs. */
export function restartDelay(attempt: number, backoff: RestartBackoff = DEFAULT_RESTART): number {
  const exp = Math.min(Math.max(0, attempt), 30);
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** exp);
}

const noopLog: ShellLog = { info: () => {}, warn: () => {}, error: () => {} };

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}

/** Error text with every URL in it passed through `safeUrl`. */
function scrubUrls(text: string): string {
  return text.replace(/\b(?:https?|wss?|file):\/\/[^\s"'<>]+/g, (url) => safeUrl(url));
}

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

export class ChromiumShell extends EventEmitter implements ShellConnection {
  readonly kind = 'chromium' as const;
  private readonly executablePath: string;
  private readonly headless: boolean;
  private readonly kioskMode: boolean;
  private readonly windowSize: WindowSize;
  private readonly log: ShellLog;
  private readonly backoff: RestartBackoff;
  private readonly timing: ShellTiming;
  private readonly disableGpu: boolean;
  private readonly pidFile: string | undefined;
  private readonly noSandbox: boolean;
  private readonly noSandboxAllowedBy: NoSandboxAllowance | undefined;
  private profileDir: string | null;
  private readonly ownsProfile: boolean;

  /** bumped on every (re)start: events of an older browser are ignored */
  private gen = 0;
  private proc: BrowserProcess | null = null;
  private currentPage: ShownPage | null = null;
  /** page targets the shell opened or adopted: every other page is a popup and is closed */
  private readonly ownTargets = new Set<string>();
  private browserVersion = '';
  private upSince = 0;
  private restartAttempt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private ping: { page: ShownPage; startedAt: number; timer: NodeJS.Timeout } | null = null;
  private unresponsiveSince: number | null = null;
  /** pages we are opening ourselves: not popups */
  private openingPages = 0;
  private replaceChain: Promise<void> = Promise.resolve();
  /** captures run one at a time: a clipped, scaled capture changes the page's metrics while it runs */
  private captureChain: Promise<unknown> = Promise.resolve();
  private rendererUrl: string | null = null;
  private rendererOrigin: string | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** the browser's GPU process, watched through its process tree (runtime/watchdog/gpu-process.ts) */
  private gpuWatch: GpuProcessWatch | null = null;

  constructor(opts: ChromiumShellOptions) {
    super();
    this.executablePath = opts.executablePath ?? process.env.ZIZHU_CHROMIUM ?? '/usr/bin/chromium';
    this.headless = opts.headless;
    this.kioskMode = opts.kiosk ?? !opts.headless;
    this.windowSize = opts.windowSize ?? DEFAULT_WINDOW_SIZE;
    this.log = opts.log ?? noopLog;
    this.backoff = opts.restart ?? DEFAULT_RESTART;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.disableGpu = opts.disableGpu ?? true;
    this.pidFile = opts.pidFile;
    this.noSandboxAllowedBy = opts.noSandboxAllowedBy;
    this.noSandbox = noSandboxNeeded(process.getuid?.(), opts.noSandboxAllowedBy, opts.configFile);
    this.profileDir = opts.userDataDir ?? null;
    this.ownsProfile = opts.userDataDir === undefined;
  }

  /** the browser's process id (its process group), null while there is none */
  get pid(): number | null {
    return this.proc?.running ? this.proc.pid : null;
  }

  /** a GPU process runs under the browser now; null: none seen under this browser (not watched) */
  get gpuProcessUp(): boolean | null {
    return this.gpuWatch?.up ?? null;
  }

  get userDataDir(): string | null {
    return this.profileDir;
  }

  /** Chromium's version, e.g. '156.0.8078.108' (for `shell.ready`) */
  get version(): string {
    return this.browserVersion;
  }

  /** the page showing the renderer now (for diagnostics and tests); changes after a recovery */
  get page(): ShellPage | null {
    return this.currentPage;
  }

  /** A browser-level DevTools command (diagnostics and tests); in-process only, there is no port. */
  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (!this.proc) return Promise.reject(new Error('chromium shell has no browser (restarting or closed)'));
    return this.proc.cdp.send<T>(method, params);
  }

  /** Spawn, connect, lock down. Used by `launchChromiumShell` and by restarts. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('chromium shell is closed');
    if (!this.profileDir) this.profileDir = await mkdtemp(join(tmpdir(), 'zizhu-chromium-'));
    const dir = this.profileDir;
    // stale singleton locks belong to our own dead process group
    await Promise.all(['SingletonLock', 'SingletonSocket', 'SingletonCookie'].map((f) => rm(join(dir, f), { force: true })));
    if (this.closed) throw new Error('chromium shell closed while starting');
    const gen = ++this.gen;
    const args = chromiumArgs({
      userDataDir: dir,
      headless: this.headless,
      kiosk: this.kioskMode,
      windowSize: this.windowSize,
      noSandbox: this.noSandbox,
      disableGpu: this.disableGpu,
    });
    if (this.pidFile && (await endLeftBehindBrowser(this.pidFile))) this.log.warn(`chromium shell: ended a browser a previous agent left behind (${this.pidFile})`);
    if (this.noSandbox) this.log.warn(`chromium shell: running Chromium WITHOUT its sandbox (the agent is root; allowed by ${this.noSandboxAllowedBy === 'config' ? 'the kiosk config, shell.allowNoSandbox' : 'development'})`);
    const proc = new BrowserProcess(this.executablePath, args);
    this.proc = proc;
    if (this.pidFile && proc.pid > 0) await writeFile(this.pidFile, `${proc.pid}\n`).catch((e: unknown) => this.log.warn(`chromium shell: cannot write ${this.pidFile}: ${(e as Error).message}`));
    void proc.exited.then(() => this.onBrowserExit(gen, proc));
    proc.cdp.once('disconnected', () => this.onDisconnected(gen, proc));

    const version = await this.firstAnswer(proc);
    if (this.closed || gen !== this.gen) throw new Error('chromium shell closed while starting');
    this.browserVersion = version.product.split('/')[1] ?? version.product;
    await this.lockDownBrowser(proc, gen);
    if (this.closed || gen !== this.gen) throw new Error('chromium shell closed while starting');
    this.upSince = Date.now();
    this.startPings();
    // its GPU process gone while the browser lives: `gpu-process-gone`, as Electron says it
    this.gpuWatch ??= new GpuProcessWatch({ browserPid: () => this.pid, onGone: (detail) => this.problem('gpu-process-gone', detail), log: this.log }).start();
    this.log.info('chromium shell up', { pid: proc.pid, version: this.browserVersion, headless: this.headless, kiosk: this.kioskMode, devtools: 'pipe' });
  }

  /** The browser's version: its first answer over the pipe, within startTimeoutMs. */
  private async firstAnswer(proc: BrowserProcess): Promise<{ product: string }> {
    const ms = this.timing.startTimeoutMs;
    try {
      return await withTimeout(proc.cdp.send<{ product: string }>('Browser.getVersion'), ms, 'Browser.getVersion');
    } catch (e) {
      if (this.closed) throw new Error('chromium shell closed while starting');
      await Promise.race([proc.exited, sleep(300)]); // an exit explains a closed pipe better; let the last stderr arrive
      const stderr = proc.stderrTail() || '(empty)';
      if (!proc.running) throw new Error(`chromium (${this.executablePath}) exited before DevTools was up: ${proc.describeExit()}; stderr: ${stderr}`);
      if (/timed out/.test(firstLine(e))) throw new Error(`chromium did not answer over the DevTools pipe within ${ms} ms; stderr: ${stderr}`);
      throw new Error(`chromium DevTools pipe: ${firstLine(e)}; stderr: ${stderr}`);
    }
  }

  /** No popups or new windows, no permissions, no downloads; the first page attached. */
  private async lockDownBrowser(proc: BrowserProcess, gen: number): Promise<void> {
    const cdp = proc.cdp;
    const { targetInfos } = await cdp.send<{ targetInfos: TargetInfo[] }>('Target.getTargets');
    const pages = targetInfos.filter((t) => t.type === 'page');
    const first = pages[0];
    if (first) this.ownTargets.add(first.targetId);
    cdp.on('Target.targetCreated', ({ targetInfo }: { targetInfo: TargetInfo }) => {
      if (gen !== this.gen || targetInfo.type !== 'page' || this.openingPages > 0 || this.ownTargets.has(targetInfo.targetId)) return;
      this.log.warn('chromium shell: closing a new window/popup', { url: targetInfo.url ? safeUrl(targetInfo.url) : '(not loaded yet)' });
      void cdp.send('Target.closeTarget', { targetId: targetInfo.targetId }).catch(() => {});
    });
    cdp.on('Target.targetDestroyed', ({ targetId }: { targetId: string }) => this.ownTargets.delete(targetId));
    await Promise.all([
      cdp.send('Target.setDiscoverTargets', { discover: true }),
      // grant these (none), deny every other permission, for every origin
      cdp.send('Browser.grantPermissions', { permissions: [] }),
      cdp.send('Browser.setDownloadBehavior', { behavior: 'deny' }),
    ]);
    for (const extra of pages.slice(1)) void cdp.send('Target.closeTarget', { targetId: extra.targetId }).catch(() => {});
    const page = first ? await this.attach(first.targetId, gen) : await this.openPage(gen);
    this.currentPage = page;
  }

  /** Open a blank page of our own. */
  private async openPage(gen: number): Promise<ShownPage> {
    const cdp = this.proc!.cdp;
    this.openingPages++;
    let targetId: string;
    try {
      ({ targetId } = await cdp.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' }));
    } finally {
      this.openingPages--;
    }
    this.ownTargets.add(targetId);
    return this.attach(targetId, gen);
  }

  private attach(targetId: string, gen: number): Promise<ShownPage> {
    const proc = this.proc!;
    let page: ShownPage | undefined; // set once attached; the reports need it
    const current = () => page !== undefined && gen === this.gen && page === this.currentPage && !this.closed;
    return ShownPage.attach(proc.cdp, targetId, () => this.rendererOrigin, {
      crashed: () => {
        if (!current()) return;
        this.problem('render-process-gone', 'renderer crashed');
        this.replacePage(page!, 'renderer crashed');
      },
      gone: () => {
        if (!current() || !proc.cdp.connected) return;
        this.log.warn('chromium shell: the renderer page was closed; opening a new one');
        this.replacePage(page!, 'page closed');
      },
      dialogDismissed: (type) => this.log.warn('chromium shell: dismissed a dialog', { type }),
      blocked: (url) => this.log.warn('chromium shell: blocked navigation to another origin', { url: safeUrl(url) }),
      navigated: (url) => {
        if (!current() || this.rendererOrigin === null) return;
        // an error page belongs to a failed load (reported as load-failed), not to a breach
        if (url.startsWith('chrome-error:') || originOf(url) === this.rendererOrigin) return;
        this.log.warn('chromium shell: main frame left the renderer origin; going back', { url: safeUrl(url) });
        if (this.rendererUrl) void this.navigate(page!, this.rendererUrl);
      },
      loadFailed: (detail) => {
        if (current()) this.problem('load-failed', detail);
      },
    }).then((attached) => (page = attached));
  }

  /** Navigate to the renderer URL; failures are `load-failed` events (network/HTTP ones come from the page's reports). */
  private async navigate(page: ShownPage, url: string): Promise<void> {
    try {
      await page.navigate(url, this.timing.navigationTimeoutMs);
    } catch (e) {
      const message = scrubUrls(firstLine(e));
      if (this.closed || page !== this.currentPage) return;
      // net::ERR_* failures and HTTP errors were reported by the page; crashes and closes have their own events
      if (/net::ERR_|session has ended|DevTools pipe|browser was stopped/i.test(message)) {
        this.log.warn('chromium shell: navigation failed', { url: safeUrl(url), error: message });
        return;
      }
      this.problem('load-failed', `${safeUrl(url)}: ${message}`);
    }
  }

  /**
   * Open a fresh blank page, close the old one (ends its crashed or hung renderer and its bridge
   * connection), then load the renderer in the fresh one. Serialised.
   */
  private replacePage(stale: ShownPage, reason: string): void {
    this.replaceChain = this.replaceChain.then(async () => {
      const gen = this.gen;
      if (this.closed || stale !== this.currentPage || !this.proc?.cdp.connected) return;
      this.log.warn('chromium shell: replacing the renderer page', { reason });
      let fresh: ShownPage;
      try {
        fresh = await this.openPage(gen);
      } catch (e) {
        this.log.error('chromium shell: could not open a new page', { reason, error: scrubUrls(firstLine(e)) });
        return;
      }
      if (this.closed || gen !== this.gen) {
        void this.proc?.cdp.send('Target.closeTarget', { targetId: fresh.targetId }).catch(() => {});
        return;
      }
      this.currentPage = fresh;
      this.ownTargets.delete(stale.targetId);
      await this.proc.cdp.send('Target.closeTarget', { targetId: stale.targetId }).catch(() => {});
      if (this.rendererUrl) await this.navigate(fresh, this.rendererUrl);
    });
  }

  // ---- watchdog: renderer pings ----

  private startPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.pingTick(), this.timing.pingEveryMs);
    this.pingTimer.unref();
  }

  private pingTick(): void {
    const page = this.currentPage;
    if (this.closed || !page || page.crashed) return;
    const now = Date.now();
    if (this.ping && this.ping.page !== page) {
      clearTimeout(this.ping.timer);
      this.ping = null; // the page it was waiting on has been replaced
    }
    if (this.unresponsiveSince !== null && now - this.unresponsiveSince >= this.timing.reloadAfterMs) {
      this.unresponsiveSince = now; // try again after another full period if this does not help
      this.replacePage(page, `unresponsive for ${this.timing.reloadAfterMs} ms`);
      return;
    }
    if (this.ping) return; // still waiting for the last one
    const ping = {
      page,
      startedAt: now,
      timer: setTimeout(() => {
        if (this.ping !== ping || this.closed || page !== this.currentPage) return;
        if (this.unresponsiveSince === null) {
          this.unresponsiveSince = Date.now();
          this.problem('unresponsive', `renderer did not answer a ping within ${this.timing.pingTimeoutMs} ms`);
        }
      }, this.timing.pingTimeoutMs),
    };
    this.ping = ping;
    page.evaluate('1').then(
      () => {
        clearTimeout(ping.timer);
        if (this.ping === ping) this.ping = null;
        if (this.closed || page !== this.currentPage || this.unresponsiveSince === null) return;
        const since = this.unresponsiveSince;
        this.unresponsiveSince = null;
        this.problem('responsive', `renderer answers again after ${Date.now() - since} ms`);
      },
      () => {
        // crashed, closed or navigating: those have their own events
        clearTimeout(ping.timer);
        if (this.ping === ping) this.ping = null;
      },
    );
  }

  // ---- the browser process ----

  private onDisconnected(gen: number, proc: BrowserProcess): void {
    if (this.closed || gen !== this.gen) return;
    // normally the process has died (its exit restarts it); if it is still there without us, end it
    setTimeout(() => {
      if (!this.closed && gen === this.gen && proc.running) {
        this.log.warn('chromium shell: lost the DevTools pipe to a running browser; killing it', { pid: proc.pid });
        killGroup(proc.pid, 'SIGKILL');
      }
    }, 2000).unref();
  }

  private onBrowserExit(gen: number, proc: BrowserProcess): void {
    if (this.closed || gen !== this.gen || this.upSince === 0) return; // a failing start reports itself
    const upFor = Date.now() - this.upSince;
    this.upSince = 0;
    killGroup(proc.pid, 'SIGKILL'); // renderers, zygote: whatever outlived the browser
    this.dropBrowser();
    this.log.error('chromium exited unexpectedly', { pid: proc.pid, exit: proc.describeExit(), upForMs: upFor, stderr: proc.stderrTail(800) });
    this.problem('render-process-gone', `browser exited (${proc.describeExit()})`);
    if (upFor >= this.timing.backoffResetAfterMs) this.restartAttempt = 0;
    this.scheduleRestart();
  }

  /** Forget the browser's page and pings. */
  private dropBrowser(): void {
    if (this.ping) clearTimeout(this.ping.timer);
    this.ping = null;
    this.currentPage = null;
    this.unresponsiveSince = null;
    this.ownTargets.clear();
    this.proc?.cdp.close('the browser is gone');
  }

  private scheduleRestart(): void {
    if (this.closed || this.restartTimer) return;
    const delay = restartDelay(this.restartAttempt++, this.backoff);
    this.log.warn('chromium shell: restarting chromium', { inMs: delay, attempt: this.restartAttempt });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.startAgain();
    }, delay);
  }

  private async startAgain(): Promise<void> {
    if (this.closed) return;
    try {
      await this.start();
      const page = this.currentPage;
      if (this.rendererUrl && page) await this.navigate(page, this.rendererUrl);
    } catch (e) {
      if (this.closed) return;
      this.log.error('chromium shell: restart failed', { error: scrubUrls(firstLine(e)) });
      const proc = this.proc;
      this.upSince = 0;
      this.dropBrowser();
      if (proc) await proc.stop(1000);
      this.scheduleRestart();
    }
  }

  private problem(problem: ShellProblem, detail: string): void {
    const event: ShellProblemEvent = { problem, detail: detail.slice(0, 500), at: Date.now() };
    (problem === 'responsive' ? this.log.info : this.log.warn).call(this.log, `chromium shell: ${problem}`, { detail: event.detail });
    this.emit('problem', event);
  }

  private requirePage(): ShownPage {
    if (this.closed) throw new Error('chromium shell is closed');
    if (!this.currentPage) throw new Error('chromium shell has no page (browser restarting)');
    return this.currentPage;
  }

  // ---- ShellConnection ----

  async load(url: string): Promise<void> {
    const origin = originOf(url);
    if (origin === null || origin === 'null') throw new Error(`not a loadable renderer URL: ${url}`);
    if (this.closed) throw new Error('chromium shell is closed');
    this.rendererUrl = url;
    this.rendererOrigin = origin;
    this.log.info('chromium shell: loading the renderer', { origin });
    const page = this.currentPage;
    if (!page) return; // restarting: the renderer URL is loaded once the browser is back
    if (page.crashed || this.unresponsiveSince !== null) {
      this.replacePage(page, 'load on a crashed or hung page'); // it navigates the fresh page to the renderer URL
      return;
    }
    await this.navigate(page, url);
  }

  async captureFrame(request?: FrameRequest): Promise<Buffer> {
    const page = this.requirePage();
    if (page.crashed) throw new Error('cannot capture a frame: the renderer has crashed');
    try {
      const shot = this.captureChain.then(() => withTimeout(page.captureFrame(request), this.timing.captureTimeoutMs, 'captureFrame'));
      this.captureChain = shot.catch(() => undefined);
      return await shot;
    } catch (e) {
      throw new Error(`cannot capture a frame: ${scrubUrls(firstLine(e))}`);
    }
  }

  async reload(reason: string): Promise<void> {
    const page = this.requirePage();
    this.log.info('chromium shell: reload', { reason });
    // a busy-looping page never commits a navigation (issue 11, RENDERER_HUNG): replace it instead
    if (page.crashed || this.unresponsiveSince !== null || (await this.hung(page))) {
      this.replacePage(page, `reload (${reason})`);
      await this.replaceChain;
      return;
    }
    if (this.rendererUrl) await this.navigate(page, this.rendererUrl);
    else await page.send('Page.reload').catch(() => {});
  }

  /** The page does not evaluate `1` within a second (a timeout; any other failure is not a hang). */
  private async hung(page: ShownPage): Promise<boolean> {
    try {
      await withTimeout(page.evaluate('1'), Math.min(1000, this.timing.pingTimeoutMs), 'ping');
      return false;
    } catch (e) {
      return /timed out/.test(firstLine(e));
    }
  }

  /** The recovery ladder's second rung: end this browser (its whole process group) and start a fresh one on the renderer URL. */
  async restart(reason: string): Promise<void> {
    if (this.closed) throw new Error('chromium shell is closed');
    this.log.warn('chromium shell: restarting the browser', { reason });
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const proc = this.proc;
    this.upSince = 0; // its exit is ours, not a crash to report and back off from
    this.dropBrowser();
    if (proc) {
      killGroup(proc.pid, 'SIGKILL');
      await proc.stop(2000);
    }
    await this.startAgain();
  }

  close(reason: string): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      this.log.info('chromium shell: closing', { reason });
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = null;
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
      this.gpuWatch?.stop();
      const proc = this.proc;
      // a browser that is up is asked to close (it saves nothing, but ends its children in order); the group is killed after
      if (proc?.cdp.connected && this.upSince > 0) await withTimeout(proc.cdp.send('Browser.close'), 2000, 'Browser.close').catch(() => {});
      this.dropBrowser();
      this.proc = null;
      if (proc) await proc.stop(3000);
      if (proc && proc.pid > 0 && isAlive(proc.pid)) this.log.error('chromium shell: browser still alive after SIGKILL', { pid: proc.pid });
      else if (this.pidFile) await rm(this.pidFile, { force: true }).catch(() => {});
      if (this.ownsProfile && this.profileDir) {
        await rm(this.profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch((e: unknown) =>
          this.log.warn('chromium shell: could not remove the temporary profile', { dir: this.profileDir, error: firstLine(e) }),
        );
      }
    })();
    return this.closing;
  }
}

/** Start Chromium and connect to it; rejects (leaving nothing running) when it does not come up. */
export async function launchChromiumShell(opts: ChromiumShellOptions): Promise<ChromiumShell> {
  const shell = new ChromiumShell(opts); // throws NoSandboxRefusedError before anything starts
  try {
    await shell.start();
  } catch (e) {
    await shell.close('launch failed');
    throw e;
  }
  return shell;
}
