/**
 * Kiosk secrets at rest: AES-256-GCM under HQ's master key, bound to the kiosk id (as associated
 * data, so a sealed secret copied onto another kiosk's row does not open). The key comes from
 * `ZIZHU_HQ_KEY` (64 hex digits), else from `<db file>.key` (made 0600 the first time a secret is
 * sealed), else — for an in-memory database — from memory. Neither key nor secret is ever logged.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hqDbInfo, type HqDb } from '../db/open.ts';

export const HQ_KEY_ENV = 'ZIZHU_HQ_KEY';
const VERSION = 'v1';

export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
}

const keys = new WeakMap<object, Buffer>();

function parseHexKey(text: string, where: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new SecretKeyError(`${where} is not a key: it must be 64 hex digits (32 bytes)`);
  return Buffer.from(hex, 'hex');
}

/** The key file next to a database file. */
export const keyFileOf = (dbFile: string): string => `${dbFile}.key`;

/**
 * HQ's master key for `db`. `create`: make the key file when there is none (sealing a new
 * secret); without it a missing key is an error (opening a secret sealed under a lost key).
 */
export function masterKey(db: HqDb, create: boolean, env: NodeJS.ProcessEnv = process.env): Buffer {
  const cached = keys.get(db);
  if (cached) return cached;
  let key: Buffer;
  const fromEnv = env[HQ_KEY_ENV];
  const { file } = hqDbInfo(db);
  if (fromEnv !== undefined && fromEnv !== '') key = parseHexKey(fromEnv, HQ_KEY_ENV);
  else if (!file) key = randomBytes(32);
  else key = keyFromFile(keyFileOf(file), create);
  keys.set(db, key);
  return key;
}

function keyFromFile(path: string, create: boolean): Buffer {
  if (existsSync(path)) return parseHexKey(readFileSync(path, 'utf8'), path);
  if (!create) throw new SecretKeyError(`HQ's key file ${path} is missing (and ${HQ_KEY_ENV} is not set): kiosk secrets cannot be opened; restore the file or re-enroll the kiosks with --rotate`);
  const key = randomBytes(32);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return parseHexKey(readFileSync(path, 'utf8'), path); // another process made it first
    throw e;
  }
  try {
    writeSync(fd, `${key.toString('hex')}\n`);
  } finally {
    closeSync(fd);
  }
  return key;
}

export function sealSecret(key: Buffer, kioskId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(kioskId, 'utf8'));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

export function openSecret(key: Buffer, kioskId: string, sealed: string): string {
  const [version, data] = sealed.split(':');
  if (version !== VERSION || !data) throw new SecretKeyError(`kiosk ${kioskId}: sealed secret of unknown form`);
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length < 29) throw new SecretKeyError(`kiosk ${kioskId}: sealed secret too short`);
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(kioskId, 'utf8'));
  decipher.setAuthTag(bytes.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError(`kiosk ${kioskId}: its secret does not open with HQ's key (a different ${HQ_KEY_ENV} or key file?)`);
  }
}
