import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

/**
 * Ends a socat a killed simulator left behind on this link path (it would keep the path's old PTY
 * pair, with no device on its far end) and removes the stale symlink. Linux /proc only; true when
 * one was ended.
 */
export function endLeftBehindSocat(linkPath: string): boolean {
  let ended = false;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return false;
  }
  for (const pid of pids) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!args[0]?.endsWith('socat') || !args.some((a) => a.split(',').includes(`link=${linkPath}`))) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
      ended = true;
    } catch {
      /* gone meanwhile */
    }
  }
  rmSync(linkPath, { force: true });
  return ended;
}

/**
 * A pair of connected pseudo-terminals made by socat: a real serial port on each end.
 * The kiosk driver opens `kioskPath`; the simulated device opens `simPath`.
 */
export interface PtyPair {
  /** the port the kiosk's driver opens (as it would open /dev/ttyUSB0) */
  kioskPath: string;
  /** the port the simulated device opens */
  simPath: string;
  close(): Promise<void>;
}

/**
 * Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and waits for both PTY names.
 * Throws with a clear message when socat is missing (apt-get install socat).
 */
export async function openPtyPair(opts: { kioskLink?: string; simLink?: string; timeoutMs?: number } = {}): Promise<PtyPair> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  for (const link of [opts.kioskLink, opts.simLink]) if (link) endLeftBehindSocat(link);
  // ignoreeof on the kiosk side: the driver may close and reopen its port (doctor, then the agent)
  // without tearing the pair down, as with a real USB-serial adapter.
  const kioskSide = `pty,raw,echo=0,ignoreeof${opts.kioskLink ? `,link=${opts.kioskLink}` : ''}`;
  const simSide = `pty,raw,echo=0${opts.simLink ? `,link=${opts.simLink}` : ''}`;
  let child: ChildProcess;
  try {
    child = spawn('socat', ['-d', '-d', kioskSide, simSide], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`cannot start socat (apt-get install socat): ${(e as Error).message}`);
  }
  const paths: string[] = await new Promise((resolve, reject) => {
    let err = '';
    let settled = false;
    const found: string[] = [];
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`socat exited with code ${code} before both PTYs were ready: ${err.trim()}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`socat did not report two PTYs within ${timeoutMs} ms: ${err.trim()}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start socat (apt-get install socat): ${e.message}`));
    });
    child.once('exit', onEarlyExit);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (settled) return;
      err += s;
      for (const m of s.matchAll(/PTY is (\S+)/g)) found.push(m[1]!);
      if (found.length >= 2 && /starting data transfer loop/.test(err)) {
        settled = true;
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        resolve(found.slice(0, 2));
      }
    });
  });
  // keep draining stderr so socat never blocks on a full pipe
  child.stderr!.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    kioskPath: opts.kioskLink ?? paths[0]!,
    simPath: opts.simLink ?? paths[1]!,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
