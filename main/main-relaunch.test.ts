/**
 * main/main.ts against a fake `electron` module, HQ's restart-app: the agent (stopped cleanly) sends
 * `relaunch`, and the shell relaunches the whole app — `app.relaunch()` then quit — instead of
 * restarting the agent itself. (Its own file: main.ts wires one app per module load.)
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lastFakeElectron } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).fakeElectronModule());

const saved = { entry: process.env.ZIZHU_AGENT_ENTRY, args: process.env.ZIZHU_AGENT_ARGS };

describe('main/main.ts relaunch (fake electron)', () => {
  beforeAll(async () => {
    process.env.ZIZHU_AGENT_ENTRY = '/tmp/zizhu-test-agent.mjs';
    process.env.ZIZHU_AGENT_ARGS = '["agent","--shell","parent-port"]';
    await import('./main.ts');
    await new Promise((r) => setImmediate(r)); // app.whenReady() resolved
  });
  afterAll(() => {
    process.env.ZIZHU_AGENT_ENTRY = saved.entry;
    process.env.ZIZHU_AGENT_ARGS = saved.args;
    if (saved.entry === undefined) delete process.env.ZIZHU_AGENT_ENTRY;
    if (saved.args === undefined) delete process.env.ZIZHU_AGENT_ARGS;
  });

  it('relaunches the app when the agent asks, and does not fork a second agent itself', async () => {
    const e = lastFakeElectron!;
    const agent = e.children.at(-1)!;
    agent.spawn();
    agent.send({ type: 'relaunch', reason: 'HQ restart-app (command 1)' });
    await new Promise((r) => setImmediate(r));
    expect(e.app.relaunches).toBe(1);
    expect(e.app.quits).toBe(1);
    e.app.emit('before-quit');
    expect(agent.killed).toBe(true);
    agent.exit(0);
    await new Promise((r) => setTimeout(r, 1100)); // past the supervisor's first restart delay
    expect(e.children).toHaveLength(1);
  });
});
