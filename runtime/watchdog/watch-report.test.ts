import { describe, expect, it } from 'vitest';
import { FaultLatch } from './fault-latch.ts';
import { WatchReports } from './watch-report.ts';
import { kioskWatchReport, type KioskWatch } from './machine-watch.ts';
import type { DisplayConnectorWatch } from './display-connectors.ts';
import type { GpuCrashWatch } from './gpu-crash.ts';

const latch = (code: 'DISK_LOW' | 'DISPLAY_DISCONNECTED' | 'GPU_CRASHED' | 'TOUCH_UNRESPONSIVE') => new FaultLatch({ code, device: 'screen', severity: 'fault' }, () => undefined);

describe("the heartbeat's `watch` (issue 11)", () => {
  it('a latch speaks for its fault once its check has said anything, raised or not', () => {
    const disk = latch('DISK_LOW');
    expect(disk.watchReport()).toEqual({ faults: [], checked: [] });
    disk.clear('plenty of space');
    expect(disk.watchReport()).toEqual({ faults: [], checked: ['DISK_LOW'] });
    disk.raise('12 MiB free');
    expect(disk.watchReport()).toEqual({ faults: ['DISK_LOW'], checked: ['DISK_LOW'] });
  });

  it('the sources of a run, merged; a removed source says nothing any more', () => {
    const reports = new WatchReports();
    const disk = latch('DISK_LOW');
    disk.raise('low');
    reports.add(() => disk.watchReport());
    const off = reports.add(() => ({ faults: ['SCREEN_COVERED'], checked: ['SCREEN_COVERED', 'DISK_LOW'] }));
    expect(reports.report()).toEqual({ faults: ['DISK_LOW', 'SCREEN_COVERED'], checked: ['DISK_LOW', 'SCREEN_COVERED'] });
    off();
    expect(reports.report()).toEqual({ faults: ['DISK_LOW'], checked: ['DISK_LOW'] });
  });

  it("the kiosk process's part: the screen's codes, the display's and touch panel's latches; a proven screen speaks for the GPU process", () => {
    const display = latch('DISPLAY_DISCONNECTED');
    const gpu = latch('GPU_CRASHED');
    const touch = latch('TOUCH_UNRESPONSIVE');
    display.clear('HDMI-A-1 connected');
    const w = { display: { latch: display } as DisplayConnectorWatch, gpu: { latch: gpu } as GpuCrashWatch, touch: { latch: touch } } as KioskWatch;
    expect(kioskWatchReport(w, { faults: [], checked: [] })).toEqual({ faults: [], checked: ['DISPLAY_DISCONNECTED'] });
    expect(kioskWatchReport(w, { faults: ['SCREEN_BLACK'], checked: ['SCREEN_BLACK'] })).toEqual({ faults: ['SCREEN_BLACK'], checked: ['SCREEN_BLACK', 'DISPLAY_DISCONNECTED', 'GPU_CRASHED'] });
    touch.raise('three sessions without a tap');
    expect(kioskWatchReport(w).faults).toEqual(['TOUCH_UNRESPONSIVE']);
  });
});
