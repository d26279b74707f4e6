import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournal } from '../journal/journal.ts';
import { HqSecretError, readHqSecret } from './secret.ts';
import { startHqLink } from './link.ts';
import { LinesLog, QUIET_FACTS } from './test-helpers.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'zizhu-hq-secret-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the HQ secret', () => {
  it('comes from an environment variable', () => {
    expect(readHqSecret('env:ZIZHU_HQ', { ZIZHU_HQ: ' s3cret \n' })).toBe('s3cret');
    expect(() => readHqSecret('env:ZIZHU_HQ', {})).toThrow(/environment variable ZIZHU_HQ .* is not set/);
  });

  it('comes from a file only its owner may read (0600), and a file others may read is refused in one line', () => {
    const file = join(tmp(), 'hq-token');
    writeFileSync(file, 'file-s3cret\n');
    chmodSync(file, 0o600);
    expect(readHqSecret(`file:${file}`)).toBe('file-s3cret');
    chmodSync(file, 0o644);
    let err: Error | undefined;
    try {
      readHqSecret(`file:${file}`);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(HqSecretError);
    expect(err!.message).toBe(`hq.credentialsRef: the secret file ${file} is readable by others (mode 0644); run: chmod 600 ${file}`);
    expect(err!.message).not.toContain('file-s3cret');
    chmodSync(file, 0o640);
    expect(() => readHqSecret(`file:${file}`)).toThrow(/readable by others \(mode 0640\)/);
    expect(() => readHqSecret(`file:${join(tmp(), 'missing')}`)).toThrow(/cannot read the secret file/);
  });

  it('a link whose secret is refused stays off, says so once, and keeps the events in the journal', async () => {
    const dir = tmp();
    const file = join(dir, 'hq-token');
    writeFileSync(file, 'file-s3cret', { mode: 0o644 });
    chmodSync(file, 0o644);
    const journal = openJournal({ path: join(dir, 'journal.sqlite') });
    const log = new LinesLog();
    const link = startHqLink({ config: { url: 'http://127.0.0.1:9', credentialsRef: `file:${file}`, heartbeatSeconds: 30 }, kioskId: 'sz-test-0001', journal, log, heartbeat: () => QUIET_FACTS });
    journal.outbox.enqueue('staff.pin-rejected', { failures: 1 });
    expect(link.status()).toMatchObject({ state: 'off', backlog: { pending: 1 } });
    expect(link.status().lastError?.message).toMatch(/chmod 600/);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(log.text()).not.toContain('file-s3cret');
    await link.stop();
    journal.close();
  });

  it('a kiosk without HQ configured says so once at start and keeps everything locally', async () => {
    const journal = openJournal({ path: join(tmp(), 'journal.sqlite') });
    const log = new LinesLog();
    const link = startHqLink({ config: undefined, kioskId: 'sz-test-0001', journal, log, heartbeat: () => QUIET_FACTS });
    journal.outbox.enqueue('staff.pin-rejected', { failures: 1 });
    await link.flush();
    expect(log.lines).toEqual([{ level: 'info', message: 'HQ link: not configured — events are kept in the local journal' }]);
    expect(link.status()).toMatchObject({ state: 'not-configured', url: null, backlog: { pending: 1 } });
    await link.stop();
    journal.close();
  });
});
