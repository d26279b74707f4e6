import { describe, expect, it } from 'vitest';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { closeLogger, createLogger } from './logging.ts';

/** Personal data used below; none of it may appear in any log output. */
const RESIDENT_ID_X = '11010519491231002X';
const RESIDENT_ID = '110101199003074258';
const OLD_ID_15 = '110105491231002';
const PERMIT_NO = 'H12345678';
const NAMES = ['张三', '李四', '王小明', '赵六', '钱七', '欧阳娜娜', '阿卜杜拉·买买提', 'ZHANG SAN'];

/** Non-personal numbers that must come through unchanged. */
const ORDER_12 = '202611250001';
const ORDER_18 = '202511251430120001'; // shaped like 18 digits, but "year 2514" is no birth date
const WECHAT_TXN = '4200001234202511251234567890';
const MS_TIMESTAMP = 1764072000000;
const COMPACT_TIME = '20251125143012';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- log lines are arbitrary JSON, inspected field by field
type LogLine = Record<string, any>;

async function logThroughRealLogger(write: (log: ReturnType<typeof createLogger>) => void, level: 'info' | 'debug' = 'debug') {
  const dir = mkdtempSync(join(tmpdir(), 'zizhu-log-'));
  const console = new PassThrough();
  let consoleText = '';
  console.on('data', (c: Buffer) => (consoleText += c.toString('utf8')));
  const log = createLogger({ dir, level, consoleStream: console, defaultMeta: { kioskId: 'test-kiosk-01' } });
  await new Promise((r) => setImmediate(r)); // the rotating file names its first file on the next tick
  write(log);
  const files = await closeLogger(log);
  expect(files).toHaveLength(1);
  const fileText = readFileSync(files[0]!, 'utf8');
  return { dir, files, fileText, consoleText, lines: fileText.trimEnd().split('\n').map((l) => JSON.parse(l) as LogLine) };
}

function expectNothingPersonal(text: string) {
  for (const secret of [RESIDENT_ID_X, RESIDENT_ID, OLD_ID_15, PERMIT_NO, ...NAMES]) if (text.includes(secret)) throw new Error(`${secret} leaked: ${text.slice(Math.max(0, text.indexOf(secret) - 200), text.indexOf(secret) + 50)}`);
  // the JSON escaping of the names must not sneak them through either
  for (const name of NAMES) if (text.includes(JSON.stringify(name).slice(1, -1))) throw new Error(`${name} leaked`);
}

