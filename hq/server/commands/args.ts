/**
 * An operator's command and its arguments (issue 10 widened them beyond lock's reason): checked before
 * anything is queued, so a bad one is a 400 naming the field and nothing reaches the kiosk.
 *
 * - `lock`, `restart-app`: `reason` (the body's, as before; or `args.reason`);
 * - `self-test`: `args.testPrint` (also print a verified test page);
 * - `set-promised-hours`: `args` = { promisedHours, services? } in the kiosk config's input form,
 *   validated with the kiosk config's own schema (kiosk-config/schema.ts `parseHoursChange`) — the
 *   same rules the kiosk applies again before it takes them.
 */
import { formatJsonPath, parseHoursChange } from '../../../kiosk-config/schema.ts';

export type ArgsCheck = { ok: true; args: Record<string, unknown> } | { ok: false; error: string };

const WITH_REASON = new Set(['lock', 'restart-app']);

export function commandArgs(body: { type: string; reason?: string | undefined; args?: Record<string, unknown> | undefined }): ArgsCheck {
  const args = { ...body.args };
  if (body.reason !== undefined && WITH_REASON.has(body.type)) args.reason = body.reason;
  if (body.type !== 'set-promised-hours') return { ok: true, args };
  if (body.args === undefined) return { ok: false, error: 'args: required (the promised hours: {"promisedHours": {"timezone": …, "weekly": …, "exceptions": […]}})' };
  const parsed = parseHoursChange(body.args);
  if (parsed.ok) return { ok: true, args: body.args };
  // every problem, each with its path under args
  return { ok: false, error: parsed.issues.map((i) => `${i.path === formatJsonPath([]) ? 'args' : `args.${i.path}`}: ${i.message}`).join('; ') };
}

/** One line for the audit log: what was sent, briefly. */
export function argsForAudit(type: string, args: Record<string, unknown>): string {
  if (type !== 'set-promised-hours') return typeof args.reason === 'string' ? `: ${args.reason}` : args.testPrint === true ? ' (with a test page)' : '';
  const text = JSON.stringify(args);
  return `: ${text.length > 300 ? `${text.slice(0, 299)}…` : text}`;
}
