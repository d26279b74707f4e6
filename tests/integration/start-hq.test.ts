/**
 * `zizhu start` as a newcomer runs it: the kiosk, its simulators and a development HQ (through the
 * `zizhu hq` CLI), the console's login printed on one line, the kiosk reporting to it, a simulated
 * fleet beside it with `--fleet`; a paper-out in the simulator is an alarm at that HQ; SIGTERM ends
 * every process it started. `--no-hq` starts none.
 */
import { describe, expect, it } from 'vitest';
import { startZizhu } from '../zizhu-start.ts';
import { until } from '../until.ts';

const CONSOLE_LINE = /^HQ console: (http:\/\/127\.0\.0\.1:\d+) \(user (\S+), password (\S+)\)$/m;

describe('zizhu start with its development HQ', () => {
  it('prints the console login, the kiosk and the fleet report there, a paper-out is an alarm; SIGTERM ends everything', async () => {
    const s = await startZizhu(['--fleet', '3']);
    let hqUrl: string | undefined;
    try {
      const m = CONSOLE_LINE.exec(s.out());
      expect(m, s.out()).not.toBeNull();
      const [, url, user, password] = m!;
      hqUrl = url;
      const login = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password }) });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const get = async (path: string) => (await fetch(`${url}${path}`, { headers: { cookie } })).json() as Promise<Record<string, { id: string; kioskId: string; code: string; lastSeenAt: string | null }[]>>;
      const kiosks = await until('the kiosk and the fleet have reported', async () => {
        const k = (await get('/api/v1/kiosks')).kiosks!;
        return k.filter((x) => x.lastSeenAt !== null).length >= 4 && k;
      }, 60_000);
      expect(kiosks.map((k) => k.id)).toContain('sz-futian-gov-0001');
      const panel = /simulator panel\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(s.out())![1];
      expect((await fetch(`${panel}/devices/printer/paper-out`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
      await until('the paper-out alarm at HQ', async () => (await get('/api/v1/alarms?status=active&kioskId=sz-futian-gov-0001')).alarms!.some((a) => a.code === 'PRINTER_PAPER_OUT'), 30_000);
    } finally {
      expect(await s.stop(hqUrl)).toEqual([]);
    }
  }, 120_000);

  it('--no-hq: no HQ, the kiosk keeps its events in its journal', async () => {
    const s = await startZizhu(['--no-hq']);
    try {
      expect(s.out()).not.toMatch(CONSOLE_LINE);
      expect(s.out()).toContain('HQ link: not configured');
    } finally {
      expect(await s.stop()).toEqual([]);
    }
  }, 90_000);
});
