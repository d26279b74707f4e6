import { describe, expect, it } from 'vitest';
import { FaultCode } from '../../contracts/faults.ts';
import type { AgentStatus } from '../status-endpoint.ts';
import { rowsOf } from './doctor-agent.ts';

const quiet = { noisy: false, persistent: false, garbageBytes: 0, events: 0, noisyWindows: 0, windows: 10, windowMs: 3_000, lastNoiseAt: null };
const status = (devices: AgentStatus['devices']) => ({ devices }) as AgentStatus;

describe("zizhu doctor's rows from the running agent", () => {
  it('say the line noise the agent ignored (issue 11), and nothing of it on a clean line', () => {
    const rows = rowsOf(
      status([
        { device: 'printer', link: '/dev/ttyS0', faults: [], warnings: [], lineNoise: { ...quiet, noisy: true, garbageBytes: 65_536, events: 41, noisyWindows: 1, lastNoiseAt: 1 } },
        { device: 'scanner', link: 'hid', faults: [], warnings: [{ code: FaultCode.SCANNER_LINE_NOISE, detail: 'noise on the scanner line' }], lineNoise: { ...quiet, persistent: true, noisy: true, garbageBytes: 9, events: 7, noisyWindows: 8 } },
        { device: 'idReader', link: '/dev/ttyS1', faults: [], warnings: [], lineNoise: quiet },
      ]),
    );
    expect(rows.map((r) => [r.device, r.result, r.detail])).toEqual([
      ['printer', 'OK', 'ok (as the agent sees it); line noise ignored: 65536 byte(s) of garbage, 41 event(s) since the agent started, noisy now'],
      ['scanner', 'WARN', 'noise on the scanner line; line noise ignored: 9 byte(s) of garbage, 7 event(s) since the agent started, noisy in 8 of the last 10 windows'],
      ['idReader', 'OK', 'ok (as the agent sees it)'],
    ]);
  });
});
