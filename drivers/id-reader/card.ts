/**
 * The 256-byte UCS-2LE text block of a second-generation ID card, for the card kinds a
 * GA 467 reader returns, and the read replies that carry it. Pure: no port, no photo kept.
 *
 * Layouts (byte offsets inside the 256-byte block; every field is UCS-2LE, space-padded):
 *
 * resident ID (type flag blank):
 *   0 name 30 | 30 sex 2 | 32 nation 4 | 36 birth 16 | 52 address 70 | 122 id 36 |
 *   158 authority 30 | 188 valid-from 16 | 204 valid-to 16 (YYYYMMDD or 长期) | 220 reserved 36
 * HK/Macao/Taiwan residence permit (type flag `J` at 248):
 *   as resident, nation left blank, then 220 pass number 18 | 238 issue count 4 |
 *   242 reserved 6 | 248 type 2 | 250 reserved 6
 * foreigner permanent residence card, 2017 edition (type flag `I` at 248):
 *   0 English name 120 | 120 sex 2 | 122 card number 30 | 152 nationality 6 | 158 Chinese name 30 |
 *   188 valid-from 16 | 204 valid-to 16 | 220 birth 16 | 236 card version 4 |
 *   240 authority code 8 | 248 type 2 | 250 reserved 6
 * foreigner permanent residence card, 2023 edition (type flag `Y` at 248):
 *   0 Chinese name 30 | 30 sex 2 | 32 renewal count 4 | 36 birth 16 | 52 English name (1–35) 70 |
 *   122 card number 36 | 158 reserved 30 | 188 valid-from 16 | 204 valid-to 16 |
 *   220 English name (36–46) 22 | 242 nationality 6 | 248 type 2 | 250 former card number link 6
 *
 * Sources: resident layout — DESIGN.md and every public reader (e.g. heavyii/cardreader
 * IdInfo.java); permit layout — lochyhuang/DKCloudID_UART_Andoird IDCardData.java (pass number 18,
 * issue count 4 after valid-to) and a public PC/SC SDK header (`tagIDCardInfor`: passID[18],
 * issuesNum[4], rfuData1[6], typeFlag[2], rfuData2[6]); foreigner layouts — the same header's
 * `tagIDForeigner` and `tagIDCardInfor2023` structs, agreeing with the termb.dll field order
 * (英文姓名|性别|永久居留证号码|国籍或所在地区代码|中文姓名|有效期起始|有效期截止|出生日期|证件版本号|当次申请受理机关代码|证件类型标识|预留)
 * and the 2023 machine-readable rules (18-digit number starting with 9, MOD 11-2 check digit).
 */
import { SamFrameError, decodeFrame, hex, hex2, parseReply, type SamReply } from './protocol.ts';
import { samStatus } from './status.ts';

export const TEXT_BYTES = 256;
export const PHOTO_BYTES = 1024;
/** Frame offset of the first data byte of a reply (preamble 5 + length 2 + SW 3). */
export const REPLY_DATA_OFFSET = 10;

export type IdCardKind = 'resident' | 'foreigner' | 'permit';
export type Sex = 'male' | 'female' | 'unknown';

/** The fields every kind has, in the order `zizhu decode idcard` prints them. */
export interface IdCardCommon {
  name: string;
  sex: Sex;
  /** ethnic group name (汉, 蒙古 …); empty on foreigner cards and permits */
  nation: string;
  /** two-digit code as stored (01 … 56, 97, 98); empty where the card has none */
  nationCode: string;
  /** YYYY-MM-DD */
  birthDate: string;
  /** empty on foreigner cards */
  address: string;
  /** citizen ID number; on foreigner cards the card number */
  idNumber: string;
  /** format and check digit (ISO 7064 MOD 11-2) hold; 2017 foreigner numbers have no check digit: format only */
  idNumberValid: boolean;
  /** issuing authority; on 2017 foreigner cards the 4-digit authority code; empty on 2023 foreigner cards */
  authority: string;
  /** YYYY-MM-DD */
  validFrom: string;
  /** YYYY-MM-DD or 长期 */
  validTo: string;
}

