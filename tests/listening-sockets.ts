/**
 * Which TCP ports a process tree listens on, read from /proc (Linux): the proof that the kiosk's
 * Chromium has no DevTools port (or any other) for another local user to connect to.
 *
 * A socket belongs to a process when one of its /proc/<pid>/fd links is `socket:[inode]`; it is
 * listening when that inode is in state 0A (LISTEN) in /proc/<pid>/net/tcp or tcp6 — read per pid,
 * because a sandboxed renderer may live in a network namespace of its own.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process ended meanwhile
  }
}

/** ppid and process group of a pid, from /proc/<pid>/stat (the command name may hold spaces and parentheses) */
function statOf(pid: number): { ppid: number; pgid: number } | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), pgid: Number(fields[2]) };
}

/** `root` and every process descended from it or in its process group (Chromium's zygotes and renderers). */
export function processTree(root: number): number[] {
  const all = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
  const stats = new Map(all.map((pid) => [pid, statOf(pid)] as const));
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, st] of stats) {
      if (!st || tree.has(pid)) continue;
      if (tree.has(st.ppid) || st.pgid === root) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree].sort((a, b) => a - b);
}

/** "0100007F:23E6" (tcp) or the 32-hex-digit tcp6 form → "127.0.0.1:9190" / "[…]:9190" */
function address(hex: string): string {
  const [ip, port] = hex.split(':') as [string, string];
  const p = Number.parseInt(port, 16);
  if (ip.length === 8) return `${[6, 4, 2, 0].map((i) => Number.parseInt(ip.slice(i, i + 2), 16)).join('.')}:${p}`;
  return `[${ip}]:${p}`;
}

/** inode → local address of every listening TCP socket in `pid`'s network namespace */
function listeningInodes(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of ['tcp', 'tcp6']) {
    for (const line of (read(`/proc/${pid}/net/${file}`) ?? '').split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c[3] === '0A' && c[1] && c[9]) out.set(c[9], address(c[1]));
    }
  }
  return out;
}

/** Every listening TCP socket held by one of `pids`: pid and local address. */
export function listeningSocketsOf(pids: number[]): { pid: number; address: string }[] {
  const found: { pid: number; address: string }[] = [];
  for (const pid of pids) {
    const listening = listeningInodes(pid);
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      const at = inode === undefined ? undefined : listening.get(inode);
      if (at !== undefined) found.push({ pid, address: at });
    }
  }
  return found;
}
