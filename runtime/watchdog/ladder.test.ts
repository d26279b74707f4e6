import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultCode } from '../../contracts/faults.ts';
import { RecoveryLadder, type LadderActions, type LadderStore, type RecoveryRecord } from './ladder.ts';
import { fileLadderStore } from './ladder-store.ts';

const T0 = Date.parse('2026-11-25T10:00:00+08:00');

function rig(o: { actions?: Partial<LadderActions>; store?: LadderStore; failing?: string[] } = {}) {
  let t = T0;
  const done: string[] = [];
  const records: RecoveryRecord[] = [];
  const act = (name: string) => async () => {
    done.push(name);
    if (o.failing?.includes(name)) throw new Error(`${name} refused`);
  };
  const service: boolean[] = [];
  const actions: LadderActions = {
    reload: act('reload'),
    restartShell: act('restart-shell'),
    restartAgent: act('restart-agent'),
    outOfService: (on) => void service.push(on),
    ...o.actions,
  };
  const settle = () => new Promise((r) => setImmediate(r));
  const ladder = new RecoveryLadder({ actions, record: (r) => records.push(r), now: () => t, ...(o.store ? { store: o.store } : {}) });
  return {
    ladder,
    done,
    records,
    service,
    outcomes: () => records.map((r) => `${r.step} ${r.outcome}`),
    advance: (ms: number) => (t += ms),
    settle,
    /** the fault asked to be recovered once at each of these moments (ms after the previous one) */
    askAt: async (code: FaultCode, reason: string, gapsMs: number[]) => {
      for (const gap of gapsMs) {
        t += gap;
        ladder.recover(code, reason);
        await settle();
      }
    },
  };
}

