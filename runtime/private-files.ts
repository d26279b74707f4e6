/**
 * The journal and the logs are for the kiosk's own user only: files 0600 in directories 0700,
 * whatever the umask. A directory the agent creates is made 0700; one that already exists (an
 * admin's `/var/lib/…`, a shared parent) is not changed behind anyone's back — if others can enter
 * it, the caller is told, to log it. A file is created 0600, and one left wider by an older
 * release is tightened (the files are the agent's own).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Make `dir` (and missing parents) 0700. Returns a warning when it already existed open to
 * group or others, else null. Throws what mkdir throws.
 */
export function ensurePrivateDir(dir: string): string | null {
  const existed = existsSync(dir);
  if (!existed) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // mkdir's mode passes through the umask, which may only remove bits: set it exactly
    chmodSync(dir, PRIVATE_DIR_MODE);
    return null;
  }
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  return `${dir} is open to other users (mode ${mode.toString(8)}): its files are 0600, but make the directory the kiosk user's alone: chmod 700 ${dir}`;
}

/** Create `path` empty with mode 0600 if it does not exist; tighten it to 0600 if it does. */
export function ensurePrivateFile(path: string): void {
  if (!existsSync(path)) {
    try {
      closeSync(openSync(path, 'wx', PRIVATE_FILE_MODE));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  tightenFile(path);
}

/** Tighten an existing file to 0600 (nothing when it does not exist). */
export function tightenFile(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return;
  }
  if (mode !== PRIVATE_FILE_MODE) chmodSync(path, PRIVATE_FILE_MODE);
}

/** Write `text` to `path`, created (or tightened to) 0600 before a byte is written. */
export function writePrivateFile(path: string, text: string): void {
  ensurePrivateFile(path);
  writeFileSync(path, text, { mode: PRIVATE_FILE_MODE });
}
