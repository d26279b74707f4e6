import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSeq, MAX_RANGES, seqGaps, seqSeen, type SeqState } from './seq.ts';
import { testHq, type TestHq } from '../test-hq.ts';
import type { IngestKiosk } from '../testing.ts';

const fresh = (): SeqState => ({ contiguous: 0, highest: 0, ranges: [] });

describe('seq state', () => {
  it('keeps the highest contiguous seq and the gaps above it', () => {
    const s = fresh();
    for (const n of [1, 2, 3, 7, 8, 5, 12]) addSeq(s, n);
    expect(s).toEqual({ contiguous: 3, highest: 12, ranges: [[5, 5], [7, 8], [12, 12]] });
    expect(seqGaps(s)).toEqual([{ from: 4, to: 4 }, { from: 6, to: 6 }, { from: 9, to: 11 }]);
    for (const n of [4, 6]) addSeq(s, n);
    expect(s).toEqual({ contiguous: 8, highest: 12, ranges: [[12, 12]] });
    for (const n of [11, 10, 9]) addSeq(s, n);
    expect(s).toEqual({ contiguous: 12, highest: 12, ranges: [] });
    expect(seqGaps(s)).toEqual([]);
  });

  it('knows what it has seen', () => {
    const s = fresh();
    for (const n of [1, 2, 5, 6]) addSeq(s, n);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => seqSeen(s, n))).toEqual([true, true, false, false, true, true, false]);
  });

  it('stays bounded: past MAX_RANGES the lowest gap is given up', () => {
    const s = fresh();
    addSeq(s, 1);
    for (let i = 0; i <= MAX_RANGES; i++) addSeq(s, 3 + 2 * i); // 3, 5, 7, …: a gap before each
    expect(s.ranges.length).toBe(MAX_RANGES);
    expect(s.contiguous).toBe(3);
  });
});

describe('seq through ingest', () => {
  let t: TestHq;
  let k: IngestKiosk;
  beforeEach(async () => {
    t = await testHq();
    k = await t.kiosk('K-SEQ');
  });
  afterEach(() => t.close());

  const link = async () => {
    const viewer = await t.as('viewer', `v${Math.random()}`);
    return (await viewer('GET', '/api/v1/kiosks/K-SEQ')).json().link as { contiguousSeq: number; highestSeq: number; gaps: unknown[] };
  };

  it('shows gaps for events it knows it has not received, and closes them when they arrive', async () => {
    const e = [k.heartbeat(), k.heartbeat(), k.event('lockout.started', { reason: 'schedule', detail: '' }), k.heartbeat(), k.heartbeat(), k.heartbeat()];
    await k.send(t.hq.app, [e[0], e[1], e[4], e[5]]);
    expect(await link()).toMatchObject({ contiguousSeq: 2, highestSeq: 6, gaps: [{ from: 3, to: 4 }] });
    // the late ones arrive; heartbeats that came already are duplicates by seq
    const r = await k.send(t.hq.app, [e[2], e[3], e[4]]);
    expect(r.body).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(await link()).toMatchObject({ contiguousSeq: 6, highestSeq: 6, gaps: [] });
  });

  it('a kiosk whose journal started again (seq back to 1) is counted afresh from its agent.started', async () => {
    for (let i = 0; i < 5; i++) await k.send(t.hq.app, [k.heartbeat()]);
    expect(await link()).toMatchObject({ contiguousSeq: 5 });
    k.seq = 0;
    const started = k.event('agent.started', { uncleanPreviousRun: true, version: '0.2.0', heartbeatSeconds: 30 });
    expect((await k.send(t.hq.app, [started, k.heartbeat()])).body).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await link()).toMatchObject({ contiguousSeq: 2, highestSeq: 2, gaps: [] });
    expect(t.log.lines.some((l) => l.includes('restarted its sequence'))).toBe(true);
  });
});
