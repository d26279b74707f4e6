/**
 * What the HQ link must remember across restarts (migration 3): the commands HQ sent and what came
 * of them (a command redelivered after a restart is not carried out again, its stored result is
 * sent again), and the kiosk lock — who locked it, why and when, and who lifted it — so a lock
 * survives a restart of the agent (the agent re-applies the current one before the kiosk takes
 * anyone).
 */
import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { HqCommand } from '../../contracts/hq.ts';
import { toJson, type JournalContext } from './records.ts';
import type { Outbox } from './outbox.ts';

export type CommandStatus = 'running' | 'succeeded' | 'failed';

export interface HqCommandRecord {
  id: string;
  type: string;
  args: Record<string, unknown>;
  receivedAt: number;
  status: CommandStatus;
  detail: string | null;
  finishedAt: number | null;
}

/** Who put the kiosk lock on: HQ's `lock` command, or staff on the maintenance screen. */
export type LockBy = 'hq' | 'staff';

export interface KioskLockRecord {
  id: string;
  reason: string;
  by: LockBy;
  staffId: string | null;
  commandId: string | null;
  lockedAt: number;
  unlockedAt: number | null;
  unlockedBy: string | null;
}

interface CommandRow {
  id: string;
  type: string;
  args: string;
  received_at: number;
  status: CommandStatus;
  detail: string | null;
  finished_at: number | null;
}
interface LockRow {
  id: string;
  reason: string;
  by: LockBy;
  staff_id: string | null;
  command_id: string | null;
  locked_at: number;
  unlocked_at: number | null;
  unlocked_by: string | null;
}

const commandOf = (r: CommandRow): HqCommandRecord => ({
  id: r.id,
  type: r.type,
  args: JSON.parse(r.args) as Record<string, unknown>,
  receivedAt: r.received_at,
  status: r.status,
  detail: r.detail,
  finishedAt: r.finished_at,
});
const lockOf = (r: LockRow): KioskLockRecord => ({
  id: r.id,
  reason: r.reason,
  by: r.by,
  staffId: r.staff_id,
  commandId: r.command_id,
  lockedAt: r.locked_at,
  unlockedAt: r.unlocked_at,
  unlockedBy: r.unlocked_by,
});

export class HqLinkJournal {
  private readonly s: {
    command: Statement<[string], CommandRow>;
    insertCommand: Statement;
    finishCommand: Statement;
    runningCommands: Statement<[], CommandRow>;
    currentLock: Statement<[], LockRow>;
    insertLock: Statement;
    endLock: Statement;
    pruneCommands: Statement;
    pruneLocks: Statement;
  };

  constructor(
    private readonly j: JournalContext,
    private readonly outbox: Outbox,
  ) {
    const db = j.db;
    this.s = {
      command: db.prepare('SELECT * FROM hq_commands WHERE id = ?'),
      insertCommand: db.prepare("INSERT INTO hq_commands (id, type, args, received_at, status) VALUES (@id, @type, @args, @at, 'running')"),
      finishCommand: db.prepare("UPDATE hq_commands SET status = @status, detail = @detail, finished_at = @at WHERE id = @id AND status = 'running'"),
      runningCommands: db.prepare("SELECT * FROM hq_commands WHERE status = 'running' ORDER BY received_at, id"),
      currentLock: db.prepare('SELECT * FROM kiosk_locks WHERE unlocked_at IS NULL'),
      insertLock: db.prepare('INSERT INTO kiosk_locks (id, reason, by, staff_id, command_id, locked_at) VALUES (@id, @reason, @by, @staffId, @commandId, @at)'),
      endLock: db.prepare('UPDATE kiosk_locks SET unlocked_at = @at, unlocked_by = @by WHERE unlocked_at IS NULL'),
      pruneCommands: db.prepare("DELETE FROM hq_commands WHERE status <> 'running' AND finished_at < ?"),
      pruneLocks: db.prepare('DELETE FROM kiosk_locks WHERE unlocked_at IS NOT NULL AND unlocked_at < ?'),
    };
  }

