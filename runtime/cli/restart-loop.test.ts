import { describe, expect, it } from 'vitest';
import type { RunningKioskProcess } from '../kiosk-process.ts';
import { captureIo } from './io.ts';
import { EXIT_RESTART, keepRunning, underSystemd } from './restart-loop.ts';

/** Kiosk processes that record their stops; each start hands its restart hook to the test. */
function launcher() {
  const stops: string[] = [];
  const hooks: ((reason: string) => void)[] = [];
  const start = async (onRestart: (reason: string) => void) => {
    hooks.push(onRestart);
    const n = hooks.length;
    return { stop: async (reason = 'stopped') => void stops.push(`${n}:${reason}`) } as unknown as RunningKioskProcess;
  };
  return { start, stops, hooks };
}
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('zizhu agent / zizhu start keep the kiosk running through HQ restart-app', () => {
  it('starts the kiosk process again after a restart-app, and stops the one running at the end', async () => {
    const l = launcher();
    const io = captureIo();
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const started: number[] = [];
    const done = keepRunning(l.start, { io, name: 'zizhu start', until, onStarted: (_p, n) => started.push(n) });
    await tick();
    l.hooks[0]!('HQ asked for a restart');
    await tick();
    expect(started).toEqual([0, 1]);
    expect(io.stdout).toEqual(['zizhu start: restart-app from HQ (HQ asked for a restart): starting again']);
    stop();
    expect(await done).toBe('signal');
    // the first stopped itself before asking; the second is stopped here
    expect(l.stops).toEqual(['2:signal']);
  });

  it('under systemd zizhu agent returns for exit 75 instead (Restart=always starts a fresh process)', async () => {
    expect(underSystemd({ INVOCATION_ID: 'f00d' })).toBe(true);
    expect(underSystemd({})).toBe(false);
    const l = launcher();
    const io = captureIo();
    const done = keepRunning(l.start, { io, name: 'zizhu agent', exitForRestart: true, until: new Promise(() => {}) });
    await tick();
    l.hooks[0]!('内存占用过高');
    expect(await done).toBe('restart');
    expect(l.hooks).toHaveLength(1);
    expect(io.stdout).toEqual([`zizhu agent: restart-app from HQ (内存占用过高): exiting (${EXIT_RESTART}) for the service manager to start it again`]);
  });
});
