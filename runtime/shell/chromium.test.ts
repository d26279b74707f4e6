/**
 * The Chromium shell against real Debian Chromium (headless kiosk). One browser for the main
 * describe; the watchdog clock is shortened so the crash / hang / kill recoveries take seconds.
 * Set ZIZHU_SAVE_FRAME=/some/file.png to keep the captured frame for a look.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShellProblemEvent } from './types.ts';
import { chromiumArgs, endLeftBehindBrowser, launchChromiumShell, noSandboxNeeded, NoSandboxRefusedError, restartDelay, safeUrl, type ChromiumShell } from './chromium.ts';
import { listeningSocketsOf, processTree } from '../../tests/listening-sockets.ts';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';

const BG = [10, 120, 200] as const;
const PAGE = `<!doctype html><html><head><title>zizhu</title></head>
<body style="margin:0;background:rgb(${BG.join(',')});color:#fff;font:48px sans-serif">
<h1 id="title">Zizhu test page 自助</h1>
<a id="popup-link" href="/popup" target="_blank">popup</a></body></html>`;

// ---------------------------------------------------------------- helpers

interface TestServer {
  server: http.Server;
  base: string;
  hits: Map<string, number>;
}

async function serve(host: string, handler: (path: string, res: http.ServerResponse) => void): Promise<TestServer> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    handler(path, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, base: `http://${host}:${(server.address() as AddressInfo).port}`, hits };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | false | null | Promise<T | undefined | false | null>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/** Minimal PNG reader (8-bit RGB/RGBA, not interlaced: what Chromium writes). */
function decodePng(png: Buffer): { width: number; height: number; pixel(x: number, y: number): number[] } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      expect(data[12]).toBe(0); // not interlaced
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      expect(channels).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i] ?? 0;
      const a = i >= channels ? (out[y * stride + i - channels] ?? 0) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + i] ?? 0) : 0;
      const c = y > 0 && i >= channels ? (out[(y - 1) * stride + i - channels] ?? 0) : 0;
      let v: number;
      if (filter === 0) v = x;
      else if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      out[y * stride + i] = v & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [...out.subarray(y * stride + x * channels, y * stride + x * channels + 3)] };
}

/** Alive and not a zombie (an orphan's zombie lingers until PID 1 reaps it, which some containers never do). */
function runningProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Processes whose command line mentions `needle` (e.g. a profile directory). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

// ---------------------------------------------------------------- pure parts

describe('chromiumArgs', () => {
  const base = { userDataDir: '/tmp/p', windowSize: { width: 1080, height: 1920 } };

  it('builds a headless kiosk command line with the lockdown and no-network flags', () => {
    const args = chromiumArgs({ ...base, headless: true, kiosk: true, noSandbox: true });
    for (const flag of [
      '--remote-debugging-pipe',
      '--user-data-dir=/tmp/p',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--noerrdialogs',
      '--disable-infobars',
      '--disable-session-crashed-bubble',
      '--disable-features=Translate,TranslateUI',
      '--overscroll-history-navigation=0',
      '--disable-pinch',
      '--autoplay-policy=no-user-gesture-required',
      '--force-device-scale-factor=1',
      '--window-size=1080,1920',
      '--headless=new',
      '--screen-info={0,0 1080x1920}',
      '--kiosk',
    ]) {
      expect(args).toContain(flag);
    }
    expect(args.at(-1)).toBe('about:blank');
    // DevTools over the inherited pipe only: no port, no address
    expect(args.filter((a) => /^--remote-debugging-(port|address)/.test(a))).toEqual([]);
  });

  it('a kiosk window is not headless; --no-sandbox only when asked (root)', () => {
    const args = chromiumArgs({ ...base, headless: false, kiosk: true, noSandbox: false, windowSize: { width: 1920, height: 1080 } });
    expect(args).toContain('--kiosk');
    expect(args).toContain('--window-size=1920,1080');
    expect(args.some((a) => a.startsWith('--headless'))).toBe(false);
    expect(args.some((a) => a.startsWith('--screen-info'))).toBe(false);
    expect(args).not.toContain('--no-sandbox');
  });

  it('headless without kiosk, GPU allowed, another start page', () => {
    const args = chromiumArgs({ ...base, headless: true, kiosk: false, noSandbox: false, disableGpu: false, startUrl: 'http://127.0.0.1:1/' });
    expect(args).toContain('--headless=new');
    expect(args).not.toContain('--kiosk');
    expect(args).not.toContain('--disable-gpu');
    expect(args.at(-1)).toBe('http://127.0.0.1:1/');
  });

  it('rejects a nonsense window size', () => {
    expect(() => chromiumArgs({ ...base, headless: true, kiosk: true, noSandbox: false, windowSize: { width: 0, height: 10 } })).toThrow(/window size/);
    expect(() => chromiumArgs({ ...base, headless: true, kiosk: true, noSandbox: false, windowSize: { width: 10.5, height: 10 } })).toThrow(/window size/);
  });
});

