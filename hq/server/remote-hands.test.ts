/**
 * HQ's side of issue 10's remote hands and self-test, through the real server (inject) on a pinned
 * clock: commands with arguments (set-promised-hours validated with the kiosk config's schema), the
 * signed screenshot upload, the operator's view of it and its expiry, and `self-test.result`
 * raising and clearing SELF_TEST_FAILED.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SCREENSHOT_MAX_BYTES, screenshotUploadPath } from '../../contracts/hq.ts';
import { signedUploadHeaders } from '../../contracts/hq-signing.ts';
import { CommandViewSchema, KioskDetailSchema } from '../../contracts/hq-api.ts';
import { testHq, type TestHq } from './test-hq.ts';
import type { IngestKiosk } from './testing.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const DAY = 24 * 60 * 60_000;
const HOURS = { promisedHours: { timezone: 'Asia/Shanghai', weekly: { mon: ['07:00-20:00'], tue: ['07:00-20:00'], wed: ['07:00-18:30'], thu: ['07:00-20:00'], fri: ['07:00-20:00'], sat: [], sun: [] } } };

let t: TestHq;
afterEach(async () => {
  await t?.close();
});

/** A kiosk that picks up its commands with one (empty) ingest. */
async function delivered(k: IngestKiosk) {
  const r = await k.send(t.hq.app, []);
  expect(r.status).toBe(200);
  return r.body.commands;
}

function upload(k: IngestKiosk, commandId: string, body: Buffer, o: { contentType?: string; secret?: string } = {}) {
  const path = screenshotUploadPath(commandId);
  return t.hq.app.inject({ method: 'POST', url: path, headers: signedUploadHeaders(k.id, o.secret ?? k.secret, path, body, t.clock.now(), o.contentType ?? 'image/png'), payload: body });
}

