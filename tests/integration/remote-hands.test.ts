/**
 * Issue 10's remote hands and self-test through the real path: an operator sends the command through
 * HQ's API (a real HQ server on an SQLite file), HQ hands it to the real kiosk agent (the three
 * simulated devices on PTYs, the back-office simulators, the lifecycle) in an ingest answer, the
 * agent carries it out and its `command.result` / `self-test.result` come back to HQ. Kiosk, back
 * offices and HQ share one clock, pinned per test at a Wednesday in Shanghai (running on at real
 * speed, so a window opens or closes a few seconds into the test).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandView } from '../../contracts/hq-api.ts';
import { createUser } from '../../hq/server/auth/index.ts';
import { TEST_SCRYPT } from '../../hq/server/auth/test-helpers.ts';
import { enrollKiosk } from '../../hq/server/kiosks/enroll.ts';
import { startHqServer, type RunningHq } from '../../hq/server/server.ts';
import { HOURS_OVERRIDE_FILE } from '../../runtime/hq-link/promised-hours.ts';
import { startKioskStack, type KioskStack } from '../e2e/kiosk-stack.ts';
import { pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';

const sh = (local: string) => Date.parse(`${local}+08:00`);
const OPS = { name: 'ops-hands', password: 'a long operator password' };

interface Rig {
  dir: string;
  hq: RunningHq;
  stack: KioskStack;
  kioskId: string;
  send(type: string, body?: Record<string, unknown>): Promise<{ status: number; json: { id?: string; error?: string } }>;
  command(id: string): Promise<CommandView>;
  finished(id: string, timeoutMs?: number): Promise<CommandView>;
  events(type: string): Promise<{ seq: number; payload: Record<string, unknown> }[]>;
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stack.close();
  await rig?.hq.close();
  if (rig) await rm(rig.dir, { recursive: true, force: true });
  rig = undefined;
});

/** A real HQ with an operator, and a kiosk of `example` enrolled in it, reporting every second, all at `at`. */
async function start(example: 'gov-24h' | 'hospital-lobby', at: number): Promise<Rig> {
  const now = pinnedNow(at);
  const dir = await mkdtemp(join(tmpdir(), 'zizhu-hands-'));
  const hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now, offlineCheckMs: 3_600_000, consoleDir: '/nonexistent/dist' });
  await createUser(hq.db, { name: OPS.name, role: 'operator', password: OPS.password, scrypt: TEST_SCRYPT });
  const kioskId = example === 'gov-24h' ? 'sz-futian-gov-0001' : 'sz-renmin-hosp-lobby-03';
  const secret = await enrollKiosk(hq.db, { id: kioskId, site: 'test-site', district: '福田区' }, now);
  let stack: KioskStack;
  try {
    stack = await startKioskStack({ example, now, hq: { url: hq.url, secret, heartbeatSeconds: 1 } });
  } catch (e) {
    await hq.close();
    throw e;
  }
  const login = await fetch(`${hq.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: OPS.name, password: OPS.password }) });
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${hq.url}${path}`, { method, headers: { cookie, ...(method === 'POST' ? { 'content-type': 'application/json', 'x-csrf-token': csrfToken } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: (await res.json()) as never };
  };
  const r: Rig = {
    dir,
    hq,
    stack,
    kioskId,
    send: (type, body = {}) => api('POST', `/api/v1/kiosks/${kioskId}/commands`, { type, ...body }),
    command: async (id) => (await api('GET', `/api/v1/commands/${id}`)).json,
    finished: (id, timeoutMs = 20_000) =>
      until(`command ${id} finished at HQ`, async () => {
        const c = await r.command(id);
        return ['succeeded', 'failed'].includes(c.status) ? c : undefined;
      }, timeoutMs, 100),
    events: async (type) =>
      (await hq.db.selectFrom('events').select(['seq', 'payload']).where('kiosk_id', '=', kioskId).where('type', '=', type).orderBy('seq').execute()).map((e) => ({ seq: e.seq, payload: JSON.parse(e.payload) as Record<string, unknown> })),
  };
  return r;
}

const status = (r: Rig) => r.stack.kiosk.agent.kiosk!.lifecycle.getSnapshot().context.status;

describe('remote hands: an operator at HQ, the real kiosk agent on the simulators', () => {
  it('test-print: delivered, verified by the printer; with the paper out: not delivered, PRINTER_PAPER_OUT — who sent it, when delivered, the result', async () => {
    rig = await start('gov-24h', sh('2026-06-10T12:00:00'));
    const ok = await rig.send('test-print');
    expect(ok.status).toBe(200);
    const done = await rig.finished(ok.json.id!);
    expect(done).toMatchObject({ type: 'test-print', status: 'succeeded', issuedBy: OPS.name });
    expect(done.result).toMatch(/^delivered: the printer confirmed the test page \(completion \w+\)$/);
    expect(done.deliveredAt).not.toBeNull();
    // the journal keeps it with the staff's test pages
    expect(rig.stack.kiosk.agent.journal.printJobs.recent(1)[0]).toMatchObject({ kind: 'test-page', status: 'delivered' });

    await rig.stack.device('printer', 'paper-out');
    await until('the kiosk knows the paper is out', () => rig!.stack.kiosk.agent.devices.printer!.health.faults.includes('PRINTER_PAPER_OUT'));
    const out = await rig.send('test-print');
    const failed = await rig.finished(out.json.id!);
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed.result).toMatch(/^not delivered \(PRINTER_PAPER_OUT\): /);
    const audit = await rig.hq.db.selectFrom('audit_log').selectAll().where('action', '=', 'command.send').execute();
    expect(audit.map((a) => a.detail?.split(' ')[0])).toEqual(['test-print', 'test-print']);
  });

  it('set-promised-hours: a 400 at HQ for bad hours; valid ones applied through the lifecycle — out of hours at the new closing time — reported with their version, and kept across restart-app, whose result comes after the restart', async () => {
    // Wednesday 18:29:50: the 24/7 kiosk is told it closes at 18:30 on Wednesdays
    rig = await start('gov-24h', sh('2026-06-10T18:29:50'));
    const days = { mon: ['07:00-20:00'], tue: ['07:00-20:00'], wed: ['07:00-18:30'], thu: ['07:00-20:00'], fri: ['07:00-20:00'], sat: [], sun: [] };
    const bad = await rig.send('set-promised-hours', { args: { promisedHours: { timezone: 'Asia/Shanghai', weekly: { ...days, wed: ['7:00-18:30'] } } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^args\.promisedHours\.weekly\.wed\[0\]: expected a time range/);

    const set = await rig.send('set-promised-hours', { args: { promisedHours: { timezone: 'Asia/Shanghai', weekly: days } } });
    expect(set.status).toBe(200);
    const applied = await rig.finished(set.json.id!);
    expect(applied.status).toBe('succeeded');
    const version = /version (\S+);/.exec(applied.result ?? '')?.[1];
    expect(version).toBeTruthy();
    expect(status(rig)).toBe('inService');
    expect(existsSync(join(rig.stack.kiosk.agent.journalPath, '..', HOURS_OVERRIDE_FILE))).toBe(true);
    const hoursEvents = await rig.events('hours.config');
    expect(hoursEvents.at(-1)!.payload.version).toBe(version);

    await until('out of hours at 18:30', () => status(rig!) === 'outOfHours', 20_000);
    expect(rig.stack.now()).toBeGreaterThanOrEqual(sh('2026-06-10T18:30:00'));

    // restart-app: the result comes from the restarted kiosk, and the hours HQ set are still in force
    const restart = await rig.send('restart-app', { reason: '测试重启' });
    const restarted = await rig.finished(restart.json.id!, 30_000);
    // (the new process may report before its start has returned to the stack)
    await until('the stack has the restarted kiosk', () => rig!.stack.restarts === 1);
    expect(restarted).toMatchObject({ type: 'restart-app', status: 'succeeded' });
    expect(restarted.result).toMatch(/^the kiosk app restarted: asked at .+, running again since /);
    const starts = await rig.events('agent.started');
    const results = (await rig.events('command.result')).filter((e) => e.payload.commandId === restart.json.id);
    expect(starts).toHaveLength(2);
    expect(results[0]!.seq).toBeGreaterThan(starts[1]!.seq);
    expect(rig.stack.kiosk.agent.config.promisedHours.weekly).not.toBe('24/7');
    expect(status(rig)).toBe('outOfHours');
  }, 90_000);

  it('self-test at the start of a promised window: the SAM fails → not ready → SELF_TEST_FAILED at HQ; fixed → the self-test command says ready → cleared', async () => {
    // the hospital opens at 07:00 on Wednesdays; the kiosk starts at 06:59:52
    rig = await start('hospital-lobby', sh('2026-06-10T06:59:52'));
    const boot = await until('the boot self-test at HQ', async () => (await rig!.events('self-test.result')).find((e) => e.payload.trigger === 'boot'));
    expect(boot.payload).toMatchObject({ ready: true });
    expect(rig.stack.kiosk.agent.remoteHands.nextWindowStart).toBe(sh('2026-06-10T07:00:00'));

    await rig.stack.device('idReader', 'sam-fault', {});
    const windowStart = await until('the window-start self-test at HQ', async () => (await rig!.events('self-test.result')).find((e) => e.payload.trigger === 'window-start'), 30_000, 200);
    expect(rig.stack.now()).toBeGreaterThanOrEqual(sh('2026-06-10T07:00:00') - 1_000);
    expect(windowStart.payload.ready).toBe(false);
    const checks = windowStart.payload.checks as { name: string; ok: boolean; detail: string }[];
    expect(checks.find((c) => c.name === 'idReader')).toMatchObject({ ok: false });
    expect(checks.filter((c) => c.ok).map((c) => c.name).sort()).toEqual(['his', 'payment', 'printer']);
    const alarm = await until('SELF_TEST_FAILED at HQ', () => rig!.hq.db.selectFrom('alarms').selectAll().where('kiosk_id', '=', rig!.kioskId).where('code', '=', 'SELF_TEST_FAILED').executeTakeFirst());
    expect(alarm).toMatchObject({ status: 'active-unack', severity: 'major' });
    expect(alarm.detail).toMatch(/^self-test \(window-start\) not ready: idReader: SAM not ok/);
    // the next window start is tomorrow's
    expect(rig.stack.kiosk.agent.remoteHands.nextWindowStart).toBe(sh('2026-06-11T07:00:00'));

    await rig.stack.device('idReader', 'sam-fault', { on: false });
    const again = await rig.send('self-test');
    const ready = await rig.finished(again.json.id!);
    expect(ready).toMatchObject({ status: 'succeeded' });
    expect(ready.result).toMatch(/^ready: /);
    await until('SELF_TEST_FAILED cleared', async () => (await rig!.hq.db.selectFrom('alarms').select('status').where('kiosk_id', '=', rig!.kioskId).where('code', '=', 'SELF_TEST_FAILED').executeTakeFirst())?.status === 'cleared-unack');
    const k = await rig.hq.db.selectFrom('kiosks').select(['self_test_ready', 'self_test_trigger']).where('id', '=', rig.kioskId).executeTakeFirstOrThrow();
    expect(k).toEqual({ self_test_ready: 1, self_test_trigger: 'command' });
  }, 90_000);
});
