/** restart-app's decision of who starts the kiosk again (process-hands.ts), with the process's parts faked. */
import { describe, expect, it } from 'vitest';
import type { Kiosk } from '../kiosk/kiosk.ts';
import type { RunningBridge } from '../bridge/server.ts';
import type { ShellConnection } from '../shell/types.ts';
import { kioskProcessHands } from './process-hands.ts';
import { until } from './testing.ts';

const log = { info: () => undefined, error: () => undefined };
const kioskWith = (activeSession: unknown) => ({ lifecycle: { getSnapshot: () => ({ context: { activeSession } }) } }) as unknown as Kiosk;

function rig(o: { session?: boolean; relaunch?: boolean; onRestart?: boolean }) {
  const calls: string[] = [];
  const shell = { ...(o.relaunch ? { relaunch: async () => void calls.push('relaunch') } : {}) } as unknown as ShellConnection;
  const hands = kioskProcessHands({
    agent: { kiosk: kioskWith(o.session ? { id: 's1' } : null), log },
    bridge: {} as RunningBridge,
    shell,
    stop: async (reason, relaunch) => void calls.push(`stop ${relaunch ? 'for relaunch' : 'quit'}: ${reason}`),
    ...(o.onRestart ? { onRestart: (reason: string) => void calls.push(`start again: ${reason}`) } : {}),
  });
  return { hands, calls };
}

describe('restart-app in the kiosk process', () => {
  it('under Electron: stops for a relaunch (the shell starts the app again); nothing here starts it', async () => {
    const r = rig({ relaunch: true, onRestart: true });
    await r.hands.restartApp!('screen sluggish');
    await until('stopped', () => r.calls.length > 0);
    expect(r.calls).toEqual(['stop for relaunch: HQ restart-app: screen sluggish']);
    await expect(r.hands.restartApp!('again')).rejects.toThrow('a restart is already under way');
  });

  it('otherwise: stops, then the launcher starts it again; refused with nobody to start it, or while a customer is served', async () => {
    const r = rig({ onRestart: true });
    await r.hands.restartApp!('nightly');
    await until('started again', () => r.calls.length === 2);
    expect(r.calls).toEqual(['stop quit: HQ restart-app: nightly', 'start again: nightly']);
    await expect(rig({}).hands.restartApp!('x')).rejects.toThrow(/nothing would start this agent again/);
    const busy = rig({ session: true, onRestart: true });
    await expect(busy.hands.restartApp!('x')).rejects.toThrow(/a customer is being served/);
    expect(busy.calls).toEqual([]);
  });
});
