/**
 * The Chromium shell: Debian Chromium started by the agent itself (kiosk window, or headless in
 * tests and on machines without a display server) and driven over CDP with playwright-core.
 *
 * - `chromiumArgs()` builds the command line (pure).
 * - `launchChromiumShell()` spawns Chromium in its own process group, reads the DevTools port from
 *   `<userDataDir>/DevToolsActivePort`, connects, locks the page down (no other origin, no popups,
 *   no permissions, dialogs dismissed) and watches it:
 *   - renderer crash → `render-process-gone`, then a fresh page loads the renderer URL;
 *   - a `1` evaluated every 2 s that is not answered in 3 s → `unresponsive`; `responsive` when a
 *     ping answers again; 10 s unresponsive → the page is replaced (which ends the hung renderer);
 *   - Chromium exits on its own → `render-process-gone` ('browser exited (…)'), restarted with
 *     backoff (1 s doubling to 30 s, reset after 5 min up) and the renderer URL loaded again;
 *   - the renderer URL fails to load (network error, HTTP ≥ 400, timeout) → `load-failed`.
 *
 * A crashed page cannot be navigated through playwright ("Page crashed" for good), and a hung one
 * cannot be reloaded (the navigation never commits), so recovery opens a new page, loads the
 * renderer there and closes the old one; Chromium then ends the old renderer process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page, type Request, type Response, type Route } from 'playwright-core';
import type { ShellProblem } from '../../contracts/shell.ts';
import type { ShellConnection, ShellProblemEvent } from './types.ts';

export interface ShellLog {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface WindowSize {
  width: number;
  height: number;
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
  /** DevToolsActivePort must appear within this (default 10 000) */
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
}

/** Ends the Chromium process group a previous agent left behind (named in `pidFile`); true when one was ended. */
export async function endLeftBehindBrowser(pidFile: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !isAlive(pid)) return false;
  let cmdline = '';
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
  } catch {
    return false; // no /proc (not Linux) or gone: leave it
  }
  // a recycled pid belongs to someone else now
  if (!/chrom/i.test(cmdline)) return false;
  killGroup(pid, 'SIGKILL');
  return true;
}

export interface ChromiumArgsOptions {
  userDataDir: string;
  headless: boolean;
  kiosk: boolean;
  windowSize: WindowSize;
  /** `--no-sandbox`: only when running as root, where Chromium refuses to start sandboxed */
  noSandbox: boolean;
  /** default true */
  disableGpu?: boolean;
  /** the first page (default about:blank) */
  startUrl?: string;
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

/** Chromium's command line. Pure: the same options give the same arguments. */
export function chromiumArgs(opts: ChromiumArgsOptions): string[] {
  const { width, height } = opts.windowSize;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`window size must be positive integers, got ${width}×${height}`);
  }
  const args = ['--remote-debugging-port=0', `--user-data-dir=${opts.userDataDir}`];
  if (opts.noSandbox) args.push('--no-sandbox');
  if (opts.disableGpu ?? true) args.push('--disable-gpu');
  args.push(
    // nothing reaches for the network by itself (and nothing hangs on lookups without one)
    '--disable-quic',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // nothing but the page on screen
    '--noerrdialogs',
    '--disable-infobars',
    '--disable-session-crashed-bubble',
    '--disable-features=Translate,TranslateUI',
    // the agent's watchdog judges hangs: no "page unresponsive" dialog on the kiosk screen
    '--disable-hang-monitor',
    // a touch screen: no swipe-back, no pinch zoom
    '--overscroll-history-navigation=0',
    '--disable-pinch',
    '--autoplay-policy=no-user-gesture-required',
    // keep rendering (and the frame check honest) even when the window is covered
    '--disable-renderer-backgrounding',
    '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
    '--force-device-scale-factor=1',
    `--window-size=${width},${height}`,
  );
  if (opts.headless) {
    // headless has no real screen: give it the kiosk's, so a kiosk (full-screen) window fills exactly W×H
    args.push('--headless=new', `--screen-info={0,0 ${width}x${height}}`);
  }
  if (opts.kiosk) args.push('--kiosk');
  args.push(opts.startUrl ?? 'about:blank');
  return args;
}

