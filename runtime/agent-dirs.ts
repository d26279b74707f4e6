/**
 * Where the agent keeps its journal and its logs when neither the config (`agent.dataDir`,
 * `agent.logDir`) nor the command line (`--data-dir`) says: always an absolute path, never one
 * relative to the directory the command happened to be started in (a second `npm start` from
 * another folder must find the same journal, and its lock).
 *
 *   $XDG_STATE_HOME/zizhu/{data,log}         when XDG_STATE_HOME is set (an absolute path)
 *   /var/lib/zizhu, /var/log/zizhu           for root (a system service)
 *   ~/.local/state/zizhu/{data,log}          for everyone else (the kiosk user of the systemd user unit)
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface DirsEnv {
  env?: NodeJS.ProcessEnv;
  /** the effective user id (default: this process's) */
  uid?: number;
  home?: string;
}

function stateBase(o: DirsEnv): { data: string; log: string } {
  const env = o.env ?? process.env;
  const xdg = env.XDG_STATE_HOME;
  // the XDG spec: a relative XDG_STATE_HOME is invalid and is ignored
  if (xdg && isAbsolute(xdg)) return { data: join(xdg, 'zizhu', 'data'), log: join(xdg, 'zizhu', 'log') };
  const uid = o.uid ?? process.getuid?.() ?? -1;
  if (uid === 0) return { data: '/var/lib/zizhu', log: '/var/log/zizhu' };
  const base = join(o.home ?? homedir(), '.local', 'state', 'zizhu');
  return { data: join(base, 'data'), log: join(base, 'log') };
}

export const defaultDataDir = (o: DirsEnv = {}): string => stateBase(o).data;
export const defaultLogDir = (o: DirsEnv = {}): string => stateBase(o).log;

/** The agent's data directory: `chosen` (flag or config) made absolute, else the default. */
export const agentDataDir = (chosen?: string, o: DirsEnv = {}): string => (chosen ? resolve(chosen) : defaultDataDir(o));
/** The agent's log directory: `chosen` (config) made absolute, else the default. */
export const agentLogDir = (chosen?: string, o: DirsEnv = {}): string => (chosen ? resolve(chosen) : defaultLogDir(o));
