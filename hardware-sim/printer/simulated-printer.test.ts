import { afterEach, describe, expect, it } from 'vitest';
import { BUFFER_CLEAR_REQUEST, asbEnable, completionRequest, encodePrintJob, realtimeStatusRequest } from '../../drivers/printer/encode.ts';
import type { PrintJob } from '../../drivers/printer/job.ts';
import { PRINTER_PROFILES } from '../../drivers/printer/profiles.ts';
import { providentFundStatementJob } from '../../drivers/printer/sample-jobs.ts';
import { memoryLinkPair, type MemoryLink } from '../../drivers/transport/memory.ts';
import { collectBytes } from '../../drivers/transport/testing.ts';
import { SimControlError } from '../control-error.ts';
import { SimulatedPrinter, type SimulatedPrinterOptions } from './simulated-printer.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let sim: SimulatedPrinter | undefined;
afterEach(() => sim?.detach());

async function setup(opts: SimulatedPrinterOptions = {}): Promise<{ host: MemoryLink; rx: ReturnType<typeof collectBytes>; sim: SimulatedPrinter }> {
  const [host, dev] = memoryLinkPair('printer');
  await host.open();
  await dev.open();
  sim = new SimulatedPrinter(opts);
  sim.attach(dev);
  return { host, rx: collectBytes(host), sim };
}

const job: PrintJob = { title: 't', lines: [{ kind: 'text', text: '住房公积金 ¥1.00', align: 'center' }, { kind: 'qr', data: 'https://x.cn/1' }] };

