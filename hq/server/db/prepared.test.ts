import { afterEach, describe, expect, it } from 'vitest';
import { openHqDb, type HqDb } from './open.ts';
import { prepared } from './prepared.ts';

let db: HqDb | undefined;
afterEach(async () => {
  await db?.destroy();
  db = undefined;
});

describe('prepared queries', () => {
  it('are built and compiled once, then run with each call’s values (constants kept where the builder put them)', async () => {
    db = await openHqDb('sqlite::memory:');
    let builds = 0;
    const insert = prepared((d: HqDb, p: { kiosk_id: string; nonce: string }) => {
      builds++;
      return d.insertInto('nonces').values({ kiosk_id: p.kiosk_id, nonce: p.nonce, seen_at: 42 }).onConflict((oc) => oc.columns(['kiosk_id', 'nonce']).doNothing());
    });
    const select = prepared((d: HqDb, p: { kiosk_id: string }) => d.selectFrom('nonces').selectAll().where('kiosk_id', '=', p.kiosk_id).where('seen_at', '>', 0).orderBy('nonce'));

    expect(Number((await insert(db, { kiosk_id: 'a', nonce: 'n1' })).numAffectedRows)).toBe(1);
    await db.transaction().execute(async (trx) => {
      expect(Number((await insert(trx, { kiosk_id: 'a', nonce: 'n2' })).numAffectedRows)).toBe(1);
      expect(Number((await insert(trx, { kiosk_id: 'b', nonce: 'n1' })).numAffectedRows)).toBe(1);
      expect(Number((await insert(trx, { kiosk_id: 'a', nonce: 'n1' })).numAffectedRows)).toBe(0); // the conflict
    });
    expect(builds).toBe(1);
    expect((await select(db, { kiosk_id: 'a' })).rows).toEqual([
      { kiosk_id: 'a', nonce: 'n1', seen_at: 42 },
      { kiosk_id: 'a', nonce: 'n2', seen_at: 42 },
    ]);
    expect((await select(db, { kiosk_id: 'b' })).rows.map((r) => r.nonce)).toEqual(['n1']);
  });
});
