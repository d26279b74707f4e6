import { ShellToAgentSchema } from '../contracts/shell.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { agentMessageRouter, type ShownWindow } from './agent-messages.ts';
import { AgentSupervisor, agentArgs, agentEntry, nextRestartDelay, type AgentSupervisorOptions, type ForkAgent } from './agent-supervisor.ts';
import { fakeFork, memoryLog } from './fake-electron.ts';
import { KioskWindow, type BrowserWindowConstructor } from './window.ts';
import { FakeBrowserWindow, FakeEvent } from './fake-electron.ts';

describe('agent command line', () => {
  it('defaults to the kiosk agent with the parent-port shell', () => {
    expect(agentArgs({})).toEqual(['agent', '--config', '/etc/zizhu/kiosk.json', '--shell', 'parent-port']);
    expect(agentArgs({ ZIZHU_CONFIG: '/srv/k.json' })).toEqual(['agent', '--config', '/srv/k.json', '--shell', 'parent-port']);
  });
  it('takes ZIZHU_AGENT_ARGS as a JSON array of strings', () => {
    expect(agentArgs({ ZIZHU_AGENT_ARGS: '["start","--sim"]' })).toEqual(['start', '--sim']);
    expect(agentArgs({ ZIZHU_AGENT_ARGS: '[]' })).toEqual([]);
  });
  it('says what is wrong with a bad ZIZHU_AGENT_ARGS', () => {
    expect(() => agentArgs({ ZIZHU_AGENT_ARGS: 'agent --config x' })).toThrow(/ZIZHU_AGENT_ARGS is not JSON/);
    expect(() => agentArgs({ ZIZHU_AGENT_ARGS: '{"a":1}' })).toThrow(/array of strings/);
    expect(() => agentArgs({ ZIZHU_AGENT_ARGS: '["a",1]' })).toThrow(/array of strings/);
  });
  it('runs bin/zizhu.mjs of the app unless ZIZHU_AGENT_ENTRY says otherwise', () => {
    expect(agentEntry('/opt/app', {})).toBe('/opt/app/bin/zizhu.mjs');
    expect(agentEntry('/opt/app', { ZIZHU_AGENT_ENTRY: '/tmp/a.mjs' })).toBe('/tmp/a.mjs');
  });
});

describe('nextRestartDelay', () => {
  it('doubles from 1 s to 60 s, and starts over after 5 minutes up', () => {
    const seq: number[] = [];
    let d: number | undefined;
    for (let i = 0; i < 9; i++) seq.push((d = nextRestartDelay(d, 100)));
    expect(seq).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(nextRestartDelay(60_000, 5 * 60_000)).toBe(1000);
    expect(nextRestartDelay(60_000, 5 * 60_000 - 1)).toBe(60_000);
  });
});

