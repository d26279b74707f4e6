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
const ID_NUMBER_IN_TEXT = /(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])|(?<![0-9A-Za-z])(\d{15})(?![0-9A-Za-z])/g;

export function maskIdNumbersInText(text: string): string {
  return text.replace(ID_NUMBER_IN_TEXT, (m) => maskIdNumber(m));
}

/** Keys whose values are a person's name. */
export const NAME_KEYS = new Set(['name', 'englishName', 'patientName', 'holderName', 'fullName', 'chineseName']);
/** Keys whose values are an identity document number. */
export const ID_KEYS = new Set(['idNumber', 'cardNumber', 'passNumber', 'idNo', 'certNo', 'identityNumber']);

/** Deep copy of `value` with every name/ID field masked and ID numbers in any string masked. */
export function maskPersonalData<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return maskIdNumbersInText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value as object)) return '[circular]' as T;
  seen.add(value as object);
  if (Array.isArray(value)) return value.map((v) => maskPersonalData(v, seen)) as T;
  if (value instanceof Uint8Array || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' && NAME_KEYS.has(k)) out[k] = maskName(v);
    else if (typeof v === 'string' && ID_KEYS.has(k)) out[k] = maskIdNumber(v);
    else out[k] = maskPersonalData(v, seen);
  }
  return out as T;
}
