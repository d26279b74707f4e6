/**
 * The one-agent lock between real processes: a holder in a child process, refused here; the kernel
 * frees it when the holder is SIGKILLed; a child of the holder (Electron's agent under zizhu start)
 * shares it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgentAlreadyRunningError, probeAgentLock, readAgentHolder, takeAgentLock } from './agent-lock.ts';

const MODULE = pathToFileURL(join(import.meta.dirname, 'agent-lock.ts')).href;

/** A process that takes the lock on `dir` and keeps it; with `child`, it then starts a child that takes it too. */
const HOLDER = `
import { spawn } from 'node:child_process';
const { takeAgentLock } = await import(process.env.LOCK_MODULE);
takeAgentLock(process.env.LOCK_DIR, { command: 'test holder' });
console.log('held');
if (process.env.LOCK_CHILD) {
  const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', process.env.LOCK_CHILD_CODE], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, LOCK_CHILD: '' } });
  console.log('child ' + c.pid);
}
setInterval(() => {}, 60_000);
`;
const CHILD = `
const { takeAgentLock } = await import(process.env.LOCK_MODULE);
try {
  const lock = takeAgentLock(process.env.LOCK_DIR, { command: 'test child' });
  lock.recordStatus({ url: 'http://127.0.0.1:1/status', token: 't' });
  console.log('shared');
} catch (e) { console.log('refused ' + e.message); }
setInterval(() => {}, 60_000);
`;

describe('the one-agent lock (agent.lock)', () => {
  let dir: string;
  const started: ChildProcess[] = [];
  let out = '';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-lock-'));
    out = '';
  });
  afterEach(async () => {
    for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const childPid = /child (\d+)/.exec(out)?.[1];
    if (childPid) try { process.kill(Number(childPid), 'SIGKILL'); } catch { /* gone */ }
    await rm(dir, { recursive: true, force: true });
  });

  const holder = async (withChild = false, waitFor = 'held'): Promise<ChildProcess> => {
    const env = { ...process.env, LOCK_MODULE: MODULE, LOCK_DIR: dir, LOCK_CHILD: withChild ? '1' : '', LOCK_CHILD_CODE: CHILD };
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', HOLDER], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(c);
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 15_000;
    while (!out.includes(waitFor)) {
      if (c.exitCode !== null || Date.now() > deadline) throw new Error(`the holder did not print "${waitFor}": ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return c;
  };

  it('refuses another process, naming the holder’s pid; a probe sees it held without taking it', async () => {
    const h = await holder();
    let refused: unknown;
    try {
      takeAgentLock(dir, { command: 'zizhu agent' });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(AgentAlreadyRunningError);
    expect((refused as Error).message).toContain(`pid ${h.pid}, test holder since`);
    expect((refused as Error).message).toContain(`kill ${h.pid}`);
    expect(probeAgentLock(dir)).toMatchObject({ state: 'held', holder: { pid: h.pid, command: 'test holder' } });
  }, 30_000);

  it('is freed by the kernel when the holder is SIGKILLed; then re-entrant within one process', async () => {
    const h = await holder();
    await new Promise((r) => {
      h.once('exit', r);
      h.kill('SIGKILL');
    });
    expect(probeAgentLock(dir)).toEqual({ state: 'free' });
    const first = takeAgentLock(dir, { command: 'zizhu start' });
    const again = takeAgentLock(dir, { command: 'the kiosk agent' });
    expect(readAgentHolder(dir)).toMatchObject({ pid: process.pid, command: 'zizhu start' });
    again.release();
    expect(probeAgentLock(dir)).toMatchObject({ state: 'held' });
    first.release();
    expect(readAgentHolder(dir)).toBeUndefined();
    expect(probeAgentLock(dir)).toEqual({ state: 'free' });
  }, 30_000);

  it('is shared with a child of the holder (zizhu start → Electron → agent), which records its status endpoint', async () => {
    const h = await holder(true, 'shared');
    const childPid = Number(/child (\d+)/.exec(out)![1]);
    expect(out).not.toContain('refused');
    expect(readAgentHolder(dir)).toEqual(expect.objectContaining({ pid: h.pid, agentPid: childPid, status: { url: 'http://127.0.0.1:1/status', token: 't' } }));
    expect(() => takeAgentLock(dir, { command: 'zizhu agent' })).toThrow(AgentAlreadyRunningError);
  }, 30_000);
});
