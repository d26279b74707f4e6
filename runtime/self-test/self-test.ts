/**
 * The kiosk's self-test (issue 10): is this machine ready to serve the next citizen? Run at the
 * start of every promised window (schedule.ts), at boot and on HQ's `self-test` command; the result
 * goes to HQ as `self-test.result` { trigger, ready, checks }, so HQ knows before the first citizen
 * does (HQ raises SELF_TEST_FAILED while not ready).
 *
 * Checks (each bounded by `checkTimeoutMs`, all at once):
 * - `printer`: a fresh status query (DLE EOT …) must answer, the link be up and no fault be set
 *   (paper present, cover closed, no cutter error); "paper nearly used up" passes, with a warning.
 *   Decided: no paper is printed at a window start — a test page at every opening would waste a
 *   roll a month on a 24-hour kiosk with exceptions, and the status proves paper and cover. A test
 *   page is printed only when HQ asks (`self-test` with `testPrint`, or `test-print`); it then must
 *   come out verified (`printer.testPage`).
 * - `idReader`: the reader's SAM answers its status (11 FF) with 90 — the SAM is what reads cards
 *   (any other answer is asked once more, then fails).
 * - each configured back office (`providentFund`, `his`, `payment`): its harmless read gets an
 *   answer (back-office-health.ts `probe`).
 * Ready = every check ok.
 */
import type { HqEventPayload } from '../../contracts/hq.ts';
import type { BackendName } from '../../backends/errors.ts';
import type { PrinterHealth } from '../../drivers/printer/device.ts';
import type { IdReaderSelfCheck } from '../../drivers/id-reader/device.ts';
import type { CommandOutcome } from '../hq-link/remote-hands.ts';

export type SelfTestTrigger = HqEventPayload<'self-test.result'>['trigger'];
export interface SelfTestCheck {
  name: string;
  ok: boolean;
  detail: string;
}
export interface SelfTestResult {
  ready: boolean;
  checks: SelfTestCheck[];
}

/** What the self-test asks; anything absent is not installed / configured here and not checked. */
export interface SelfTestParts {
  printer?: { refreshStatus(): Promise<PrinterHealth> };
  idReader?: { selfCheck(): Promise<IdReaderSelfCheck> };
  backOffices?: { names: readonly BackendName[]; probe(b: BackendName): Promise<{ reachable: boolean; detail: string }> };
  /** the verified test page (only when asked) */
  testPrint?: () => Promise<CommandOutcome>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** `p`, or a rejection naming `what` after `ms` (a device that hangs fails its check, not the test). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function printerCheck(h: PrinterHealth): SelfTestCheck {
  if (h.link.state !== 'up') return { name: 'printer', ok: false, detail: `the printer link is ${h.link.state}${h.link.lastError ? `: ${h.link.lastError}` : ''}` };
  if (h.faults.length) return { name: 'printer', ok: false, detail: `the printer reports ${h.faults.join(', ')}` };
  if (h.state === 'unknown') return { name: 'printer', ok: false, detail: 'the printer did not answer its status request' };
  return { name: 'printer', ok: true, detail: h.warnings.length ? `status clean, with warnings: ${h.warnings.join(', ')}` : 'status clean: online, paper present, cover closed' };
}

/**
 * The SAM answers its status with 90 and nothing else: an answer that is no fault but not 90 either
 * (a reply of another exchange, e.g. 80 "no card" of a find) is asked again once before it fails.
 */
async function samCheck(idReader: NonNullable<SelfTestParts['idReader']>): Promise<SelfTestCheck> {
  let r = await idReader.selfCheck();
  if (r.ok && r.sw3 !== undefined && r.sw3 !== '90') r = await idReader.selfCheck();
  if (r.ok && (r.sw3 === undefined || r.sw3 === '90')) return { name: 'idReader', ok: true, detail: `SAM ok (${r.detail})` };
  if (r.ok) return { name: 'idReader', ok: false, detail: `SAM status answered ${r.sw3} ${r.status ?? ''}, not 90 ok`.trim() };
  return { name: 'idReader', ok: false, detail: `SAM not ok: ${r.fault ? `${r.fault}: ` : ''}${r.detail}` };
}

/** Run every check; never rejects (a check that throws or hangs fails with the reason). */
export async function runSelfTest(parts: SelfTestParts, o: { testPrint?: boolean; checkTimeoutMs?: number } = {}): Promise<SelfTestResult> {
  const ms = o.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const failedWith = (name: string) => (e: unknown): SelfTestCheck => ({ name, ok: false, detail: (e instanceof Error ? e.message : String(e)).slice(0, 400) });
  const checks: Promise<SelfTestCheck>[] = [];
  const { printer, idReader, backOffices, testPrint } = parts;
  if (printer) {
    // the status first, then (only when asked) the page: a faulty printer is not sent one
    checks.push(
      within(printer.refreshStatus(), ms, 'printer status').then(printerCheck, failedWith('printer')),
    );
  }
  if (idReader) checks.push(within(samCheck(idReader), ms, 'ID reader SAM status').then((c) => c, failedWith('idReader')));
  for (const b of backOffices?.names ?? [])
    checks.push(
      within(backOffices!.probe(b), ms, `back office ${b}`).then(
        (r) => ({ name: b, ok: r.reachable, detail: r.reachable ? `reachable: ${r.detail}` : r.detail }),
        failedWith(b),
      ),
    );
  const done = await Promise.all(checks);
  if (o.testPrint) {
    const status = done.find((c) => c.name === 'printer');
    if (!printer || !testPrint) done.push({ name: 'printer.testPage', ok: false, detail: 'no printer is configured on this kiosk' });
    else if (status && !status.ok) done.push({ name: 'printer.testPage', ok: false, detail: 'not printed: the printer status is not clean' });
    else {
      // the page waits for the printer's completion (up to its own give-up time), not for `ms`
      const page = await testPrint().catch((e: unknown): CommandOutcome => ({ status: 'failed', detail: (e as Error).message }));
      done.push({ name: 'printer.testPage', ok: page.status === 'succeeded', detail: page.detail.slice(0, 400) });
    }
  }
  return { ready: done.every((c) => c.ok), checks: done };
}

/** The command's outcome: succeeded when ready; failed with the checks that failed. */
export function selfTestOutcome(r: SelfTestResult): CommandOutcome {
  if (r.ready) return { status: 'succeeded', detail: `ready: ${r.checks.map((c) => c.name).join(', ') || 'nothing to check'} ok` };
  return { status: 'failed', detail: `not ready: ${r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ')}` };
}
