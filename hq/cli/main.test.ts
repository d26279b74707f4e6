import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openHqDb } from '../server/db/open.ts';
import { kioskSecret } from '../server/kiosks/enroll.ts';
import { memoryLog } from '../server/log.ts';
import { hqMain, type HqCliIo } from './main.ts';
import { serveCommand } from './serve.ts';

const ZIZHU = fileURLToPath(new URL('../../bin/zizhu.mjs', import.meta.url));

const capture = (): HqCliIo & { stdout: string[]; stderr: string[] } => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
};

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const tmp = () => (dir = mkdtempSync(join(tmpdir(), 'zizhu-hq-cli-')));

describe('zizhu hq enroll', () => {
  it('prints a line about the kiosk, then the secret alone on the last line; refuses a second enroll without --rotate', async () => {
    const db = `sqlite:${join(tmp(), 'hq.sqlite')}`;
    const io = capture();
    expect(await hqMain(['enroll', '--kiosk', 'K-CLI', '--db', db, '--site', '市民之家', '--district', '江岸区', '--lat', '30.6', '--lng', '114.3'], io)).toBe(0);
    expect(io.stdout).toHaveLength(2);
    expect(io.stdout[0]).toBe('kiosk K-CLI enrolled (市民之家, 江岸区); its secret, not shown again:');
    const secret = io.stdout.at(-1)!;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect((statSync(join(dir, 'hq.sqlite.key')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(dir, 'hq.sqlite')).mode & 0o777).toString(8)).toBe('600');

    const again = capture();
    expect(await hqMain(['enroll', '--kiosk', 'K-CLI', '--db', db], again)).toBe(2);
    expect(again.stderr).toEqual(['zizhu hq enroll: kiosk K-CLI is already enrolled: add --rotate to give it a new secret']);

    const rotated = capture();
    expect(await hqMain(['enroll', '--kiosk', 'K-CLI', '--db', db, '--rotate'], rotated)).toBe(0);
    expect(rotated.stdout.at(-1)).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.stdout.at(-1)).not.toBe(secret);
    const opened = await openHqDb(db);
    try {
      expect((await kioskSecret(opened, 'K-CLI'))!.secret).toBe(rotated.stdout.at(-1));
    } finally {
      await opened.destroy();
    }
  });

  it.each([
    [['enroll'], /--kiosk ID is required/],
    [['enroll', '--kiosk', 'K', '--lat', 'north'], /--lat must be a number, not "north"/],
    [['enroll', '--kiosk', 'K', '--colour', 'red'], /Unknown option '--colour'/],
    [['enroll', '--kiosk', 'has space'], /^zizhu hq enroll: id: /],
    [['enroll', '--kiosk', 'K', '--db', 'mysql://x'], /--db: unsupported database URL/],
    [['--port', 'eighty'], /--port must be a number/],
    [['--port', '70000'], /--port must be a number/],
    [['--verbose'], /Unknown option '--verbose'/],
    [['launch'], /unknown command "launch"/],
    [['--db', 'postgres://x', '--port', '0'], /--db: unsupported database URL/],
  ])('bad input %j: one line, exit 2', async (args, message) => {
    tmp();
    const io = capture();
    const withDb = args[0] === 'enroll' && !args.includes('--db') ? [...args, '--db', `sqlite:${join(dir, 'hq.sqlite')}`] : args;
    expect(await hqMain(withDb, io)).toBe(2);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(message);
    expect(io.stdout).toEqual([]);
  });
});

describe('zizhu hq (serve)', () => {
  it('prints exactly one line when ready and closes when stopped', async () => {
    const db = `sqlite:${join(tmp(), 'sub', 'hq.sqlite')}`;
    const io = capture();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const log = memoryLog();
    const running = serveCommand(['--port', '0', '--db', db], io, { stop: stopped, log });
    await expect.poll(() => io.stdout.length, { timeout: 10_000, interval: 20 }).toBe(1);
    const url = io.stdout[0]!.match(/^HQ listening on (http:\/\/127\.0\.0\.1:\d+)$/)![1]!;
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect((statSync(join(dir, 'sub')).mode & 0o777).toString(8)).toBe('700');
    stop();
    expect(await running).toBe(0);
    expect(io.stdout).toHaveLength(1);
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
    expect(log.lines.at(-1)).toBe('info stopping (stop)');
  });

  it('through bin/zizhu.mjs: one stdout line, SIGTERM ends it with exit 0', async () => {
    const db = `sqlite:${join(tmp(), 'hq.sqlite')}`;
    const child = spawn(process.execPath, [ZIZHU, 'hq', '--port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await expect.poll(() => out, { timeout: 15_000, interval: 50 }).toMatch(/^HQ listening on http:\/\/127\.0\.0\.1:\d+\n$/);
      const url = out.trim().split(' ').at(-1)!;
      expect((await fetch(`${url}/api/v1/kiosks`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    expect(err).toContain('stopping (signal)');
  });
});
