import { z } from 'zod';

/**
 * A receipt as the kiosk thinks of it: lines of text, rules, label–value rows, a QR code,
 * then a cut. The encoder turns it into ESC/POS bytes for a printer profile.
 */
export const Align = z.enum(['left', 'center', 'right']);
export type Align = z.infer<typeof Align>;

/** GS ! character scale: 1 (normal) … 8. Width 2 halves the columns a line can hold. */
const Scale = z.number().int().min(1).max(8);

export const ReceiptLineSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('text'),
    /** may contain `\n`; long text wraps at the printer's column width (CJK counts two columns) */
    text: z.string().max(10_000),
    align: Align.optional(),
    bold: z.boolean().optional(),
    underline: z.boolean().optional(),
    width: Scale.optional(),
    height: Scale.optional(),
  }),
  z.object({ kind: z.literal('rule'), style: z.enum(['single', 'double']).optional() }),
  z.object({
    kind: z.literal('pair'),
    /** printed on the left */
    label: z.string().max(1000),
    /** printed flush right on the same line (or the next line when both do not fit) */
    value: z.string().max(1000),
    bold: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('qr'),
    /** UTF-8 bytes are stored in the symbol (GS ( k fn 80 takes at most 7089 bytes) */
    data: z.string().min(1).max(2000),
    /** module size in dots, GS ( k fn 67: 1–16 (default 6) */
    moduleSize: z.number().int().min(1).max(16).optional(),
    errorCorrection: z.enum(['L', 'M', 'Q', 'H']).optional(),
    align: Align.optional(),
  }),
  z.object({ kind: z.literal('feed'), lines: z.number().int().min(1).max(20) }),
]);
export type ReceiptLine = z.infer<typeof ReceiptLineSchema>;

export const PrintJobSchema = z.object({
  /** for logs and the journal; never printed, never personal (e.g. "公积金缴存明细") */
  title: z.string().min(1).max(200),
  lines: z.array(ReceiptLineSchema).min(1).max(2000),
  /** default: the profile's cut (full); `none` leaves the paper uncut */
  cut: z.enum(['full', 'partial', 'none']).optional(),
});
export type PrintJob = z.infer<typeof PrintJobSchema>;
/** A receipt is a print job by another name: what the customer holds. */
export type Receipt = PrintJob;
