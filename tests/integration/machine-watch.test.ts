/**
 * Issue 11's machine watch end to end, every fault injected for real and judged at a REAL HQ server
 * (SQLite file, kiosks enrolled, heartbeat every second), raised and then cleared:
 *
 * - the kiosk: simulated devices on PTYs, back-office simulators, the agent with its own headless
 *   Chromium showing the real renderer (tests/e2e/kiosk-stack.ts);
 *   - DISPLAY_DISCONNECTED: a directory laid out like /sys/class/drm, its connector's status written;
 *   - TOUCH_UNRESPONSIVE: ID cards laid on the simulated reader and lifted, nobody taps; then a click
 *     on the screen through the shell's own page;
 *   - GPU_CRASHED: the GPU process found under the shell's own browser pid, killed by that pid;
 *   - the evidence bundle: a real paper-out carries transitions, the printer's raw status bytes and
 *     the screen shown;
 * - a second agent whose data directory is a small file system (tmpfs; else a loop-mounted ext4
 *   image; else a plain directory with the threshold set just under its free space): DISK_LOW when
 *   a file fills it, cleared when the file is deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { enrollKiosk } from '../../hq/server/kiosks/enroll.ts';
import { startHqServer, type RunningHq } from '../../hq/server/server.ts';
import { parseKioskConfig } from '../../kiosk-config/schema.ts';
import { startAgent, type RunningAgent } from '../../runtime/agent.ts';
import type { ChromiumShell } from '../../runtime/shell/chromium.ts';
import { gpuProcessesUnder } from '../../runtime/watchdog/gpu-process.ts';
import { BUNDLE_MAX_BYTES } from '../../runtime/watchdog/evidence.ts';
import { startKioskStack, type KioskStack } from '../e2e/kiosk-stack.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const KIOSK = 'sz-futian-gov-0001';
const DISK_KIOSK = 'sz-futian-gov-0002';
const APPROACH_MS = 600;

let dir: string;
let hq: RunningHq;
let stack: KioskStack;
let drm: string;

/** The latest alarm of `code` at HQ (undefined: none). */
const alarm = (kioskId: string, code: string) =>
  hq.db.selectFrom('alarms').select(['status', 'severity', 'device', 'detail']).where('kiosk_id', '=', kioskId).where('code', '=', code).orderBy('generation', 'desc').executeTakeFirst();
/** how long each fault took from its injection to its alarm at HQ, and its clearing (printed at the end) */
const figures: string[] = [];
const since = (t0: number) => Date.now() - t0;
const active = (kioskId: string, code: string) => until(`${code} active at HQ`, async () => ((await alarm(kioskId, code))?.status === 'active-unack' ? alarm(kioskId, code) : undefined), 20_000, 100);
const cleared = (kioskId: string, code: string) => until(`${code} cleared at HQ`, async () => (await alarm(kioskId, code))?.status === 'cleared-unack', 20_000, 100);

async function connector(name: string, status: string) {
  await mkdir(join(drm, name), { recursive: true });
  await writeFile(join(drm, name, 'status'), `${status}\n`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zizhu-machine-'));
  drm = join(dir, 'drm');
  await connector('card0-HDMI-A-1', 'connected');
  await connector('card0-DP-1', 'disconnected');
  const now = pinnedNow(NOON_SHANGHAI);
  hq = await startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now, offlineCheckMs: 3_600_000, consoleDir: '/nonexistent/dist' });
  const secret = await enrollKiosk(hq.db, { id: KIOSK, site: 'test-site', district: '福田区' }, now);
  stack = await startKioskStack({
    example: 'gov-24h',
    now,
    shell: 'chromium',
    hq: { url: hq.url, secret, heartbeatSeconds: 1 },
    patch: (raw) => {
      raw.watchdog = { display: { drmDir: drm, checkEveryMs: 200 }, touch: { untouchedInARow: 3, approachMs: APPROACH_MS } };
    },
  });
  await until('the home screen painted by Chromium', () => stack.kiosk.agent.bridge!.lastPainted?.screen === 'home', 30_000);
}, 60_000);

