/**
 * The anonymous person hash of session.ended (first-time success at HQ): HMAC-SHA256 of the ID
 * number under a salt of this kiosk's own, hex, cut to 32 characters. HQ can tell "the same person
 * tried again at this kiosk" and nothing else: without the salt the hash cannot be tried against
 * ID numbers, and another kiosk's hash of the same person differs.
 *
 * The salt is 32 random bytes made on first use and kept in the agent's data directory
 * (`person-hash.salt`, 0600 like the journal), never sent anywhere. A salt file that cannot be
 * read as one is replaced, and one that cannot be written lives for this run only (both logged):
 * retries across the change are then counted as first tries. Hashing never throws.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../private-files.ts';
import { silentLog, type FlowLog } from './log.ts';

export const PERSON_HASH_SALT_FILE = 'person-hash.salt';
export const PERSON_HASH_LENGTH = 32;
const SALT = /^[0-9a-f]{64}$/;

/** The ID number → its hash under this kiosk's salt (same number, same hash; case and blanks ignored). */
export type PersonHasher = (idNumber: string) => string;

export function personHash(salt: Buffer, idNumber: string): string {
  return createHmac('sha256', salt).update(idNumber.trim().toUpperCase(), 'utf8').digest('hex').slice(0, PERSON_HASH_LENGTH);
}

/** The hasher of the kiosk whose data directory is `dataDir`; the salt is read (or made) at the first hash. */
export function personHasher(dataDir: string, log: FlowLog = silentLog): PersonHasher {
  let salt: Buffer | undefined;
  return (idNumber) => personHash((salt ??= loadSalt(dataDir, log)), idNumber);
}

function loadSalt(dataDir: string, log: FlowLog): Buffer {
  const path = join(dataDir, PERSON_HASH_SALT_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`${path} could not be read (${(e as Error).message}): a new person-hash salt is made`);
  }
  if (text !== undefined && SALT.test(text)) return Buffer.from(text, 'hex');
  if (text !== undefined) log.warn(`${path} does not hold a person-hash salt (64 hex digits): a new one is made; retries across the change count as first tries`);
  const salt = randomBytes(32);
  try {
    const warning = ensurePrivateDir(dataDir);
    if (warning) log.warn(warning);
    writePrivateFile(path, `${salt.toString('hex')}\n`);
  } catch (e) {
    log.error(`the person-hash salt could not be written to ${path} (${(e as Error).message}): it is kept for this run only`);
  }
  return salt;
}
