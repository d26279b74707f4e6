/**
 * GA 467 SAM serial protocol: the frame codec of a second-generation ID card reader.
 *
 *   AA AA AA 96 69 | LEN_HI LEN_LO | BODY ... | XOR
 *   preamble (5)   | length (2, BE) counts BODY + checksum
 *   checksum = XOR of the two length bytes and every body byte
 *
 * Request body: CMD PARA [data]. Reply body: SW1 SW2 SW3 [data].
 * Pure codec: never touches a port.
 */

export const PREAMBLE = Uint8Array.of(0xaa, 0xaa, 0xaa, 0x96, 0x69);
/** preamble (5) + length (2) */
export const HEADER_LENGTH = 7;
/** Smallest legal length field: a request's CMD PARA + checksum. */
export const MIN_LENGTH_FIELD = 3;
/**
 * Largest legal length field: the text+photo+fingerprint reply (30 10) with a 1024-byte
 * fingerprint block: SW(3) + 3 lengths(6) + 256 + 1024 + 1024 + checksum(1) = 2314 = 0x090A.
 */
export const MAX_LENGTH_FIELD = 0x090a;
/** Largest whole frame on the wire. */
export const MAX_FRAME_BYTES = HEADER_LENGTH + MAX_LENGTH_FIELD;

export type SamFrameErrorCode =
  /** bytes where the preamble AA AA AA 96 69 should be */
  | 'BAD_PREAMBLE'
  /** the input ends before the frame does */
  | 'TRUNCATED'
  /** the length field is impossible (below 3 or above 0x090A) */
  | 'BAD_LENGTH'
  /** the frame's length does not match the bytes given (extra bytes after the frame) */
  | 'WRONG_LENGTH'
  /** the XOR checksum does not match */
  | 'BAD_CHECKSUM'
  /** a well-formed frame whose body is not a reply of the expected shape */
  | 'BAD_REPLY'
  /** a read reply whose 256-byte card text is malformed (bad date, unknown card type) */
  | 'BAD_CARD_TEXT';

/**
 * A frame that cannot be accepted. `offset` is the byte offset of what is wrong: within the
 * input for `decodeFrame`, within the whole stream since the deframer was made for `SamDeframer`.
 */
