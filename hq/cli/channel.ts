/**
 * `zizhu hq channel add --type wecom|dingtalk|feishu|webhook --url URL [--secret S] [--district D]
 * [--site S] [--min-severity warning|minor|major|critical] [--group-wait SECONDS]
 * [--group-interval SECONDS] [--repeat SECONDS] [--name N] [--code CODE …] [--db …]`,
 * `zizhu hq channel list [--db …]`, `zizhu hq channel remove ID [--db …]`.
 *
 * URL is the whole address the robot's settings page gives (its key / access_token / hook token
 * inside); HQ keeps it and the secret sealed and shows the URL masked. A running HQ picks a change up
 * at its next pass (within a second). Exit 0 done, 2 bad input (one line naming the flag), 1 a fault.
 */
import { ALARM_SEVERITIES } from '../../contracts/faults.ts';
import { CHANNEL_TYPES, type NewChannel } from '../../contracts/hq-notify.ts';
import { addChannel, describeFilters, listChannels, removeChannel } from '../server/notify/channels.ts';
import { Exit, type HqCliIo } from './main.ts';
import { flags, localTime, namingFlags, runSubcommand, seconds, str, UsageError, withDb, type NotifyCliOptions, type Sub } from './notify-cli.ts';

const USAGE = `usage: zizhu hq channel add --type ${CHANNEL_TYPES.join('|')} --url URL [--secret S] [--district D] [--site S] [--min-severity ${ALARM_SEVERITIES.slice().reverse().join('|')}] [--group-wait SECONDS] [--group-interval SECONDS] [--repeat SECONDS] [--name N] [--code CODE]… [--db sqlite:PATH] | list [--db …] | remove ID [--db …]`;

const FLAG_OF: Record<string, string> = {
  type: '--type',
  url: '--url',
  secret: '--secret',
  name: '--name',
  district: '--district',
  site: '--site',
  minSeverity: '--min-severity',
  codes: '--code',
  groupWaitS: '--group-wait',
  groupIntervalS: '--group-interval',
  repeatS: '--repeat',
};
const text = { type: 'string' } as const;

const add: Sub = async (args, { io, now, env }) => {
  const { values: v } = flags(args, {
    type: text,
    url: text,
    secret: text,
    name: text,
    district: text,
    site: text,
    'min-severity': text,
    code: { type: 'string', multiple: true },
    'group-wait': text,
    'group-interval': text,
    repeat: text,
    db: text,
  });
  if (v.type === undefined || v.url === undefined) throw new UsageError(`${v.type === undefined ? '--type' : '--url'} is required`);
  const input: Record<string, unknown> = {
    type: v.type,
    url: v.url,
    secret: str(v.secret),
    name: str(v.name),
    district: str(v.district),
    site: str(v.site),
    minSeverity: str(v['min-severity']),
    codes: v.code,
    groupWaitS: seconds('--group-wait', str(v['group-wait'])),
    groupIntervalS: seconds('--group-interval', str(v['group-interval'])),
    repeatS: seconds('--repeat', str(v.repeat)),
  };
  for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
  const row = await withDb(v.db, env, (db) => addChannel(db, input as unknown as NewChannel, { by: '(cli)', at: now() }).catch((e: unknown) => namingFlags(e, FLAG_OF)));
  io.out(
    `channel ${row.id} added: ${row.name} — ${row.type} ${row.url_masked}${describeFilters(row)}; group wait ${row.group_wait_ms / 1000} s, interval ${row.group_interval_ms / 1000} s, repeat ${row.repeat_ms / 1000} s${row.secret_enc ? '; signed with its secret' : ''}`,
  );
  return Exit.OK;
};

const list: Sub = async (args, { io, env }) => {
  const { values: v } = flags(args, { db: text });
  const channels = await withDb(v.db, env, listChannels);
  if (channels.length === 0) io.out('no notification channels yet (zizhu hq channel add …)');
  for (const c of channels) {
    const filters = describeFilters({ site: c.site, district: c.district, min_severity: c.minSeverity, codes: c.codes ? JSON.stringify(c.codes) : null });
    const last = c.lastErrorAt && (!c.lastDeliveryAt || c.lastErrorAt >= c.lastDeliveryAt) ? `last error ${localTime(c.lastErrorAt)}${c.lastErrorPermanent ? ' (REFUSED, fix the channel)' : ''}: ${c.lastError}` : `last delivery ${c.lastDeliveryAt ? localTime(c.lastDeliveryAt) : 'never'}`;
    io.out(`${c.id}  ${c.type}  ${c.name}  ${c.urlMasked}${filters}  wait ${c.groupWaitS}s/interval ${c.groupIntervalS}s/repeat ${c.repeatS}s  pending ${c.pending}, failed ${c.failed}  ${last}`);
  }
  return Exit.OK;
};

const remove: Sub = async (args, { io, now, env }) => {
  const { values: v, positionals } = flags(args, { db: text }, 1);
  const row = await withDb(v.db, env, (db) => removeChannel(db, positionals[0]!, { by: '(cli)', at: now() }));
  io.out(`channel ${row.id} removed (${row.name}, ${row.type} ${row.url_masked})`);
  return Exit.OK;
};

export const channelCommand = (args: string[], io: HqCliIo, o: NotifyCliOptions = {}): Promise<number> => runSubcommand('channel', { add, list, remove }, USAGE, args, io, o);
