import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyFaultChange } from '../hq-events.ts';
import { DisplayConnectorWatch, judgeConnectors, readConnectors } from './display-connectors.ts';

let drm: string;
beforeEach(async () => {
  drm = await mkdtemp(join(tmpdir(), 'zizhu-drm-'));
});
afterEach(async () => {
  await rm(drm, { recursive: true, force: true });
});

/** A connector directory as the kernel lays it out: `<drm>/<name>/status`. */
async function connector(name: string, status: string) {
  await mkdir(join(drm, name), { recursive: true });
  await writeFile(join(drm, name, 'status'), `${status}\n`);
}

function watch(dir = drm) {
  const changes: AnyFaultChange[] = [];
  const logged: string[] = [];
  const w = new DisplayConnectorWatch({ drmDir: dir, report: (c) => changes.push(c), log: { info: (m) => logged.push(m), warn: (m) => logged.push(m) } });
  return { w, changes, logged };
}

describe('display connectors (/sys/class/drm laid out in a temporary directory)', () => {
  it('reads connectors only (card0, renderD128 and version are not), unknown kept as unknown', async () => {
    await connector('card0-HDMI-A-1', 'connected');
    await connector('card0-DP-1', 'unknown');
    await mkdir(join(drm, 'card0'));
    await mkdir(join(drm, 'renderD128'));
    await writeFile(join(drm, 'version'), 'drm 1.1.0\n');
    expect(Object.fromEntries(await readConnectors(drm))).toEqual({ 'card0-DP-1': 'unknown', 'card0-HDMI-A-1': 'connected' });
  });

  it('judges: lost = seen connected and now disconnected; all disconnected only when every one says so', () => {
    const now = new Map([['card0-HDMI-A-1', 'disconnected' as const], ['card0-DP-1', 'connected' as const]]);
    expect(judgeConnectors(now, new Set(['card0-HDMI-A-1']))).toEqual({ lost: ['card0-HDMI-A-1'], allDisconnected: false });
    expect(judgeConnectors(now, new Set())).toEqual({ lost: [], allDisconnected: false });
    expect(judgeConnectors(new Map([['card0-HDMI-A-1', 'disconnected' as const]]), new Set())).toEqual({ lost: [], allDisconnected: true });
    expect(judgeConnectors(new Map(), new Set())).toEqual({ lost: [], allDisconnected: false });
  });

  it('connected → disconnected raises once, connected again clears once', async () => {
    await connector('card0-HDMI-A-1', 'connected');
    await connector('card0-DP-1', 'disconnected');
    const { w, changes } = watch();
    await w.check();
    expect(changes).toEqual([]);
    await connector('card0-HDMI-A-1', 'disconnected');
    await w.check();
    await w.check();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ code: 'DISPLAY_DISCONNECTED', change: 'raised', device: 'screen', severity: 'fault' });
    expect(changes[0]!.detail).toMatch(/^display connector card0-HDMI-A-1 was connected and is now disconnected/);
    expect(changes[0]!.evidence).toEqual({ drmDir: drm, connectors: { 'card0-DP-1': 'disconnected', 'card0-HDMI-A-1': 'disconnected' } });
    await connector('card0-HDMI-A-1', 'connected');
    await w.check();
    expect(changes.map((c) => c.change)).toEqual(['raised', 'cleared']);
    expect(w.raised).toBe(false);
  });

  it('a kiosk started with every connector disconnected raises at once', async () => {
    await connector('card0-HDMI-A-1', 'disconnected');
    const { w, changes } = watch();
    await w.check();
    expect(changes.map((c) => [c.change, c.detail])).toEqual([['raised', expect.stringMatching(/^no display is connected \(card0-HDMI-A-1 all disconnected\)/)]]);
  });

  it('a connector saying unknown is not judged', async () => {
    await connector('card0-HDMI-A-1', 'connected');
    const { w, changes } = watch();
    await w.check();
    await connector('card0-HDMI-A-1', 'unknown');
    await w.check();
    expect(changes).toEqual([]);
  });

  it('no connectors on this machine: nothing to judge, said once in the log', async () => {
    const { w, changes, logged } = watch(join(drm, 'absent'));
    await w.check();
    await w.check();
    expect(changes).toEqual([]);
    expect(logged.filter((l) => /no connectors under/.test(l))).toHaveLength(1);
  });
});
