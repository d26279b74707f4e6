/**
 * Personal data masking. Nothing personal leaves the kiosk: names and ID numbers are
 * masked in logs, bridge snapshots and HQ events.
 *
 * - ID number: first 4 and last 4 kept, the rest starred: `4201**********1234`.
 * - Name: first character kept, then always `**` so the length is not revealed: `张**`.
 */
export function maskIdNumber(id: string): string {
  const s = id.trim();
  if (s.length <= 8) return '*'.repeat(s.length);
  return `${s.slice(0, 4)}${'*'.repeat(s.length - 8)}${s.slice(-4)}`;
}

export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '';
  return `${chars[0]}**`;
}

/**
 * Free-text patterns that are personal whatever key they sit under:
 * 18-digit resident ID numbers (last may be X), 15-digit old-style ID numbers,
 * and the 9-character HK/Macao/Taiwan and foreigner card numbers are covered by field keys instead.
 */
const ID_NUMBER_IN_TEXT =
  /(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])|(?<![0-9A-Za-z])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])/g;
// Only digit runs shaped like an ID number are masked: area code not starting with 0, a
// plausible birth date (YYYYMMDD in 18/19/20xx for 18 digits, YYMMDD for 15), so 18-digit
// order numbers such as 202511251430120001 (year 2514) and timestamps stay readable.

export function maskIdNumbersInText(text: string): string {
  return text.replace(ID_NUMBER_IN_TEXT, (m) => maskIdNumber(m));
}

/** Keys whose values are a person's name. */
export const NAME_KEYS = new Set(['name', 'englishName', 'patientName', 'holderName', 'fullName', 'chineseName']);
/** Keys whose values are an identity document number. */
export const ID_KEYS = new Set(['idNumber', 'cardNumber', 'passNumber', 'idNo', 'certNo', 'identityNumber']);

/** `patient_name`, `PatientName`, `patient-name` all count as `patientName`. */
function normalizeKey(key: string): string {
  return key.replace(/[_\-\s]/g, '').toLowerCase();
}
const NAME_KEYS_NORMALIZED = new Set([...NAME_KEYS].map(normalizeKey));
const ID_KEYS_NORMALIZED = new Set([...ID_KEYS].map(normalizeKey));

export function isNameKey(key: string): boolean {
  return NAME_KEYS_NORMALIZED.has(normalizeKey(key));
}
export function isIdKey(key: string): boolean {
  return ID_KEYS_NORMALIZED.has(normalizeKey(key));
}

/** Labels that introduce a name / an ID number in free text (Chinese forms and snake_case included). */
const NAME_LABELS = [...NAME_KEYS, ...[...NAME_KEYS].map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)), '姓名', '患者姓名', '英文姓名', '持卡人', '患者'];
const ID_LABELS = [
  ...ID_KEYS,
  ...[...ID_KEYS].map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)),
  '身份证号码',
  '身份证号',
  '公民身份号码',
  '证件号码',
  '证件号',
];
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const labelAlternatives = (labels: string[]) =>
  [...new Set(labels)]
    .sort((a, b) => b.length - a.length)
    .map(escapeRe)
    .join('|');
// `label` optionally quoted, then a separator (: = ：), then the value. A name value is an
// already masked name (left alone), quoted text, a run of CJK characters (· for minority
// names), Latin words (`Zhang San`), or any run up to a delimiter; an ID value is quoted text
// or any run up to a delimiter.
const QUOTED = `"[^"\\n]*"|'[^'\\n]*'`;
const RUN = `[^\\s,;，；、|)\\]}"'<>]+`;
const NAME_VALUE = `\\S\\*\\*+|${QUOTED}|[\\u3400-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}·•．]+|[A-Za-z][A-Za-z.'\\-]*(?: [A-Za-z][A-Za-z.'\\-]*)*|${RUN}`;
const ID_VALUE = `${QUOTED}|${RUN}`;
const labelled = (labels: string[], value: string) =>
  new RegExp(`(?<![A-Za-z0-9_])(["']?)(${labelAlternatives(labels)})\\1(\\s*[:=：]\\s*)(${value})`, 'giu');
const NAME_IN_TEXT = labelled(NAME_LABELS, NAME_VALUE);
const ID_IN_TEXT = labelled(ID_LABELS, ID_VALUE);

function maskLabelled(text: string, re: RegExp, mask: (value: string) => string): string {
  return text.replace(re, (_m, q: string, label: string, sep: string, value: string) => {
    const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
    const inner = quote ? value.slice(1, -1) : value;
    // already masked (by an earlier pass or by the caller): leave it, so masking is idempotent
    if (inner.length === 0 || inner.includes('**') || /^[^*]{4}\*+[^*]{4}$/.test(inner)) return `${q}${label}${q}${sep}${value}`;
    return `${q}${label}${q}${sep}${quote}${mask(inner)}${quote}`;
  });
}

/**
 * Everything personal in free text (log messages, error messages): ID numbers anywhere, plus
 * values written after a name or ID label — `name: 张三`, `"patientName":"李四"`, `姓名：王小明`,
 * `idNumber=H12345678`, `证件号码：…`. Errs on the side of masking.
 */
export function maskPersonalText(text: string): string {
  const ids = maskIdNumbersInText(text);
  return maskLabelled(maskLabelled(ids, ID_IN_TEXT, maskIdNumber), NAME_IN_TEXT, maskName);
}

function maskError(err: Error, ancestors: WeakSet<object>): Record<string, unknown> {
  // message and stack are own but not enumerable; `name` is the error class, not a person.
  const out: Record<string, unknown> = { name: err.name, message: maskPersonalText(err.message) };
  if (err.stack) out.stack = maskPersonalText(err.stack);
  for (const [k, v] of Object.entries(err)) {
    if (k === 'name' || k === 'message' || k === 'stack') continue;
    out[k] = maskField(k, v, ancestors);
  }
  if (err.cause !== undefined && !('cause' in out)) out.cause = maskPersonalData(err.cause, ancestors);
  return out;
}

function maskField(key: string, v: unknown, ancestors: WeakSet<object>): unknown {
  if (typeof v === 'string' && isNameKey(key)) return maskName(v);
  if (typeof v === 'string' && isIdKey(key)) return maskIdNumber(v);
  if ((typeof v === 'number' || typeof v === 'bigint') && isIdKey(key)) return maskIdNumber(String(v));
  return maskPersonalData(v, ancestors);
}

/**
 * Deep copy of `value` with every name/ID field masked (keys matched ignoring case and `_`/`-`)
 * and personal data in any string masked (see maskPersonalText). Errors become plain objects
 * `{name, message, stack, …own fields, cause}` with all of those masked. A reference cycle
 * becomes `'[circular]'`; the same object reached twice by different routes is copied twice.
 */
export function maskPersonalData<T>(value: T, ancestors = new WeakSet<object>()): T {
  if (typeof value === 'string') return maskPersonalText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array || value instanceof Date) return value;
  if (ancestors.has(value as object)) return '[circular]' as T;
  ancestors.add(value as object);
  try {
    if (Array.isArray(value)) return value.map((v) => maskPersonalData(v, ancestors)) as T;
    if (value instanceof Error) return maskError(value, ancestors) as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = maskField(k, v, ancestors);
    return out as T;
  } finally {
    ancestors.delete(value as object);
  }
}
