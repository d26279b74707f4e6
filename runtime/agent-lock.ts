/**
 * One agent per machine: whoever runs the kiosk agent on a data directory holds an OS-level lock
 * on `<dataDir>/agent.lock` for as long as it lives. The kernel releases it when the holder dies,
 * however it dies (SIGKILL included), so no stale lock ever needs clearing by hand.
 *
 * Node has no flock; SQLite takes POSIX fcntl locks. The lock file is an (empty) SQLite database
 * held in `locking_mode=EXCLUSIVE` after `BEGIN EXCLUSIVE`: SQLite then never lets go of the lock
 * until the connection closes or the process ends. `agent.json` next to it says who holds it (pid,
 * command, since when) and where its status endpoint listens — read only while the lock is held,
 * so it is never trusted alone.
 *
 * Within one process the lock is re-entrant (`zizhu agent` takes it, then `startAgent` again). A
 * process whose ancestor holds it shares it: `zizhu start` holds it while Electron's main process
 * runs the agent as its utility process.
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'agent.lock';
export const HOLDER_FILE = 'agent.json';
/** a doctor probing the lock holds it for a moment: wait that out rather than refuse */
const PROBE_GRACE_MS = 500;

/** Who holds the lock (agent.json). */
export interface AgentHolder {
  pid: number;
  /** e.g. "zizhu start", "zizhu agent" */
  command: string;
  startedAt: string;
  /** the process running the agent when it is not the holder itself (Electron's utility process) */
  agentPid?: number;
  /** the agent's loopback status endpoint (runtime/status-endpoint.ts), once it listens */
  status?: { url: string; token: string };
}

export class AgentAlreadyRunningError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: AgentHolder | undefined,
  ) {
    super(
      holder
        ? `refused: the kiosk agent already runs here (pid ${holder.pid}, ${holder.command} since ${holder.startedAt}, data directory ${dataDir}); only one may run — stop it first (kill ${holder.pid})`
        : `refused: another process holds ${join(dataDir, LOCK_FILE)} (a kiosk agent starting up; its pid is not recorded yet); only one agent may run — try again in a moment`,
    );
    this.name = 'AgentAlreadyRunningError';
  }
}

export interface AgentLock {
  readonly dataDir: string;
  /** Records where the agent's status endpoint listens (in agent.json, 0600), for `zizhu doctor`. */
  recordStatus(status: NonNullable<AgentHolder['status']>): void;
  release(): void;
}

const held = new Map<string, { db: Database.Database; count: number; holder: AgentHolder }>();

const isBusy = (e: unknown) => /^SQLITE_(BUSY|LOCKED)/.test((e as { code?: string } | null)?.code ?? '');

/** The holder's record, or undefined when there is none (or it cannot be read). */
export function readAgentHolder(dataDir: string): AgentHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(join(dataDir, HOLDER_FILE), 'utf8')) as AgentHolder;
    return Number.isInteger(h.pid) && h.pid > 0 ? h : undefined;
  } catch {
    return undefined;
  }
}

function writeHolder(dataDir: string, h: AgentHolder): void {
  const file = join(dataDir, HOLDER_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(h)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** True when `pid` is this process's parent, grandparent, … (Linux /proc). */
function isAncestor(pid: number): boolean {
  let p = process.ppid;
  for (let i = 0; i < 8 && p > 1; i++) {
    if (p === pid) return true;
    try {
      // "pid (comm) state ppid …": comm may hold spaces and parentheses
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Takes the lock on `dataDir` (created 0700 if missing) before anything else starts. Throws
 * AgentAlreadyRunningError naming the holder when another process has it.
 */
export function takeAgentLock(dataDir: string, o: { command: string }): AgentLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dir = realpathSync(dataDir);
  const mine = held.get(dir);
  if (mine) {
    mine.count++;
    return ownedHandle(dir);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(join(dir, LOCK_FILE), { timeout: PROBE_GRACE_MS });
    try {
      chmodSync(join(dir, LOCK_FILE), 0o600);
    } catch {
      /* not ours to change: the lock below decides */
    }
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (e) {
    db?.close();
    if (!isBusy(e)) throw new Error(`cannot lock ${join(dir, LOCK_FILE)}: ${(e as Error).message}; check the path and permissions (agent.dataDir in the kiosk config, or --data-dir)`, { cause: e });
    const holder = readAgentHolder(dir);
    if (holder && isAncestor(holder.pid)) return sharedHandle(dir);
    throw new AgentAlreadyRunningError(dir, holder);
  }
  const holder: AgentHolder = { pid: process.pid, command: o.command, startedAt: new Date().toISOString() };
  held.set(dir, { db, count: 1, holder });
  writeHolder(dir, holder);
  return ownedHandle(dir);
}

function ownedHandle(dir: string): AgentLock {
  let released = false;
  return {
    dataDir: dir,
    recordStatus(status) {
      const h = held.get(dir);
      if (!h || released) return;
      h.holder = { ...h.holder, status };
      writeHolder(dir, h.holder);
    },
    release() {
      const h = held.get(dir);
      if (released || !h) return;
      released = true;
      if (--h.count > 0) return;
      held.delete(dir);
      if (readAgentHolder(dir)?.pid === process.pid) rmSync(join(dir, HOLDER_FILE), { force: true });
      h.db.close();
    },
  };
}

/** The lock an ancestor holds: this process only adds itself and its status endpoint to the record. */
function sharedHandle(dir: string): AgentLock {
  const update = (f: (h: AgentHolder) => AgentHolder) => {
    const h = readAgentHolder(dir);
    if (h) writeHolder(dir, f(h));
  };
  return {
    dataDir: dir,
    recordStatus: (status) => update((h) => ({ ...h, agentPid: process.pid, status })),
    release: () => update(({ agentPid: _a, status: _s, ...h }) => h),
  };
}

export type AgentLockProbe = { state: 'free' } | { state: 'held'; holder: AgentHolder | undefined } | { state: 'unknown'; reason: string };

/**
 * Whether an agent holds `dataDir` now, without taking the lock (a shared lock for an instant at
 * most, which a starting agent waits out). For `zizhu doctor`.
 */
export function probeAgentLock(dataDir: string): AgentLockProbe {
  const file = join(dataDir, LOCK_FILE);
  if (!existsSync(file)) return { state: 'free' };
  const mine = held.get(realpathSync(dataDir));
  if (mine) return { state: 'held', holder: mine.holder };
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return { state: 'free' };
  } catch (e) {
    if (isBusy(e)) return { state: 'held', holder: readAgentHolder(dataDir) };
    return { state: 'unknown', reason: `cannot read ${file}: ${(e as Error).message}` };
  } finally {
    db?.close();
  }
}
