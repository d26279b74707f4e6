/**
 * Is this a scanned code or line noise? (issue 11) A scanner sends the text of a code: UTF-8 or
 * GB18030 characters, with at most the separators structured codes use (HT, and EOT, GS, RS of
 * ISO/IEC 15434 and GS1's FNC1). Random bytes between two CRs almost never look like that: they
 * hold control bytes, invalid sequences, or GB18030 pairs that land in the user-defined (private
 * use) planes. A line that is not plausible text never becomes a scan; it is line noise.
 */

/** shortest code accepted (default): kiosk codes are 8 (EAN-8) to thousands of bytes long */
export const MIN_CODE_BYTES = 4;

const ALLOWED_CONTROLS = new Set([0x04, 0x09, 0x1d, 0x1e]);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const gb18030 = new TextDecoder('gb18030', { fatal: true });

/**
 * A serial chunk that holds a byte no code carries (a control byte other than CR, LF and the
 * separators above, DEL, or 0xFF, which neither UTF-8 nor GB18030 uses): the offset of the first, or -1.
 * It judges a chunk that completes no line, so noise cannot hide in a half line.
 */
export function noiseByteAt(chunk: Uint8Array): number {
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i]!;
    if ((b < 0x20 && b !== 0x0d && b !== 0x0a && !ALLOWED_CONTROLS.has(b)) || b === 0x7f || b === 0xff) return i;
  }
  return -1;
}

/** Why `bytes` cannot be a scanned code, or undefined when they can. */
export function whyNotAScan(bytes: Uint8Array, minBytes = MIN_CODE_BYTES): string | undefined {
  if (bytes.length < minBytes) return `${bytes.length} byte(s): shorter than any code (${minBytes})`;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && !ALLOWED_CONTROLS.has(b)) || b === 0x7f) return `control byte 0x${b.toString(16).padStart(2, '0')} at offset ${i}`;
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    try {
      text = gb18030.decode(bytes);
    } catch {
      return 'neither UTF-8 nor GB18030 text';
    }
  }
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x80 && c <= 0x9f) return `C1 control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    if ((c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000 || c === 0xfffd) return `U+${c.toString(16).toUpperCase()} (private use or replacement): not text a code carries`;
  }
  return undefined;
}
