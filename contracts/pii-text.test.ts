import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isIdKey, isNameKey, maskPersonalData, maskPersonalText } from './pii.ts';

describe('maskPersonalText: labelled names and ID numbers in free text', () => {
  it.each([
    ['name: 张三 printed', 'name: 张** printed'],
    ['Name=ZHANG SAN, age 30', 'Name=Z**, age 30'],
    ['{"name":"张三","idNumber":"11010519491231002X"}', '{"name":"张**","idNumber":"1101**********002X"}'],
    ["patient_name='李四'", "patient_name='李**'"],
    ['姓名：阿卜杜拉·买买提，身份证号：110101199003074258', '姓名：阿**，身份证号：1101**********4258'],
    ['患者姓名: 欧阳娜娜;', '患者姓名: 欧**;'],
    ['passNumber=H12345678 done', 'passNumber=H123*5678 done'],
    ['证件号码：ABC123456789012', '证件号码：ABC1*******9012'],
    ['old id 110105491231002.', 'old id 1101*******1002.'],
    ['Name: 𠮷野家', 'Name: 𠮷**'],
  ])('%s', (input, expected) => {
    expect(maskPersonalText(input)).toBe(expected);
  });

  it('leaves text without personal data alone', () => {
    for (const text of [
      'hostname: kiosk-01',
      'filename=agent.log',
      'order 202511251430120001 txn 4200001234202511251234567890 at 1764072000000',
      'printer serial:/dev/ttyS1@38400 paper near end',
      '号码 12345 热线',
    ])
      expect(maskPersonalText(text)).toBe(text);
  });

  it('is idempotent: masking masked text changes nothing', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('name: 张三', '姓名：王小明', 'idNo=11010519491231002X', '110105491231002', 'passNumber: H12345678'), fc.string(), (a, personal, b) => {
        const once = maskPersonalText(`${a} ${personal} ${b}`);
        expect(maskPersonalText(once)).toBe(once);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('maskPersonalData: keys and errors', () => {
  it('matches name and ID keys regardless of case and separators', () => {
    expect(isNameKey('patient_name')).toBe(true);
    expect(isNameKey('PatientName')).toBe(true);
    expect(isIdKey('id-number')).toBe(true);
    expect(isNameKey('hostname')).toBe(false);
    expect(maskPersonalData({ Patient_Name: '钱七', ID_NO: '110101199003074258' })).toEqual({ Patient_Name: '钱**', ID_NO: '1101**********4258' });
  });

  it('turns errors into masked plain objects and tells cycles from shared references', () => {
    const err = Object.assign(new TypeError('bad card for name: 李四'), { idNumber: '110101199003074258' });
    const shared = { name: '赵六' };
    const cyclic: Record<string, unknown> = { name: '孙八' };
    cyclic.self = cyclic;
    const out = maskPersonalData({ err, a: [shared, shared], cyclic }) as { err: { stack: string }; a: unknown; cyclic: unknown };
    expect(out.err).toMatchObject({ name: 'TypeError', message: 'bad card for name: 李**', idNumber: '1101**********4258' });
    expect(out.err.stack).toMatch(/^TypeError: bad card for name: 李\*\*/);
    expect(out.a).toEqual([{ name: '赵**' }, { name: '赵**' }]);
    expect(out.cyclic).toEqual({ name: '孙**', self: '[circular]' });
  });
});
