/**
 * The agent's part of HQ's remote hands and its self-test (issue 10), composed from what the agent
 * owns — devices, journal, back offices, the kiosk's lifecycle, the running config — so that
 * runtime/agent.ts only starts and stops this:
 *
 * - the self-test (self-test.ts) at the start of every promised window (schedule.ts), at boot (once
 *   the lifecycle's own start-up self-test is over) and on HQ's `self-test`; every run is a
 *   `self-test.result` in the outbox. Runs never overlap: a second asks while one runs waits for it
 *   and runs after it.
 * - `test-print` (runtime/hq-link/test-print.ts), refused while a customer is served;
 * - `set-promised-hours` (runtime/hq-link/promised-hours.ts), which also re-arms the window-start timer.
 */
import type { BackendName } from '../../backends/errors.ts';
import type { IdCardReader } from '../../drivers/id-reader/device.ts';
import type { ReceiptPrinter } from '../../drivers/printer/device.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import type { Now } from '../../state-machines/deadlines.ts';
import type { BackOfficeHealth } from '../flows/back-office-health.ts';
import type { TestPagePrinter } from '../flows/print-actors.ts';
import type { Journal } from '../journal/journal.ts';
import type { Kiosk } from '../kiosk/kiosk.ts';
import { setPromisedHours } from '../hq-link/promised-hours.ts';
import type { RemoteHands } from '../hq-link/remote-hands.ts';
import { verifiedTestPrint } from '../hq-link/test-print.ts';
import { WindowStartSchedule } from './schedule.ts';
import { runSelfTest, selfTestOutcome, type SelfTestResult, type SelfTestTrigger } from './self-test.ts';

export interface AgentHandsOptions {
  /** the running config (its hours are replaced in place by set-promised-hours) */
  config: KioskConfig;
  dataDir: string;
  now: Now;
  journal: Journal;
  log: { info(m: string): unknown; warn(m: string): unknown; error(m: string): unknown };
  printer?: ReceiptPrinter;
  /** the journaled test page (the staff's) */
  testPagePrinter?: TestPagePrinter;
  idReader?: IdCardReader;
  backOffice?: BackOfficeHealth;
  kiosk?: Kiosk;
  /** tell HQ the promised hours in force (`hours.config`); returns their version */
  reportHours: () => string;
  /** the boot self-test waits at most this long for the lifecycle's start-up self-test (default 30 s) */
  bootWaitMs?: number;
  checkTimeoutMs?: number;
}

export interface AgentHands {
  hands: Pick<RemoteHands, 'testPrint' | 'selfTest' | 'setPromisedHours'>;
  /** run the self-test now (and send its result to HQ) */
  runSelfTest(trigger: SelfTestTrigger, o?: { testPrint?: boolean }): Promise<SelfTestResult>;
  /** the next window start the self-test waits for (null: none) */
  readonly nextWindowStart: number | null;
  stop(): void;
}

const STARTING = new Set(['booting', 'selfTest']);

export function startAgentHands(o: AgentHandsOptions): AgentHands {
  const { config, journal, log, kiosk } = o;
  let stopped = false;
  const busy = () => (kiosk?.lifecycle.getSnapshot().context.activeSession ? 'a customer is being served' : null);
  const testPrint = verifiedTestPrint({ printer: o.testPagePrinter, busy });
  const backOffices = o.backOffice ? (Object.keys(config.backends) as BackendName[]).filter((b) => config.backends[b]) : [];
  const parts = {
    ...(o.printer ? { printer: o.printer } : {}),
    ...(o.idReader ? { idReader: o.idReader } : {}),
    ...(o.backOffice && backOffices.length ? { backOffices: { names: backOffices, probe: (b: BackendName) => o.backOffice!.probe(b) } } : {}),
    ...(o.testPagePrinter ? { testPrint } : {}),
  };

  let chain: Promise<unknown> = Promise.resolve();
  const run = (trigger: SelfTestTrigger, opts: { testPrint?: boolean } = {}): Promise<SelfTestResult> => {
    const next = chain.then(async () => {
      const r = await runSelfTest(parts, { ...opts, ...(o.checkTimeoutMs ? { checkTimeoutMs: o.checkTimeoutMs } : {}) });
      const line = `self-test (${trigger}): ${selfTestOutcome(r).detail}`;
      if (r.ready) log.info(line);
      else log.warn(line);
      if (!stopped) journal.outbox.enqueue('self-test.result', { trigger, ready: r.ready, checks: r.checks.map((c) => ({ ...c, detail: c.detail.slice(0, 500) })) });
      return r;
    });
    chain = next.catch(() => undefined);
    return next;
  };

  const schedule = new WindowStartSchedule({
    hours: () => config.promisedHours,
    now: o.now,
    onWindowStart: (at) => {
      log.info(`a promised window starts (${new Date(at).toISOString()}): self-test`);
      run('window-start').catch((e: unknown) => log.error(`the window-start self-test failed: ${(e as Error).message}`));
    },
  }).start();

  // at boot, after the lifecycle's own start-up self-test (both ask the printer)
  const bootTimer = setTimeout(function boot(this: void, waited = 0) {
    if (stopped) return;
    const status = kiosk?.lifecycle.getSnapshot().context.status;
    if (status && STARTING.has(status) && waited < (o.bootWaitMs ?? 30_000)) return void setTimeout(boot, 200, waited + 200).unref();
    run('boot').catch((e: unknown) => log.error(`the boot self-test failed: ${(e as Error).message}`));
  }, 0);
  bootTimer.unref();

  return {
    hands: {
      testPrint,
      selfTest: async ({ testPrint: withPage }) => selfTestOutcome(await run('command', { testPrint: withPage })),
      setPromisedHours: async (args, commandId) => {
        const out = setPromisedHours(
          { config, dataDir: o.dataDir, now: o.now, ...(kiosk ? { apply: (h) => kiosk.setHours(h) } : {}), report: o.reportHours },
          args,
          commandId,
        );
        if (out.status === 'succeeded') schedule.rearm();
        return out;
      },
    },
    runSelfTest: run,
    get nextWindowStart() {
      return schedule.next;
    },
    stop() {
      stopped = true;
      clearTimeout(bootTimer);
      schedule.stop();
    },
  };
}