describe('the recovery ladder', () => {
  it('climbs one rung at a time, giving each its time: reload twice, the shell, the agent, then out of service', async () => {
    const r = rig();
    const ask = async () => {
      r.ladder.recover(FaultCode.SCREEN_FROZEN, 'marker 7 on the glass, 9 painted');
      await r.settle();
    };
    await ask();
    await ask(); // asked again at once: the reload is still being given its time
    r.advance(5_000);
    await ask();
    expect(r.done).toEqual(['reload']);
    r.advance(10_000); // 15 s after the first reload
    await ask();
    expect(r.done).toEqual(['reload', 'reload']);
    r.advance(29_000);
    await ask();
    expect(r.done).toHaveLength(2); // the wait doubled: 30 s
    r.advance(1_000);
    await ask();
    r.advance(60_000);
    await ask();
    r.advance(120_000);
    await ask();
    expect(r.done).toEqual(['reload', 'reload', 'restart-shell', 'restart-agent']);
    expect(r.service).toEqual([true]);
    expect(r.ladder.state).toMatchObject({ outOfService: true, fault: 'SCREEN_FROZEN' });
    expect(r.outcomes()).toEqual([
      'reload tried',
      'reload no-effect',
      'reload tried',
      'reload no-effect',
      'restart-shell tried',
      'restart-shell no-effect',
      'restart-agent tried',
      'restart-agent no-effect',
      'out-of-service out-of-service',
    ]);
    r.advance(600_000);
    await ask(); // out of service: nothing more is tried, the fault keeps being reported by the watchdog
    expect(r.done).toHaveLength(4);
    expect(r.records.every((x) => x.fault === 'SCREEN_FROZEN')).toBe(true);
  });

  it('records the rung that helped, and starts at the bottom again after a healthy period', async () => {
    const r = rig();
    r.ladder.recover(FaultCode.RENDERER_HUNG, 'animation frames stopped');
    await r.settle();
    r.advance(3_000);
    r.ladder.healthy();
    expect(r.outcomes()).toEqual(['reload tried', 'reload recovered']);
    r.advance(60_000);
    r.ladder.healthy(); // still within the healthy period: one record only
    expect(r.records).toHaveLength(2);
    // it comes back within the healthy period: acted on at once, on the rung reached (the reload's second attempt)
    r.ladder.recover(FaultCode.RENDERER_HUNG, 'again');
    await r.settle();
    expect(r.outcomes().slice(2)).toEqual(['reload tried']);
    expect(r.records.at(-1)).toMatchObject({ attempt: 2 });
    r.advance(1_000);
    r.ladder.healthy();
    r.advance(600_000);
    r.ladder.healthy();
    expect(r.outcomes().slice(-1)).toEqual(['reload reset']);
    expect(r.ladder.state).toMatchObject({ level: 0, attempts: 0, lastAt: null });
    r.ladder.recover(FaultCode.SCREEN_COVERED, 'no marker');
    await r.settle();
    expect(r.done).toEqual(['reload', 'reload', 'reload']);
  });

  it('a screen that keeps failing soon after each recovery climbs too: two reloads helped, the third fault restarts the shell', async () => {
    const r = rig();
    for (let i = 0; i < 3; i++) {
      r.ladder.recover(FaultCode.SCREEN_COVERED, `no marker (${i + 1})`);
      await r.settle();
      r.advance(2_000);
      r.ladder.healthy();
      r.advance(60_000);
      r.ladder.healthy();
    }
    expect(r.done).toEqual(['reload', 'reload', 'restart-shell']);
    expect(r.outcomes()).toEqual(['reload tried', 'reload recovered', 'reload tried', 'reload recovered', 'restart-shell tried', 'restart-shell recovered']);
  });

  it('skips the rungs this kiosk cannot take, and records a step that failed', async () => {
    const r = rig({ actions: { restartShell: undefined, restartAgent: undefined }, failing: ['reload'] });
    await r.askAt(FaultCode.SCREEN_BLACK, 'flat #000000', [0]);
    expect(r.records[1]).toMatchObject({ step: 'reload', outcome: 'failed', detail: 'the step itself failed: reload refused' });
    await r.askAt(FaultCode.SCREEN_BLACK, 'flat #000000', [15_000, 30_000]);
    expect(r.done).toEqual(['reload', 'reload']);
    expect(r.outcomes().at(-1)).toBe('out-of-service out-of-service');
    expect(r.service).toEqual([true]);
  });

  describe('across the agent restart', () => {
    let dir: string | undefined;
    afterEach(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it('the restarted agent goes on from the rung it reached, stays out of service, and comes back when the screen is proven', async () => {
      dir = await mkdtemp(join(tmpdir(), 'zizhu-ladder-'));
      const file = join(dir, 'recovery-ladder.json');
      const first = rig({ store: fileLadderStore(file), actions: { restartShell: undefined } });
      await first.askAt(FaultCode.GPU_CRASHED, 'no GPU process', [0, 15_000, 30_000]);
      expect(first.done).toEqual(['reload', 'reload', 'restart-agent']);
      // the agent restarted: a new ladder on the same file
      const second = rig({ store: fileLadderStore(file), actions: { restartShell: undefined } });
      expect(second.ladder.state).toMatchObject({ level: 2, attempts: 1, fault: 'GPU_CRASHED' });
      second.advance(120_000); // (this rig's clock starts at T0 again: the restart-agent rung was tried at T0 + 45 s, and is given 60 s)
      second.ladder.recover(FaultCode.GPU_CRASHED, 'still no GPU process');
      expect(second.outcomes()).toEqual(['restart-agent no-effect', 'out-of-service out-of-service']);
      expect(second.service).toEqual([true]);
      // and once more after another restart: out of service from the start
      const third = rig({ store: fileLadderStore(file) });
      expect(third.service).toEqual([true]);
      third.ladder.healthy();
      expect(third.service).toEqual([true, false]);
      expect(third.outcomes()).toEqual(['out-of-service back-in-service']);
    });

    it('a damaged state file is a ladder at rest', async () => {
      dir = await mkdtemp(join(tmpdir(), 'zizhu-ladder-'));
      const file = join(dir, 'recovery-ladder.json');
      await writeFile(file, '{"level": 9, "attempts": "x", "outOfService": true');
      const r = rig({ store: fileLadderStore(file) });
      expect(r.ladder.state).toEqual({ level: 0, attempts: 0, climbAttempts: 0, lastAt: null, fault: null, outOfService: false, recovered: false });
      await writeFile(file, JSON.stringify({ level: 9, attempts: -1, climbAttempts: 2, lastAt: 'soon', fault: 7, outOfService: true }));
      expect(rig({ store: fileLadderStore(file) }).ladder.state).toEqual({ level: 0, attempts: 0, climbAttempts: 2, lastAt: null, fault: null, outOfService: false, recovered: false });
      expect(r.service).toEqual([]);
    });
  });
});
