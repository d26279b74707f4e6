/**
 * What the screen shows of the printer beyond its health: the receipt printing now ("正在打印…" with
 * how far it should be and how long the kiosk still waits), whether a failed receipt may be lying in
 * the tray, and — on the staff screen — the latest print jobs from the journal and how each ended.
 * Nothing here is personal: a job's title is the receipt's kind.
 */
import type { PrintProgress, RecentPrintJob, Words } from '../../contracts/bridge.ts';
import type { FaultCode } from '../../contracts/faults.ts';
import type { JobEvent } from '../../drivers/printer/device.ts';
import { faultWords } from '../../state-machines/availability.ts';
import type { Now } from '../../state-machines/deadlines.ts';
import type { PrintJobRecord } from '../journal/records.ts';

/** The printer's job in progress, on the kiosk's clock, from the driver's `job` events. */
export class PrinterProgress {
  private progress: PrintProgress | null = null;

  constructor(
    private readonly now: Now,
    private readonly changed: () => void,
  ) {}

  get current(): PrintProgress | null {
    return this.progress;
  }

  jobEvent(e: JobEvent): void {
    if (e.state === 'printing') {
      const at = this.now();
      this.progress = { title: e.title, lines: e.lines, sentAt: at, expectedDoneAt: at + e.expectedMs, giveUpAt: at + e.giveUpMs };
    } else this.progress = null;
    this.changed();
  }
}

/** A flow's failed print may have put part of the receipt in the tray (the flow keeps `printFailure` in its context). */
export function mayHavePrinted(context: unknown): boolean {
  const f = (context as { printFailure?: { mayHavePrinted?: unknown } | null } | null)?.printFailure;
  return f?.mayHavePrinted === true;
}

const KIND_WORDS: Record<string, Words> = {
  'provident-fund-statement': { zh: '公积金缴存明细', en: 'provident-fund statement' },
  'registration-slip': { zh: '挂号凭条', en: 'registration slip' },
  'test-page': { zh: '测试页', en: 'test page' },
};

/** Journal print jobs as the staff screen lists them. */
export function recentPrintJobs(records: readonly PrintJobRecord[]): RecentPrintJob[] {
  return records.map((r) => ({
    at: r.createdAt,
    kind: r.kind,
    what: KIND_WORDS[r.kind] ?? { zh: '凭条', en: 'receipt' },
    status: r.status,
    fault: r.fault,
    faultWords: r.fault ? faultWords('printer', r.fault as FaultCode) : null,
    detail: r.faultDetail ? r.faultDetail.slice(0, 240) : null,
  }));
}
