/**
 * `zizhu start --at`: the simulated kiosk and its back offices live at a chosen instant, so the
 * hospital machine's night lockout can be seen by day and its day by night — and this test sees the
 * same hours whenever the suite runs.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { parseInstant } from '../../runtime/cli/start.ts';

const BIN = resolve(import.meta.dirname, '../../bin/zizhu.mjs');

interface FirstScreen {
  type: string;
  at: number;
  kiosk: { status: string; hours: { open: boolean; opensAt: number | null } };
}

/** Runs `zizhu start --shell none --kiosk hospital-lobby --at AT`, returns its first screen message, stops it. */
async function firstScreenAt(at: string): Promise<FirstScreen> {
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-start-at-'));
  const child = spawn(process.execPath, [BIN, 'start', '--shell', 'none', '--kiosk', 'hospital-lobby', '--at', at, '--data-dir', join(dir, 'data')], {
    cwd: dir,
    env: { ...process.env, ZIZHU_SIM_DIR: join(dir, 'sim') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const deadline = Date.now() + 40_000;
    let url: string | undefined;
    while (!url) {
      url = /open in a browser: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)?.[1];
      if (child.exitCode !== null) throw new Error(`zizhu start exited (${child.exitCode}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`no screen URL:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const u = new URL(url);
    const ws = new WebSocket(`ws://${u.host}/bridge?token=${u.searchParams.get('token')}`, { headers: { origin: u.origin } });
    const first = await new Promise<FirstScreen>((res, rej) => {
      ws.once('message', (d) => res(JSON.parse(d.toString()) as FirstScreen));
      ws.once('error', rej);
    });
    ws.close();
    return first;
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

describe('zizhu start --at', () => {
  it('21:40 in Shanghai: the hospital machine (07:00–20:00) is closed and opens tomorrow at 07:00', async () => {
    const s = await firstScreenAt('2026-06-10T21:40+08:00');
    expect(s.type).toBe('screen');
    expect(s.kiosk.status).toBe('outOfHours');
    expect(s.kiosk.hours.opensAt).toBe(Date.parse('2026-06-11T07:00:00+08:00'));
  }, 60_000);

  it('12:00 in Shanghai: the same machine is open', async () => {
    const s = await firstScreenAt('2026-06-10T12:00+08:00');
    expect(s.kiosk.status).not.toBe('outOfHours');
    expect(s.kiosk.hours.open).toBe(true);
  }, 60_000);

  it('takes only ISO 8601 times that name their offset', () => {
    expect(parseInstant('2026-12-03T21:40+08:00')).toBe(Date.parse('2026-12-03T13:40:00Z'));
    expect(parseInstant('2026-12-03T13:40:00.000Z')).toBe(Date.parse('2026-12-03T13:40:00Z'));
    for (const bad of ['2026-12-03T21:40', '21:40', 'tomorrow', '2026-13-45T99:99+08:00']) expect(parseInstant(bad)).toBeNull();
  });
});
