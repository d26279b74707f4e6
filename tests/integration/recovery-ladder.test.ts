/**
 * Issue 11's recovery ladder end to end: the agent with its own headless Chromium, reporting to a real
 * HQ (SQLite file, heartbeat 1 s). Something draws over every page the browser loads (a script the
 * test's own DevTools session adds to every new document of the shell's page), so a reload cannot
 * help: the ladder climbs to restarting the browser, which does (the new browser has no such script).
 * Then a cover that survives the new browser too: nothing is left to try (this agent has nothing that
 * would start it again), the kiosk goes out of service and says why, and comes back when the cover
 * goes. HQ sees every rung with its outcome, and the alarm raised and cleared. Last, a kiosk whose
 * launcher starts it again: the ladder restarts the agent, and the new run clears the old run's alarm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice } from '../../backends/simulators.ts';
import type { RunningKioskProcess } from '../../runtime/kiosk-process.ts';
import type { ChromiumShell } from '../../runtime/shell/chromium.ts';
import type { RunningHq } from '../../hq/server/server.ts';
import { enrolledSimConfig, startChromiumKiosk, startKioskAtHq, startTestHq, type KioskAtHq } from '../kiosk-at-hq.ts';
import { startRestarting, type RestartingKiosk } from '../restarting-kiosk.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';

const KIOSK = 'sz-futian-gov-0012';
const SECRET_ENV = 'ZIZHU_LADDER_HQ_SECRET';
/** someone else's full-page window over ours (content, not a flat colour) */
const COVER = `(() => {
  const draw = () => {
    if (document.getElementById('foreign-cover')) return;
    const d = document.createElement('div');
    d.id = 'foreign-cover';
    d.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:#f3f3f3;font:40px sans-serif;padding:80px';
    d.innerHTML = '<div style="background:#0078d4;color:#fff;padding:40px">Updates are being installed</div>';
    document.documentElement.appendChild(d);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw); else draw();
})()`;

/** the ladder's rungs `hq` got from `kioskId`, as `step outcome` */
const rungsAt = async (hq: RunningHq, kioskId: string) =>
  (await hq.db.selectFrom('events').select(['payload']).where('kiosk_id', '=', kioskId).where('type', '=', 'watchdog.recovery').orderBy('seq').execute()).map((e) => {
    const p = JSON.parse(e.payload) as { step: string; outcome: string };
    return `${p.step} ${p.outcome}`;
  });
/** the latest SCREEN_COVERED alarm of `kioskId` at `hq` */
const coveredAlarmAt = (hq: RunningHq, kioskId: string) =>
  hq.db.selectFrom('alarms').select(['status', 'count']).where('kiosk_id', '=', kioskId).where('code', '=', 'SCREEN_COVERED').orderBy('generation', 'desc').limit(1).executeTakeFirst();
/** the cover on every document the shell's current page loads from now on, and on the one it shows */
const coverEveryPage = async (shell: ChromiumShell): Promise<string> => {
  const page = shell.page!;
  const { identifier } = (await page.send('Page.addScriptToEvaluateOnNewDocument', { source: COVER })) as { identifier: string };
  await page.evaluate(COVER);
  return identifier;
};
const WATCHDOG = { markerEveryMs: 300, frameEveryMs: 5_000, checkEveryMs: 300, paintTimeoutMs: 3_000, reloadGraceMs: 1_500 };

