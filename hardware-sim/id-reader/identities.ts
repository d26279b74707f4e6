import type { IdCard } from '../../drivers/id-reader/card.ts';

/**
 * Cards the simulated reader can hold. All persons are invented: names say 测试/TEST, numbers
 * use real region codes with made-up birth dates and sequence numbers, check digits are valid
 * (ISO 7064 MOD 11-2) so the driver's validation passes as it would with a genuine card.
 */
export interface SimIdentity {
  /** short handle used by `zizhu sim id-reader card-on {"identity":"…"}` */
  id: string;
  label: string;
  card: IdCard;
  /** what a 30 03 (newest address) read returns; absent → SW3 91 (no content) */
  newestAddress?: string;
}

export const SAMPLE_IDENTITIES: readonly SimIdentity[] = [
  {
    id: 'resident',
    label: '居民身份证 resident ID, valid 20 years',
    card: {
      kind: 'resident',
      name: '张测试',
      sex: 'male',
      nation: '汉',
      nationCode: '01',
      birthDate: '1990-03-07',
      address: '北京市东城区测试胡同1号',
      idNumber: '110101199003071233',
      idNumberValid: true,
      authority: '北京市公安局东城分局',
      validFrom: '2020-05-01',
      validTo: '2040-05-01',
    },
  },
  {
    id: 'resident-longterm',
    label: '居民身份证 resident ID, valid 长期, with a newest address',
    card: {
      kind: 'resident',
      name: '李长期测试',
      sex: 'female',
      nation: '蒙古',
      nationCode: '02',
      birthDate: '1958-01-01',
      address: '北京市海淀区样例路2号院3号楼4单元501室',
      idNumber: '110108195801010028',
      idNumberValid: true,
      authority: '北京市公安局海淀分局',
      validFrom: '2015-08-20',
      validTo: '长期',
    },
    newestAddress: '北京市朝阳区迁居测试街8号',
  },
  {
    id: 'foreigner',
    label: '外国人永久居留身份证 foreigner permanent residence card (2017 edition, I)',
    card: {
      kind: 'foreigner',
      name: '泰斯特',
      sex: 'male',
      nation: '',
      nationCode: '',
      birthDate: '1990-01-01',
      address: '',
      idNumber: 'CAN110090010101',
      idNumberValid: true,
      authority: '1100',
      validFrom: '2019-06-16',
      validTo: '2029-06-16',
      englishName: 'TESTER, SAMPLE JOHN',
      nationality: 'CAN',
      cardNumber: 'CAN110090010101',
    },
  },
  {
    id: 'foreigner-2023',
    label: '外国人永久居留身份证 foreigner permanent residence card (2023 edition, Y)',
    card: {
      kind: 'foreigner',
      name: '爱丽丝测试',
      sex: 'female',
      nation: '',
      nationCode: '',
      birthDate: '1985-04-12',
      address: '',
      idNumber: '931840198504120015',
      idNumberValid: true,
      authority: '',
      validFrom: '2024-01-10',
      validTo: '2034-01-10',
      englishName: 'TESTPERSON, ALICE EXAMPLE',
      nationality: 'USA',
      cardNumber: '931840198504120015',
    },
  },
  {
    id: 'permit',
    label: '港澳台居民居住证 HK/Macao/Taiwan residence permit (Hong Kong)',
    card: {
      kind: 'permit',
      name: '陈测试',
      sex: 'female',
      nation: '',
      nationCode: '',
      birthDate: '1995-06-15',
      address: '广东省深圳市福田区样例大道100号',
      idNumber: '810000199506150041',
      idNumberValid: true,
      authority: '深圳市公安局',
      validFrom: '2021-09-01',
      validTo: '2026-09-01',
      passNumber: 'H12345678',
      issueCount: 1,
    },
  },
];