export class SamFrameError extends Error {
  override readonly name = 'SamFrameError';
  constructor(
    readonly code: SamFrameErrorCode,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${detail} (byte offset ${offset})`);
  }
}

export function isSamFrameError(e: unknown): e is SamFrameError {
  return e instanceof SamFrameError;
}

/** One accepted frame. `body` is a view into the decoded bytes (CMD PARA … or SW1 SW2 SW3 …). */
export interface SamFrame {
  body: Uint8Array;
  /** total bytes on the wire (header + body + checksum) */
  byteLength: number;
}

export function hex(bytes: ArrayLike<number>, sep = ' '): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) s += sep;
    s += (bytes[i]! & 0xff).toString(16).padStart(2, '0').toUpperCase();
  }
  return s;
}

export function hex2(byte: number): string {
  return (byte & 0xff).toString(16).padStart(2, '0').toUpperCase();
}

/** XOR of `bytes[from..to)`. */
export function xorChecksum(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let x = 0;
  for (let i = from; i < to; i++) x ^= bytes[i]!;
  return x;
}

/** Wrap a body (CMD PARA [data] or SW1 SW2 SW3 [data]) in a frame. */
export function encodeFrame(body: Uint8Array | readonly number[]): Uint8Array {
  const len = body.length + 1;
  if (len < MIN_LENGTH_FIELD || len > MAX_LENGTH_FIELD) {
    throw new RangeError(`a SAM frame body must be ${MIN_LENGTH_FIELD - 1}..${MAX_LENGTH_FIELD - 1} bytes, got ${body.length}`);
  }
  const out = new Uint8Array(HEADER_LENGTH + len);
  out.set(PREAMBLE, 0);
  out[5] = len >> 8;
  out[6] = len & 0xff;
  out.set(body, HEADER_LENGTH);
  out[out.length - 1] = xorChecksum(out, 5, out.length - 1);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Requests

/** The commands a kiosk sends. `[CMD, PARA]`. */
export const SamCommand = {
  RESET: [0x10, 0xff],
  SAM_STATUS: [0x11, 0xff],
  READ_SAM_ID: [0x12, 0xff],
  FIND_CARD: [0x20, 0x01],
  SELECT_CARD: [0x20, 0x02],
  READ_TEXT_PHOTO: [0x30, 0x01],
  READ_NEWEST_ADDRESS: [0x30, 0x03],
  READ_TEXT_PHOTO_FINGERPRINT: [0x30, 0x10],
} as const satisfies Record<string, readonly [number, number]>;
export type SamCommandName = keyof typeof SamCommand;

const COMMAND_WORDS: Record<string, string> = {
  '10FF': 'reset SAM',
  '11FF': 'SAM status',
  '12FF': 'read SAM id',
  '2001': 'find card',
  '2002': 'select card',
  '3001': 'read text+photo',
  '3003': 'read newest address',
  '3010': 'read text+photo+fingerprint',
};

/** `20 01` → "find card"; unknown commands → "command 5A 01". */
export function describeCommand(cmd: number, para: number): string {
  return COMMAND_WORDS[hex2(cmd) + hex2(para)] ?? `command ${hex2(cmd)} ${hex2(para)}`;
}

export function commandName(cmd: number, para: number): SamCommandName | undefined {
  for (const [name, [c, p]] of Object.entries(SamCommand)) if (c === cmd && p === para) return name as SamCommandName;
  return undefined;
}

export function encodeRequest(command: readonly [number, number], data: Uint8Array | readonly number[] = []): Uint8Array {
  const body = new Uint8Array(2 + data.length);
  body[0] = command[0];
  body[1] = command[1];
  body.set(data, 2);
  return encodeFrame(body);
}

export const resetRequest = (): Uint8Array => encodeRequest(SamCommand.RESET);
export const samStatusRequest = (): Uint8Array => encodeRequest(SamCommand.SAM_STATUS);
export const readSamIdRequest = (): Uint8Array => encodeRequest(SamCommand.READ_SAM_ID);
export const findCardRequest = (): Uint8Array => encodeRequest(SamCommand.FIND_CARD);
export const selectCardRequest = (): Uint8Array => encodeRequest(SamCommand.SELECT_CARD);
export const readTextPhotoRequest = (): Uint8Array => encodeRequest(SamCommand.READ_TEXT_PHOTO);
export const readTextPhotoFingerprintRequest = (): Uint8Array => encodeRequest(SamCommand.READ_TEXT_PHOTO_FINGERPRINT);
export const readNewestAddressRequest = (): Uint8Array => encodeRequest(SamCommand.READ_NEWEST_ADDRESS);

export interface SamRequest {
  cmd: number;
  para: number;
  data: Uint8Array;
}

export function parseRequest(body: Uint8Array): SamRequest {
  if (body.length < 2) throw new SamFrameError('BAD_REPLY', HEADER_LENGTH, `a request body needs CMD PARA (2 bytes), got ${body.length}`);
  return { cmd: body[0]!, para: body[1]!, data: body.subarray(2) };
}

// ---------------------------------------------------------------------------------------------
// Replies

export interface SamReply {
  sw1: number;
  sw2: number;
  sw3: number;
  /** the bytes after SW3 (a view; copy it if you keep it) */
  data: Uint8Array;
}

/** Build a reply frame (simulator side). */
export function encodeReply(sw3: number, data: Uint8Array | readonly number[] = [], sw1 = 0x00, sw2 = 0x00): Uint8Array {
  const body = new Uint8Array(3 + data.length);
  body[0] = sw1;
  body[1] = sw2;
  body[2] = sw3;
  body.set(data, 3);
  return encodeFrame(body);
}

/**
 * Split a reply body into SW1 SW2 SW3 and data. A 2-byte body is a request, not a reply:
 * the error says which command it looks like.
 */
export function parseReply(body: Uint8Array): SamReply {
  if (body.length < 3) {
    const looksLike = body.length === 2 ? `; it looks like a request (${describeCommand(body[0]!, body[1]!)} ${hex(body)}), not a reply` : '';
    throw new SamFrameError('BAD_REPLY', HEADER_LENGTH + body.length, `a reply body needs SW1 SW2 SW3 (3 bytes), got ${body.length}${looksLike}`);
  }
  return { sw1: body[0]!, sw2: body[1]!, sw3: body[2]!, data: body.subarray(3) };
}

// ---------------------------------------------------------------------------------------------
// One-shot decoding (CLI, tests)

function preambleMismatch(bytes: Uint8Array, at: number): number {
  for (let i = 0; i < PREAMBLE.length && at + i < bytes.length; i++) if (bytes[at + i] !== PREAMBLE[i]) return i;
  return -1;
}

/**
 * Decode exactly one frame that must fill `bytes` completely. Throws `SamFrameError` naming
 * what is wrong and the byte offset: bad preamble, truncated, impossible length, extra bytes
 * after the frame (wrong length), wrong checksum.
 */
export function decodeFrame(bytes: Uint8Array): SamFrame {
  const bad = preambleMismatch(bytes, 0);
  if (bad >= 0) {
    throw new SamFrameError(
      'BAD_PREAMBLE',
      bad,
      `expected preamble AA AA AA 96 69, byte ${bad} is ${hex2(bytes[bad]!)} instead of ${hex2(PREAMBLE[bad]!)}`,
    );
  }
  if (bytes.length < HEADER_LENGTH) {
    throw new SamFrameError(
      'TRUNCATED',
      bytes.length,
      `frame truncated: ${bytes.length} bytes, a frame needs at least ${HEADER_LENGTH + MIN_LENGTH_FIELD} (preamble, 2-byte length, body, checksum)`,
    );
  }
  const len = (bytes[5]! << 8) | bytes[6]!;
  if (len < MIN_LENGTH_FIELD || len > MAX_LENGTH_FIELD) {
    throw new SamFrameError(
      'BAD_LENGTH',
      5,
      `impossible length field ${hex2(bytes[5]!)} ${hex2(bytes[6]!)} (${len}); a SAM frame's length is ${MIN_LENGTH_FIELD}..${MAX_LENGTH_FIELD}`,
    );
  }
  const total = HEADER_LENGTH + len;
  if (bytes.length < total) {
    throw new SamFrameError(
      'TRUNCATED',
      bytes.length,
      `frame truncated: the length field says ${total} bytes in all (${len} after the length), only ${bytes.length} given`,
    );
  }
  if (bytes.length > total) {
    throw new SamFrameError(
      'WRONG_LENGTH',
      total,
      `wrong length: the length field says the frame ends after ${total} bytes (${len} after the length), but ${bytes.length - total} more byte(s) follow`,
    );
  }
  const expected = xorChecksum(bytes, 5, total - 1);
  const got = bytes[total - 1]!;
  if (expected !== got) {
    throw new SamFrameError('BAD_CHECKSUM', total - 1, `wrong checksum ${hex2(got)}, the XOR of bytes 5..${total - 2} is ${hex2(expected)}`);
  }
  return { body: bytes.subarray(HEADER_LENGTH, total - 1), byteLength: total };
}

