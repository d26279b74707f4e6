import { EventEmitter } from 'node:events';
import type { App } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBrowserWindow, FakeEvent, FakeImage, memoryLog } from './fake-electron.ts';
import { recoveringPageHtml, recoveringPageUrl } from './recovering-page.ts';
import { KioskWindow, kioskWindowOptions, redactUrl, watchGpuProcess, type BrowserWindowConstructor, type ShellProblemReport } from './window.ts';

const RENDERER = 'http://127.0.0.1:5000/?token=secret-boot-token';

function kiosk(production = true) {
  const log = memoryLog();
  const win = new KioskWindow({ BrowserWindow: FakeBrowserWindow as unknown as BrowserWindowConstructor, production, bounds: { x: 0, y: 0, width: 1080, height: 1920 }, log, now: () => 42 });
  const fake = FakeBrowserWindow.created.at(-1)!;
  const problems: ShellProblemReport[] = [];
  win.on('problem', (p) => problems.push(p));
  return { win, fake, contents: fake.webContents, problems, log };
}

/** relative luminance 0..1 of a #RRGGBB colour */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

describe('kiosk window options', () => {
  it('is a locked-down full-screen kiosk window', () => {
    const o = kioskWindowOptions({ production: true, bounds: { x: 0, y: 0, width: 1080, height: 1920 } });
    expect(o).toMatchObject({ kiosk: true, fullscreen: true, frame: false, show: false, width: 1080, height: 1920 });
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
      devTools: false,
      disableBlinkFeatures: 'Auxclick',
    });
    expect(o.webPreferences?.preload).toBeUndefined();
  });
  it('allows devtools only outside production', () => {
    expect(kioskWindowOptions({ production: false }).webPreferences?.devTools).toBe(true);
  });
  it('has a light background: a black window looks like the failure we hunt', () => {
    const bg = kioskWindowOptions({ production: true }).backgroundColor!;
    expect(bg).toMatch(/^#[0-9a-f]{6}$/i);
    expect(luminance(bg)).toBeGreaterThan(0.5);
  });
});

