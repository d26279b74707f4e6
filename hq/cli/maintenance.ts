/**
 * `zizhu hq maintenance add (--kiosk K | --site S | --district D) [--from TIME] (--until TIME | --duration 2h)
 * --reason TEXT [--author NAME] [--db …]`, `zizhu hq maintenance list [--db …]`,
 * `zizhu hq maintenance remove ID [--db …]` (cancels an upcoming window, ends a current one now).
 * Declared beforehand: a window may not start in the past. Inside one, the kiosks' alarms notify
 * nobody and availability leaves the time out.
 */
import type { NewMaintenanceWindow } from '../../contracts/hq-notify.ts';
import { addMaintenanceWindow, endMaintenanceWindow, listMaintenanceWindows } from '../server/notify/maintenance.ts';
import { Exit, type HqCliIo } from './main.ts';
import { durationMinutes, flags, isoTime, localTime, namingFlags, runSubcommand, str, UsageError, withDb, type NotifyCliOptions, type Sub } from './notify-cli.ts';

const USAGE = 'usage: zizhu hq maintenance add (--kiosk K | --site S | --district D) [--from TIME] (--until TIME | --duration 2h) --reason TEXT [--author NAME] [--db …] | list [--db …] | remove ID [--db …]   (TIME like 2026-06-10T22:00+08:00)';
const FLAG_OF: Record<string, string> = { kioskId: '--kiosk', site: '--site', district: '--district', startsAt: '--from', endsAt: '--until', reason: '--reason' };
const text = { type: 'string' } as const;

const add: Sub = async (args, { io, now, env }) => {
  const { values: v } = flags(args, { kiosk: text, site: text, district: text, from: text, until: text, duration: text, reason: text, author: text, db: text });
  if ((v.duration === undefined) === (v.until === undefined)) throw new UsageError('give one of --until and --duration');
  const startsAt = v.from !== undefined ? isoTime('--from', str(v.from)!) : undefined;
  const start = startsAt !== undefined ? Date.parse(startsAt) : now();
  const input: NewMaintenanceWindow = {
    reason: str(v.reason) ?? '',
    endsAt: v.until !== undefined ? isoTime('--until', str(v.until)!) : new Date(start + durationMinutes('--duration', str(v.duration)!) * 60_000).toISOString(),
    ...(startsAt !== undefined ? { startsAt } : {}),
    ...(v.kiosk !== undefined ? { kioskId: str(v.kiosk) } : {}),
    ...(v.site !== undefined ? { site: str(v.site) } : {}),
    ...(v.district !== undefined ? { district: str(v.district) } : {}),
  };
  const row = await withDb(v.db, env, (db) => addMaintenanceWindow(db, input, { by: str(v.author) ?? '(cli)', at: now() }).catch((e: unknown) => namingFlags(e, FLAG_OF)));
  const scope = row.kiosk_id ? `kiosk ${row.kiosk_id}` : row.site ? `site ${row.site}` : `district ${row.district}`;
  io.out(`maintenance window ${row.id}: ${scope} from ${localTime(new Date(row.starts_at).toISOString())} until ${localTime(new Date(row.ends_at).toISOString())} — ${row.reason}`);
  return Exit.OK;
};

const list: Sub = async (args, { io, now, env }) => {
  const { values: v } = flags(args, { db: text });
  const windows = await withDb(v.db, env, (db) => listMaintenanceWindows(db, now()));
  if (windows.length === 0) io.out('no maintenance windows');
  for (const w of windows) {
    const scope = w.kioskId ? `kiosk ${w.kioskId}` : w.site ? `site ${w.site}` : `district ${w.district}`;
    io.out(`${w.id}  ${w.state}  ${scope}  ${localTime(w.startsAt)} – ${localTime(w.endsAt)}  by ${w.createdBy}: ${w.reason}`);
  }
  return Exit.OK;
};

const remove: Sub = async (args, { io, now, env }) => {
  const { values: v, positionals } = flags(args, { author: text, db: text }, 1);
  const { row, cancelled } = await withDb(v.db, env, (db) => endMaintenanceWindow(db, positionals[0]!, { by: str(v.author) ?? '(cli)', at: now() }));
  io.out(cancelled ? `maintenance window ${row.id} cancelled (it had not started)` : `maintenance window ${row.id} ended now`);
  return Exit.OK;
};

export const maintenanceCommand = (args: string[], io: HqCliIo, o: NotifyCliOptions = {}): Promise<number> => runSubcommand('maintenance', { add, list, remove }, USAGE, args, io, o);
