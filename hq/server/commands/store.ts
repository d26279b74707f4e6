/**
 * Remote commands: queued per kiosk by an operator, handed out once in the kiosk's next ingest
 * answer (delivered), then succeeded | failed from the kiosk's `command.result`, or expired when
 * no result came by `expiresAt` (the kiosk does not carry out a command past it). A result that
 * arrives after HQ marked a command expired still wins: it is what the kiosk did.
 */
import { randomUUID } from 'node:crypto';
import { HqCommands, HqCommandTypeSchema, type HqCommand, type HqCommandType } from '../../../contracts/hq.ts';
import type { CommandView } from '../../../contracts/hq-api.ts';
import type { HqDb } from '../db/open.ts';
import type { CommandsTable } from '../db/tables.ts';
import { iso, isoOrNull } from '../ids.ts';

export const DEFAULT_COMMAND_TTL_MS = 10 * 60_000;

export class BadCommandError extends Error {
  override readonly name = 'BadCommandError';
}
export class CommandKioskError extends Error {
  override readonly name = 'CommandKioskError';
  constructor(
    readonly kioskId: string,
    readonly reason: 'unknown' | 'disabled',
  ) {
    super(reason === 'unknown' ? `no kiosk ${kioskId} is enrolled` : `kiosk ${kioskId} is disabled`);
  }
}

export interface QueueOptions {
  now?: () => number;
  ttlMs?: number;
}

export async function queueCommand(
  db: HqDb,
  kioskId: string,
  type: string,
  args: Record<string, unknown>,
  issuedBy: string,
  { now = Date.now, ttlMs = DEFAULT_COMMAND_TTL_MS }: QueueOptions = {},
): Promise<{ id: string; status: 'queued' }> {
  const t = HqCommandTypeSchema.safeParse(type);
  if (!t.success) throw new BadCommandError(`unknown command type "${type}" (one of ${HqCommandTypeSchema.options.join(', ')})`);
  const a = HqCommands[t.data].safeParse(args);
  if (!a.success) {
    const issue = a.error.issues[0]!;
    throw new BadCommandError(`${t.data} ${issue.path.join('.') || 'arguments'}: ${issue.message}`);
  }
  const kiosk = await db.selectFrom('kiosks').select('enabled').where('id', '=', kioskId).executeTakeFirst();
  if (!kiosk) throw new CommandKioskError(kioskId, 'unknown');
  if (kiosk.enabled !== 1) throw new CommandKioskError(kioskId, 'disabled');
  const id = randomUUID();
  const at = now();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('commands')
      .values({ id, kiosk_id: kioskId, type: t.data, args: JSON.stringify(a.data), status: 'queued', issued_by: issuedBy, issued_at: at, expires_at: at + ttlMs, delivered_at: null, finished_at: null, result: null })
      .execute();
    await trx.updateTable('kiosks').set({ commands_pending: 1 }).where('id', '=', kioskId).execute();
  });
  return { id, status: 'queued' };
}

/**
 * The kiosk's queued, unexpired commands, marked delivered at `now` (inside the ingest transaction,
 * which then sets the kiosk's `commands_pending` back to 0; only called when it is 1).
 */
export async function deliverCommands(db: HqDb, kioskId: string, now: number): Promise<HqCommand[]> {
  const rows = await db.selectFrom('commands').selectAll().where('kiosk_id', '=', kioskId).where('status', '=', 'queued').orderBy('issued_at').execute();
  const due = rows.filter((r) => r.expires_at > now);
  if (due.length === 0) return [];
  await db
    .updateTable('commands')
    .set({ status: 'delivered', delivered_at: now })
    .where('id', 'in', due.map((r) => r.id))
    .execute();
  return due.map((r) => ({ id: r.id, type: r.type as HqCommandType, args: JSON.parse(r.args) as Record<string, unknown>, issuedAt: iso(r.issued_at), expiresAt: iso(r.expires_at) }));
}

/** The kiosk's `command.result`; false when the command is not this kiosk's (or unknown). */
export async function recordCommandResult(db: HqDb, kioskId: string, r: { commandId: string; status: 'succeeded' | 'failed'; detail: string }, now: number): Promise<boolean> {
  const u = await db
    .updateTable('commands')
    .set({ status: r.status, result: r.detail, finished_at: now })
    .where('id', '=', r.commandId)
    .where('kiosk_id', '=', kioskId)
    .where('status', 'in', ['queued', 'delivered', 'expired'])
    .executeTakeFirst();
  return Number(u.numUpdatedRows) > 0;
}

/** Queued or delivered commands past their expiry become expired; returns how many. */
export async function expireCommands(db: HqDb, now: number): Promise<number> {
  const u = await db
    .updateTable('commands')
    .set({ status: 'expired', finished_at: now, result: 'no result from the kiosk before the command expired' })
    .where('status', 'in', ['queued', 'delivered'])
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(u.numUpdatedRows);
}

export function commandView(r: CommandsTable): CommandView & { args: Record<string, unknown>; expiresAt: string } {
  return {
    id: r.id,
    kioskId: r.kiosk_id,
    type: r.type as HqCommandType,
    status: r.status as CommandView['status'],
    result: r.result,
    issuedBy: r.issued_by,
    issuedAt: iso(r.issued_at),
    deliveredAt: isoOrNull(r.delivered_at),
    finishedAt: isoOrNull(r.finished_at),
    args: JSON.parse(r.args) as Record<string, unknown>,
    expiresAt: iso(r.expires_at),
  };
}

export async function getCommand(db: HqDb, id: string): Promise<CommandsTable | undefined> {
  return db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst();
}
