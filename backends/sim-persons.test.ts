import { describe, expect, it } from 'vitest';
import { SAMPLE_IDENTITIES } from '../hardware-sim/id-reader/identities.ts';
import { classifyScan } from '../drivers/scanner/classify.ts';
import { looksLikePaymentCode } from '../state-machines/payment.machine.ts';
import { SIM_PERSONS, insuranceVoucherFor, socialSecurityCodeFor } from './sim-persons.ts';

describe('the simulated people and their codes', () => {
  it('are exactly the holders of the simulated ID reader’s sample cards', () => {
    expect(SIM_PERSONS.map((p) => ({ id: p.identityId, name: p.name, idNumber: p.idNumber }))).toEqual(
      SAMPLE_IDENTITIES.map((i) => ({ id: i.id, name: i.card.name, idNumber: i.card.idNumber })),
    );
  });

  it('give each person one stable 医保电子凭证 in the NHSA layout, which the scanner classifies as a voucher', () => {
    const vouchers = SIM_PERSONS.map((p) => insuranceVoucherFor(p.identityId));
    expect(new Set(vouchers).size).toBe(SIM_PERSONS.length);
    for (const [i, v] of vouchers.entries()) {
      expect(v).toMatch(/^424\d{17}\d{2}\d{2}0000$/);
      expect(v.slice(22, 24)).toBe(SIM_PERSONS[i]!.region);
      expect(classifyScan(v)).toBe('medical-insurance-voucher');
      expect(looksLikePaymentCode(v)).toBe(false);
      expect(insuranceVoucherFor(SIM_PERSONS[i]!.identityId)).toBe(v);
      const expired = insuranceVoucherFor(SIM_PERSONS[i]!.identityId, 'expired');
      expect(expired).not.toBe(v);
      expect(classifyScan(expired)).toBe('medical-insurance-voucher');
    }
  });

  it('give each person one stable 电子社保卡 code that the scanner reads as plain text, never as a payment code or voucher', () => {
    const codes = SIM_PERSONS.flatMap((p) => [socialSecurityCodeFor(p.identityId), socialSecurityCodeFor(p.identityId, 'expired')]);
    expect(new Set(codes).size).toBe(SIM_PERSONS.length * 2);
    for (const c of codes) {
      expect(c).toMatch(/^ESSC\d{2}[0-9A-F]{24}$/);
      expect(classifyScan(c)).toBe('text');
      expect(looksLikePaymentCode(c)).toBe(false);
    }
  });

  it('names the known identities when asked for an unknown one', () => {
    expect(() => insuranceVoucherFor('nobody')).toThrow(/resident, resident-longterm/);
    expect(() => socialSecurityCodeFor('nobody')).toThrow(/no simulated person "nobody"/);
  });
});
