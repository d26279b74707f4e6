import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ZIZHU = resolve(import.meta.dirname, '../../bin/zizhu.mjs');
const run = promisify(execFile);

/** Runs `zizhu ARGS` as a newcomer would and returns its exit code and output. */
async function zizhu(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ZIZHU, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('zizhu sim and zizhu doctor as commands', () => {
  let sim: ChildProcess;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let banner = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-sim-cli-'));
    env = { ...process.env, ZIZHU_SIM_DIR: dir };
    sim = spawn(process.execPath, [ZIZHU, 'sim', '--control-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolveReady, reject) => {
      const t = setTimeout(() => reject(new Error(`simulator did not start: ${banner}`)), 15_000);
      sim.stdout!.on('data', (d: Buffer) => {
        banner += d.toString();
        if (banner.includes('Ctrl-C stops')) {
          clearTimeout(t);
          resolveReady();
        }
      });
      sim.stderr!.on('data', (d: Buffer) => (banner += d.toString()));
      sim.once('exit', (code) => reject(new Error(`simulator exited ${code}: ${banner}`)));
    });
  });

  afterAll(async () => {
    if (sim && sim.exitCode === null) {
      const exited = new Promise((r) => sim.once('exit', r));
      sim.kill('SIGINT');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('prints where each device and the control panel are', () => {
    expect(banner).toContain(join(dir, 'id-reader'));
    expect(banner).toContain(join(dir, 'printer'));
    expect(banner).toContain(join(dir, 'scanner'));
    expect(banner).toMatch(/control panel\s+http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('doctor passes, then fails with exit 1 after a fault is injected, then passes again', async () => {
    let r = await zizhu(env, 'doctor');
    expect(r.stdout).toContain('all devices ok');
    expect(r.code).toBe(0);

    r = await zizhu(env, 'sim', 'printer', 'cover-open');
    expect(r).toMatchObject({ code: 0, stdout: 'printer cover-open: ok\n' });

    r = await zizhu(env, 'doctor', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; devices: { device: string; faults: string[] }[] };
    expect(report.ok).toBe(false);
    expect(report.devices.find((d) => d.device === 'printer')?.faults).toEqual(['PRINTER_COVER_OPEN']);

    await zizhu(env, 'sim', 'printer', 'cover-close');
    r = await zizhu(env, 'doctor');
    expect(r.code).toBe(0);
  });

  it('explains bad fault-injection input and exits 2', async () => {
    let r = await zizhu(env, 'sim', 'printer', 'paper-out', 'afterMm=lots');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/afterMm/);
    r = await zizhu(env, 'sim', 'toaster', 'on');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown device "toaster"');
    r = await zizhu(env, 'sim', 'printer', 'explode');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown action "explode"');
  });
});

describe('zizhu doctor without a simulator or config', () => {
  it('says how to start one and exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zizhu-nosim-'));
    const r = await zizhu({ ...process.env, ZIZHU_SIM_DIR: dir }, 'doctor');
    await rm(dir, { recursive: true, force: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('zizhu sim');
  });
});
