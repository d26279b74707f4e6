/**
 * HQ's commands, from the ingest answers. Each is validated (HqCommandSchema, then its arguments),
 * journaled when it arrives and carried out once: a command HQ hands out again (after a restart,
 * say) is not run again — its stored result is sent again. Every command ends in one
 * `command.result`, journaled with the command's end in one transaction.
 *
 * - `lock` → the kiosk's lifecycle (REMOTE_LOCK): it waits for the running session or payment;
 *   succeeded once the status is remoteLocked.
 * - `unlock` → REMOTE_UNLOCK: succeeded once the status is neither remoteLocked nor remoteLockPending.
 * - `reload-screen` → the kiosk process's hook (the shell reloads the page).
 * - past `expiresAt` on arrival (the kiosk's clock) → failed "expired"; invalid → logged, and failed
 *   when it has an id to answer.
 *
 * - issue 10's remote hands (test-print, self-test, screenshot, set-promised-hours, restart-app) →
 *   remote-hands.ts, with the hands the agent and the kiosk process provide.
 *
 * A command still running when the agent stops stays `running` in the journal and is taken up at
 * the next start (`resume`): a lock or unlock is watched (and applied) again; a restart-app has
 * happened (succeeded, reported now); anything else cannot be taken up (failed).
 */
import { z } from 'zod';
import { HqCommandSchema, HqCommands, type HqCommand } from '../../contracts/hq.ts';
import type { KioskStatusName } from '../../contracts/bridge.ts';
import type { Now } from '../../state-machines/deadlines.ts';
import type { HqCommandRecord, HqLinkJournal } from '../journal/hq-link-journal.ts';
import { afterRestart, carryOut, REMOTE_HAND_TYPES, type RemoteHands, type ScreenshotUpload } from './remote-hands.ts';
import { carryOutHelpAnswer, type HelpAnswerHandler } from './help-answer.ts';

/** What the runner needs of the kiosk: its lock and status (runtime/kiosk/kiosk.ts via `kioskLockControl`). */
export interface LockableKiosk {
  state(): { status: KioskStatusName; locked: boolean };
  /** call `fn` after every change; returns the unsubscribe */
  watch(fn: () => void): () => void;
  lock(reason: string, commandId: string): void;
  unlock(): void;
}

/** Reloads the kiosk's screen; rejects with the reason it could not. */
export type ScreenReload = () => Promise<void>;

export interface CommandLog {
  info(message: string): unknown;
  warn(message: string): unknown;
  error(message: string): unknown;
}

export interface CommandRunnerOptions {
  journal: HqLinkJournal;
  now: Now;
  log: CommandLog;
  kiosk?: LockableKiosk;
  /** the screen reload the kiosk process provides (absent: no screen) */
  reloadScreen: () => ScreenReload | undefined;
  /** issue 10's remote hands as provided now (remote-hands.ts), and the screenshot upload to HQ */
  hands?: () => RemoteHands;
  uploadScreenshot?: ScreenshotUpload;
  /** issue 10: `help.answer` shown on the screen (help-answer.ts; absent: no screen) */
  helpAnswer?: HelpAnswerHandler;
}

const LOCKING: ReadonlySet<KioskStatusName> = new Set(['remoteLocked', 'remoteLockPending']);
const WAITS: Partial<Record<KioskStatusName, string>> = {
  remoteLockPending: 'waiting for the running session to end',
  maintenance: 'waiting for maintenance to end',
  verifyingPin: 'waiting for maintenance to end',
  booting: 'waiting for the kiosk to start',
  selfTest: 'waiting for the self-test to end',
};

export class CommandRunner {
  private readonly watches = new Map<string, () => void>();
  private stopped = false;

  constructor(private readonly o: CommandRunnerOptions) {}

  /** The commands of one ingest answer, in order. Never throws: a bad one is logged (and answered when it can be). */
  receive(commands: readonly unknown[]): void {
    for (const raw of commands) {
      try {
        this.one(raw);
      } catch (e) {
        this.o.log.error(`HQ link: a command could not be handled: ${(e as Error).message}`);
      }
    }
  }

  /** Take up the commands the previous run left running. */
  resume(): void {
    for (const r of this.o.journal.runningCommands()) {
      this.o.log.info(`HQ command ${r.id} (${r.type}) was still running when the agent stopped; taking it up again`);
      if (r.type === 'lock') this.lock({ id: r.id, reason: typeof r.args.reason === 'string' ? r.args.reason : undefined });
      else if (r.type === 'unlock') this.unlock(r.id);
      else if (r.type === 'restart-app') {
        const out = afterRestart(r, this.o.now());
        this.finish(r, out.status, out.detail);
      } else this.finish(r, 'failed', `the agent restarted before it finished${r.type === 'reload-screen' ? ' (the screen was loaded afresh at start)' : ''}`);
    }
  }

