import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { captureIo, Exit } from './io.ts';
import { main } from './main.ts';

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const io = captureIo();
  const code = await main(['decode', 'printer-status', ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('zizhu decode printer-status', () => {
  it('decodes DLE EOT replies given the request (python-escpos values: 0x12 paper ok, 0x1E near end, 0x72 no paper)', async () => {
    expect(await run('--request', '100404', '1E')).toEqual({ code: Exit.OK, out: ['{"faults":[],"warnings":["PRINTER_PAPER_NEAR_END"],"completionId":null}'], err: [] });
    expect((await run('--request=100404', '72')).out).toEqual(['{"faults":["PRINTER_PAPER_OUT"],"warnings":[],"completionId":null}']);
    expect((await run('--request', '100402', '16')).out).toEqual(['{"faults":["PRINTER_COVER_OPEN"],"warnings":[],"completionId":null}']);
    expect((await run('--request', '100403', '1A')).out).toEqual(['{"faults":["PRINTER_CUTTER_ERROR"],"warnings":[],"completionId":null}']);
    expect((await run('--request', '100401', '1E')).out).toEqual(['{"faults":["PRINTER_OFFLINE"],"warnings":[],"completionId":null}']);
  });

  it('decodes the Custom full status reply to 10 04 14', async () => {
    expect((await run('--request', '100414', '10 0F 05 00 00 00')).out).toEqual(['{"faults":["PRINTER_PAPER_OUT"],"warnings":[],"completionId":null}']);
    expect((await run('--request', '100414', '100F00004000')).out).toEqual(['{"faults":["PRINTER_PAPER_JAM"],"warnings":[],"completionId":null}']);
  });

  it('decodes ASB messages and completion replies without --request', async () => {
    expect((await run('1400000F')).out).toEqual(['{"faults":[],"warnings":[],"completionId":null}']);
    expect((await run('1400030F')).out).toEqual(['{"faults":[],"warnings":["PRINTER_PAPER_NEAR_END"],"completionId":null}']);
    expect((await run('3722303030310037')).code).toBe(Exit.BAD_INPUT); // trailing half message
    expect((await run('37223030303100')).out).toEqual(['{"faults":[],"warnings":[],"completionId":"0001"}']);
    expect((await run('1400000F' + '37224142313200')).out).toEqual(['{"faults":[],"warnings":[],"completionId":"AB12"}']);
  });

  it('bad input: exit 2 with one line saying what and where', async () => {
    const cases: [string[], RegExp][] = [
      [['12'], /byte offset 0: a DLE EOT reply nobody asked for/],
      [['1400000'], /odd number of hex digits/],
      [['14zz'], /non-hex character "z" at digit 2/],
      [['--request', '100405', '12'], /--request 100405 is not a status request/],
      [['--request', '100401', '37223030303100'], /no reply to request 100401/],
      [['FF1400000F'], /byte offset 0: a byte that starts no printer message \(0xFF\)/],
      [['372230303031'], /truncated: the message starting at byte offset 0/],
      [[], /expected one HEX argument, got 0/],
      [['--bogus', '12'], /unknown option --bogus/],
    ];
    for (const [args, re] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(Exit.BAD_INPUT);
      expect(r.err, args.join(' ')).toHaveLength(1);
      expect(r.err[0], args.join(' ')).toMatch(re);
      expect(r.out).toEqual([]);
    }
  });

  it('runs as a real command: node bin/zizhu.mjs decode printer-status', async () => {
    const exec = promisify(execFile);
    const ok = await exec(process.execPath, ['bin/zizhu.mjs', 'decode', 'printer-status', '--request', '100404', '72'], { cwd: process.cwd() });
    expect(ok.stdout.trim()).toBe('{"faults":["PRINTER_PAPER_OUT"],"warnings":[],"completionId":null}');
    const bad = await exec(process.execPath, ['bin/zizhu.mjs', 'decode', 'printer-status', 'zz'], { cwd: process.cwd() }).catch((e: { code: number; stderr: string; stdout: string }) => e);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect((bad as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  }, 20_000);
});
