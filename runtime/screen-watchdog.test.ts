import { describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { PNG } from 'pngjs';
import { isBlankFrame, ScreenWatchdog, type ScreenFaultChange } from './screen-watchdog.ts';
import type { ShellConnection } from './shell/types.ts';

function png(width: number, height: number, paint: (x: number, y: number) => [number, number, number]): Buffer {
  const img = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      const i = (y * width + x) * 4;
      img.data[i] = r;
      img.data[i + 1] = g;
      img.data[i + 2] = b;
      img.data[i + 3] = 255;
    }
  return PNG.sync.write(img);
}
const black = png(108, 192, () => [0, 0, 0]);
const white = png(108, 192, () => [255, 255, 255]);
// a kiosk screen: a blue title bar and a white body with a card
const content = png(108, 192, (x, y) => (y < 20 ? [11, 94, 168] : x > 10 && x < 98 && y > 30 && y < 90 ? [255, 255, 255] : [236, 240, 245]));

class FakeBridge extends EventEmitter {
  connections = 1;
  lastPainted: { seq: number; at: number } | undefined;
  lastSent: { seq: number; at: number } | undefined;
}
class FakeShell extends EventEmitter {
  frame = content;
  reloads: string[] = [];
  async captureFrame() {
    return this.frame;
  }
  async reload(reason: string) {
    this.reloads.push(reason);
  }
}

function setUp(now: { t: number }) {
  const bridge = new FakeBridge();
  const shell = new FakeShell();
  const changes: ScreenFaultChange[] = [];
  const w = new ScreenWatchdog({ bridge, shell: shell as unknown as ShellConnection, report: (c) => changes.push(c), now: () => now.t, paintTimeoutMs: 10_000, reloadGraceMs: 0, checkEveryMs: 3_600_000, frameEveryMs: 0 }).start();
  return { bridge, shell, changes, w };
}

describe('isBlankFrame', () => {
  it('a flat black or white frame is blank; a frame with a title bar and a card is not', () => {
    expect(isBlankFrame(black)).toMatchObject({ blank: true, colour: '#000000' });
    expect(isBlankFrame(white)).toMatchObject({ blank: true, colour: '#ffffff' });
    expect(isBlankFrame(content).blank).toBe(false);
  });
  it('refuses bytes that are not a PNG', () => {
    expect(() => isBlankFrame(Buffer.from('not a png'))).toThrow();
  });
});

describe('ScreenWatchdog', () => {
  it('a screen sent and not painted within the timeout raises SCREEN_BLACK and reloads; the paint clears it', () => {
    const now = { t: 1_000_000 };
    const { bridge, shell, changes, w } = setUp(now);
    bridge.lastSent = { seq: 5, at: now.t };
    bridge.lastPainted = { seq: 4, at: now.t - 100 };
    now.t += 5_000;
    w.checkHeartbeat();
    expect(changes).toEqual([]);
    now.t += 6_000;
    w.checkHeartbeat();
    expect(changes).toMatchObject([{ code: 'SCREEN_BLACK', change: 'raised', device: 'screen' }]);
    expect(changes[0]!.detail).toContain('screen 5');
    expect(shell.reloads).toHaveLength(1);
    // still raised: reported once, reloaded again
    now.t += 2_000;
    w.checkHeartbeat();
    expect(changes).toHaveLength(1);
    bridge.lastPainted = { seq: 5, at: now.t };
    bridge.emit('painted', { seq: 5, screen: 'home', at: now.t });
    expect(changes.map((c) => `${c.code}:${c.change}`)).toEqual(['SCREEN_BLACK:raised', 'SCREEN_BLACK:cleared']);
    w.stop();
  });

  it('no renderer connected at all is a black screen too', () => {
    const now = { t: 5_000_000 };
    const { bridge, changes, w } = setUp(now);
    bridge.connections = 0;
    w.checkHeartbeat();
    expect(changes[0]).toMatchObject({ code: 'SCREEN_BLACK', change: 'raised' });
    expect(changes[0]!.detail).toContain('no renderer');
    w.stop();
  });

  it('a blank captured frame raises SCREEN_BLACK and reloads; a frame with content clears it', async () => {
    const now = { t: 9_000_000 };
    const { shell, changes, w } = setUp(now);
    await w.checkFrame();
    expect(changes).toEqual([]);
    shell.frame = black;
    await w.checkFrame();
    expect(changes).toMatchObject([{ code: 'SCREEN_BLACK', change: 'raised' }]);
    expect(changes[0]!.detail).toContain('#000000');
    expect(shell.reloads).toEqual(['blank frame #000000']);
    shell.frame = content;
    await w.checkFrame();
    expect(changes.map((c) => c.change)).toEqual(['raised', 'cleared']);
    w.stop();
  });

  it('a crashed renderer raises RENDERER_CRASHED until a screen is painted again; waits out the grace after a reload', () => {
    const now = { t: 1_000 };
    const bridge = new FakeBridge();
    const shell = new FakeShell();
    const changes: ScreenFaultChange[] = [];
    const w = new ScreenWatchdog({ bridge, shell: shell as unknown as ShellConnection, report: (c) => changes.push(c), now: () => now.t, reloadGraceMs: 15_000, checkEveryMs: 3_600_000, frameEveryMs: 0 }).start();
    bridge.connections = 0;
    w.checkHeartbeat();
    expect(changes).toEqual([]); // still in the start-up grace
    shell.emit('problem', { problem: 'render-process-gone', detail: 'crashed (exit 139)', at: now.t });
    expect(changes).toMatchObject([{ code: 'RENDERER_CRASHED', change: 'raised' }]);
    bridge.emit('painted', { seq: 1, screen: 'home', at: now.t });
    expect(changes.map((c) => `${c.code}:${c.change}`)).toEqual(['RENDERER_CRASHED:raised', 'RENDERER_CRASHED:cleared']);
    w.stop();
    expect(shell.listenerCount('problem')).toBe(0);
    expect(bridge.listenerCount('painted')).toBe(0);
  });

  it('runs on its own timers', async () => {
    vi.useFakeTimers();
    try {
      const bridge = new FakeBridge();
      bridge.connections = 0;
      const changes: ScreenFaultChange[] = [];
      const w = new ScreenWatchdog({ bridge, report: (c) => changes.push(c), reloadGraceMs: 0, checkEveryMs: 1_000 }).start();
      await vi.advanceTimersByTimeAsync(1_100);
      expect(changes).toHaveLength(1);
      w.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