describe('noSandboxNeeded', () => {
  it('keeps the sandbox for any user but root, allowed or not', () => {
    expect(noSandboxNeeded(1000, undefined)).toBe(false);
    expect(noSandboxNeeded(1000, 'config')).toBe(false);
    expect(noSandboxNeeded(undefined, 'development')).toBe(false); // no uids (Windows)
  });

  it('as root: --no-sandbox only when the config or development allows it, else an error naming the config path', () => {
    expect(noSandboxNeeded(0, 'config')).toBe(true);
    expect(noSandboxNeeded(0, 'development')).toBe(true);
    expect(() => noSandboxNeeded(0, undefined, '/etc/zizhu/kiosk.json')).toThrow(NoSandboxRefusedError);
    expect(() => noSandboxNeeded(0, undefined, '/etc/zizhu/kiosk.json')).toThrow(/runs as root.*as user zizhu.*"allowNoSandbox": true \} in \/etc\/zizhu\/kiosk\.json \(config path shell\.allowNoSandbox\)/);
  });
});

describe('safeUrl', () => {
  it('keeps origin and path, drops the query (the boot token) and fragment', () => {
    expect(safeUrl('http://127.0.0.1:8080/kiosk/index.html?token=s3cret#x')).toBe('http://127.0.0.1:8080/kiosk/index.html');
    expect(safeUrl('data:text/html,<h1>hi</h1>')).toBe('data:…');
    expect(safeUrl('not a url')).toBe('(unparsable URL)');
  });
});

describe('restartDelay', () => {
  it('starts at 1 s, doubles, and stops at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => restartDelay(n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect([0, 1, 2, 3].map((n) => restartDelay(n, { firstMs: 200, maxMs: 1000 }))).toEqual([200, 400, 800, 1000]);
  });
});

// ---------------------------------------------------------------- launch failures (no Chromium needed)