export interface ResidentIdCard extends IdCardCommon {
  kind: 'resident';
}
export interface ForeignerIdCard extends IdCardCommon {
  kind: 'foreigner';
  englishName: string;
  /** ISO 3166-1 alpha-3 as stored (e.g. CAN) */
  nationality: string;
  cardNumber: string;
}
export interface PermitIdCard extends IdCardCommon {
  kind: 'permit';
  /** 港澳居民来往内地通行证 / 台湾居民来往大陆通行证 number */
  passNumber: string;
  /** 签发次数; null when the field is not a number */
  issueCount: number | null;
}
export type IdCard = ResidentIdCard | ForeignerIdCard | PermitIdCard;

// ---------------------------------------------------------------------------------------------
// Code tables

/** GB/T 2261.1 sex codes as stored on the card. */
export const SEX_CODES: Readonly<Record<string, { sex: Sex; words: string }>> = {
  '0': { sex: 'unknown', words: '未知的性别 unknown' },
  '1': { sex: 'male', words: '男 male' },
  '2': { sex: 'female', words: '女 female' },
  '9': { sex: 'unknown', words: '未说明的性别 unspecified' },
};

export function sexFromCode(code: string): Sex {
  return SEX_CODES[code]?.sex ?? 'unknown';
}

/** GB 3304 ethnic group codes (民族代码) as used on the card: 56 groups, 97 其他, 98 外国血统中国籍人士. */
export const NATION_CODES: Readonly<Record<string, string>> = {
  '01': '汉', '02': '蒙古', '03': '回', '04': '藏', '05': '维吾尔', '06': '苗', '07': '彝', '08': '壮',
  '09': '布依', '10': '朝鲜', '11': '满', '12': '侗', '13': '瑶', '14': '白', '15': '土家', '16': '哈尼',
  '17': '哈萨克', '18': '傣', '19': '黎', '20': '傈僳', '21': '佤', '22': '畲', '23': '高山', '24': '拉祜',
  '25': '水', '26': '东乡', '27': '纳西', '28': '景颇', '29': '柯尔克孜', '30': '土', '31': '达斡尔', '32': '仫佬',
  '33': '羌', '34': '布朗', '35': '撒拉', '36': '毛南', '37': '仡佬', '38': '锡伯', '39': '阿昌', '40': '普米',
  '41': '塔吉克', '42': '怒', '43': '乌孜别克', '44': '俄罗斯', '45': '鄂温克', '46': '德昂', '47': '保安', '48': '裕固',
  '49': '京', '50': '塔塔尔', '51': '独龙', '52': '鄂伦春', '53': '赫哲', '54': '门巴', '55': '珞巴', '56': '基诺',
  '97': '其他', '98': '外国血统中国籍人士',
};

// ---------------------------------------------------------------------------------------------
// ID numbers

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** ISO 7064 MOD 11-2 check character for the first 17 digits of an 18-character ID number. */
export function idNumberCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError(`need 17 digits, got "${first17}"`);
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** 18 characters, 17 digits and a check character (0-9 or X) that matches MOD 11-2. */
export function isValidIdNumber(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  return idNumberCheckChar(id.slice(0, 17)) === id[17]!.toUpperCase();
}

/** 2017 foreigner card number: 3 letters (the nationality) and 12 digits; it carries no check digit. */
export function isValidForeignerCardNumber2017(cardNumber: string, nationality: string): boolean {
  if (!/^[A-Z]{3}\d{12}$/.test(cardNumber)) return false;
  return !/^[A-Z]{3}$/.test(nationality) || cardNumber.startsWith(nationality);
}

// ---------------------------------------------------------------------------------------------
// Field codec

/** UCS-2LE → string, padding (spaces, NULs) trimmed. Hand-rolled: this is the hot path of decoding. */
function ucs2(text: Uint8Array, offset: number, length: number): string {
  const units: number[] = [];
  for (let i = offset; i + 1 < offset + length; i += 2) units.push(text[i]! | (text[i + 1]! << 8));
  let end = units.length;
  while (end > 0 && (units[end - 1] === 0x20 || units[end - 1] === 0 || units[end - 1] === 0x3000)) end--;
  let start = 0;
  while (start < end && (units[start] === 0x20 || units[start] === 0 || units[start] === 0x3000)) start++;
  return String.fromCharCode(...units.slice(start, end));
}

