/**
 * Figures for `npm run bench`: the wire-time floor of one ID card read and a decode-rate probe.
 *
 * id_read_floor_ms = wire time of every request and reply frame of one read at the baud rate
 *                    (10 bits a byte, 8N1) + the simulator's RF delay for that read
 *                    + half the poll interval (a card lands, on average, half an interval before
 *                    the next find).
 */
import { HEADER_LENGTH, SamCommand, encodeReply, encodeRequest } from './protocol.ts';
import { PHOTO_BYTES, TEXT_BYTES, decodeIdCardReply } from './card.ts';

export interface IdReadFrames {
  /** [label, bytes on the wire] for each frame of one read, in order */
  frames: [label: string, bytes: number][];
  totalBytes: number;
}

/** Frames of one find → select → read (30 01, or 30 10 with an empty fingerprint block). */
export function idReadFrames(opts: { withFingerprint?: boolean } = {}): IdReadFrames {
  const readCmd = opts.withFingerprint ? SamCommand.READ_TEXT_PHOTO_FINGERPRINT : SamCommand.READ_TEXT_PHOTO;
  const readData = (opts.withFingerprint ? 6 : 4) + TEXT_BYTES + PHOTO_BYTES;
  const frames: [string, number][] = [
    ['find card 20 01', encodeRequest(SamCommand.FIND_CARD).length],
    ['find reply 9F', encodeReply(0x9f, [0, 0, 0, 0]).length],
    ['select card 20 02', encodeRequest(SamCommand.SELECT_CARD).length],
    ['select reply 90', encodeReply(0x90, new Uint8Array(8)).length],
    [`read ${opts.withFingerprint ? '30 10' : '30 01'}`, encodeRequest(readCmd).length],
    ['read reply 90', HEADER_LENGTH + 3 + readData + 1],
  ];
  return { frames, totalBytes: frames.reduce((s, [, n]) => s + n, 0) };
}

/** Wire time in ms of one full read at `baudRate` (8N1: 10 bits a byte). 115200 baud → ≈118 ms. */
export function idReadWireMs(baudRate: number, opts: { withFingerprint?: boolean } = {}): number {
  return (idReadFrames(opts).totalBytes * 10 * 1000) / baudRate;
}

/** The floor the measured `id_read_ms` is compared with (target ratio ≤ 1.15). */
export function idReadFloorMs(opts: { baudRate: number; rfDelayMs: number; pollIntervalMs: number; withFingerprint?: boolean }): number {
  return idReadWireMs(opts.baudRate, opts) + opts.rfDelayMs + opts.pollIntervalMs / 2;
}

/**
 * `idcard_decode_frames_per_s`: full decodes (frame check, reply split, text parse, check digit)
 * of a 1295-byte read reply `frame` (the bench uses the simulator's) per second, measured for about `durationMs`.
 */
export function measureIdCardDecodeRate(frame: Uint8Array, durationMs = 1000): { framesPerSecond: number; frames: number; ms: number } {
  // warm up the JIT
  for (let i = 0; i < 2000; i++) decodeIdCardReply(frame);
  let frames = 0;
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    for (let i = 0; i < 500; i++) decodeIdCardReply(frame);
    frames += 500;
    now = performance.now();
  }
  const ms = now - start;
  return { framesPerSecond: Math.round((frames * 1000) / ms), frames, ms };
}
