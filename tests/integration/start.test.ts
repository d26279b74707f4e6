/**
 * The README's first command as a newcomer runs it: `zizhu start --headless` brings up the hardware
 * simulator, the back-office simulators, the agent and Chromium showing the renderer; prints where
 * everything is; Ctrl-C (SIGTERM) stops it all cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';

const BIN = resolve(import.meta.dirname, '../../bin/zizhu.mjs');

describe('zizhu start --headless', () => {
  let dir: string;
  let child: ChildProcess;
  let out = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-start-'));
    child = spawn(process.execPath, [BIN, 'start', '--headless', '--kiosk', 'hospital-lobby', '--always-open', '--data-dir', join(dir, 'data')], {
      cwd: dir,
      env: { ...process.env, ZIZHU_SIM_DIR: join(dir, 'sim') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  });
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const waitFor = async (re: RegExp, timeoutMs = 40_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = out.match(re);
      if (m) return m;
      if (child.exitCode !== null) throw new Error(`zizhu start exited (${child.exitCode}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('prints the simulator panel, the back offices, the staff PIN and the screen URL; Chromium paints the home screen', async () => {
    const url = (await waitFor(/open in a browser: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/))[1]!;
    expect(out).toMatch(/simulator panel +http:\/\/127\.0\.0\.1:\d+\//);
    expect(out).toMatch(/back offices +provident fund http/);
    expect(out).toMatch(/staff PIN +\d{6}/);
    expect(out).toContain('Chromium (headless)');
    await waitFor(/first screen \(home\) painted \d+ ms/);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const u = new URL(url);
    const ws = new WebSocket(`ws://${u.host}/bridge?token=${u.searchParams.get('token')}`);
    const first = await new Promise<{ type: string; kiosk: { status: string; services: { service: string; reasons: { code: string }[] }[] } }>((res, rej) => {
      ws.once('message', (d) => res(JSON.parse(d.toString())));
      ws.once('error', rej);
    });
    ws.close();
    expect(first.type).toBe('screen');
    expect(first.kiosk.services.map((s) => s.service)).toEqual(['hospitalRegistration']);
    // --always-open: the hospital machine is open whatever the time of day
    expect(first.kiosk.status).not.toBe('outOfHours');
    expect(first.kiosk.services[0]!.reasons.map((r) => r.code)).not.toContain('SERVICE_CLOSED');
  }, 60_000);

  it('stops everything on SIGTERM and says so', async () => {
    const code = await new Promise<number | null>((res) => {
      child.once('exit', (c) => res(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(out).toContain('zizhu start: stopped');
  }, 30_000);
});
