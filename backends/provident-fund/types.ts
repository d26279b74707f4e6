import type { CallOptions } from '../errors.ts';

/** "YYYY-MM" */
export type YearMonth = string;

export interface StatementPeriod {
  from: YearMonth;
  to: YearMonth;
}

export interface StatementRow {
  /** YYYY-MM-DD */
  date: string;
  /** 汇缴 / 补缴 / 提取 / 结息 / 转入 / 转出 … */
  description: string;
  /** positive = deposit, negative = withdrawal, in fen */
  amountFen: number;
  balanceFen: number;
}

/** A housing-provident-fund account statement (住房公积金缴存明细). */
export interface ProvidentFundStatement {
  /** the centre's statement number, printed on the receipt for verification */
  statementNo: string;
  /** account number as the centre prints it (masked by the centre except the last 4) */
  accountNumber: string;
  holderName: string;
  idNumber: string;
  employer: string;
  /** 正常 / 封存 / 销户 */
  accountStatus: 'normal' | 'sealed' | 'closed';
  balanceFen: number;
  monthlyDepositFen: number;
  period: StatementPeriod;
  rows: StatementRow[];
  /** ISO timestamp */
  generatedAt: string;
  /** verification code / QR content printed on the statement */
  verificationCode: string;
}

/** Who an electronic social-security card (电子社保卡) QR code belongs to. */
export interface SocialSecurityPerson {
  name: string;
  idNumber: string;
}

/**
 * The provident-fund centre. Rejections: BackendError kind 'rejected' with code
 * `NO_ACCOUNT` (no account for this ID number), `PERIOD_INVALID` (period outside what the centre keeps);
 * for `personBySocialSecurityCode` (a scanned 电子社保卡 QR, resolved by the centre through the
 * social-security platform) `CODE_INVALID` (not a code it knows) or `CODE_EXPIRED` (the person must
 * refresh it on the phone). Both are reads.
 */
export interface ProvidentFundCentre {
  statement(req: { idNumber: string; period: StatementPeriod }, opts?: CallOptions): Promise<ProvidentFundStatement>;
  personBySocialSecurityCode(req: { code: string }, opts?: CallOptions): Promise<SocialSecurityPerson>;
}
