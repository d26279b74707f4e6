import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PERSON_HASH_SALT_FILE, personHasher } from './person-hash.ts';
import { SessionProgress } from './session-end.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'zizhu-person-hash-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ID = '110101199003077777';
const snapshot = (flow: string | Record<string, string>, context: Record<string, unknown> = {}) => ({ status: 'active', value: { session: { flow, idle: 'watching' } }, context });

describe('the person hash', () => {
  it('is made with a salt created on first use, 0600 in the data directory; same kiosk same hash, another kiosk another', () => {
    const a = tempDir();
    const hashA = personHasher(a);
    expect(() => statSync(join(a, PERSON_HASH_SALT_FILE))).toThrow(); // nothing until a person is hashed
    const h = hashA(ID);
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(statSync(join(a, PERSON_HASH_SALT_FILE)).mode & 0o777).toBe(0o600);
    expect(hashA(` ${ID.toLowerCase()} `)).toBe(h);
    expect(personHasher(a)(ID)).toBe(h); // read back after a restart
    expect(personHasher(tempDir())(ID)).not.toBe(h);
  });

  it('a damaged salt file is replaced and said so', () => {
    const a = tempDir();
    writeFileSync(join(a, PERSON_HASH_SALT_FILE), 'not a salt');
    const warnings: string[] = [];
    personHasher(a, { info: () => {}, warn: (m) => warnings.push(m), error: () => {} })(ID);
    expect(readFileSync(join(a, PERSON_HASH_SALT_FILE), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(warnings.join('\n')).toMatch(/does not hold a person-hash salt/);
  });
});

describe('what session.ended says of a session', () => {
  const hash = (id: string) => `h(${id.slice(-4)})`.padEnd(32, '0');

  it('keeps the furthest step reached when the person went back, and the person once identified', () => {
    const p = new SessionProgress(hash);
    p.seen('s1', 'providentFundStatement', snapshot('choosingPeriod', { holder: { name: '张三', idNumber: ID } }));
    p.seen('s1', 'providentFundStatement', snapshot('preview', { holder: { name: '张三', idNumber: ID } }));
    // BACK, BACK: at identifying again, the holder forgotten; then cancelled
    const end = p.ended('s1', 'providentFundStatement', 'cancelled', snapshot('identifying', { holder: null }));
    expect(end).toEqual({ personHash: hash(ID), stepsReached: ['identifying', 'choosingPeriod', 'fetching', 'preview'], failure: 'cancelled' });
    // forgotten once ended: a new session under the same id starts from nothing
    expect(p.ended('s1', 'providentFundStatement', 'timeout', snapshot('identifying'))).toEqual({ personHash: null, stepsReached: ['identifying'], failure: 'timeout' });
  });

  it('a registration whose payment code was declined, then left: payment; nobody identified without a hasher', () => {
    const p = new SessionProgress();
    const paying = snapshot({ charging: 'paying' }, { patient: { name: '李四', idNumber: ID } });
    p.seen('s2', 'hospitalRegistration', paying);
    const end = p.ended('s2', 'hospitalRegistration', 'not-registered', snapshot('paymentNotCompleted', { patient: { idNumber: ID }, payment: { reason: 'declined', wasPaid: false } }));
    expect(end).toEqual({
      personHash: null,
      stepsReached: ['identifying', 'choosingDepartment', 'choosingDoctor', 'choosingSlot', 'confirmingFee', 'paying'],
      failure: 'payment',
    });
  });
});
