import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { fleetSimCommand } from '../cli/fleet-sim.ts';
import { until } from '../../tests/until.ts';
import { startFakeHq } from './testing.ts';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};

describe('zizhu hq fleet-sim', () => {
  it('answers a bad flag with one line and exit 2', async () => {
    const c = capture();
    expect(await fleetSimCommand(['--hq', 'http://127.0.0.1:1', '--kiosks', 'many'], c.io)).toBe(2);
    expect(c.err).toEqual(['zizhu hq fleet-sim: --kiosks must be a whole number of kiosks, 1 to 1000000, got "many"']);
    expect(c.out).toEqual([]);
  });

  it('says so when the password is wrong (exit 1)', async () => {
    const hq = await startFakeHq({ user: 'admin', password: 'right' });
    try {
      const c = capture();
      const code = await fleetSimCommand(['--hq', hq.url, '--kiosks', '2'], { ...c.io, env: {}, stdin: Readable.from(['wrong\n']) });
      expect(code).toBe(1);
      expect(c.err.join('\n')).toMatch(/login as admin refused: HTTP 401/);
    } finally {
      await hq.close();
    }
  });

  it('runs with the password from stdin, prints summaries, and stops when told', async () => {
    const hq = await startFakeHq({ user: 'ops', password: 'pw' });
    try {
      const c = capture();
      const stop = new AbortController();
      const run = fleetSimCommand(['--hq', hq.url, '--kiosks', '3', '--interval', '0.1', '--user', 'ops', '--prefix', 'cli-'], {
        ...c.io,
        env: {},
        stdin: Readable.from(['pw\nnot read\n']),
        signal: stop.signal,
        summaryEveryMs: 50,
      });
      await until('two summary lines', () => c.out.filter((l) => l.startsWith('fleet-sim: 3 kiosks')).length >= 2);
      await until('heartbeats from all three', () => [...hq.events.keys()].length === 3);
      stop.abort();
      expect(await run).toBe(0);
      expect(c.out.at(-1)).toMatch(/^fleet-sim stopped: 3 kiosks, \d+ requests/);
      expect(c.err).toEqual([]);
      expect(hq.problems).toEqual([]);
      expect([...hq.kiosks.keys()].sort()).toEqual(['cli-00001', 'cli-00002', 'cli-00003']);
    } finally {
      await hq.close();
    }
  });
});