afterAll(async () => {
  if (figures.length) console.info(`machine watch, injection → alarm at HQ: ${figures.join('; ')}`);
  await stack?.close();
  await hq?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the machine around the screen, at a real HQ', () => {
  it('DISPLAY_DISCONNECTED: the connected HDMI connector says disconnected → critical alarm; connected again → cleared', async () => {
    const t0 = Date.now();
    await connector('card0-HDMI-A-1', 'disconnected');
    const a = await active(KIOSK, 'DISPLAY_DISCONNECTED');
    figures.push(`DISPLAY_DISCONNECTED ${since(t0)} ms`);
    expect(a).toMatchObject({ severity: 'critical', device: 'screen' });
    expect(a!.detail).toMatch(/^display connector card0-HDMI-A-1 was connected and is now disconnected/);
    await connector('card0-HDMI-A-1', 'connected');
    await cleared(KIOSK, 'DISPLAY_DISCONNECTED');
  });

  it('TOUCH_UNRESPONSIVE: three people lay an ID card down and cannot tap → alarm; a click on the screen clears it', async () => {
    const lifecycle = () => stack.kiosk.agent.kiosk!.lifecycle.getSnapshot().context;
    expect(lifecycle()).toMatchObject({ status: 'inService', acceptsNewSessions: true });
    let t0 = 0;
    for (let person = 1; person <= 3; person++) {
      await stack.device('idReader', 'card-on', { identity: 'resident' });
      await until(`person ${person}'s card read`, () => stack.kiosk.agent.devices.idReader!.hasCard, 5_000);
      t0 = Date.now();
      await new Promise((r) => setTimeout(r, APPROACH_MS + 100));
      await stack.device('idReader', 'card-off');
      await until(`person ${person}'s card lifted`, () => !stack.kiosk.agent.devices.idReader!.hasCard, 5_000);
    }
    const a = await active(KIOSK, 'TOUCH_UNRESPONSIVE');
    figures.push(`TOUCH_UNRESPONSIVE ${since(t0)} ms after the third card was read (its wait for a tap: ${APPROACH_MS} ms)`);
    expect(a).toMatchObject({ severity: 'major', device: 'screen' });
    expect(a!.detail).toMatch(/^3 people in a row laid down an ID card or scanned a code \(card, card, card\) and none of them tapped the screen/);

    // a person clicks English on the home screen: a real click through the shell's page
    const page = (stack.kiosk.shell as ChromiumShell).page!;
    const box = (await page.evaluate(`(() => { const r = document.querySelector('[data-action="SET_LOCALE:en"]').getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`)) as { x: number; y: number };
    for (const type of ['mousePressed', 'mouseReleased']) await page.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
    await cleared(KIOSK, 'TOUCH_UNRESPONSIVE');
    expect(stack.kiosk.agent.kiosk!.screen().prefs.locale).toBe('en');
  }, 30_000);

  it('GPU_CRASHED: the GPU process under the shell\'s own browser killed by its pid → alarm; Chromium starts another, the screen is drawn again → cleared', async () => {
    const shell = stack.kiosk.shell as ChromiumShell;
    const browser = shell.pid!;
    const gpus = await gpuProcessesUnder(browser);
    // headless Chromium here (Debian's, --disable-gpu) runs a GPU process for software compositing (SwiftShader)
    expect(gpus.length).toBeGreaterThan(0);
    await until('the shell watches its GPU process', () => shell.gpuProcessUp === true, 10_000);
    const killedAt = Date.now();
    process.kill(gpus[0]!, 'SIGKILL');
    const a = await active(KIOSK, 'GPU_CRASHED');
    figures.push(`GPU_CRASHED ${since(killedAt)} ms`);
    expect(a).toMatchObject({ severity: 'critical', device: 'screen' });
    expect(a!.detail).toContain(`GPU process ${gpus[0]} of browser ${browser} is gone`);
    await cleared(KIOSK, 'GPU_CRASHED');
    figures.push(`GPU_CRASHED cleared ${since(killedAt)} ms after the kill`);
    expect(shell.pid).toBe(browser); // the browser lived through it
    const after = await gpuProcessesUnder(browser);
    expect(after.length).toBeGreaterThan(0);
    expect(after).not.toContain(gpus[0]);
    // the screen was drawn again after the crash (the reload's paint)
    expect(stack.kiosk.agent.bridge!.lastPainted!.at).toBeGreaterThan(killedAt);
  }, 40_000);

  it('a real paper-out reaches HQ with the evidence bundle: transitions, the printer\'s raw status bytes, the screen shown — under 6 KiB', async () => {
    await stack.device('printer', 'paper-out');
    await active(KIOSK, 'PRINTER_PAPER_OUT');
    const rows = await hq.db.selectFrom('events').select('payload').where('kiosk_id', '=', KIOSK).where('type', '=', 'fault.raised').execute();
    const raised = rows.map((r) => JSON.parse(r.payload) as { code: string; evidence?: Record<string, unknown> }).find((p) => p.code === 'PRINTER_PAPER_OUT')!;
    const e = raised.evidence as { recentTransitions: { status: string; at: string }[]; lineBytes: { link: string; hex: string }; screenShown: { painted: string } };
    expect(e.recentTransitions.length).toBeGreaterThan(0);
    expect(e.recentTransitions.map((t) => t.status)).toContain('inService');
    expect(e.lineBytes.link).toMatch(/^serial:/);
    expect(e.lineBytes.hex).toMatch(/^([0-9a-f]{2})+$/);
    expect(e.lineBytes.hex.length).toBeGreaterThan(0);
    expect(e.screenShown.painted).toBeTruthy();
    expect(Buffer.byteLength(JSON.stringify(raised.evidence))).toBeLessThanOrEqual(BUNDLE_MAX_BYTES);
    figures.push(`paper-out evidence ${Buffer.byteLength(JSON.stringify(raised.evidence))} bytes: ${JSON.stringify(raised.evidence).slice(0, 600)}`);
    await stack.device('printer', 'load-paper');
    await cleared(KIOSK, 'PRINTER_PAPER_OUT');
  }, 30_000);

  it('an ID reader fault\'s line bytes show frame headers and status words, never the card data that went over the line (the cards read above)', async () => {
    await stack.device('idReader', 'sam-fault', { on: true });
    await active(KIOSK, 'IDREADER_SAM_FAULT');
    const rows = await hq.db.selectFrom('events').select('payload').where('kiosk_id', '=', KIOSK).where('type', '=', 'fault.raised').execute();
    const raised = rows.map((r) => JSON.parse(r.payload) as { code: string; evidence?: { lineBytes?: { hex: string; withheld?: number } } }).find((p) => p.code === 'IDREADER_SAM_FAULT')!;
    const line = raised.evidence!.lineBytes!;
    // frame heads only: preamble, length, SW1 SW2 SW3 (the oldest, cut by the 256-byte ring, may be partial)
    const heads = line.hex.split('aaaaaa9669');
    expect(heads.length).toBeGreaterThan(10);
    for (const rest of heads.slice(1)) expect(rest).toMatch(/^[0-9a-f]{10}$/);
    // the three card reads of the touch test (张测试, 110101199003071233) went over this line: withheld, not kept
    expect(line.withheld).toBeGreaterThan(3 * 1000);
    for (const personal of ['张测试', '110101199003071233', '1233']) expect(line.hex).not.toContain(Buffer.from(personal, 'utf16le').toString('hex'));
    expect(JSON.stringify(raised)).not.toContain('110101199003071233');
    await stack.device('idReader', 'sam-fault', { on: false });
    await cleared(KIOSK, 'IDREADER_SAM_FAULT');
  }, 30_000);
});

