/** The notify module's errors (the API maps them to 400 / 404 / 409, the CLI to exit 2) and its input parsing. */
import type { z } from 'zod';

/** input that does not fit its schema or rule; the message names the field */
export class BadNotifyInputError extends Error {
  override readonly name = 'BadNotifyInputError';
}
/** no channel / silence / maintenance window with that id */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
/** the change does not fit the item's state (already expired, already over) */
export class StateError extends Error {
  override readonly name = 'StateError';
}

/** `input` as `schema` makes it, or BadNotifyInputError naming the first bad field */
export function parseNotifyInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new BadNotifyInputError(`${issue.path.map(String).join('.') || 'input'}: ${issue.message}`);
}
