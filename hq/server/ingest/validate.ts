/**
 * The ingest body, checked field by field: a 400 names the first bad field as a path
 * (`events[3].payload.code: Invalid option: …`).
 */
import { HqEventSchema, IngestRequestSchema, type HqEvent, type IngestRequest } from '../../../contracts/hq.ts';

export class IngestBodyError extends Error {
  override readonly name = 'IngestBodyError';
}

/** `["events", 3, "payload", "code"]` → `events[3].payload.code` */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(body)';
}

/** JSON of the raw body, or IngestBodyError. */
export function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (e) {
    throw new IngestBodyError(`(body): not JSON: ${(e as Error).message}`);
  }
}

/** The kioskId a parsed body claims (for the header check), if it has one. */
export const claimedKiosk = (body: unknown): unknown => (body && typeof body === 'object' ? (body as { kioskId?: unknown }).kioskId : undefined);

export function validateIngest(body: unknown): IngestRequest {
  const outer = IngestRequestSchema.safeParse(body);
  if (!outer.success) {
    const issue = outer.error.issues[0]!;
    throw new IngestBodyError(`${fieldPath(issue.path)}: ${issue.message}`);
  }
  const events: HqEvent[] = [];
  outer.data.events.forEach((raw, i) => {
    const r = HqEventSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new IngestBodyError(`${fieldPath(['events', i, ...issue.path])}: ${issue.message}`);
    }
    events.push(r.data);
  });
  return { kioskId: outer.data.kioskId, events };
}