/**
 * A small file system at `at`: tmpfs (root in a container may mount it), else an ext4 image on a
 * loop device, else none (the plain directory, judged with a threshold just under its free space).
 */
async function smallFileSystem(at: string, sizeMiB: number): Promise<{ how: 'tmpfs' | 'loop-ext4' | 'directory'; unmount(): Promise<void> }> {
  await mkdir(at, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', at]);
    return { how: 'tmpfs', unmount: async () => void (await run('umount', [at])) };
  } catch {
    /* refused: try a loop-mounted image */
  }
  const image = `${at}.img`;
  try {
    await run('truncate', ['-s', `${sizeMiB}M`, image]);
    await run('mkfs.ext4', ['-q', '-F', image]);
    await run('mount', ['-o', 'loop', image, at]);
    return { how: 'loop-ext4', unmount: async () => void (await run('umount', [at])) };
  } catch {
    await rm(image, { force: true });
    return { how: 'directory', unmount: async () => undefined };
  }
}

describe('DISK_LOW on a small file system holding the journal', () => {
  let fs: Awaited<ReturnType<typeof smallFileSystem>>;
  let agent: RunningAgent | undefined;
  let data: string;

  beforeAll(async () => {
    data = join(dir, 'small-disk');
    fs = await smallFileSystem(data, 16);
    console.info(`DISK_LOW test: the journal's disk is ${fs.how === 'directory' ? 'a plain directory (no tmpfs or loop mount allowed here)' : `a 16 MiB ${fs.how}`}`);
    const s = await statfs(data);
    const freeMiB = (s.bavail * s.bsize) / MiB;
    // on the small disk: low below 6 MiB; on a plain directory: just under what is free now
    const minFreeMiB = fs.how === 'directory' ? Math.floor(freeMiB) - 16 : 6;
    const now = pinnedNow(NOON_SHANGHAI);
    const secret = await enrollKiosk(hq.db, { id: DISK_KIOSK, site: 'test-site', district: '福田区' }, now);
    const config = parseKioskConfig(
      {
        id: DISK_KIOSK,
        site: 'test-site',
        district: '福田区',
        name: '磁盘测试终端',
        location: '测试',
        services: { payment: { methods: ['nativeQr'] } },
        backends: { payment: { url: 'https://pay.example', merchantId: 'm1', credentialsRef: 'env:PAY' } },
        promisedHours: { weekly: '24/7' },
        hq: { url: hq.url, credentialsRef: 'env:HQ_SECRET', heartbeatSeconds: 1 },
        watchdog: { disk: { minFreeMiB, minFreePercent: 0, hysteresisMiB: 2, hysteresisPercent: 0, checkEveryMs: 200 } },
      },
      'the DISK_LOW test',
    );
    agent = await startAgent({ config, dataDir: data, logDir: false, console: false, now, hq: { env: { HQ_SECRET: secret } } });
  });

  afterAll(async () => {
    await agent?.stop();
    await fs?.unmount();
  });

  it('a file fills the disk → DISK_LOW (major) at HQ before the journal fails; deleted → cleared', async () => {
    await until('the disk kiosk heard at HQ', async () => (await hq.db.selectFrom('kiosks').select('last_seen_at').where('id', '=', DISK_KIOSK).executeTakeFirst())?.last_seen_at, 10_000, 100);
    const s = await statfs(data);
    const fill = join(data, 'fill.bin');
    // leave 3 MiB on the small disk (below 6); on a plain directory take 32 MiB (the threshold is 16 under what was free)
    const fillBytes = fs.how === 'directory' ? 32 * MiB : s.bavail * s.bsize - 3 * MiB;
    const t0 = Date.now();
    await writeFile(fill, Buffer.alloc(fillBytes));
    const a = await active(DISK_KIOSK, 'DISK_LOW');
    figures.push(`DISK_LOW ${since(t0)} ms (${fs.how})`);
    expect(a).toMatchObject({ severity: 'major', device: 'agent' });
    expect(a!.detail).toMatch(/MiB free of .* on the disk of /);
    await rm(fill);
    await cleared(DISK_KIOSK, 'DISK_LOW');
  });
});
