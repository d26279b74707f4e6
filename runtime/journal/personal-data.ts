/**
 * Personal data in the journal's session snapshots: sealed with a key that lives only in this
 * journal's memory (one open = one agent boot), never written anywhere.
 *
 * A running session's snapshot must be journaled at every transition (so money and bookings are
 * recoverable), but the person's identity is needed only by the running session itself. So every
 * string of a snapshot that identifies a person — an ID number, the name next to it, a scanned
 * identity or payment code, or any text containing one of those — is replaced by
 * `zizhu-sealed:<boot>:<AES-256-GCM ciphertext>` before it reaches SQLite. Everything else (the
 * step, idempotency keys, order numbers, deadlines) stays readable for start-up recovery, which
 * needs no identity. A session restored within the same boot opens its seals again; after a
 * restart the key is gone, the identity with it, and the session cannot be resumed (it is ended
 * as recovered and the person starts again).
 *
 * Events are the audit trail, never restored: identity in them is masked (`张**`, `4201**********1234`).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { isIdKey, isNameKey, maskIdNumber, maskIdNumbersInText, maskName } from '../../contracts/pii.ts';

const PREFIX = 'zizhu-sealed:';
const SEALED = /^zizhu-sealed:([0-9a-f]{8}):([A-Za-z0-9_-]+)$/;

/** Plain `name` is personal only next to an ID number (a doctor's or a department's name is not). */
const PLAIN_NAME = 'name';
/** Scanned codes that stand for a person or their money: 付款码, 医保电子凭证, 电子社保卡. */
const CODE_KEYS = new Set(['authCode', 'code']);
/** An error code (`PRINT_NOT_DELIVERED`, `HTTP_503`) is not a scanned code. */
const ERROR_CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const isScannedCode = (key: string, v: string) => CODE_KEYS.has(key) && v.trim().length >= 16 && !ERROR_CODE.test(v.trim());

type Walk = (value: string, key: string) => string;

/** A deep copy of JSON-like `value` with every string passed through `fn` (with the key it sits under). */
function mapStrings(value: unknown, fn: Walk, key = ''): unknown {
  if (typeof value === 'string') return fn(value, key);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn, key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn, k);
    return out;
  }
  return value;
}

/** The identity values in `value`: ID numbers, the names beside them, names under personal keys, scanned codes. */
function identityIn(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) identityIn(v, into);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  const entries = Object.entries(value);
  const hasId = entries.some(([k, v]) => isIdKey(k) && personal(v));
  for (const [k, v] of entries) {
    if (typeof v === 'string' && personal(v)) {
      if (isIdKey(k) && v.trim().length >= 6) into.add(v.trim());
      else if (isNameKey(k) && (k !== PLAIN_NAME || hasId) && Array.from(v.trim()).length >= 2) into.add(v.trim());
      else if (isScannedCode(k, v)) into.add(v.trim());
    } else identityIn(v, into);
  }
}

/** Not empty and not already masked. */
const personal = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '' && !v.includes('**');

export class PersonalDataSeal {
  /** which boot sealed a value (printed in the sealed string, so a reader can tell "another boot" from "corrupt") */
  readonly bootId = randomBytes(4).toString('hex');
  private readonly key = randomBytes(32);
  /** per session: the identity values seen in its snapshots (this session's memory, forgotten when it ends) */
  private readonly known = new Map<string, Set<string>>();

  /** The snapshot as it may be written: every string that identifies a person sealed. */
  seal(sessionId: string, state: unknown): unknown {
    const identity = this.learn(sessionId, state);
    return mapStrings(state, (s, key) => (this.identifies(s, key, identity) ? this.sealString(s) : s));
  }

  /**
   * An event as it may be written: the identity in it (a card read) and this session's identity
   * masked wherever they appear, free text included, and any ID-number-shaped run. A doctor's name
   * or an error's name is not a person's identity and stays.
   */
  mask(sessionId: string, event: unknown): unknown {
    const identity = [...this.learn(sessionId, event)].sort((a, b) => b.length - a.length);
    return mapStrings(event, (s) => maskIdNumbersInText(identity.reduce((text, v) => text.split(v).join(looksLikeName(v) ? maskName(v) : maskIdNumber(v)), s)));
  }

  /** A journaled snapshot with its seals opened; `unopened` counts those sealed by another boot (or damaged). */
  open(state: unknown): { state: unknown; unopened: number } {
    let unopened = 0;
    const opened = mapStrings(state, (s) => {
      if (!s.startsWith(PREFIX)) return s;
      const plain = this.openString(s);
      if (plain === undefined) unopened++;
      return plain ?? s;
    });
    return { state: opened, unopened };
  }

  /** The session ended: forget what identified its person. */
  forget(sessionId: string): void {
    this.known.delete(sessionId);
  }

  private learn(sessionId: string, state: unknown): Set<string> {
    let identity = this.known.get(sessionId);
    if (!identity) this.known.set(sessionId, (identity = new Set()));
    identityIn(state, identity);
    return identity;
  }

  private identifies(s: string, key: string, identity: Set<string>): boolean {
    if (s.startsWith(PREFIX) || s.trim() === '') return false;
    if (isScannedCode(key, s) || maskIdNumbersInText(s) !== s) return true;
    for (const v of identity) if (s.includes(v)) return true;
    return false;
  }

  private sealString(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.bootId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  private openString(sealed: string): string | undefined {
    const m = SEALED.exec(sealed);
    if (!m || m[1] !== this.bootId) return undefined;
    const raw = Buffer.from(m[2]!, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** An identity value that is a name (masked `张**`) rather than a number or code (masked `4201****1234`). */
function looksLikeName(v: string): boolean {
  return !/\d/.test(v);
}
