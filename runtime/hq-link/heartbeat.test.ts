import { afterEach, describe, expect, it } from 'vitest';
import { HqEvents } from '../../contracts/hq.ts';
import { fileURLToPath } from 'node:url';
import { loadKioskConfig, type KioskConfig } from '../../kiosk-config/schema.ts';
import { heartbeatFacts, Heartbeats } from './heartbeat.ts';
import { LockoutTracker } from './lockout.ts';
import type { LifecycleView } from '../../state-machines/lifecycle.machine.ts';
import { until } from './testing.ts';
import { linkBench, QUIET_FACTS, type LinkBench } from './test-helpers.ts';

const NOON = Date.parse('2026-06-10T12:00:00+08:00');
// the hospital lobby machine (07:00-20:00 on a Wednesday) without its scanner
const example = loadKioskConfig(fileURLToPath(new URL('../../kiosk-config/examples/hospital-lobby.json', import.meta.url)));
const config = { ...example, devices: { printer: example.devices.printer, idReader: example.devices.idReader } } as KioskConfig;

let b: LinkBench | undefined;
afterEach(async () => {
  await b?.close();
  b = undefined;
});

describe('the heartbeat', () => {
  it("says each device's health, the hours and their next change, the back offices — a valid heartbeat payload", () => {
    const facts = heartbeatFacts({
      config,
      now: () => NOON,
      devices: () => new Map([['printer', { faults: [{ code: 'PRINTER_PAPER_OUT' as const }], warnings: [] }]]),
      backends: () => new Map([['his', { state: 'down' as const }]]),
    });
    expect(facts).toEqual({
      lifecycle: 'degraded',
      devices: {
        idReader: { state: 'ok', faults: [], warnings: [] },
        printer: { state: 'fault', faults: ['PRINTER_PAPER_OUT'], warnings: [] },
        scanner: { state: 'absent', faults: [], warnings: [] },
      },
      hours: { open: true, nextChangeAt: '2026-06-10T12:00:00.000Z' },
      backends: { his: 'down', payment: 'unknown' },
      // issue 10: registration needs the printer and the HIS (its hours aside)
      services: { hospitalRegistration: { usable: false, reason: 'printer out of paper; the hospital system (HIS) cannot be reached' } },
    });
    const payload = { ...facts, outboxBacklog: 3, clock: new Date(NOON).toISOString(), intervalSeconds: 30 };
    expect(HqEvents.heartbeat.safeParse(payload).success).toBe(true);
  });

  it('does not pile up while HQ is unreachable: no new heartbeat while the previous one waits', async () => {
    b = await linkBench();
    const beats = new Heartbeats({ outbox: b.journal.outbox, intervalSeconds: 1, facts: () => QUIET_FACTS, now: Date.now, log: b.log });
    expect(beats.beat()).toBe(true);
    expect(beats.beat()).toBe(false);
    expect(beats.beat()).toBe(false);
    expect(b.journal.outbox.backlog().pending).toBe(1);
    const [first] = b.journal.outbox.claimNext({ limit: 10, maxBytes: 1e6 });
    b.journal.outbox.deliveredAll([first!.id]);
    expect(beats.beat()).toBe(true);
    expect(b.journal.outbox.claimNext({ limit: 10, maxBytes: 1e6 })[0]!.payload).toMatchObject({ lifecycle: 'inService', intervalSeconds: 1 });
  });

  it('beats every interval through the link, and at once when HQ answers again after an outage', async () => {
    b = await linkBench();
    b.hq.down = 503;
    b.start({ heartbeatSeconds: 1 });
    await until('failures over two intervals', () => b!.link!.status().failures >= 3 && b!.link!.status().lastAttemptAt, 5_000);
    await new Promise((r) => setTimeout(r, 2_100));
    expect(b.journal.outbox.backlog().pending).toBe(1);
    b.hq.down = null;
    await until('two heartbeats: the old one and a fresh one at once', () => b!.hq.ofType('heartbeat').length >= 2);
    await until('a third a second later', () => b!.hq.ofType('heartbeat').length >= 3, 5_000);
  });
});

describe('lockouts', () => {
  const view = (status: LifecycleView['status'], extra: Partial<LifecycleView> = {}): LifecycleView =>
    ({ status, availability: {}, hours: { open: status !== 'outOfHours', closesAt: null, opensAt: Date.parse('2026-06-11T01:00:00Z') }, remoteLock: null, maintenance: null, ...extra }) as LifecycleView;

  it('each entry into and exit from a lockout state is one lockout.started / lockout.ended with its reason', () => {
    const t = new LockoutTracker();
    expect(t.changed(view('inService'), 'hq')).toEqual([]);
    expect(t.changed(view('outOfHours'), 'hq')).toEqual([['lockout.started', { reason: 'schedule', detail: 'outside promised hours; opens 2026-06-11T01:00:00.000Z' }]]);
    expect(t.changed(view('remoteLockPending', { remoteLock: { reason: 'x', at: 0 } }), 'hq')).toEqual([['lockout.ended', { reason: 'schedule', detail: 'outside promised hours; opens 2026-06-11T01:00:00.000Z' }]]);
    expect(t.changed(view('remoteLocked', { remoteLock: { reason: '巡检', at: 0 } }), 'hq')).toEqual([['lockout.started', { reason: 'remote', detail: 'locked by HQ: 巡检' }]]);
    expect(t.changed(view('maintenance', { maintenance: { staffId: 'tech-1', since: 0 } }), 'hq').map(([type, p]) => `${type} ${p.reason}`)).toEqual(['lockout.ended remote', 'lockout.started maintenance']);
    expect(t.changed(view('selfTest'), 'staff').map(([type, p]) => `${type} ${p.reason}`)).toEqual(['lockout.ended maintenance']);
    expect(t.changed(view('remoteLocked', { remoteLock: { reason: '现场锁定', at: 0 } }), 'staff')).toEqual([['lockout.started', { reason: 'staff', detail: 'locked on the maintenance screen: 现场锁定' }]]);
    expect(t.changed(view('outOfService'), 'staff').map(([type, p]) => `${type} ${p.reason}`)).toEqual(['lockout.ended staff', 'lockout.started fault']);
    expect(t.changed(view('degraded'), 'hq').map(([type, p]) => `${type} ${p.reason}`)).toEqual(['lockout.ended fault']);
  });
});
