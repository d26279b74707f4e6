import { describe, expect, it } from 'vitest';
import {
  NATION_CODES,
  SEX_CODES,
  cardOfReadReply,
  decodeIdCardReply,
  encodeCardText,
  idNumberCheckChar,
  isValidIdNumber,
  newestAddressOfReply,
  parseCardText,
  textOfReadReply,
  type IdCard,
} from './card.ts';
import { SamFrameError, decodeFrame, encodeReply, parseReply } from './protocol.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';

/** Write UCS-2LE text into a 256-byte block at a byte offset, the way a card stores it. */
function block(fields: [offset: number, length: number, value: string][]): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i += 2) t[i] = 0x20;
  for (const [off, len, v] of fields) {
    for (let i = 0; i < len; i += 2) {
      const c = i / 2 < v.length ? v.charCodeAt(i / 2) : 0x20;
      t[off + i] = c & 0xff;
      t[off + i + 1] = c >> 8;
    }
  }
  return t;
}

function readReply(text: Uint8Array, fingerprint?: Uint8Array): Uint8Array {
  const head = fingerprint ? 6 : 4;
  const data = new Uint8Array(head + 256 + 1024 + (fingerprint?.length ?? 0));
  data.set([0x01, 0x00, 0x04, 0x00]);
  if (fingerprint) data.set([fingerprint.length >> 8, fingerprint.length & 0xff], 4);
  data.set(text, head);
  data.fill(0x77, head + 256, head + 256 + 1024); // photo
  if (fingerprint) data.set(fingerprint, head + 256 + 1024);
  return encodeReply(0x90, data);
}

describe('ID number check digit (ISO 7064 MOD 11-2)', () => {
  it('accepts the examples printed in GB 11643-1999', () => {
    // the standard's own worked examples
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('440524188001010014')).toBe(true);
    expect(idNumberCheckChar('11010519491231002')).toBe('X');
  });
  it('rejects a wrong check digit, wrong length and letters', () => {
    expect(isValidIdNumber('110105194912310020')).toBe(false);
    expect(isValidIdNumber('440524188001010015')).toBe(false);
    expect(isValidIdNumber('44052418800101001')).toBe(false);
    expect(isValidIdNumber('4405241880010100144')).toBe(false);
    expect(isValidIdNumber('H40524188001010014')).toBe(false);
  });
  it('every single-digit change of a valid number is caught', () => {
    const id = '440524188001010014';
    for (let i = 0; i < 18; i++) {
      for (const d of '0123456789X') {
        if (d === id[i] || (i < 17 && d === 'X')) continue;
        const changed = id.slice(0, i) + d + id.slice(i + 1);
        expect(isValidIdNumber(changed), changed).toBe(false);
      }
    }
  });
  it('every shipped simulator identity has a valid number', () => {
    for (const i of SAMPLE_IDENTITIES) expect(i.card.idNumberValid, i.id).toBe(true);
  });
});

describe('code tables', () => {
  it('has all 56 groups plus 97 and 98', () => {
    expect(Object.keys(NATION_CODES)).toHaveLength(58);
    expect(NATION_CODES['01']).toBe('汉');
    expect(NATION_CODES['56']).toBe('基诺');
    expect(NATION_CODES['97']).toBe('其他');
    expect(NATION_CODES['98']).toBe('外国血统中国籍人士');
  });
  it('sex codes 0 1 2 9', () => {
    expect(SEX_CODES['0']?.sex).toBe('unknown');
    expect(SEX_CODES['1']?.sex).toBe('male');
    expect(SEX_CODES['2']?.sex).toBe('female');
    expect(SEX_CODES['9']?.sex).toBe('unknown');
  });
});

