/**
 * The notifier `startHqServer` runs: every `pollMs` it routes waiting alarm changes into groups,
 * flushes the groups whose time has come into the outbox (grouping.ts), and starts delivering each
 * channel's due messages (delivery.ts; one worker per channel, so a slow robot holds up only its
 * own chat). HQ's clock is injected: tests pin it, move it and call `tick()` instead of waiting.
 */
import type { ChannelType } from '../../../contracts/hq-notify.ts';
import type { HqDb } from '../db/open.ts';
import type { HqLog } from '../log.ts';
import { DEFAULT_BACKOFF, DEFAULT_REQUEST_TIMEOUT_MS, deliverChannel, type Backoff, type DeliveryOptions } from './delivery.ts';
import { flush, intake } from './grouping.ts';
import { ROBOT_LIMITS, SendLog } from './rate-limit.ts';

export const DEFAULT_NOTIFY_POLL_MS = 200;
/** the ops chats' time zone, for the times written in messages */
export const DEFAULT_NOTIFY_TIME_ZONE = 'Asia/Shanghai';
const HOUR = 3_600_000;
const KEEP_SENT_MS = 7 * 24 * HOUR;
const KEEP_FAILED_MS = 30 * 24 * HOUR;

export interface NotifierOptions {
  db: HqDb;
  now: () => number;
  log: HqLog;
  /** the console's base address, for the links in messages */
  publicUrl: () => string;
  pollMs?: number;
  requestTimeoutMs?: number;
  timeZone?: string;
  backoff?: Backoff;
}

/** How HQ's server options tune it (`startHqServer({ notify })`). */
export type NotifyTuning = Pick<NotifierOptions, 'pollMs' | 'requestTimeoutMs' | 'timeZone' | 'backoff'>;

export interface QueuedOutcome {
  outcome: 'sent' | 'failed' | 'pending';
  error: string | null;
}

export interface Notifier {
  /** starts the timer */
  start(): void;
  /** one whole pass now — route, flush, deliver what is due — and waits for the deliveries */
  tick(): Promise<void>;
  /** a pass soon, not waited for (a test message was queued) */
  kick(): void;
  /** waits (real time, up to `timeoutMs`) for a queued message's first attempt */
  settle(outboxId: string, timeoutMs: number): Promise<QueuedOutcome>;
  /** stops the timer, cuts requests in flight (their messages stay pending) and waits */
  stop(): Promise<void>;
}

export function createNotifier(o: NotifierOptions): Notifier {
  const abort = new AbortController();
  const delivery: DeliveryOptions = {
    db: o.db,
    now: o.now,
    log: o.log,
    timeZone: o.timeZone ?? DEFAULT_NOTIFY_TIME_ZONE,
    requestTimeoutMs: o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    backoff: o.backoff ?? DEFAULT_BACKOFF,
    signal: abort.signal,
  };
  const workers = new Map<string, Promise<void>>();
  const sendLogs = new Map<string, SendLog>();
  let running: Promise<void> | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  let prunedAt = Number.NEGATIVE_INFINITY;

  /** the channel's send log, seeded from the outbox (what it sent in the last window before a restart counts) */
  async function sendLogOf(channelId: string, type: ChannelType, now: number): Promise<SendLog> {
    let sends = sendLogs.get(channelId);
    if (sends) return sends;
    sends = new SendLog(ROBOT_LIMITS[type] ?? []);
    const longest = Math.max(0, ...sends.limits.map((l) => l.windowMs));
    if (longest > 0) {
      const recent = await o.db.selectFrom('notify_outbox').select('last_attempt_at').where('channel_id', '=', channelId).where('last_attempt_at', '>', now - longest).execute();
      for (const r of recent) sends.record(Number(r.last_attempt_at));
    }
    sendLogs.set(channelId, sends);
    return sends;
  }

  async function startDeliveries(now: number): Promise<void> {
    const due = await o.db
      .selectFrom('notify_outbox as m')
      .innerJoin('notify_channels as c', 'c.id', 'm.channel_id')
      .select(['m.channel_id', 'c.type'])
      .distinct()
      .where('m.status', '=', 'pending')
      .where('m.next_attempt_at', '<=', now)
      .execute();
    for (const { channel_id: id, type } of due) {
      if (workers.has(id) || stopped) continue;
      const sends = await sendLogOf(id, type as ChannelType, now);
      if (sends.nextFreeAt(now) > now) continue;
      const worker = deliverChannel(delivery, id, sends)
        .then(() => undefined)
        .catch((e: unknown) => o.log.error(`notify: delivering channel ${id}: ${(e as Error).message}`))
        .finally(() => workers.delete(id));
      workers.set(id, worker);
    }
  }

  async function pass(): Promise<void> {
    const now = o.now();
    while (!stopped && (await intake(o.db, now)) > 0);
    if (stopped) return;
    await flush({ db: o.db, now, publicUrl: o.publicUrl() });
    await startDeliveries(now);
    if (now - prunedAt >= HOUR) {
      prunedAt = now;
      await o.db.deleteFrom('notify_outbox').where('status', '=', 'sent').where('created_at', '<', now - KEEP_SENT_MS).execute();
      await o.db.deleteFrom('notify_outbox').where('status', '=', 'failed').where('created_at', '<', now - KEEP_FAILED_MS).execute();
    }
  }

  const runPass = (): Promise<void> =>
    (running ??= pass().finally(() => {
      running = null;
    }));
  const logged = (p: Promise<void>) => p.catch((e: unknown) => o.log.error(`notify: ${(e as Error).message}`));

  return {
    start() {
      if (timer || stopped) return;
      timer = setInterval(() => {
        if (!running && !stopped) void logged(runPass());
      }, o.pollMs ?? DEFAULT_NOTIFY_POLL_MS);
      timer.unref();
    },
    async tick() {
      if (running) await running.catch(() => undefined);
      await Promise.all(workers.values());
      await runPass();
      await Promise.all(workers.values());
    },
    kick() {
      setImmediate(() => {
        if (!stopped) void logged(runPass());
      });
    },
    async settle(outboxId, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await o.db.selectFrom('notify_outbox').select(['status', 'attempts', 'last_error']).where('id', '=', outboxId).executeTakeFirst();
        if (!row) return { outcome: 'failed', error: 'the message is gone (its channel was removed)' };
        if (row.status !== 'pending' || row.attempts > 0 || Date.now() >= deadline) return { outcome: row.status === 'sent' ? 'sent' : row.status === 'failed' ? 'failed' : 'pending', error: row.last_error };
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      abort.abort();
      await running?.catch(() => undefined);
      await Promise.all(workers.values());
    },
  };
}
