/**
 * The Chromium shell's GPU process, watched through the browser's own process tree in /proc: the
 * processes descending from the browser's pid whose command line says `--type=gpu-process`. (The
 * Electron shell needs none of this: Electron reports `child-process-gone` with type GPU itself.)
 *
 * When a GPU process the watch saw disappears while the browser lives — Chromium usually starts a
 * new one at once, so "disappears" means its pid is gone, replaced or not — `onGone` says so (the
 * shell turns it into its `gpu-process-gone` problem); `up` says whether one runs now. A browser
 * that never had a GPU process (some builds and flags run without one) is said once in the log and
 * not judged. Only this browser's own descendants are looked at, never processes by name.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PeriodicCheck } from './periodic-check.ts';

/** pid → parent pid of every process in `procDir` (default /proc). */
export async function readProcessTree(procDir = '/proc'): Promise<Map<number, number>> {
  const tree = new Map<number, number>();
  // none there (no such directory on this machine): nothing to list
  const names = await readdir(procDir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => /^\d+$/.test(n))
      .map(async (n) => {
        const ppid = parentOf(await readFile(join(procDir, n, 'stat'), 'utf8').catch(() => ''));
        if (ppid !== null) tree.set(Number(n), ppid);
      }),
  );
  return tree;
}

/** The parent pid in a /proc/<pid>/stat line: `pid (comm) state ppid …` (comm may hold spaces and parentheses). */
export function parentOf(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const ppid = Number(stat.slice(close + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/** Every process below `root` in the tree (children, their children, …). Pure. */
export function descendantsOf(root: number, tree: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of tree) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The process exists and is not a zombie (a browser that died and was not yet reaped by the agent is gone). */
export async function isRunning(pid: number, procDir = '/proc'): Promise<boolean> {
  const stat = await readFile(join(procDir, String(pid), 'stat'), 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== '' && state !== 'Z' && state !== 'X';
}

/**
 * `--type=gpu-process` as one argument: NUL-separated as the kernel keeps a command line, or
 * space-separated as Chromium's zygote children rewrite theirs (setproctitle).
 */
const GPU_PROCESS = /(?:^|[\0 ])--type=gpu-process(?:[\0 ]|$)/;

/** The GPU processes among the browser's descendants (ascending pids). */
export async function gpuProcessesUnder(browserPid: number, procDir = '/proc'): Promise<number[]> {
  const below = descendantsOf(browserPid, await readProcessTree(procDir));
  const gpu = await Promise.all(
    below.map(async (pid) => (GPU_PROCESS.test(await readFile(join(procDir, String(pid), 'cmdline'), 'utf8').catch(() => '')) ? pid : null)),
  );
  return gpu.filter((pid): pid is number => pid !== null).sort((a, b) => a - b);
}

export interface GpuProcessWatchOptions {
  /** the browser's pid now (null while there is none: restarting, closed) */
  browserPid: () => number | null;
  /** a GPU process the watch saw is gone while the browser lives */
  onGone: (detail: string) => void;
  /** default 2000 */
  checkEveryMs?: number;
  procDir?: string;
  log?: { info(message: string): void };
}

export class GpuProcessWatch extends PeriodicCheck {
  private browser: number | null = null;
  private seen: number[] = [];
  private watched = false;
  private saidNone = false;

  constructor(private readonly o: GpuProcessWatchOptions) {
    super(o.checkEveryMs ?? 2_000);
  }

  /** a GPU process runs under the browser now; null: this browser has shown none (not watched) */
  get up(): boolean | null {
    return this.watched ? this.seen.length > 0 : null;
  }

  /** the GPU processes seen at the last check */
  get pids(): readonly number[] {
    return this.seen;
  }

  /** One look at the browser's process tree. */
  protected async look(): Promise<void> {
    const browser = this.o.browserPid();
    if (browser !== this.browser) {
      // a new browser (or none): its GPU processes are new too; a browser exit is reported by the shell
      this.browser = browser;
      this.seen = [];
      this.watched = false;
      this.saidNone = false;
    }
    if (browser === null) return;
    const now = await gpuProcessesUnder(browser, this.o.procDir);
    // the browser went away while we looked: its exit is the shell's to report, not a GPU crash
    if (browser !== this.o.browserPid() || !(await isRunning(browser, this.o.procDir))) return;
    const gone = this.seen.filter((pid) => !now.includes(pid));
    this.seen = now;
    if (now.length > 0 && !this.watched) {
      this.watched = true;
      this.o.log?.info(`chromium shell: GPU process ${now.join(', ')} under browser ${browser} watched`);
    } else if (!this.watched && !this.saidNone) {
      this.saidNone = true;
      this.o.log?.info(`chromium shell: no GPU process under browser ${browser} (yet): GPU crashes are judged once one appears`);
    }
    if (gone.length > 0) this.o.onGone(`GPU process ${gone.join(', ')} of browser ${browser} is gone; ${now.length > 0 ? `Chromium started ${now.join(', ')}` : 'none runs now'}`);
  }
}
