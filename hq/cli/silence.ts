/**
 * `zizhu hq silence add [--kiosk K] [--site S] [--code CODE] (--duration 2h | --until TIME) --comment TEXT
 * [--author NAME] [--db …]`, `zizhu hq silence list [--db …]`, `zizhu hq silence remove ID [--db …]`
 * (expires it now). Every matcher given must match; at least one. The console is the main place
 * for silences; this is for scripts and for when the console is out of reach.
 */
import { listSilences, addSilence, expireSilence } from '../server/notify/silences.ts';
import type { NewSilence } from '../../contracts/hq-notify.ts';
import { Exit, type HqCliIo } from './main.ts';
import { durationMinutes, flags, isoTime, localTime, namingFlags, runSubcommand, str, UsageError, withDb, type NotifyCliOptions, type Sub } from './notify-cli.ts';

const USAGE = 'usage: zizhu hq silence add [--kiosk K] [--site S] [--code CODE] (--duration 2h | --until 2026-06-10T22:00+08:00) --comment TEXT [--author NAME] [--db …] | list [--db …] | remove ID [--db …]';
const FLAG_OF: Record<string, string> = { kioskId: '--kiosk', site: '--site', code: '--code', endsAt: '--until', durationMinutes: '--duration', comment: '--comment' };
const text = { type: 'string' } as const;

const add: Sub = async (args, { io, now, env }) => {
  const { values: v } = flags(args, { kiosk: text, site: text, code: text, duration: text, until: text, comment: text, author: text, db: text });
  if (v.duration !== undefined && v.until !== undefined) throw new UsageError('give --duration or --until, not both');
  const input: NewSilence = {
    comment: str(v.comment) ?? '',
    ...(v.kiosk !== undefined ? { kioskId: str(v.kiosk) } : {}),
    ...(v.site !== undefined ? { site: str(v.site) } : {}),
    ...(v.code !== undefined ? { code: str(v.code) as NewSilence['code'] } : {}),
    ...(v.duration !== undefined ? { durationMinutes: durationMinutes('--duration', str(v.duration)!) } : {}),
    ...(v.until !== undefined ? { endsAt: isoTime('--until', str(v.until)!) } : {}),
  };
  const row = await withDb(v.db, env, (db) => addSilence(db, input, { by: str(v.author) ?? '(cli)', at: now() }).catch((e: unknown) => namingFlags(e, FLAG_OF)));
  io.out(`silence ${row.id} until ${localTime(new Date(row.ends_at).toISOString())}: ${[row.kiosk_id && `kiosk ${row.kiosk_id}`, row.site && `site ${row.site}`, row.code && `code ${row.code}`].filter(Boolean).join(', ')} — ${row.comment}`);
  return Exit.OK;
};

const list: Sub = async (args, { io, now, env }) => {
  const { values: v } = flags(args, { db: text });
  const silences = await withDb(v.db, env, (db) => listSilences(db, now()));
  if (silences.length === 0) io.out('no silences');
  for (const s of silences) {
    const match = [s.kioskId && `kiosk ${s.kioskId}`, s.site && `site ${s.site}`, s.code && `code ${s.code}`].filter(Boolean).join(', ');
    io.out(`${s.id}  ${s.state}  ${match}  until ${localTime(s.endsAt)}  by ${s.createdBy}${s.expiredBy ? ` (expired by ${s.expiredBy})` : ''}: ${s.comment}`);
  }
  return Exit.OK;
};

const remove: Sub = async (args, { io, now, env }) => {
  const { values: v, positionals } = flags(args, { author: text, db: text }, 1);
  const row = await withDb(v.db, env, (db) => expireSilence(db, positionals[0]!, { by: str(v.author) ?? '(cli)', at: now() }));
  io.out(`silence ${row.id} expired`);
  return Exit.OK;
};

export const silenceCommand = (args: string[], io: HqCliIo, o: NotifyCliOptions = {}): Promise<number> => runSubcommand('silence', { add, list, remove }, USAGE, args, io, o);
