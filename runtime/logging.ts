/**
 * The agent's log: winston to the console and to a daily rotating file of JSON lines.
 *
 * Nothing personal reaches either: a formatter masks ID numbers and names wherever they are —
 * in the message text (`name: 张三`, `身份证号：…`, bare 18/15-digit ID numbers), in metadata at
 * any depth, in arrays, and in errors (message, stack, own fields, cause). Masking runs after
 * `%s` interpolation and before anything is written.
 *
 * The files are the kiosk user's alone: the directory is created 0700, every log file (rotated
 * ones too) and the rotation's audit file 0600.
 */
import { join } from 'node:path';
import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';
import { maskPersonalData, maskPersonalText } from '../contracts/pii.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE, tightenFile } from './private-files.ts';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Logger = winston.Logger;

export interface LoggerOptions {
  /** default 'info' */
  level?: LogLevel;
  /** directory for the rotating file; no file when absent */
  dir?: string;
  /** file name stem: `<stem>-YYYY-MM-DD.log` plus a `<stem>.log` symlink to the current file (default 'agent') */
  fileStem?: string;
  /** rotate when a file reaches this size (winston-daily-rotate-file syntax, default '20m') */
  maxSize?: string;
  /** keep this many files or days ('30d', default) */
  maxFiles?: string;
  /** console output: 'text' (default), 'json', or false for none */
  console?: 'text' | 'json' | false;
  /** where console output goes (default process.stdout); tests pass their own stream */
  consoleStream?: NodeJS.WritableStream;
  /** fields on every line, e.g. { kioskId, process: 'agent' } */
  defaultMeta?: Record<string, unknown>;
}

const SPLAT = Symbol.for('splat');

/**
 * Masks personal data in a winston `info` in place: every string-keyed field (the message
 * included) deeply, and the raw splat arguments, so no later format can print them unmasked.
 */
export const maskPersonalDataFormat = winston.format((info) => {
  const record = info as Record<string | symbol, unknown>;
  for (const key of Object.keys(record)) {
    if (key === 'level') continue;
    const value = record[key];
    if (key === 'message') record[key] = typeof value === 'string' ? maskPersonalText(value) : maskPersonalData(value);
    else record[key] = maskPersonalData({ [key]: value })[key];
  }
  if (Array.isArray(record[SPLAT])) record[SPLAT] = maskPersonalData(record[SPLAT]);
  return info;
});

/** Errors anywhere in metadata become plain objects (JSON.stringify would turn them into `{}`); done by the mask. */
function baseFormats(): winston.Logform.Format[] {
  return [winston.format.errors({ stack: true }), winston.format.splat(), maskPersonalDataFormat(), winston.format.timestamp()];
}

const textLine = winston.format.printf((info) => {
  const { timestamp, level, message, stack, ...rest } = info as Record<string, unknown>;
  const meta = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  const trace = typeof stack === 'string' ? `\n${stack}` : '';
  return `${String(timestamp)} ${level} ${String(message)}${meta}${trace}`;
});

/** A logger with masking, console and (when `dir` is given) a rotating JSON-lines file. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const transports: winston.transport[] = [];
  if (options.console !== false) {
    const format = options.console === 'json' ? winston.format.json() : textLine;
    transports.push(
      options.consoleStream
        ? new winston.transports.Stream({ stream: options.consoleStream, format })
        : new winston.transports.Console({ format, stderrLevels: ['error'] }),
    );
  }
  let openDirWarning: string | null = null;
  if (options.dir) {
    try {
      openDirWarning = ensurePrivateDir(options.dir);
    } catch (e) {
      throw new Error(`cannot create the log directory ${options.dir}: ${(e as Error).message}; check the path and permissions (agent.logDir in the kiosk config)`, { cause: e });
    }
    const stem = options.fileStem ?? 'agent';
    const auditFile = join(options.dir, `.${stem}-audit.json`);
    const file = new DailyRotateFile({
      dirname: options.dir,
      filename: `${stem}-%DATE%.log`,
      datePattern: 'YYYY-MM-DD',
      maxSize: options.maxSize ?? '20m',
      maxFiles: options.maxFiles ?? '30d',
      auditFile,
      createSymlink: true,
      symlinkName: `${stem}.log`,
      format: winston.format.json(),
      // every file it opens, the first and each rotated one, is created 0600
      options: { flags: 'a', mode: PRIVATE_FILE_MODE },
    });
    // the first 'new' is re-emitted on the next tick, so this sees the first file too; the audit
    // file was (re)written just before (with the umask's mode), and an older file may be wider
    file.on('new', (name: string) => {
      currentFile.set(file, name);
      privately(name, auditFile);
    });
    file.on('logRemoved', () => privately(auditFile));
    transports.push(file);
  }
  // a logger with no transport never drains: its buffer fills, writes stall and end() never finishes
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    levels: winston.config.npm.levels,
    format: winston.format.combine(...baseFormats()),
    defaultMeta: options.defaultMeta,
    transports,
    exitOnError: false,
  });
  // A failing transport (disk full, directory removed) must not take the agent down.
  let reported = false;
  logger.on('error', (e: Error) => {
    if (reported) return;
    reported = true;
    process.stderr.write(`zizhu: logging failed (${maskPersonalText(e.message)}); continuing without the failing log output\n`);
  });
  if (openDirWarning) logger.warn(openDirWarning);
  return logger;
}

const currentFile = new WeakMap<DailyRotateFile, string>();

/** Tighten log files to 0600; a failure (file already rotated away) is not worth a log line. */
function privately(...files: string[]): void {
  for (const f of files) {
    try {
      tightenFile(f);
    } catch {
      // removed or not ours: nothing to protect here
    }
  }
}

/** The file each rotating-file transport writes now (known from the next tick after creation). */
export function logFiles(logger: Logger): string[] {
  return logger.transports.flatMap((t) => {
    const name = t instanceof DailyRotateFile ? currentFile.get(t) : undefined;
    return name ? [name] : [];
  });
}

/** Ends the logger and resolves, with the files it wrote to, once every line is on disk (file streams closed). */
export async function closeLogger(logger: Logger): Promise<string[]> {
  const files = logFiles(logger);
  const fileClosed = logger.transports
    .filter((t): t is DailyRotateFile => t instanceof DailyRotateFile)
    .map((t) => {
      const stream = (t as unknown as { logStream?: NodeJS.EventEmitter }).logStream;
      return stream ? new Promise<void>((resolve) => stream.once('close', () => resolve())) : Promise.resolve();
    });
  await new Promise<void>((resolve) => {
    logger.once('finish', () => resolve());
    logger.end();
  });
  await Promise.all(fileClosed);
  return files;
}