describe('launchChromiumShell when Chromium does not come up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zizhu-fake-chromium-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function fakeChromium(name: string, script: string): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('rejects with the exit and stderr tail, and removes the temporary profile', async () => {
    const exe = fakeChromium('exits', 'for a in "$@"; do case "$a" in --user-data-dir=*) echo "profile ${a#--user-data-dir=}" >&2;; esac; done\necho "boom: Missing X server" >&2\nexit 3');
    const error = await launchChromiumShell({ executablePath: exe, headless: true, noSandboxAllowedBy: 'development' }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/exited before DevTools was up: code 3/);
    expect(error?.message).toMatch(/boom: Missing X server/);
    const profile = /profile (\S+)/.exec(error?.message ?? '')?.[1];
    expect(profile).toMatch(/zizhu-chromium-/);
    expect(existsSync(profile!)).toBe(false);
  });

  it('rejects when the browser never answers over the DevTools pipe, and kills its whole process group', async () => {
    // like Chromium, it has children: a group kill must take them too
    const exe = fakeChromium('hangs', 'sleep 30 &\necho "child=$!" >&2\necho "pid=$$" >&2\nexec sleep 30');
    const started = Date.now();
    const error = await launchChromiumShell({ executablePath: exe, headless: true, noSandboxAllowedBy: 'development', timing: { startTimeoutMs: 600 } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/did not answer over the DevTools pipe within 600 ms/);
    expect(Date.now() - started).toBeLessThan(8000);
    const pid = Number(/pid=(\d+)/.exec(error?.message ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow();
    const child = Number(/child=(\d+)/.exec(error?.message ?? '')?.[1]);
    expect(child).toBeGreaterThan(0);
    await waitFor('child gone', () => !runningProcess(child), 2000);
  });

  it('rejects clearly when there is no such executable', async () => {
    await expect(launchChromiumShell({ executablePath: join(dir, 'nope'), headless: true, noSandboxAllowedBy: 'development' })).rejects.toThrow(/could not start.*ENOENT/);
  });

  it.runIf(process.getuid?.() === 0)('as root without an allowance: refused before anything starts', async () => {
    const exe = fakeChromium('never-run', `touch ${join(dir, 'was-run')}`);
    await expect(launchChromiumShell({ executablePath: exe, headless: true, configFile: '/etc/zizhu/kiosk.json' })).rejects.toThrow(NoSandboxRefusedError);
    expect(existsSync(join(dir, 'was-run'))).toBe(false);
  });
});

// ---------------------------------------------------------------- the real thing

describe('launchChromiumShell (Debian Chromium, headless kiosk)', () => {
  let shell: ChromiumShell;
  let app: TestServer;
  let other: TestServer;
  const problems: ShellProblemEvent[] = [];
  /** the delays of the restarts the shell logged */
  const restarts: number[] = [];
  const popupsClosed: string[] = [];
  const log = {
    info: () => {},
    error: () => {},
    warn: (message: string, meta?: Record<string, unknown>) => {
      if (message.includes('restarting chromium')) restarts.push(Number(meta?.inMs));
      if (message.includes('closing a new window/popup')) popupsClosed.push(String(meta?.url));
    },
  };
  const since = (n: number) => problems.slice(n);
  const page = () => {
    if (!shell.page) throw new Error('no page');
    return shell.page;
  };
  const rendererShows = async () => (await page().evaluate("document.querySelector('#title')?.textContent")) === 'Zizhu test page 自助';
  /** the browser's page targets now */
  const pageTargets = async () => (await shell.send<{ targetInfos: { targetId: string; type: string }[] }>('Target.getTargets')).targetInfos.filter((t) => t.type === 'page').map((t) => t.targetId);

  beforeAll(async () => {
    app = await serve('127.0.0.1', (path, res) => {
      if (path === '/hang') return; // never answers
      if (path === '/missing') {
        res.statusCode = 404;
        res.end('not here');
        return;
      }
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(path === '/popup' ? '<h1>popup</h1>' : PAGE);
    });
    other = await serve('127.0.0.2', (_path, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<h1>elsewhere</h1>');
    });
    shell = await launchChromiumShell({
      headless: true,
      kiosk: true,
      noSandboxAllowedBy: 'development', // tests run as root here
      restart: { firstMs: 200, maxMs: 1000 },
      timing: { pingEveryMs: 300, pingTimeoutMs: 1000, reloadAfterMs: 2500, backoffResetAfterMs: 3000, navigationTimeoutMs: 2500 },
      log,
    });
    shell.on('problem', (e) => problems.push(e));
  });

  afterAll(async () => {
    await shell?.close('test over');
    app?.server.closeAllConnections();
    app?.server.close();
    other?.server.close();
  });

  it('reports load-failed (refused, HTTP error, timeout) without the boot token', async () => {
    const dead = await serve('127.0.0.1', () => {});
    dead.server.close();
    const n = problems.length;
    await shell.load(`${dead.base}/`);
    await waitFor('load-failed (refused)', () => since(n).find((p) => p.problem === 'load-failed' && /ERR_CONNECTION_REFUSED/.test(p.detail)));
    await shell.load(`${app.base}/missing?token=s3cret`);
    await waitFor('load-failed (404)', () => since(n).find((p) => p.problem === 'load-failed' && p.detail === `${app.base}/missing: HTTP 404`));
    await shell.load(`${app.base}/hang?token=s3cret`);
    await waitFor('load-failed (timeout)', () => since(n).find((p) => p.problem === 'load-failed' && p.detail === `${app.base}/hang: the navigation did not commit within 2500 ms`));
    expect(problems.filter((p) => p.detail.includes('s3cret'))).toEqual([]);
  });

  it('loads the renderer and captures a frame of the whole window', async () => {
    await shell.load(`${app.base}/`);
    await waitFor('renderer text', rendererShows);
    const png = await shell.captureFrame();
    if (process.env.ZIZHU_SAVE_FRAME) writeFileSync(process.env.ZIZHU_SAVE_FRAME, png);
    const image = decodePng(png);
    expect([image.width, image.height]).toEqual([1080, 1920]);
    expect(image.pixel(540, 1600)).toEqual([...BG]); // the page's background, bottom of the screen
    expect(image.pixel(1079, 1919)).toEqual([...BG]); // no browser chrome at the edges
    expect(shell.version).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('reloads the renderer', async () => {
    const before = app.hits.get('/') ?? 0;
    await page().evaluate('window.marker = 1');
    await shell.reload('test');
    await waitFor('second load', () => (app.hits.get('/') ?? 0) > before);
    await waitFor('fresh document', async () => (await page().evaluate('typeof window.marker')) === 'undefined' && (await rendererShows()));
  });

  it('blocks navigation to another origin and brings the renderer back from about:blank', async () => {
    await page().evaluate('window.marker = 7');
    await page().evaluate(`location.href = '${other.base}/'`);
    await sleep(800);
    expect(other.hits.size).toBe(0);
    expect(page().url()).toBe(`${app.base}/`);
    expect(await page().evaluate('window.marker')).toBe(7); // the same document: it never left
    const before = app.hits.get('/') ?? 0;
    await page().evaluate(`location.href = 'about:blank'`);
    await waitFor('back on the renderer', async () => (app.hits.get('/') ?? 0) > before && page().url() === `${app.base}/` && (await rendererShows()));
  });

  it('closes popups and new windows, denies permissions, dismisses dialogs', async () => {
    const before = popupsClosed.length;
    // as a person's tap would (a user gesture): window.open and a target=_blank link
    for (const expression of [`window.open('/popup', '_blank')`, `document.querySelector('#popup-link').click()`]) {
      await page().send('Runtime.evaluate', { expression, userGesture: true });
    }
    await waitFor('two popups closed', () => popupsClosed.length >= before + 2);
    await waitFor('only the renderer page left', async () => {
      const pages = await pageTargets();
      return pages.length === 1 && pages[0] === page().targetId;
    });
    expect(page().url()).toBe(`${app.base}/`);
    expect(await page().evaluate(`navigator.permissions.query({ name: 'geolocation' }).then((s) => s.state)`)).toBe('denied');
    expect(await page().evaluate(`navigator.permissions.query({ name: 'notifications' }).then((s) => s.state)`)).toBe('denied');
    expect(await page().evaluate(`confirm('leave?')`)).toBe(false);
  });

  it('recovers a crashed renderer: render-process-gone, then the renderer is back', async () => {
    const n = problems.length;
    const old = page();
    void old.send('Page.crash').catch(() => {}); // answered never: the renderer is gone
    await waitFor('render-process-gone', () => since(n).find((p) => p.problem === 'render-process-gone' && p.detail === 'renderer crashed'));
    await waitFor('a new page on the renderer', async () => shell.page !== old && page().url() === `${app.base}/` && (await rendererShows()));
    expect(decodePng(await shell.captureFrame()).pixel(540, 1600)).toEqual([...BG]);
    expect(await pageTargets()).toEqual([page().targetId]);
  });

  it('reports a busy-looping renderer as unresponsive, then recovers it', async () => {
    const n = problems.length;
    const old = page();
    void old.evaluate('setTimeout(() => { while (true) {} }, 0)').catch(() => {});
    const hung = await waitFor('unresponsive', () => since(n).find((p) => p.problem === 'unresponsive'), 5000);
    await expect(shell.captureFrame()).rejects.toThrow(/cannot capture a frame/);
    const back = await waitFor('responsive', () => since(n).find((p) => p.problem === 'responsive'), 10_000);
    expect(back.at).toBeGreaterThan(hung.at);
    expect(shell.page).not.toBe(old);
    await waitFor('renderer text', rendererShows);
  });

  it('restarts Chromium after kill -9 and loads the renderer again, with backoff', { timeout: 40_000 }, async () => {
    const killAndWaitForRestart = async () => {
      const n = problems.length;
      const logged = restarts.length;
      const pid = shell.pid;
      expect(pid).toBeGreaterThan(0);
      process.kill(pid!, 'SIGKILL');
      await waitFor('browser exit reported', () => since(n).find((p) => p.problem === 'render-process-gone' && p.detail === 'browser exited (signal SIGKILL)'));
      await waitFor('a new browser on the renderer', async () => shell.pid !== null && shell.pid !== pid && shell.page?.url() === `${app.base}/` && (await rendererShows()), 12_000);
      expect(() => process.kill(pid!, 0)).toThrow();
      return restarts.slice(logged);
    };
    expect(await killAndWaitForRestart()).toEqual([200]);
    expect(decodePng(await shell.captureFrame()).width).toBe(1080);
    expect(await killAndWaitForRestart()).toEqual([400]); // died again soon: the delay doubles
    await sleep(3200); // up longer than backoffResetAfterMs
    expect(await killAndWaitForRestart()).toEqual([200]);
  });

  it('no TCP port listens in the browser or any of its children (DevTools is on the pipe)', async () => {
    const tree = processTree(shell.pid!);
    expect(tree.length).toBeGreaterThan(1); // browser + zygote, renderer, …
    expect(listeningSocketsOf(tree)).toEqual([]);
  });

  it('close() leaves no Chromium process and no profile, and is idempotent', async () => {
    const pid = shell.pid!;
    const dir = shell.userDataDir!;
    expect(processesMentioning(dir).length).toBeGreaterThan(1); // browser + its children
    await Promise.all([shell.close('test'), shell.close('again')]);
    await shell.close('and again');
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(dir)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
    expect(shell.pid).toBeNull();
    await expect(shell.captureFrame()).rejects.toThrow(/closed/);
    await expect(shell.load(`${app.base}/`)).rejects.toThrow(/closed/);
  });
});

describe('a browser left behind by a killed agent', () => {
  it('is ended at the next start (only when the pid in the pid file still is a Chromium)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zizhu-pidfile-'));
    const pidFile = join(dir, 'chromium-shell.pid');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // a stand-in whose command line says chromium, in its own process group (as the shell spawns it)
    const stale = spawn('bash', ['-c', 'exec -a chromium-left-behind sleep 60'], { detached: true, stdio: 'ignore' });
    const other = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      await writeFile(pidFile, `${other.pid}\n`);
      expect(await endLeftBehindBrowser(pidFile)).toBe(false); // a recycled pid: not ours to kill
      expect(alive(other.pid!)).toBe(true);
      await writeFile(pidFile, `${stale.pid}\n`);
      const exited = new Promise((r) => stale.once('exit', r));
      expect(await endLeftBehindBrowser(pidFile)).toBe(true);
      await exited;
      expect(await endLeftBehindBrowser(join(dir, 'missing.pid'))).toBe(false);
      await writeFile(pidFile, 'garbage');
      expect(await endLeftBehindBrowser(pidFile)).toBe(false);
    } finally {
      other.kill('SIGKILL');
      stale.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
