import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentToShellSchema } from '../../contracts/shell.ts';
import { parentPortShell } from './parent-port.ts';
import type { ShellProblemEvent } from './types.ts';
import { FakeParentPort } from './testing.ts';

function link(opts: { captureTimeoutMs?: number } = {}) {
  const port = new FakeParentPort();
  const lines: string[] = [];
  const shell = parentPortShell(port, { ...opts, log: { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) } })!;
  return { port, shell, lines };
}

describe('parentPortShell', () => {
  it('is undefined outside an Electron utilityProcess', () => {
    expect((process as { parentPort?: unknown }).parentPort).toBeUndefined();
    expect(parentPortShell()).toBeUndefined();
  });

  it('is an electron ShellConnection when given a port', () => {
    const { shell } = link();
    expect(shell.kind).toBe('electron');
  });

  it('sends load, reload and quit as valid contract messages', async () => {
    const { port, shell } = link();
    await shell.load('http://127.0.0.1:5000/?token=abc');
    await shell.reload('watchdog: frozen');
    await shell.close('stopping for maintenance');
    expect(port.posted).toEqual([
      { type: 'load', url: 'http://127.0.0.1:5000/?token=abc' },
      { type: 'reload', reason: 'watchdog: frozen' },
      { type: 'quit', reason: 'stopping for maintenance' },
    ]);
    for (const m of port.posted) expect(AgentToShellSchema.safeParse(m).success).toBe(true);
  });

  it('relaunch (HQ restart-app) asks Electron to relaunch the app, once, and closes the link', async () => {
    const { port, shell } = link();
    await shell.relaunch('HQ restart-app');
    await shell.close('stopped');
    expect(port.posted).toEqual([{ type: 'relaunch', reason: 'HQ restart-app' }]);
    expect(AgentToShellSchema.safeParse(port.posted[0]).success).toBe(true);
    await expect(shell.captureFrame()).rejects.toThrow(/link is closed/);
  });

  it('refuses to send an invalid message', async () => {
    const { port, shell } = link();
    await expect(shell.load('not a url')).rejects.toThrow(/invalid load/);
    expect(port.posted).toEqual([]);
  });

  it('emits problem for shell.problem, and ready for shell.ready', () => {
    const { port, shell } = link();
    const problems: ShellProblemEvent[] = [];
    const versions: string[] = [];
    shell.on('problem', (p) => problems.push(p));
    shell.on('ready', (v) => versions.push(v));
    port.deliver({ type: 'shell.ready', shell: 'electron', version: '41.7.1' });
    port.deliver({ type: 'shell.problem', problem: 'render-process-gone', detail: 'oom (exit code 9)', at: 123 });
    expect(versions).toEqual(['41.7.1']);
    expect(shell.shellVersion).toBe('41.7.1');
    expect(problems).toEqual([{ problem: 'render-process-gone', detail: 'oom (exit code 9)', at: 123 }]);
  });

  it('off() stops problem events', () => {
    const { port, shell } = link();
    const listener = vi.fn();
    shell.on('problem', listener);
    shell.off('problem', listener);
    port.deliver({ type: 'shell.problem', problem: 'unresponsive', detail: '', at: 1 });
    expect(listener).not.toHaveBeenCalled();
  });

  it('ignores and logs invalid messages', () => {
    const { port, shell, lines } = link();
    const listener = vi.fn();
    shell.on('problem', listener);
    port.deliver({ type: 'shell.problem', problem: 'on-fire', detail: 'x', at: 1 });
    port.deliver('garbage');
    port.deliver(undefined);
    expect(listener).not.toHaveBeenCalled();
    expect(lines.filter((l) => l.startsWith('warn electron shell: dropped an unreadable message'))).toHaveLength(3);
  });

  describe('captureFrame', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('resolves with the PNG of the frame that answers its request', async () => {
      const { port, shell } = link();
      const first = shell.captureFrame();
      const second = shell.captureFrame();
      const [a, b] = port.posted as { type: string; requestId: string }[];
      expect(a!.type).toBe('capture-frame');
      expect(a!.requestId).not.toBe(b!.requestId);
      const pngB = Buffer.from('89504e470d0a1a0a02', 'hex');
      const pngA = Buffer.from('89504e470d0a1a0a01', 'hex');
      port.deliver({ type: 'frame', requestId: b!.requestId, png: pngB.toString('base64') });
      port.deliver({ type: 'frame', requestId: a!.requestId, png: pngA.toString('base64') });
      await expect(first).resolves.toEqual(pngA);
      await expect(second).resolves.toEqual(pngB);
    });

    it('asks for a clip at a scale (issue 11), and refuses to ask for a nonsense one', async () => {
      const { port, shell } = link();
      void shell.captureFrame({ clip: { x: 0, y: 0, width: 184, height: 4 }, scale: 0.5 });
      expect(port.posted[0]).toMatchObject({ type: 'capture-frame', clip: { x: 0, y: 0, width: 184, height: 4 }, scale: 0.5 });
      await expect(shell.captureFrame({ scale: -1 })).rejects.toThrow(/refusing to send an invalid capture-frame: scale/);
    });

    it('rejects with the shell\'s reason when it has no frame', async () => {
      const { port, shell } = link();
      const frame = shell.captureFrame();
      const { requestId } = port.posted[0] as { requestId: string };
      port.deliver({ type: 'frame', requestId, error: 'the renderer is gone (crashed)' });
      await expect(frame).rejects.toThrow('electron shell: no frame: the renderer is gone (crashed)');
    });

    it('rejects clearly after 5 s without an answer, and drops the late answer', async () => {
      const { port, shell, lines } = link();
      const frame = shell.captureFrame();
      const expectation = expect(frame).rejects.toThrow(/no frame within 5000 ms/);
      await vi.advanceTimersByTimeAsync(4999);
      let settled = false;
      frame.then(() => (settled = true), () => (settled = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await expectation;
      const { requestId } = port.posted[0] as { requestId: string };
      port.deliver({ type: 'frame', requestId, png: 'AAAA' });
      expect(lines.some((l) => l.includes(`frame ${requestId} answers no pending capture`))).toBe(true);
    });

    it('close() rejects pending captures and stops listening', async () => {
      const { port, shell } = link();
      const frame = shell.captureFrame();
      await shell.close('agent stopping');
      await expect(frame).rejects.toThrow(/link closed \(agent stopping\)/);
      expect(port.listenerCount('message')).toBe(0);
      await expect(shell.captureFrame()).rejects.toThrow(/closed/);
    });
  });
});
