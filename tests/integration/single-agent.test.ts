/**
 * One agent per machine, as a newcomer meets it: `zizhu start --headless` runs the kiosk (simulators,
 * agent, Chromium); a second `zizhu start` from another folder and a `zizhu agent` on the same
 * machine are refused in one line naming the first's pid, exit 2, having started nothing; the first
 * kiosk never notices; `zizhu doctor` shows the running agent's own view; after a SIGKILL of the
 * first, the next start succeeds and reports the unclean shutdown. And `zizhu sim` on a busy control
 * port says so and leaves no socat.
 *
 * Every process a command starts (socat, Chromium, node) carries a marker in its environment, so
 * the test finds exactly those in /proc, proves the refused ones started none, and ends them by pid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';

const BIN = resolve(import.meta.dirname, '../../bin/zizhu.mjs');
const MARK = 'ZIZHU_SINGLE_AGENT_TEST';
const RUN = randomUUID();

/** pids of live processes whose environment carries `MARK=<RUN>-<tag>` (every tag when omitted) */
function marked(tag?: string): number[] {
  const want = `${MARK}=${RUN}-${tag ?? ''}`;
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const env = readFileSync(`/proc/${e}/environ`, 'latin1').split('\0');
      const state = readFileSync(`/proc/${e}/stat`, 'latin1');
      if (state.slice(state.lastIndexOf(')') + 2).startsWith('Z')) continue; // a zombie has ended
      if (env.some((v) => (tag === undefined ? v.startsWith(want) : v === want))) found.push(Number(e));
    } catch {
      /* ended meanwhile, or not ours to read */
    }
  }
  return found;
}

