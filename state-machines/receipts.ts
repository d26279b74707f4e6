/**
 * What the flows print, as PrintJob JSON (drivers/printer/job.ts). Pure functions: the same
 * statement and kiosk always give the same receipt.
 *
 * Personal data on paper (decided):
 * - Provident-fund statement: printed *for* its holder, who may need it as proof (a loan, a
 *   rental): the holder's name is printed in full; the ID number is masked in the middle
 *   (`4201**********1234`), so a statement left in the tray does not give away the number. The
 *   statement number and verification QR are what a third party uses to check it.
 * - Registration slip: carried to the clinic and often thrown away: the name is masked (`张**`),
 *   no ID number; the queue number and booking id identify the visit.
 */
import type { ProvidentFundStatement, StatementRow } from '../backends/provident-fund/types.ts';
import type { Registration } from '../backends/his/types.ts';
import type { PrintJob, ReceiptLine } from '../drivers/printer/job.ts';
import { maskIdNumber, maskName } from '../contracts/pii.ts';

/** Who printed it: printed at the foot of every receipt. */
export interface KioskIdentity {
  /** e.g. "sz-futian-gov-0001" */
  id: string;
  /** e.g. "福田区政务服务中心 24小时自助终端 1号" */
  name: string;
  /** service hotline, e.g. "12345" */
  hotline?: string;
}

/** Fen → "1,234.56" (with "-" or, when `signed`, "+" in front). */
export function yuan(fen: number, signed = false): string {
  const sign = fen < 0 ? '-' : signed && fen > 0 ? '+' : '';
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/** rows printed at most (the rest of the job stays well under PrintJob's 2000 lines) */
export const MAX_STATEMENT_ROWS = 1900;

const ACCOUNT_STATUS: Record<ProvidentFundStatement['accountStatus'], string> = { normal: '正常', sealed: '封存', closed: '销户' };

/** "2025-11-25T14:03:00+08:00" → "2025-11-25 14:03" (as the centre wrote it; no zone conversion). */
function isoMinute(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}

function footer(kiosk: KioskIdentity): ReceiptLine[] {
  const lines: ReceiptLine[] = [{ kind: 'text', text: `打印终端：${kiosk.name}（${kiosk.id}）`, align: 'left' }];
  if (kiosk.hotline) lines.push({ kind: 'text', text: `服务热线：${kiosk.hotline}` });
  return lines;
}

function statementRow(r: StatementRow): ReceiptLine {
  return { kind: 'pair', label: `${r.date} ${r.description}`, value: `${yuan(r.amountFen, true)} / ${yuan(r.balanceFen)}` };
}

/** 住房公积金缴存明细 for its holder. */
export function statementReceipt(statement: ProvidentFundStatement, kiosk: KioskIdentity): PrintJob {
  const s = statement;
  const lines: ReceiptLine[] = [
    { kind: 'text', text: '住房公积金缴存明细', align: 'center', bold: true, width: 2, height: 2 },
    { kind: 'rule', style: 'double' },
    { kind: 'pair', label: '姓名', value: s.holderName },
    { kind: 'pair', label: '证件号码', value: maskIdNumber(s.idNumber) },
    { kind: 'pair', label: '个人账号', value: s.accountNumber },
    { kind: 'pair', label: '单位名称', value: s.employer },
    { kind: 'pair', label: '账户状态', value: ACCOUNT_STATUS[s.accountStatus] ?? s.accountStatus },
    { kind: 'pair', label: '月缴存额（元）', value: yuan(s.monthlyDepositFen) },
    { kind: 'pair', label: '账户余额（元）', value: yuan(s.balanceFen), bold: true },
    { kind: 'pair', label: '查询期间', value: `${s.period.from} 至 ${s.period.to}` },
    { kind: 'rule' },
  ];
  if (s.rows.length === 0) {
    lines.push({ kind: 'text', text: '本期间无缴存、提取记录', align: 'center' });
  } else {
    lines.push({ kind: 'pair', label: '日期 摘要', value: '发生额 / 余额（元）', bold: true });
    // a print job holds at most 2000 lines: the newest rows, and a note for the rest
    const shown = s.rows.slice(-MAX_STATEMENT_ROWS);
    if (shown.length < s.rows.length) lines.push({ kind: 'text', text: `（较早的 ${s.rows.length - shown.length} 条记录未打印，请缩短查询期间或到柜台打印）` });
    for (const r of shown) lines.push(statementRow(r));
  }
  lines.push(
    { kind: 'rule' },
    { kind: 'pair', label: '明细编号', value: s.statementNo },
    { kind: 'pair', label: '生成时间', value: isoMinute(s.generatedAt) },
  );
  if (s.verificationCode) {
    lines.push({ kind: 'qr', data: s.verificationCode, align: 'center', errorCorrection: 'M' }, { kind: 'text', text: '扫码或凭明细编号核验真伪', align: 'center' });
  }
  lines.push({ kind: 'text', text: '本明细仅供本人使用，请妥善保管。' }, ...footer(kiosk), { kind: 'feed', lines: 2 });
  return { title: '公积金缴存明细', lines, cut: 'full' };
}

/** 挂号凭条: the queue number large, where to go (the department's location from the HIS), what was paid. */
export function registrationSlip(registration: Registration, patient: { name: string }, kiosk: KioskIdentity, location: string | null = null): PrintJob {
  const r = registration;
  const lines: ReceiptLine[] = [
    { kind: 'text', text: '挂号凭条', align: 'center', bold: true, width: 2, height: 2 },
    { kind: 'rule', style: 'double' },
    { kind: 'text', text: `就诊序号 ${r.queueNumber}`, align: 'center', bold: true, width: 2, height: 2 },
    { kind: 'pair', label: '患者', value: maskName(patient.name) },
    { kind: 'pair', label: '科室', value: r.departmentName },
    ...(location ? [{ kind: 'pair' as const, label: '就诊地点', value: location, bold: true }] : []),
    { kind: 'pair', label: '医生', value: r.doctorName },
    { kind: 'pair', label: '就诊时间', value: `${r.date} ${r.time}` },
    { kind: 'pair', label: '挂号费（元）', value: yuan(r.feeFen), bold: true },
    { kind: 'rule' },
    { kind: 'pair', label: '挂号单号', value: r.bookingId },
  ];
  if (r.paymentOrderNo) lines.push({ kind: 'pair', label: '支付订单号', value: r.paymentOrderNo });
  lines.push(
    { kind: 'pair', label: '挂号时间', value: isoMinute(r.createdAt) },
    { kind: 'qr', data: r.bookingId, align: 'center', errorCorrection: 'M' },
    { kind: 'text', text: `请按就诊时间到${location ? `${location} ` : ''}${r.departmentName}候诊，过号请到分诊台。` },
    ...footer(kiosk),
    { kind: 'feed', lines: 2 },
  );
  return { title: '挂号凭条', lines, cut: 'full' };
}
