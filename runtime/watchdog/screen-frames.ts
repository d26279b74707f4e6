/**
 * What the screen watchdog does with a captured frame (a PNG from the shell), apart from reading its
 * marker (contracts/screen-marker.ts):
 *
 * - `isBlankFrame`: is it (almost) one flat colour — black, white, anything: a blank screen;
 * - `evidenceFrame`: the frame made small enough to travel with a fault to HQ (the fault's evidence is
 *   at most 8 KiB of JSON, contracts/hq.ts): halved until it fits, colours rounded to 4 bits so it
 *   compresses; a picture to recognise what was on the glass, not to read it.
 */
import { PNG } from 'pngjs';
import type { RgbaImage } from '../../contracts/screen-marker.ts';

/** A PNG's pixels; throws a clear error for bytes that are not one. */
export function readPng(png: Buffer): RgbaImage {
  try {
    const img = PNG.sync.read(png);
    return { width: img.width, height: img.height, data: img.data };
  } catch (e) {
    throw new Error(`the shell's frame is not a readable PNG (${png.length} bytes): ${(e as Error).message}`);
  }
}

/**
 * Is this frame a blank screen? Samples a grid of pixels; blank when at least 99.5 % of them are
 * within a small distance of the first sample's colour (a flat black, white or grey frame).
 */
export function isBlankFrame(png: Buffer | RgbaImage): { blank: boolean; colour: string; samples: number } {
  const { width, height, data } = Buffer.isBuffer(png) ? readPng(png) : png;
  const step = Math.max(1, Math.floor(Math.min(width, height) / 64));
  const at = (x: number, y: number) => {
    const i = (y * width + x) * 4;
    return [data[i]!, data[i + 1]!, data[i + 2]!] as const;
  };
  const ref = at(0, 0);
  let samples = 0;
  let same = 0;
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      const [r, g, b] = at(x, y);
      samples++;
      if (Math.abs(r - ref[0]) + Math.abs(g - ref[1]) + Math.abs(b - ref[2]) <= 24) same++;
    }
  }
  const colour = `#${ref.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  return { blank: same / samples >= 0.995, colour, samples };
}

/** Half the size (2×2 box average; an odd last row or column is dropped). */
function halve(img: RgbaImage): RgbaImage {
  const width = Math.max(1, Math.floor(img.width / 2));
  const height = Math.max(1, Math.floor(img.height / 2));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 4; k++) {
        let sum = 0;
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
          const sx = Math.min(img.width - 1, 2 * x + dx);
          const sy = Math.min(img.height - 1, 2 * y + dy);
          sum += img.data[(sy * img.width + sx) * 4 + k]!;
        }
        data[(y * width + x) * 4 + k] = Math.round(sum / 4);
      }
    }
  }
  return { width, height, data };
}

function encodePng(img: RgbaImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2 });
  for (let i = 0; i < img.width * img.height; i++) {
    // 4 bits a channel (x17: 0x0 → 0, 0xf → 255), opaque
    for (let k = 0; k < 3; k++) png.data[i * 4 + k] = Math.round(img.data[i * 4 + k]! / 17) * 17;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: 2, deflateLevel: 9 });
}

export interface EvidenceFrame {
  contentType: 'image/png';
  width: number;
  height: number;
  /** the PNG, base64 */
  base64: string;
}

/** default room for the frame in a fault's evidence (8 KiB of JSON, with the rest of the evidence) */
export const EVIDENCE_FRAME_CHARS = 5_000;

/** The frame as evidence: at most `maxChars` of base64 (halved until it fits), or null when even 8 px wide does not. */
export function evidenceFrame(frame: Buffer | RgbaImage, maxChars = EVIDENCE_FRAME_CHARS): EvidenceFrame | null {
  let img = Buffer.isBuffer(frame) ? readPng(frame) : frame;
  for (;;) {
    const base64 = encodePng(img).toString('base64');
    if (base64.length <= maxChars) return { contentType: 'image/png', width: img.width, height: img.height, base64 };
    if (img.width <= 8 || img.height <= 8) return null;
    img = halve(img);
  }
}
