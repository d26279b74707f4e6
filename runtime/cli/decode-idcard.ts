import { type CliCommand, Exit } from './io.ts';
import { maskPersonalData } from '../../contracts/pii.ts';
import { decodeIdCardReply } from '../../drivers/id-reader/card.ts';
import { isSamFrameError } from '../../drivers/id-reader/protocol.ts';

const USAGE = 'usage: zizhu decode idcard [--reveal] HEX   (one reply frame, e.g. "AA AA AA 96 69 00 04 00 00 90 94"; spaces allowed)';

export class HexInputError extends Error {
  override readonly name = 'HexInputError';
  constructor(
    readonly offset: number,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * Hex text → bytes. Whitespace anywhere is ignored, as is a 0x prefix per byte group.
 * Errors name the byte offset (in the bytes the text would give) of the bad digit.
 */
export function parseHex(text: string): Uint8Array {
  const groups = text.trim().split(/\s+/).filter((g) => g.length > 0);
  let digits = '';
  for (const g of groups) digits += /^0x/i.test(g) ? g.slice(2) : g;
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad) {
    throw new HexInputError(Math.floor(bad.index / 2), `"${bad[0]}" is not a hex digit`);
  }
  if (digits.length === 0) throw new HexInputError(0, 'no hex digits given');
  if (digits.length % 2 !== 0) {
    throw new HexInputError(Math.floor(digits.length / 2), `odd number of hex digits (${digits.length}): the last byte has one digit`);
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * `zizhu decode idcard [--reveal] HEX`: one ID-reader reply frame → one line of JSON.
 * Names and ID numbers are masked unless --reveal. Bad input → exit 2 with one line that says
 * what is wrong and at which byte offset.
 */
export const decodeIdCardCommand: CliCommand = async (args, io) => {
  let reveal = false;
  const hexParts: string[] = [];
  for (const a of args) {
    if (a === '--reveal') reveal = true;
    else if (a === '--help' || a === '-h') {
      io.out(USAGE);
      return Exit.OK;
    } else if (a.startsWith('--')) {
      io.err(`zizhu decode idcard: unknown option ${a}; ${USAGE}`);
      return Exit.BAD_INPUT;
    } else hexParts.push(a);
  }
  if (hexParts.length === 0) {
    io.err(`zizhu decode idcard: no frame given; ${USAGE}`);
    return Exit.BAD_INPUT;
  }
  let bytes: Uint8Array;
  try {
    bytes = parseHex(hexParts.join(' '));
  } catch (e) {
    if (e instanceof HexInputError) {
      io.err(`zizhu decode idcard: bad hex at byte offset ${e.offset}: ${e.message}`);
      return Exit.BAD_INPUT;
    }
    throw e;
  }
  try {
    const decoded = decodeIdCardReply(bytes);
    const shown = reveal ? decoded : maskPersonalData(decoded);
    io.out(JSON.stringify(shown));
    return Exit.OK;
  } catch (e) {
    if (isSamFrameError(e)) {
      io.err(`zizhu decode idcard: ${e.code} at byte offset ${e.offset}: ${e.detail}`);
      return Exit.BAD_INPUT;
    }
    io.err(`zizhu decode idcard: cannot decode: ${(e as Error)?.message ?? String(e)}`);
    return Exit.BAD_INPUT;
  }
};
