/**
 * Help requests at a real HQ (SQLite file): `help.requested` raises HELP_REQUESTED (kiosk, screen,
 * step); an operator's answer (CSRF, operator role, ≤ 200 characters, audited) becomes the kiosk's
 * `help.answer` command for the latest request in the next ingest answer, acknowledges the alarm with
 * the answer as its comment, and shows in the alarm's help history with how far it got.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlarmListSchema } from '../../../contracts/hq-api.ts';
import { helpAnswerPath, HelpHistorySchema, helpPath } from '../../../contracts/hq-help.ts';
import { SESSION_COOKIE } from '../auth/index.ts';
import { PASSWORD, testHq, type TestHq } from '../test-hq.ts';
import { faultPayload, type IngestKiosk } from '../testing.ts';

let dir: string;
let t: TestHq;
let k: IngestKiosk;
let op: Awaited<ReturnType<TestHq['as']>>;

const help = (over: { requestId?: string; screen?: string; step?: string; service?: 'providentFundStatement' | null } = {}) =>
  k.event('help.requested', { requestId: over.requestId ?? randomUUID(), screen: over.screen ?? 'pf.identifying', step: over.step ?? 'identifying', service: over.service === undefined ? 'providentFundStatement' : over.service });

async function helpAlarm() {
  const alarms = AlarmListSchema.parse((await op('GET', '/api/v1/alarms?status=all')).json()).alarms.filter((a) => a.code === 'HELP_REQUESTED');
  expect(alarms).toHaveLength(1);
  return alarms[0]!;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zizhu-hq-help-'));
  t = await testHq({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}` });
  k = await t.kiosk('K-HELP', { site: '市民之家', district: '江岸区' });
  op = await t.as('operator', 'ops1');
});
afterEach(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a help request', () => {
  it('raises HELP_REQUESTED showing the screen and step; a second press counts on the same alarm', async () => {
    const first = randomUUID();
    expect((await k.send(t.hq.app, [help({ requestId: first })])).status).toBe(200);
    let alarm = await helpAlarm();
    expect(alarm).toMatchObject({ kioskId: 'K-HELP', severity: 'major', status: 'active-unack', device: 'kiosk', count: 1, detail: 'help asked on screen pf.identifying, step identifying, service providentFundStatement' });

    t.clock.advance(60_000);
    const second = randomUUID();
    await k.send(t.hq.app, [help({ requestId: second, screen: 'out-of-hours', step: 'outOfHours', service: null })]);
    alarm = await helpAlarm();
    expect(alarm).toMatchObject({ count: 2, detail: 'help asked on screen out-of-hours, step outOfHours' });
    const history = HelpHistorySchema.parse((await op('GET', helpPath(alarm.id))).json());
    expect(history.requests.map((r) => [r.requestId, r.screen, r.step, r.service])).toEqual([
      [second, 'out-of-hours', 'outOfHours', null],
      [first, 'pf.identifying', 'identifying', 'providentFundStatement'],
    ]);
    expect(history.answers).toEqual([]);
  });

  it('an answer goes to the kiosk in its next ingest answer, acknowledges the alarm and shows in its history and the audit log', async () => {
    const requestId = randomUUID();
    await k.send(t.hq.app, [help({ requestId })]);
    const alarm = await helpAlarm();

    const res = await op('POST', helpAnswerPath(alarm.id), { text: '  工作人员马上到，请在原地稍候。  ' });
    expect(res.statusCode, res.body).toBe(200);
    const after = HelpHistorySchema.parse(res.json());
    expect(after.answers).toEqual([expect.objectContaining({ requestId, text: '工作人员马上到，请在原地稍候。', by: 'ops1', status: 'queued', result: null })]);
    expect(await helpAlarm()).toMatchObject({ status: 'active-ack', ackedBy: 'ops1', comment: '工作人员马上到，请在原地稍候。' });

    const answer = await k.send(t.hq.app, [k.heartbeat()]);
    expect(answer.body.commands).toEqual([expect.objectContaining({ type: 'help.answer', args: { requestId, text: '工作人员马上到，请在原地稍候。' } })]);
    const commandId = answer.body.commands[0]!.id;
    await k.send(t.hq.app, [k.event('command.result', { commandId, type: 'help.answer', status: 'succeeded', detail: 'shown on the kiosk screen' })]);
    const history = HelpHistorySchema.parse((await op('GET', helpPath(alarm.id))).json());
    expect(history.answers).toEqual([expect.objectContaining({ commandId, status: 'succeeded', result: 'shown on the kiosk screen' })]);

    const audit = (await op('GET', '/api/v1/audit')).json() as { entries: { action: string; target: string; detail: string }[] };
    expect(audit.entries.find((e) => e.action === 'alarm.help-answer')).toMatchObject({ target: alarm.id, detail: `K-HELP request ${requestId} (command ${commandId}): 工作人员马上到，请在原地稍候。` });

    // a later answer, to an acknowledged alarm, takes the comment; "handled" is the ordinary clear
    await op('POST', helpAnswerPath(alarm.id), { text: '已为您联系窗口' });
    expect(await helpAlarm()).toMatchObject({ status: 'active-ack', ackedBy: 'ops1', comment: '已为您联系窗口' });
    expect((await op('POST', `/api/v1/alarms/${alarm.id}/clear`, { comment: '已现场处理' })).statusCode).toBe(200);
    expect(await helpAlarm()).toMatchObject({ status: 'cleared-ack', clearedBy: 'ops1', comment: '已现场处理' });
    const late = await op('POST', helpAnswerPath(alarm.id), { text: '还在吗？' });
    expect([late.statusCode, late.json().error]).toEqual([409, expect.stringMatching(/marked handled/)]);
  });

  it('refuses a viewer, a missing CSRF token, bad text, other alarms and unknown ones', async () => {
    await k.send(t.hq.app, [help(), k.event('fault.raised', faultPayload('PRINTER_PAPER_OUT'))]);
    const alarm = await helpAlarm();
    const viewer = await t.as('viewer');
    expect((await viewer('GET', helpPath(alarm.id))).statusCode).toBe(200);
    expect((await viewer('POST', helpAnswerPath(alarm.id), { text: '好的' })).statusCode).toBe(403);
    expect((await t.hq.app.inject({ method: 'POST', url: helpAnswerPath(alarm.id), payload: { text: '好的' } })).statusCode).toBe(401);
    const login = await t.hq.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: 'ops1', password: PASSWORD } });
    const cookie = `${SESSION_COOKIE}=${login.cookies.find((c) => c.name === SESSION_COOKIE)!.value}`;
    const noCsrf = await t.hq.app.inject({ method: 'POST', url: helpAnswerPath(alarm.id), headers: { cookie }, payload: { text: '好的' } });
    expect([noCsrf.statusCode, noCsrf.json().error]).toEqual([403, 'missing or wrong X-CSRF-Token header']);

    const tooLong = await op('POST', helpAnswerPath(alarm.id), { text: '字'.repeat(201) });
    expect([tooLong.statusCode, tooLong.json().error]).toEqual([400, expect.stringMatching(/^text: /)]);
    const blank = await op('POST', helpAnswerPath(alarm.id), { text: '   ' });
    expect([blank.statusCode, blank.json().error]).toEqual([400, 'text: write the answer']);
    expect((await op('POST', helpAnswerPath(alarm.id), { text: '字'.repeat(200) })).statusCode).toBe(200);

    const paper = AlarmListSchema.parse((await op('GET', '/api/v1/alarms')).json()).alarms.find((a) => a.code === 'PRINTER_PAPER_OUT')!;
    const other = await op('POST', helpAnswerPath(paper.id), { text: '好的' });
    expect([other.statusCode, other.json().error]).toEqual([409, expect.stringMatching(/not a help request/)]);
    expect((await op('GET', helpPath('no-such-alarm'))).statusCode).toBe(404);
    expect((await op('POST', helpAnswerPath('no-such-alarm'), { text: '好的' })).statusCode).toBe(404);
  });

  it('a kiosk may not send a screen name that could carry words', async () => {
    const res = await k.send(t.hq.app, [help({ screen: '张三 请帮忙' })]);
    expect([res.status, res.body.error]).toEqual([400, expect.stringMatching(/^events\[0\]\.payload\.screen: /)]);
  });
});
