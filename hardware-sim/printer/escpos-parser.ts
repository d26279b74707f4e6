/**
 * A streaming ESC/POS parser for the simulated printer: bytes as they arrive on the wire →
 * text runs, control characters, commands (with their parameters) and real-time commands.
 *
 * It knows the length of every command our encoder and @point-of-sale/receipt-printer-encoder emit
 * (ESC @ ! - 2 3 E G J M a d t p, GS ! V a r k v 0 ( x, FS & . - !, DLE EOT/ENQ/DC4 …) plus the
 * common rest of the Epson set, so the payload of a command (QR data, raster images, barcodes)
 * is never mistaken for commands or text. Large payloads (raster images, NV graphics) are skipped by
 * count, not buffered: the parser holds at most `maxBuffer` bytes whatever arrives.
 * Unknown command bytes are reported as `unknown` and skipped (ESC x / GS x / FS x: two bytes).
 */

export type EscPosEvent =
  /** printable bytes (≥ 0x20); in Kanji mode the simulator pairs them */
  | { kind: 'text'; bytes: Uint8Array; offset: number }
  | { kind: 'control'; code: 'LF' | 'CR' | 'HT' | 'FF' | 'CAN'; offset: number }
  /**
   * a command; `name` like "ESC a", "GS ( k", "DLE EOT"; `params` are the bytes after the command
   * code (for `X ( y` commands: pL pH and the payload; for skipped payloads: the header only)
   */
  | { kind: 'command'; name: string; params: Uint8Array; offset: number; realtime: boolean; skipped?: number }
  | { kind: 'unknown'; bytes: Uint8Array; offset: number; reason: string };

export interface EscPosParserOptions {
  /** the most bytes held while a command is incomplete (default 8 KiB, enough for a full QR store) */
  maxBuffer?: number;
}

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

/** ESC x: number of fixed parameter bytes */
const ESC_FIXED: Record<number, number> = {
  0x20: 1, // ESC SP n
  0x21: 1, // ESC ! n
  0x24: 2, // ESC $ nL nH
  0x25: 1, // ESC % n
  0x2d: 1, // ESC - n
  0x32: 0, // ESC 2
  0x33: 1, // ESC 3 n
  0x34: 1, // ESC 4 n (Custom italic)
  0x3c: 0, // ESC <
  0x3d: 1, // ESC = n
  0x3f: 1, // ESC ? n
  0x40: 0, // ESC @
  0x45: 1, // ESC E n
  0x47: 1, // ESC G n
  0x4a: 1, // ESC J n
  0x4b: 1, // ESC K n
  0x4c: 0, // ESC L
  0x4d: 1, // ESC M n
  0x52: 1, // ESC R n
  0x53: 0, // ESC S
  0x54: 1, // ESC T n
  0x55: 1, // ESC U n
  0x56: 1, // ESC V n
  0x57: 8, // ESC W
  0x5c: 2, // ESC \ nL nH
  0x61: 1, // ESC a n
  0x63: 2, // ESC c x n
  0x64: 1, // ESC d n
  0x65: 1, // ESC e n
  0x69: 0, // ESC i
  0x6d: 0, // ESC m
  0x70: 3, // ESC p m t1 t2
  0x72: 1, // ESC r n
  0x74: 1, // ESC t n
  0x75: 1, // ESC u n
  0x76: 0, // ESC v
  0x7b: 1, // ESC { n
  0x0c: 0, // ESC FF
};

/** GS x: number of fixed parameter bytes */
const GS_FIXED: Record<number, number> = {
  0x21: 1, // GS ! n
  0x24: 2, // GS $ nL nH
  0x2f: 1, // GS / m
  0x3a: 0, // GS :
  0x42: 1, // GS B n
  0x45: 1, // GS E n
  0x48: 1, // GS H n
  0x49: 1, // GS I n
  0x4c: 2, // GS L nL nH
  0x50: 2, // GS P x y
  0x54: 1, // GS T n
  0x57: 2, // GS W nL nH
  0x5c: 2, // GS \ nL nH
  0x5e: 3, // GS ^ r t m
  0x61: 1, // GS a n
  0x62: 1, // GS b n
  0x63: 0, // GS c
  0x65: 1, // GS e n (Custom presenter)
  0x66: 1, // GS f n
  0x68: 1, // GS h n
  0x72: 1, // GS r n
  0x77: 1, // GS w n
  0x7c: 1, // GS | n (Custom density)
};

