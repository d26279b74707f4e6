import iconv from 'iconv-lite';

/**
 * Receipt text → printable glyphs for an ESC/POS printer with a Chinese (GB18030) font.
 *
 * Rules (the whole of our Chinese layer):
 * - Printable ASCII (0x20–0x7E) is sent as single bytes, outside Kanji mode.
 * - Anything else is encoded with GB18030. A 2-byte result is sent inside `FS &` … `FS .`
 *   (Kanji mode) and takes two columns (a 24-dot-wide glyph on a 12-dot font A grid).
 * - GB18030 4-byte sequences are never sent: printer fonts cover the 2-byte (GBK) plane only, and a
 *   4-byte sequence in Kanji mode prints as two garbage glyphs and shifts the rest of the line.
 *   Such characters are replaced from SUBSTITUTIONS (a 2-byte or ASCII look-alike), else by their
 *   NFKC form, else by the base letter without accents (ñ → n), else by `?`.
 * - A few characters that GB18030 does encode in 2 bytes sit in GBK's user-defined area, which
 *   printer fonts leave blank (€ = A2E3); they are substituted too.
 * - Control characters (ESC, GS, DLE …) never reach the printer from text: a receipt line that
 *   carried `1B 40` or `10 14 08` would reset or clear the printer. Tab becomes a space; other C0/C1
 *   controls, zero-width joiners, variation selectors and emoji skin-tone modifiers are dropped.
 */

/** One thing the printer draws: its bytes and how many font-A columns it takes (before GS ! scaling). */
export interface Glyph {
  /** the character as it will look on paper (after substitution) */
  char: string;
  /** 1 byte (ASCII, outside Kanji mode) or 2 bytes (GB18030, inside FS & … FS .) */
  bytes: Uint8Array;
  cols: 1 | 2;
}

/**
 * Substitutions for characters GB18030 encodes in 4 bytes (or whose 2-byte code printer fonts lack).
 * Key: the character; value: what is printed instead (ASCII or GB18030 2-byte characters only).
 */
export const SUBSTITUTIONS: Readonly<Record<string, string>> = Object.freeze({
  // currency
  '\u00A5': '\uFFE5', // ¥ YEN SIGN → ￥ FULLWIDTH YEN SIGN (A3A4): the one every receipt needs
  '\u00A3': '\uFFE1', // £ → ￡ (A1EA)
  '\u00A2': '\uFFE0', // ¢ → ￠ (A1E9)
  '\u20AC': 'EUR', // € is A2E3, in GBK's user-defined area: blank on printer fonts
  '\u20A9': 'KRW', // ₩
  '\u20BD': 'RUB', // ₽
  '\u20B9': 'INR', // ₹
  // marks
  '\u00A9': '(C)', // ©
  '\u00AE': '(R)', // ®
  '\u2122': 'TM', // ™
  '\u00B6': '\u00A7', // ¶ → § (A1EC)
  '\u00A6': '|', // ¦
  '\u00AC': '-', // ¬
  '\u00AF': '\uFFE3', // ¯ → ￣ (A3FE)
  '\u00B4': "'", // ´
  '\u00B8': ',', // ¸
  '\u00AA': 'a', // ª
  '\u00BA': 'o', // º
  '\u00A1': '!', // ¡
  '\u00BF': '?', // ¿
  // punctuation
  '\u2022': '\u00B7', // • BULLET → · (A1A4)
  '\u2027': '\u00B7', // ‧ → ·
  '\u2219': '\u00B7', // ∙ → ·
  '\u2011': '-', // non-breaking hyphen
  '\u2012': '-', // figure dash
  '\u2013': '-', // – EN DASH (4-byte in GB18030)
  '\u2212': '-', // − MINUS SIGN
  '\u2039': '<', // ‹
  '\u203A': '>', // ›
  '\u00AB': '\u300A', // « → 《 (A1B6)
  '\u00BB': '\u300B', // » → 》 (A1B7)
  '\u2044': '/', // ⁄ fraction slash (NFKC of ½ gives 1⁄2)
  '\u00A0': ' ', // no-break space
  '\u2009': ' ', // thin space
  '\u200A': ' ', // hair space
  '\u202F': ' ', // narrow no-break space
  // ticks and crosses that kiosks like to print
  '\u2713': '\u221A', // ✓ → √ (A1CC)
  '\u2714': '\u221A', // ✔ → √
  '\u2715': '\u00D7', // ✕ → × (A1C1)
  '\u2716': '\u00D7', // ✖ → ×
  '\u2717': '\u00D7', // ✗ → ×
  '\u2718': '\u00D7', // ✘ → ×
});