describe('the recovery ladder at a real HQ', () => {
  let stack: KioskAtHq | undefined;
  let hq: RunningHq;
  let k: RunningKioskProcess;

  const shell = () => k.shell as ChromiumShell;
  const rungs = () => rungsAt(hq, KIOSK);
  const alarm = () => coveredAlarmAt(hq, KIOSK);
  const kioskRow = () => hq.db.selectFrom('kiosks').select(['lifecycle']).where('id', '=', KIOSK).executeTakeFirstOrThrow();

  beforeAll(async () => {
    stack = await startKioskAtHq({
      prefix: 'zizhu-ladder-',
      now: pinnedNow(NOON_SHANGHAI),
      id: KIOSK,
      secretEnv: SECRET_ENV,
      watchdog: WATCHDOG,
      // one reload, then the browser; each rung is given 3 s, then 6 s
      recovery: { attempts: { reload: 1, 'restart-shell': 1, 'restart-agent': 1 }, firstWaitMs: 3_000, maxWaitMs: 6_000 },
    });
    ({ hq, k } = stack);
    await until('a proven home screen', () => k.agent.bridge!.lastPainted?.screen === 'home' && k.watchdog!.faults.length === 0 && k.watchdog!.graceLeftMs === 0, 30_000);
  }, 60_000);
  afterAll(() => stack?.close());

  it('a cover that comes back with every reload: reload (no effect) → the browser restarted → recovered, SCREEN_COVERED cleared at HQ', async () => {
    const firstBrowser = shell().page;
    await coverEveryPage(shell());
    await until('SCREEN_COVERED active at HQ', async () => (await alarm())?.status.startsWith('active'), 15_000, 100);
    await until('the browser restarted and the screen proven', async () => (await rungs()).includes('restart-shell recovered'), 40_000, 200);
    expect(shell().page).not.toBe(firstBrowser);
    expect(await rungs()).toEqual(['reload tried', 'reload no-effect', 'restart-shell tried', 'restart-shell recovered']);
    await until('SCREEN_COVERED cleared at HQ', async () => (await alarm())?.status.startsWith('cleared'), 15_000, 100);
    expect(k.recovery!.ladder.state).toMatchObject({ level: 1, recovered: true, outOfService: false });
  }, 90_000);

  it('a cover the new browser cannot shake off either: nothing left to try (nothing would start this agent again) → out of service with the reason, back in service when it goes', async () => {
    const before = (await rungs()).length;
    const script = await coverEveryPage(shell());
    await until('out of service', () => k.agent.kiosk!.lifecycle.getSnapshot().context.status === 'outOfService', 40_000, 200);
    const c = k.agent.kiosk!.lifecycle.getSnapshot().context;
    expect(c.acceptsNewSessions).toBe(false);
    expect(c.availability.providentFundStatement!.reasons[0]).toMatchObject({ code: 'SCREEN' });
    expect(c.availability.providentFundStatement!.reasons[0]!.zh).toMatch(/^屏幕故障：SCREEN_COVERED: no rung of the recovery ladder helped/);
    // the shell's rung was used up by the first case (its fault came back within the healthy period): straight on
    await until('HQ has the rungs', async () => (await rungs()).slice(before).includes('out-of-service out-of-service'), 15_000, 100);
    expect((await rungs()).slice(before)).toEqual(['out-of-service out-of-service']);
    await until('HQ shows it out of service', async () => (await kioskRow()).lifecycle === 'outOfService', 15_000, 100);
    // the cover goes (someone closed the window on site): the screen is proven, the kiosk serves again
    await shell().page!.send('Page.removeScriptToEvaluateOnNewDocument', { identifier: script });
    await shell().page!.evaluate("document.getElementById('foreign-cover')?.remove()");
    await until('back in service', () => k.agent.kiosk!.lifecycle.getSnapshot().context.status === 'inService', 30_000, 200);
    // the rung reaches HQ through the outbox, a moment after the lifecycle changed here
    await until('HQ has the way back', async () => (await rungs()).slice(before).includes('out-of-service back-in-service'), 15_000, 100);
    expect((await rungs()).slice(before)).toEqual(['out-of-service out-of-service', 'out-of-service back-in-service']);
    await until('SCREEN_COVERED cleared at HQ', async () => (await alarm())?.status.startsWith('cleared'), 15_000, 100);
  }, 90_000);
});

describe('the ladder restarts the agent when something starts it again', () => {
  const ID = 'sz-futian-gov-0013';
  let dir: string;
  let hq: RunningHq | undefined;
  let kiosk: RestartingKiosk | undefined;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-ladder-agent-'));
    const now = pinnedNow(NOON_SHANGHAI);
    hq = await startTestHq(dir, now);
    const hw = await startKioskHardware({ dir: join(dir, 'sim') });
    const bo = await startBackOffice({ now });
    stops.push(() => bo.close(), () => hw.close(), () => hq!.close());
    const { config, env } = await enrolledSimConfig({ hq, hw, bo, now, id: ID, secretEnv: 'ZIZHU_LADDER_AGENT_HQ_SECRET' });
    // as zizhu start does: the agent stopped itself cleanly to be restarted, so it is started again
    kiosk = await startRestarting((onRestart) =>
      startChromiumKiosk({
        config,
        dir,
        now,
        env,
        watchdog: WATCHDOG,
        // one reload, no browser restart (so the cover survives it), then the agent
        recovery: { attempts: { reload: 1, 'restart-shell': 0, 'restart-agent': 1 }, firstWaitMs: 3_000, maxWaitMs: 6_000 },
        onRestart,
      }),
    );
    const k = kiosk.current;
    await until('a proven home screen', () => k.agent.bridge!.lastPainted?.screen === 'home' && k.watchdog!.faults.length === 0 && k.watchdog!.graceLeftMs === 0, 30_000);
  }, 60_000);
  afterAll(async () => {
    await kiosk?.stop();
    for (const stop of stops.reverse()) await stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a cover the reload cannot shake off: the agent restarted (a new browser with it) → the new run proves the screen → restart-agent recovered, and its heartbeat clears SCREEN_COVERED at HQ', async () => {
    const first = kiosk!.current;
    await coverEveryPage(first.shell as ChromiumShell);
    await until('SCREEN_COVERED active at HQ', async () => (await coveredAlarmAt(hq!, ID))?.status.startsWith('active'), 15_000, 100);
    await until('the agent restarted', () => kiosk!.restarts === 1, 40_000, 200);
    const k = kiosk!.current;
    expect(k).not.toBe(first);
    await until('HQ has the rung recovered', async () => (await rungsAt(hq!, ID)).includes('restart-agent recovered'), 30_000, 200);
    expect(await rungsAt(hq!, ID)).toEqual(['reload tried', 'reload no-effect', 'restart-agent tried', 'restart-agent recovered']);
    // the old run could not say it cleared: the new run's heartbeat, having proven the screen, does
    await until('SCREEN_COVERED cleared at HQ', async () => (await coveredAlarmAt(hq!, ID))?.status.startsWith('cleared'), 15_000, 100);
    const starts = await hq!.db.selectFrom('events').select('id').where('kiosk_id', '=', ID).where('type', '=', 'agent.started').execute();
    expect(starts).toHaveLength(2);
    expect(k.recovery!.ladder.state).toMatchObject({ level: 2, recovered: true, outOfService: false });
    expect(k.agent.kiosk!.lifecycle.getSnapshot().context.status).toBe('inService');
  }, 90_000);
});
