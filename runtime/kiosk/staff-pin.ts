/**
 * Staff PINs: kept in the kiosk config only as `scrypt:<salt>:<hash>` (never the PIN), checked in
 * constant time. Wrong PINs in a row lock PIN entry (the lifecycle machine counts them).
 */
import { randomBytes, scrypt as scryptCb, scryptSync, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (pin: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEYLEN = 32;

export const PIN_PATTERN = /^\d{4,12}$/;

/** The config value for a PIN: `scrypt:<32 hex salt>:<64 hex hash>`. */
export function hashStaffPin(pin: string, salt: Buffer = randomBytes(16)): string {
  if (!PIN_PATTERN.test(pin)) throw new Error('a staff PIN is 4 to 12 digits');
  return `scrypt:${salt.toString('hex')}:${scryptSync(pin, salt, KEYLEN).toString('hex')}`;
}

/** The staff member whose PIN this is, or null. Every entry is checked (no early exit on a match). */
export async function verifyStaffPin(pin: string, staff: readonly { id: string; pin: string }[]): Promise<{ ok: boolean; staffId?: string }> {
  if (!PIN_PATTERN.test(pin)) return { ok: false };
  let found: string | undefined;
  for (const s of staff) {
    const [, saltHex, hashHex] = s.pin.split(':');
    if (!saltHex || !hashHex) continue;
    const got = await scrypt(pin, Buffer.from(saltHex, 'hex'), KEYLEN);
    if (timingSafeEqual(got, Buffer.from(hashHex, 'hex')) && found === undefined) found = s.id;
  }
  return found === undefined ? { ok: false } : { ok: true, staffId: found };
}
