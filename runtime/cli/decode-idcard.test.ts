import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { captureIo, Exit } from './io.ts';
import { parseHex } from './decode-idcard.ts';
import { hex } from '../../drivers/id-reader/protocol.ts';
import type { IdCard } from '../../drivers/id-reader/card.ts';
import { readReplyFrame } from '../../hardware-sim/id-reader/simulator.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';

const identity = (id: string) => SAMPLE_IDENTITIES.find((i) => i.id === id)!;
const readFrameHex = (card: IdCard) => hex(readReplyFrame(card));

async function run(...args: string[]) {
  const io = captureIo();
  const code = await main(['decode', 'idcard', ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('zizhu decode idcard', () => {
  it('masks name and ID number by default (resident)', async () => {
    const r = await run(readFrameHex(identity('resident').card));
    expect(r.code).toBe(Exit.OK);
    expect(r.err).toEqual([]);
    expect(r.out).toHaveLength(1);
    expect(JSON.parse(r.out[0]!)).toEqual({
      sw3: '90',
      status: 'ok',
      card: {
        kind: 'resident',
        name: '张**',
        sex: 'male',
        nation: '汉',
        nationCode: '01',
        birthDate: '1990-03-07',
        address: '北京市东城区测试胡同1号',
        idNumber: '1101**********1233',
        idNumberValid: true,
        authority: '北京市公安局东城分局',
        validFrom: '2020-05-01',
        validTo: '2040-05-01',
      },
    });
  });

  it('--reveal prints everything; foreigner and permit add their fields', async () => {
    const f = await run('--reveal', readFrameHex(identity('foreigner').card));
    expect(JSON.parse(f.out[0]!)).toEqual({ sw3: '90', status: 'ok', card: identity('foreigner').card });
    const p = await run(readFrameHex(identity('permit').card), '--reveal');
    const card = JSON.parse(p.out[0]!).card;
    expect(card).toMatchObject({ kind: 'permit', passNumber: 'H12345678', issueCount: 1, name: '陈测试' });
    const masked = JSON.parse((await run(readFrameHex(identity('foreigner').card))).out[0]!).card;
    expect(masked).toMatchObject({ name: '泰**', englishName: 'T**', cardNumber: 'CAN1*******0101', nationality: 'CAN' });
  });

  it('status-only frames print status and sw3 alone; the hex may be split into words', async () => {
    const r = await run('AA', 'AA', 'AA', '96', '69', '00', '04', '00', '00', '80', '84');
    expect(r.code).toBe(Exit.OK);
    expect(r.out).toEqual(['{"sw3":"80","status":"no_card"}']);
    const s = await run('AA AA AA 96 69 00 04 00 00 90 94');
    expect(s.out).toEqual(['{"sw3":"90","status":"ok"}']);
    const sam = await run('aaaaaa9669000400006064');
    expect(sam.out).toEqual(['{"sw3":"60","status":"sam_self_test_failed"}']);
  });

  const bad: [string, string[], RegExp][] = [
    ['odd hex', ['AA AA AA 96 69 00 04 00 00 90 9'], /bad hex at byte offset 10: odd number of hex digits/],
    ['not hex', ['AA AA AA 96 69 00 04 00 00 9G 94'], /bad hex at byte offset 9: "G" is not a hex digit/],
    ['wrong checksum', ['AA AA AA 96 69 00 04 00 00 90 95'], /BAD_CHECKSUM at byte offset 10: wrong checksum 95/],
    ['truncated', ['AA AA AA 96 69 00 04 00 00 90'], /TRUNCATED at byte offset 10/],
    ['wrong length', ['AA AA AA 96 69 00 04 00 00 90 94 00 00'], /WRONG_LENGTH at byte offset 11/],
    ['impossible length', ['AA AA AA 96 69 FF FF 00 00 90 94'], /BAD_LENGTH at byte offset 5/],
    ['bad preamble', ['AA AA 55 96 69 00 04 00 00 90 94'], /BAD_PREAMBLE at byte offset 2/],
    ['a request', ['AA AA AA 96 69 00 03 20 01 22'], /BAD_REPLY at byte offset 9: .*request \(find card 20 01\)/],
    ['no frame', [], /no frame given/],
    ['unknown option', ['--pretty', 'AA'], /unknown option --pretty/],
  ];
  for (const [what, args, message] of bad) {
    it(`bad input (${what}) exits 2 with one line`, async () => {
      const r = await run(...args);
      expect(r.code).toBe(Exit.BAD_INPUT);
      expect(r.out).toEqual([]);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(message);
      expect(r.err[0]).not.toMatch(/\n|\s{4}at /);
    });
  }

  it('a read reply with a broken date names the byte offset of the field', async () => {
    const frame = readReplyFrame(identity('resident').card);
    // birth date field: text offset 14 + 36; make its month "13"
    frame[14 + 36 + 8] = 0x31;
    frame[14 + 36 + 10] = 0x33;
    frame[frame.length - 1] = frame.subarray(5, frame.length - 1).reduce((x, b) => x ^ b, 0);
    const r = await run(hex(frame));
    expect(r.code).toBe(Exit.BAD_INPUT);
    expect(r.err).toEqual([expect.stringMatching(/^zizhu decode idcard: BAD_CARD_TEXT at byte offset 50: birth date "19901307" is not a date/)]);
  });

  it('parseHex accepts spaces, newlines and 0x groups', () => {
    expect(hex(parseHex(' 0xAA aa\n0a 0B '))).toBe('AA AA 0A 0B');
  });

  it('runs as a real subprocess: node bin/zizhu.mjs decode idcard …', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const exec = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['bin/zizhu.mjs', 'decode', 'idcard', ...args], { cwd: root, timeout: 15_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      });
    const ok = await exec([readFrameHex(identity('resident-longterm').card)]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ sw3: '90', card: { name: '李**', validTo: '长期', nation: '蒙古' } });
    const bad = await exec(['AA AA AA 96 69 00 04 00 00 90 95']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/BAD_CHECKSUM at byte offset 10/)]);
  });
});
