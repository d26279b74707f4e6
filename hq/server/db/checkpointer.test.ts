import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../tests/until.ts';
import { BACKSTOP_PAGES } from './checkpointer.ts';
import { hqDbInfo, openHqDb, type HqDb } from './open.ts';

const dirs: string[] = [];
const dbs: HqDb[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(backgroundCheckpoints: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'zizhu-hq-ckpt-'));
  dirs.push(dir);
  const file = join(dir, 'hq.sqlite');
  const db = await openHqDb(`sqlite:${file}`, { backgroundCheckpoints });
  dbs.push(db);
  return { db, file };
}

/** 40 commits of 100 events each: about 1,000 WAL pages, past SQLite's own threshold */
async function write(db: HqDb, from: number): Promise<void> {
  for (let c = 0; c < 40; c++) {
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: `e-${from + c * 100 + i}`, kiosk_id: 'k', seq: from + c * 100 + i + 1, type: 'session.ended', at: '2026-12-03T10:00:00+08:00', received_at: 1, payload: 'x'.repeat(300) }));
    await db.transaction().execute((trx) => trx.insertInto('events').values(rows).execute());
  }
}

describe('WAL checkpoints on a worker thread', () => {
  it("a server's connection leaves checkpoints to the worker, which keeps the WAL from growing", async () => {
    const { db, file } = await open(true);
    const ckpt = hqDbInfo(db).checkpointer!;
    expect(ckpt).not.toBeNull();
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
    expect(rows[0]!.wal_autocheckpoint).toBe(BACKSTOP_PAGES);

    /** a checkpoint the worker began after the writes so far, and that copied the whole WAL */
    const checkpointedAll = async (what: string) => {
      const n = ckpt.count();
      await until(what, () => ckpt.count() > n && ckpt.last()!.checkpointed > 0 && ckpt.last()!.checkpointed === ckpt.last()!.log, 10_000);
    };
    await write(db, 0);
    // the worker copied the WAL into the database (the main connection would not have: its threshold is far off)
    await checkpointedAll('the first complete checkpoint');
    const walAfterFirst = statSync(`${file}-wal`).size;
    // once a checkpoint was complete, the next commits reuse the WAL from its start: it does not grow with them
    for (let round = 1; round <= 3; round++) {
      await write(db, round * 10_000);
      await checkpointedAll(`a complete checkpoint after round ${round}`);
    }
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(walAfterFirst * 1.5);
    const count = await db.selectFrom('events').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(16_000);
  });

  it('stops with the database; a database opened without it checkpoints in its commits as SQLite does', async () => {
    const { db } = await open(true);
    const ckpt = hqDbInfo(db).checkpointer!;
    dbs.splice(dbs.indexOf(db), 1);
    await db.destroy();
    await ckpt.stop(); // resolves: the worker has exited
    const n = ckpt.count();
    await new Promise((r) => setTimeout(r, 600));
    expect(ckpt.count()).toBe(n);

    const plain = await open(false);
    expect(hqDbInfo(plain.db).checkpointer).toBeNull();
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(plain.db);
    expect(rows[0]!.wal_autocheckpoint).toBe(1000);
  });
});
