import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { SUBSTITUTIONS, glyphBytes, printableText, textColumns, toGlyphs } from './gb18030.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Walk bytes as a printer does: outside FS & single bytes; inside, pairs. Returns every 2-byte pair and fails on 4-byte/controls. */
function kanjiRuns(bytes: Uint8Array): { pairs: number[][]; singles: number[] } {
  const pairs: number[][] = [];
  const singles: number[] = [];
  let kanji = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x1c && bytes[i + 1] === 0x26) {
      kanji = true;
      i++;
      continue;
    }
    if (b === 0x1c && bytes[i + 1] === 0x2e) {
      kanji = false;
      i++;
      continue;
    }
    if (kanji) {
      pairs.push([b, bytes[i + 1]!]);
      i++;
    } else singles.push(b);
  }
  return { pairs, singles };
}

describe('GB18030 text layer', () => {
  it('encodes Chinese as GB18030 2-byte codes inside FS & … FS . and ASCII as single bytes', () => {
    // 中 = D6D0, 文 = CEC4 (GB2312 row 54/46: any GB2312 table)
    expect(hex(glyphBytes(toGlyphs('A中文B')))).toBe('41' + '1c26' + 'd6d0cec4' + '1c2e' + '42');
    expect(textColumns('A中文B')).toBe(6);
  });

  it('substitutes ¥ (4-byte 81 30 84 36 in GB18030) with ￥ A3A4', () => {
    expect(hex(iconv.encode('¥', 'gb18030'))).toBe('81308436'); // why the table exists
    expect(printableText('¥12.00')).toBe('￥12.00');
    expect(hex(glyphBytes(toGlyphs('¥1')))).toBe('1c26a3a41c2e31');
  });

  it('maps every table entry to ASCII or 2-byte characters only', () => {
    for (const [from, to] of Object.entries(SUBSTITUTIONS)) {
      expect(printableText(from), `substitution for U+${from.codePointAt(0)!.toString(16)}`).toBe(to);
      for (const ch of to) {
        const n = iconv.encode(ch, 'gb18030').length;
        expect(n === 1 || n === 2, `${ch} in the substitution for ${from}`).toBe(true);
      }
    }
  });

  it('handles what the table does not list: accents stripped, emoji to ?, controls dropped', () => {
    expect(printableText('ñandú')).toBe('nandú'); // ú is pinyin (A8A2), ñ is 4-byte
    expect(printableText('½')).toBe('1/2'); // NFKC 1⁄2, fraction slash substituted
    expect(printableText('ok😀👍🏻!')).toBe('ok??!'); // skin tone dropped
    expect(printableText('❤️')).toBe('?'); // VS16 dropped
    expect(printableText('a\x1b@b\x10\x14\x08c\td')).toBe('a@bc d'); // no command can ride in text
    expect(printableText('€5')).toBe('EUR5'); // A2E3 is blank on printer fonts
    expect(printableText('𠀀')).toBe('?'); // CJK Extension B
  });

  it('never emits a 4-byte sequence or a control byte, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const bytes = glyphBytes(toGlyphs(s));
        const { pairs, singles } = kanjiRuns(bytes);
        const badSingle = singles.find((b) => b < 0x20 || b > 0x7e);
        // a trail byte 0x30–0x39 would make a 4-byte code
        const badPair = pairs.find(([lead, trail]) => !(lead! >= 0x81 && lead! <= 0xfe && trail! >= 0x40 && trail! <= 0xfe && trail !== 0x7f));
        if (badSingle !== undefined || badPair) throw new Error(`bad bytes for ${JSON.stringify(s)}: ${hex(bytes)}`);
        // columns agree with bytes: 1 per ASCII, 2 per pair
        if (textColumns(s) !== singles.length + 2 * pairs.length) throw new Error(`column count off for ${JSON.stringify(s)}`);
      }),
      { numRuns: 1000 },
    );
  });
});
