import { describe, expect, it } from 'vitest';
import type { ProvidentFundStatement } from '../backends/provident-fund/types.ts';
import type { Registration } from '../backends/his/types.ts';
import { PrintJobSchema } from '../drivers/printer/job.ts';
import { registrationSlip, statementReceipt, yuan } from './receipts.ts';

const KIOSK = { id: 'sz-futian-gov-0001', name: '福田区政务服务中心 24小时自助终端 1号', hotline: '12345' };
const STATEMENT: ProvidentFundStatement = {
  statementNo: 'GJJ2025112500001',
  accountNumber: '************5678',
  holderName: '欧阳娜娜',
  idNumber: '42010619900101123X',
  employer: '深圳市某某科技有限公司',
  accountStatus: 'sealed',
  balanceFen: 3_512_345,
  monthlyDepositFen: 240_000,
  period: { from: '2024-12', to: '2025-11' },
  rows: [
    { date: '2025-10-15', description: '汇缴', amountFen: 240_000, balanceFen: 3_272_345 },
    { date: '2025-11-02', description: '提取', amountFen: -1_000_000, balanceFen: 2_272_345 },
  ],
  generatedAt: '2025-11-25T22:03:41+08:00',
  verificationCode: 'https://gjj.example.cn/verify/GJJ2025112500001',
};
const text = (job: ReturnType<typeof statementReceipt>) =>
  job.lines.map((l) => (l.kind === 'text' ? l.text : l.kind === 'pair' ? `${l.label}=${l.value}` : l.kind === 'qr' ? `[qr ${l.data}]` : `[${l.kind}]`)).join('\n');

describe('receipts', () => {
  it('yuan: thousands separated, two decimals, signs', () => {
    expect(yuan(3_512_345)).toBe('35,123.45');
    expect(yuan(5)).toBe('0.05');
    expect(yuan(-1_000_000)).toBe('-10,000.00');
    expect(yuan(240_000, true)).toBe('+2,400.00');
    expect(yuan(0, true)).toBe('0.00');
  });

  it('statement: a valid print job for its holder — full name, ID number masked, figures, verification code', () => {
    const job = statementReceipt(STATEMENT, KIOSK);
    expect(PrintJobSchema.parse(job)).toEqual(job);
    const t = text(job);
    expect(t).toContain('姓名=欧阳娜娜');
    expect(t).toContain('证件号码=4201**********123X');
    expect(t).not.toContain('42010619900101123X');
    expect(t).toContain('账户状态=封存');
    expect(t).toContain('账户余额（元）=35,123.45');
    expect(t).toContain('查询期间=2024-12 至 2025-11');
    expect(t).toContain('2025-11-02 提取=-10,000.00 / 22,723.45');
    expect(t).toContain('生成时间=2025-11-25 22:03');
    expect(t).toContain('[qr https://gjj.example.cn/verify/GJJ2025112500001]');
    expect(t).toContain(KIOSK.id);
    expect(job.title).toBe('公积金缴存明细');
    expect(job.cut).toBe('full');
  });

  it('statement without rows says so, and is still valid', () => {
    const job = statementReceipt({ ...STATEMENT, rows: [], verificationCode: '' }, KIOSK);
    expect(PrintJobSchema.safeParse(job).success).toBe(true);
    expect(text(job)).toContain('本期间无缴存、提取记录');
    expect(job.lines.some((l) => l.kind === 'qr')).toBe(false);
  });

  it('registration slip: queue number large, name masked, no ID number, booking id as QR', () => {
    const reg: Registration = {
      bookingId: 'B20251125-0007',
      idempotencyKey: 'k',
      departmentId: 'D1',
      departmentName: '内科',
      doctorId: 'DR1',
      doctorName: '王医生',
      slotId: 'S1',
      date: '2025-11-25',
      time: '09:00-09:30',
      queueNumber: 7,
      feeFen: 5000,
      paymentOrderNo: 'regsession0001P1',
      status: 'booked',
      createdAt: '2025-11-25T08:41:00+08:00',
    };
    const job = registrationSlip(reg, { name: '张三' }, KIOSK);
    expect(PrintJobSchema.parse(job)).toEqual(job);
    const t = text(job);
    expect(job.lines).toContainEqual({ kind: 'text', text: '就诊序号 7', align: 'center', bold: true, width: 2, height: 2 });
    expect(t).toContain('患者=张**');
    expect(t).not.toContain('张三');
    expect(t).toContain('挂号费（元）=50.00');
    expect(t).toContain('[qr B20251125-0007]');
    expect(t).toContain('支付订单号=regsession0001P1');
    expect(t).not.toContain('就诊地点');
    // where to go: the department's location from the HIS, as a line and in the closing words
    const located = text(registrationSlip(reg, { name: '张三' }, KIOSK, '门诊楼二层A区'));
    expect(located).toContain('就诊地点=门诊楼二层A区');
    expect(located).toContain('请按就诊时间到门诊楼二层A区 内科候诊');
  });

  it('a statement with thousands of rows stays within the print job limits: the newest rows, and a note', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({ date: '2025-01-01', description: '汇缴', amountFen: i, balanceFen: i }));
    const job = statementReceipt({ ...STATEMENT, rows }, KIOSK);
    expect(PrintJobSchema.safeParse(job).success).toBe(true);
    expect(text(job)).toContain('较早的 600 条记录未打印');
    expect(text(job)).toContain('2025-01-01 汇缴=+24.99 / 24.99');
  });
});
