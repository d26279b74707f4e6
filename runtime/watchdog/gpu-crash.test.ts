import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import type { AnyFaultChange } from '../hq-events.ts';
import type { ShellProblemEvent } from '../shell/types.ts';
import { parentPortShell } from '../shell/parent-port.ts';
import { GpuCrashWatch } from './gpu-crash.ts';
import { FakeParentPort } from '../shell/testing.ts';

class FakeShell extends EventEmitter {
  reloads: string[] = [];
  async reload(reason: string) {
    this.reloads.push(reason);
  }
  problem(problem: ShellProblemEvent['problem'], detail: string) {
    this.emit('problem', { problem, detail, at: 0 } satisfies ShellProblemEvent);
  }
}

function rig(gpuUp?: () => boolean | null) {
  const shell = new FakeShell();
  const bridge = new EventEmitter();
  const changes: AnyFaultChange[] = [];
  const w = new GpuCrashWatch({ shell: shell as never, bridge, report: (c) => changes.push(c), checkEveryMs: 1_000, ...(gpuUp ? { gpuUp } : {}) }).start();
  const paint = (screen = 'home') => bridge.emit('painted', { seq: 1, screen });
  return { shell, w, changes, paint };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('GPU_CRASHED from the shell\'s gpu-process-gone', () => {
  it('Electron (over its parentPort; it cannot tell whether a GPU process runs): raised and reloaded at once, cleared by the next paint', () => {
    const port = new FakeParentPort();
    const shell = parentPortShell(port, { log: { info: () => {}, warn: () => {} } })!;
    const bridge = new EventEmitter();
    const changes: AnyFaultChange[] = [];
    const w = new GpuCrashWatch({ shell, bridge, report: (c) => changes.push(c) }).start();
    // what main/ posts for app child-process-gone type GPU (main/main.test.ts)
    port.deliver({ type: 'shell.problem', problem: 'responsive', detail: 'the renderer answers again', at: 1 });
    expect(changes).toEqual([]);
    port.deliver({ type: 'shell.problem', problem: 'gpu-process-gone', detail: 'GPU process crashed (exit code 133)', at: 2 });
    expect(changes).toEqual([
      { code: 'GPU_CRASHED', device: 'screen', severity: 'fault', change: 'raised', detail: "the shell's GPU process is gone: GPU process crashed (exit code 133)", evidence: { shellDetail: 'GPU process crashed (exit code 133)' } },
    ]);
    expect(port.posted).toEqual([{ type: 'reload', reason: 'GPU process gone: GPU process crashed (exit code 133)' }]);
    bridge.emit('painted', { seq: 3, screen: 'pf.identifying' });
    expect(changes.map((c) => [c.change, c.detail])).toEqual([
      ['raised', expect.any(String)],
      ['cleared', 'a GPU process is up again and screen pf.identifying was painted'],
    ]);
    expect(w.raised).toBe(false);
    w.stop();
  });

  it('Chromium: a paint while no GPU process runs does not clear; the GPU process back → drawn again → cleared', () => {
    vi.useFakeTimers();
    let up: boolean | null = false;
    const { shell, w, changes, paint } = rig(() => up);
    shell.problem('gpu-process-gone', 'GPU process 110 of browser 100 is gone; none runs now');
    paint();
    expect(w.raised).toBe(true);
    up = true;
    vi.advanceTimersByTime(1_000); // the periodic look while raised
    expect(shell.reloads).toHaveLength(2); // once at the crash, once more through the new GPU process
    expect(w.raised).toBe(true);
    paint();
    expect(changes.map((c) => c.change)).toEqual(['raised', 'cleared']);
    w.stop();
  });

  it('a recover option replaces the reload (the recovery ladder plugs in there)', () => {
    const shell = new FakeShell();
    const recovered: string[] = [];
    const w = new GpuCrashWatch({ shell: shell as never, bridge: new EventEmitter(), report: () => {}, recover: (code, reason) => recovered.push(`${code}: ${reason}`) }).start();
    shell.problem('gpu-process-gone', 'x');
    expect(recovered).toEqual(['GPU_CRASHED: GPU process gone: x']);
    expect(shell.reloads).toEqual([]);
    w.stop();
  });
});