// ---------------------------------------------------------------------------------------------
// Streaming

export type SamDeframed = { frame: SamFrame; offset: number } | { error: SamFrameError };

/**
 * Cuts a byte stream into SAM frames. Resynchronises on garbage by scanning for the preamble,
 * rejects impossible lengths and bad checksums (then rescans from the byte after the rejected
 * preamble, so a real frame hidden behind a fake preamble is still found). It never holds more
 * than one maximum-size frame (`MAX_FRAME_BYTES`) between calls.
 *
 * `push()` returns frames and errors in stream order; errors carry the stream offset.
 */
export class SamDeframer {
  /** bytes carried over to the next push: a preamble prefix or one incomplete frame */
  private pending: Uint8Array = new Uint8Array(0);
  /** stream offset of pending[0] */
  private base = 0;

  /** How many bytes are held between pushes (never above `MAX_FRAME_BYTES`). */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** Stream offset of the next byte to arrive. */
  get streamOffset(): number {
    return this.base + this.pending.length;
  }

  /** Drop a partial frame (e.g. after a response timeout). Returns a TRUNCATED error if one was pending. */
  reset(): SamFrameError | undefined {
    const had = this.pending;
    const at = this.base;
    this.base += had.length;
    this.pending = new Uint8Array(0);
    if (had.length >= PREAMBLE.length) {
      return new SamFrameError('TRUNCATED', this.base, `frame starting at stream offset ${at} was cut off after ${had.length} bytes`);
    }
    return undefined;
  }

