/**
 * "The machine said printed, no paper came out": a printer whose status is clean but which delivers
 * nothing. Through the agent (journal, device-fault board, kiosk lifecycle, flows) with the simulated
 * printer on a PTY and the simulated provident-fund centre, and through `zizhu doctor`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { simConfigJson, simKioskConfig, SIM_STAFF_PIN } from '../../runtime/sim-config.ts';
import type { RunningAgent } from '../../runtime/agent.ts';
import { startTestAgent } from '../sim-agent.ts';
import { doctorCommand, runDoctor } from '../../runtime/cli/doctor.ts';
import { captureIo } from '../../runtime/cli/io.ts';
import { agentStatusOf } from '../../runtime/status-endpoint.ts';
import type { ScreenMessage, UiEvent } from '../../contracts/bridge.ts';
import { NOON_SHANGHAI, pinnedNow } from '../pinned-clock.ts';
import { until } from '../until.ts';


const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a printer that prints nothing, through the agent', () => {
  const now = pinnedNow(NOON_SHANGHAI);
  let dir: string;
  let hw: RunningKioskHardware;
  let bo: BackOffice;
  let agent: RunningAgent;
  const screens: ScreenMessage[] = [];
  const outbox: { kind: string; payload: { code?: string; device?: string } }[] = [];
  const drain = () => {
    for (const e of agent.journal.outbox.claim({ limit: 1000 })) outbox.push({ kind: e.kind, payload: e.payload as { code?: string } });
    return outbox;
  };
  const screen = () => agent.kiosk!.screen();
  const send = (e: UiEvent) => expect(agent.kiosk!.handle(e)).toEqual({ ok: true });
  const atStep = (step: string) => until(`step ${step} (now ${screen().session?.step ?? 'no session'})`, () => screen().session?.step === step && screen());

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-printer-delivery-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    bo = await startBackOffice({ now });
    const config = await simKioskConfig(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId });
    config.devices.printer!.completionTimeoutMs = 1_000;
    agent = await startTestAgent(config, { dir, bo, now }, { screen: { endedShowMs: 200 } });
    agent.kiosk!.on('screen', (s: ScreenMessage) => screens.push(s));
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await bo?.close();
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const printStatementThatDoesNotComeOut = async () => {
    await until('home', () => screen().kiosk.acceptsNewSessions && !screen().session);
    send({ type: 'START_SERVICE', service: 'providentFundStatement' });
    await atStep('identifying');
    await post(`${hw.control.url}/devices/idReader/card-on`, { identity: 'resident' });
    await atStep('choosingPeriod');
    await post(`${hw.control.url}/devices/idReader/card-off`);
    send({ type: 'PERIOD_CHOSEN' });
    await atStep('preview');
    send({ type: 'PRINT' });
    const undelivered = await atStep('undelivered');
    send({ type: 'DONE' });
    return undelivered;
  };

  it('two statements in a row accepted and not delivered: PRINTER_NOT_DELIVERING to HQ, printing gated with the reason, the screens said what to do', async () => {
    hw.printer.setPrintsNothing('stalled');
    const first = await printStatementThatDoesNotComeOut();
    // sent, then no completion: part of it may be in the tray, and the screen says so
    expect(first.session!.view).toMatchObject({ printFault: 'PRINT_NOT_DELIVERED', printMayHavePrinted: true });
    // "正在打印…" had the job and the time the kiosk gives up waiting
    const printing = screens.find((s) => s.session?.step === 'printing' && s.printing)?.printing;
    expect(printing).toMatchObject({ title: '公积金缴存明细' });
    expect(printing!.giveUpAt - printing!.sentAt).toBe(1_000);
    expect(printing!.lines).toBeGreaterThan(10);
    expect(drain().some((e) => e.payload.code === 'PRINTER_NOT_DELIVERING')).toBe(false);

    await printStatementThatDoesNotComeOut();
    await until('fault.raised PRINTER_NOT_DELIVERING', () => drain().find((e) => e.kind === 'fault.raised' && e.payload.code === 'PRINTER_NOT_DELIVERING' && e.payload.device === 'printer'));
    const gated = await until('the statement no longer offered', () => {
      const tile = screen().kiosk.services.find((t) => t.service === 'providentFundStatement');
      return tile && !tile.available && tile.reasons.some((r) => r.zh.includes('打印机不出纸')) && screen();
    });
    expect(gated.kiosk.devices.find((d) => d.device === 'printer')).toMatchObject({ state: 'fault', faults: [{ code: 'PRINTER_NOT_DELIVERING' }] });
    expect(agent.kiosk!.handle({ type: 'START_SERVICE', service: 'providentFundStatement' })).toMatchObject({ ok: false, code: 'SERVICE_UNAVAILABLE' });
    // what `zizhu doctor` shows while the agent holds the printer (its status endpoint)
    const printer = agentStatusOf(agent, 'test').devices.find((d) => d.device === 'printer')!;
    expect(printer.faults.map((f) => f.code)).toEqual(['PRINTER_NOT_DELIVERING']);
    expect(printer.faults[0]!.detail).toMatch(/none comes out although the status is clean/);
    // and a test print from the doctor is refused: the agent holds the printer
    const file = join(dir, 'kiosk.json');
    await writeFile(file, JSON.stringify(await simConfigJson(hw.describe(), 'gov-24h', { urls: bo.urls, merchantId: bo.merchantId })));
    const io = captureIo();
    expect(await doctorCommand(['--config', file, '--data-dir', join(dir, 'data'), '--test-print'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/--test-print needs the printer, which the running kiosk agent \(pid \d+\) holds: print the test page from the staff screen/);
    // no status bit ever said anything: the simulator's printer looks healthy
    expect(hw.printer.state().faults).toEqual([]);
  }, 90_000);

  it('the staff screen lists the recent jobs and their outcomes; staff reloading the paper clears the fault', async () => {
    send({ type: 'STAFF_PIN', pin: SIM_STAFF_PIN });
    const maintenance = await until('maintenance', () => screen().maintenance && screen());
    expect(maintenance.maintenance!.recentPrintJobs!.slice(0, 2)).toEqual([
      expect.objectContaining({ kind: 'provident-fund-statement', what: { zh: '公积金缴存明细', en: 'provident-fund statement' }, status: 'failed', fault: 'PRINT_NOT_DELIVERED', faultWords: { zh: '打印未完成', en: 'receipt not delivered' } }),
      expect.objectContaining({ kind: 'provident-fund-statement', status: 'failed' }),
    ]);
    expect(maintenance.maintenance!.recentPrintJobs![0]!.detail).toMatch(/no completion reply/);

    hw.printer.setPrintsNothing('off');
    send({ type: 'PAPER_RELOADED' });
    await until('fault.cleared PRINTER_NOT_DELIVERING', () => drain().find((e) => e.kind === 'fault.cleared' && e.payload.code === 'PRINTER_NOT_DELIVERING'));
    await until('printer ok on the staff screen', () => screen().kiosk.devices.find((d) => d.device === 'printer')?.state === 'ok');
    send({ type: 'EXIT_MAINTENANCE' });
    await until('statement offered again', () => screen().kiosk.services.find((t) => t.service === 'providentFundStatement')?.available);
  }, 60_000);
});

describe('zizhu doctor and a printer that prints nothing', () => {
  let dir: string;
  let hw: RunningKioskHardware;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-doctor-print-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
  });
  afterAll(async () => {
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('without --test-print prints nothing (and so cannot see it); with it, proves the printer does not deliver, then that it does', async () => {
    const config = await simKioskConfig(hw.describe());
    config.devices.printer!.completionTimeoutMs = 1_000;
    hw.printer.setPrintsNothing('stalled');
    const bytes = () => hw.printer.state().counters.bytesReceived;
    const before = bytes();
    const quiet = await runDoctor(config);
    expect(quiet.find((r) => r.device === 'printer')?.result).toBe('OK');
    expect(bytes() - before).toBeLessThan(100); // ASB on and status requests (3 bytes each); a page is hundreds

    const proved = (await runDoctor(config, { testPrint: true })).find((r) => r.device === 'printer')!;
    expect(proved).toMatchObject({ result: 'FAULT', faults: ['PRINTER_NOT_DELIVERING'] });
    expect(proved.detail).toMatch(/the status is clean but the test page did not come out/);

    hw.printer.setPrintsNothing('off');
    const fixed = (await runDoctor(config, { testPrint: true })).find((r) => r.device === 'printer')!;
    expect(fixed).toMatchObject({ result: 'OK' });
    expect(fixed.detail).toMatch(/test page printed, delivery verified/);
    expect(hw.printer.receiptText(hw.printer.lastReceipt()!)).toContain('中文 GB18030：公积金 挂号');
  }, 60_000);

  it('the command: --test-print exits 1 with the fault named', async () => {
    const raw = await simConfigJson(hw.describe(), 'gov-24h');
    ((raw.devices as { printer: Record<string, unknown> }).printer).completionTimeoutMs = 1_000;
    const file = join(dir, 'kiosk.json');
    await writeFile(file, JSON.stringify(raw));
    hw.printer.setPrintsNothing('stalled');
    const io = captureIo();
    const code = await doctorCommand(['--config', file, '--data-dir', join(dir, 'data'), '--test-print'], io);
    hw.printer.setPrintsNothing('off');
    expect(io.stderr).toEqual([]);
    expect(io.stdout.at(-1)).toBe('FAULT: receipt printer PRINTER_NOT_DELIVERING');
    expect(code).toBe(1);
  }, 60_000);
});
