/**
 * Issue 11's recovery ladder end to end: the agent with its own headless Chromium, reporting to a real
 * HQ (SQLite file, heartbeat 1 s). Something draws over every page the browser loads (a script the
 * test's own DevTools session adds to every new document of the shell's page), so a reload cannot
 * help: the ladder climbs to restarting the browser, which does (the new browser has no such script).
 * Then a cover that survives the new browser too: nothing is left to try (this agent has nothing that
 * would start it again), the kiosk goes out of service and says why, and comes back when the cover
 * goes. HQ sees every rung with its outcome, and the alarm raised and cleared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningKioskProcess } from '../../runtime/kiosk-process.ts';
import type { ChromiumShell } from '../../runtime/shell/chromium.ts';
import type { RunningHq } from '../../hq/server/server.ts';
import { startKioskAtHq, type KioskAtHq } from '../kiosk-at-hq.ts';
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

describe('the recovery ladder at a real HQ', () => {
  let stack: KioskAtHq | undefined;
  let hq: RunningHq;
  let k: RunningKioskProcess;

  const shell = () => k.shell as ChromiumShell;
  /** the ladder's rungs HQ got, as `step outcome` */
  const rungs = async () =>
    (await hq.db.selectFrom('events').select(['payload']).where('kiosk_id', '=', KIOSK).where('type', '=', 'watchdog.recovery').orderBy('seq').execute()).map((e) => {
      const p = JSON.parse(e.payload) as { step: string; outcome: string };
      return `${p.step} ${p.outcome}`;
    });
  const alarm = () =>
    hq.db.selectFrom('alarms').select(['status', 'count']).where('kiosk_id', '=', KIOSK).where('code', '=', 'SCREEN_COVERED').orderBy('generation', 'desc').limit(1).executeTakeFirst();
  const kioskRow = () => hq.db.selectFrom('kiosks').select(['lifecycle']).where('id', '=', KIOSK).executeTakeFirstOrThrow();
  /** the cover on every document the shell's current page loads from now on, and on the one it shows */
  const coverEveryPage = async (): Promise<string> => {
    const page = shell().page!;
    const { identifier } = (await page.send('Page.addScriptToEvaluateOnNewDocument', { source: COVER })) as { identifier: string };
    await page.evaluate(COVER);
    return identifier;
  };

  beforeAll(async () => {
    stack = await startKioskAtHq({
      prefix: 'zizhu-ladder-',
      now: pinnedNow(NOON_SHANGHAI),
      id: KIOSK,
      secretEnv: SECRET_ENV,
      watchdog: { markerEveryMs: 300, frameEveryMs: 5_000, checkEveryMs: 300, paintTimeoutMs: 3_000, reloadGraceMs: 1_500 },
      // one reload, then the browser; each rung is given 3 s, then 6 s
      recovery: { attempts: { reload: 1, 'restart-shell': 1, 'restart-agent': 1 }, firstWaitMs: 3_000, maxWaitMs: 6_000 },
    });
    ({ hq, k } = stack);
    await until('a proven home screen', () => k.agent.bridge!.lastPainted?.screen === 'home' && k.watchdog!.faults.length === 0 && k.watchdog!.graceLeftMs === 0, 30_000);
  }, 60_000);
  afterAll(() => stack?.close());

  it('a cover that comes back with every reload: reload (no effect) → the browser restarted → recovered, SCREEN_COVERED cleared at HQ', async () => {
    const firstBrowser = shell().page;
    await coverEveryPage();
    await until('SCREEN_COVERED active at HQ', async () => (await alarm())?.status.startsWith('active'), 15_000, 100);
    await until('the browser restarted and the screen proven', async () => (await rungs()).includes('restart-shell recovered'), 40_000, 200);
    expect(shell().page).not.toBe(firstBrowser);
    expect(await rungs()).toEqual(['reload tried', 'reload no-effect', 'restart-shell tried', 'restart-shell recovered']);
    await until('SCREEN_COVERED cleared at HQ', async () => (await alarm())?.status.startsWith('cleared'), 15_000, 100);
    expect(k.recovery!.ladder.state).toMatchObject({ level: 1, recovered: true, outOfService: false });
  }, 90_000);

  it('a cover the new browser cannot shake off either: nothing left to try (nothing would start this agent again) → out of service with the reason, back in service when it goes', async () => {
    const before = (await rungs()).length;
    const script = await coverEveryPage();
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