/** FS x: number of fixed parameter bytes */
const FS_FIXED: Record<number, number> = {
  0x21: 1, // FS ! n
  0x26: 0, // FS &
  0x2d: 1, // FS - n
  0x2e: 0, // FS .
  0x43: 1, // FS C n
  0x50: 4, // FS P (Custom present: steps, blink, E/R, timeout)
  0x53: 2, // FS S n1 n2
  0x57: 1, // FS W n
  0x70: 2, // FS p n m
};

const NAMES: Record<number, string> = { [ESC]: 'ESC', [GS]: 'GS', [FS]: 'FS', [DLE]: 'DLE' };

function cmdName(prefix: number, code: number, sub?: number): string {
  const ch = (c: number) => (c >= 0x21 && c <= 0x7e ? String.fromCharCode(c) : `0x${c.toString(16).padStart(2, '0')}`);
  return `${NAMES[prefix]} ${ch(code)}${sub === undefined ? '' : ` ${ch(sub)}`}`;
}

/** What is at the front of the buffer. */
type Parsed =
  | { need: true }
  | { len: number; event: 'command'; name: string; paramsFrom: number; realtime?: boolean }
  /** a header of `len` bytes followed by `skip` payload bytes that are counted, not kept */
  | { len: number; event: 'skip'; name: string; skip: number; paramsFrom?: number }
  | { len: number; event: 'unknown'; reason: string };

export class EscPosParser {
  private buf: Uint8Array;
  private n = 0;
  /** stream offset of buf[0] */
  private base = 0;
  private skipping: { name: string; remaining: number } | null = null;
  private readonly maxBuffer: number;

  constructor(opts: EscPosParserOptions = {}) {
    this.maxBuffer = Math.max(256, opts.maxBuffer ?? 8 * 1024 + 64);
    this.buf = new Uint8Array(this.maxBuffer);
  }

  /** bytes held (an incomplete command) */
  get pending(): number {
    return this.n;
  }
  /** bytes consumed so far */
  get offset(): number {
    return this.base;
  }

