/** Where a CLI command writes; tests pass a capturing implementation. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
  err: (line) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`),
};

export function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** Exit codes shared by every command. */
export const Exit = { OK: 0, FAULT: 1, BAD_INPUT: 2 } as const;

/** A command's entry point: returns the process exit code. Long-running commands resolve when stopped. */
export type CliCommand = (args: string[], io: CliIo) => Promise<number>;
