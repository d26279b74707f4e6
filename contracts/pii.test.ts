import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskIdNumbersInText, maskName, maskPersonalData } from './pii.ts';

describe('personal data masking', () => {
  it('keeps the first and last four characters of an ID number', () => {
    expect(maskIdNumber('42010219900101123X')).toBe('4201**********123X');
    expect(maskIdNumber('420102900101123')).toBe('4201*******1123');
    expect(maskIdNumber('1234')).toBe('****');
  });

  it('keeps the first character of a name and hides its length', () => {
    expect(maskName('张三')).toBe('张**');
    expect(maskName('欧阳娜娜')).toBe('欧**');
    expect(maskName('ZHANG SAN')).toBe('Z**');
    expect(maskName('')).toBe('');
  });

  it('masks ID numbers inside free text but leaves other numbers alone', () => {
    expect(maskIdNumbersInText('card 110101199003074258 read')).toBe('card 1101**********4258 read');
    expect(maskIdNumbersInText('order 202611250001 at 1764072000000')).toBe('order 202611250001 at 1764072000000');
    // 19 digits is not an ID number
    expect(maskIdNumbersInText('1101011990030742581')).toBe('1101011990030742581');
  });

  it('masks names and ID numbers at any depth', () => {
    const masked = maskPersonalData({
      card: { name: '王小明', idNumber: '110101199003074258', nation: '汉' },
      list: [{ patientName: '李四' }, 'id 110101199003074258'],
    });
    expect(masked).toEqual({
      card: { name: '王**', idNumber: '1101**********4258', nation: '汉' },
      list: [{ patientName: '李**' }, 'id 1101**********4258'],
    });
  });
});
