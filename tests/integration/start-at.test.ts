/**
 * `zizhu start --at`: the simulated kiosk and its back offices live at a chosen instant, so the
 * hospital machine's night lockout can be seen by day and its day by night — and this test sees the
 * same hours whenever the suite runs.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseInstant } from '../../runtime/cli/start.ts';
import { startZizhu } from '../zizhu-start.ts';

interface FirstScreen {
  type: string;
  at: number;
  kiosk: { status: string; hours: { open: boolean; opensAt: number | null } };
}

const SCREEN_URL = /open in a browser: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/;

/** Runs `zizhu start --shell none --kiosk hospital-lobby --at AT`, returns its first screen after the self-test, stops it. */
async function firstScreenAt(at: string): Promise<FirstScreen> {
  const z = await startZizhu(['--kiosk', 'hospital-lobby', '--at', at], SCREEN_URL);
  try {
    const u = new URL(SCREEN_URL.exec(z.out())![1]!);
    const ws = new WebSocket(`ws://${u.host}/bridge?token=${u.searchParams.get('token')}`, { headers: { origin: u.origin } });
    // the first screen after the start-up self-test (a busy machine may still be testing its devices)
    const first = await new Promise<FirstScreen>((res, rej) => {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as FirstScreen;
        if (m.type === 'screen' && !['booting', 'selfTest'].includes(m.kiosk.status)) res(m);
      });
      ws.once('error', rej);
    });
    ws.close();
    return first;
  } finally {
    expect(await z.stop()).toEqual([]);
  }
}

describe('zizhu start --at', () => {
  it('21:40 in Shanghai: the hospital machine (07:00–20:00) is closed and opens tomorrow at 07:00', async () => {
    const s = await firstScreenAt('2026-06-10T21:40+08:00');
    expect(s.type).toBe('screen');
    expect(s.kiosk.status).toBe('outOfHours');
    expect(s.kiosk.hours.opensAt).toBe(Date.parse('2026-06-11T07:00:00+08:00'));
  }, 60_000);

  it('12:00 in Shanghai: the same machine is open', async () => {
    const s = await firstScreenAt('2026-06-10T12:00+08:00');
    expect(s.kiosk.status).not.toBe('outOfHours');
    expect(s.kiosk.hours.open).toBe(true);
  }, 60_000);

  it('takes only ISO 8601 times that name their offset', () => {
    expect(parseInstant('2026-12-03T21:40+08:00')).toBe(Date.parse('2026-12-03T13:40:00Z'));
    expect(parseInstant('2026-12-03T13:40:00.000Z')).toBe(Date.parse('2026-12-03T13:40:00Z'));
    for (const bad of ['2026-12-03T21:40', '21:40', 'tomorrow', '2026-13-45T99:99+08:00']) expect(parseInstant(bad)).toBeNull();
  });
});
