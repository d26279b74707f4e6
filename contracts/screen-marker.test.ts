import { describe, expect, it } from 'vitest';
import { decodeMarker, MARKER_CELL_PX, MARKER_CELLS, MARKER_DARK, MARKER_LIGHT, MARKER_RECT, markerBootId, markerCells, markerSeqBehind, type RgbaImage } from './screen-marker.ts';

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
const DARK = rgb(MARKER_DARK);
const LIGHT = rgb(MARKER_LIGHT);

/**
 * What a capture at `scale` gives of a page (CSS px painted by `paint`): every image pixel is the
 * area-weighted average of the CSS pixels it covers — the anti-aliasing a scaled capture does.
 */
function capture(cssWidth: number, cssHeight: number, scale: number, paint: (x: number, y: number) => [number, number, number], offset = { x: 0, y: 0 }): RgbaImage {
  const width = Math.round(cssWidth * scale);
  const height = Math.round(cssHeight * scale);
  const data = new Uint8Array(width * height * 4);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const acc = [0, 0, 0];
      let area = 0;
      const [x0, x1, y0, y1] = [px / scale, (px + 1) / scale, py / scale, (py + 1) / scale];
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const w = (Math.min(x + 1, x1) - Math.max(x, x0)) * (Math.min(y + 1, y1) - Math.max(y, y0));
          const c = paint(x + offset.x, y + offset.y);
          for (let k = 0; k < 3; k++) acc[k]! += c[k]! * w;
          area += w;
        }
      }
      const i = (py * width + px) * 4;
      for (let k = 0; k < 3; k++) data[i + k] = Math.round(acc[k]! / area);
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

/** a page with the marker of (boot, seq) at (left, top) CSS px and `background` elsewhere */
function page(cells: boolean[], left = 0, top = 0, background: (x: number, y: number) => [number, number, number] = () => [255, 255, 255]) {
  return (x: number, y: number): [number, number, number] => {
    const cx = x - left;
    const cy = y - top;
    if (cy < 0 || cy >= MARKER_CELL_PX || cx < 0 || cx >= cells.length * MARKER_CELL_PX) return background(x, y);
    return cells[Math.floor(cx / MARKER_CELL_PX)] ? DARK : LIGHT;
  };
}

const markerShot = (cells: boolean[], scale: number) => capture(MARKER_RECT.width, MARKER_RECT.height, scale, page(cells));