/** Delay before restart attempt `attempt` (0-based): firstMs doubling, capped at maxMs. */
export function restartDelay(attempt: number, backoff: RestartBackoff = DEFAULT_RESTART): number {
  const exp = Math.min(Math.max(0, attempt), 30);
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** exp);
}

const noopLog: ShellLog = { info: () => {}, warn: () => {}, error: () => {} };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** A URL for logs and problem details: origin and path only (the renderer URL's query carries the boot token). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? `${u.protocol}…` : `${u.origin}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Error text with every URL in it passed through `safeUrl` (playwright quotes the URLs it navigated to). */
function scrubUrls(text: string): string {
  return text.replace(/\b(?:https?|wss?|file):\/\/[^\s"'<>]+/g, (url) => safeUrl(url));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signal a whole process group; a group that is already gone is fine. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* ESRCH: nothing left */
  }
}

/** One spawned Chromium: the child, its stderr tail and how it ended. */
class BrowserProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  private tail = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  spawnError: Error | null = null;
  readonly exited: Promise<void>;

  constructor(executablePath: string, args: string[]) {
    this.child = spawn(executablePath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-4000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      this.child.once('error', (e) => {
        this.spawnError = e;
        if (this.child.pid === undefined) resolve();
      });
    });
    this.pid = this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.pid > 0 && this.exit === null && this.spawnError === null;
  }

  stderrTail(chars = 1500): string {
    return this.tail.slice(-chars).trim();
  }

  describeExit(): string {
    if (this.spawnError) return `could not start (${this.spawnError.message})`;
    if (!this.exit) return 'running';
    return this.exit.signal ? `signal ${this.exit.signal}` : `code ${this.exit.code}`;
  }

  /** SIGTERM the group, wait up to `graceMs` for the browser, then SIGKILL whatever is left of the group. */
  async stop(graceMs: number): Promise<void> {
    if (this.pid <= 0) return;
    if (this.running) {
      killGroup(this.pid, 'SIGTERM');
      await Promise.race([this.exited, sleep(graceMs)]);
    }
    killGroup(this.pid, 'SIGKILL');
    await Promise.race([this.exited, sleep(2000)]);
  }
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
  private profileDir: string | null;
  private readonly ownsProfile: boolean;

  /** bumped on every (re)start: events of an older browser are ignored */
  private gen = 0;
  private proc: BrowserProcess | null = null;
  private browser: Browser | null = null;
  private context: BrowserContext | null = null;
  private currentPage: Page | null = null;
  private cdp: CDPSession | null = null;
  private crashed = false;
  private browserVersion = '';
  private upSince = 0;
  private restartAttempt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private ping: { page: Page; startedAt: number; timer: NodeJS.Timeout } | null = null;
  private unresponsiveSince: number | null = null;
  /** pages we are opening ourselves: not popups */
  private openingPages = 0;
  private replaceChain: Promise<void> = Promise.resolve();
  private rendererUrl: string | null = null;
  private rendererOrigin: string | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;

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
    this.profileDir = opts.userDataDir ?? null;
    this.ownsProfile = opts.userDataDir === undefined;
  }

  /** the browser's process id (its process group), null while there is none */
  get pid(): number | null {
    return this.proc?.running ? this.proc.pid : null;
  }

  get userDataDir(): string | null {
    return this.profileDir;
  }

  /** Chromium's version, e.g. '156.0.8078.108' (for `shell.ready`) */
  get version(): string {
    return this.browserVersion;
  }

  /** the page showing the renderer now (for diagnostics and tests); changes after a recovery */
  get page(): Page | null {
    return this.currentPage;
  }

  /** Spawn, connect, lock down. Used by `launchChromiumShell` and by restarts. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('chromium shell is closed');
    if (!this.profileDir) this.profileDir = await mkdtemp(join(tmpdir(), 'zizhu-chromium-'));
    const dir = this.profileDir;
    // a stale port file would point at a dead browser; stale singleton locks belong to our own dead process group
    await Promise.all(['DevToolsActivePort', 'SingletonLock', 'SingletonSocket', 'SingletonCookie'].map((f) => rm(join(dir, f), { force: true })));
    if (this.closed) throw new Error('chromium shell closed while starting');
    const gen = ++this.gen;
    const args = chromiumArgs({
      userDataDir: dir,
      headless: this.headless,
      kiosk: this.kioskMode,
      windowSize: this.windowSize,
      noSandbox: process.getuid?.() === 0,
      disableGpu: this.disableGpu,
    });
    if (this.pidFile && (await endLeftBehindBrowser(this.pidFile))) this.log.warn(`chromium shell: ended a browser a previous agent left behind (${this.pidFile})`);
    const proc = new BrowserProcess(this.executablePath, args);
    this.proc = proc;
    if (this.pidFile && proc.pid > 0) await writeFile(this.pidFile, `${proc.pid}\n`).catch((e: unknown) => this.log.warn(`chromium shell: cannot write ${this.pidFile}: ${(e as Error).message}`));
    void proc.exited.then(() => this.onBrowserExit(gen, proc));

    const port = await this.waitForDevToolsPort(proc, dir);
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`, { timeout: this.timing.startTimeoutMs });
    if (this.closed || gen !== this.gen) {
      await browser.close().catch(() => {});
      throw new Error('chromium shell closed while starting');
    }
    this.browser = browser;
    this.browserVersion = browser.version();
    browser.on('disconnected', () => this.onDisconnected(gen, proc));
    const context = browser.contexts()[0];
    if (!context) throw new Error('chromium has no default browser context');
    this.context = context;
    await this.lockDown(context, gen);
    let page = context.pages()[0];
    if (!page) {
      this.openingPages++;
      try {
        page = await context.newPage();
      } finally {
        this.openingPages--;
      }
    }
    await this.attachPage(page, gen);
    this.upSince = Date.now();
    this.startPings();
    this.log.info('chromium shell up', { pid: proc.pid, version: this.browserVersion, headless: this.headless, kiosk: this.kioskMode, port });
  }

  private async waitForDevToolsPort(proc: BrowserProcess, dir: string): Promise<number> {
    const deadline = Date.now() + this.timing.startTimeoutMs;
    const file = join(dir, 'DevToolsActivePort');
    while (true) {
      if (this.closed) throw new Error('chromium shell closed while starting');
      if (!proc.running) {
        await sleep(100); // let the last stderr arrive
        throw new Error(`chromium (${this.executablePath}) exited before DevTools was up: ${proc.describeExit()}; stderr: ${proc.stderrTail() || '(empty)'}`);
      }
      const text = await readFile(file, 'utf8').catch(() => '');
      const lines = text.split('\n');
      const port = Number(lines[0]);
      // the file is complete once its second line (the browser target path) is there
      if (Number.isInteger(port) && port > 0 && port < 65536 && (lines[1] ?? '').startsWith('/devtools/')) return port;
      if (Date.now() >= deadline) {
        throw new Error(`chromium did not write DevToolsActivePort within ${this.timing.startTimeoutMs} ms; stderr: ${proc.stderrTail() || '(empty)'}`);
      }
      await sleep(50);
    }
  }

  /** No other origin, no popups, no permissions, no dialogs. */
  private async lockDown(context: BrowserContext, gen: number): Promise<void> {
    await context.grantPermissions([]); // CDP Browser.grantPermissions: grant these, deny all others
    await context.route('**/*', (route: Route) => this.routeRequest(route));
    context.on('page', (page) => {
      if (gen !== this.gen || this.openingPages > 0 || page === this.currentPage) return;
      this.log.warn('chromium shell: closing a new window/popup', { url: safeUrl(page.url()) });
      void page.close({ runBeforeUnload: false }).catch(() => {});
    });
  }

  private async routeRequest(route: Route): Promise<void> {
    const request = route.request();
    try {
      if (request.isNavigationRequest() && this.rendererOrigin !== null && originOf(request.url()) !== this.rendererOrigin) {
        this.log.warn('chromium shell: blocked navigation to another origin', { url: safeUrl(request.url()) });
        await route.abort('aborted'); // ERR_ABORTED: the page stays as it is, no error page
        return;
      }
      await route.continue();
    } catch {
      /* page or browser gone while routing */
    }
  }

  private async attachPage(page: Page, gen: number): Promise<void> {
    const old = this.cdp;
    this.currentPage = page;
    this.crashed = false;
    this.cdp = null;
    if (old) void old.detach().catch(() => {});
    const current = () => gen === this.gen && page === this.currentPage && !this.closed;
    page.on('crash', () => {
      if (!current()) return;
      this.crashed = true;
      this.problem('render-process-gone', 'renderer crashed');
      this.replacePage(page, 'renderer crashed');
    });
    page.on('close', () => {
      if (!current() || !this.browser?.isConnected()) return;
      this.log.warn('chromium shell: the renderer page was closed; opening a new one');
      this.replacePage(page, 'page closed');
    });
    page.on('dialog', (dialog) => {
      this.log.warn('chromium shell: dismissed a dialog', { type: dialog.type() });
      void dialog.dismiss().catch(() => {});
    });
    page.on('framenavigated', (frame) => {
      if (!current() || frame !== page.mainFrame() || this.rendererOrigin === null) return;
      const url = frame.url();
      // an error page belongs to a failed load (reported as load-failed), not to a breach
      if (url.startsWith('chrome-error:') || originOf(url) === this.rendererOrigin) return;
      this.log.warn('chromium shell: main frame left the renderer origin; going back', { url: safeUrl(url) });
      if (this.rendererUrl) void this.navigate(page, this.rendererUrl);
    });
    page.on('requestfailed', (request: Request) => {
      if (!current() || !this.isRendererDocument(request, page)) return;
      const error = request.failure()?.errorText ?? 'failed';
      if (error === 'net::ERR_ABORTED') return; // superseded by another navigation, or blocked by us
      this.problem('load-failed', `${safeUrl(request.url())}: ${error}`);
    });
    page.on('response', (response: Response) => {
      if (!current() || !this.isRendererDocument(response.request(), page)) return;
      if (response.status() >= 400) this.problem('load-failed', `${safeUrl(response.url())}: HTTP ${response.status()}`);
    });
    try {
      this.cdp = await page.context().newCDPSession(page);
    } catch (e) {
      this.log.warn('chromium shell: no CDP session for the page yet', { error: firstLine(e) });
    }
  }

  private isRendererDocument(request: Request, page: Page): boolean {
    if (!request.isNavigationRequest() || this.rendererOrigin === null) return false;
    try {
      if (request.frame() !== page.mainFrame()) return false;
    } catch {
      return false;
    }
    return originOf(request.url()) === this.rendererOrigin;
  }

  /** Navigate to the renderer URL; failures are `load-failed` events (network/HTTP ones come from the page's listeners). */
  private async navigate(page: Page, url: string): Promise<void> {
    try {
      const sameDocument = new URL(url).hash !== '' && page.url() === url;
      if (sameDocument) await page.reload({ waitUntil: 'commit', timeout: this.timing.navigationTimeoutMs });
      else await page.goto(url, { waitUntil: 'commit', timeout: this.timing.navigationTimeoutMs });
    } catch (e) {
      const message = scrubUrls(firstLine(e));
      if (this.closed || page !== this.currentPage) return;
      // net::ERR_* failures and HTTP errors (Chromium shows its own error page for those) were reported
      // by the requestfailed/response listeners; crashes and closes have their own events
      if (/net::ERR_|chrome-error:|crashed|closed/i.test(message)) {
        this.log.warn('chromium shell: navigation failed', { url: safeUrl(url), error: message });
        return;
      }
      this.problem('load-failed', `${safeUrl(url)}: ${message}`);
    }
  }

  /** Open a fresh page on the renderer URL, then close the old one (ends its crashed or hung renderer). Serialised. */
  private replacePage(stale: Page, reason: string): void {
    this.replaceChain = this.replaceChain.then(async () => {
      const context = this.context;
      const gen = this.gen;
      if (this.closed || stale !== this.currentPage || !context) return;
      this.log.warn('chromium shell: replacing the renderer page', { reason });
      let fresh: Page;
      this.openingPages++;
      try {
        fresh = await context.newPage();
      } catch (e) {
        this.log.error('chromium shell: could not open a new page', { reason, error: scrubUrls(firstLine(e)) });
        return;
      } finally {
        this.openingPages--;
      }
      if (this.closed || gen !== this.gen) {
        void fresh.close().catch(() => {});
        return;
      }
      await this.attachPage(fresh, gen);
      if (this.rendererUrl) await this.navigate(fresh, this.rendererUrl);
      await stale.close({ runBeforeUnload: false }).catch(() => {});
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
    if (this.closed || !page || this.crashed) return;
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
        this.log.warn('chromium shell: lost the CDP connection to a running browser; killing it', { pid: proc.pid });
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

  /** Forget the browser's objects; returns the browser (its connection still open when `disconnect` is false). */
  private dropBrowser(disconnect = true): Browser | null {
    if (this.ping) clearTimeout(this.ping.timer);
    this.ping = null;
    const browser = this.browser;
    this.browser = null;
    this.context = null;
    this.currentPage = null;
    this.cdp = null;
    if (browser && disconnect) void browser.close().catch(() => {});
    return browser;
  }

  private scheduleRestart(): void {
    if (this.closed || this.restartTimer) return;
    const delay = restartDelay(this.restartAttempt++, this.backoff);
    this.log.warn('chromium shell: restarting chromium', { inMs: delay, attempt: this.restartAttempt });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.restart();
    }, delay);
  }

  private async restart(): Promise<void> {
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

  private requirePage(): Page {
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
    if (this.crashed || this.unresponsiveSince !== null) {
      this.replacePage(page, 'load on a crashed or hung page'); // it navigates the fresh page to the renderer URL
      return;
    }
    await this.navigate(page, url);
  }

  async captureFrame(): Promise<Buffer> {
    const page = this.requirePage();
    if (this.crashed) throw new Error('cannot capture a frame: the renderer has crashed');
    const capture = async () => {
      if (!this.cdp || this.currentPage !== page) this.cdp = await page.context().newCDPSession(page);
      const shot = (await this.cdp.send('Page.captureScreenshot', { format: 'png' })) as { data: string };
      return Buffer.from(shot.data, 'base64');
    };
    try {
      return await withTimeout(capture(), this.timing.captureTimeoutMs, 'captureFrame');
    } catch (e) {
      throw new Error(`cannot capture a frame: ${scrubUrls(firstLine(e))}`);
    }
  }

  async reload(reason: string): Promise<void> {
    const page = this.requirePage();
    this.log.info('chromium shell: reload', { reason });
    if (this.crashed || this.unresponsiveSince !== null) {
      this.replacePage(page, `reload (${reason})`);
      await this.replaceChain;
      return;
    }
    if (this.rendererUrl) await this.navigate(page, this.rendererUrl);
    else await page.reload({ waitUntil: 'commit', timeout: this.timing.navigationTimeoutMs }).catch(() => {});
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
      const browser = this.dropBrowser(false);
      if (browser) await withTimeout(browser.close(), 2000, 'disconnect').catch(() => {});
      const proc = this.proc;
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
  const shell = new ChromiumShell(opts);
  try {
    await shell.start();
  } catch (e) {
    await shell.close('launch failed');
    throw e;
  }
  return shell;
}
