/**
 * main/main.ts against a fake `electron` module: the whole shell wired together — lockdown, keep-awake,
 * window, agent supervision and the messages between them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ShellToAgentSchema } from '../contracts/shell.ts';
import { FakeEvent, lastFakeElectron } from './fake-electron.ts';
import { recoveringPageUrl } from './recovering-page.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).fakeElectronModule());

const RENDERER = 'http://127.0.0.1:5000/?token=t';
const saved = { entry: process.env.ZIZHU_AGENT_ENTRY, args: process.env.ZIZHU_AGENT_ARGS };

describe('main/main.ts (fake electron)', () => {
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

  const e = () => lastFakeElectron!;
  const window = () => e().BrowserWindow.created.at(-1)!;
  const agent = () => e().children.at(-1)!;

  it('removes the menu, keeps the display awake and locks the session down', async () => {
    expect(e().applicationMenu).toBeNull();
    expect(e().blockers).toEqual(['prevent-display-sleep']);
    await expect(e().session.defaultSession.requestPermission('media')).resolves.toBe(false);
    expect(e().app.switches).toContainEqual(['disable-pinch']);
  });

  it('opens one kiosk window over the primary display, showing the recovering page', () => {
    expect(e().BrowserWindow.created).toHaveLength(1);
    expect(window().options).toMatchObject({ kiosk: true, width: 1080, height: 1920 });
    expect(window().webContents.loaded).toEqual([recoveringPageUrl()]);
  });

  it('starts the agent from ZIZHU_AGENT_ENTRY / ZIZHU_AGENT_ARGS and greets it', () => {
    expect(e().children).toHaveLength(1);
    expect(agent().modulePath).toBe('/tmp/zizhu-test-agent.mjs');
    expect(agent().args).toEqual(['agent', '--shell', 'parent-port']);
    agent().spawn();
    expect(agent().posted[0]).toMatchObject({ type: 'shell.ready', shell: 'electron' });
  });

  it('loads what the agent asks, and blocks navigation away from it in any webContents', async () => {
    agent().send({ type: 'load', url: RENDERER });
    await new Promise((r) => setImmediate(r));
    expect(window().webContents.loaded.at(-1)).toBe(RENDERER);
    // a webContents the app creates gets the lockdown, judged against the agent's URL
    const { FakeWebContents } = await import('./fake-electron.ts');
    const contents = new FakeWebContents();
    e().app.emit('web-contents-created', new FakeEvent(), contents);
    const away = new FakeEvent('https://example.com/');
    contents.emit('will-navigate', away, away.url);
    const within = new FakeEvent('http://127.0.0.1:5000/next');
    contents.emit('will-navigate', within, within.url);
    expect([away.defaultPrevented, within.defaultPrevented]).toEqual([true, false]);
  });

  it('forwards renderer and GPU problems to the agent', () => {
    agent().posted.length = 0;
    window().webContents.emit('render-process-gone', new FakeEvent(), { reason: 'crashed', exitCode: 11 });
    e().app.emit('child-process-gone', new FakeEvent(), { type: 'GPU', reason: 'crashed', exitCode: 133 });
    expect(agent().posted.map((m) => (m as { problem?: string }).problem)).toEqual(['render-process-gone', 'gpu-process-gone']);
    for (const m of agent().posted) expect(ShellToAgentSchema.safeParse(m).success).toBe(true);
  });

  it('shows the recovering page when the agent dies', () => {
    agent().exit(1);
    expect(window().webContents.loaded.at(-1)).toBe(recoveringPageUrl());
  });

  it('quits the app when the agent says quit', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // the restart after 1 s
    expect(e().children).toHaveLength(2);
    agent().send({ type: 'quit', reason: 'test over' });
    await new Promise((r) => setImmediate(r));
    expect(e().app.quits).toBe(1);
    e().app.emit('before-quit');
    expect(agent().killed).toBe(true);
  });
});