describe('SimulatedPrinter', () => {
  it('answers DLE EOT 1–4 at once, from its physical state', async () => {
    const { host, rx, sim } = await setup();
    const all = cat(realtimeStatusRequest(1), realtimeStatusRequest(2), realtimeStatusRequest(3), realtimeStatusRequest(4));
    await host.write(all);
    expect(hex(await rx.until(4))).toBe('12121212');
    sim.setCoverOpen(true);
    await host.write(all);
    // offline (1: bit 3), cover open (2: bit 2)
    expect(hex((await rx.until(8)).subarray(4))).toBe('1a161212');
    sim.setCoverOpen(false);
    sim.paperOutAfter(0);
    await host.write(all);
    // offline; stopped by paper end (2: bit 5); near end + paper end (4: 0x7E)
    expect(hex((await rx.until(12)).subarray(8))).toBe('1a32127e');
  });

  it('sends ASB when enabled (GS a) and on every change', async () => {
    const { host, rx, sim } = await setup();
    await host.write(asbEnable(0x0f));
    expect(hex(await rx.until(4))).toBe('1000000f');
    sim.setCoverOpen(true);
    expect(hex((await rx.until(8)).subarray(4))).toBe('3800000f');
    sim.jamCutter(); // no status change until a cut
    sim.setCoverOpen(false);
    expect(hex((await rx.until(12)).subarray(8))).toBe('1000000f');
  });

  it('answers GS ( H only after everything before it has printed, decoding GB18030 back to Chinese', async () => {
    const { host, rx, sim } = await setup({ speedMmPerSec: 400 });
    const enc = encodePrintJob(providentFundStatementJob({ months: 6 }), PRINTER_PROFILES['epson-generic'], 'J001');
    await host.write(cat(enc.bytes, realtimeStatusRequest(1)));
    // GS a in the job reports status at once; the real-time reply overtakes the job; the completion
    // comes only once the paper is out
    const first = await rx.until(5);
    expect(hex(first.subarray(0, 5))).toBe('1000000f' + '12');
    expect(sim.lastReceipt()).toBeUndefined();
    const all = await rx.until(1 + 4 + 7, 5000);
    expect(hex(all.subarray(-7))).toBe(hex(Uint8Array.from([0x37, 0x22, ...Buffer.from('J001'), 0])));
    const r = sim.lastReceipt()!;
    expect(r.completionIds).toEqual(['J001']);
    expect(r.cut).toBe('partial');
    expect(r.fourByteSequences).toBe(0);
    const text = sim.receiptText(r);
    expect(text).toContain('住  房  公  积  金');
    expect(text).toMatch(/账户余额 +￥\d/);
    expect(sim.receiptHtml(r)).toContain('武汉住房公积金管理中心');
  });

  it('paper out after N mm: stops mid-receipt, no completion; a new roll resumes it', async () => {
    const { host, rx, sim } = await setup();
    sim.paperOutAfter(20);
    await host.write(cat(asbEnable(0x0f), encodePrintJob(providentFundStatementJob(), PRINTER_PROFILES['epson-generic'], 'P001').bytes));
    await sleep(50);
    expect(sim.state().faults).toEqual(['PRINTER_PAPER_OUT']);
    expect(hex(rx.bytes())).not.toContain('3722');
    expect(hex(rx.bytes())).toContain('18000f0f'); // ASB: offline; near end (0x03) + paper end (0x0C)
    expect(sim.receiptText(sim.currentReceipt())).toContain('paper ran out here');
    sim.loadPaper();
    await rx.until(rx.bytes().length + 7 + 4, 2000);
    expect(hex(rx.bytes())).toContain(hex(Uint8Array.from([0x37, 0x22, ...Buffer.from('P001'), 0])));
  });

  it('DLE DC4 fn 8 clears what has not printed and answers 37 25 00', async () => {
    const { host, rx, sim } = await setup();
    sim.setCoverOpen(true);
    await host.write(cat(encodePrintJob(job, PRINTER_PROFILES['epson-generic'], 'C001').bytes, BUFFER_CLEAR_REQUEST));
    expect(hex(await rx.until(4 + 3))).toBe('3800000f' + '372500'); // ASB (GS a in the job), cleared
    expect(sim.state().queue.ops).toBe(0);
    sim.setCoverOpen(false);
    await sleep(30);
    expect(hex(rx.bytes())).toBe('3800000f' + '372500' + '1000000f'); // cover closed; nothing printed, no completion
  });

  it('cutter jam: the cut fails, autocutter error, no completion', async () => {
    const { host, rx, sim } = await setup();
    sim.jamCutter();
    await host.write(cat(encodePrintJob(job, PRINTER_PROFILES['epson-generic'], 'K001').bytes));
    await sleep(30);
    expect(hex(rx.bytes())).toBe('1000000f' + '1808000f'); // ASB at GS a, then: offline, autocutter error
    await host.write(realtimeStatusRequest(3));
    expect(hex((await rx.until(9)).subarray(8))).toBe('1a'); // DLE EOT 3 bit 3: autocutter error
    expect(sim.state().faults).toEqual(['PRINTER_CUTTER_ERROR']);
  });

  it('"prints nothing" (stalled): status says healthy, the job is accepted, no paper, no completion', async () => {
    const { host, rx, sim } = await setup();
    sim.setPrintsNothing('stalled');
    await host.write(cat(asbEnable(0x0f), encodePrintJob(job, PRINTER_PROFILES['epson-generic'], 'N001').bytes));
    await sleep(50);
    await host.write(cat(realtimeStatusRequest(1), realtimeStatusRequest(2), realtimeStatusRequest(3), realtimeStatusRequest(4)));
    const got = await rx.until(4 + 4 + 4);
    expect(hex(got.subarray(-4))).toBe('12121212');
    expect(hex(got)).not.toContain('3722');
    expect(sim.receiptList()).toEqual([]);
    expect(sim.state().queue.ops).toBeGreaterThan(0);
  });

  it('custom-vkp80: answers 10 04 14, presents the ticket until it is taken', async () => {
    const { host, rx, sim } = await setup({ profile: 'custom-vkp80' });
    await host.write(cat(encodePrintJob(job, PRINTER_PROFILES['custom-vkp80'], 'V001').bytes, completionRequest('V002')));
    await rx.until(4 + 7 + 7); // ASB from GS a, two completions
    await host.write(Uint8Array.of(0x10, 0x04, 0x14));
    expect(hex((await rx.until(18 + 6)).subarray(-6))).toBe('100f20000000'); // ticket in output
    expect(sim.lastReceipt()!.outcome).toBe('in-output');
    expect(sim.control('take-ticket', {})).toEqual({ taken: true });
    await host.write(Uint8Array.of(0x10, 0x04, 0x14));
    expect(hex((await rx.until(30)).subarray(-6))).toBe('100f00000000');
    expect(sim.lastReceipt()!.outcome).toBe('taken');
  });

  it('counts a GB18030 4-byte sequence it was sent (the encoder must never send one)', async () => {
    const { host, sim } = await setup();
    await host.write(Uint8Array.of(0x1c, 0x26, 0x81, 0x30, 0x84, 0x36, 0x1c, 0x2e, 0x0a, 0x1d, 0x56, 0x00));
    await sleep(20);
    expect(sim.lastReceipt()!.fourByteSequences).toBe(1);
  });

  it('control(): validates actions and bodies with typed errors', async () => {
    const { sim } = await setup();
    expect(() => sim.control('frobnicate', {})).toThrow(SimControlError);
    expect(() => sim.control('paper-out', { afterMm: -1 })).toThrow(/printer paper-out: afterMm: /);
    expect(() => sim.control('cover-open', { extra: 1 })).toThrow(SimControlError);
    sim.control('paper-out', { afterMm: 100 });
    expect(sim.state().paper.remainingMm).toBe(100);
    expect(sim.state().warnings).toEqual(['PRINTER_PAPER_NEAR_END']);
    sim.control('prints-nothing', {});
    expect(sim.state().injected.printsNothing).toBe('stalled');
    sim.control('reset', {});
    expect(sim.state()).toMatchObject({ faults: [], warnings: [], injected: { printsNothing: 'off' } });
  });
});
