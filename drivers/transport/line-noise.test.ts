/** Issue 11: noise is counted and shown at once, reported only when it persists. Clocks are pinned. */
import { describe, expect, it } from 'vitest';
import { FaultCode } from '../../contracts/faults.ts';
import { LineNoise, LineNoiseMeter, lineNoiseWarning, type LineNoiseReport } from './line-noise.ts';

const T0 = Date.parse('2026-06-10T12:00:00+08:00');

describe('LineNoiseMeter', () => {
  it('a burst (one window, 64 KiB): noisy, not persistent; quiet again after the clear windows', () => {
    let t = T0;
    const m = new LineNoiseMeter({ now: () => t });
    expect(m.report()).toMatchObject({ noisy: false, persistent: false, garbageBytes: 0, events: 0, lastNoiseAt: null });
    for (let i = 0; i < 16; i++) m.record(4096, t + i * 10);
    t += 200;
    expect(m.report()).toMatchObject({ noisy: true, persistent: false, garbageBytes: 65_536, events: 16, noisyWindows: 1, lastNoiseAt: T0 + 150 });
    t += 29_000;
    expect(m.report().noisy).toBe(true);
    t += 1_000;
    expect(m.report()).toMatchObject({ noisy: false, persistent: false, noisyWindows: 1 });
  });

  it('persistent once most windows of the record had noise (default: 30 of the last 60 s), cleared after 30 quiet windows', () => {
    let t = T0;
    const m = new LineNoiseMeter({ now: () => t });
    for (let s = 0; s < 29; s++, t += 1000) m.record(10);
    expect(m.report()).toMatchObject({ persistent: false, noisyWindows: 29 });
    m.record(10);
    expect(m.report()).toMatchObject({ persistent: true, noisyWindows: 30 });
    t += 29_000;
    expect(m.report().persistent).toBe(true);
    t += 1_000;
    expect(m.report()).toMatchObject({ persistent: false, noisy: false });
  });

  it('noise every other window: half the record, raised; scattered noise in a long record is not', () => {
    let t = T0;
    const every2 = new LineNoiseMeter({ now: () => t, windows: 10, noisyWindowsToRaise: 5 });
    for (let w = 0; w < 10; w += 2, t += 2000) every2.record(1);
    expect(every2.report().persistent).toBe(true);
    t = T0;
    const scattered = new LineNoiseMeter({ now: () => t });
    for (let w = 0; w < 20; w++, t += 7000) scattered.record(1);
    expect(scattered.report().persistent).toBe(false);
  });

  it('refuses settings that cannot work', () => {
    expect(() => new LineNoiseMeter({ windowMs: 0 })).toThrow(/windowMs must be a whole number ≥ 1, got 0/);
    expect(() => new LineNoiseMeter({ windows: 10, noisyWindowsToRaise: 11 })).toThrow(/cannot exceed windows/);
  });
});

describe('LineNoise (the driver side)', () => {
  it('calls back when noisy or persistent turns, checked whenever the driver looks', () => {
    let t = T0;
    const changes: Pick<LineNoiseReport, 'noisy' | 'persistent'>[] = [];
    const n = new LineNoise({ now: () => t, windowMs: 100, windows: 4, noisyWindowsToRaise: 2, quietWindowsToClear: 2 }, (r) => changes.push({ noisy: r.noisy, persistent: r.persistent }));
    try {
      n.record(5);
      t += 100;
      n.record(5);
      t += 500;
      n.check();
      expect(changes).toEqual([
        { noisy: true, persistent: false },
        { noisy: true, persistent: true },
        { noisy: false, persistent: false },
      ]);
    } finally {
      n.close();
    }
  });

  it('the warning says where, how much, and what to check', () => {
    const w = lineNoiseWarning(FaultCode.PRINTER_LINE_NOISE, 'serial:/dev/ttyS1@38400', { noisy: true, persistent: true, garbageBytes: 9000, events: 40, noisyWindows: 35, windows: 60, windowMs: 1000, lastNoiseAt: T0 });
    expect(w).toEqual({
      code: FaultCode.PRINTER_LINE_NOISE,
      detail: 'serial:/dev/ttyS1@38400: line noise in 35 of the last 60 windows (~35 s), 9000 bytes that decode to nothing so far: check the cable (seated, shielded, away from power lines), the ground and the baud rate',
    });
  });
});