  /** Commands waiting for the lifecycle (a lock waiting for the session). */
  get waiting(): string[] {
    return [...this.watches.keys()];
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.watches.values()) off();
    this.watches.clear();
  }

  private one(raw: unknown): void {
    const parsed = HqCommandSchema.safeParse(raw);
    const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
    const type = raw && typeof raw === 'object' && typeof (raw as { type?: unknown }).type === 'string' ? (raw as { type: string }).type : 'unknown';
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const why = `invalid command from HQ (${issue.path.join('.') || 'command'}: ${issue.message})`;
      if (typeof id === 'string' && z.uuid().safeParse(id).success) {
        this.o.log.error(`HQ link: ${why}; answered failed`);
        if (!this.known(id)) this.finish({ id, type }, 'failed', why);
      } else this.o.log.error(`HQ link: ${why}; it has no id to answer, dropped: ${JSON.stringify(raw)?.slice(0, 300)}`);
      return;
    }
    const c = parsed.data;
    if (this.known(c.id)) return;
    const args = HqCommands[c.type].safeParse(c.args);
    if (!args.success) {
      const issue = args.error.issues[0]!;
      this.o.log.error(`HQ link: command ${c.id} (${c.type}) has invalid arguments (${issue.path.join('.')}: ${issue.message}); answered failed`);
      this.finish(c, 'failed', `invalid arguments: ${issue.path.join('.')}: ${issue.message}`);
      return;
    }
    if (Date.parse(c.expiresAt) <= this.o.now()) {
      this.o.log.warn(`HQ link: command ${c.id} (${c.type}) arrived after it expired (${c.expiresAt}); not carried out`);
      this.finish(c, 'failed', 'expired');
      return;
    }
    this.o.journal.beginCommand(c);
    this.o.log.info(`HQ command ${c.id}: ${c.type}${c.type === 'lock' && (args.data as { reason?: string }).reason ? ` (${(args.data as { reason?: string }).reason})` : ''}`);
    this.run(c, args.data as Record<string, unknown>);
  }

  /** A command seen before: answered again (finished) or left to finish (running). */
  private known(id: string): boolean {
    const r = this.o.journal.command(id);
    if (!r) return false;
    if (r.status === 'running') this.o.log.info(`HQ command ${id} (${r.type}) delivered again; it is still being carried out`);
    else {
      this.o.log.info(`HQ command ${id} (${r.type}) delivered again; it was carried out already (${r.status}), answered again`);
      this.o.journal.answerAgain(r);
    }
    return true;
  }

  private run(c: HqCommand, args: Record<string, unknown>): void {
    if (c.type === 'lock') this.lock({ id: c.id, reason: typeof args.reason === 'string' ? args.reason : undefined });
    else if (c.type === 'unlock') this.unlock(c.id);
    else if (REMOTE_HAND_TYPES.has(c.type)) void this.hand(c, args);
    else if (c.type === 'help.answer') {
      const out = carryOutHelpAnswer(args, this.o.helpAnswer);
      this.finish(c, out.status, out.detail);
    }
    else void this.reload(c);
  }

  /** issue 10's remote hands (remote-hands.ts); a restart is finished by the next start (`resume`) */
  private async hand(c: HqCommand, args: Record<string, unknown>): Promise<void> {
    const upload: ScreenshotUpload = this.o.uploadScreenshot ?? (async () => Promise.reject(new Error('no link to HQ to upload to')));
    const out = await carryOut({ id: c.id, type: c.type, args }, this.o.hands?.() ?? {}, upload);
    if (out === 'restarting') this.o.log.info(`HQ command ${c.id} (restart-app): restarting; the result is sent after the restart`);
    else this.finish(c, out.status, out.detail);
  }

  private lock(c: { id: string; reason: string | undefined }): void {
    const kiosk = this.o.kiosk;
    if (!kiosk) return this.finish({ id: c.id, type: 'lock' }, 'failed', 'this agent runs no kiosk lifecycle (it has no screen); nothing to lock');
    kiosk.lock(c.reason?.trim() || 'locked by HQ', c.id);
    let said = '';
    this.until(c.id, () => {
      const s = kiosk.state();
      if (s.status === 'remoteLocked') return this.finish({ id: c.id, type: 'lock' }, 'succeeded', 'locked: the kiosk takes no new customer'), true;
      if (!s.locked) return this.finish({ id: c.id, type: 'lock' }, 'failed', 'unlocked before the lock took effect'), true;
      const wait = WAITS[s.status] ?? `waiting (${s.status})`;
      if (wait !== said) this.o.log.info(`HQ command ${c.id} (lock): ${(said = wait)}`);
      return false;
    });
  }

  private unlock(id: string): void {
    const kiosk = this.o.kiosk;
    if (!kiosk) return this.finish({ id, type: 'unlock' }, 'failed', 'this agent runs no kiosk lifecycle (it has no screen); nothing to unlock');
    const wasLocked = kiosk.state().locked || LOCKING.has(kiosk.state().status);
    kiosk.unlock();
    this.until(id, () => {
      const s = kiosk.state();
      if (s.locked || LOCKING.has(s.status)) return false;
      this.finish({ id, type: 'unlock' }, 'succeeded', wasLocked ? `unlocked (now ${s.status})` : `was not locked (now ${s.status})`);
      return true;
    });
  }

  private async reload(c: HqCommand): Promise<void> {
    const hook = this.o.reloadScreen();
    if (!hook) return this.finish(c, 'failed', 'this agent has no screen');
    try {
      await hook();
      this.finish(c, 'succeeded', 'screen reloaded');
    } catch (e) {
      this.finish(c, 'failed', `the screen could not be reloaded: ${(e as Error).message}`);
    }
  }

  /** Check `done` now and after every kiosk change until it says true (or the runner stops). */
  private until(id: string, done: () => boolean): void {
    if (done()) return;
    const off = this.o.kiosk!.watch(() => {
      if (this.stopped || !this.watches.has(id)) return;
      if (done()) {
        this.watches.get(id)?.();
        this.watches.delete(id);
      }
    });
    this.watches.set(id, off);
  }

  private finish(c: Pick<HqCommandRecord, 'id' | 'type'>, status: 'succeeded' | 'failed', detail: string): void {
    if (this.stopped) return;
    try {
      this.o.journal.finishCommand(c, status, detail);
      const line = `HQ command ${c.id} (${c.type}) ${status}: ${detail}`;
      if (status === 'succeeded') this.o.log.info(line);
      else this.o.log.warn(line);
    } catch (e) {
      this.o.log.error(`HQ link: the result of command ${c.id} could not be journaled: ${(e as Error).message}`);
    }
  }
}
