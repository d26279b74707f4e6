/**
 * What came out of the simulated printer, as something a person can look at: every printed line
 * with its styles, rendered to text (monospace, 48 columns, CJK two cells wide) and simple HTML.
 */

export type SimAlign = 'left' | 'center' | 'right';

export interface SimSegment {
  text: string;
  bold: boolean;
  underline: boolean;
  /** GS ! width multiplier */
  width: number;
  height: number;
  /** printed in Kanji mode (2-byte GB18030): 24 dots, two font-A columns per character */
  wide: boolean;
  /** font-A columns this segment occupies on paper (CJK 2 per character, times width) */
  cols: number;
}

export type SimLine =
  | { kind: 'text'; align: SimAlign; segments: SimSegment[] }
  | { kind: 'feed'; dots: number }
  | { kind: 'qr'; align: SimAlign; data: string; moduleSize: number; errorCorrection: string }
  | { kind: 'image'; align: SimAlign; widthDots: number; heightDots: number; command: string }
  | { kind: 'note'; text: string };

export type SimReceiptOutcome =
  /** cut and out of the printer (non-presenter) */
  | 'delivered'
  /** cut and waiting in the presenter's mouth */
  | 'in-output'
  /** presenter: the customer took it */
  | 'taken'
  /** presenter: retracted because the next ticket came */
  | 'retracted'
  /** still being printed (no cut yet) */
  | 'printing'
  /** printing stopped (paper out, cover, cutter) and the rest was cleared */
  | 'aborted'
  /** "prints nothing": the mechanism went through the motions, no paper left the printer */
  | 'stuck';

export interface SimReceipt {
  seq: number;
  lines: SimLine[];
  cut: 'full' | 'partial' | null;
  completionIds: string[];
  outcome: SimReceiptOutcome;
  paperMm: number;
  startedAt: number;
  finishedAt: number | null;
  /** GB18030 4-byte sequences found in Kanji-mode text (the encoder must never send one) */
  fourByteSequences: number;
}

/** Terminal cells of one character: CJK and other wide characters take two. */
function cells(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x1100) return 1;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/**
 * One printed line as monospace text `columns` cells wide: each character padded to the columns it
 * takes on paper (so double-width text and 2-byte symbols line up), then aligned.
 */
export function lineText(line: SimLine, columns = 48): string {
  switch (line.kind) {
    case 'feed':
      return '';
    case 'note':
      return `~~ ${line.text} ~~`;
    case 'qr':
      return align(`[QR ${line.data}]`, [...`[QR ${line.data}]`].reduce((a, c) => a + cells(c), 0), columns, line.align);
    case 'image':
      return align(`[image ${line.widthDots}x${line.heightDots} ${line.command}]`, 20, columns, line.align);
    case 'text': {
      let s = '';
      let used = 0;
      for (const seg of line.segments) {
        for (const ch of seg.text) {
          const paper = (seg.wide ? 2 : 1) * seg.width;
          const c = cells(ch);
          s += ch + ' '.repeat(Math.max(0, paper - c));
          used += Math.max(paper, c);
        }
      }
      return align(s.replace(/ +$/, ''), Math.min(used, columns), columns, line.align);
    }
  }
}

function align(s: string, width: number, columns: number, a: SimAlign): string {
  const free = Math.max(0, columns - width);
  const left = a === 'center' ? Math.floor(free / 2) : a === 'right' ? free : 0;
  return ' '.repeat(left) + s;
}

/** A receipt as plain text, one printed line per line; feeds become blank lines. */
export function receiptText(r: Pick<SimReceipt, 'lines'>, columns = 48): string {
  const out: string[] = [];
  for (const l of r.lines) {
    if (l.kind === 'feed') {
      const n = Math.max(1, Math.round(l.dots / 30));
      for (let i = 0; i < n; i++) out.push('');
    } else out.push(lineText(l, columns));
  }
  return out.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A receipt as a small self-contained HTML fragment (monospace, 80 mm wide). */
export function receiptHtml(r: SimReceipt, columns = 48): string {
  const rows = r.lines.map((l) => {
    switch (l.kind) {
      case 'feed':
        return `<div class="feed" style="height:${(l.dots / 8).toFixed(1)}mm"></div>`;
      case 'note':
        return `<div class="note">${esc(l.text)}</div>`;
      case 'qr':
        return `<div style="text-align:${l.align}"><span class="qr" title="QR ${esc(l.errorCorrection)}">QR<br><small>${esc(l.data)}</small></span></div>`;
      case 'image':
        return `<div style="text-align:${l.align}"><span class="img">image ${l.widthDots}×${l.heightDots}</span></div>`;
      case 'text': {
        const spans = l.segments
          .map((s) => {
            const style = [
              s.bold ? 'font-weight:bold' : '',
              s.underline ? 'text-decoration:underline' : '',
              s.width > 1 || s.height > 1 ? `display:inline-block;transform:scale(${s.width},${s.height});transform-origin:left bottom;margin-right:${(s.width - 1) * s.cols * 0.5}em` : '',
            ]
              .filter(Boolean)
              .join(';');
            return style ? `<span style="${style}">${esc(s.text)}</span>` : esc(s.text);
          })
          .join('');
        const tall = Math.max(1, ...l.segments.map((s) => s.height));
        return `<div class="line" style="text-align:${l.align};line-height:${1.25 * tall}em">${spans || '&nbsp;'}</div>`;
      }
    }
  });
  return [
    `<div class="receipt" data-seq="${r.seq}" data-outcome="${r.outcome}" style="width:${columns / 2}em;font-family:'Noto Sans Mono CJK SC','Noto Sans Mono CJK',monospace;white-space:pre;background:#fff;color:#000;padding:1em;border:1px solid #ccc">`,
    ...rows,
    r.cut ? `<div class="cut" style="border-top:1px dashed #999;margin-top:.5em;font-size:.7em;color:#999">✂ ${r.cut} cut${r.completionIds.length ? ` · completion ${esc(r.completionIds.join(', '))}` : ''} · ${esc(r.outcome)}</div>` : '',
    '</div>',
    // no newlines between the rows: inside white-space:pre each one would print as an empty line
  ].join('');
}

/** A full HTML page around a receipt (the control API serves this). */
export function receiptPage(r: SimReceipt | undefined, columns = 48): string {
  const body = r ? receiptHtml(r, columns) : '<p>No receipt printed yet.</p>';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Simulated printer — receipt ${r?.seq ?? ''}</title></head><body style="background:#eee">${body}</body></html>`;
}
