/**
 * `zizhu start` as a person runs it, for the integration tests: its own temp dir (data, simulator),
 * `--shell none`, output collected; `stop()` sends SIGTERM, waits, and says which processes that named
 * the dir (or another marker) are still running — there should be none.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from './until.ts';

const BIN = resolve(import.meta.dirname, '../bin/zizhu.mjs');

/** pids of processes whose command line mentions `marker` */
export const processesOf = (marker: string): number[] =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes('ps -eo'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));

export interface StartedZizhu {
  dir: string;
  out(): string;
  stop(alsoMarked?: string): Promise<number[]>;
}

/** `zizhu start --shell none --data-dir <tmp>/data ARGS`, until its output matches `ready`. */
export async function startZizhu(args: string[], ready: RegExp | string = 'Ctrl-C stops.'): Promise<StartedZizhu> {
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-start-'));
  const child = spawn(process.execPath, [BIN, 'start', '--shell', 'none', '--data-dir', join(dir, 'data'), ...args], {
    cwd: dir,
    env: { ...process.env, ZIZHU_SIM_DIR: join(dir, 'sim') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async (alsoMarked?: string) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    const left = [...processesOf(dir), ...(alsoMarked ? processesOf(alsoMarked) : [])];
    await rm(dir, { recursive: true, force: true });
    return left;
  };
  try {
    await until('zizhu start is up', () => {
      if (child.exitCode !== null) throw new Error(`zizhu start exited (${child.exitCode}):\n${out}`);
      return typeof ready === 'string' ? out.includes(ready) : ready.test(out);
    }, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, out: () => out, stop };
}
