/**
 * `zizhu start`'s HQ: a development HQ on an embedded SQLite file in the data directory, run as its
 * own process through the `zizhu hq` CLI (the agent never imports hq/), the simulated kiosk enrolled
 * in it (its secret in a 0600 file the kiosk config names), an admin user for the console, and with
 * `--fleet N` a simulated fleet beside the one real kiosk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePrivateFile, ensurePrivateDir } from '../private-files.ts';

const ZIZHU = fileURLToPath(new URL('../../bin/zizhu.mjs', import.meta.url));

export interface DevHq {
  url: string;
  consoleUser: string;
  consolePassword: string;
  /** what the kiosk config's `hq` section says */
  kioskLink: { url: string; credentialsRef: string; heartbeatSeconds: number };
  close(): Promise<void>;
}

export interface DevHqOptions {
  dataDir: string;
  kiosk: { id: string; site?: string; district?: string; address?: string };
  /** simulated kiosks beside the real one (zizhu hq fleet-sim) */
  fleet?: number;
  heartbeatSeconds?: number;
  log?: (line: string) => void;
}

/** Run `zizhu <args>` to its end; stdout lines, or an error naming what it said. */
async function zizhu(args: string[], stdin?: string): Promise<string[]> {
  const child = spawn(process.execPath, [ZIZHU, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  child.stdin.end(stdin ?? '');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw Object.assign(new Error(`zizhu ${args.slice(0, 3).join(' ')}: ${err.trim() || out.trim() || `exit ${code}`}`), { exitCode: code });
  return out.split('\n').filter((l) => l.trim() !== '');
}

/** Start a long-running `zizhu …` and wait for the stdout line that `ready` matches. */
async function zizhuServer(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [ZIZHU, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let seen = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`zizhu ${args[0]} ${args[1] ?? ''}: not ready after ${timeoutMs / 1000} s: ${seen.slice(-500)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString('utf8');
      const m = seen.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (seen += d.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`zizhu ${args[0]} ${args[1] ?? ''} ended (exit ${code}): ${seen.trim().slice(-500)}`));
    });
  });
  return { child, match };
}

/** End a child we started: SIGTERM, then SIGKILL if it lingers. By pid, never by name. */
async function end(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(timer);
}

/** The console login of this data directory's HQ: made once, kept (0600) so every start prints the same. */
async function consoleLogin(dir: string, db: string): Promise<{ user: string; password: string }> {
  const file = join(dir, 'console-login.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { user: string; password: string };
  const login = { user: existsSync(join(dir, 'hq.sqlite')) ? `ops-${randomBytes(2).toString('hex')}` : 'ops', password: randomBytes(12).toString('base64url') };
  await zizhu(['hq', 'user', 'add', login.user, '--role', 'admin', '--db', db], `${login.password}\n`);
  writePrivateFile(file, `${JSON.stringify(login)}\n`);
  return login;
}

export async function startDevHq(o: DevHqOptions): Promise<DevHq> {
  const dir = join(o.dataDir, 'hq');
  ensurePrivateDir(dir);
  const db = `sqlite:${join(dir, 'hq.sqlite')}`;
  const login = await consoleLogin(dir, db);
  // a new secret for the kiosk at every start (printed once by enroll, kept only in a 0600 file)
  const k = o.kiosk;
  const place = [...(k.site ? ['--site', k.site] : []), ...(k.district ? ['--district', k.district] : []), ...(k.address ? ['--address', k.address] : [])];
  const enrolled = await zizhu(['hq', 'enroll', '--kiosk', k.id, '--db', db, '--rotate', ...place]);
  const secretFile = join(dir, 'kiosk-secret');
  writePrivateFile(secretFile, enrolled.at(-1)!.trim());

  const server = await zizhuServer(['hq', '--port', '0', '--host', '127.0.0.1', '--db', db], /HQ listening on (http:\/\/\S+)/);
  const url = server.match[1]!;
  let fleet: ChildProcess | undefined;
  try {
    if (o.fleet) {
      const sim = await zizhuServer(
        ['hq', 'fleet-sim', '--hq', url, '--kiosks', String(o.fleet), '--interval', '30', '--user', login.user],
        /./,
        { ...process.env, ZIZHU_HQ_PASSWORD: login.password },
      );
      fleet = sim.child;
      fleet.stdout!.resume();
      fleet.stderr!.resume();
    }
  } catch (e) {
    await end(server.child);
    throw e;
  }
  server.child.stdout!.resume();
  server.child.stderr!.on('data', (d: Buffer) => o.log?.(`hq: ${d.toString('utf8').trimEnd()}`));
  return {
    url,
    consoleUser: login.user,
    consolePassword: login.password,
    kioskLink: { url, credentialsRef: `file:${secretFile}`, heartbeatSeconds: o.heartbeatSeconds ?? 5 },
    async close() {
      await end(fleet);
      await end(server.child);
    },
  };
}