describe('remote hands at HQ', () => {
  it('set-promised-hours: refused with a 400 naming the field (nothing queued); valid hours are queued and handed out as sent, and audited', async () => {
    t = await testHq();
    const k = await t.kiosk('sz-hands-0001');
    const ops = await t.as('operator');
    const bad = await ops('POST', '/api/v1/kiosks/sz-hands-0001/commands', {
      type: 'set-promised-hours',
      args: { promisedHours: { ...HOURS.promisedHours, weekly: { ...HOURS.promisedHours.weekly, wed: ['18:30-07:00'] } } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/^args\.promisedHours\.weekly\.wed\[0\]: closes \(07:00\) before it opens \(18:30\)/);
    const typo = await ops('POST', '/api/v1/kiosks/sz-hands-0001/commands', { type: 'set-promised-hours', args: { promisedHours: { weekly: '24/7', exceptons: [] } } });
    expect(typo.json().error).toBe('args.promisedHours.exceptons: unknown key (did you mean "exceptions"?)');
    const none = await ops('POST', '/api/v1/kiosks/sz-hands-0001/commands', { type: 'set-promised-hours' });
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toMatch(/^args: required/);
    expect(await delivered(k)).toEqual([]);

    const ok = await ops('POST', '/api/v1/kiosks/sz-hands-0001/commands', { type: 'set-promised-hours', args: HOURS });
    expect(ok.statusCode).toBe(200);
    const [cmd] = await delivered(k);
    expect(cmd).toMatchObject({ id: ok.json().id, type: 'set-promised-hours', args: HOURS });
    const audit = await ops('GET', '/api/v1/audit');
    const entry = (audit.json().entries as { action: string; detail: string; user: string }[]).find((e) => e.action === 'command.send');
    expect(entry).toMatchObject({ user: 'operator1' });
    expect(entry!.detail).toContain(`set-promised-hours ${ok.json().id}: {"promisedHours"`);

    // restart-app carries its reason; a viewer may not send anything
    const restart = await ops('POST', '/api/v1/kiosks/sz-hands-0001/commands', { type: 'restart-app', reason: '内存占用过高' });
    expect((await delivered(k))[0]).toMatchObject({ id: restart.json().id, type: 'restart-app', args: { reason: '内存占用过高' } });
    const viewer = await t.as('viewer');
    expect((await viewer('POST', '/api/v1/kiosks/sz-hands-0001/commands', { type: 'test-print' })).statusCode).toBe(403);
  });

  it('screenshot: the signed upload is stored, served to a viewer with its expiry, refused when it is not the kiosk\'s screenshot, and pruned after 7 days', async () => {
    t = await testHq();
    const k = await t.kiosk('sz-hands-0002');
    const other = await t.kiosk('sz-hands-0003');
    const ops = await t.as('operator');
    const shot = (await ops('POST', '/api/v1/kiosks/sz-hands-0002/commands', { type: 'screenshot' })).json().id as string;
    const print = (await ops('POST', '/api/v1/kiosks/sz-hands-0002/commands', { type: 'test-print' })).json().id as string;
    // not handed out yet: no picture is expected
    expect((await upload(k, shot, PNG)).statusCode).toBe(409);
    expect((await delivered(k)).map((c) => c.type)).toEqual(['screenshot', 'test-print']);

    expect((await upload(k, shot, PNG, { secret: 'not-the-secret' })).statusCode).toBe(401);
    expect((await upload(other, shot, PNG)).statusCode).toBe(404);
    expect((await upload(k, print, PNG)).json().error).toMatch(/is a test-print, not a screenshot/);
    const notPng = await upload(k, shot, Buffer.from('GIF89a…'));
    expect([notPng.statusCode, notPng.json().error]).toEqual([400, 'body: not a image/png image (its first bytes say otherwise)']);
    expect((await upload(k, shot, PNG, { contentType: 'text/html' })).statusCode).toBe(415);
    const huge = Buffer.concat([PNG, Buffer.alloc(SCREENSHOT_MAX_BYTES)]);
    expect((await upload(k, shot, huge)).statusCode).toBe(413);

    const stored = await upload(k, shot, PNG);
    expect(stored.statusCode).toBe(201);
    const expiresAt = new Date(t.clock.now() + 7 * DAY).toISOString();
    expect(stored.json()).toEqual({ expiresAt });
    // a retry of the same upload changes nothing
    expect((await upload(k, shot, PNG)).statusCode).toBe(201);
    await k.send(t.hq.app, [k.event('command.result', { commandId: shot, type: 'screenshot', status: 'succeeded', detail: 'screenshot of the home screen uploaded (1 KiB image/png)' })]);

    const viewer = await t.as('viewer');
    const img = await viewer('GET', `/api/v1/screenshots/${shot}`);
    expect(img.statusCode).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(img.rawPayload.equals(PNG)).toBe(true);
    const detail = KioskDetailSchema.parse((await viewer('GET', '/api/v1/kiosks/sz-hands-0002')).json());
    const view = detail.commands.find((c) => c.id === shot)!;
    expect(view).toMatchObject({ status: 'succeeded', screenshot: { url: `/api/v1/screenshots/${shot}`, contentType: 'image/png', bytes: PNG.length, expiresAt } });
    expect(CommandViewSchema.parse((await viewer('GET', `/api/v1/commands/${shot}`)).json()).screenshot?.expiresAt).toBe(expiresAt);

    t.clock.advance(7 * DAY - 1);
    await t.hq.monitor.tick();
    // (a week later: a fresh login, the first session has ended)
    const later = await t.as('viewer', 'viewer-next-week');
    expect((await later('GET', `/api/v1/screenshots/${shot}`)).statusCode).toBe(200);
    t.clock.advance(1);
    await t.hq.monitor.tick();
    expect(await t.hq.db.selectFrom('screenshots').select('command_id').execute()).toEqual([]);
    const gone = await later('GET', `/api/v1/screenshots/${shot}`);
    expect([gone.statusCode, gone.json().error]).toEqual([404, `no screenshot for command ${shot} (none was taken, or it expired)`]);
    expect(KioskDetailSchema.parse((await later('GET', '/api/v1/kiosks/sz-hands-0002')).json()).commands.find((c) => c.id === shot)!.screenshot).toBeNull();
  });

  it('self-test.result: not ready raises SELF_TEST_FAILED naming the failed checks, ready clears it; an older result arriving late changes nothing', async () => {
    t = await testHq();
    const k = await t.kiosk('sz-hands-0004');
    const viewer = await t.as('viewer');
    const notReady = {
      trigger: 'window-start' as const,
      ready: false,
      checks: [
        { name: 'printer', ok: true, detail: 'status clean: online, paper present, cover closed' },
        { name: 'idReader', ok: false, detail: 'SAM not ok: IDREADER_SAM_FAULT: SAM self-test failed (60)' },
      ],
    };
    const first = k.event('self-test.result', notReady);
    expect((await k.send(t.hq.app, [first])).status).toBe(200);
    let d = KioskDetailSchema.parse((await viewer('GET', '/api/v1/kiosks/sz-hands-0004')).json());
    expect(d.selfTest).toMatchObject({ trigger: 'window-start', ready: false, checks: notReady.checks, at: first.at });
    const alarm = d.alarms.find((a) => a.code === 'SELF_TEST_FAILED')!;
    expect(alarm).toMatchObject({ status: 'active-unack', severity: 'major', device: 'kiosk' });
    expect(alarm.detail).toBe('self-test (window-start) not ready: idReader: SAM not ok: IDREADER_SAM_FAULT: SAM self-test failed (60)');

    t.clock.advance(60_000);
    const ready = k.event('self-test.result', { trigger: 'command', ready: true, checks: [{ name: 'idReader', ok: true, detail: 'SAM ok' }] });
    // the older (not ready) one again, under a new id, arrives after the ready one
    const late = k.event('self-test.result', notReady, { at: t.clock.now() - 30_000 });
    await k.send(t.hq.app, [ready, late]);
    d = KioskDetailSchema.parse((await viewer('GET', '/api/v1/kiosks/sz-hands-0004')).json());
    expect(d.selfTest).toMatchObject({ trigger: 'command', ready: true });
    expect(d.alarms.find((a) => a.code === 'SELF_TEST_FAILED')).toMatchObject({ status: 'cleared-unack', clearedAt: ready.at });
    expect(d.activeAlarms).toBe(0);
  });
});
