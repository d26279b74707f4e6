/**
 * `zizhu doctor --test-print`: a clean status proves nothing about paper coming out (the field's
 * "printed successfully", no paper). So, only when asked, the doctor prints the test page and waits
 * for the printer's own proof — the GS ( H completion and a clean status after it (drivers/printer).
 * A page accepted with a clean status that never comes out is PRINTER_NOT_DELIVERING.
 */
import { FaultCode, isDeviceFault } from '../../contracts/faults.ts';
import type { ReceiptPrinter } from '../../drivers/printer/device.ts';
import { testPageFault } from '../flows/print-actors.ts';
import { TEST_PAGE } from '../../drivers/printer/sample-jobs.ts';
import type { DoctorRow } from './doctor.ts';

/** The printer's self-check row with the verified test page's outcome added. */
export async function withTestPrint(printer: Pick<ReceiptPrinter, 'print'>, row: DoctorRow): Promise<DoctorRow> {
  if (row.result === 'FAULT') return { ...row, detail: `${row.detail}; test page not printed (fix the fault first)` };
  try {
    const r = await printer.print(TEST_PAGE, { waitForTaken: false });
    return { ...row, detail: `${row.detail}; test page printed, delivery verified (completion ${r.completionId})` };
  } catch (e) {
    if (!isDeviceFault(e)) return { ...row, result: 'FAULT', faults: [FaultCode.PRINT_NOT_DELIVERED], detail: `test page failed: ${(e as Error).message}` };
    const f = testPageFault(e);
    if (f.silent)
      return {
        ...row,
        result: 'FAULT',
        faults: [FaultCode.PRINTER_NOT_DELIVERING],
        detail: `the status is clean but the test page did not come out: ${f.detail}. Check the paper path and the print mechanism`,
      };
    return { ...row, result: 'FAULT', faults: [f.code], detail: `test page failed: ${f.detail}` };
  }
}
