/**
 * What was scanned, from its text alone. Rules and their sources:
 *
 * - WeChat Pay payment code (付款码, shown by the payer's phone): 18 digits, first two 10–15.
 *   WeChat Pay merchant docs, 付款码支付 "用户付款码规则：18位纯数字，以10、11、12、13、14、15开头".
 * - Alipay payment code: 16–24 digits, first two 25–30.
 *   Alipay open docs, 当面付 "支付宝付款码：25~30开头的长度为16~24位的数字".
 * - National medical-insurance e-voucher (国家医保电子凭证) QR: 28 characters,
 *   "424" (NHSA mark) + 17-digit unique number + 2 random digits + 2-digit province code +
 *   4-digit extension ("0000"), e.g. 424 36695090840408960 99 33 0000. Source: the code-generation
 *   rule quoted in a public NHSA-app iOS source (YLZScanViewController.m, 医保电子凭证二维码生成规则).
 *   Assumption: all 28 characters are digits (as in the example); the code is only an opaque
 *   token — decoding it is the medical-insurance platform's job (ec.query), never ours.
 * - Electronic social-security card (电子社保卡) QR: no public description of its content was
 *   found, so it is not recognised here and arrives as `text` (left for a later rule).
 * - Anything else: `text`.
 *
 * The rules are disjoint (lengths/prefixes do not overlap), so order does not matter.
 */
export type ScanKind = 'wechat-pay' | 'alipay' | 'medical-insurance-voucher' | 'text';

export function classifyScan(text: string): ScanKind {
  const t = text.trim();
  if (/^1[0-5]\d{16}$/.test(t)) return 'wechat-pay';
  if (/^(2[5-9]|30)\d{14,22}$/.test(t)) return 'alipay';
  if (/^424\d{25}$/.test(t)) return 'medical-insurance-voucher';
  return 'text';
}

/** true for codes that are a payment or insurance credential: never log them in full. */
export function isCredential(kind: ScanKind): boolean {
  return kind !== 'text';
}

/**
 * A scanned code as it may appear in logs, snapshots and HQ events: credentials keep their
 * first 4 and last 4 characters (`1341********4321`), and so does any text that is not a web
 * address; a web address is cut to 64 characters.
 */
export function redactScan(text: string, kind: ScanKind = classifyScan(text)): string {
  const t = text.trim();
  // an opaque token that is not a web address may be a credential nobody has described yet (the
  // e-social-security card's QR arrives as `text`): it is masked like one
  if (isCredential(kind) || !t.includes('://')) return t.length <= 8 ? '*'.repeat(t.length) : `${t.slice(0, 4)}${'*'.repeat(t.length - 8)}${t.slice(-4)}`;
  return t.length > 64 ? `${t.slice(0, 64)}…` : t;
}
