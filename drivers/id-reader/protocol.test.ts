import { describe, expect, it } from 'vitest';
import {
  MAX_FRAME_BYTES,
  SamCommand,
  SamDeframer,
  SamFrameError,
  decodeFrame,
  encodeFrame,
  encodeReply,
  encodeRequest,
  findCardRequest,
  hex,
  parseReply,
  readNewestAddressRequest,
  readSamIdRequest,
  readTextPhotoFingerprintRequest,
  readTextPhotoRequest,
  resetRequest,
  samStatusRequest,
  selectCardRequest,
  type SamDeframed,
} from './protocol.ts';

const h = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((x) => parseInt(x, 16)));

/**
 * Frames published by other implementations (not made by our encoder).
 * - heavyii/cardreader, src/com/dlrc/idcard/IdReader.java: CMD_FIND, CMD_FIND_SUCC, CMD_FIND_FAIL,
 *   CMD_SELECT, CMD_SELECT_SUCC, CMD_SELECT_FAIL, CMD_READ, CMD_READ_FAIL.
 * - a public Qt kiosk reader (ReadIdentifierCardInfo::slotPolling, FDX3S_CheckSecurityModuleState)
 *   compares the SAM status reply with "AA AA AA 96 69 00 04 00 00 90 94" and the find reply
 *   with "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97".
 */
const PUBLISHED = {
  findRequest: 'AA AA AA 96 69 00 03 20 01 22',
  findOk: 'AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97',
  findFail: 'AA AA AA 96 69 00 04 00 00 80 84',
  selectRequest: 'AA AA AA 96 69 00 03 20 02 21',
  selectOk: 'AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C',
  selectFail: 'AA AA AA 96 69 00 04 00 00 81 85',
  readRequest: 'AA AA AA 96 69 00 03 30 01 32',
  readFail: 'AA AA AA 96 69 00 04 00 00 41 45',
  samStatusOk: 'AA AA AA 96 69 00 04 00 00 90 94',
};

describe('published frames', () => {
  it('our request builders produce the bytes other readers send', () => {
    expect(hex(findCardRequest())).toBe(PUBLISHED.findRequest);
    expect(hex(selectCardRequest())).toBe(PUBLISHED.selectRequest);
    expect(hex(readTextPhotoRequest())).toBe(PUBLISHED.readRequest);
  });

  it('published replies decode with the right SW3', () => {
    const sw3 = (s: string) => parseReply(decodeFrame(h(s)).body).sw3;
    expect(sw3(PUBLISHED.findOk)).toBe(0x9f);
    expect(sw3(PUBLISHED.findFail)).toBe(0x80);
    expect(sw3(PUBLISHED.selectOk)).toBe(0x90);
    expect(sw3(PUBLISHED.selectFail)).toBe(0x81);
    expect(sw3(PUBLISHED.readFail)).toBe(0x41);
    expect(sw3(PUBLISHED.samStatusOk)).toBe(0x90);
    expect(parseReply(decodeFrame(h(PUBLISHED.selectOk)).body).data).toEqual(new Uint8Array(8));
  });

  it('our reply encoder reproduces the published replies byte for byte', () => {
    expect(hex(encodeReply(0x9f, [0, 0, 0, 0]))).toBe(PUBLISHED.findOk);
    expect(hex(encodeReply(0x80))).toBe(PUBLISHED.findFail);
    expect(hex(encodeReply(0x90, new Uint8Array(8)))).toBe(PUBLISHED.selectOk);
    expect(hex(encodeReply(0x81))).toBe(PUBLISHED.selectFail);
    expect(hex(encodeReply(0x41))).toBe(PUBLISHED.readFail);
    expect(hex(encodeReply(0x90))).toBe(PUBLISHED.samStatusOk);
  });

  it('the 30 01 reply header matches the one published readers check for', () => {
    // "AA AA AA 96 69 05 08 00 00 90 01 00 04 00" + 256 text + 1024 photo + 1 checksum = 1295 bytes
    // (public Qt ReadIdentifierCardInfoUtil::Parse and several Android readers compare this prefix)
    const data = new Uint8Array(4 + 256 + 1024);
    data.set([0x01, 0x00, 0x04, 0x00]);
    const frame = encodeReply(0x90, data);
    expect(frame.length).toBe(1295);
    expect(hex(frame.subarray(0, 14))).toBe('AA AA AA 96 69 05 08 00 00 90 01 00 04 00');
    // 30 10 with an empty fingerprint block: published success prefix "aaaaaa9669050a000090"
    expect(hex(encodeReply(0x90, new Uint8Array(6 + 256 + 1024)).subarray(0, 10), '')).toBe('AAAAAA9669050A000090');
  });
});