  push(chunk: Uint8Array): SamDeframed[] {
    const out: SamDeframed[] = [];
    if (chunk.length === 0) return out;
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    const base = this.base;
    const n = buf.length;
    let p = 0;
    // after a rejected frame, the bytes up to the next preamble belong to it: already reported
    let quiet = false;
    const skip = (from: number, to: number) => {
      if (quiet || to <= from) return;
      const k = to - from;
      out.push({
        error: new SamFrameError(
          'BAD_PREAMBLE',
          base + from,
          `skipped ${k} byte(s) that are not a frame (no preamble AA AA AA 96 69): ${hex(buf.subarray(from, Math.min(to, from + 8)))}${k > 8 ? ' …' : ''}`,
        ),
      });
    };
    while (p < n) {
      // the next full preamble, or a preamble prefix cut off by the end of the buffer
      let at = -1;
      let partial = false;
      for (let i = p; i < n; i++) {
        if (buf[i] === 0xaa && preambleMismatch(buf, i) === -1) {
          at = i;
          partial = i + PREAMBLE.length > n;
          break;
        }
      }
      if (at < 0) {
        skip(p, n);
        p = n;
        break;
      }
      skip(p, at);
      quiet = false;
      p = at;
      if (partial || at + HEADER_LENGTH > n) break;
      const len = (buf[at + 5]! << 8) | buf[at + 6]!;
      if (len < MIN_LENGTH_FIELD || len > MAX_LENGTH_FIELD) {
        out.push({
          error: new SamFrameError('BAD_LENGTH', base + at + 5, `impossible length field ${hex2(buf[at + 5]!)} ${hex2(buf[at + 6]!)} (${len}); resynchronising`),
        });
        p = at + 1;
        quiet = true;
        continue;
      }
      const total = HEADER_LENGTH + len;
      if (at + total > n) break;
      const expected = xorChecksum(buf, at + 5, at + total - 1);
      const got = buf[at + total - 1]!;
      if (expected !== got) {
        out.push({
          error: new SamFrameError(
            'BAD_CHECKSUM',
            base + at + total - 1,
            `wrong checksum ${hex2(got)} (expected ${hex2(expected)}) on the ${total}-byte frame at stream offset ${base + at}; resynchronising`,
          ),
        });
        p = at + 1;
        quiet = true;
        continue;
      }
      // a copy: the caller may keep the frame, and `chunk` belongs to the link
      const frameBytes = buf.slice(at, at + total);
      out.push({ frame: { body: frameBytes.subarray(HEADER_LENGTH, total - 1), byteLength: total }, offset: base + at });
      p = at + total;
    }
    this.pending = p < n ? buf.slice(p) : new Uint8Array(0);
    this.base = base + p;
    return out;
  }
}
