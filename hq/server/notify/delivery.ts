/**
 * The delivery outbox: each channel's pending messages go out one at a time in order, while the
 * robot's rate limit allows (rate-limit.ts). The body is encoded and signed afresh at each attempt
 * (DingTalk and Feishu refuse a signature older than an hour). Outcomes:
 * - sent (the robot said errcode 0 / a 2xx): the row is `sent`, the channel's last delivery set;
 * - a retry (HTTP error, 5xx, timeout, an unknown errcode, the robot's "too fast"): the row stays
 *   pending until now + backoff (base × 2^(attempts−1), capped; at least what the robot asked for);
 * - refused for good (a wrong key or token, signature, keyword, allow-list): the row is `failed`,
 *   kept, logged as an error, and the channel shows it in the console until a message gets through.
 * Delivery is at least once: a message whose answer was lost (or cut by HQ stopping) is sent again.
 */
import type { ChannelType, NotifyMessage } from '../../../contracts/hq-notify.ts';
import type { HqDb } from '../db/open.ts';
import type { HqLog } from '../log.ts';
import { channelTarget, type ChannelRow } from './channels.ts';
import { CODECS, type RobotAnswer } from './codecs/index.ts';
import type { SendLog } from './rate-limit.ts';
import type { NotifyOutboxTable } from './tables.ts';

export interface Backoff {
  baseMs: number;
  maxMs: number;
}
export const DEFAULT_BACKOFF: Backoff = { baseMs: 5_000, maxMs: 10 * 60_000 };
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export const backoffMs = (attempts: number, b: Backoff): number => Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, attempts - 1));

export interface DeliveryOptions {
  db: HqDb;
  now: () => number;
  log: HqLog;
  timeZone: string;
  requestTimeoutMs: number;
  backoff: Backoff;
  /** aborted when HQ stops: a request in flight is cut and its row left pending */
  signal: AbortSignal;
}

type Outcome = RobotAnswer | { aborted: true };

async function attempt(o: DeliveryOptions, ch: ChannelRow, row: NotifyOutboxTable, now: number): Promise<Outcome> {
  let url: string;
  let secret: string | null;
  try {
    ({ url, secret } = channelTarget(o.db, ch));
  } catch (e) {
    return { ok: false, permanent: true, error: `the channel's URL cannot be opened: ${(e as Error).message}` };
  }
  const codec = CODECS[ch.type as ChannelType];
  const req = codec.encode(JSON.parse(row.message) as NotifyMessage, { url, secret, nowMs: now, timeZone: o.timeZone });
  try {
    const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.any([o.signal, AbortSignal.timeout(o.requestTimeoutMs)]) });
    return codec.answer(res.status, await res.text());
  } catch (e) {
    if (o.signal.aborted) return { aborted: true };
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${o.requestTimeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { ok: false, permanent: false, error: `could not reach the robot (${new URL(url).host}): ${why}` };
  }
}

async function record(o: DeliveryOptions, ch: ChannelRow, row: NotifyOutboxTable, outcome: RobotAnswer, at: number): Promise<void> {
  const attempts = row.attempts + 1;
  await o.db.transaction().execute(async (trx) => {
    const ofRow = trx.updateTable('notify_outbox').where('id', '=', row.id);
    const ofChannel = trx.updateTable('notify_channels').where('id', '=', ch.id);
    if (outcome.ok) {
      await ofRow.set({ status: 'sent', attempts, last_attempt_at: at, sent_at: at }).execute();
      await ofChannel.set({ last_delivery_at: at, last_error_permanent: 0 }).execute();
      return;
    }
    const wait = Math.max(backoffMs(attempts, o.backoff), outcome.retryAfterMs ?? 0);
    await ofRow.set(outcome.permanent ? { status: 'failed', attempts, last_attempt_at: at, last_error: outcome.error } : { attempts, last_attempt_at: at, last_error: outcome.error, next_attempt_at: at + wait }).execute();
    await ofChannel.set({ last_error: outcome.error, last_error_at: at, last_error_permanent: outcome.permanent ? 1 : 0 }).execute();
  });
  if (outcome.ok) return;
  const what = `notify: channel ${ch.id} (${ch.name}, ${ch.type} ${ch.url_masked})`;
  if (outcome.permanent) o.log.error(`${what} REFUSED a message for good — ${outcome.error}. Not retried: fix the channel (remove it and add it again with the right URL / secret). Message ${row.id} kept as failed.`);
  else o.log.warn(`${what}: attempt ${attempts} of message ${row.id} failed — ${outcome.error}; retrying in ${Math.round(Math.max(backoffMs(attempts, o.backoff), outcome.retryAfterMs ?? 0) / 1000)} s`);
}

/**
 * Sends one channel's due messages in order while its limit allows. Returns when to look again
 * (the head's next attempt, or when the limit frees up), or null when nothing is pending.
 */
export async function deliverChannel(o: DeliveryOptions, channelId: string, sends: SendLog): Promise<number | null> {
  for (;;) {
    if (o.signal.aborted) return null;
    const ch = await o.db.selectFrom('notify_channels').selectAll().where('id', '=', channelId).executeTakeFirst();
    const head = ch && (await o.db.selectFrom('notify_outbox').selectAll().where('channel_id', '=', channelId).where('status', '=', 'pending').orderBy('id').limit(1).executeTakeFirst());
    if (!ch || !head) return null;
    const now = o.now();
    if (head.next_attempt_at > now) return head.next_attempt_at;
    const free = sends.nextFreeAt(now);
    if (free > now) return free;
    sends.record(now);
    const outcome = await attempt(o, ch, head, now);
    if ('aborted' in outcome) return null;
    await record(o, ch, head, outcome, o.now());
  }
}