  // ───────────────────────────── commands ─────────────────────────────

  command(id: string): HqCommandRecord | undefined {
    const r = this.s.command.get(id);
    return r ? commandOf(r) : undefined;
  }

  /** A command arrived and is being carried out. Returns false when it is known already (a redelivery). */
  beginCommand(c: Pick<HqCommand, 'id' | 'type' | 'args'>): boolean {
    return this.j.tx(() => {
      if (this.s.command.get(c.id)) return false;
      this.s.insertCommand.run({ id: c.id, type: c.type, args: toJson(`command ${c.id} args`, c.args ?? {}), at: this.j.now() });
      return true;
    });
  }

  /**
   * What came of a command, with its `command.result` for HQ in the same transaction. A command
   * never seen before (refused on arrival: invalid, expired) is recorded at once as finished.
   */
  finishCommand(c: { id: string; type: string }, status: 'succeeded' | 'failed', detail: string): HqCommandRecord {
    const text = detail.length > 500 ? `${detail.slice(0, 497)}…` : detail;
    return this.j.tx(() => {
      const at = this.j.now();
      if (!this.s.command.get(c.id)) this.s.insertCommand.run({ id: c.id, type: c.type.slice(0, 40), args: '{}', at });
      this.s.finishCommand.run({ id: c.id, status, detail: text, at });
      const r = commandOf(this.s.command.get(c.id)!);
      this.outbox.enqueue('command.result', { commandId: c.id, type: r.type.slice(0, 40), status: r.status === 'running' ? status : r.status, detail: r.detail ?? text });
      return r;
    });
  }

  /** Answer a finished command again (HQ delivered it once more): its stored result as a new `command.result`. */
  answerAgain(r: HqCommandRecord): void {
    if (r.status === 'running') return;
    this.outbox.enqueue('command.result', { commandId: r.id, type: r.type.slice(0, 40), status: r.status, detail: r.detail ?? '' });
  }

  /** Commands begun and not finished (the agent stopped meanwhile). */
  runningCommands(): HqCommandRecord[] {
    return this.s.runningCommands.all().map(commandOf);
  }

  // ───────────────────────────── the kiosk lock ─────────────────────────────

  /** The lock in force, if any. */
  currentLock(): KioskLockRecord | undefined {
    const r = this.s.currentLock.get();
    return r ? lockOf(r) : undefined;
  }

  /**
   * The kiosk is locked (journal it when the lifecycle takes the lock). The same lock again (its
   * re-application at start) changes nothing; a different one replaces it.
   */
  lock(l: { reason: string; by: LockBy; staffId?: string | null; commandId?: string | null }): KioskLockRecord {
    return this.j.tx(() => {
      const current = this.currentLock();
      if (current && current.reason === l.reason && current.by === l.by) return current;
      const at = this.j.now();
      if (current) this.s.endLock.run({ at, by: `replaced by ${l.by}` });
      const id = randomUUID();
      this.s.insertLock.run({ id, reason: l.reason, by: l.by, staffId: l.staffId ?? null, commandId: l.commandId ?? null, at });
      return this.currentLock()!;
    });
  }

  /** The lock was lifted (`by`: 'hq', 'staff:<id>'…). Returns the lock that ended, if there was one. */
  unlock(by: string): KioskLockRecord | undefined {
    return this.j.tx(() => {
      const current = this.currentLock();
      if (!current) return undefined;
      this.s.endLock.run({ at: this.j.now(), by });
      return { ...current, unlockedAt: this.j.now(), unlockedBy: by };
    });
  }

  /** Forget finished commands and lifted locks older than `before` (with the delivered HQ events). */
  prune(before: number): number {
    return this.j.tx(() => this.s.pruneCommands.run(before).changes + this.s.pruneLocks.run(before).changes);
  }
}