describe('KioskWindow (fake BrowserWindow)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('creates the window with those options, no menu, shown only on ready-to-show', () => {
    const { fake } = kiosk();
    expect(fake.options.webPreferences?.sandbox).toBe(true);
    expect(fake.menuRemoved).toBe(true);
    expect(fake.shown).toBe(false);
    fake.emit('ready-to-show');
    expect(fake.shown).toBe(true);
  });

  it('shows the recovering page, then the agent URL', () => {
    const { win, contents } = kiosk();
    win.showRecovering();
    expect(contents.loaded).toEqual([recoveringPageUrl()]);
    expect(win.rendererUrl()).toBeUndefined();
    win.load(RENDERER);
    expect(contents.loaded.at(-1)).toBe(RENDERER);
    expect(win.rendererUrl()).toBe(RENDERER);
  });

  it('renderer gone: reports reason and exit code, loads the renderer URL again after 1 s', () => {
    const { win, contents, problems } = kiosk();
    win.load(RENDERER);
    contents.emit('render-process-gone', new FakeEvent(), { reason: 'oom', exitCode: 9 });
    expect(problems).toEqual([{ problem: 'render-process-gone', detail: 'oom (exit code 9)', at: 42 }]);
    const before = contents.loaded.length;
    vi.advanceTimersByTime(999);
    expect(contents.loaded.length).toBe(before);
    vi.advanceTimersByTime(1);
    expect(contents.loaded.slice(before)).toEqual([RENDERER]);
  });

  it('unresponsive then responsive within 10 s: reported, no reload', () => {
    const { win, contents, problems } = kiosk();
    win.load(RENDERER);
    contents.emit('unresponsive');
    vi.advanceTimersByTime(9000);
    contents.emit('responsive');
    vi.advanceTimersByTime(30_000);
    expect(problems.map((p) => p.problem)).toEqual(['unresponsive', 'responsive']);
    expect(contents.forcedCrashes).toBe(0);
    expect(contents.loaded).toEqual([RENDERER]);
  });

  it('unresponsive for 10 s: tells the agent, kills the renderer and loads it once', () => {
    const { win, contents, problems } = kiosk();
    win.load(RENDERER);
    contents.emit('unresponsive');
    contents.emit('unresponsive'); // repeated while hung: one timer
    vi.advanceTimersByTime(10_000);
    expect(contents.forcedCrashes).toBe(1);
    expect(contents.loaded).toEqual([RENDERER, RENDERER]);
    expect(problems.map((p) => p.problem)).toEqual(['unresponsive', 'unresponsive']);
    expect(problems[1]!.detail).toMatch(/10 s/);
    // the kill shows up as render-process-gone: reported, but not a second reload
    contents.emit('render-process-gone', new FakeEvent(), { reason: 'killed', exitCode: 0 });
    vi.advanceTimersByTime(5000);
    expect(problems.at(-1)!.problem).toBe('render-process-gone');
    expect(contents.loaded).toEqual([RENDERER, RENDERER]);
  });

  it('load failure of the renderer: reported without the token, recovering page, retried after 5 s', () => {
    const { win, contents, problems } = kiosk();
    win.load(RENDERER);
    contents.emit('did-fail-load', new FakeEvent(), -102, 'ERR_CONNECTION_REFUSED', RENDERER, true, 1, 1);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ problem: 'load-failed', detail: 'http://127.0.0.1:5000/: ERR_CONNECTION_REFUSED (-102)' });
    expect(problems[0]!.detail).not.toContain('secret');
    expect(contents.loaded.at(-1)).toBe(recoveringPageUrl());
    vi.advanceTimersByTime(5000);
    expect(contents.loaded.at(-1)).toBe(RENDERER);
  });

  it('ignores aborted loads and sub-frame failures', () => {
    const { win, contents, problems } = kiosk();
    win.load(RENDERER);
    contents.emit('did-fail-load', new FakeEvent(), -3, 'ERR_ABORTED', RENDERER, true, 1, 1);
    contents.emit('did-fail-load', new FakeEvent(), -105, 'ERR_NAME_NOT_RESOLVED', 'http://x/', false, 1, 2);
    expect(problems).toEqual([]);
  });

  it('captures a PNG, and says why when it cannot', async () => {
    const { win, contents } = kiosk();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    contents.capture = async () => new FakeImage(png);
    await expect(win.captureFrame()).resolves.toEqual(png);
    contents.capture = async () => new FakeImage(Buffer.alloc(0));
    await expect(win.captureFrame()).rejects.toThrow(/empty image/);
    contents.crashed = true;
    await expect(win.captureFrame()).rejects.toThrow(/renderer is gone/);
  });

  it('captures only a clip, sized by the scale asked for (issue 11: the watchdog\'s corner and small frames)', async () => {
    const { win, contents } = kiosk();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const images: FakeImage[] = [];
    contents.capture = async () => {
      const image = new FakeImage(png, { width: 368, height: 8 }); // a HiDPI screen: device pixels
      images.push(image);
      return image;
    };
    await expect(win.captureFrame({ clip: { x: 0, y: 0, width: 184, height: 4 }, scale: 0.5 })).resolves.toEqual(png);
    expect(contents.captureRects.at(-1)).toEqual({ x: 0, y: 0, width: 184, height: 4 });
    expect(images[0]!.resizes).toEqual([{ width: 92, height: 2, quality: 'good' }]);
    // the whole frame, a tenth: sized from the image
    contents.capture = async () => {
      const image = new FakeImage(png, { width: 1080, height: 1920 });
      images.push(image);
      return image;
    };
    await win.captureFrame({ scale: 0.1 });
    expect(contents.captureRects.at(-1)).toBeUndefined();
    expect(images[1]!.resizes).toEqual([{ width: 108, height: 192, quality: 'good' }]);
    // no request: the page as it is
    await win.captureFrame();
    expect(images[2]!.resizes).toEqual([]);
  });

  it('gives up on a capturePage that never answers', async () => {
    const { win, contents } = kiosk();
    contents.capture = () => new Promise(() => undefined);
    const frame = win.captureFrame();
    const expectation = expect(frame).rejects.toThrow(/did not answer within 4000 ms/);
    await vi.advanceTimersByTimeAsync(4000);
    await expectation;
  });
});

describe('GPU process', () => {
  it('forwards a gone GPU process, not other children', () => {
    const { win, problems } = kiosk();
    const app = new EventEmitter();
    watchGpuProcess(app as unknown as App, win);
    app.emit('child-process-gone', new FakeEvent(), { type: 'Utility', reason: 'crashed', exitCode: 1, serviceName: 'zizhu-agent' });
    app.emit('child-process-gone', new FakeEvent(), { type: 'GPU', reason: 'crashed', exitCode: 133 });
    expect(problems).toEqual([{ problem: 'gpu-process-gone', detail: 'GPU process crashed (exit code 133)', at: 42 }]);
  });
});

describe('recovering page', () => {
  it('says so in Chinese and English, has no script, and is not black', () => {
    const html = recoveringPageHtml();
    expect(html).toContain('系统正在恢复，请稍候');
    expect(html).toContain('Recovering');
    expect(html).not.toMatch(/<script/i);
    expect(decodeURIComponent(recoveringPageUrl().split(',')[1]!)).toBe(html);
  });
  it('redactUrl drops the query (boot token)', () => {
    expect(redactUrl('http://127.0.0.1:5000/app?token=abc')).toBe('http://127.0.0.1:5000/app');
    expect(redactUrl(recoveringPageUrl())).toBe('data:…');
  });
});
