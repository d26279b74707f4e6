import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import type { ScreenMessage } from '../../contracts/bridge.ts';
import type { AnyFaultChange } from '../hq-events.ts';
import { TouchHealth, watchTouch, type TouchedKiosk } from './touch-health.ts';

// a pinned clock: every time below is an offset from this Wednesday noon in Shanghai
const T0 = Date.parse('2026-06-10T12:00:00+08:00');
const at = (s: number) => T0 + s * 1000;

describe('TouchHealth (pure, pinned times)', () => {
  it('three people in a row with a card or code and no tap → raised once; a tap clears and restarts the count', () => {
    const h = new TouchHealth({ inARow: 3, approachMs: 30_000 });
    h.approach('card', at(0), true);
    expect(h.dueAt).toBe(at(30));
    expect(h.due(at(29), true)).toBeNull();
    expect(h.due(at(30), true)).toBeNull();
    expect(h.count).toBe(1);
    h.approach('code', at(100), true);
    expect(h.due(at(130), true)).toBeNull();
    h.approach('card', at(200), true);
    const raised = h.due(at(230), true);
    expect(raised).toMatchObject({ change: 'raise', untouched: [{ by: 'card', at: at(0) }, { by: 'code', at: at(100) }, { by: 'card', at: at(200) }] });
    expect(raised!.detail).toBe('3 people in a row laid down an ID card or scanned a code (card, code, card) and none of them tapped the screen within 30 s: the touch panel may not respond (power-cycle the display, check the touch cable)');
    // a fourth does not raise again
    h.approach('card', at(300), true);
    expect(h.due(at(330), true)).toBeNull();
    expect(h.tap()).toEqual({ change: 'clear', detail: 'the screen was tapped again (after 3 untouched approaches)', untouched: [] });
    expect(h.count).toBe(0);
    expect(h.tap()).toBeNull();
  });

  it('a tap inside an approach makes it a touched one: the count starts again', () => {
    const h = new TouchHealth({ inARow: 2, approachMs: 10_000 });
    h.approach('card', at(0), true);
    h.due(at(10), true);
    h.approach('card', at(20), true);
    expect(h.tap()).toBeNull();
    expect(h.due(at(30), true)).toBeNull();
    expect(h.count).toBe(0);
    h.approach('card', at(40), true);
    expect(h.due(at(50), true)).toBeNull();
    expect(h.count).toBe(1);
  });

  it('a second card or scan within an approach is the same person', () => {
    const h = new TouchHealth({ inARow: 2, approachMs: 10_000 });
    h.approach('card', at(0), true);
    h.approach('code', at(5), true);
    h.approach('card', at(9), true);
    expect(h.due(at(10), true)).toBeNull();
    expect(h.count).toBe(1);
    expect(h.dueAt).toBeNull();
  });

  it('approaches while the kiosk does not serve (closed, locked, out of service) do not count, at their start or end', () => {
    const h = new TouchHealth({ inARow: 1, approachMs: 10_000 });
    h.approach('card', at(0), false);
    expect(h.dueAt).toBeNull();
    h.approach('card', at(20), true);
    expect(h.due(at(30), false)).toBeNull();
    expect(h.count).toBe(0);
    h.approach('card', at(40), true);
    expect(h.due(at(50), true)).toMatchObject({ change: 'raise' });
  });
});

/** A kiosk whose lifecycle is in its hours and takes sessions, or not. */
class FakeKiosk extends EventEmitter implements TouchedKiosk {
  open = true;
  lifecycle = {
    getSnapshot: () => ({ context: { status: 'inService', acceptsNewSessions: this.open, hours: { promised: { open: this.open, closesAt: null, opensAt: null } } } as never }),
  };
  push(inReplyTo: string | null) {
    this.emit('screen', { inReplyTo } as ScreenMessage);
  }
}

describe('watchTouch on the kiosk, the reader and the scanner', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('cards and scans without taps raise; a pushed screen answering a renderer event clears', () => {
    vi.useFakeTimers({ now: T0 });
    const kiosk = new FakeKiosk();
    const reader = new EventEmitter();
    const scanner = new EventEmitter();
    const changes: AnyFaultChange[] = [];
    const w = watchTouch({ kiosk, idReader: reader, scanner, inARow: 2, approachMs: 5_000, now: () => Date.now(), report: (c) => changes.push(c) });
    reader.emit('card');
    vi.advanceTimersByTime(5_000);
    kiosk.push(null); // a push nobody asked for (a status change) is no tap
    scanner.emit('scan');
    vi.advanceTimersByTime(5_000);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ code: 'TOUCH_UNRESPONSIVE', device: 'screen', severity: 'warning', change: 'raised' });
    expect(changes[0]!.evidence).toEqual({
      untouchedApproaches: [
        { by: 'card', at: '2026-06-10T04:00:00.000Z' },
        { by: 'code', at: '2026-06-10T04:00:05.000Z' },
      ],
      approachMs: 5_000,
    });
    kiosk.push('tap-1');
    expect(changes.map((c) => c.change)).toEqual(['raised', 'cleared']);
    w.stop();
    reader.emit('card');
    vi.advanceTimersByTime(60_000);
    expect(w.health.count).toBe(0);
    expect(kiosk.listenerCount('screen') + reader.listenerCount('card') + scanner.listenerCount('scan')).toBe(0);
  });

  it('outside the hours nothing counts', () => {
    vi.useFakeTimers({ now: T0 });
    const kiosk = new FakeKiosk();
    kiosk.open = false;
    const reader = new EventEmitter();
    const changes: AnyFaultChange[] = [];
    const w = watchTouch({ kiosk, idReader: reader, inARow: 1, approachMs: 1_000, now: () => Date.now(), report: (c) => changes.push(c) });
    reader.emit('card');
    vi.advanceTimersByTime(10_000);
    expect(changes).toEqual([]);
    w.stop();
  });
  it("a tap with nothing suspected reports nothing, and lets this run speak for the panel in the heartbeat's watch", () => {
    const kiosk = new FakeKiosk();
    const changes: AnyFaultChange[] = [];
    const w = watchTouch({ kiosk, inARow: 2, approachMs: 5_000, now: () => T0, report: (c) => changes.push(c) });
    expect(w.latch.watchReport()).toEqual({ faults: [], checked: [] });
    kiosk.push('tap-1');
    expect(changes).toEqual([]);
    expect(w.latch.watchReport()).toEqual({ faults: [], checked: ['TOUCH_UNRESPONSIVE'] });
    w.stop();
  });
});