  push(chunk: Uint8Array): EscPosEvent[] {
    const out: EscPosEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.skipping) {
        const k = Math.min(this.skipping.remaining, chunk.length - i);
        this.skipping.remaining -= k;
        this.base += k;
        i += k;
        if (this.skipping.remaining === 0) this.skipping = null;
        continue;
      }
      const k = Math.min(this.maxBuffer - this.n, chunk.length - i);
      this.buf.set(chunk.subarray(i, i + k), this.n);
      this.n += k;
      i += k;
      this.drain(out);
      if (this.n >= this.maxBuffer) {
        // an incomplete command larger than the buffer: it is not one we can hold; drop its prefix byte
        out.push({ kind: 'unknown', bytes: this.buf.slice(0, 1), offset: this.base, reason: `command longer than the ${this.maxBuffer}-byte buffer` });
        this.consume(1);
        this.drain(out);
      }
    }
    return out;
  }

  private consume(k: number): void {
    this.buf.copyWithin(0, k, this.n);
    this.n -= k;
    this.base += k;
  }

  private drain(out: EscPosEvent[]): void {
    let p = 0;
    const b = this.buf;
    while (p < this.n && !this.skipping) {
      const c = b[p]!;
      if (c >= 0x20) {
        let q = p + 1;
        while (q < this.n && b[q]! >= 0x20) q++;
        out.push({ kind: 'text', bytes: b.slice(p, q), offset: this.base + p });
        p = q;
        continue;
      }
      if (c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x18) {
        const code = ({ 0x0a: 'LF', 0x0d: 'CR', 0x09: 'HT', 0x0c: 'FF', 0x18: 'CAN' } as const)[c];
        out.push({ kind: 'control', code, offset: this.base + p });
        p++;
        continue;
      }
      if (c !== ESC && c !== GS && c !== FS && c !== DLE) {
        out.push({ kind: 'unknown', bytes: b.slice(p, p + 1), offset: this.base + p, reason: 'control byte with no meaning here' });
        p++;
        continue;
      }
      const r = this.parseCommand(p);
      if ('need' in r) break;
      const at = this.base + p;
      if (r.event === 'command') {
        out.push({ kind: 'command', name: r.name, params: b.slice(p + r.paramsFrom, p + r.len), offset: at, realtime: r.realtime ?? false });
        p += r.len;
      } else if (r.event === 'skip') {
        out.push({ kind: 'command', name: r.name, params: b.slice(p + (r.paramsFrom ?? 2), p + r.len), offset: at, realtime: false, skipped: r.skip });
        p += r.len;
        const inBuf = Math.min(r.skip, this.n - p);
        p += inBuf;
        if (r.skip - inBuf > 0) this.skipping = { name: r.name, remaining: r.skip - inBuf };
      } else {
        out.push({ kind: 'unknown', bytes: b.slice(p, p + r.len), offset: at, reason: r.reason });
        p += r.len;
      }
    }
    this.consume(p);
  }

  /** Length of the command starting at buf[p] (its first byte is ESC, GS, FS or DLE). */
  private parseCommand(p: number): Parsed {
    const b = this.buf;
    const avail = this.n - p;
    const at = (k: number) => b[p + k]!;
    if (avail < 2) return { need: true };
    const prefix = at(0);
    const code = at(1);
    const fixed = (table: Record<number, number>): Parsed | null => {
      const k = table[code];
      if (k === undefined) return null;
      if (avail < 2 + k) return { need: true };
      return { len: 2 + k, event: 'command', name: cmdName(prefix, code), paramsFrom: 2 };
    };
    /** `prefix ( x pL pH payload` (ESC ( x, GS ( x, FS ( x) */
    const lengthPrefixed = (): Parsed => {
      if (avail < 5) return { need: true };
      const len = at(3) + at(4) * 256;
      const name = cmdName(prefix, code, at(2));
      // QR store (GS ( k) and small payloads are kept; large ones (graphics) are skipped
      const keep = len <= 1024 || (prefix === GS && at(2) === 0x6b && len <= this.maxBuffer - 16);
      if (keep) {
        if (avail < 5 + len) return { need: true };
        return { len: 5 + len, event: 'command', name, paramsFrom: 3 };
      }
      return { len: 5, event: 'skip', name, skip: len, paramsFrom: 3 };
    };

    if (prefix === DLE) {
      if (code === 0x04) {
        if (avail < 3) return { need: true };
        const n = at(2);
        const len = n === 7 || n === 8 || n === 18 ? 4 : 3;
        if (avail < len) return { need: true };
        return { len, event: 'command', name: 'DLE EOT', paramsFrom: 2, realtime: true };
      }
      if (code === 0x05) {
        if (avail < 3) return { need: true };
        return { len: 3, event: 'command', name: 'DLE ENQ', paramsFrom: 2, realtime: true };
      }
      if (code === 0x14) {
        if (avail < 3) return { need: true };
        const fn = at(2);
        const len = fn === 1 || fn === 2 ? 5 : fn === 3 ? 8 : fn === 7 ? 4 : fn === 8 ? 10 : 3;
        if (avail < len) return { need: true };
        return { len, event: 'command', name: 'DLE DC4', paramsFrom: 2, realtime: true };
      }
      return { len: 1, event: 'unknown', reason: 'DLE not followed by EOT, ENQ or DC4' };
    }

    if (prefix === ESC) {
      const f = fixed(ESC_FIXED);
      if (f) return f;
      if (code === 0x28) return lengthPrefixed(); // ESC ( x pL pH
      if (code === 0x44) {
        // ESC D n1 … nk NUL (tab stops, at most 32)
        for (let k = 2; k < Math.min(avail, 35); k++) if (at(k) === 0) return { len: k + 1, event: 'command', name: 'ESC D', paramsFrom: 2 };
        return avail >= 35 ? { len: 2, event: 'unknown', reason: 'ESC D without NUL within 32 tab stops' } : { need: true };
      }
      if (code === 0x2a) {
        // ESC * m nL nH d1…dk: k = n (8-dot) or 3n (24-dot)
        if (avail < 5) return { need: true };
        const m = at(2);
        const cols = at(3) + at(4) * 256;
        return { len: 5, event: 'skip', name: 'ESC *', skip: m >= 32 ? cols * 3 : cols };
      }
      if (code === 0x26) {
        // ESC & y c1 c2 [x d1…d(y×x)]…: user-defined characters
        if (avail < 5) return { need: true };
        const y = at(2);
        const c1 = at(3);
        const c2 = at(4);
        if (y < 1 || y > 3 || c1 < 0x20 || c2 > 0x7e || c1 > c2) return { len: 2, event: 'unknown', reason: 'ESC & with out-of-range y/c1/c2' };
        let k = 5;
        for (let c = c1; c <= c2; c++) {
          if (avail < k + 1) return { need: true };
          k += 1 + y * at(k);
        }
        if (avail < k) return { need: true };
        return { len: 2, event: 'skip', name: 'ESC &', skip: k - 2 };
      }
      return { len: 2, event: 'unknown', reason: `unknown command ${cmdName(prefix, code)}` };
    }

    if (prefix === GS) {
      if (code === 0x56) {
        // GS V m [n]: m 0,1,48,49 → no n; 65,66,97,98,103,104 → n
        if (avail < 3) return { need: true };
        const m = at(2);
        const len = [0, 1, 0x30, 0x31].includes(m) ? 3 : 4;
        if (avail < len) return { need: true };
        return { len, event: 'command', name: 'GS V', paramsFrom: 2 };
      }
      const f = fixed(GS_FIXED);
      if (f) return f;
      if (code === 0x28) return lengthPrefixed();
      if (code === 0x6b) {
        // GS k m d1…dk NUL (m 0–6) | GS k m n d1…dn (m 65–79)
        if (avail < 3) return { need: true };
        const m = at(2);
        if (m <= 6) {
          for (let k = 3; k < Math.min(avail, 3 + 256); k++) if (at(k) === 0) return { len: k + 1, event: 'command', name: 'GS k', paramsFrom: 2 };
          return avail >= 3 + 256 ? { len: 3, event: 'unknown', reason: 'GS k barcode without NUL within 255 bytes' } : { need: true };
        }
        if (avail < 4) return { need: true };
        const len = 4 + at(3);
        if (avail < len) return { need: true };
        return { len, event: 'command', name: 'GS k', paramsFrom: 2 };
      }
      if (code === 0x76 || code === 0x51) {
        // GS v 0 m xL xH yL yH d… / GS Q 0 m xL xH yL yH d…: raster bit image
        if (avail < 8) return { need: true };
        const x = at(4) + at(5) * 256;
        const y = at(6) + at(7) * 256;
        return { len: 8, event: 'skip', name: cmdName(prefix, code, at(2)), skip: x * y };
      }
      if (code === 0x2a) {
        // GS * x y d… (x × y × 8 bytes)
        if (avail < 4) return { need: true };
        return { len: 4, event: 'skip', name: 'GS *', skip: at(2) * at(3) * 8 };
      }
      if (code === 0x38) {
        // GS 8 L p1 p2 p3 p4 … (4-byte length)
        if (avail < 7) return { need: true };
        const len = at(3) + at(4) * 0x100 + at(5) * 0x10000 + at(6) * 0x1000000;
        return { len: 7, event: 'skip', name: cmdName(prefix, code, at(2)), skip: len };
      }
      if (code === 0x67) {
        // GS g 0 m nL nH / GS g 2 m nL nH (maintenance counters)
        if (avail < 6) return { need: true };
        return { len: 6, event: 'command', name: 'GS g', paramsFrom: 2 };
      }
      return { len: 2, event: 'unknown', reason: `unknown command ${cmdName(prefix, code)}` };
    }

    // FS
    const f = fixed(FS_FIXED);
    if (f) return f;
    if (code === 0x28) return lengthPrefixed();
    if (code === 0x32) {
      // FS 2 c1 c2 d1…d72: user-defined Kanji
      if (avail < 4) return { need: true };
      return { len: 4, event: 'skip', name: 'FS 2', skip: 72 };
    }
    return { len: 2, event: 'unknown', reason: `unknown command ${cmdName(prefix, code)}` };
  }
}
