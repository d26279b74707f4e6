/**
 * HQ down while the kiosk keeps producing events, then up — and restarted in the middle of the
 * drain: every event reaches the real HQ (SQLite file) exactly once, in the kiosk's order, and HQ's
 * contiguous seq ends at the journal's last one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openJournal, type Journal } from '../../runtime/journal/journal.ts';
import type { HqLink } from '../../runtime/hq-link/link.ts';
import { eventsOnlyLink } from '../../runtime/hq-link/testing.ts';
import { startHqServer, type RunningHq } from '../../hq/server/server.ts';
import { openHqDb } from '../../hq/server/db/open.ts';
import { enrollKiosk } from '../../hq/server/kiosks/enroll.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';

const KIOSK = 'sz-outage-0001';
const EVENTS = 6_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('HQ outage: the kiosk keeps producing events, HQ comes back (and restarts mid-drain)', () => {
  let dir: string;
  let journal: Journal;
  let link: HqLink;
  let hq: RunningHq | undefined;
  let storedAtRestart = 0;
  const now = pinnedNow(NOON_SHANGHAI);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-hq-outage-'));
    const dbUrl = `sqlite:${join(dir, 'hq.sqlite')}`;
    const db = await openHqDb(dbUrl);
    const secret = await enrollKiosk(db, { id: KIOSK, district: '福田区' }, now);
    await db.destroy();
    const port = await freePort();
    journal = openJournal({ path: join(dir, 'journal.sqlite'), now });
    link = await eventsOnlyLink({ url: `http://127.0.0.1:${port}`, kioskId: KIOSK, secret, journal, now, backoff: { initialMs: 50, maxMs: 400 } });
    // HQ is down: the kiosk goes on serving and faulting
    for (let i = 0; i < EVENTS; i++) {
      if (i % 10 === 0) journal.outbox.enqueue(i % 20 === 0 ? 'fault.raised' : 'fault.cleared', { code: 'PRINTER_PAPER_OUT', device: 'printer', severity: 'major', blocking: true, detail: `paper ${i}` });
      else journal.outbox.enqueue('session.ended', { sessionId: `s-${i}`, service: 'providentFundStatement', outcome: 'completed', lastStep: 'receipt', durationMs: 60_000 + i });
    }
    await until('the link has failed and is backing off', () => link.status().failures >= 2);
    hq = await startHqServer({ dbUrl, port, now });
    // restart HQ once it has part of the backlog: a batch it stored but could not answer is sent again
    await until('HQ has part of the backlog', async () => Number((await hq!.db.selectFrom('events').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n) >= EVENTS / 6, 60_000);
    await hq.close();
    const count = new Database(join(dir, 'hq.sqlite'), { readonly: true });
    storedAtRestart = (count.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    count.close();
    hq = await startHqServer({ dbUrl, port, now });
    await until('the backlog is drained', () => journal.outbox.backlog().pending === 0 && link.status().setAside.length === 0, 120_000);
  }, 180_000);

  afterAll(async () => {
    await link?.stop();
    journal?.close();
    await hq?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every event exactly once, in seq order, and HQ knows of no gap', async () => {
    // the restart came in the middle of the drain
    expect(storedAtRestart).toBeGreaterThanOrEqual(EVENTS / 6);
    expect(storedAtRestart).toBeLessThan(EVENTS);
    const kioskDb = new Database(join(dir, 'journal.sqlite'), { readonly: true });
    const kioskEvents = kioskDb.prepare("SELECT id, seq FROM outbox WHERE kind <> 'heartbeat' ORDER BY seq").all() as { id: string; seq: number }[];
    const lastSeq = (kioskDb.prepare('SELECT max(seq) AS m FROM outbox').get() as { m: number }).m;
    kioskDb.close();
    expect(kioskEvents.length).toBe(EVENTS);
    const hqDb = new Database(join(dir, 'hq.sqlite'), { readonly: true });
    // rowid order is the order HQ stored them in
    const stored = hqDb.prepare('SELECT id, seq FROM events WHERE kiosk_id = ? ORDER BY rowid').all(KIOSK) as { id: string; seq: number }[];
    const kiosk = hqDb.prepare('SELECT contiguous_seq, highest_seq, seq_ranges FROM kiosks WHERE id = ?').get(KIOSK) as { contiguous_seq: number; highest_seq: number; seq_ranges: string };
    hqDb.close();
    expect(new Set(stored.map((e) => e.id)).size).toBe(stored.length); // no duplicate
    expect(stored.map((e) => e.id).sort()).toEqual(kioskEvents.map((e) => e.id).sort()); // none lost
    const seqs = stored.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // in the kiosk's order
    expect(kiosk.contiguous_seq).toBe(kiosk.highest_seq);
    expect(kiosk.highest_seq).toBe(lastSeq);
  });
});