describe('requests', () => {
  it('every command: CMD PARA and checksum', () => {
    expect(hex(resetRequest())).toBe('AA AA AA 96 69 00 03 10 FF EC');
    expect(hex(samStatusRequest())).toBe('AA AA AA 96 69 00 03 11 FF ED');
    expect(hex(readSamIdRequest())).toBe('AA AA AA 96 69 00 03 12 FF EE');
    expect(hex(readTextPhotoFingerprintRequest())).toBe('AA AA AA 96 69 00 03 30 10 23');
    expect(hex(readNewestAddressRequest())).toBe('AA AA AA 96 69 00 03 30 03 30');
    expect(hex(encodeRequest(SamCommand.FIND_CARD, [0xab]))).toBe('AA AA AA 96 69 00 04 20 01 AB 8E');
  });

  it('refuses bodies that cannot be framed', () => {
    expect(() => encodeFrame([0x20])).toThrow(RangeError);
    expect(() => encodeFrame(new Uint8Array(0x090a))).toThrow(RangeError);
  });
});

describe('decodeFrame errors name what and where', () => {
  const err = (s: string | Uint8Array): SamFrameError => {
    try {
      decodeFrame(typeof s === 'string' ? h(s) : s);
    } catch (e) {
      expect(e).toBeInstanceOf(SamFrameError);
      return e as SamFrameError;
    }
    throw new Error('expected a SamFrameError');
  };

  it('bad preamble at the first wrong byte', () => {
    const e = err('AA AA AB 96 69 00 04 00 00 90 94');
    expect([e.code, e.offset]).toEqual(['BAD_PREAMBLE', 2]);
  });
  it('truncated: offset is where the bytes ran out', () => {
    expect([err('AA AA AA 96 69 00').code, err('AA AA AA 96 69 00').offset]).toEqual(['TRUNCATED', 6]);
    const e = err('AA AA AA 96 69 00 08 00 00 9F 00 00');
    expect([e.code, e.offset]).toEqual(['TRUNCATED', 12]);
    expect(e.message).toMatch(/says 15 bytes.*only 12/);
  });
  it('impossible length at offset 5', () => {
    expect([err('AA AA AA 96 69 00 02 00 02').code, err('AA AA AA 96 69 00 02 00 02').offset]).toEqual(['BAD_LENGTH', 5]);
    expect(err('AA AA AA 96 69 FF FF 00').code).toBe('BAD_LENGTH');
  });
  it('wrong length: extra bytes after the declared end', () => {
    const e = err('AA AA AA 96 69 00 04 00 00 90 94 00');
    expect([e.code, e.offset]).toEqual(['WRONG_LENGTH', 11]);
  });
  it('wrong checksum at the checksum byte', () => {
    const e = err('AA AA AA 96 69 00 04 00 00 90 95');
    expect([e.code, e.offset]).toEqual(['BAD_CHECKSUM', 10]);
    expect(e.message).toContain('94');
  });
  it('a request is not a reply', () => {
    expect(() => parseReply(decodeFrame(h(PUBLISHED.findRequest)).body)).toThrow(/looks like a request \(find card 20 01/);
  });
});

describe('SamDeframer', () => {
  const frames = (items: SamDeframed[]) => items.flatMap((i) => ('frame' in i ? [hex(i.frame.body)] : []));
  const errors = (items: SamDeframed[]) => items.flatMap((i) => ('error' in i ? [[i.error.code, i.error.offset] as const] : []));

  it('cuts back-to-back frames delivered one byte at a time', () => {
    const d = new SamDeframer();
    const stream = new Uint8Array([...h(PUBLISHED.findOk), ...h(PUBLISHED.selectOk), ...h(PUBLISHED.readFail)]);
    const out: SamDeframed[] = [];
    for (const b of stream) out.push(...d.push(Uint8Array.of(b)));
    expect(frames(out)).toEqual(['00 00 9F 00 00 00 00', '00 00 90 00 00 00 00 00 00 00 00', '00 00 41']);
    expect(errors(out)).toEqual([]);
    expect(d.bufferedBytes).toBe(0);
  });

  it('resynchronises on garbage and reports where it was', () => {
    const d = new SamDeframer();
    const out = d.push(new Uint8Array([0x01, 0x02, 0xaa, 0xaa, ...h(PUBLISHED.samStatusOk), 0x55]));
    expect(frames(out)).toEqual(['00 00 90']);
    expect(errors(out)).toEqual([
      ['BAD_PREAMBLE', 0],
      ['BAD_PREAMBLE', 15],
    ]);
  });

  it('rejects a bad checksum, then finds the real frame behind it', () => {
    const d = new SamDeframer();
    const bad = h('AA AA AA 96 69 00 04 00 00 90 00');
    const out = d.push(new Uint8Array([...bad, ...h(PUBLISHED.findFail)]));
    expect(errors(out)).toEqual([['BAD_CHECKSUM', 10]]);
    expect(frames(out)).toEqual(['00 00 80']);
  });

  it('a fake preamble with a long length does not hide a real frame once the bytes are in', () => {
    const d = new SamDeframer();
    // fake header claims 20 bytes; the real frame starts inside its claimed body
    const fake = h('AA AA AA 96 69 00 14');
    const out = d.push(new Uint8Array([...fake, ...h(PUBLISHED.findFail), ...new Uint8Array(12)]));
    expect(errors(out).map((e) => e[0])).toContain('BAD_CHECKSUM');
    expect(frames(out)).toEqual(['00 00 80']);
  });

  it('rejects impossible lengths and keeps going', () => {
    const d = new SamDeframer();
    const out = d.push(new Uint8Array([...h('AA AA AA 96 69 FF FF'), ...h(PUBLISHED.selectFail)]));
    expect(errors(out)).toEqual([['BAD_LENGTH', 5]]);
    expect(frames(out)).toEqual(['00 00 81']);
  });

  it('stream offsets continue across pushes; reset drops a partial frame', () => {
    const d = new SamDeframer();
    d.push(h('00 00 00'));
    const partial = h(PUBLISHED.findOk).subarray(0, 9);
    d.push(partial);
    expect(d.bufferedBytes).toBe(9);
    const e = d.reset();
    expect(e?.code).toBe('TRUNCATED');
    expect(d.bufferedBytes).toBe(0);
    const out = d.push(h('77 ' + PUBLISHED.findFail));
    expect(errors(out)).toEqual([['BAD_PREAMBLE', 12]]);
    expect(frames(out)).toEqual(['00 00 80']);
  });

  it('never buffers more than one maximum frame', () => {
    const d = new SamDeframer();
    d.push(h('AA AA AA 96 69 09 0A'));
    for (let i = 0; i < 50; i++) {
      d.push(new Uint8Array(100));
      expect(d.bufferedBytes).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    }
    expect(d.bufferedBytes).toBe(0); // the 2321-byte "frame" completed with a bad checksum and was dropped
  });

  it('hands out copies: frames survive the caller reusing its chunk buffer', () => {
    const d = new SamDeframer();
    const chunk = h(PUBLISHED.findFail);
    const [item] = d.push(chunk);
    chunk.fill(0);
    expect(item && 'frame' in item && hex(item.frame.body)).toBe('00 00 80');
  });
});