describe('resident ID text', () => {
  // written field by field at the byte offsets of the published layout, not by our encoder
  const resident = block([
    [0, 30, '王测试'],
    [30, 2, '2'],
    [32, 4, '05'],
    [36, 16, '19870215'],
    [52, 70, '新疆乌鲁木齐市天山区测试路88号'],
    [122, 36, '11010519491231002X'],
    [158, 30, '乌鲁木齐市公安局天山分局'],
    [188, 16, '20100301'],
    [204, 16, '长期'],
  ]);

  it('parses every field', () => {
    expect(parseCardText(resident)).toEqual({
      kind: 'resident',
      name: '王测试',
      sex: 'female',
      nation: '维吾尔',
      nationCode: '05',
      birthDate: '1987-02-15',
      address: '新疆乌鲁木齐市天山区测试路88号',
      idNumber: '11010519491231002X',
      idNumberValid: true,
      authority: '乌鲁木齐市公安局天山分局',
      validFrom: '2010-03-01',
      validTo: '长期',
    });
  });

  it('from a whole 30 01 reply, photo dropped, key order as the CLI prints it', () => {
    const card = cardOfReadReply(parseReply(decodeFrame(readReply(resident)).body));
    expect(Object.keys(card)).toEqual(['kind', 'name', 'sex', 'nation', 'nationCode', 'birthDate', 'address', 'idNumber', 'idNumberValid', 'authority', 'validFrom', 'validTo']);
    expect(JSON.stringify(card)).not.toContain('w'); // 0x77 photo filler never surfaces
  });

  it('from a 30 10 reply (with fingerprint) the text sits at offset 16', () => {
    const reply = parseReply(decodeFrame(readReply(resident, new Uint8Array(1024).fill(1))).body);
    const t = textOfReadReply(reply);
    expect([t.textOffset, t.withFingerprint]).toEqual([16, true]);
    expect(parseCardText(t.text).name).toBe('王测试');
  });

  it('a malformed date is a typed error at the frame offset of the field', () => {
    const bad = resident.slice();
    // birth "19870215" → "19871315": month 13 (character k of the field sits at byte 36 + 2k)
    bad[36 + 8] = '1'.charCodeAt(0);
    bad[36 + 10] = '3'.charCodeAt(0);
    let caught: unknown;
    try {
      cardOfReadReply(parseReply(decodeFrame(readReply(bad)).body));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SamFrameError);
    expect((caught as SamFrameError).code).toBe('BAD_CARD_TEXT');
    expect((caught as SamFrameError).offset).toBe(14 + 36);
  });

  it('unknown nation codes and sex codes do not crash', () => {
    const odd = block([
      [0, 30, '测'],
      [30, 2, '9'],
      [32, 4, '77'],
      [36, 16, '20000229'],
      [122, 36, '110105200002294567'],
      [188, 16, '20200101'],
      [204, 16, '20300101'],
    ]);
    const c = parseCardText(odd);
    expect([c.sex, c.nation, c.nationCode, c.birthDate, c.idNumberValid]).toEqual(['unknown', '', '77', '2000-02-29', true]);
  });
});

describe('HK/Macao/Taiwan residence permit text (J)', () => {
  const permit = block([
    [0, 30, '林测试'],
    [30, 2, '1'],
    [36, 16, '19750830'],
    [52, 70, '福建省厦门市思明区样例路1号'],
    [122, 36, '830000197508300036'],
    [158, 30, '厦门市公安局'],
    [188, 16, '20190101'],
    [204, 16, '20240101'],
    [220, 18, '00012345'],
    [238, 4, '03'],
    [248, 2, 'J'],
  ]);
  it('adds pass number and issue count, no nation', () => {
    const c = parseCardText(permit);
    expect(c).toMatchObject({ kind: 'permit', name: '林测试', sex: 'male', nation: '', nationCode: '', passNumber: '00012345', issueCount: 3, validTo: '2024-01-01' });
    expect(c.idNumberValid).toBe(true);
    expect(Object.keys(c).slice(-2)).toEqual(['passNumber', 'issueCount']);
  });
});

