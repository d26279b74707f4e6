/**
 * Enrolling kiosks: a kiosk exists at HQ once enrolled, with a random secret (32 bytes, hex) it
 * signs its ingest requests with. The secret is returned once and stored only sealed.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { HqDb } from '../db/open.ts';
import { masterKey, openSecret, sealSecret } from './secret-box.ts';

export const KioskIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only, starting with a letter or digit');

export const KioskPlaceSchema = z.object({
  site: z.string().max(200).nullish(),
  district: z.string().max(100).nullish(),
  address: z.string().max(500).nullish(),
  lat: z.number().min(-90).max(90).nullish(),
  lng: z.number().min(-180).max(180).nullish(),
});
export const EnrollInputSchema = KioskPlaceSchema.extend({ id: KioskIdSchema, rotate: z.boolean().optional() });
export type EnrollInput = z.input<typeof EnrollInputSchema>;

export class KioskExistsError extends Error {
  override readonly name = 'KioskExistsError';
  constructor(readonly kioskId: string) {
    super(`kiosk ${kioskId} is already enrolled (rotate its secret to give it a new one)`);
  }
}
export class UnknownKioskError extends Error {
  override readonly name = 'UnknownKioskError';
  constructor(readonly kioskId: string) {
    super(`no kiosk ${kioskId} is enrolled`);
  }
}
export class BadKioskInputError extends Error {
  override readonly name = 'BadKioskInputError';
}

const newSecret = (): string => randomBytes(32).toString('hex');

function parse(input: EnrollInput): z.output<typeof EnrollInputSchema> {
  const r = EnrollInputSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new BadKioskInputError(`${issue.path.join('.') || 'kiosk'}: ${issue.message}`);
}

/**
 * Enroll a kiosk and return its secret. An enrolled id is refused (`KioskExistsError`) unless
 * `rotate: true`: then it gets a new secret (the old one stops working at once) and the place
 * fields given are updated.
 */
export async function enrollKiosk(db: HqDb, input: EnrollInput, now: () => number = Date.now): Promise<string> {
  const k = parse(input);
  const secret = newSecret();
  const sealed = sealSecret(masterKey(db, true), k.id, secret);
  const place = { site: k.site ?? null, district: k.district ?? null, address: k.address ?? null, lat: k.lat ?? null, lng: k.lng ?? null };
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('kiosks').select('id').where('id', '=', k.id).executeTakeFirst();
    if (existing && !k.rotate) throw new KioskExistsError(k.id);
    if (existing) {
      const given = Object.fromEntries(Object.entries(place).filter(([f]) => (input as Record<string, unknown>)[f] !== undefined));
      await trx.updateTable('kiosks').set({ ...given, secret_enc: sealed, secret_rotated_at: now() }).where('id', '=', k.id).execute();
      return;
    }
    await trx
      .insertInto('kiosks')
      .values({
        id: k.id,
        ...place,
        secret_enc: sealed,
        enabled: 1,
        enrolled_at: now(),
        secret_rotated_at: null,
        recent_nonces: '[]',
        lifecycle: null,
        devices: null,
        watch: null,
        hours_open: null,
        hours_next_change: null,
        backends: null,
        outbox_backlog: null,
        clock_skew_ms: null,
        heartbeat_seconds: null,
        version: null,
        last_seen_at: null,
        last_heartbeat_at: null,
        last_heartbeat_seq: 0,
        contiguous_seq: 0,
        highest_seq: 0,
        seq_ranges: '[]',
        offline: 0,
        commands_pending: 0,
      })
      .execute();
  });
  return secret;
}

/** A new secret for an enrolled kiosk (`UnknownKioskError` otherwise). */
export async function rotateKioskSecret(db: HqDb, kioskId: string, now: () => number = Date.now): Promise<string> {
  const exists = await db.selectFrom('kiosks').select('id').where('id', '=', kioskId).executeTakeFirst();
  if (!exists) throw new UnknownKioskError(kioskId);
  return enrollKiosk(db, { id: kioskId, rotate: true }, now);
}

/** A disabled kiosk's ingest is refused (401) and HQ does not watch it for KIOSK_OFFLINE. */
export async function setKioskEnabled(db: HqDb, kioskId: string, enabled: boolean): Promise<void> {
  const r = await db.updateTable('kiosks').set({ enabled: enabled ? 1 : 0 }).where('id', '=', kioskId).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw new UnknownKioskError(kioskId);
}

/** The kiosk's secret in clear, for checking a signature; null when not enrolled. */
export async function kioskSecret(db: HqDb, kioskId: string): Promise<{ secret: string; enabled: boolean } | null> {
  const row = await db.selectFrom('kiosks').select(['secret_enc', 'enabled']).where('id', '=', kioskId).executeTakeFirst();
  if (!row) return null;
  return { secret: openSecret(masterKey(db, false), kioskId, row.secret_enc), enabled: row.enabled === 1 };
}
