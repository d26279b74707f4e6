import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { openPtyPair } from './pty.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('PTY pairs on stable link paths', () => {
  it('a socat a killed simulator left on the same link path is ended, and the new pair carries bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zizhu-pty-'));
    const kioskLink = join(dir, 'printer');
    const simLink = join(dir, 'printer.sim');
    // what a SIGKILLed simulator leaves behind: its socat, detached, still holding the paths
    const stale = spawn('socat', ['-d', '-d', `pty,raw,echo=0,ignoreeof,link=${kioskLink}`, `pty,raw,echo=0,link=${simLink}`], { detached: true, stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(kioskLink); i++) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(kioskLink)).toBe(true);
      const exited = new Promise((r) => stale.once('exit', r));
      const pair = await openPtyPair({ kioskLink, simLink });
      await exited;
      expect(alive(stale.pid!)).toBe(false);
      const kiosk = new SerialPort({ path: kioskLink, baudRate: 115200 });
      const sim = new SerialPort({ path: simLink, baudRate: 115200 });
      await Promise.all([new Promise((r) => kiosk.once('open', r)), new Promise((r) => sim.once('open', r))]);
      const got = new Promise<Buffer>((r) => sim.once('data', r));
      kiosk.write(Buffer.from([0x10, 0x04, 0x01]));
      expect([...(await got)]).toEqual([0x10, 0x04, 0x01]);
      await Promise.all([new Promise((r) => kiosk.close(r)), new Promise((r) => sim.close(r))]);
      await pair.close();
    } finally {
      stale.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
