import { textColumns } from './gb18030.ts';
import type { PrintJob, ReceiptLine } from './job.ts';

/**
 * Sample print jobs: the 40-line housing-provident-fund statement the gov-24h kiosk prints
 * (the bench's `print_verify_overhead_ms` job), and the test page staff print from the maintenance
 * screen and `zizhu doctor --test-print` prints. Personal data in them is already masked; amounts
 * are deterministic.
 */

/** One short page that exercises GB18030 text, ASCII, a QR code and the cut: a verified test print. */
export const TEST_PAGE: PrintJob = {
  title: '打印测试 / Test print',
  lines: [
    { kind: 'text', text: '自助终端打印测试', align: 'center', width: 2, height: 2 },
    { kind: 'rule' },
    { kind: 'text', text: '中文 GB18030：公积金 挂号 ￥12.50' },
    { kind: 'text', text: 'ASCII: 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ' },
    { kind: 'qr', data: 'https://zizhu.example.cn/test-print' },
    { kind: 'feed', lines: 2 },
  ],
};

export interface ProvidentFundStatementOptions {
  /** masked name as printed (default 张**) */
  name?: string;
  /** masked ID number as printed */
  idNumber?: string;
  /** monthly rows (default 24, which makes a 40+ line receipt) */
  months?: number;
  /** printed "as of" time */
  printedAt?: Date;
  centre?: string;
}

function padCols(s: string, cols: number): string {
  return s + ' '.repeat(Math.max(0, cols - textColumns(s)));
}
function padStartCols(s: string, cols: number): string {
  return ' '.repeat(Math.max(0, cols - textColumns(s))) + s;
}
function yuan(fen: number): string {
  const s = (fen / 100).toFixed(2);
  const [i, d] = s.split('.') as [string, string];
  return `¥${i.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${d}`;
}
function ymd(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A housing-provident-fund deposit statement (住房公积金个人缴存明细): ≥ 40 printed lines of mostly Chinese text, a QR code, a cut. */
export function providentFundStatementJob(opts: ProvidentFundStatementOptions = {}): PrintJob {
  const months = opts.months ?? 24;
  const monthly = 296_280; // fen: ¥2,962.80 (employee + employer, 12% + 12% of ¥12,345 base)
  const printedAt = opts.printedAt ?? new Date(2025, 10, 25, 22, 4);
  let balance = 1_234_567;
  const rows: ReceiptLine[] = [];
  for (let i = months - 1; i >= 0; i--) {
    const d = new Date(printedAt.getFullYear(), printedAt.getMonth() - i - 1, 1);
    balance += monthly;
    const ym = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
    const kind = i % 12 === 5 ? '结息' : '汇缴';
    const amount = kind === '结息' ? Math.round(balance * 0.015) : monthly;
    if (kind === '结息') balance += amount - monthly;
    rows.push({ kind: 'text', text: padCols(ym, 10) + padCols(kind, 8) + padStartCols(yuan(amount), 14) + padStartCols(yuan(balance), 16) });
  }
  const total = rows.length * monthly;
  return {
    title: '住房公积金个人缴存明细',
    lines: [
      { kind: 'text', text: '住房公积金个人缴存明细', align: 'center', bold: true, width: 2, height: 2 },
      { kind: 'text', text: opts.centre ?? '武汉住房公积金管理中心', align: 'center' },
      { kind: 'rule', style: 'double' },
      { kind: 'pair', label: '姓名', value: opts.name ?? '张**' },
      { kind: 'pair', label: '证件号码', value: opts.idNumber ?? '4201**********1234' },
      { kind: 'pair', label: '个人账号', value: '1020****5678' },
      { kind: 'pair', label: '单位名称', value: '武汉市某某科技有限公司' },
      { kind: 'pair', label: '缴存状态', value: '正常缴存' },
      { kind: 'pair', label: '缴存基数', value: yuan(1_234_500) },
      { kind: 'pair', label: '月缴存额（个人＋单位）', value: yuan(monthly), bold: true },
      { kind: 'pair', label: '账户余额', value: yuan(balance), bold: true },
      { kind: 'rule' },
      { kind: 'text', text: padCols('年月', 10) + padCols('业务', 8) + padStartCols('发生额', 14) + padStartCols('余额', 16), bold: true },
      { kind: 'rule' },
      ...rows,
      { kind: 'rule' },
      { kind: 'pair', label: `近${rows.length}个月缴存合计`, value: yuan(total) },
      { kind: 'pair', label: '打印时间', value: ymd(printedAt) },
      { kind: 'qr', data: `https://gjj.example.gov.cn/verify?doc=GJJ${printedAt.getTime().toString(36).toUpperCase()}`, moduleSize: 5, errorCorrection: 'M' },
      { kind: 'text', text: '扫描二维码核验本凭证真伪', align: 'center' },
      { kind: 'text', text: '本凭证仅供参考 – 以公积金中心系统记录为准。如有疑问请致电 12329 或到服务大厅咨询。', align: 'left' },
      { kind: 'text', text: '24小时自助服务 · 感谢您的使用', align: 'center' },
    ],
  };
}