describe('AgentSupervisor (fake utilityProcess.fork)', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  function supervised(overrides: Partial<AgentSupervisorOptions> = {}) {
    const { fork, children } = fakeFork();
    const log = memoryLog();
    const onMessage = vi.fn<AgentSupervisorOptions['onMessage']>(() => undefined);
    const onAgentDown = vi.fn();
    const sup = new AgentSupervisor({
      fork: fork as unknown as ForkAgent,
      modulePath: '/app/bin/zizhu.mjs',
      args: ['agent', '--shell', 'parent-port'],
      shellVersion: '41.7.1',
      log,
      onMessage,
      onAgentDown,
      ...overrides,
    });
    return { sup, children, log, onMessage, onAgentDown };
  }

  it('forks the agent as a utility process and greets each new one with shell.ready', () => {
    const { sup, children } = supervised();
    sup.start();
    expect(children).toHaveLength(1);
    const child = children[0]!;
    expect(child.modulePath).toBe('/app/bin/zizhu.mjs');
    expect(child.args).toEqual(['agent', '--shell', 'parent-port']);
    expect(child.options.serviceName).toBe('zizhu-agent');
    expect(['pipe', 'inherit']).toContain(child.options.stdio);
    child.spawn();
    expect(child.posted).toEqual([{ type: 'shell.ready', shell: 'electron', version: '41.7.1' }]);
  });

  it('restarts an agent that exits, with backoff 1 s doubling to 60 s', () => {
    const { sup, children, onAgentDown } = supervised();
    sup.start();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const child = children.at(-1)!;
      child.spawn();
      child.exit(1);
      const scheduled = sup.pendingRestartDelayMs!;
      delays.push(scheduled);
      vi.advanceTimersByTime(scheduled - 1);
      expect(children).toHaveLength(i + 1); // not yet
      vi.advanceTimersByTime(1);
      expect(children).toHaveLength(i + 2);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(onAgentDown).toHaveBeenCalledTimes(8);
    expect(sup.restartCount).toBe(8);
  });

  it('goes back to 1 s after an agent stayed up 5 minutes', () => {
    const { sup, children } = supervised();
    sup.start();
    for (let i = 0; i < 3; i++) {
      children.at(-1)!.exit(1);
      vi.advanceTimersByTime(sup.pendingRestartDelayMs!);
    }
    children.at(-1)!.exit(1);
    expect(sup.pendingRestartDelayMs).toBe(8000);
    vi.advanceTimersByTime(8000);
    vi.advanceTimersByTime(5 * 60_000);
    children.at(-1)!.exit(1);
    expect(sup.pendingRestartDelayMs).toBe(1000);
  });

  it('an agent that refuses to start (exit 2: bad config, data directory held by another agent) is retried at the longest delay, and the log says why', () => {
    const { sup, children, log } = supervised();
    sup.start();
    children[0]!.spawn();
    children[0]!.exit(2);
    expect(sup.pendingRestartDelayMs).toBe(60_000);
    expect(log.lines.join('\n')).toMatch(/refused to start \(exit 2: a bad config, or another agent already runs on this data directory/);
    vi.advanceTimersByTime(60_000);
    expect(children).toHaveLength(2);
  });

  it('tells a restarted agent how its predecessor ended', () => {
    const { sup, children } = supervised();
    sup.start();
    children[0]!.spawn();
    vi.advanceTimersByTime(3000);
    children[0]!.exit(134);
    vi.advanceTimersByTime(1000);
    const second = children[1]!;
    second.spawn();
    expect(second.posted[0]).toMatchObject({ type: 'shell.ready' });
    expect(second.posted[1]).toMatchObject({ type: 'shell.problem', problem: 'agent-restarted' });
    expect((second.posted[1] as { detail: string }).detail).toMatch(/exited with code 134 after 3 s/);
    for (const m of second.posted) expect(ShellToAgentSchema.safeParse(m).success).toBe(true);
  });

  it('restarts when fork itself throws', () => {
    let calls = 0;
    const { fork, children } = fakeFork();
    const { sup } = supervised({
      fork: ((...a: Parameters<typeof fork>) => {
        if (calls++ === 0) throw new Error('ENOENT bin/zizhu.mjs');
        return fork(...a);
      }) as unknown as ForkAgent,
    });
    sup.start();
    expect(sup.running).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(children).toHaveLength(1);
    expect(sup.running).toBe(true);
  });

  it('drops an unreadable message from the agent and logs it', async () => {
    const { sup, children, onMessage, log } = supervised();
    sup.start();
    const child = children[0]!;
    child.send({ type: 'load', url: 'not a url' });
    child.send({ type: 'format-disk' });
    child.send('hello');
    await vi.advanceTimersByTimeAsync(0);
    expect(onMessage).not.toHaveBeenCalled();
    expect(log.lines.filter((l) => l.startsWith('warn dropped an unreadable message'))).toHaveLength(3);
    child.send({ type: 'reload', reason: 'test' });
    await vi.advanceTimersByTimeAsync(0);
    expect(onMessage).toHaveBeenCalledWith({ type: 'reload', reason: 'test' });
  });

  it('after quit, an exiting agent is not restarted', async () => {
    const quit = vi.fn();
    const window: ShownWindow = { load: vi.fn(), reload: vi.fn(), captureFrame: vi.fn() };
    const { sup, children } = supervised({ onMessage: agentMessageRouter({ window, quit, relaunch: vi.fn() }) });
    sup.start();
    children[0]!.send({ type: 'quit', reason: 'maintenance shutdown' });
    await vi.advanceTimersByTimeAsync(0);
    expect(quit).toHaveBeenCalledWith('maintenance shutdown');
    children[0]!.exit(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(children).toHaveLength(1);
  });

  it('relaunch (HQ restart-app): the app is relaunched and the supervisor does not restart the agent itself', async () => {
    const quit = vi.fn();
    const relaunch = vi.fn();
    const window: ShownWindow = { load: vi.fn(), reload: vi.fn(), captureFrame: vi.fn() };
    const { sup, children } = supervised({ onMessage: agentMessageRouter({ window, quit, relaunch }) });
    sup.start();
    children[0]!.send({ type: 'relaunch', reason: 'HQ restart-app' });
    await vi.advanceTimersByTimeAsync(0);
    expect(relaunch).toHaveBeenCalledWith('HQ restart-app');
    expect(quit).not.toHaveBeenCalled();
    children[0]!.exit(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(children).toHaveLength(1);
  });

  it('stop() kills the agent and never restarts it', () => {
    const { sup, children } = supervised();
    sup.start();
    sup.stop();
    expect(children[0]!.killed).toBe(true);
    children[0]!.exit(0);
    vi.advanceTimersByTime(120_000);
    expect(children).toHaveLength(1);
    sup.start();
    expect(children).toHaveLength(1);
  });
});

describe('agent messages → window (router through the supervisor)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function wired(window: ShownWindow) {
    const { fork, children } = fakeFork();
    const sup = new AgentSupervisor({
      fork: fork as unknown as ForkAgent,
      modulePath: '/app/bin/zizhu.mjs',
      args: [],
      shellVersion: '41.7.1',
      log: memoryLog(),
      onMessage: agentMessageRouter({ window, quit: vi.fn(), relaunch: vi.fn() }),
    });
    sup.start();
    const child = children[0]!;
    child.spawn();
    child.posted.length = 0;
    return { sup, child };
  }

  it('capture-frame → capturePage → frame with the PNG in base64', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000438', 'hex');
    const window: ShownWindow = { load: vi.fn(), reload: vi.fn(), captureFrame: vi.fn(async () => png) };
    const { child } = wired(window);
    child.send({ type: 'capture-frame', requestId: 'req-7' });
    await vi.advanceTimersByTimeAsync(0);
    expect(child.posted).toEqual([{ type: 'frame', requestId: 'req-7', png: png.toString('base64') }]);
    expect(window.captureFrame).toHaveBeenLastCalledWith({});
    // issue 11: the watchdog's corner, half size
    child.send({ type: 'capture-frame', requestId: 'req-9', clip: { x: 0, y: 0, width: 184, height: 4 }, scale: 0.5 });
    await vi.advanceTimersByTimeAsync(0);
    expect(window.captureFrame).toHaveBeenLastCalledWith({ clip: { x: 0, y: 0, width: 184, height: 4 }, scale: 0.5 });
  });

  it('capture-frame that fails → frame with the reason', async () => {
    const window: ShownWindow = { load: vi.fn(), reload: vi.fn(), captureFrame: vi.fn(async () => Promise.reject(new Error('the renderer is gone (crashed)'))) };
    const { child } = wired(window);
    child.send({ type: 'capture-frame', requestId: 'req-8' });
    await vi.advanceTimersByTimeAsync(0);
    expect(child.posted).toEqual([{ type: 'frame', requestId: 'req-8', error: 'the renderer is gone (crashed)' }]);
  });

  it('load and reload reach the window', async () => {
    const window: ShownWindow = { load: vi.fn(), reload: vi.fn(), captureFrame: vi.fn() };
    const { child } = wired(window);
    child.send({ type: 'load', url: 'http://127.0.0.1:5000/?token=t' });
    child.send({ type: 'reload', reason: 'watchdog: black frame' });
    await vi.advanceTimersByTimeAsync(0);
    expect(window.load).toHaveBeenCalledWith('http://127.0.0.1:5000/?token=t');
    expect(window.reload).toHaveBeenCalledWith(expect.stringContaining('watchdog: black frame'));
  });

  it('window problems reach the agent as valid shell.problem messages', () => {
    const win = new KioskWindow({ BrowserWindow: FakeBrowserWindow as unknown as BrowserWindowConstructor, production: true, log: memoryLog(), now: () => 7 });
    const { sup, child } = wired(win);
    win.on('problem', (report) => sup.send({ type: 'shell.problem', ...report }));
    const contents = FakeBrowserWindow.created.at(-1)!.webContents;
    contents.emit('render-process-gone', new FakeEvent(), { reason: 'crashed', exitCode: 11 });
    contents.emit('unresponsive');
    expect(child.posted).toEqual([
      { type: 'shell.problem', problem: 'render-process-gone', detail: 'crashed (exit code 11)', at: 7 },
      { type: 'shell.problem', problem: 'unresponsive', detail: 'the renderer stopped answering', at: 7 },
    ]);
    win.close();
  });

  it('does not send a message the agent would reject', () => {
    const window: ShownWindow = { load: vi.fn(), reload: vi.fn(), captureFrame: vi.fn() };
    const { sup, child } = wired(window);
    expect(sup.send({ type: 'frame', requestId: '' })).toBe(false);
    expect(child.posted).toEqual([]);
  });
});
