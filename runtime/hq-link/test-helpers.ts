/**
 * The link's unit tests: a journal in a temporary directory, a fake HQ that knows the kiosk's
 * secret, and a link between them with short backoff and a log that keeps every line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournal, type Journal } from '../journal/journal.ts';
import type { HeartbeatFacts } from './heartbeat.ts';
import { startHqLink, type HqLink, type HqLinkOptions } from './link.ts';
import { startFakeHq, type FakeHq } from './testing.ts';

export const KIOSK_ID = 'sz-test-0001';
export const SECRET = 'test-secret-0123456789abcdef';
export const SECRET_ENV = 'ZIZHU_TEST_HQ_SECRET';

export const QUIET_FACTS: HeartbeatFacts = {
  lifecycle: 'inService',
  devices: { printer: { state: 'ok', faults: [], warnings: [] } },
  hours: { open: true, nextChangeAt: null },
  backends: {},
};

export class LinesLog {
  readonly lines: { level: string; message: string }[] = [];
  info = (m: string) => void this.lines.push({ level: 'info', message: m });
  warn = (m: string) => void this.lines.push({ level: 'warn', message: m });
  error = (m: string) => void this.lines.push({ level: 'error', message: m });
  debug = (m: string) => void this.lines.push({ level: 'debug', message: m });
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.message}`).join('\n');
  }
}

export interface LinkBench {
  dir: string;
  journal: Journal;
  hq: FakeHq;
  log: LinesLog;
  link?: HqLink;
  start(options?: Partial<HqLinkOptions> & { heartbeatSeconds?: number }): HqLink;
  close(): Promise<void>;
}

export async function linkBench(): Promise<LinkBench> {
  const dir = mkdtempSync(join(tmpdir(), 'zizhu-hq-link-'));
  const journal = openJournal({ path: join(dir, 'journal.sqlite') });
  const hq = await startFakeHq({ kioskId: KIOSK_ID, secret: SECRET });
  const log = new LinesLog();
  const bench: LinkBench = {
    dir,
    journal,
    hq,
    log,
    start(options = {}) {
      const { heartbeatSeconds, ...rest } = options;
      bench.link = startHqLink({
        config: { url: hq.url, credentialsRef: `env:${SECRET_ENV}`, heartbeatSeconds: heartbeatSeconds ?? 3_600 },
        kioskId: KIOSK_ID,
        journal,
        log,
        env: { [SECRET_ENV]: SECRET },
        heartbeat: () => QUIET_FACTS,
        backoff: { initialMs: 5, maxMs: 40 },
        requestTimeoutMs: 5_000,
        ...rest,
      });
      return bench.link;
    },
    async close() {
      await bench.link?.stop();
      await hq.close();
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return bench;
}

/** `n` small events (a staff PIN refusal each), journaled in one transaction; their ids in seq order. */
export function enqueueMany(journal: Journal, n: number): string[] {
  return journal.transaction(() => Array.from({ length: n }, (_, i) => journal.outbox.enqueue('staff.pin-rejected', { failures: i }).id));
}