describe('screen marker', () => {
  it('round-trips boot ids and seqs (seq modulo 2^16) at the scale it is drawn', () => {
    for (const boot of [0, 1, 0x5a, 0xff]) {
      for (let seq = 0; seq < 140_000; seq += 997) {
        expect(decodeMarker(markerShot(markerCells(boot, seq), 1))).toEqual({ found: true, bootId: boot, seq: seq % 65_536 });
      }
    }
  });

  it('decodes frames captured smaller (cheap captures) and larger (HiDPI), anti-aliased', () => {
    const cells = markerCells(0x3c, 4711);
    for (const scale of [0.5, 0.6, 0.75, 1.25, 1.5, 2, 3]) {
      expect(decodeMarker(markerShot(cells, scale)), `scale ${scale}`).toEqual({ found: true, bootId: 0x3c, seq: 4711 });
    }
  });

  it('decodes from a bigger frame when told where the marker is and at which scale', () => {
    const cells = markerCells(7, 12_345);
    // content all around it: a blue title bar
    const shot = capture(300, 40, 0.5, page(cells, 10, 6, (_x, y) => (y < 20 ? [11, 94, 168] : [236, 240, 245])));
    expect(decodeMarker(shot, { x: 5, y: 3, pxPerCss: 0.5 })).toEqual({ found: true, bootId: 7, seq: 12_345 });
    // the same frame read at the wrong place finds nothing
    expect(decodeMarker(shot, { x: 0, y: 0, pxPerCss: 0.5 }).found).toBe(false);
  });

  it('finds no marker in a frame without one: flat colours, page content, noise, a frame too small', () => {
    const flat = (c: [number, number, number]) => capture(MARKER_RECT.width, MARKER_RECT.height, 0.5, () => c);
    expect(decodeMarker(flat([0, 0, 0]))).toMatchObject({ found: false, why: expect.stringMatching(/no contrast/) });
    expect(decodeMarker(flat([255, 255, 255])).found).toBe(false);
    // a header with text-like stripes
    const stripes = capture(MARKER_RECT.width, MARKER_RECT.height, 1, (x) => (x % 9 < 3 ? [20, 20, 20] : [250, 250, 250]));
    expect(decodeMarker(stripes).found).toBe(false);
    let s = 12345;
    const noise = capture(MARKER_RECT.width, MARKER_RECT.height, 1, () => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const v = s & 0xff;
      return [v, v, v];
    });
    expect(decodeMarker(noise).found).toBe(false);
    expect(decodeMarker({ width: 10, height: 1, data: new Uint8Array(40) }).found).toBe(false);
    expect(decodeMarker({ width: 184, height: 4, data: new Uint8Array(8) })).toMatchObject({ found: false, why: expect.stringMatching(/shorter/) });
  });

  it('a corrupted marker never decodes to a wrong boot or seq: every 1, 2 and 3 cells flipped, and random damage', () => {
    const boot = 0x91;
    const seq = 31_337;
    const good = markerCells(boot, seq);
    const check = (cells: boolean[]) => {
      const r = decodeMarker(markerShot(cells, 1));
      if (r.found) expect(r).toEqual({ found: true, bootId: boot, seq });
      return r.found;
    };
    let decoded = 0;
    for (let a = 0; a < MARKER_CELLS; a++) {
      for (let b = a; b < MARKER_CELLS; b++) {
        for (let c = b; c < MARKER_CELLS; c++) {
          const cells = [...good];
          for (const i of new Set([a, b, c])) cells[i] = !cells[i];
          if (check(cells)) decoded++;
        }
      }
    }
    expect(decoded).toBe(0); // every such damage is caught, not just harmless
    // a cell painted half-way (grey) is refused rather than guessed
    const grey = capture(MARKER_RECT.width, MARKER_RECT.height, 1, (x, y) => (Math.floor(x / MARKER_CELL_PX) === 20 ? [128, 128, 128] : page(good)(x, y)));
    expect(decodeMarker(grey)).toMatchObject({ found: false, why: expect.stringMatching(/cell 20/) });
    let s = 99;
    const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x7fffffff);
    for (let trial = 0; trial < 3000; trial++) {
      const cells = good.map((d) => (rand() < 0.15 ? !d : d));
      check(cells);
    }
  });

  it('boot ids come from the boot token: stable, 0–255, different tokens spread', () => {
    expect(markerBootId('abc')).toBe(markerBootId('abc'));
    const ids = new Set(Array.from({ length: 400 }, (_, i) => markerBootId(`token-${i}-x`)));
    for (const id of ids) expect(id >= 0 && id < 256 && Number.isInteger(id)).toBe(true);
    expect(ids.size).toBeGreaterThan(150);
  });

  it('refuses to draw what it cannot carry', () => {
    expect(() => markerCells(256, 1)).toThrow(/boot id/);
    expect(() => markerCells(1, -1)).toThrow(/seq/);
    expect(markerCells(1, 1)).toHaveLength(MARKER_CELLS);
  });

  it('tells how far the marker is behind a seq, across the 2^16 wrap', () => {
    expect(markerSeqBehind(10, 10)).toBe(0);
    expect(markerSeqBehind(8, 10)).toBe(2);
    expect(markerSeqBehind(11, 10)).toBe(-1);
    expect(markerSeqBehind(65_535, 65_536 + 1)).toBe(2);
    expect(markerSeqBehind(0, 65_536)).toBe(0);
  });
});
