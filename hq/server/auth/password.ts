/**
 * Operator passwords: salted scrypt, stored as `scrypt$N$r$p$<salt>$<hash>` (base64url), so the cost
 * can be raised later without breaking the hashes already stored.
 *
 * Why node:crypto's scrypt and no extra package (argon2, bcrypt): it ships with Node, is OpenSSL's
 * kept and audited implementation, runs off the event loop on libuv's thread pool, needs no native
 * build step on the HQ host, and scrypt is a memory-hard KDF that OWASP lists for password storage.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two */
  N: number;
  /** block size */
  r: number;
  /** parallelism */
  p: number;
}

/** One of OWASP's equivalent minimums for scrypt (N=2^17,r=8,p=1 ≈ N=2^15,r=8,p=3): 32 MiB of memory
 *  a hash instead of 128 MiB, for the same work. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };

const KEYLEN = 32;
const SALT_BYTES = 16;
/** bounds on what a stored hash may ask for, so a tampered row cannot make a login eat the host */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

function scrypt(password: string, salt: Buffer, keylen: number, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, keylen, o, (err, key) => (err ? reject(err) : resolve(key))));
}

const optionsOf = (p: ScryptParams): ScryptOptions => ({ N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 });

const validParams = (p: ScryptParams): boolean =>
  Number.isSafeInteger(p.N) && p.N >= 2 && p.N <= MAX_N && (p.N & (p.N - 1)) === 0 &&
  Number.isSafeInteger(p.r) && p.r >= 1 && p.r <= MAX_R && Number.isSafeInteger(p.p) && p.p >= 1 && p.p <= MAX_P;

/** A new salted hash of `password`. `params` only for tests that need it cheap, or a future raise. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (!validParams(params)) throw new Error('invalid scrypt parameters');
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEYLEN, optionsOf(params));
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,8}$/.test(s!) ? Number(s) : NaN)) as [number, number, number];
  const params = { N, r, p };
  if (!validParams(params)) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { params, salt, key };
}

/** Whether `password` matches `stored`; false (never a throw) for a malformed stored value. Constant-time compare. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const got = await scrypt(password, parsed.salt, parsed.key.length, optionsOf(parsed.params));
  return timingSafeEqual(got, parsed.key);
}

let dummy: Promise<string> | undefined;
/** A hash of nothing anyone knows, checked for unknown or disabled users so they cost the same time. */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}
