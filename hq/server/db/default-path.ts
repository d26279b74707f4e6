/**
 * Where HQ keeps its database when no `--db` is given — never relative to the folder a command
 * was started in: `$XDG_STATE_HOME/zizhu/hq/hq.sqlite`, else `/var/lib/zizhu/hq/hq.sqlite` for
 * root, else `~/.local/state/zizhu/hq/hq.sqlite`. (Directories are made 0700 when opened.)
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultHqDbPath(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.(), home: string = homedir()): string {
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'zizhu', 'hq', 'hq.sqlite');
  if (uid === 0) return '/var/lib/zizhu/hq/hq.sqlite';
  return join(home, '.local', 'state', 'zizhu', 'hq', 'hq.sqlite');
}

export const defaultHqDbUrl = (env: NodeJS.ProcessEnv = process.env): string => `sqlite:${defaultHqDbPath(env)}`;
