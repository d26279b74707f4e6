/**
 * The kiosk → HQ link: drains the journal's outbox to `POST {hq.url}/api/v1/ingest` (drain.ts),
 * beats every `hq.heartbeatSeconds` (heartbeat.ts), checks the kiosk's clock against HQ's
 * (clock-skew.ts) and carries out HQ's commands (commands.ts). It wakes whenever an event is
 * enqueued, so a fault reaches HQ at once, not at the next heartbeat.
 *
 * `startHqLink` never throws for HQ's sake: without `hq` in the config it says once that events
 * stay in the local journal; a secret it cannot read (or a file others may read) is one clear
 * error line, and the link stays off — the kiosk serves people either way, and every event waits
 * in the journal.
 */
import type { FlowServiceName, KioskStatusName } from '../../contracts/bridge.ts';
import type { HqConfig } from '../../kiosk-config/schema.ts';
import { systemNow, type Now } from '../../state-machines/deadlines.ts';
import type { Journal } from '../journal/journal.ts';
import { faultEvent } from '../hq-events.ts';
import type { Kiosk } from '../kiosk/kiosk.ts';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { ClockSkewWatch, skewOf } from './clock-skew.ts';
import { CommandRunner, type LockableKiosk, type ScreenReload } from './commands.ts';
import { Drain } from './drain.ts';
import { Heartbeats, type HeartbeatFacts } from './heartbeat.ts';
import { readHqSecret } from './secret.ts';
import type { RemoteHands } from './remote-hands.ts';
import { screenshotUploader } from './screenshot-upload.ts';
import type { NearbyResponse } from '../../contracts/hq-nearby.ts';
import { FastPoll } from './fast-poll.ts';
import type { HelpAnswerHandler } from './help-answer.ts';
import { nearbyClient } from './nearby.ts';

export interface HqLinkLog {
  info(message: string): unknown;
  warn(message: string): unknown;
  error(message: string): unknown;
  debug?(message: string): unknown;
}

export interface HqLinkStatus {
  /** running; not-configured (no `hq` in the config); off (no usable secret); stopped */
  state: 'running' | 'not-configured' | 'off' | 'stopped';
  url: string | null;
  heartbeatSeconds: number | null;
  /** events delivered by this run, and when the last batch was (the kiosk's clock, ISO) */
  delivered: number;
  lastDeliveryAt: string | null;
  lastAttemptAt: string | null;
  /** what is waiting for HQ */
  backlog: { pending: number; oldestCreatedAt: string | null };
  lastError: { at: string; message: string } | null;
  /** failed deliveries in a row, the delay chosen after the last one and when the next try is */
  failures: number;
  retryDelayMs: number | null;
  nextRetryAt: string | null;
  batchLimit: number;
  /** events HQ refused (400 naming them): kept in the journal with the error, never sent again; newest first */
  setAside: { seq: number; id: string; type: string; at: string; error: string }[];
  clock: { skewMs: number | null; roundTripMs: number | null; skewFault: boolean };
  /** commands waiting for the lifecycle (a lock waiting for the running session) */
  commandsWaiting: string[];
}

