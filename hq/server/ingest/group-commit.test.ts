import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHqDb, type HqDb } from '../db/open.ts';
import { GroupCommit } from './group-commit.ts';

let db: HqDb;
beforeEach(async () => {
  db = await openHqDb('sqlite::memory:');
});
afterEach(() => db.destroy());

const nonce = (trx: HqDb, n: string) => trx.insertInto('nonces').values({ kiosk_id: 'K', nonce: n, seen_at: 0 }).execute();
const stored = async () => (await db.selectFrom('nonces').select('nonce').orderBy('nonce').execute()).map((r) => r.nonce);

describe('GroupCommit', () => {
  it('runs jobs handed in together in one transaction', async () => {
    const g = new GroupCommit(db);
    const seen: number[] = [];
    let transactions = 0;
    const job = (n: number) => async (trx: HqDb) => {
      if (n === 0) transactions++;
      seen.push(n);
      await nonce(trx, `n${n}`);
      return n * 10;
    };
    expect(await Promise.all([0, 1, 2].map((n) => g.run(job(n))))).toEqual([0, 10, 20]);
    expect(seen).toEqual([0, 1, 2]);
    expect(transactions).toBe(1);
    expect(await stored()).toEqual(['n0', 'n1', 'n2']);
  });

  it('a failing job keeps none of its writes and costs the others nothing (they are run again alone)', async () => {
    const g = new GroupCommit(db);
    const calls: string[] = [];
    const ok = (n: string) => async (trx: HqDb) => {
      calls.push(n);
      await nonce(trx, n);
      return n;
    };
    const bad = async (trx: HqDb) => {
      calls.push('bad');
      await nonce(trx, 'bad');
      throw new Error('boom');
    };
    const results = await Promise.allSettled([g.run(ok('a')), g.run(bad), g.run(ok('c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('boom');
    expect(calls).toEqual(['a', 'bad', 'a', 'bad', 'c']);
    expect(await stored()).toEqual(['a', 'c']);
    await g.idle();
  });
});
