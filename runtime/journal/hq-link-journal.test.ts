import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openJournal, type Journal } from './journal.ts';

let dir: string;
let j: Journal | undefined;
let t = 1_000_000;
const open = () => (j = openJournal({ path: join(dir, 'journal.sqlite'), now: () => t }));
afterEach(() => {
  j?.close();
  j = undefined;
  rmSync(dir, { recursive: true, force: true });
});
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), 'zizhu-hq-journal-'));
  return open();
};

describe('the outbox for the HQ link', () => {
  it('claimNext takes the oldest in seq order whatever their own retry time, within the limits, and nothing while the head is leased', () => {
    const journal = fresh();
    const ids = journal.transaction(() => Array.from({ length: 5 }, (_, i) => journal.outbox.enqueue('staff.pin-rejected', { failures: i }).id));
    // an old per-event retry time in the future must not let later events overtake it
    journal.outbox.failed(ids[0]!, 'x', { retryAt: t + 60_000 });
    const batch = journal.outbox.claimNext({ limit: 3, maxBytes: 1e6, leaseMs: 1_000 });
    expect(batch.map((r) => r.id)).toEqual(ids.slice(0, 3));
    expect(journal.outbox.claimNext({ limit: 3, maxBytes: 1e6 })).toEqual([]);
    journal.outbox.releaseAll(batch.map((r) => r.id), 'HQ answered 503');
    const one = journal.outbox.claimNext({ limit: 10, maxBytes: 10 });
    expect(one.map((r) => r.id)).toEqual([ids[0]]);
    expect(one[0]).toMatchObject({ attempts: 2, lastError: 'HQ answered 503' });
    journal.outbox.deliveredAll([ids[0]!]);
    expect(journal.outbox.backlog().pending).toBe(4);
  });

  it('an event set aside is kept with its error, never claimed again, not in the backlog, and pruned like a delivered one', () => {
    const journal = fresh();
    const [a, b] = [journal.outbox.enqueue('staff.pin-rejected', { failures: 1 }), journal.outbox.enqueue('staff.pin-rejected', { failures: 2 })];
    journal.outbox.setAside(a.id, 'HQ refused it (400): events[0].payload: bad');
    expect(journal.outbox.claimNext({ limit: 10, maxBytes: 1e6 }).map((r) => r.id)).toEqual([b.id]);
    expect(journal.outbox.backlog().pending).toBe(1);
    expect(journal.outbox.setAsideEvents()).toEqual([expect.objectContaining({ id: a.id, setAsideAt: t, lastError: 'HQ refused it (400): events[0].payload: bad' })]);
    t += 10;
    expect(journal.outbox.prune(t)).toBe(1);
    expect(journal.outbox.setAsideEvents()).toEqual([]);
  });

  it('tells its listeners after each enqueue, and a listener that throws harms nobody', () => {
    const journal = fresh();
    const seen: string[] = [];
    const off = journal.outbox.onEnqueue((r) => seen.push(r.kind));
    journal.outbox.onEnqueue(() => {
      throw new Error('boom');
    });
    journal.outbox.enqueue('staff.pin-rejected', { failures: 1 });
    off();
    journal.outbox.enqueue('staff.pin-rejected', { failures: 2 });
    expect(seen).toEqual(['staff.pin-rejected']);
    expect(journal.outbox.backlog().pending).toBe(2);
  });
});

describe("the HQ link's commands and the kiosk lock", () => {
  it('a command is begun once, finished with its command.result in the same transaction, answered again on demand', () => {
    const journal = fresh();
    const id = randomUUID();
    expect(journal.hqLink.beginCommand({ id, type: 'lock', args: { reason: 'x' } })).toBe(true);
    expect(journal.hqLink.beginCommand({ id, type: 'lock', args: {} })).toBe(false);
    expect(journal.hqLink.runningCommands().map((c) => c.id)).toEqual([id]);
    const done = journal.hqLink.finishCommand({ id, type: 'lock' }, 'succeeded', 'locked');
    expect(done).toMatchObject({ status: 'succeeded', detail: 'locked', args: { reason: 'x' } });
    expect(journal.hqLink.runningCommands()).toEqual([]);
    journal.hqLink.answerAgain(done);
    const results = journal.outbox.claimNext({ limit: 10, maxBytes: 1e6 }).map((r) => r.payload);
    expect(results).toEqual([
      { commandId: id, type: 'lock', status: 'succeeded', detail: 'locked' },
      { commandId: id, type: 'lock', status: 'succeeded', detail: 'locked' },
    ]);
  });

  it('the lock survives reopening the journal; the same lock again changes nothing; unlock ends it', () => {
    const journal = fresh();
    const first = journal.hqLink.lock({ reason: '巡检', by: 'hq', commandId: 'c1' });
    t += 5;
    expect(journal.hqLink.lock({ reason: '巡检', by: 'hq' })).toEqual(first);
    journal.close();
    const again = open();
    expect(again.hqLink.currentLock()).toEqual(first);
    const replaced = again.hqLink.lock({ reason: '现场锁定', by: 'staff', staffId: 'tech-1' });
    expect(replaced).toMatchObject({ by: 'staff', staffId: 'tech-1', lockedAt: t });
    t += 5;
    expect(again.hqLink.unlock('hq')).toMatchObject({ id: replaced.id, unlockedAt: t, unlockedBy: 'hq' });
    expect(again.hqLink.currentLock()).toBeUndefined();
    expect(again.hqLink.unlock('hq')).toBeUndefined();
    t += 10;
    expect(again.hqLink.prune(t)).toBe(2);
  });
});