function putUcs2(text: Uint8Array, offset: number, length: number, value: string, field: string): void {
  if (value.length * 2 > length) throw new RangeError(`${field} "${value}" is ${value.length} UCS-2 characters; the field holds ${length / 2}`);
  for (let i = 0; i < length; i += 2) {
    const c = i / 2 < value.length ? value.charCodeAt(i / 2) : 0x20;
    text[offset + i] = c & 0xff;
    text[offset + i + 1] = c >> 8;
  }
}

type Where = { textOffset: number };

function cardTextError(where: Where, fieldOffset: number, detail: string): SamFrameError {
  return new SamFrameError('BAD_CARD_TEXT', where.textOffset + fieldOffset, detail);
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

/** YYYYMMDD → YYYY-MM-DD; `长期` allowed where `allowLongTerm`. */
function dateField(text: Uint8Array, where: Where, offset: number, field: string, allowLongTerm = false): string {
  const raw = ucs2(text, offset, 16);
  if (allowLongTerm && raw === '长期') return '长期';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
  if (!m || !isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw cardTextError(where, offset, `${field} "${raw}" is not a date YYYYMMDD${allowLongTerm ? ' or 长期' : ''}`);
  }
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function putDate(text: Uint8Array, offset: number, value: string, field: string, allowLongTerm = false): void {
  if (allowLongTerm && value === '长期') return putUcs2(text, offset, 16, '长期', field);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw new RangeError(`${field} "${value}" is not YYYY-MM-DD${allowLongTerm ? ' or 长期' : ''}`);
  putUcs2(text, offset, 16, `${m[1]}${m[2]}${m[3]}`, field);
}

/** The type flag at bytes 248–249: ' ' resident, 'I' / 'Y' foreigner (2017 / 2023), 'J' permit. */
export function cardTypeFlag(text: Uint8Array): string {
  const unit = text[248]! | (text[249]! << 8);
  return unit === 0x20 || unit === 0 ? ' ' : String.fromCharCode(unit);
}

/**
 * Parse a 256-byte text block. `textOffset` is where the block sits in the frame, so errors
 * carry the frame's byte offset. Throws `SamFrameError('BAD_CARD_TEXT')` on a malformed date
 * or an unknown card type flag.
 */
export function parseCardText(text: Uint8Array, textOffset = 0): IdCard {
  const where: Where = { textOffset };
  if (text.length !== TEXT_BYTES) throw cardTextError(where, 0, `the text block is ${text.length} bytes, expected ${TEXT_BYTES}`);
  const flag = cardTypeFlag(text);
  switch (flag) {
    case ' ':
    case 'J': {
      const nationCode = flag === 'J' ? '' : ucs2(text, 32, 4);
      const idNumber = ucs2(text, 122, 36);
      const common: IdCardCommon = {
        name: ucs2(text, 0, 30),
        sex: sexFromCode(ucs2(text, 30, 2)),
        nation: NATION_CODES[nationCode] ?? '',
        nationCode,
        birthDate: dateField(text, where, 36, 'birth date'),
        address: ucs2(text, 52, 70),
        idNumber,
        idNumberValid: isValidIdNumber(idNumber),
        authority: ucs2(text, 158, 30),
        validFrom: dateField(text, where, 188, 'valid-from'),
        validTo: dateField(text, where, 204, 'valid-to', true),
      };
      if (flag === ' ') return { kind: 'resident', ...common };
      const count = ucs2(text, 238, 4);
      return { kind: 'permit', ...common, passNumber: ucs2(text, 220, 18), issueCount: /^\d+$/.test(count) ? Number(count) : null };
    }
    case 'I': {
      const englishName = ucs2(text, 0, 120);
      const cardNumber = ucs2(text, 122, 30);
      const nationality = ucs2(text, 152, 6);
      const chineseName = ucs2(text, 158, 30);
      return {
        kind: 'foreigner',
        name: chineseName || englishName,
        sex: sexFromCode(ucs2(text, 120, 2)),
        nation: '',
        nationCode: '',
        birthDate: dateField(text, where, 220, 'birth date'),
        address: '',
        idNumber: cardNumber,
        idNumberValid: isValidForeignerCardNumber2017(cardNumber, nationality),
        authority: ucs2(text, 240, 8),
        validFrom: dateField(text, where, 188, 'valid-from'),
        validTo: dateField(text, where, 204, 'valid-to', true),
        englishName,
        nationality,
        cardNumber,
      };
    }
    case 'Y': {
      const englishName = (ucs2(text, 52, 70) + ' ' + ucs2(text, 220, 22)).trim();
      const chineseName = ucs2(text, 0, 30);
      const cardNumber = ucs2(text, 122, 36);
      return {
        kind: 'foreigner',
        name: chineseName || englishName,
        sex: sexFromCode(ucs2(text, 30, 2)),
        nation: '',
        nationCode: '',
        birthDate: dateField(text, where, 36, 'birth date'),
        address: '',
        idNumber: cardNumber,
        idNumberValid: cardNumber.startsWith('9') && isValidIdNumber(cardNumber),
        authority: '',
        validFrom: dateField(text, where, 188, 'valid-from'),
        validTo: dateField(text, where, 204, 'valid-to', true),
        englishName,
        nationality: ucs2(text, 242, 6),
        cardNumber,
      };
    }
    default:
      throw cardTextError(
        where,
        248,
        `unknown card type flag "${flag}" (${hex(text.subarray(248, 250))}); expected blank (resident ID), I or Y (foreigner), J (residence permit)`,
      );
  }
}

function sexCode(sex: Sex): string {
  return sex === 'male' ? '1' : sex === 'female' ? '2' : '0';
}

/**
 * The inverse of `parseCardText` (for the simulator and tests). A foreigner card whose number is
 * 18 digits starting with 9 is written in the 2023 layout (`Y`), otherwise in the 2017 layout (`I`).
 * Throws RangeError when a value does not fit its field.
 */
export function encodeCardText(card: IdCard, extras: { cardVersion?: string; renewalCount?: string } = {}): Uint8Array {
  const t = new Uint8Array(TEXT_BYTES);
  putUcs2(t, 0, TEXT_BYTES, '', 'padding');
  switch (card.kind) {
    case 'resident':
    case 'permit':
      putUcs2(t, 0, 30, card.name, 'name');
      putUcs2(t, 30, 2, sexCode(card.sex), 'sex');
      putUcs2(t, 32, 4, card.kind === 'resident' ? card.nationCode : '', 'nation code');
      putDate(t, 36, card.birthDate, 'birth date');
      putUcs2(t, 52, 70, card.address, 'address');
      putUcs2(t, 122, 36, card.idNumber, 'ID number');
      putUcs2(t, 158, 30, card.authority, 'authority');
      putDate(t, 188, card.validFrom, 'valid-from');
      putDate(t, 204, card.validTo, 'valid-to', true);
      if (card.kind === 'permit') {
        putUcs2(t, 220, 18, card.passNumber, 'pass number');
        putUcs2(t, 238, 4, card.issueCount === null ? '' : String(card.issueCount).padStart(2, '0'), 'issue count');
        putUcs2(t, 248, 2, 'J', 'type');
      }
      return t;
    case 'foreigner': {
      const chineseName = card.name === card.englishName ? '' : card.name;
      if (/^9\d{17}$/.test(card.cardNumber)) {
        putUcs2(t, 0, 30, chineseName, 'Chinese name');
        putUcs2(t, 30, 2, sexCode(card.sex), 'sex');
        putUcs2(t, 32, 4, extras.renewalCount ?? '00', 'renewal count');
        putDate(t, 36, card.birthDate, 'birth date');
        putUcs2(t, 52, 70, card.englishName.slice(0, 35), 'English name');
        putUcs2(t, 122, 36, card.cardNumber, 'card number');
        putDate(t, 188, card.validFrom, 'valid-from');
        putDate(t, 204, card.validTo, 'valid-to', true);
        putUcs2(t, 220, 22, card.englishName.slice(35).trim(), 'English name (36–46)');
        putUcs2(t, 242, 6, card.nationality, 'nationality');
        putUcs2(t, 248, 2, 'Y', 'type');
        return t;
      }
      putUcs2(t, 0, 120, card.englishName, 'English name');
      putUcs2(t, 120, 2, sexCode(card.sex), 'sex');
      putUcs2(t, 122, 30, card.cardNumber, 'card number');
      putUcs2(t, 152, 6, card.nationality, 'nationality');
      putUcs2(t, 158, 30, chineseName, 'Chinese name');
      putDate(t, 188, card.validFrom, 'valid-from');
      putDate(t, 204, card.validTo, 'valid-to', true);
      putDate(t, 220, card.birthDate, 'birth date');
      putUcs2(t, 236, 4, extras.cardVersion ?? '01', 'card version');
      putUcs2(t, 240, 8, card.authority, 'authority code');
      putUcs2(t, 248, 2, 'I', 'type');
      return t;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Read replies

export interface CardTextOfReply {
  /** the 256-byte text block (a copy; the photo is not kept) */
  text: Uint8Array;
  /** frame offset of the text block */
  textOffset: number;
  /** true for a 30 10 reply (three length fields) */
  withFingerprint: boolean;
}

function be16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/**
 * The text block of a successful read reply (30 01: text len, photo len, text, photo;
 * 30 10: text len, photo len, fingerprint len, text, photo, fingerprint). The photo and
 * fingerprint are dropped here and never leave this function.
 */
export function textOfReadReply(reply: SamReply): CardTextOfReply {
  const d = reply.data;
  const at = REPLY_DATA_OFFSET;
  if (d.length < 4) throw new SamFrameError('BAD_REPLY', at + d.length, `a read reply needs text and photo length fields after SW3, got ${d.length} data byte(s)`);
  const textLen = be16(d, 0);
  const photoLen = be16(d, 2);
  if (textLen !== TEXT_BYTES) {
    throw new SamFrameError('BAD_REPLY', at, `text length field is ${hex(d.subarray(0, 2))} (${textLen}), expected 01 00 (${TEXT_BYTES})`);
  }
  if (photoLen !== PHOTO_BYTES) {
    throw new SamFrameError('BAD_REPLY', at + 2, `photo length field is ${hex(d.subarray(2, 4))} (${photoLen}), expected 04 00 (${PHOTO_BYTES})`);
  }
  if (d.length === 4 + textLen + photoLen) {
    return { text: d.slice(4, 4 + textLen), textOffset: at + 4, withFingerprint: false };
  }
  if (d.length >= 6) {
    const fpLen = be16(d, 4);
    if (d.length === 6 + textLen + photoLen + fpLen) {
      return { text: d.slice(6, 6 + textLen), textOffset: at + 6, withFingerprint: true };
    }
  }
  throw new SamFrameError(
    'BAD_REPLY',
    at + Math.min(d.length, 4 + textLen + photoLen),
    `wrong length: a read reply carries ${4 + textLen + photoLen} data bytes (text ${textLen} + photo ${photoLen} + 4 length bytes), or 2 more plus the fingerprint with 30 10; this one has ${d.length}`,
  );
}

/** The card in a successful 30 01 / 30 10 reply. */
export function cardOfReadReply(reply: SamReply): IdCard {
  const { text, textOffset } = textOfReadReply(reply);
  return parseCardText(text, textOffset);
}

/** The newest address (30 03 reply data, UCS-2LE, 70 bytes). */
export function newestAddressOfReply(reply: SamReply): string {
  const d = reply.data;
  if (d.length % 2 !== 0) {
    throw new SamFrameError('BAD_REPLY', REPLY_DATA_OFFSET + d.length - 1, `the newest address is UCS-2 text, ${d.length} bytes is an odd length`);
  }
  return ucs2(d, 0, d.length);
}

export const NEWEST_ADDRESS_BYTES = 70;

// ---------------------------------------------------------------------------------------------
// One reply frame → what it says (CLI, benchmarks)

export interface DecodedIdReply {
  /** two hex digits, upper case */
  sw3: string;
  status: string;
  card?: IdCard;
  newestAddress?: string;
}

/**
 * Decode one reply frame. Status-only replies (any non-90 SW3, find/select/status replies)
 * yield `{ sw3, status }`; a read reply adds `card`; a 70-byte newest-address reply adds
 * `newestAddress`. Throws `SamFrameError` with the byte offset of what is wrong.
 */
export function decodeIdCardReply(frameBytes: Uint8Array): DecodedIdReply {
  const frame = decodeFrame(frameBytes);
  const reply = parseReply(frame.body);
  const out: DecodedIdReply = { sw3: hex2(reply.sw3), status: samStatus(reply.sw3).status };
  if (reply.sw3 !== 0x90) return out;
  const d = reply.data;
  if (d.length >= 2 && be16(d, 0) === TEXT_BYTES) out.card = cardOfReadReply(reply);
  else if (d.length === NEWEST_ADDRESS_BYTES) out.newestAddress = newestAddressOfReply(reply);
  return out;
}