describe('logging masks personal data end-to-end (real logger, real rotating file)', () => {
  it('masks ID numbers and names in messages, metadata at any depth, arrays and errors', async () => {
    const cause = new Error(`HIS lookup failed for ${OLD_ID_15}`);
    const failure = Object.assign(new Error(`read failed: name: 张三, id ${RESIDENT_ID_X}`, { cause }), {
      card: { name: '李四', idNumber: RESIDENT_ID },
    });
    const { fileText, consoleText, lines } = await logThroughRealLogger((log) => {
      log.info(`card placed, 身份证号：${RESIDENT_ID_X}, 姓名：王小明`);
      log.info('identified name=%s with %s', '欧阳娜娜', RESIDENT_ID);
      log.info('session', { session: { patient: { patientName: '赵六', ids: [OLD_ID_15, { holder_name: '钱七' }] }, people: [{ name: '阿卜杜拉·买买提' }, { englishName: 'ZHANG SAN' }] } });
      log.info('permit read', { card: { kind: 'permit', passNumber: PERMIT_NO } });
      log.error(failure);
      log.error('flow failed', failure);
      log.warn('nested error', { err: failure, attempts: 2 });
      log.info('raw json from the HIS', { body: `{"patientName":"钱七","idNo":"${RESIDENT_ID}"}` });
    });
    expectNothingPersonal(fileText);
    expectNothingPersonal(consoleText);

    expect(lines[0]!.message).toBe('card placed, 身份证号：1101**********002X, 姓名：王**');
    expect(lines[1]!.message).toBe('identified name=欧** with 1101**********4258');
    expect(lines[2]!.session).toEqual({
      patient: { patientName: '赵**', ids: ['1101*******1002', { holder_name: '钱**' }] },
      people: [{ name: '阿**' }, { englishName: 'Z**' }],
    });
    expect(lines[3]!.card).toEqual({ kind: 'permit', passNumber: 'H123*5678' });
    // logger.error(err): message, stack and the error's own fields, all masked
    expect(lines[4]).toMatchObject({ level: 'error', message: 'read failed: name: 张**, id 1101**********002X', card: { name: '李**', idNumber: '1101**********4258' } });
    expect(lines[4]!.stack).toMatch(/^Error: read failed: name: 张\*\*, id 1101\*\*\*\*\*\*\*\*\*\*002X\n\s+at /);
    expect(lines[5]!.message).toBe('flow failed read failed: name: 张**, id 1101**********002X');
    // an error nested in metadata keeps its message, stack and cause (JSON would otherwise drop them)
    expect(lines[6]!.err).toMatchObject({
      name: 'Error',
      message: 'read failed: name: 张**, id 1101**********002X',
      card: { name: '李**', idNumber: '1101**********4258' },
      cause: { name: 'Error', message: 'HIS lookup failed for 1101*******1002' },
    });
    expect(lines[6]!.attempts).toBe(2);
    expect(lines[7]!.body).toBe('{"patientName":"钱**","idNo":"1101**********4258"}');
    // console got the same lines, masked
    expect(consoleText).toContain('card placed, 身份证号：1101**********002X, 姓名：王**');
    expect(consoleText).toContain('"patientName":"赵**"');
  });

  it('leaves order numbers, transaction ids and timestamps alone', async () => {
    const { lines, fileText } = await logThroughRealLogger((log) => {
      log.info(`payment ${ORDER_12} paid at ${MS_TIMESTAMP}, txn ${WECHAT_TXN}, batch ${COMPACT_TIME}, order ${ORDER_18}`);
      log.info('payment', { merchantOrderNo: ORDER_18, orderNo: ORDER_12, at: MS_TIMESTAMP, amountFen: 1250, transactionId: WECHAT_TXN, stamp: COMPACT_TIME });
    });
    expect(lines[0]!.message).toBe(`payment ${ORDER_12} paid at ${MS_TIMESTAMP}, txn ${WECHAT_TXN}, batch ${COMPACT_TIME}, order ${ORDER_18}`);
    expect(lines[1]).toMatchObject({ merchantOrderNo: ORDER_18, orderNo: ORDER_12, at: MS_TIMESTAMP, amountFen: 1250, transactionId: WECHAT_TXN, stamp: COMPACT_TIME });
    expect(fileText).not.toContain('**');
  });

  it('writes JSON lines with level and timestamp into a dated file with a current-file symlink, honouring the level', async () => {
    const { dir, files, lines } = await logThroughRealLogger((log) => {
      log.debug('hidden at info');
      log.info('shown');
    }, 'info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', message: 'shown', kioskId: 'test-kiosk-01' });
    expect(new Date(lines[0]!.timestamp as string).getTime()).not.toBeNaN();
    expect(basename(files[0]!)).toMatch(/^agent-\d{4}-\d{2}-\d{2}\.log$/);
    expect(realpathSync(join(dir, 'agent.log'))).toBe(realpathSync(files[0]!));
    expect(readdirSync(dir).sort()).toEqual(['.agent-audit.json', 'agent.log', basename(files[0]!)].sort());
  });

  it('keeps its files to the kiosk user: directory 0700, every log file (rotated ones too) and the audit file 0600, whatever the umask', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'zizhu-log-')), 'var', 'log');
    const old = process.umask(0o022);
    let log: ReturnType<typeof createLogger>;
    try {
      log = createLogger({ dir, console: false, maxSize: '1k' });
    } finally {
      process.umask(old);
    }
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 60; i++) log.info(`line ${i} ${'x'.repeat(80)}`);
    await closeLogger(log);
    const files = readdirSync(dir).filter((f) => !lstatSync(join(dir, f)).isSymbolicLink());
    expect(files.filter((f) => /^agent-.*\.log(\.\d+)?$/.test(f)).length).toBeGreaterThan(1);
    expect(files).toContain('.agent-audit.json');
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect(Object.fromEntries(files.map((f) => [f, mode(join(dir, f))]))).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
    expect(mode(dir)).toBe('700');
  });

  it('reports an unusable log directory with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zizhu-log-'));
    const aFile = join(dir, 'not-a-directory');
    writeFileSync(aFile, '');
    const logDir = join(aFile, 'logs');
    expect(() => createLogger({ dir: logDir, console: false })).toThrow(`cannot create the log directory ${logDir}: ENOTDIR`);
    expect(() => createLogger({ dir: logDir, console: false })).toThrow(/check the path and permissions \(agent\.logDir in the kiosk config\)$/);
  });
});
