import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { KioskStatusName } from '../../contracts/bridge.ts';
import type { LockableKiosk } from './commands.ts';
import { until } from './testing.ts';
import { linkBench, type LinkBench } from './test-helpers.ts';

/** A kiosk whose lifecycle the test moves by hand: a lock waits while `session` is true. */
class FakeKiosk implements LockableKiosk {
  status: KioskStatusName = 'inService';
  locked = false;
  session = false;
  locks: string[] = [];
  private readonly watchers = new Set<() => void>();
  state = () => ({ status: this.status, locked: this.locked });
  watch = (fn: () => void) => {
    this.watchers.add(fn);
    return () => void this.watchers.delete(fn);
  };
  lock = (reason: string) => {
    this.locks.push(reason);
    this.locked = true;
    this.route();
  };
  unlock = () => {
    this.locked = false;
    this.route();
  };
  endSession(): void {
    this.session = false;
    this.route();
  }
  private route(): void {
    this.status = this.locked ? (this.session ? 'remoteLockPending' : 'remoteLocked') : 'inService';
    for (const w of [...this.watchers]) w();
  }
}

const hour = 3_600_000;
const command = (type: string, args: Record<string, unknown> = {}, expiresIn = hour) => ({
  id: randomUUID(),
  type,
  args,
  issuedAt: new Date(Date.now() - 1_000).toISOString(),
  expiresAt: new Date(Date.now() + expiresIn).toISOString(),
});

let b: LinkBench;
afterEach(async () => {
  await b?.close();
});

const resultOf = (id: string) => b.hq.ofType('command.result').filter((e) => e.payload.commandId === id);

describe('HQ commands', () => {
  it('lock waits for the running session, then succeeds; unlock succeeds once the lock is gone', async () => {
    b = await linkBench();
    const kiosk = new FakeKiosk();
    kiosk.session = true;
    const link = b.start({ kiosk });
    const lock = command('lock', { reason: '设备巡检' });
    b.hq.queueCommand(lock);
    b.journal.outbox.enqueue('staff.pin-rejected', { failures: 1 });
    await until('the lock applied', () => kiosk.locks.length === 1);
    expect(kiosk.locks).toEqual(['设备巡检']);
    expect(kiosk.status).toBe('remoteLockPending');
    await until('the log says it waits', () => b.log.text().includes('waiting for the running session to end'));
    expect(link.status().commandsWaiting).toEqual([lock.id]);
    expect(resultOf(lock.id)).toEqual([]);
    kiosk.endSession();
    const [locked] = await until('lock result', () => (resultOf(lock.id).length ? resultOf(lock.id) : undefined));
    expect(locked!.payload).toMatchObject({ type: 'lock', status: 'succeeded' });
    expect(b.journal.hqLink.command(lock.id)).toMatchObject({ status: 'succeeded' });

    const unlock = command('unlock');
    b.hq.queueCommand(unlock);
    b.journal.outbox.enqueue('staff.pin-rejected', { failures: 2 });
    const [unlocked] = await until('unlock result', () => (resultOf(unlock.id).length ? resultOf(unlock.id) : undefined));
    expect(unlocked!.payload).toMatchObject({ type: 'unlock', status: 'succeeded' });
    expect(kiosk.state()).toEqual({ status: 'inService', locked: false });
  });

  it('reload-screen goes to the hook the kiosk process provides; without one: failed "this agent has no screen"', async () => {
    b = await linkBench();
    const link = b.start();
    const first = command('reload-screen');
    b.hq.queueCommand(first);
    b.journal.outbox.enqueue('staff.pin-rejected', { failures: 1 });
    const [noScreen] = await until('failed', () => (resultOf(first.id).length ? resultOf(first.id) : undefined));
    expect(noScreen!.payload).toMatchObject({ status: 'failed', detail: 'this agent has no screen' });

    let reloads = 0;
    link.provideScreenReload(async () => void reloads++);
    const second = command('reload-screen');
    b.hq.queueCommand(second);
    b.journal.outbox.enqueue('staff.pin-rejected', { failures: 2 });
    const [ok] = await until('succeeded', () => (resultOf(second.id).length ? resultOf(second.id) : undefined));
    expect(ok!.payload).toMatchObject({ status: 'succeeded' });
    expect(reloads).toBe(1);

    link.provideScreenReload(async () => {
      throw new Error('the renderer is gone');
    });
    const third = command('reload-screen');
    b.hq.queueCommand(third);
    b.journal.outbox.enqueue('staff.pin-rejected', { failures: 3 });
    const [bad] = await until('failed with the reason', () => (resultOf(third.id).length ? resultOf(third.id) : undefined));
    expect(bad!.payload).toMatchObject({ status: 'failed', detail: 'the screen could not be reloaded: the renderer is gone' });
  });

  it('an expired command fails "expired"; an invalid one is logged and failed when it has an id; redelivered ones are not run again', async () => {
    b = await linkBench();
    const kiosk = new FakeKiosk();
    b.start({ kiosk });
    const expired = command('lock', {}, -1_000);
    const unknown = { ...command('lock'), type: 'self-destruct' };
    const noId = { type: 'lock' };
    const lock = command('lock');
    b.hq.queueCommand(expired);
    b.hq.queueCommand(unknown);
    b.hq.queueCommand(noId);
    b.hq.queueCommand(lock);
    b.journal.outbox.enqueue('staff.pin-rejected', { failures: 1 });
    await until('three results', () => b.hq.ofType('command.result').length >= 3);
    expect(resultOf(expired.id)[0]!.payload).toMatchObject({ status: 'failed', detail: 'expired' });
    expect(resultOf(unknown.id)[0]!.payload).toMatchObject({ status: 'failed', type: 'self-destruct' });
    expect(resultOf(unknown.id)[0]!.payload.detail).toMatch(/invalid command/);
    expect(resultOf(lock.id)[0]!.payload).toMatchObject({ status: 'succeeded' });
    expect(kiosk.locks).toHaveLength(1);
    expect(b.log.text()).toMatch(/no id to answer, dropped/);

    // HQ hands the lock out again (after a restart, say): answered again with the stored result, not run again
    b.hq.queueCommand(lock);
    b.journal.outbox.enqueue('staff.pin-rejected', { failures: 2 });
    await until('answered again', () => resultOf(lock.id).length === 2);
    expect(resultOf(lock.id)[1]!.payload).toEqual(resultOf(lock.id)[0]!.payload);
    expect(kiosk.locks).toHaveLength(1);
  });
});
