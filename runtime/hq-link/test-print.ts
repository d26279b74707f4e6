/**
 * HQ's `test-print`: the test page through the verified print path — journaled as a `test-page`
 * print job like the staff's (runtime/flows/print-actors.ts `testPagePrinter`), delivered only when
 * the printer's completion came back with a clean status. Never while a customer is served (the page
 * would come out in the middle of their receipt), nor while another test page prints.
 *
 * Succeeded: "delivered" with the completion id. Failed: "not delivered (<FAULT_CODE>): <detail>"
 * — PRINTER_PAPER_OUT, PRINTER_NOT_DELIVERING (clean status, nothing came out), … — so the console
 * shows the code an ops person acts on.
 */
import { TEST_PAGE } from '../../drivers/printer/sample-jobs.ts';
import { testPageFault, type TestPagePrinter } from '../flows/print-actors.ts';
import type { CommandOutcome } from './remote-hands.ts';

export interface TestPrintOptions {
  printer: Pick<TestPagePrinter, 'print'> | undefined;
  /** why the page must not print now (a customer is served), or null */
  busy: () => string | null;
}

export function verifiedTestPrint(o: TestPrintOptions): () => Promise<CommandOutcome> {
  let running = false;
  return async () => {
    if (!o.printer) return { status: 'failed', detail: 'no printer is configured on this kiosk' };
    const busy = running ? 'a test page is printing already' : o.busy();
    if (busy) return { status: 'failed', detail: `not printed: ${busy}; send it again when the kiosk is idle` };
    running = true;
    try {
      // nobody stands at the kiosk to take it: delivered is the printer's completion, not the take
      const r = await o.printer.print(TEST_PAGE, { waitForTaken: false });
      return { status: 'succeeded', detail: `delivered: the printer confirmed the test page (completion ${r.completionId})` };
    } catch (e) {
      const f = testPageFault(e);
      return { status: 'failed', detail: `not delivered (${f.code}): ${f.detail}` };
    } finally {
      running = false;
    }
  };
}
