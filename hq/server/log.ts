/**
 * HQ's log: one line per thing that happened, never a secret, a signature or a password. The
 * CLI writes it to stderr; tests pass `silentLog` or a capturing one (`memoryLog`).
 */
export interface HqLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLog: HqLog = { info: () => {}, warn: () => {}, error: () => {} };

/** Lines on stderr, each with HQ's clock and the level. */
export function stderrLog(now: () => number = Date.now): HqLog {
  const line = (level: string) => (message: string) => {
    process.stderr.write(`${new Date(now()).toISOString()} ${level} ${message}\n`);
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

/** A log that keeps its lines (tests look for what the log says). */
export function memoryLog(): HqLog & { lines: string[] } {
  const lines: string[] = [];
  const line = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, info: line('info'), warn: line('warn'), error: line('error') };
}
