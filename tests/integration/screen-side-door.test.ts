/**
 * No side door to the kiosk's screen, with the agent's own shell (Debian Chromium, headless) showing
 * the real renderer: DevTools only over the inherited pipe (no TCP port anywhere in Chromium's
 * process tree), the shell's page holds the bridge's one seat, a development takeover is explicit
 * and visible, and Chromium runs unsandboxed as root only when something says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { simKioskConfig, SIM_PAYMENT_CREDENTIAL_ENV } from '../../runtime/sim-config.ts';
import { startKioskProcess, type RunningKioskProcess } from '../../runtime/kiosk-process.ts';
import { NoSandboxRefusedError, type ChromiumShell } from '../../runtime/shell/chromium.ts';
import { DEFAULT_RENDERER_DIR } from '../../runtime/agent.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { listeningSocketsOf, processTree } from '../listening-sockets.ts';
import { until } from '../until.ts';
import { upgradeAttempt } from '../ws-upgrade.ts';



const asRoot = process.getuid?.() === 0;

describe("the kiosk's Chromium has no side door", () => {
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let config: KioskConfig;
  let k: RunningKioskProcess;
  const logOf = (data: string) => readFileSync(join(dir, `${data}-log`, 'agent.log'), 'utf8');
  const now = pinnedNow(NOON_SHANGHAI);
  const start = (over: Partial<Parameters<typeof startKioskProcess>[0]> & { data: string }) =>
    startKioskProcess({
      config,
      shell: 'chromium',
      headless: true,
      dataDir: join(dir, over.data),
      logDir: join(dir, `${over.data}-log`),
      console: false,
      now,
      env: { ...process.env, [SIM_PAYMENT_CREDENTIAL_ENV]: 'test' },
      ...over,
    });

  beforeAll(async () => {
    expect(existsSync(join(DEFAULT_RENDERER_DIR, 'index.html'))).toBe(true); // vitest's global set-up builds it
    dir = await mkdtemp(join(tmpdir(), 'zizhu-side-door-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    bo = await startBackOffice({ now });
    config = await simKioskConfig(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    k = await start({ data: 'data', developmentNoSandbox: true, screenTakeover: true });
  }, 60_000);
  afterAll(async () => {
    await k?.stop();
    await bo?.close();
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('DevTools is on the pipe: no listening TCP port in Chromium or any of its children, and the token in no command line', async () => {
    await until('home painted', () => k.agent.bridge!.lastPainted?.screen === 'home');
    const shell = k.shell as ChromiumShell;
    const tree = processTree(shell.pid!);
    expect(tree.length).toBeGreaterThan(2); // browser, zygotes, renderer, GPU/utility processes
    expect(listeningSocketsOf(tree)).toEqual([]);
    for (const pid of tree) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue; // ended meanwhile
      }
      expect(cmdline).not.toContain(k.agent.bridge!.token);
      expect(cmdline).not.toMatch(/--remote-debugging-port/);
    }
  });

  it("the shell's page holds the screen's one seat: the token alone gets a 401", async () => {
    expect(k.agent.bridge!.seat).toBe('screen');
    const wsUrl = `ws://127.0.0.1:${k.agent.bridge!.port}/bridge?token=${k.agent.bridge!.token}`;
    expect(await upgradeAttempt(wsUrl)).toBe(401);
    expect(k.agent.bridge!.connections).toBe(1);
  });

  it("development takeover: a person's browser takes the screen, visibly (log and screen), and gives it back when it leaves", async () => {
    const url = new URL(k.agent.bridge!.takeoverUrl!);
    const ws = new WebSocket(`ws://${url.host}/bridge?token=${url.searchParams.get('token')}`);
    const first = await new Promise<{ type: string; notice: { code: string; words: { zh: string } } | null }>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(d.toString())));
      ws.once('error', reject);
    });
    expect(first.type).toBe('screen');
    expect(first.notice?.code).toBe('SCREEN_TAKEN_OVER');
    expect(first.notice?.words.zh).toContain('接管');
    expect(k.agent.bridge!.seat).toBe('takeover');
    await until('the log says so', () => /the screen was TAKEN OVER by a browser/.test(logOf('data')));
    // the kiosk's own page is out meanwhile (its reconnects are refused)
    await new Promise((r) => setTimeout(r, 600));
    expect(k.agent.bridge!.seat).toBe('takeover');

    const paintedBefore = k.agent.bridge!.lastPainted?.seq ?? -1;
    ws.close();
    // the shell's renderer reconnects by itself (backoff ≤ 5 s) and paints again
    await until('the kiosk page back in its seat', () => k.agent.bridge!.seat === 'screen', 15_000);
    await until('painted again', () => (k.agent.bridge!.lastPainted?.seq ?? -1) >= paintedBefore && k.agent.bridge!.lastPainted?.screen === 'home', 15_000);
  }, 30_000);

  it.runIf(asRoot)('as root, Chromium without its sandbox is refused unless the config allows it; nothing is started before', async () => {
    const refused = await start({ data: 'refused' }).then(
      () => null,
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(NoSandboxRefusedError);
    expect(refused?.message).toMatch(/shell\.allowNoSandbox/);
    expect(existsSync(join(dir, 'refused'))).toBe(false); // no journal, no data directory
    expect(await readdir(dir)).not.toContain('refused-log');

    const allowed = await start({ data: 'allowed', config: { ...config, shell: { allowNoSandbox: true } } });
    try {
      const pid = (allowed.shell as ChromiumShell).pid!;
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--no-sandbox');
      expect(logOf('allowed')).toMatch(/WITHOUT its sandbox .*allowed by the kiosk config, shell\.allowNoSandbox/);
    } finally {
      await allowed.stop();
    }
  }, 40_000);
});
