/**
 * The Chromium process itself, without the DevTools conversation (`chromium.ts` has that): its
 * command line (`--remote-debugging-pipe`: DevTools only on the inherited fds 3 and 4, never a port),
 * whether it may run without its sandbox, spawning it in its own process group with the two pipe
 * ends, and ending one a killed agent left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { CdpPipe } from './cdp-pipe.ts';

export interface WindowSize {
  width: number;
  height: number;
}

/**
 * Who allowed Chromium to run without its sandbox (it cannot have one when the agent is root):
 * the kiosk config (`shell.allowNoSandbox: true`) or development (`zizhu start`, the tests).
 */
export type NoSandboxAllowance = 'config' | 'development';

/** Running as root and nothing allows `--no-sandbox`: the shell does not start. */
export class NoSandboxRefusedError extends Error {
  constructor(configFile: string | undefined) {
    super(
      'Chromium cannot use its sandbox when the agent runs as root (uid 0), and without it every page would run with root\'s rights. ' +
        'Run the agent as the kiosk user (the build/zizhu-agent.service unit starts it as user zizhu), or, only where that is impossible, ' +
        `allow it with "shell": { "allowNoSandbox": true } in ${configFile ?? 'the kiosk config'} (config path shell.allowNoSandbox)`,
    );
    this.name = 'NoSandboxRefusedError';
  }
}

/**
 * Whether Chromium gets `--no-sandbox`: only as root (where it refuses to start sandboxed), and then
 * only when the config or development allows it; as root without an allowance it throws
 * {@link NoSandboxRefusedError}. Any other user keeps the sandbox, allowed or not.
 */
export function noSandboxNeeded(uid: number | undefined, allowedBy: NoSandboxAllowance | undefined, configFile?: string): boolean {
  if (uid !== 0) return false;
  if (!allowedBy) throw new NoSandboxRefusedError(configFile);
  return true;
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
  /** `--no-sandbox`: see {@link noSandboxNeeded} */
  noSandbox: boolean;
  /** default true */
  disableGpu?: boolean;
  /** the first page (default about:blank) */
  startUrl?: string;
}

/** Chromium's command line. Pure: the same options give the same arguments. */
export function chromiumArgs(opts: ChromiumArgsOptions): string[] {
  const { width, height } = opts.windowSize;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`window size must be positive integers, got ${width}×${height}`);
  }
  // DevTools only over the inherited fds 3 and 4: never a port
  const args = ['--remote-debugging-pipe', `--user-data-dir=${opts.userDataDir}`];
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


export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signal a whole process group; a group that is already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* ESRCH: nothing left */
  }
}

/** One spawned Chromium: the child, the DevTools pipe to it, its stderr tail and how it ended. */
export class BrowserProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly cdp: CdpPipe;
  private tail = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  spawnError: Error | null = null;
  readonly exited: Promise<void>;

  constructor(executablePath: string, args: string[]) {
    // fd 3: commands to the browser, fd 4: its answers and events
    this.child = spawn(executablePath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    this.cdp = new CdpPipe(this.child.stdio[3] as Writable, this.child.stdio[4] as Readable);
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
    this.cdp.close('the browser was stopped');
  }
}
