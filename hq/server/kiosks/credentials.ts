/**
 * Kiosk secrets in memory, opened once: a heartbeat should not cost a database read and an AES
 * decryption before its transaction even starts. The ingest transaction checks that the kiosk's row
 * still holds the same sealed secret and is enabled (a rotation or a disable — by the API or by the
 * CLI in another process — makes it `StaleCredentialsError`, and the request is checked afresh).
 */
import type { HqDb } from '../db/open.ts';
import { masterKey, openSecret } from './secret-box.ts';

export interface KioskCredentials {
  /** the sealed form, as the row holds it */
  sealed: string;
  secret: string;
  enabled: boolean;
}

export class CredentialCache {
  readonly #known = new Map<string, KioskCredentials>();

  constructor(private readonly db: HqDb) {}

  /** The kiosk's credentials, or null when it is not enrolled. Throws SecretKeyError when the secret does not open. */
  async get(kioskId: string): Promise<KioskCredentials | null> {
    const cached = this.#known.get(kioskId);
    if (cached) return cached;
    const row = await this.db.selectFrom('kiosks').select(['secret_enc', 'enabled']).where('id', '=', kioskId).executeTakeFirst();
    if (!row) return null;
    const c = { sealed: row.secret_enc, secret: openSecret(masterKey(this.db, false), kioskId, row.secret_enc), enabled: row.enabled === 1 };
    if (c.enabled) this.#known.set(kioskId, c);
    return c;
  }

  forget(kioskId: string): void {
    this.#known.delete(kioskId);
  }
}
