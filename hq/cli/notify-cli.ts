/**
 * What `zizhu hq channel|silence|maintenance` share: the sub-command switch, opening HQ's database,
 * turning the notify module's errors into one line naming the flag (exit 2), durations and times.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultHqDbUrl } from '../server/db/default-path.ts';
import { openHqDb, type HqDb } from '../server/db/open.ts';
import { HqDbUrlError } from '../server/db/sqlite.ts';
import { SecretKeyError } from '../server/kiosks/secret-box.ts';
import { BadNotifyInputError, NotFoundError, StateError } from '../server/notify/errors.ts';
import { Exit, type HqCliIo } from './main.ts';

export interface NotifyCliOptions {
  env?: NodeJS.ProcessEnv;
  /** HQ's clock (tests pin it) */
  now?: () => number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Sub = (args: string[], ctx: { io: HqCliIo; now: () => number; env: NodeJS.ProcessEnv; name: string }) => Promise<number>;

/** `zizhu hq NAME add|list|remove …`: runs the sub-command, one line on stderr for bad input (exit 2). */
export async function runSubcommand(name: string, subs: Record<string, Sub>, usage: string, args: string[], io: HqCliIo, o: NotifyCliOptions): Promise<number> {
  const [sub, ...rest] = args;
  const run = sub === undefined ? undefined : subs[sub];
  if (!run) {
    const what = sub === undefined || sub.startsWith('-') ? `say what to do: ${Object.keys(subs).join(', ')}` : `unknown sub-command "${sub}"`;
    io.err(`zizhu hq ${name}: ${what} (${usage})`);
    return Exit.BAD_INPUT;
  }
  const full = `${name} ${sub}`;
  try {
    return await run(rest, { io, now: o.now ?? Date.now, env: o.env ?? process.env, name: full });
  } catch (e) {
    const bad = e instanceof UsageError || e instanceof BadNotifyInputError || e instanceof NotFoundError || e instanceof StateError || e instanceof HqDbUrlError || e instanceof SecretKeyError;
    io.err(`zizhu hq ${full}: ${e instanceof HqDbUrlError ? '--db: ' : ''}${(e as Error).message}${e instanceof UsageError ? ` (${usage})` : ''}`);
    return bad ? Exit.BAD_INPUT : Exit.FAULT;
  }
}

/** node:util parseArgs, its complaints as UsageError */
export function flags<T extends ParseArgsConfig['options']>(args: string[], options: T, positionals = 0): { values: Record<string, string | string[] | boolean | undefined>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.positionals.length !== positionals) throw new UsageError(positionals === 0 ? `unexpected "${parsed.positionals[0]}"` : `expected ${positionals} argument${positionals > 1 ? 's' : ''}`);
  return parsed as { values: Record<string, string | string[] | boolean | undefined>; positionals: string[] };
}

/** Opens HQ's database (`--db` or the default), runs `work`, closes it. */
export async function withDb<T>(dbFlag: unknown, env: NodeJS.ProcessEnv, work: (db: HqDb) => Promise<T>): Promise<T> {
  const db = await openHqDb(typeof dbFlag === 'string' ? dbFlag : defaultHqDbUrl(env));
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** A field of a notify schema → the flag that sets it, in an error message `field: what` */
export function namingFlags(e: unknown, flagOf: Record<string, string>): never {
  if (e instanceof BadNotifyInputError) {
    const m = /^([A-Za-z]+)(?:\.\d+)?: (.*)$/s.exec(e.message);
    if (m && flagOf[m[1]!]) throw new BadNotifyInputError(`${flagOf[m[1]!]}: ${m[2]}`);
  }
  throw e;
}

/** `90m`, `2h`, `3d` → minutes */
export function durationMinutes(flag: string, text: string): number {
  const m = /^(\d+)\s*(m|min|h|d)$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} must be a duration like 90m, 2h or 3d, not "${text}"`);
  return Number(m[1]) * (m[2] === 'd' ? 1440 : m[2] === 'h' ? 60 : 1);
}

/** ISO 8601 with its offset (2026-06-10T22:00+08:00), as the API takes it */
export function isoTime(flag: string, text: string): string {
  const ms = Date.parse(text);
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text.trim()) || Number.isNaN(ms)) throw new UsageError(`${flag} must be a time with its offset, like 2026-06-10T22:00+08:00, not "${text}"`);
  return new Date(ms).toISOString();
}

/** a whole number of seconds */
export function seconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text.trim())) throw new UsageError(`${flag} must be a whole number of seconds, not "${text}"`);
  return Number(text);
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const localTime = (iso: string): string => iso.replace(/\.000Z$/, 'Z');
