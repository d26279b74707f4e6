import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { JournalError, openJournal, type Journal } from './journal.ts';

const ID = '110101199003071233';
const NAME = '张测试';
const VOUCHER = '4240123456789012345678901100';

const opened: Journal[] = [];
afterEach(() => {
  for (const j of opened.splice(0)) if (j.isOpen) j.close();
});
function open(path: string): Journal {
  const j = openJournal({ path });
  opened.push(j);
  return j;
}
const tmpPath = () => join(mkdtempSync(join(tmpdir(), 'zizhu-pii-')), 'journal.sqlite');

/** The raw bytes of the journal and its -wal and -shm, as one buffer. */
const rawBytes = (path: string) => Buffer.concat(['', '-wal', '-shm'].filter((s) => existsSync(path + s)).map((s) => readFileSync(path + s)));

/** A registration-like snapshot in the middle of a session. */
const snapshot = {
  value: { session: { flow: 'choosingDoctor' } },
  context: {
    sessionId: 's1',
    idempotencyKey: 's1-R1',
    patient: { name: NAME, idNumber: ID },
    doctor: { id: 'NK02', name: '王医生' },
    kiosk: { id: 'sz-0001', name: '福田区 1号机' },
    receipt: { lines: [{ kind: 'pair', label: '姓名', value: NAME }, { kind: 'pair', label: '科室', value: '内科' }] },
    lastFailure: { code: 'PRINT_NOT_DELIVERED' },
  },
  children: { voucher: { snapshot: { input: { code: VOUCHER } } } },
};

describe('identity in session snapshots is sealed with a key of this boot', () => {
  it('is not in the file, is opened again within the boot, and the rest of the snapshot stays readable', () => {
    const path = tmpPath();
    const j = open(path);
    const s = j.sessions.start({ service: 'hospitalRegistration', state: { value: 'identifying', context: { patient: null } } });
    j.sessions.record(s.id, { event: { type: 'CARD_READ', card: { name: NAME, idNumber: ID } }, state: snapshot });
    j.sessions.record(s.id, { event: { type: 'xstate.done.actor.lookUp', output: { note: `患者 ${NAME} 已挂号` } }, state: snapshot });

    const stored = j.sessions.get(s.id).state as typeof snapshot;
    expect(JSON.stringify(stored)).not.toMatch(new RegExp(`${ID}|${NAME}|${VOUCHER}`));
    expect(stored.context.patient.idNumber).toMatch(/^zizhu-sealed:[0-9a-f]{8}:/);
    expect(stored.context.receipt.lines[0]!.value).toMatch(/^zizhu-sealed:/);
    // what recovery and a person reading the journal need stays as it was
    expect(stored.value).toEqual(snapshot.value);
    expect(stored.context).toMatchObject({ idempotencyKey: 's1-R1', doctor: { name: '王医生' }, kiosk: { name: '福田区 1号机' }, lastFailure: { code: 'PRINT_NOT_DELIVERED' } });
    expect(stored.context.receipt.lines[1]).toEqual({ kind: 'pair', label: '科室', value: '内科' });

    expect(j.sessions.openState(j.sessions.get(s.id))).toEqual({ state: snapshot, personalDataGone: false });
    // events: masked, this session's name masked even in free text
    expect(j.sessions.events(s.id).map((e) => e.event)).toEqual([
      { type: 'CARD_READ', card: { name: '张**', idNumber: '1101**********1233' } },
      { type: 'xstate.done.actor.lookUp', output: { note: '患者 张** 已挂号' } },
    ]);
    const bytes = rawBytes(path);
    for (const secret of [ID, NAME, VOUCHER]) {
      expect(bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
      expect(bytes.includes(Buffer.from(secret, 'utf16le'))).toBe(false);
    }
  });

  it('is gone after a restart: the session says so and cannot be resumed', () => {
    const path = tmpPath();
    const j = open(path);
    const s = j.sessions.start({ service: 'hospitalRegistration', state: snapshot });
    j.close();
    const again = open(path);
    const { state, personalDataGone } = again.sessions.openState(again.sessions.get(s.id));
    expect(personalDataGone).toBe(true);
    expect(JSON.stringify(state)).not.toContain(ID);
    // a snapshot without identity opens whole in any boot
    const plain = again.sessions.start({ service: 'demo', state: { value: 'waiting', context: { card: 'A1' } } });
    expect(again.sessions.openState(again.sessions.get(plain.id))).toEqual({ state: { value: 'waiting', context: { card: 'A1' } }, personalDataGone: false });
  });

  it('still refuses what is not JSON with NOT_JSON', () => {
    const j = open(tmpPath());
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => j.sessions.start({ service: 'demo', state: cyclic })).toThrow(JournalError);
    const s = j.sessions.start({ service: 'demo', state: {} });
    expect(() => j.sessions.record(s.id, { event: { type: 'X', n: 1n }, state: {} })).toThrow(/cannot be stored/);
  });
});

describe('the journal file is the kiosk user’s alone', () => {
  const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
  const withUmask = <T>(mask: number, fn: () => T): T => {
    const old = process.umask(mask);
    try {
      return fn();
    } finally {
      process.umask(old);
    }
  };

  it('is created 0600 with its -wal and -shm, in a directory created 0700, whatever the umask; secure_delete is on', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'zizhu-pii-')), 'var', 'data', 'journal.sqlite');
    const j = withUmask(0o022, () => open(path));
    j.sessions.start({ service: 'demo', state: {} });
    expect([mode(path), mode(`${path}-wal`), mode(`${path}-shm`), mode(join(path, '..'))]).toEqual(['600', '600', '600', '700']);
    expect(j.startup.warnings).toEqual([]);
    expect((j as unknown as { db: Database.Database }).db.pragma('secure_delete', { simple: true })).toBe(1);
  });

  it('tightens a journal an older release left readable, and says when its directory is open to others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zizhu-pii-'));
    const path = join(dir, 'journal.sqlite');
    new Database(path).close();
    chmodSync(path, 0o644);
    chmodSync(dir, 0o755);
    const j = open(path);
    expect(mode(path)).toBe('600');
    expect(mode(dir)).toBe('755');
    expect(j.startup.warnings).toEqual([`${dir} is open to other users (mode 755): its files are 0600, but make the directory the kiosk user's alone: chmod 700 ${dir}`]);
  });

  it('an existing 0700 directory with other files in it is left as it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zizhu-pii-'));
    mkdirSync(join(dir, 'data'), { mode: 0o700 });
    writeFileSync(join(dir, 'data', 'kiosk.json'), '{}', { mode: 0o644 });
    const j = open(join(dir, 'data', 'journal.sqlite'));
    expect(j.startup.warnings).toEqual([]);
    expect(mode(join(dir, 'data', 'kiosk.json'))).toBe('644');
  });
});
