import { afterEach, describe, expect, it } from 'vitest';
import { INGEST_MAX_BATCH_BYTES, INGEST_MAX_EVENTS } from '../../contracts/hq.ts';
import { faultEvent } from '../hq-events.ts';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts';
import { until } from './testing.ts';
import { enqueueMany, linkBench, type LinkBench } from './test-helpers.ts';

let b: LinkBench;
afterEach(async () => {
  await b?.close();
});

const seqsAtHq = () => b.hq.events.map((e) => e.seq);
const consecutive = (seqs: number[]) => seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1);

describe('the HQ link drains the outbox', () => {
  it('delivers in seq order, in batches within the event and byte limits, and marks them delivered', async () => {
    b = await linkBench();
    const small = enqueueMany(b.journal, 250);
    // large events: 60 faults with ~7 KB of evidence each make more than one batch by bytes
    b.journal.transaction(() => {
      for (let i = 0; i < 60; i++)
        b.journal.outbox.enqueue(...faultEvent({ device: 'printer', code: 'PRINTER_PAPER_OUT', change: 'raised', severity: 'fault', detail: `paper out ${i}`, evidence: { dump: 'x'.repeat(7_000) } }));
    });
    b.start();
    await until('all delivered', () => b.hq.events.length >= 311 && b.journal.outbox.backlog().pending === 0);
    expect(b.hq.events.slice(0, 250).map((e) => e.id)).toEqual(small);
    expect(consecutive(seqsAtHq())).toBe(true);
    expect(b.hq.batches.every((n) => n <= INGEST_MAX_EVENTS)).toBe(true);
    expect(b.hq.batches.slice(0, 2)).toEqual([100, 100]);
    expect(b.hq.maxBodyBytes).toBeLessThanOrEqual(INGEST_MAX_BATCH_BYTES);
    expect(b.hq.duplicates).toBe(0);
    expect(b.journal.outbox.get(small[0]!).deliveredAt).not.toBeNull();
    const s = b.link!.status();
    expect(s).toMatchObject({ state: 'running', failures: 0, lastError: null, backlog: { pending: 0 } });
    expect(s.delivered).toBeGreaterThanOrEqual(311);
  });

  it('sends a fault at once, not with the next heartbeat', async () => {
    b = await linkBench();
    b.start({ heartbeatSeconds: 3_600 });
    await until('the first heartbeat', () => b.hq.ofType('heartbeat').length === 1);
    b.journal.outbox.enqueue(...faultEvent({ device: 'printer', code: 'PRINTER_PAPER_OUT', change: 'raised', severity: 'fault', detail: 'out of paper' }));
    const raised = await until('fault.raised at HQ', () => b.hq.ofType('fault.raised')[0]);
    expect(raised.payload).toMatchObject({ code: 'PRINTER_PAPER_OUT', device: 'printer', severity: 'major', blocking: true });
    // no heartbeat carried it: the link woke for the enqueue
    expect(b.hq.ofType('heartbeat')).toHaveLength(1);
  });

  it('HQ down while 5,000 events are enqueued, then up: every event exactly once, in seq order, no gaps', async () => {
    b = await linkBench();
    b.hq.down = 503;
    b.start();
    const ids = [...enqueueMany(b.journal, 2_500), ...enqueueMany(b.journal, 2_500)];
    await until('a few failures', () => b.link!.status().failures >= 3);
    expect(b.hq.events).toHaveLength(0);
    expect(b.link!.status().backlog.pending).toBeGreaterThanOrEqual(5_000);
    b.hq.down = null;
    await until('all 5,000 at HQ', () => b.journal.outbox.backlog().pending === 0 && b.hq.events.length >= 5_000, 30_000);
    const got = b.hq.events.filter((e) => e.type === 'staff.pin-rejected').map((e) => e.id);
    expect(got).toEqual(ids);
    expect(new Set(b.hq.events.map((e) => e.id)).size).toBe(b.hq.events.length);
    expect(consecutive(seqsAtHq())).toBe(true);
    expect(b.hq.duplicates).toBe(0);
    expect(b.log.text()).toMatch(/HQ link: delivering again/);
  }, 40_000);

  it('backs off exponentially with jitter, capped (60 s by default)', async () => {
    const top = { ...DEFAULT_BACKOFF, random: () => 0.999999 };
    const bottom = { ...DEFAULT_BACKOFF, random: () => 0 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelayMs(n, top))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect([1, 2, 7, 50].map((n) => backoffDelayMs(n, bottom))).toEqual([500, 1_000, 30_000, 30_000]);

    b = await linkBench();
    b.hq.down = 503;
    b.start({ backoff: { initialMs: 5, maxMs: 40, random: () => 0.999999 } });
    enqueueMany(b.journal, 3);
    await until('six failures', () => b.link!.status().failures >= 6);
    const delays = [...b.log.text().matchAll(/next try in (\d+) ms/g)].map((m) => Number(m[1]));
    expect(delays.slice(0, 6)).toEqual([5, 10, 20, 40, 40, 40]);
    const s = b.link!.status();
    expect(s.retryDelayMs).toBe(40);
    expect(s.lastError?.message).toMatch(/HQ answered 503/);
    expect(s.nextRetryAt).not.toBeNull();
  });

  it('a 401 is an error in the log that names the secret, and the events wait', async () => {
    b = await linkBench();
    b.hq.down = 401;
    b.start();
    enqueueMany(b.journal, 2);
    await until('a failure', () => b.link!.status().failures >= 1);
    expect(b.log.lines.find((l) => l.level === 'error')?.message).toMatch(/401.*hq\.credentialsRef/);
    expect(b.log.text()).not.toContain('test-secret');
    b.hq.down = null;
    await until('delivered', () => b.journal.outbox.backlog().pending === 0);
  });

  it('a 400 naming one event sets that event aside (journaled, logged, in the status) and delivers the rest', async () => {
    b = await linkBench();
    b.hq.refuseEvent = (e) => e.type === 'staff.pin-rejected' && e.payload.failures === 7;
    const ids = enqueueMany(b.journal, 20);
    b.start();
    await until('the rest delivered', () => b.journal.outbox.backlog().pending === 0);
    expect(b.hq.events.filter((e) => e.type === 'staff.pin-rejected').map((e) => e.id)).toEqual(ids.filter((_, i) => i !== 7));
    const poison = b.journal.outbox.get(ids[7]!);
    expect(poison.setAsideAt).not.toBeNull();
    expect(poison.deliveredAt).toBeNull();
    expect(poison.lastError).toMatch(/400.*events\[7\]/);
    expect(b.link!.status().setAside).toEqual([expect.objectContaining({ id: ids[7], seq: poison.seq, type: 'staff.pin-rejected' })]);
    expect(b.log.lines.some((l) => l.level === 'error' && l.message.includes(`seq ${poison.seq}`) && l.message.includes('set aside'))).toBe(true);
    // never retried
    b.hq.refuseEvent = null;
    enqueueMany(b.journal, 1);
    await until('the next delivered', () => b.journal.outbox.backlog().pending === 0);
    expect(b.hq.events.some((e) => e.id === ids[7])).toBe(false);
  });

  it('a 413 halves the batch until HQ takes it', async () => {
    b = await linkBench();
    b.hq.maxEvents = 30;
    const ids = enqueueMany(b.journal, 100);
    b.start();
    await until('all delivered', () => b.journal.outbox.backlog().pending === 0);
    expect(b.hq.events.map((e) => e.id)).toEqual(expect.arrayContaining(ids));
    expect(b.hq.batches.every((n) => n <= 30)).toBe(true);
    expect(consecutive(seqsAtHq())).toBe(true);
  });

  it('an answer that is not an ingest answer is logged and the events are sent again, nothing lost', async () => {
    b = await linkBench();
    b.hq.malformed.push({ ok: true });
    const ids = enqueueMany(b.journal, 5);
    b.start();
    await until('delivered after all', () => b.journal.outbox.backlog().pending === 0);
    expect(b.hq.ofType('staff.pin-rejected').map((e) => e.id)).toEqual(ids);
    expect(b.log.text()).toMatch(/not with an ingest answer/);
  });
});

describe('clock skew', () => {
  it('raises CLOCK_SKEW (device link) when HQ is more than 60 s off, and clears it when back inside', async () => {
    b = await linkBench();
    b.hq.skewMs = 5 * 60_000;
    b.start();
    const raised = await until('CLOCK_SKEW raised', () => b.hq.ofType('fault.raised').find((e) => e.payload.code === 'CLOCK_SKEW'));
    expect(raised.payload).toMatchObject({ device: 'link', severity: 'minor', blocking: false });
    expect(raised.payload.detail).toMatch(/300 s behind HQ's/);
    expect(b.link!.status().clock).toMatchObject({ skewFault: true });
    expect(Math.abs(b.link!.status().clock.skewMs! - 300_000)).toBeLessThan(2_000);
    b.hq.skewMs = 0;
    enqueueMany(b.journal, 1);
    await until('CLOCK_SKEW cleared', () => b.hq.ofType('fault.cleared').find((e) => e.payload.code === 'CLOCK_SKEW'));
    expect(b.link!.status().clock.skewFault).toBe(false);
  });
});