export interface HqLink {
  status(): HqLinkStatus;
  /** the kiosk process's screen reload (the `reload-screen` command); absent: "this agent has no screen" */
  provideScreenReload(reload: ScreenReload | undefined): void;
  /** issue 10's remote hands (remote-hands.ts): each given member replaces the one before; `undefined` removes it */
  provideRemoteHands(hands: { [K in keyof RemoteHands]?: RemoteHands[K] | undefined }): void;
  /** issue 10: ask HQ for commands every few seconds until `until` (the kiosk's clock; past: stop) — a person waits for an answer */
  pollUntil(until: number): void;
  /** issue 10: which kiosks near this one HQ says are usable now (rejects when HQ is not configured or does not answer) */
  askNearby(services: FlowServiceName[], signal: AbortSignal): Promise<NearbyResponse>;
  /** drain now (tests, shutdown): resolves when this round ends */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export interface HqLinkOptions {
  /** the config's `hq` (absent: no link; events stay in the journal) */
  config: HqConfig | undefined;
  kioskId: string;
  journal: Journal;
  log: HqLinkLog;
  now?: Now;
  /** where `env:NAME` references are read (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** what the heartbeat says (heartbeat.ts `heartbeatFacts`) */
  heartbeat: () => HeartbeatFacts;
  /** the kiosk whose lock HQ's lock/unlock commands drive (absent: an agent without a screen) */
  kiosk?: LockableKiosk;
  /** issue 10: shows HQ's `help.answer` on the screen (absent: no screen) */
  helpAnswer?: HelpAnswerHandler;
  /** tests: another fetch, timeouts, backoff (its `random` too) */
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The lock controls of a Kiosk, as the command runner uses them. */
export function kioskLockControl(kiosk: Kiosk): LockableKiosk {
  return {
    state: () => {
      const c = kiosk.lifecycle.getSnapshot().context;
      return { status: c.status as KioskStatusName, locked: c.remoteLock !== null };
    },
    watch: (fn) => {
      const sub = kiosk.lifecycle.subscribe(() => fn());
      return () => sub.unsubscribe();
    },
    lock: (reason, commandId) => kiosk.remoteLock(reason, { by: 'hq', commandId }),
    unlock: () => kiosk.remoteUnlock('hq'),
  };
}

export function startHqLink(o: HqLinkOptions): HqLink {
  const now = o.now ?? systemNow;
  const { journal, log } = o;
  let reload: ScreenReload | undefined;
  const base = (state: HqLinkStatus['state']): HqLinkStatus => {
    const b = journal.isOpen ? journal.outbox.backlog() : { pending: 0, oldestCreatedAt: null };
    return {
      state,
      url: o.config?.url ?? null,
      heartbeatSeconds: o.config?.heartbeatSeconds ?? null,
      delivered: 0,
      lastDeliveryAt: null,
      lastAttemptAt: null,
      backlog: { pending: b.pending, oldestCreatedAt: iso(b.oldestCreatedAt) },
      lastError: null,
      failures: 0,
      retryDelayMs: null,
      nextRetryAt: null,
      batchLimit: 0,
      setAside: journal.isOpen ? journal.outbox.setAsideEvents(20).map((r) => ({ seq: r.seq, id: r.id, type: r.kind, at: iso(r.setAsideAt)!, error: r.lastError ?? '' })) : [],
      clock: { skewMs: null, roundTripMs: null, skewFault: false },
      commandsWaiting: [],
    };
  };
  const inert = (state: 'not-configured' | 'off', error?: string): HqLink => {
    const at = iso(now())!;
    return {
      status: () => ({ ...base(state), ...(error ? { lastError: { at, message: error } } : {}) }),
      provideScreenReload: () => undefined,
      provideRemoteHands: () => undefined,
      pollUntil: () => undefined,
      askNearby: async () => Promise.reject(new Error(state === 'off' ? 'the HQ link is off' : 'no HQ is configured')),
      flush: async () => undefined,
      stop: async () => undefined,
    };
  };

  if (!o.config) {
    log.info('HQ link: not configured — events are kept in the local journal');
    return inert('not-configured');
  }
  const config = o.config;
  let secret: string;
  try {
    secret = readHqSecret(config.credentialsRef, o.env);
  } catch (e) {
    const message = `${(e as Error).message} — the HQ link is off; events are kept in the local journal`;
    log.error(`HQ link: ${message}`);
    return inert('off', message);
  }

  const report = (c: Parameters<typeof faultEvent>[0]) => {
    const line = `link ${c.change === 'raised' ? 'WARNING' : 'cleared'} ${c.code}: ${c.detail}`;
    if (c.change === 'raised') log.warn(line);
    else log.info(line);
    journal.outbox.enqueue(...faultEvent(c));
  };
  const skew = new ClockSkewWatch(report);
  const hands: RemoteHands = {};
  const uploadScreenshot = screenshotUploader({ url: config.url, kioskId: o.kioskId, secret, signAt: () => now() + skew.signingOffsetMs, fetch: o.fetch ?? fetch });
  const commands = new CommandRunner({ journal: journal.hqLink, now, log, ...(o.kiosk ? { kiosk: o.kiosk } : {}), reloadScreen: () => reload, hands: () => hands, uploadScreenshot, ...(o.helpAnswer ? { helpAnswer: o.helpAnswer } : {}) });
  const heartbeats = new Heartbeats({ outbox: journal.outbox, intervalSeconds: config.heartbeatSeconds, facts: o.heartbeat, now, log });
  const fastPoll = new FastPoll({ now, beat: () => heartbeats.beat() });
  const askNearby = nearbyClient({ url: config.url, kioskId: o.kioskId, secret, signAt: () => now() + skew.signingOffsetMs, fetch: o.fetch ?? fetch });
  const drain = new Drain({
    outbox: journal.outbox,
    url: config.url,
    kioskId: o.kioskId,
    secret,
    now,
    log,
    fetch: o.fetch ?? fetch,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    backoff: { ...DEFAULT_BACKOFF, ...o.backoff },
    signAt: () => now() + skew.signingOffsetMs,
    onAnswer: (a, sentAt, receivedAt) => {
      skew.observe({ skewMs: skewOf(a.serverTime, sentAt, receivedAt), roundTripMs: receivedAt - sentAt, source: 'serverTime' });
      commands.receive(a.commands);
    },
    onServerDate: (date, sentAt, receivedAt) => {
      const s = skewOf(date, sentAt, receivedAt);
      // to the second: only a clearly large skew counts (it may be why HQ refuses the signature)
      if (Math.abs(s) > 2 * 60_000) skew.observe({ skewMs: s, roundTripMs: receivedAt - sentAt, source: 'date-header' });
    },
    onCommands: (list) => commands.receive(list),
    onRecovered: () => heartbeats.beat(),
  });

  const offEnqueue = journal.outbox.onEnqueue(() => drain.wake());
  let stopped = false;
  log.info(`HQ link: ${config.url} as ${o.kioskId}, heartbeat every ${config.heartbeatSeconds} s; ${journal.outbox.backlog().pending} event(s) waiting`);
  commands.resume();
  heartbeats.start();
  drain.wake();

  return {
    status: () => {
      const d = drain.state;
      const s = skew.status;
      return {
        ...base(stopped ? 'stopped' : 'running'),
        delivered: d.delivered,
        lastDeliveryAt: iso(d.lastDeliveryAt),
        lastAttemptAt: iso(d.lastAttemptAt),
        lastError: d.lastError ? { at: iso(d.lastError.at)!, message: d.lastError.message } : null,
        failures: d.failures,
        retryDelayMs: d.retryDelayMs,
        nextRetryAt: iso(d.nextRetryAt),
        batchLimit: d.batchLimit,
        clock: { skewMs: s.skewMs, roundTripMs: s.roundTripMs, skewFault: s.raised },
        commandsWaiting: commands.waiting,
      };
    },
    provideScreenReload: (r) => {
      reload = r;
    },
    pollUntil: (until) => fastPoll.until(until),
    askNearby,
    provideRemoteHands: (h) => {
      for (const [k, v] of Object.entries(h)) (hands as Record<string, unknown>)[k] = v;
    },
    flush: () => drain.run(),
    async stop() {
      if (stopped) return;
      stopped = true;
      offEnqueue();
      heartbeats.stop();
      fastPoll.stop();
      commands.stop();
      await drain.stop();
    },
  };
}