/** Ends by pid whatever a command of this test left running. */
function endMarked(tag?: string): void {
  for (const pid of marked(tag)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Started {
  child: ChildProcess;
  out: () => string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
}

describe('one agent per machine', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let first: Started;
  let journal: string;
  let firstBrowser: number;
  const dataDir = () => join(dir, 'state', 'zizhu', 'data');

  const start = (tag: string, args: string[], cwd: string): Started => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...env, [MARK]: `${RUN}-${tag}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    return {
      child,
      out: () => out,
      exit,
      async waitFor(re, timeoutMs = 45_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const m = out.match(re);
          if (m) return m;
          if (child.exitCode !== null) throw new Error(`zizhu ${args.join(' ')} exited (${child.exitCode}):\n${out}`);
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}:\n${out}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
    };
  };

  /** Runs a command that should finish; ended by pid if it does not within `timeoutMs`. */
  const run = async (tag: string, args: string[], cwd = join(dir, 'elsewhere'), timeoutMs = 30_000) => {
    const s = start(tag, args, cwd);
    const timer = setTimeout(() => s.child.kill('SIGKILL'), timeoutMs);
    const code = await s.exit;
    clearTimeout(timer);
    return { code, all: s.out(), lines: s.out().trim().split('\n').filter(Boolean) };
  };

  const outboxCodes = (): string[] => {
    const db = new Database(journal, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT payload FROM outbox ORDER BY created_at').all() as { payload: string }[]).map((r) => (JSON.parse(r.payload) as { code?: string }).code ?? '');
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-single-'));
    await mkdir(join(dir, 'here'));
    await mkdir(join(dir, 'elsewhere'));
    // the default data directory follows XDG_STATE_HOME: nothing is given on the command line
    env = { ...process.env, XDG_STATE_HOME: join(dir, 'state'), ZIZHU_SIM_DIR: join(dir, 'sim') };
    first = start('first', ['start', '--headless'], join(dir, 'here'));
    journal = (await first.waitFor(/journal +(\S+)/))[1]!;
    await first.waitFor(/first screen \(\S+\) painted \d+ ms/);
    firstBrowser = Number(readFileSync(join(dataDir(), 'chromium-shell.pid'), 'utf8'));
  }, 60_000);

  afterAll(async () => {
    endMarked();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the journal in the absolute default data directory, not under the folder it was started in', () => {
    expect(journal).toBe(join(dataDir(), 'journal.sqlite'));
    expect(readdirSync(join(dir, 'here'))).toEqual([]);
    expect(alive(firstBrowser)).toBe(true);
  });

  it('refuses a second zizhu start from another folder in one line naming the first’s pid, exit 2, starting nothing', async () => {
    const kioskJson = readFileSync(join(dir, 'sim', 'kiosk.json'), 'utf8');
    const r = await run('second-start', ['start', '--headless']);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(new RegExp(`^zizhu start: refused: .*pid ${first.child.pid}\\b.*kill ${first.child.pid}`));
    expect(marked('second-start')).toEqual([]); // no simulator, socat, Chromium or back office left running
    expect(readFileSync(join(dir, 'sim', 'kiosk.json'), 'utf8')).toBe(kioskJson);
  }, 40_000);

  it('refuses zizhu agent on the same machine the same way, before any device or browser', async () => {
    const r = await run('second-agent', ['agent', '--config', join(dir, 'sim', 'kiosk.json'), '--shell', 'chromium', '--headless']);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(new RegExp(`^zizhu agent: refused: .*pid ${first.child.pid}\\b`));
    expect(marked('second-agent')).toEqual([]);
  }, 40_000);

  it('leaves the first kiosk untouched: same Chromium, no unclean shutdown, no renderer crash, no black screen', () => {
    expect(first.child.exitCode).toBeNull();
    expect(Number(readFileSync(join(dataDir(), 'chromium-shell.pid'), 'utf8'))).toBe(firstBrowser);
    expect(alive(firstBrowser)).toBe(true);
    const codes = outboxCodes();
    for (const code of ['AGENT_UNCLEAN_SHUTDOWN', 'RENDERER_CRASHED', 'SCREEN_BLACK']) expect(codes).not.toContain(code);
    expect(first.out()).not.toMatch(/RENDERER_CRASHED|SCREEN_BLACK|stopped without closing its journal/);
  });

  it('zizhu doctor names the running agent and shows its own view of the devices, faults included', async () => {
    let r = await run('doctor', ['doctor']);
    expect(r.all).toContain(`the kiosk agent (pid ${first.child.pid}, zizhu start) holds the devices' ports`);
    expect(r.all).not.toContain('FAULT');
    expect(r.all).toContain('all devices ok');
    // and how its link to zizhu start's HQ is doing
    expect(r.all).toMatch(/HQ link: http:\/\/127\.0\.0\.1:\d+ — (last delivered|nothing delivered yet)/);
    expect(r.code).toBe(0);

    expect((await run('sim', ['sim', 'printer', 'cover-open'])).code).toBe(0);
    let report: { ok: boolean; heldByAgent?: { pid: number }; devices: { device: string; result: string; faults: string[] }[] } | undefined;
    for (let i = 0; i < 10; i++) {
      r = await run('doctor', ['doctor', '--json']);
      report = JSON.parse(r.lines.at(-1)!) as typeof report;
      if (!report!.ok) break;
    }
    expect(r.code).toBe(1);
    expect(report!.heldByAgent?.pid).toBe(first.child.pid);
    expect(report!.devices.map((d) => [d.device, d.result])).toEqual([
      ['idReader', 'OK'],
      ['printer', 'FAULT'],
      ['scanner', 'OK'],
    ]);
    expect(report!.devices[1]!.faults).toEqual(['PRINTER_COVER_OPEN']);
    expect((await run('sim', ['sim', 'printer', 'cover-close'])).code).toBe(0);
  }, 90_000);

  it('after a SIGKILL of the first, the next zizhu start runs and reports the unclean shutdown', async () => {
    first.child.kill('SIGKILL');
    await first.exit;
    const next = start('next', ['start', '--headless'], join(dir, 'elsewhere'));
    await next.waitFor(/first screen \(\S+\) painted \d+ ms/, 60_000);
    expect(next.out()).toMatch(new RegExp(`the previous agent run \\(pid ${first.child.pid}, .*stopped without closing its journal`));
    expect(outboxCodes()).toContain('AGENT_UNCLEAN_SHUTDOWN');
    expect(alive(firstBrowser)).toBe(false); // the browser the killed agent left behind was ended
    const code = await new Promise<number | null>((r) => {
      void next.exit.then(r);
      next.child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  }, 90_000);
});

describe('zizhu sim on a busy control port', () => {
  let dir: string;
  let busy: Server;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-sim-busy-'));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    endMarked('sim-busy');
    await new Promise((r) => busy.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('says which port and --control-port in one line, exits 2 and leaves no socat', async () => {
    const port = (busy.address() as { port: number }).port;
    const child = spawn(process.execPath, [BIN, 'sim', '--control-port', String(port)], {
      env: { ...process.env, ZIZHU_SIM_DIR: dir, [MARK]: `${RUN}-sim-busy` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    clearTimeout(timer);
    expect(code).toBe(2);
    expect(out.trim().split('\n')).toEqual([`zizhu sim: the control port ${port} on 127.0.0.1 is already in use (another zizhu sim or zizhu start?); choose another with --control-port N (0: any free port)`]);
    expect(marked('sim-busy')).toEqual([]);
    expect(existsSync(join(dir, 'sim.json'))).toBe(false);
  }, 30_000);
});
