import { describe, it, expect } from 'vitest';
import { classifyScan, redactScan } from './classify.ts';

describe('classifyScan', () => {
  it('WeChat Pay payment code: 18 digits starting 10–15', () => {
    for (const p of ['10', '11', '12', '13', '14', '15']) expect(classifyScan(`${p}${'3'.repeat(16)}`)).toBe('wechat-pay');
    expect(classifyScan('134567890123456789')).toBe('wechat-pay');
    expect(classifyScan('16' + '3'.repeat(16))).toBe('text');
    expect(classifyScan('13' + '3'.repeat(15))).toBe('text'); // 17 digits
    expect(classifyScan('13' + '3'.repeat(17))).toBe('text'); // 19 digits
  });
  it('Alipay payment code: 16–24 digits starting 25–30', () => {
    for (const p of ['25', '26', '27', '28', '29', '30']) {
      expect(classifyScan(`${p}${'1'.repeat(14)}`)).toBe('alipay');
      expect(classifyScan(`${p}${'1'.repeat(22)}`)).toBe('alipay');
    }
    expect(classifyScan('281234567890123456')).toBe('alipay');
    expect(classifyScan('24' + '1'.repeat(16))).toBe('text');
    expect(classifyScan('31' + '1'.repeat(16))).toBe('text');
    expect(classifyScan('28' + '1'.repeat(13))).toBe('text'); // 15 digits
    expect(classifyScan('28' + '1'.repeat(23))).toBe('text'); // 25 digits
  });
  it('medical-insurance e-voucher: 424 + 25 digits (the published example)', () => {
    expect(classifyScan('4243669509084040896099330000')).toBe('medical-insurance-voucher');
    expect(classifyScan('424366950908404089609933000')).toBe('text'); // 27
    expect(classifyScan('4253669509084040896099330000')).toBe('text');
  });
  it('everything else is text; surrounding whitespace is ignored', () => {
    expect(classifyScan(' 134567890123456789\r')).toBe('wechat-pay');
    expect(classifyScan('https://example.org/?a=1')).toBe('text');
    expect(classifyScan('')).toBe('text');
    expect(classifyScan('１３４５６７８９０１２３４５６７８９')).toBe('text'); // full-width digits are not a code
  });
});

describe('redactScan', () => {
  it('keeps 4+4 characters of a credential, nothing more', () => {
    expect(redactScan('134567890123456789')).toBe('1345**********6789');
    expect(redactScan('4243669509084040896099330000')).toBe('4243********************0000');
  });
  it('cuts a long web address; masks any other text like a credential (an e-social-security QR arrives as text)', () => {
    const url = `https://example.cn/${'x'.repeat(100)}`;
    expect(redactScan(url)).toBe(`${url.slice(0, 64)}…`);
    expect(redactScan('ESSC4403ab12cd34ef56ab12cd34ef56')).toBe(`ESSC${'*'.repeat(24)}ef56`);
    expect(redactScan('hello')).toBe('*****');
  });
});