describe('foreigner permanent residence card text', () => {
  it('2017 edition (I): its own layout', () => {
    const t = block([
      [0, 120, 'SAMPLE, TEST PERSON'],
      [120, 2, '2'],
      [122, 30, 'GBR310085061201'],
      [152, 6, 'GBR'],
      [158, 30, '萨测试'],
      [188, 16, '20180705'],
      [204, 16, '20280705'],
      [220, 16, '19850612'],
      [236, 4, '01'],
      [240, 8, '3100'],
      [248, 2, 'I'],
    ]);
    expect(parseCardText(t)).toEqual({
      kind: 'foreigner',
      name: '萨测试',
      sex: 'female',
      nation: '',
      nationCode: '',
      birthDate: '1985-06-12',
      address: '',
      idNumber: 'GBR310085061201',
      idNumberValid: true,
      authority: '3100',
      validFrom: '2018-07-05',
      validTo: '2028-07-05',
      englishName: 'SAMPLE, TEST PERSON',
      nationality: 'GBR',
      cardNumber: 'GBR310085061201',
    });
  });

  it('2017 edition without a Chinese name uses the English name; bad number format is flagged', () => {
    const t = block([
      [0, 120, 'NONAME, TEST'],
      [120, 2, '1'],
      [122, 30, 'USA31008506120'],
      [152, 6, 'GBR'],
      [188, 16, '20180705'],
      [204, 16, '20280705'],
      [220, 16, '19850612'],
      [248, 2, 'I'],
    ]);
    const c = parseCardText(t);
    expect(c.name).toBe('NONAME, TEST');
    expect(c.idNumberValid).toBe(false);
  });

  it('2023 edition (Y): 18-digit number with check digit, English name in two parts', () => {
    const t = block([
      [0, 30, '测试安'],
      [30, 2, '1'],
      [32, 4, '00'],
      [36, 16, '19700101'],
      [52, 70, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ ABCDEFGH'],
      [122, 36, '931840198504120015'],
      [188, 16, '20231201'],
      [204, 16, '20331201'],
      [220, 22, 'IJKLMNOPQRS'],
      [242, 6, 'USA'],
      [248, 2, 'Y'],
    ]);
    const c = parseCardText(t);
    expect(c).toMatchObject({ kind: 'foreigner', name: '测试安', sex: 'male', idNumberValid: true, nationality: 'USA', birthDate: '1970-01-01' });
    expect(c.kind === 'foreigner' && c.englishName).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ ABCDEFGH IJKLMNOPQRS');
  });

  it('an unknown type flag is a typed error at byte 248 of the text', () => {
    const t = block([[248, 2, 'Q']]);
    expect(() => parseCardText(t, 14)).toThrow(SamFrameError);
    try {
      parseCardText(t, 14);
    } catch (e) {
      expect((e as SamFrameError).offset).toBe(14 + 248);
    }
  });
});

describe('encodeCardText round-trips every kind', () => {
  for (const identity of SAMPLE_IDENTITIES) {
    it(identity.id, () => {
      expect(parseCardText(encodeCardText(identity.card))).toEqual(identity.card);
    });
  }
  it('refuses values that do not fit', () => {
    const c: IdCard = { ...(SAMPLE_IDENTITIES[0]!.card as IdCard), name: '一二三四五六七八九十一二三四五六' };
    expect(() => encodeCardText(c)).toThrow(/name/);
  });
});

describe('decodeIdCardReply', () => {
  it('status-only replies carry sw3 and status alone', () => {
    expect(decodeIdCardReply(encodeReply(0x80))).toEqual({ sw3: '80', status: 'no_card' });
    expect(decodeIdCardReply(encodeReply(0x9f, [0, 0, 0, 0]))).toEqual({ sw3: '9F', status: 'card_found' });
    expect(decodeIdCardReply(encodeReply(0x90, new Uint8Array(8)))).toEqual({ sw3: '90', status: 'ok' });
    expect(decodeIdCardReply(encodeReply(0x60))).toEqual({ sw3: '60', status: 'sam_self_test_failed' });
  });
  it('newest address (30 03)', () => {
    const data = block([[0, 70, '上海市浦东新区测试路9号']]).subarray(0, 70);
    const reply = encodeReply(0x90, data);
    expect(decodeIdCardReply(reply)).toEqual({ sw3: '90', status: 'ok', newestAddress: '上海市浦东新区测试路9号' });
    expect(newestAddressOfReply(parseReply(decodeFrame(reply).body))).toBe('上海市浦东新区测试路9号');
  });
  it('a read reply with a wrong photo length is a typed error at the length field', () => {
    const data = new Uint8Array(4 + 256 + 1000);
    data.set([0x01, 0x00, 0x03, 0xe8]);
    try {
      decodeIdCardReply(encodeReply(0x90, data));
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(SamFrameError);
      expect([(e as SamFrameError).code, (e as SamFrameError).offset]).toEqual(['BAD_REPLY', 12]);
    }
  });
  it('a read reply cut short is a typed wrong-length error', () => {
    const data = new Uint8Array(4 + 256 + 500);
    data.set([0x01, 0x00, 0x04, 0x00]);
    expect(() => decodeIdCardReply(encodeReply(0x90, data))).toThrow(/wrong length/);
  });
});
