/**
 * The bridge end to end without a browser: the agent (simulated devices over PTYs, back-office
 * simulators, lifecycle) serves the renderer's WebSocket; a `ws` client plays the renderer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { simKioskConfig, SIM_STAFF_PIN } from '../../runtime/sim-config.ts';
import { startAgent, type RunningAgent } from '../../runtime/agent.ts';
import { backOfficeForSimulators } from '../../runtime/flows/back-office.ts';
import { AgentMessageSchema, ScreenMessageSchema, type AgentMessage, type ScreenMessage, type UiEvent } from '../../contracts/bridge.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { PrintJobSchema } from '../../drivers/printer/job.ts';
import { TEST_PRINT } from '../../runtime/kiosk/kiosk.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';

const resident = SAMPLE_IDENTITIES.find((i) => i.id === 'resident')!.card;
const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A renderer stand-in: keeps every message, answers nothing by itself. */
class FakeRenderer {
  readonly messages: AgentMessage[] = [];
  readonly invalid: string[] = [];
  private n = 0;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const parsed = AgentMessageSchema.safeParse(JSON.parse(d.toString()));
      if (parsed.success) this.messages.push(parsed.data);
      else this.invalid.push(d.toString().slice(0, 200));
    });
  }
  /** Like the renderer, it tries again while the screen's one seat is still taken (the last test's page closing: 401). */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<FakeRenderer> {
    for (let attempt = 1; ; attempt++) {
      const ws = new WebSocket(url, { headers });
      const r = new FakeRenderer(ws);
      const opened = await new Promise<boolean>((resolve, reject) => {
        ws.once('open', () => resolve(true));
        ws.once('error', (e) => (/Unexpected server response: 401/.test(e.message) && attempt < 20 ? resolve(false) : reject(e)));
      });
      if (opened) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  get screens(): ScreenMessage[] {
    return this.messages.filter((m): m is ScreenMessage => m.type === 'screen');
  }
  get last(): ScreenMessage | undefined {
    return this.screens.at(-1);
  }
  send(event: UiEvent): string {
    const id = `e${++this.n}`;
    this.ws.send(JSON.stringify({ type: 'event', id, event }));
    return id;
  }
  async until(what: string, probe: (s: ScreenMessage) => boolean, timeoutMs = 10_000): Promise<ScreenMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.last;
      if (s && probe(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last screen: status ${s?.kiosk.status}, session ${s?.session?.step ?? 'none'}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    return closed;
  }
}

describe('bridge: the agent serves the renderer a masked, validated screen and takes its events', () => {
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let agent: RunningAgent;
  let wsUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-bridge-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    const now = pinnedNow(NOON_SHANGHAI);
    bo = await startBackOffice({ now, payment: { refundProcessingMs: 10 } });
    const config = await simKioskConfig(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    agent = await startAgent({
      config,
      dataDir: join(dir, 'data'),
      logDir: false,
      console: false,
      now,
      backOffice: { clients: backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 1_000 }), retryPauseMs: () => 20, healthProbeMs: 200 },
      screen: { port: 0, rendererDir: join(dir, 'no-renderer-here'), endedShowMs: 300 },
    });
    wsUrl = `ws://127.0.0.1:${agent.bridge!.port}/bridge?token=${agent.bridge!.token}`;
  });
  afterAll(async () => {
    await agent?.stop();
    await hw?.close();
    await bo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a wrong token, a foreign Origin and a foreign Host; serves the page with a CSP', async () => {
    // refused before the upgrade: an HTTP 401, never a WebSocket
    const refusedWith = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(await refusedWith(new WebSocket(`ws://127.0.0.1:${agent.bridge!.port}/bridge?token=nope`))).toBe(401);
    expect(await refusedWith(new WebSocket(wsUrl, { headers: { origin: 'http://evil.example' } }))).toBe(401);

    const page = await fetch(agent.bridge!.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('npm run build:renderer');
    // DNS rebinding: a request naming another host is not answered
    const rebound = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: agent.bridge!.port, path: '/', headers: { host: 'attacker.example:80' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      }, reject);
    });
    expect(rebound).toBe(421);
  });

  it('citizen flow over the bridge: home → card → period → preview (masked) → print → ended → home; a reload lands on the same step', async () => {
    let r = await FakeRenderer.connect(wsUrl);
    const home = await r.until('the home screen in service', (s) => s.kiosk.status === 'inService' && s.kiosk.services[0]?.available === true);
    expect(ScreenMessageSchema.safeParse(home).success).toBe(true);
    expect(home.kiosk.services.map((t) => t.service)).toEqual(['providentFundStatement']);
    expect(home.kiosk.hours.schedule.zh).toBe('24 小时服务');
    expect(home.kiosk.devices.map((d) => `${d.device}:${d.state}`)).toEqual(['idReader:ok', 'printer:ok', 'scanner:ok']);
    expect(home.prefs).toEqual({ locale: 'zh-CN', elderly: false });

    r.send({ type: 'SET_ELDERLY', on: true });
    const elderly = await r.until('elderly mode on', (s) => s.prefs.elderly);
    expect(elderly.prefs.elderly).toBe(true);

    const startId = r.send({ type: 'START_SERVICE', service: 'providentFundStatement' });
    const identifying = await r.until('the identify step', (s) => s.session?.step === 'identifying');
    expect(identifying.inReplyTo).toBe(startId);
    expect(identifying.session?.elderly).toBe(true);

    await post(`${hw.control.url}/devices/idReader/card-on`, { identity: 'resident' });
    const period = await r.until('the period step', (s) => s.session?.step === 'choosingPeriod');
    await post(`${hw.control.url}/devices/idReader/card-off`);
    if (period.session?.service !== 'providentFundStatement') throw new Error('wrong service');
    expect(period.session.view.holder?.name).toBe(`${resident.name.slice(0, 1)}**`);
    expect(period.session.view.holder?.idNumber).toBe(`${resident.idNumber.slice(0, 4)}**********${resident.idNumber.slice(-4)}`);

    r.send({ type: 'PERIOD_CHOSEN' });
    const preview = await r.until('the preview', (s) => s.session?.step === 'preview');
    // nothing personal travels unmasked: not the name, not the number
    const raw = JSON.stringify(r.messages);
    expect(raw).not.toContain(resident.idNumber);
    expect(raw).not.toContain(resident.name);
    if (preview.session?.service !== 'providentFundStatement') throw new Error('wrong service');
    expect(preview.session.view.statement?.rows.length).toBeGreaterThan(0);

    // a reload (one renderer at a time: the page goes, the new one comes) gets the same step at once
    await r.close();
    const reloaded = await FakeRenderer.connect(wsUrl);
    const again = await reloaded.until('the first screen after a reload', () => true);
    expect(again.session?.step).toBe('preview');
    r = reloaded;

    r.send({ type: 'PRINT' });
    await r.until('take the receipt', (s) => s.session?.step === 'takingReceipt', 20_000);
    r.send({ type: 'TAKEN' });
    const ended = await r.until('the ended screen', (s) => s.session === null && s.ended !== null);
    expect(ended.ended).toMatchObject({ service: 'providentFundStatement', outcome: 'completed' });
    // the elderly choice was for that person only
    expect(ended.prefs.elderly).toBe(false);
    await r.until('home again (the ended screen times out)', (s) => s.ended === null && s.session === null);
    r.close();
  });

  it('answers a bad frame and a flow event without a session with `rejected`, and loses nothing', async () => {
    const r = await FakeRenderer.connect(wsUrl);
    await r.until('a screen', () => true);
    r.ws.send('{not json');
    r.ws.send(JSON.stringify({ type: 'event', id: 'x1', event: { type: 'START_SERVICE', service: 'rocketLaunch' } }));
    const id = r.send({ type: 'PRINT' });
    const deadline = Date.now() + 5_000;
    while (r.messages.filter((m) => m.type === 'rejected').length < 3 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    const rejected = r.messages.filter((m) => m.type === 'rejected');
    expect(rejected.map((m) => m.code)).toEqual(['BAD_MESSAGE', 'BAD_MESSAGE', 'NO_SESSION']);
    expect(rejected[2]!.id).toBe(id);
    expect(r.invalid).toEqual([]);
    // still serving
    r.send({ type: 'SET_LOCALE', locale: 'en' });
    await r.until('English', (s) => s.prefs.locale === 'en');
    r.send({ type: 'SET_LOCALE', locale: 'zh-CN' });
    await r.until('Chinese', (s) => s.prefs.locale === 'zh-CN');
    r.close();
  });

  it('a printer out of paper makes the statement tile unavailable with its reason, and it comes back', async () => {
    const r = await FakeRenderer.connect(wsUrl);
    await r.until('in service', (s) => s.kiosk.services[0]?.available === true);
    await post(`${hw.control.url}/devices/printer/paper-out`);
    const down = await r.until('the tile unavailable', (s) => s.kiosk.services[0]?.available === false, 15_000);
    expect(down.kiosk.services[0]!.reasons.map((x) => x.zh).join()).toContain('缺纸');
    expect(down.kiosk.status).toBe('outOfService');
    r.send({ type: 'START_SERVICE', service: 'providentFundStatement' });
    const deadline = Date.now() + 3_000;
    while (!r.messages.some((m) => m.type === 'rejected') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect(r.messages.find((m) => m.type === 'rejected')).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await post(`${hw.control.url}/devices/printer/load-paper`);
    await r.until('the tile back', (s) => s.kiosk.services[0]?.available === true, 20_000);
    r.close();
  });

  it('the provident-fund centre unreachable: the citizen is told and can retry; then the tile says why it is unavailable, and it comes back by itself', async () => {
    const r = await FakeRenderer.connect(wsUrl);
    await r.until('in service', (s) => s.kiosk.services[0]?.available === true);
    bo.providentFund.injectFault({ route: 'statement', mode: 'error', status: 503 });
    bo.providentFund.injectFault({ route: 'personBySocialSecurityCode', mode: 'error', status: 503 });
    r.send({ type: 'START_SERVICE', service: 'providentFundStatement' });
    await r.until('identify', (s) => s.session?.step === 'identifying');
    await post(`${hw.control.url}/devices/idReader/card-on`, { identity: 'resident' });
    await r.until('period', (s) => s.session?.step === 'choosingPeriod');
    await post(`${hw.control.url}/devices/idReader/card-off`);
    r.send({ type: 'PERIOD_CHOSEN' });
    await r.until('the fetch failed, retry offered', (s) => s.session?.step === 'fetchFailed');
    const retry = r.send({ type: 'RETRY' });
    await r.until('the answer to RETRY', () => r.screens.some((x) => x.inReplyTo === retry));
    const fetching = r.screens.find((x) => x.inReplyTo === retry)!;
    expect(fetching.session?.step).toBe('fetching');
    await r.until('failed again', (s) => s.session?.step === 'fetchFailed' && s.seq > fetching.seq, 10_000);
    r.send({ type: 'CANCEL' });
    const down = await r.until('the tile unavailable because the centre is down', (s) => s.session === null && s.kiosk.services[0]?.available === false, 10_000);
    expect(down.kiosk.services[0]!.reasons.map((x) => x.zh).join()).toContain('公积金中心');
    bo.providentFund.clearFaults();
    await r.until('the tile back (the probe found the centre answering)', (s) => s.kiosk.services[0]?.available === true, 10_000);
    expect(agent.journal.outbox.claim({ limit: 1000 }).filter((e) => e.kind === 'backend.health').map((e) => (e.payload as { state: string }).state)).toEqual(['down', 'up']);
    r.close();
  });

  it('staff: a wrong PIN is refused with a notice; the right one opens maintenance; test print is verified; exit', async () => {
    expect(PrintJobSchema.safeParse(TEST_PRINT).success).toBe(true);
    const r = await FakeRenderer.connect(wsUrl);
    await r.until('in service', (s) => s.kiosk.status === 'inService');
    r.send({ type: 'STAFF_PIN', pin: '0000' });
    const wrong = await r.until('the wrong-PIN notice', (s) => s.notice?.code === 'PIN_REJECTED');
    expect(wrong.kiosk.status).not.toBe('maintenance');
    r.send({ type: 'STAFF_PIN', pin: SIM_STAFF_PIN });
    const m = await r.until('maintenance', (s) => s.kiosk.status === 'maintenance' && s.maintenance !== null);
    expect(m.maintenance?.staffId).toBe('sim-technician');
    r.send({ type: 'TEST_PRINT' });
    const printed = await r.until('the test print result', (s) => s.maintenance?.lastTestPrint !== null && s.maintenance?.lastTestPrint !== undefined, 20_000);
    expect(printed.maintenance?.lastTestPrint?.ok).toBe(true);
    expect(hw.printer.receiptText(hw.printer.lastReceipt())).toContain('中文 GB18030');
    r.send({ type: 'PAPER_RELOADED' });
    await r.until('paper reloaded recorded', (s) => s.maintenance?.paperReloadedAt !== null);
    r.send({ type: 'LOCK_KIOSK' });
    await r.until('locked', (s) => s.kiosk.remoteLock !== null);
    r.send({ type: 'UNLOCK_KIOSK' });
    await r.until('unlocked', (s) => s.kiosk.remoteLock === null);
    r.send({ type: 'EXIT_MAINTENANCE' });
    await r.until('back in service', (s) => s.kiosk.status === 'inService' && s.maintenance === null);
    const outbox = agent.journal.outbox.claim({ limit: 1000 }).map((e) => e.kind);
    expect(outbox).toEqual(expect.arrayContaining(['staff.pin-rejected', 'staff.maintenance-started', 'maintenance.test-print', 'maintenance.paper-reloaded', 'staff.maintenance-ended']));
    r.close();
  });
});
