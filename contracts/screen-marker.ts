/**
 * The screen marker (issue 11, "the screen proves what it shows"): a thin strip of dark and light
 * square cells the renderer draws in the screen's top-left corner, in the same frame as the screen
 * itself, encoding which boot and which screen message (`seq`) it shows. The agent's watchdog reads
 * it back from pixels the shell captured: the glass then proves that the latest screen is shown.
 *
 *   cells, left to right (dark = 1):  start 101101 | boot id 8 bits | seq mod 2^16, 16 bits | CRC-16 16 bits
 *
 * - One row of {@link MARKER_CELLS} cells of {@link MARKER_CELL_PX} CSS px: 184 × 4 px.
 * - The boot id is a hash of the bridge's boot token (`markerBootId`): the renderer reads the token
 *   from its URL, the agent knows it; a page of another boot shows another id.
 * - Decoding samples the middle of every cell (anti-aliased edges are ignored), calibrates dark and
 *   light on the start cells, refuses a cell that is neither clearly dark nor clearly light, then
 *   checks the start pattern and the CRC (CRC-16/CCITT: any error of up to 3 cells is detected).
 *   A frame captured at another scale (0.5 for a cheap capture, 2 on a HiDPI screen) decodes the
 *   same: the scale is taken from the image size, or given.
 *
 * Pure: no DOM, no Node. The renderer draws `markerCells()`; the agent calls `decodeMarker()`.
 */

/** one cell's side, CSS px */
export const MARKER_CELL_PX = 4;
const START = [1, 0, 1, 1, 0, 1] as const;
const BOOT_BITS = 8;
const SEQ_BITS = 16;
const CRC_BITS = 16;
export const MARKER_CELLS = START.length + BOOT_BITS + SEQ_BITS + CRC_BITS;
/** the marker's size and place on the page, CSS px (top-left corner) */
export const MARKER_RECT = { x: 0, y: 0, width: MARKER_CELLS * MARKER_CELL_PX, height: MARKER_CELL_PX } as const;
/** the colours drawn: a muted dark and the page's light grey */
export const MARKER_DARK = '#1d2733';
export const MARKER_LIGHT = '#eef1f5';
/** seqs are carried modulo this */
export const MARKER_SEQ_MODULO = 2 ** SEQ_BITS;

/** This boot's marker id (0–255): FNV-1a of the bridge's boot token. */
export function markerBootId(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff;
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff) of `bytes`. */
function crc16(bytes: readonly number[]): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

const bitsOf = (value: number, n: number): number[] => Array.from({ length: n }, (_, i) => (value >>> (n - 1 - i)) & 1);
const valueOf = (bits: readonly number[]): number => bits.reduce((v, b) => v * 2 + b, 0);
const payloadBytes = (bootId: number, seq16: number) => [bootId & 0xff, (seq16 >>> 8) & 0xff, seq16 & 0xff];

/** The cells to draw for this boot and screen seq, left to right: true = dark. */
export function markerCells(bootId: number, seq: number): boolean[] {
  if (!Number.isInteger(bootId) || bootId < 0 || bootId > 0xff) throw new Error(`marker boot id must be 0–255, not ${bootId}`);
  if (!Number.isInteger(seq) || seq < 0) throw new Error(`marker seq must be a non-negative integer, not ${seq}`);
  const seq16 = seq % MARKER_SEQ_MODULO;
  const bits = [...START, ...bitsOf(bootId, BOOT_BITS), ...bitsOf(seq16, SEQ_BITS), ...bitsOf(crc16(payloadBytes(bootId, seq16)), CRC_BITS)];
  return bits.map((b) => b === 1);
}

/** An RGBA image as pngjs decodes one (4 bytes a pixel, rows top to bottom). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Where the marker is in the image: its top-left corner (image px) and image px per CSS px. */
export interface MarkerPlace {
  x: number;
  y: number;
  pxPerCss: number;
}

export type MarkerReading =
  | { found: true; bootId: number; /** seq modulo 2^16 */ seq: number }
  | { found: false; why: string };