/** Characters dropped silently: zero-width and presentation-only code points. */
function isDropped(cp: number): boolean {
  return (
    cp === 0x200b || // zero width space
    cp === 0x200c ||
    cp === 0x200d || // ZWJ (emoji sequences)
    cp === 0x2060 ||
    cp === 0xfeff ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    (cp >= 0x1f3fb && cp <= 0x1f3ff) || // emoji skin tones
    (cp >= 0xe0100 && cp <= 0xe01ef) ||
    (cp >= 0xe0020 && cp <= 0xe007f) // tag characters (flag sequences)
  );
}

function isControl(cp: number): boolean {
  return cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

const QUESTION: Glyph = Object.freeze({ char: '?', bytes: Uint8Array.of(0x3f), cols: 1 }) as Glyph;

const cache = new Map<string, readonly Glyph[]>();

/** The glyphs for one character with no substitution: ASCII, a 2-byte GB18030 code, or null. */
function direct(ch: string): Glyph | null {
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x20 && cp <= 0x7e) return { char: ch, bytes: Uint8Array.of(cp), cols: 1 };
  if (isControl(cp)) return null;
  const b = iconv.encode(ch, 'gb18030');
  if (b.length === 2 && !(b[0] === 0xa2 && b[1] === 0xe3)) return { char: ch, bytes: Uint8Array.from(b), cols: 2 };
  return null;
}

function substitute(ch: string, depth: number): readonly Glyph[] {
  const cached = cache.get(ch);
  if (cached) return cached;
  const cp = ch.codePointAt(0)!;
  let out: readonly Glyph[];
  if (cp === 0x09) out = [{ char: ' ', bytes: Uint8Array.of(0x20), cols: 1 }];
  else if (isDropped(cp) || isControl(cp)) out = [];
  else {
    const d = SUBSTITUTIONS[ch] === undefined ? direct(ch) : null;
    if (d) out = [d];
    else out = fallback(ch, depth);
  }
  if (cache.size < 4096) cache.set(ch, out);
  return out;
}

function fallback(ch: string, depth: number): readonly Glyph[] {
  const table = SUBSTITUTIONS[ch];
  if (table !== undefined && depth < 2) {
    const parts = [...table].map((c) => direct(c));
    if (parts.every((p): p is Glyph => p !== null)) return parts;
  }
  if (depth < 2) {
    const nfkc = ch.normalize('NFKC');
    if (nfkc !== ch) {
      const parts = [...nfkc].flatMap((c) => substitute(c, depth + 1));
      if (parts.length > 0 && !parts.every((p) => p === QUESTION)) return parts;
    }
    const bare = ch.normalize('NFD').replace(/\p{M}+/gu, '');
    if (bare !== ch && bare.length > 0) {
      const parts = [...bare].flatMap((c) => substitute(c, depth + 1));
      if (parts.length > 0 && !parts.includes(QUESTION)) return parts;
    }
  }
  return [QUESTION];
}

/** Text → glyphs the printer can draw (see the rules at the top of this file). Line breaks are the caller's business: `\n` is dropped here. */
export function toGlyphs(text: string): Glyph[] {
  const out: Glyph[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp <= 0x7e) {
      out.push({ char: ch, bytes: Uint8Array.of(cp), cols: 1 });
      continue;
    }
    for (const g of substitute(ch, 0)) out.push(g);
  }
  return out;
}

/** Printed width of a text in font-A columns (before GS ! scaling): CJK and other 2-byte glyphs count 2. */
export function textColumns(text: string): number {
  let n = 0;
  for (const g of toGlyphs(text)) n += g.cols;
  return n;
}

/** What `text` will look like on paper (substitutions applied), for previews and tests. */
export function printableText(text: string): string {
  return toGlyphs(text)
    .map((g) => g.char)
    .join('');
}

export const FS_KANJI_ON = Uint8Array.of(0x1c, 0x26); // FS &
export const FS_KANJI_OFF = Uint8Array.of(0x1c, 0x2e); // FS .

/**
 * Glyphs → bytes: ASCII runs as-is, 2-byte runs wrapped in FS & … FS . so the printer is back in
 * single-byte mode after every run. Never produces a GB18030 4-byte sequence or a control byte.
 */
export function glyphBytes(glyphs: readonly Glyph[]): Uint8Array {
  const parts: number[] = [];
  let kanji = false;
  for (const g of glyphs) {
    if (g.cols === 2 && !kanji) {
      parts.push(0x1c, 0x26);
      kanji = true;
    } else if (g.cols === 1 && kanji) {
      parts.push(0x1c, 0x2e);
      kanji = false;
    }
    for (const b of g.bytes) parts.push(b);
  }
  if (kanji) parts.push(0x1c, 0x2e);
  return Uint8Array.from(parts);
}
