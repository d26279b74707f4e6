/**
 * Screenshots the kiosks took for a `screenshot` command (issue 10: remote hands): kept at HQ for
 * `ttlMs` (7 days by default) from their arrival, then pruned by the monitor. One per command; a
 * second upload for the same command (a retry after a lost answer) changes nothing. Stored as base64
 * text, the one column type SQLite and PostgreSQL both take as they are.
 */
import type { CommandView, ScreenshotInfo } from '../../../contracts/hq-api.ts';
import type { ScreenshotContentType } from '../../../contracts/hq.ts';
import type { HqDb } from '../db/open.ts';
import { iso } from '../ids.ts';

export const DEFAULT_SCREENSHOT_TTL_MS = 7 * 24 * 60 * 60_000;

/** Why a kiosk's upload is not taken (404 / 409): the command is not its own screenshot, or not waiting for one. */
export class ScreenshotRefusedError extends Error {
  override readonly name = 'ScreenshotRefusedError';
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** The operator's URL of a command's screenshot. */
export const screenshotUrl = (commandId: string): string => `/api/v1/screenshots/${encodeURIComponent(commandId)}`;

export async function storeScreenshot(
  db: HqDb,
  s: { commandId: string; kioskId: string; contentType: ScreenshotContentType; image: Buffer; now: number; ttlMs: number },
): Promise<{ expiresAt: number; stored: boolean }> {
  const cmd = await db.selectFrom('commands').select(['kiosk_id', 'type', 'status']).where('id', '=', s.commandId).executeTakeFirst();
  if (!cmd || cmd.kiosk_id !== s.kioskId) throw new ScreenshotRefusedError(404, `no command ${s.commandId} for kiosk ${s.kioskId}`);
  if (cmd.type !== 'screenshot') throw new ScreenshotRefusedError(409, `command ${s.commandId} is a ${cmd.type}, not a screenshot`);
  // delivered (the usual), expired (a late upload still shows what the kiosk did), succeeded (the result overtook the upload)
  if (cmd.status === 'queued' || cmd.status === 'failed') throw new ScreenshotRefusedError(409, `command ${s.commandId} is ${cmd.status}: no screenshot is expected for it`);
  const expiresAt = s.now + s.ttlMs;
  const r = await db
    .insertInto('screenshots')
    .values({ command_id: s.commandId, kiosk_id: s.kioskId, content_type: s.contentType, bytes: s.image.length, image: s.image.toString('base64'), taken_at: s.now, expires_at: expiresAt })
    .onConflict((oc) => oc.column('command_id').doNothing())
    .executeTakeFirst();
  return { expiresAt, stored: Number(r.numInsertedOrUpdatedRows ?? 0) > 0 };
}

/** The image while it is kept (null: none, or expired — the monitor may not have pruned it yet). */
export async function readScreenshot(db: HqDb, commandId: string, now: number): Promise<{ contentType: string; image: Buffer; expiresAt: number } | null> {
  const r = await db.selectFrom('screenshots').select(['content_type', 'image', 'expires_at']).where('command_id', '=', commandId).executeTakeFirst();
  if (!r || r.expires_at <= now) return null;
  return { contentType: r.content_type, image: Buffer.from(r.image, 'base64'), expiresAt: r.expires_at };
}

/** Screenshots past their expiry are deleted; how many. */
export async function pruneScreenshots(db: HqDb, now: number): Promise<number> {
  const r = await db.deleteFrom('screenshots').where('expires_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Command views with their screenshot (url, size, expiry) where HQ still keeps one. */
export async function withScreenshots<C extends Pick<CommandView, 'id' | 'type'>>(db: HqDb, commands: C[], now: number): Promise<(C & { screenshot?: ScreenshotInfo | null })[]> {
  const ids = commands.filter((c) => c.type === 'screenshot').map((c) => c.id);
  if (ids.length === 0) return commands;
  const rows = await db
    .selectFrom('screenshots')
    .select(['command_id', 'content_type', 'bytes', 'taken_at', 'expires_at'])
    .where('command_id', 'in', ids)
    .where('expires_at', '>', now)
    .execute();
  const byId = new Map(rows.map((r) => [r.command_id, r]));
  return commands.map((c) => {
    const r = byId.get(c.id);
    if (c.type !== 'screenshot') return c;
    return { ...c, screenshot: r ? { url: screenshotUrl(c.id), contentType: r.content_type, bytes: r.bytes, takenAt: iso(r.taken_at), expiresAt: iso(r.expires_at) } : null };
  });
}
