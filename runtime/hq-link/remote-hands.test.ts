/**
 * The remote hands' dispatch through a real link and journal against the fake HQ: what each command
 * answers without its hand, a refusal, restart-app finished by the next start, and the kiosk's own
 * check of set-promised-hours (promised-hours.ts) with the override file it keeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKioskConfig, type KioskConfig } from '../../kiosk-config/schema.ts';
import { startHqLink } from './link.ts';
import { HOURS_OVERRIDE_FILE, setPromisedHours, withHoursOverride } from './promised-hours.ts';
import { ScreenshotRefused } from './remote-hands.ts';
import { linkBench, KIOSK_ID, LinesLog, QUIET_FACTS, SECRET, SECRET_ENV, type LinkBench } from './test-helpers.ts';
import { until } from './testing.ts';

const command = (type: string, args: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type,
  args,
  issuedAt: new Date(Date.now() - 1_000).toISOString(),
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
});
const examples = join(import.meta.dirname, '..', '..', 'kiosk-config', 'examples');

let b: LinkBench;
afterEach(async () => {
  await b?.close();
});
const resultOf = (id: string) => b.hq.ofType('command.result').find((e) => e.payload.commandId === id)?.payload;
async function send(c: ReturnType<typeof command>) {
  b.hq.queueCommand(c);
  b.journal.outbox.enqueue('staff.pin-rejected', { failures: 1 });
  return until(`the result of ${c.type}`, () => resultOf(c.id));
}

describe('remote hands through the link', () => {
  it('each command without its hand fails saying why; a refused screenshot says the reason', async () => {
    b = await linkBench();
    const link = b.start();
    expect(await send(command('test-print'))).toMatchObject({ status: 'failed', detail: 'this agent has no printer to test' });
    expect(await send(command('screenshot'))).toMatchObject({ status: 'failed', detail: 'this agent has no screen to take a picture of' });
    expect(await send(command('restart-app'))).toMatchObject({ status: 'failed', detail: 'this agent cannot restart itself (nothing would start it again)' });
    link.provideRemoteHands({
      captureScreen: async () => {
        throw new ScreenshotRefused('a customer is being served (a session is on screen)');
      },
      restartApp: async () => {
        throw new Error('a customer is being served; send it again when the kiosk is idle, or lock the kiosk first');
      },
    });
    expect(await send(command('screenshot'))).toMatchObject({ status: 'failed', detail: 'no screenshot: a customer is being served (a session is on screen)' });
    expect((await send(command('restart-app')))!.detail).toMatch(/^not restarted: a customer is being served/);
    // a picture HQ will not take (the fake HQ has no upload route): failed with HQ's answer
    link.provideRemoteHands({ captureScreen: async () => ({ image: Buffer.from('89504e470d0a1a0a', 'hex'), contentType: 'image/png', screen: 'home' }) });
    expect((await send(command('screenshot')))!.detail).toMatch(/^screenshot could not be carried out: HQ refused the upload \(404\)/);
  });

  it('restart-app: journaled as running, no result before the restart; the next start answers succeeded', async () => {
    b = await linkBench();
    const link = b.start();
    const reasons: string[] = [];
    link.provideRemoteHands({ restartApp: async (reason) => void reasons.push(reason) });
    const c = command('restart-app', { reason: '内存占用过高' });
    b.hq.queueCommand(c);
    b.journal.outbox.enqueue('staff.pin-rejected', { failures: 1 });
    await until('the restart asked for', () => reasons.length === 1);
    expect(reasons).toEqual(['内存占用过高']);
    expect(b.journal.hqLink.command(c.id)).toMatchObject({ status: 'running' });
    await link.stop();
    expect(resultOf(c.id)).toBeUndefined();
    // the next start of the agent: the same journal, a new link
    b.link = startHqLink({
      config: { url: b.hq.url, credentialsRef: `env:${SECRET_ENV}`, heartbeatSeconds: 3_600 },
      kioskId: KIOSK_ID,
      journal: b.journal,
      log: new LinesLog(),
      env: { [SECRET_ENV]: SECRET },
      heartbeat: () => QUIET_FACTS,
      backoff: { initialMs: 5, maxMs: 40 },
    });
    const r = await until('the result after the restart', () => resultOf(c.id));
    expect(r).toMatchObject({ type: 'restart-app', status: 'succeeded' });
    expect(r!.detail).toMatch(/^the kiosk app restarted: asked at .+Z, running again since .+Z$/);
  });
});

describe('set-promised-hours on the kiosk (promised-hours.ts)', () => {
  const fresh = (): KioskConfig => loadKioskConfig(join(examples, 'hospital-lobby.json'));
  const week = { mon: ['07:00-20:00'], tue: ['07:00-20:00'], wed: ['07:00-18:30'], thu: ['07:00-20:00'], fri: ['07:00-20:00'], sat: [], sun: [] };

  it('validated again with the config schema; applied in place, kept in the data dir, reported with its version; read back at the next start', async () => {
    b = await linkBench();
    const config = fresh();
    const applied: unknown[] = [];
    const target = { config, dataDir: b.dir, now: () => Date.parse('2026-06-10T10:00:00Z'), apply: (h: unknown) => void applied.push(h), report: () => 'abcdef012345' };
    expect(setPromisedHours(target, { promisedHours: { weekly: { ...week, wed: ['07:00-25:00'] } } }, 'c1')).toEqual({
      status: 'failed',
      detail: expect.stringMatching(/^invalid hours: promisedHours\.weekly\.wed\[0\]: expected a time range/),
    });
    expect(setPromisedHours(target, { promisedHours: { weekly: '24/7' }, services: { providentFundStatement: { hours: null } } }, 'c2')).toEqual({
      status: 'failed',
      detail: 'invalid hours: services.providentFundStatement: not offered on this kiosk',
    });
    expect(existsSync(join(b.dir, HOURS_OVERRIDE_FILE))).toBe(false);
    expect(applied).toEqual([]);

    const change = { promisedHours: { timezone: 'Asia/Shanghai', weekly: week }, services: { hospitalRegistration: { hours: { weekly: { ...week, wed: ['08:00-17:00'] } } } } };
    const ok = setPromisedHours(target, change, 'c3');
    expect(ok).toEqual({ status: 'succeeded', detail: 'promised hours applied (version abcdef012345; weekly schedule, 0 exception date(s), Asia/Shanghai); kept across restarts' });
    expect(applied).toHaveLength(1);
    const wed = (config.promisedHours.weekly as Record<string, { close: string }[]>).wed![0]!;
    expect(wed.close).toBe('18:30');
    expect((config.services.hospitalRegistration!.hours!.weekly as Record<string, { open: string }[]>).wed![0]!.open).toBe('08:00');
    const kept = JSON.parse(readFileSync(join(b.dir, HOURS_OVERRIDE_FILE), 'utf8'));
    expect(kept).toEqual({ setBy: 'hq', commandId: 'c3', appliedAt: '2026-06-10T10:00:00.000Z', change });

    // the next start: the file's hours replace the config file's; the file given is not changed
    const log = new LinesLog();
    const fromFile = fresh();
    const running = withHoursOverride(fromFile, b.dir, log);
    expect(running.promisedHours).toEqual(config.promisedHours);
    expect(running.services.hospitalRegistration!.hours).toEqual(config.services.hospitalRegistration!.hours);
    expect(fromFile.promisedHours).toEqual(fresh().promisedHours);
    expect(log.text()).toMatch(/promised hours as HQ set them \(set-promised-hours c3 at 2026-06-10T10:00:00.000Z/);

    // a file that no longer fits is ignored, loudly
    writeFileSync(join(b.dir, HOURS_OVERRIDE_FILE), JSON.stringify({ change: { promisedHours: { weekly: 'always' } } }));
    expect(withHoursOverride(fresh(), b.dir, log).promisedHours).toEqual(fresh().promisedHours);
    expect(log.text()).toMatch(/no longer fits this kiosk \(invalid hours: promisedHours\.weekly: expected "24\/7"/);
  });
});
