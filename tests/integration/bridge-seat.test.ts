/**
 * No side door to the screen, through the real agent (simulated devices over PTYs, back-office
 * simulators, SQLite journal, log files): the bridge takes one renderer at a time and refuses the
 * rest before the WebSocket upgrade; refusals are rate-limited and logged in aggregate; an event the
 * current step cannot take is refused before anything is journaled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { simKioskConfig } from '../../runtime/sim-config.ts';
import { startAgent, type RunningAgent } from '../../runtime/agent.ts';
import { backOfficeForSimulators } from '../../runtime/flows/back-office.ts';
import { AgentMessageSchema, type AgentMessage, type ScreenMessage, type UiEvent } from '../../contracts/bridge.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { upgradeAttempt } from '../ws-upgrade.ts';

/** A renderer stand-in on a real WebSocket. */
class Renderer {
  readonly messages: AgentMessage[] = [];
  private n = 0;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.messages.push(AgentMessageSchema.parse(JSON.parse(d.toString()))));
  }
  static async connect(url: string): Promise<Renderer> {
    const ws = new WebSocket(url);
    const r = new Renderer(ws); // listening before it opens: the first screen may come with the upgrade's answer
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return r;
  }
  get last(): ScreenMessage | undefined {
    return this.messages.filter((m): m is ScreenMessage => m.type === 'screen').at(-1);
  }
  send(event: UiEvent): string {
    const id = `e${++this.n}`;
    this.ws.send(JSON.stringify({ type: 'event', id, event }));
    return id;
  }
  async until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last screen: ${this.last?.kiosk.status}, step ${this.last?.session?.step ?? 'none'}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => this.ws.once('close', r));
    this.ws.close();
    await closed;
  }
}


describe('the screen has no side door', () => {
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let agent: RunningAgent;
  let wsUrl: string;
  /** lines of the agent's log file (agent.log: the current file) */
  const logLines = async (pattern: RegExp) => (await readFile(join(dir, 'log', 'agent.log'), 'utf8')).split('\n').filter((l) => pattern.test(l));
  /** rows of the journal's session_events table, read straight from the SQLite file */
  const sessionEventRows = () => {
    const db = new Database(agent.journalPath, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM session_events').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-seat-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    const now = pinnedNow(NOON_SHANGHAI);
    bo = await startBackOffice({ now });
    const config = await simKioskConfig(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    agent = await startAgent({
      config,
      dataDir: join(dir, 'data'),
      logDir: join(dir, 'log'),
      console: false,
      now,
      backOffice: { clients: backOfficeForSimulators(bo.urls, { merchantId: bo.merchantId, timeoutMs: 1_000 }) },
      screen: { port: 0, rendererDir: join(dir, 'no-renderer-here') },
    });
    wsUrl = `ws://127.0.0.1:${agent.bridge!.port}/bridge?token=${agent.bridge!.token}`;
  });
  afterAll(async () => {
    await agent?.stop();
    await hw?.close();
    await bo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('one renderer at a time: a second one with the right token is refused with 401 before the upgrade, and cannot tap, paint or guess PINs', async () => {
    const screen = await Renderer.connect(wsUrl);
    await screen.until('home in service', () => screen.last?.kiosk.status === 'inService');
    const painted = agent.bridge!.lastPainted;

    // the token alone is not enough while the screen is connected: not one of these gets a WebSocket
    const second = await Promise.all(Array.from({ length: 8 }, () => upgradeAttempt(wsUrl)));
    expect(second).toEqual(Array(8).fill(401));
    expect(agent.bridge!.seat).toBe('screen');
    expect(agent.bridge!.connections).toBe(1);
    expect(agent.bridge!.lastPainted).toBe(painted);
    expect(agent.journal.outbox.claim({ limit: 1000 }).filter((e) => e.kind.startsWith('staff.'))).toEqual([]);

    // the screen itself goes on: its own PIN attempt is heard (and is not locked out)
    screen.send({ type: 'STAFF_PIN', pin: '0000' });
    await screen.until('the wrong-PIN notice', () => screen.last?.notice?.code === 'PIN_REJECTED');

    // a reload: the page goes, the new one takes the seat
    await screen.close();
    const reloaded = await Renderer.connect(wsUrl);
    await reloaded.until('a screen', () => reloaded.last);
    await reloaded.close();
  });

  it('an event the current step cannot take is answered EVENT_NOT_ALLOWED, and nothing is journaled', async () => {
    const r = await Renderer.connect(wsUrl);
    await r.until('in service', () => r.last?.kiosk.services[0]?.available === true);
    r.send({ type: 'START_SERVICE', service: 'providentFundStatement' });
    await r.until('the identify step', () => r.last?.session?.step === 'identifying');
    const rows = sessionEventRows();
    expect(rows).toBeGreaterThan(0);

    // PRINT, CONFIRM and TAKEN have no meaning before anyone is identified
    const ids = [r.send({ type: 'PRINT' }), r.send({ type: 'CONFIRM' }), r.send({ type: 'TAKEN' })];
    const rejected = await r.until('three rejections', () => {
      const got = r.messages.filter((m) => m.type === 'rejected');
      return got.length >= 3 && got;
    });
    expect(rejected.map((m) => [m.id, m.code])).toEqual(ids.map((id) => [id, 'EVENT_NOT_ALLOWED']));
    expect(rejected[0]!.words.zh).toMatch(/\S/);
    expect(sessionEventRows()).toBe(rows);
    expect(r.last?.session?.step).toBe('identifying');

    // an event the step takes is taken and journaled as before
    r.send({ type: 'CANCEL' });
    await r.until('the session over', () => r.last?.session === null);
    expect(sessionEventRows()).toBeGreaterThan(rows);
    await r.close();
  });

  it('2,000 bad tokens: 401 then 429, the kiosk page still gets in, and the log gets one line at once and one summary', async () => {
    const bad = `ws://127.0.0.1:${agent.bridge!.port}/bridge?token=guess`;
    const before = (await logLines(/bridge: refused/)).length;
    const codes = new Map<string | number, number>();
    for (let batch = 0; batch < 100; batch++) {
      for (const code of await Promise.all(Array.from({ length: 20 }, () => upgradeAttempt(bad)))) codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    // the rate limit's window started with this test's first refusals (the last test's 8 count too)
    expect(codes.get('open')).toBeUndefined();
    expect((codes.get(401) ?? 0) + (codes.get(429) ?? 0)).toBe(2000);
    expect(codes.get(429)).toBeGreaterThanOrEqual(2000 - 20);

    // the flood never keeps the kiosk's own page out
    const screen = await Renderer.connect(wsUrl);
    await screen.until('a screen', () => screen.last);
    await screen.close();

    await agent.stop(); // ends the refusal window: its summary is written
    const lines = (await logLines(/bridge: refused/)).slice(before);
    expect(lines.length).toBeLessThanOrEqual(2); // the first refusal (if this test's was the first) and the summary
    const summary = lines.find((l) => /refused \d+ more connection attempts/.test(l));
    expect(summary).toMatch(/wrong token: \d{4}/);
    expect(summary).toMatch(/\d{4} of them over the rate limit \(429\)/);
  });
});