/** luminance 0–255 of the cell's middle half (both ways), averaged */
function cellLuminance(img: RgbaImage, place: MarkerPlace, cell: number): number | null {
  const size = MARKER_CELL_PX * place.pxPerCss;
  const left = place.x + cell * size;
  const top = place.y;
  let x0 = Math.floor(left + size * 0.25);
  let x1 = Math.ceil(left + size * 0.75) - 1;
  let y0 = Math.floor(top + size * 0.25);
  let y1 = Math.ceil(top + size * 0.75) - 1;
  // a cell under 2 px: the pixel holding its middle
  if (x1 < x0) x0 = x1 = Math.floor(left + size / 2);
  if (y1 < y0) y0 = y1 = Math.floor(top + size / 2);
  if (x0 < 0 || y0 < 0 || x1 >= img.width || y1 >= img.height) return null;
  let sum = 0;
  let n = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const i = (y * img.width + x) * 4;
      sum += 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
      n++;
    }
  }
  return sum / n;
}

/** dark and light must differ at least this much (0–255) for a marker to be read at all */
const MIN_CONTRAST = 60;
/** a cell closer than this share of the contrast to the middle is neither dark nor light */
const AMBIGUOUS = 0.25;

/**
 * Read the marker. Without `place`, the image is taken to be exactly the marker's rectangle
 * (`MARKER_RECT`) at whatever scale it was captured: the scale is its width / the marker's width.
 * Never guesses: a cell that is not clearly dark or light, a wrong start pattern or a CRC that does
 * not match gives `found: false` with the reason.
 */
export function decodeMarker(img: RgbaImage, place?: MarkerPlace): MarkerReading {
  if (img.data.length < img.width * img.height * 4) return { found: false, why: `the image data is shorter than ${img.width}×${img.height} RGBA` };
  const at = place ?? { x: 0, y: 0, pxPerCss: img.width / MARKER_RECT.width };
  if (!(at.pxPerCss > 0) || MARKER_CELL_PX * at.pxPerCss < 1) return { found: false, why: `the image is too small to hold the marker (${img.width}×${img.height})` };
  const levels: number[] = [];
  for (let c = 0; c < MARKER_CELLS; c++) {
    const l = cellLuminance(img, at, c);
    if (l === null) return { found: false, why: `the marker runs past the image (${img.width}×${img.height})` };
    levels.push(l);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const dark = mean(START.flatMap((b, i) => (b === 1 ? [levels[i]!] : [])));
  const light = mean(START.flatMap((b, i) => (b === 0 ? [levels[i]!] : [])));
  const contrast = light - dark;
  if (contrast < MIN_CONTRAST) return { found: false, why: `no marker: the start cells have no contrast (dark ${Math.round(dark)}, light ${Math.round(light)})` };
  const middle = (dark + light) / 2;
  const bits: number[] = [];
  for (let c = 0; c < MARKER_CELLS; c++) {
    const l = levels[c]!;
    if (Math.abs(l - middle) < contrast * AMBIGUOUS) return { found: false, why: `cell ${c} is neither dark nor light (${Math.round(l)})` };
    bits.push(l < middle ? 1 : 0);
  }
  if (START.some((b, i) => bits[i] !== b)) return { found: false, why: 'no marker: the start pattern does not match' };
  let o = START.length;
  const bootId = valueOf(bits.slice(o, (o += BOOT_BITS)));
  const seq = valueOf(bits.slice(o, (o += SEQ_BITS)));
  const crc = valueOf(bits.slice(o, (o += CRC_BITS)));
  if (crc !== crc16(payloadBytes(bootId, seq))) return { found: false, why: 'the marker is damaged: its checksum does not match' };
  return { found: true, bootId, seq };
}

/**
 * How far the marker's seq (modulo 2^16) is behind `seq`: 0 when it shows it, n > 0 when it shows
 * the screen n pushes earlier, negative when it shows a later one (its `painted` is on its way).
 */
export function markerSeqBehind(markerSeq: number, seq: number): number {
  const d = (((seq - markerSeq) % MARKER_SEQ_MODULO) + MARKER_SEQ_MODULO) % MARKER_SEQ_MODULO;
  return d < MARKER_SEQ_MODULO / 2 ? d : d - MARKER_SEQ_MODULO;
}
