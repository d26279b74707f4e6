import { describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { PNG } from 'pngjs';
import { MARKER_CELL_PX, MARKER_DARK, MARKER_LIGHT, MARKER_RECT, markerCells } from '../contracts/screen-marker.ts';
import { HqEvents } from '../contracts/hq.ts';
import type { FrameRequest } from '../contracts/shell.ts';
import { isBlankFrame, ScreenWatchdog, type ScreenFaultChange, type ScreenWatchdogOptions } from './screen-watchdog.ts';
import { evidenceFrame } from './watchdog/screen-frames.ts';
import { faultEvent } from './hq-events.ts';
import type { ShellConnection } from './shell/types.ts';

type Rgb = [number, number, number];
function png(width: number, height: number, paint: (x: number, y: number) => Rgb): Buffer {
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
const hex = (h: string): Rgb => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
const black = png(108, 192, () => [0, 0, 0]);
const white = png(108, 192, () => [255, 255, 255]);
// a kiosk screen: a blue title bar and a white body with a card
const content = png(108, 192, (x, y) => (y < 20 ? [11, 94, 168] : x > 10 && x < 98 && y > 30 && y < 90 ? [255, 255, 255] : [236, 240, 245]));
/** the corner as the shell captures it (half size): this boot's marker of `seq`, or page content without one */
const corner = (bootId: number, seq: number) => {
  const cells = markerCells(bootId, seq);
  return png(MARKER_RECT.width / 2, MARKER_RECT.height / 2, (x) => (cells[Math.floor((x * 2) / MARKER_CELL_PX)] ? hex(MARKER_DARK) : hex(MARKER_LIGHT)));
};
const noMarker = png(MARKER_RECT.width / 2, MARKER_RECT.height / 2, () => [11, 94, 168]);
const BOOT = 0x42;

class FakeBridge extends EventEmitter {
  connections = 1;
  seat: 'screen' | 'takeover' | null = 'screen';
  lastPainted: { seq: number; screen: string; at: number } | undefined;
  lastSent: { seq: number; at: number } | undefined;
  paint(seq: number, screen: string, at: number) {
    this.lastPainted = { seq, screen, at };
    this.emit('painted', this.lastPainted);
  }
}
class FakeShell extends EventEmitter {
  frame = content;
  corner = corner(BOOT, 1);
  reloads: string[] = [];
  requests: FrameRequest[] = [];
  async captureFrame(r: FrameRequest = {}) {
    this.requests.push(r);
    return r.clip ? this.corner : this.frame;
  }
  async reload(reason: string) {
    this.reloads.push(reason);
  }
}

function setUp(now: { t: number }, more: Partial<ScreenWatchdogOptions> = {}) {
  const bridge = new FakeBridge();
  const shell = new FakeShell();
  const changes: ScreenFaultChange[] = [];
  const w = new ScreenWatchdog({
    bridge,
    shell: shell as unknown as ShellConnection,
    report: (c) => changes.push(c),
    now: () => now.t,
    paintTimeoutMs: 10_000,
    reloadGraceMs: 0,
    checkEveryMs: 3_600_000,
    frameEveryMs: 0,
    markerEveryMs: 0,
    ...more,
  }).start();
  /** the clock moves on by `ms`, then one look at the glass */
  const look = async (ms = 1_000) => {
    now.t += ms;
    await w.checkScreen();
  };
  return { bridge, shell, changes, w, look };
}
const codes = (changes: ScreenFaultChange[]) => changes.map((c) => `${c.code}:${c.change}`);

describe('isBlankFrame', () => {
  it('a flat black or white frame is blank; a frame with a title bar and a card is not', () => {
    expect(isBlankFrame(black)).toMatchObject({ blank: true, colour: '#000000' });
    expect(isBlankFrame(white)).toMatchObject({ blank: true, colour: '#ffffff' });
    expect(isBlankFrame(content).blank).toBe(false);
  });
  it('refuses bytes that are not a PNG, saying so', () => {
    expect(() => isBlankFrame(Buffer.from('not a png'))).toThrow(/not a readable PNG \(9 bytes\)/);
  });
});

describe('evidenceFrame', () => {
  it('makes even a busy full-size frame small enough for a fault event (8 KiB of evidence), halving it', () => {
    let s = 7;
    const noisy = png(1080, 1920, (x, y) => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return y < 200 ? [11, 94, 168] : [(x * 7 + (s & 63)) & 255, (y * 3) & 255, s & 255];
    });
    const f = evidenceFrame(noisy)!;
    expect(f.base64.length).toBeLessThanOrEqual(5_000);
    expect(f.width).toBeLessThan(1080);
    expect(PNG.sync.read(Buffer.from(f.base64, 'base64')).width).toBe(f.width);
    // it rides in a fault.raised that HQ's schema accepts
    const [, payload] = faultEvent({ device: 'screen', code: 'SCREEN_COVERED', change: 'raised', severity: 'fault', detail: 'x', evidence: { screen: 'home', frame: f } });
    expect(HqEvents['fault.raised'].safeParse(payload).success).toBe(true);
    // a small frame stays as it is
    expect(evidenceFrame(content)).toMatchObject({ width: 108, height: 192 });
  });
});

describe('ScreenWatchdog: paint and heartbeat', () => {
  it('a screen sent and not painted within the timeout raises SCREEN_BLACK and reloads; the paint clears it', () => {
    const now = { t: 1_000_000 };
    const { bridge, shell, changes, w } = setUp(now);
    bridge.lastSent = { seq: 5, at: now.t };
    bridge.lastPainted = { seq: 4, screen: 'home', at: now.t - 100 };
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
    bridge.paint(5, 'home', now.t);
    expect(codes(changes)).toEqual(['SCREEN_BLACK:raised', 'SCREEN_BLACK:cleared']);
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

  it('RENDERER_HUNG: heartbeats stop while connected, or come with frames that do not move; recovered through `recover`; cleared when they move again', () => {
    const now = { t: 2_000_000 };
    const asked: string[] = [];
    const { bridge, shell, changes, w } = setUp(now, { hungAfterMs: 3_000, recover: (code, reason) => asked.push(`${code}: ${reason}`) });
    bridge.emit('connection', 1);
    for (let f = 0; f < 3; f++) {
      bridge.emit('heartbeat', { frames: f, at: now.t });
      now.t += 1_000;
      w.checkHeartbeat();
    }
    expect(changes).toEqual([]);
    // a busy loop: no heartbeat for more than 3 s
    now.t += 3_500;
    w.checkHeartbeat();
    expect(changes).toMatchObject([{ code: 'RENDERER_HUNG', change: 'raised' }]);
    expect(changes[0]!.detail).toMatch(/no heartbeat from the renderer for 4\.5 s/);
    expect(asked).toEqual([expect.stringMatching(/^RENDERER_HUNG: no heartbeat/)]);
    expect(shell.reloads).toEqual([]); // the option decides, not the watchdog
    // the reloaded page connects and beats: frames move → cleared
    bridge.emit('connection', 1);
    bridge.emit('heartbeat', { frames: 0, at: now.t });
    expect(codes(changes)).toEqual(['RENDERER_HUNG:raised', 'RENDERER_HUNG:cleared']);
    // beats go on but the frame count stays: rendering stalled
    for (let i = 0; i < 5; i++) {
      now.t += 1_000;
      bridge.emit('heartbeat', { frames: 1, at: now.t });
      w.checkHeartbeat();
    }
    expect(changes.at(-1)).toMatchObject({ code: 'RENDERER_HUNG', change: 'raised', detail: expect.stringMatching(/frames stopped at 1/) });
    now.t += 1_000;
    bridge.emit('heartbeat', { frames: 2, at: now.t });
    expect(changes.at(-1)).toMatchObject({ code: 'RENDERER_HUNG', change: 'cleared' });
    w.stop();
    expect(bridge.listenerCount('heartbeat')).toBe(0);
  });

  it('a renderer that connects and never beats is hung; no renderer at all is not (that is a black screen)', () => {
    const now = { t: 3_000_000 };
    const { bridge, changes, w } = setUp(now, { hungAfterMs: 3_000 });
    bridge.emit('connection', 1);
    now.t += 3_100;
    w.checkHeartbeat();
    expect(changes[0]).toMatchObject({ code: 'RENDERER_HUNG', detail: expect.stringMatching(/has sent no heartbeat/) });
    w.stop();
  });
});

describe('ScreenWatchdog: the glass', () => {
  it('a blank captured frame raises SCREEN_BLACK with the frame (home is safe) and reloads; a frame with content clears it', async () => {
    const now = { t: 9_000_000 };
    const { shell, bridge, changes, w, look } = setUp(now, { frameEveryMs: 1 });
    bridge.paint(1, 'home', now.t);
    await w.checkScreen();
    expect(changes).toEqual([]);
    shell.frame = black;
    await look(10);
    expect(changes).toMatchObject([{ code: 'SCREEN_BLACK', change: 'raised', evidence: { screen: 'home', frame: { contentType: 'image/png', width: 108, height: 192 } } }]);
    expect(changes[0]!.detail).toContain('#000000');
    expect(shell.reloads).toEqual(['SCREEN_BLACK: blank frame #000000']);
    shell.frame = content;
    await look(10);
    expect(changes.map((c) => c.change)).toEqual(['raised', 'cleared']);
    w.stop();
  });

  it('SCREEN_COVERED: content but no marker twice in a row; the frame goes along on a safe screen; cleared when the marker is back', async () => {
    const now = { t: 10_000_000 };
    const { shell, bridge, changes, w, look } = setUp(now, { markerBootId: BOOT, frameEveryMs: 60_000 });
    bridge.paint(1, 'home', now.t);
    await w.checkScreen();
    expect(shell.requests.map((r) => (r.clip ? 'corner' : 'frame'))).toEqual(['corner', 'frame']); // the first check looks at the whole frame too
    expect(shell.requests[0]).toEqual({ clip: MARKER_RECT, scale: 0.5 });
    shell.requests.length = 0;
    await look();
    expect(shell.requests).toHaveLength(1); // a proven corner needs no whole frame
    shell.corner = noMarker;
    await look();
    expect(changes).toEqual([]); // once may be a glitch
    await look();
    expect(changes).toMatchObject([{ code: 'SCREEN_COVERED', change: 'raised', evidence: { screen: 'home', paintedSeq: 1, frame: { width: 108 } } }]);
    expect(changes[0]!.detail).toMatch(/no marker in the corner .*2 checks in a row/);
    expect(shell.reloads).toEqual([expect.stringMatching(/^SCREEN_COVERED: /)]);
    shell.corner = corner(BOOT, 1);
    await look();
    expect(codes(changes)).toEqual(['SCREEN_COVERED:raised', 'SCREEN_COVERED:cleared']);
    w.stop();
  });

  it('another boot\'s marker is another page: SCREEN_COVERED; a flat frame without marker is SCREEN_BLACK, not covered', async () => {
    const now = { t: 11_000_000 };
    const { shell, bridge, changes, w, look } = setUp(now, { markerBootId: BOOT, coveredAfterChecks: 1 });
    bridge.paint(3, 'home', now.t);
    shell.corner = corner(BOOT + 1, 3);
    await w.checkScreen();
    expect(changes[0]).toMatchObject({ code: 'SCREEN_COVERED', detail: expect.stringMatching(/another boot \(id 67; this boot's is 66\)/) });
    shell.corner = noMarker;
    shell.frame = white;
    await look();
    expect(codes(changes)).toEqual(['SCREEN_COVERED:raised', 'SCREEN_BLACK:raised']);
    w.stop();
  });

  it('SCREEN_FROZEN: the glass shows an older screen than the painted one past the grace; no frame when that older screen was inside a flow; cleared when it catches up', async () => {
    const now = { t: 12_000_000 };
    const { shell, bridge, changes, w, look } = setUp(now, { markerBootId: BOOT, frozenAfterMs: 2_000 });
    bridge.paint(5, 'pf.choosingPeriod', now.t);
    shell.corner = corner(BOOT, 5);
    await w.checkScreen();
    bridge.paint(6, 'home', now.t); // the session ended; the renderer says it painted home
    for (let i = 0; i < 3; i++) {
      await look();
    }
    expect(changes).toMatchObject([{ code: 'SCREEN_FROZEN', change: 'raised', evidence: { screen: 'home', paintedSeq: 6, markerSeq: 5, markerScreen: 'pf.choosingPeriod', frame: null } }]);
    expect(changes[0]!.evidence!.frameWithheld).toMatch(/the glass still shows "pf\.choosingPeriod", which may show personal data/);
    expect(changes[0]!.detail).toMatch(/still shows screen 5 .* painted screen 6/);
    shell.corner = corner(BOOT, 6);
    await look();
    expect(codes(changes)).toEqual(['SCREEN_FROZEN:raised', 'SCREEN_FROZEN:cleared']);
    w.stop();
  });

  it('a newer marker than the painted screen is fine (its painted is on the way); the seq wraps at 2^16', async () => {
    const now = { t: 13_000_000 };
    const { shell, bridge, changes, w } = setUp(now, { markerBootId: BOOT, frozenAfterMs: 0 });
    bridge.paint(65_536 + 9, 'home', now.t);
    shell.corner = corner(BOOT, 10);
    await w.checkScreen();
    shell.corner = corner(BOOT, 65_536 + 9);
    await w.checkScreen();
    expect(changes).toEqual([]);
    w.stop();
  });

  it('no frame leaves the kiosk while a session is on screen: covered during a flow says why instead', async () => {
    const now = { t: 14_000_000 };
    const { shell, bridge, changes, w } = setUp(now, {
      markerBootId: BOOT,
      coveredAfterChecks: 1,
      privacy: () => ({ safe: false, reason: 'a customer is being served (a session is on screen)' }),
    });
    bridge.paint(2, 'home', now.t);
    shell.corner = noMarker;
    await w.checkScreen();
    expect(changes[0]).toMatchObject({ code: 'SCREEN_COVERED', evidence: { frame: null, frameWithheld: 'no frame: a customer is being served (a session is on screen); it may show personal data' } });
    w.stop();
    // the renderer's own word is enough to withhold it too
    const b = setUp(now, { markerBootId: BOOT, coveredAfterChecks: 1 });
    b.bridge.paint(2, 'reg.choosingSlot', now.t);
    b.shell.corner = noMarker;
    await b.w.checkScreen();
    expect(b.changes[0]!.evidence).toMatchObject({ frame: null, frameWithheld: expect.stringMatching(/"reg\.choosingSlot"/) });
    b.w.stop();
  });

  it('judges nothing while no renderer holds the screen, or a development takeover does; raises nothing in the grace after a recovery', async () => {
    const now = { t: 15_000_000 };
    const { shell, bridge, changes, w, look } = setUp(now, { markerBootId: BOOT, coveredAfterChecks: 1, reloadGraceMs: 5_000 });
    now.t += 5_000;
    bridge.paint(1, 'home', now.t);
    shell.corner = noMarker;
    bridge.seat = 'takeover';
    await w.checkScreen();
    bridge.seat = 'screen';
    bridge.connections = 0;
    await w.checkScreen();
    expect(changes).toEqual([]);
    bridge.connections = 1;
    await w.checkScreen();
    expect(codes(changes)).toEqual(['SCREEN_COVERED:raised']);
    // recovery asked: the grace starts; the marker still missing raises nothing new and asks nothing more
    await look();
    expect(shell.reloads).toHaveLength(1);
    now.t += 5_000;
    await w.checkScreen();
    expect(shell.reloads).toHaveLength(2);
    w.stop();
  });

  it('a capture that fails is logged, never a fault', async () => {
    const now = { t: 16_000_000 };
    const warn = vi.fn();
    const { shell, bridge, changes, w } = setUp(now, { markerBootId: BOOT, coveredAfterChecks: 1, log: { info: () => {}, warn } });
    bridge.paint(1, 'home', now.t);
    shell.captureFrame = async () => {
      throw new Error('cannot capture a frame: captureFrame timed out after 5000 ms');
    };
    await w.checkScreen();
    expect(changes).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/screen check: cannot capture a frame/));
    expect(w.stats.checks).toBe(1);
    w.stop();
  });
});

describe("ScreenWatchdog: what the heartbeat's `watch` may say (issue 11)", () => {
  it('speaks for its codes only once it has judged the heartbeat and the glass after its grace', async () => {
    const now = { t: 12_000_000 };
    const { bridge, w, look } = setUp(now, { markerBootId: BOOT, reloadGraceMs: 5_000 });
    bridge.paint(1, 'home', now.t);
    w.checkHeartbeat();
    await look();
    expect(w.checked).toEqual([]); // in the grace: it has not judged anything
    now.t += 5_000;
    w.checkHeartbeat();
    expect(w.checked).toEqual([]); // the glass not looked at yet
    await look(0);
    expect(w.checked.sort()).toEqual(['RENDERER_CRASHED', 'RENDERER_HUNG', 'SCREEN_BLACK', 'SCREEN_COVERED', 'SCREEN_FROZEN']);
    expect(w.faults).toEqual([]);
    w.stop();
  });

  it('without a marker to read, the heartbeat check after the grace is enough', () => {
    const now = { t: 13_000_000 };
    const { bridge, w } = setUp(now);
    bridge.paint(1, 'home', now.t);
    w.checkHeartbeat();
    expect(w.checked).toHaveLength(5);
    w.stop();
  });
});

describe('ScreenWatchdog: shell problems and timers', () => {
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
    bridge.paint(1, 'home', now.t);
    expect(codes(changes)).toEqual(['RENDERER_CRASHED:raised', 'RENDERER_CRASHED:cleared']);
    w.stop();
    expect(shell.listenerCount('problem')).toBe(0);
    expect(bridge.listenerCount('painted')).toBe(0);
  });

  it('runs on its own timers: the heartbeat check and the corner check', async () => {
    vi.useFakeTimers();
    try {
      const bridge = new FakeBridge();
      const shell = new FakeShell();
      bridge.connections = 0;
      const changes: ScreenFaultChange[] = [];
      const w = new ScreenWatchdog({ bridge, shell: shell as unknown as ShellConnection, report: (c) => changes.push(c), reloadGraceMs: 0, checkEveryMs: 1_000, markerBootId: BOOT, markerEveryMs: 500 }).start();
      await vi.advanceTimersByTimeAsync(1_100);
      expect(changes).toHaveLength(1);
      bridge.connections = 1;
      await vi.advanceTimersByTimeAsync(1_100);
      expect(shell.requests.filter((r) => r.clip).length).toBeGreaterThanOrEqual(2);
      w.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
