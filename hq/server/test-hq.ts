/** A test HQ: in memory (or on a given file), a pinned clock, a log to read, operators to log in as. */
import type { LightMyRequestResponse } from 'fastify';
import type { Role } from '../../contracts/hq-api.ts';
import { createUser, SESSION_COOKIE } from './auth/index.ts';
import { TEST_SCRYPT } from './auth/test-helpers.ts';
import { enrollKiosk } from './kiosks/enroll.ts';
import { memoryLog } from './log.ts';
import { startHqServer, type HqServerOptions, type RunningHq } from './server.ts';
import { IngestKiosk, ManualClock } from './testing.ts';

export const PASSWORD = 'correct horse battery';

export interface TestHq {
  hq: RunningHq;
  clock: ManualClock;
  log: ReturnType<typeof memoryLog>;
  /** enrolls a kiosk and gives its side of the link (on the same clock as HQ unless given one) */
  kiosk(id: string, place?: { site?: string; district?: string }, kioskClock?: () => number): Promise<IngestKiosk>;
  /** a logged-in operator API caller */
  as(role: Role, name?: string): Promise<(method: 'GET' | 'POST', url: string, body?: unknown) => Promise<LightMyRequestResponse>>;
  close(): Promise<void>;
}

export async function testHq(o: Partial<HqServerOptions> & { clock?: ManualClock } = {}): Promise<TestHq> {
  const clock = o.clock ?? new ManualClock();
  const log = memoryLog();
  // the watch runs only when a test calls hq.monitor.tick() (the timer's interval is an hour)
  const hq = await startHqServer({ dbUrl: 'sqlite::memory:', now: clock.now, log, offlineCheckMs: 3_600_000, consoleDir: '/nonexistent/dist', ...o });
  return {
    hq,
    clock,
    log,
    async kiosk(id, place = {}, kioskClock = clock.now) {
      const secret = await enrollKiosk(hq.db, { id, ...place }, clock.now);
      return new IngestKiosk(id, secret, kioskClock);
    },
    async as(role, name = `${role}1`) {
      await createUser(hq.db, { name, role, password: PASSWORD, at: clock.now(), scrypt: TEST_SCRYPT });
      const login = await hq.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: name, password: PASSWORD } });
      if (login.statusCode !== 200) throw new Error(`login ${login.statusCode} ${login.body}`);
      const cookie = `${SESSION_COOKIE}=${login.cookies.find((c) => c.name === SESSION_COOKIE)!.value}`;
      const csrf = (login.json() as { csrfToken: string }).csrfToken;
      return (method, url, body) =>
        hq.app.inject({ method, url, headers: { cookie, ...(method === 'POST' ? { 'x-csrf-token': csrf } : {}) }, ...(body === undefined ? {} : { payload: body as object }) });
    },
    close: () => hq.close(),
  };
}
