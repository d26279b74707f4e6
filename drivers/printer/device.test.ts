import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeviceFault, FaultCode } from '../../contracts/faults.ts';
import { openPtyPair } from '../../hardware-sim/pty.ts';
import { PtyCable } from '../../hardware-sim/pty-cable.ts';
import { SimulatedPrinter } from '../../hardware-sim/printer/simulated-printer.ts';
import { SerialLink } from '../transport/serial.ts';
import { untilState } from '../transport/testing.ts';
import { ReceiptPrinter } from './device.ts';
import { providentFundStatementJob } from './sample-jobs.ts';
import { type Rig, healthWhere, makeRig as makeTestRig, rejection, small } from './testing.ts';

/** The driver against the simulated printer over a real PTY pair (socat): see testing.ts. */
let rig: Rig | undefined;

async function makeRig(...args: Parameters<typeof makeTestRig>): Promise<Rig> {
  rig = await makeTestRig(...args);
  return rig;
}

afterEach(async () => {
  const r = rig;
  rig = undefined;
  await r?.close();
});

describe('ReceiptPrinter over a PTY, epson-generic', () => {
  it('prints the 40-line Chinese statement and resolves only with the completion id; the receipt is in the simulator', async () => {
    const { printer, sim } = await makeRig();
    expect(printer.health.state).toBe('ok');
    const result = await printer.print(providentFundStatementJob());
    expect(result.lineCount).toBeGreaterThanOrEqual(40);
    expect(result.taken).toBeNull();
    const receipt = sim.lastReceipt()!;
    expect(receipt.completionIds).toEqual([result.completionId]);
    expect(receipt.fourByteSequences).toBe(0);
    expect(receipt.outcome).toBe('delivered');
    const text = sim.receiptText(receipt);
    expect(text).toContain('住  房  公  积  金');
    expect(text).toContain('4201**********1234');
    expect(text).toMatch(/2025-10 +汇缴 +￥2,962\.80/);
    expect(result.timings.completionToResolveMs).not.toBeNull();
    expect(printer.lastCompletionToResolveMs).toBe(result.timings.completionToResolveMs);
    expect(result.timings.completedAt!).toBeGreaterThan(result.timings.sentAt);
  });

  it('serialises jobs: two prints at once come out in order', async () => {
    const { printer, sim } = await makeRig();
    const [a, b] = await Promise.all([printer.print({ ...small, title: 'A' }), printer.print({ ...small, title: 'B' })]);
    const ids = sim.receiptList().flatMap((r) => r.completionIds);
    expect(ids).toEqual([a.completionId, b.completionId]);
  });

  it('paper out before the job: PRINTER_PAPER_OUT, nothing sent', async () => {
    const { printer, sim } = await makeRig();
    sim.paperOutAfter(0);
    const e = await rejection(printer.print(small));
    expect(e.code).toBe(FaultCode.PRINTER_PAPER_OUT);
    expect(e.context).toMatchObject({ phase: 'pre-job' });
    expect(sim.receiptList()).toEqual([]);
    expect(sim.currentReceipt().lines).toEqual([]);
  });

  it('paper out mid-job: PRINT_NOT_DELIVERED (cause PRINTER_PAPER_OUT), and the rest never prints for the next customer', async () => {
    const { printer, sim, events } = await makeRig();
    sim.paperOutAfter(40);
    const e = await rejection(printer.print(providentFundStatementJob()));
    expect(e.code).toBe(FaultCode.PRINT_NOT_DELIVERED);
    expect(e.context).toMatchObject({ cause: FaultCode.PRINTER_PAPER_OUT, phase: 'printing', buffersCleared: true });
    expect(events.some((ev) => ev.name === 'fault' && (ev.arg as DeviceFault).code === FaultCode.PRINTER_PAPER_OUT)).toBe(true);
    sim.loadPaper();
    await healthWhere(printer, (h) => h.faults.length === 0);
    expect(sim.state().queue.ops).toBe(0);
    expect(sim.receiptList().flatMap((r) => r.completionIds)).toEqual([]);
    // and the printer is usable again
    const ok = await printer.print(small);
    expect(sim.lastReceipt()!.completionIds).toEqual([ok.completionId]);
  });

  it('cover open: PRINTER_COVER_OPEN; ASB tells the driver when it is closed again', async () => {
    const { printer, sim } = await makeRig();
    sim.setCoverOpen(true);
    await healthWhere(printer, (h) => h.faults.includes(FaultCode.PRINTER_COVER_OPEN));
    expect((await rejection(printer.print(small))).code).toBe(FaultCode.PRINTER_COVER_OPEN);
    sim.setCoverOpen(false);
    expect((await healthWhere(printer, (h) => h.state === 'ok')).faults).toEqual([]);
  });

  it('cutter jam: PRINT_NOT_DELIVERED with cause PRINTER_CUTTER_ERROR', async () => {
    const { printer, sim } = await makeRig();
    sim.jamCutter();
    const e = await rejection(printer.print(small));
    expect(e.code).toBe(FaultCode.PRINT_NOT_DELIVERED);
    expect(e.context).toMatchObject({ cause: FaultCode.PRINTER_CUTTER_ERROR });
    expect(printer.health.faults).toEqual([FaultCode.PRINTER_CUTTER_ERROR]);
  });

  it('offline: PRINTER_OFFLINE', async () => {
    const { printer, sim } = await makeRig();
    sim.setOffline(true);
    expect((await rejection(printer.print(small))).code).toBe(FaultCode.PRINTER_OFFLINE);
  });

  it('"prints nothing": healthy status, no completion → PRINT_NOT_DELIVERED (NO_COMPLETION), buffer cleared', async () => {
    const { printer, sim } = await makeRig('epson-generic', {}, { completionTimeoutMs: 600 });
    sim.setPrintsNothing('stalled');
    const e = await rejection(printer.print(small));
    expect(e.code).toBe(FaultCode.PRINT_NOT_DELIVERED);
    expect(e.context).toMatchObject({ cause: 'NO_COMPLETION', buffersCleared: true, faults: [] });
    expect(e.detail).toMatch(/accepted the job but printed nothing/);
    expect(sim.receiptList()).toEqual([]);
    expect(printer.health.faults).toEqual([]); // every naive check says the printer is fine
  });

  it('a printer that answers nothing: PRINTER_NO_RESPONSE, and selfCheck says so', async () => {
    const { printer, sim } = await makeRig();
    sim.setUnresponsive(true);
    expect((await rejection(printer.print(small))).code).toBe(FaultCode.PRINTER_NO_RESPONSE);
    const check = await printer.selfCheck();
    expect(check).toMatchObject({ ok: false, faults: [FaultCode.PRINTER_NO_RESPONSE] });
    expect(check.detail).toMatch(/did not answer dle-eot-1/);
    sim.setUnresponsive(false);
    expect(await printer.selfCheck()).toMatchObject({ ok: true, faults: [] });
  });

  it('selfCheck reports near end as a warning', async () => {
    const { printer, sim } = await makeRig();
    sim.setNearEnd(true);
    const check = await printer.selfCheck();
    expect(check).toMatchObject({ ok: true, warnings: [FaultCode.PRINTER_PAPER_NEAR_END] });
    const r = await printer.print(small);
    expect(r.warnings).toEqual([FaultCode.PRINTER_PAPER_NEAR_END]);
  });
});

describe('ReceiptPrinter without a port', () => {
  it('selfCheck names the missing port instead of hanging', async () => {
    const link = new SerialLink({ path: '/dev/zizhu-no-such-printer', baudRate: 38400, failFast: true });
    await expect(link.open()).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });
    const printer = new ReceiptPrinter({ link, healthPollMs: 0 });
    try {
      const check = await printer.selfCheck();
      expect(check).toMatchObject({ ok: false, faults: [FaultCode.DEVICE_LINK_DOWN] });
      expect(check.detail).toContain('/dev/zizhu-no-such-printer');
      expect((await rejection(printer.print(small))).code).toBe(FaultCode.DEVICE_LINK_DOWN);
    } finally {
      await printer.close();
      await link.close();
    }
  });
});

describe('ReceiptPrinter and its link (the caller opens and closes it)', () => {
  it('started before the link is up: DEVICE_LINK_DOWN, then ASB and a status read once the caller opens it', async () => {
    const pty = await openPtyPair();
    const kiosk = new SerialLink({ path: pty.kioskPath, baudRate: 115200 });
    const simLink = new SerialLink({ path: pty.simPath, baudRate: 115200 });
    const sim = new SimulatedPrinter({ profile: 'epson-generic' });
    const printer = new ReceiptPrinter({ link: kiosk, healthPollMs: 0 });
    try {
      await simLink.open();
      sim.attach(simLink);
      expect((await printer.start()).faults).toEqual([FaultCode.DEVICE_LINK_DOWN]);
      expect(kiosk.health.state).toBe('connecting'); // the driver did not open it
      await kiosk.open();
      const h = await healthWhere(printer, (x) => x.state === 'ok');
      expect(h.lastHeardAt).not.toBeNull();
      expect(sim.state().asbMask).not.toBe(0);
      await printer.close();
      expect(kiosk.health.state).toBe('up'); // nor does it close it
      await expect(printer.print(small)).rejects.toMatchObject({ code: FaultCode.DEVICE_LINK_DOWN });
    } finally {
      await printer.close();
      sim.detach();
      await Promise.all([kiosk.close(), simLink.close()]);
      await pty.close();
    }
  });

  it('unplugged, power-cycled and plugged back: DEVICE_LINK_DOWN, then ASB and a fresh status again by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zizhu-printer-'));
    const cable = new PtyCable({ kioskLink: join(dir, 'kiosk'), simLink: join(dir, 'sim') });
    await cable.replug();
    const fast = { initialMs: 10, maxMs: 100 };
    const kiosk = new SerialLink({ path: cable.paths.kioskLink, baudRate: 115200, reopen: fast });
    const simLink = new SerialLink({ path: cable.paths.simLink, baudRate: 115200, reopen: fast });
    const sim = new SimulatedPrinter({ profile: 'epson-generic' });
    // the heartbeat covers the race where the kiosk end reopens before the simulator's end is listening
    const printer = new ReceiptPrinter({ link: kiosk, healthPollMs: 200 });
    try {
      await Promise.all([kiosk.open(), simLink.open()]);
      sim.attach(simLink);
      expect((await printer.start()).state).toBe('ok');
      expect(sim.state().asbMask).not.toBe(0);
      await cable.unplug();
      await healthWhere(printer, (h) => h.faults.includes(FaultCode.DEVICE_LINK_DOWN));
      sim.setUnresponsive(true);
      sim.setUnresponsive(false); // powered on again: ASB is off
      expect(sim.state().asbMask).toBe(0);
      const heardBefore = printer.health.lastHeardAt!;
      await cable.replug();
      await untilState(simLink, 'up');
      await healthWhere(printer, (h) => h.state === 'ok');
      await expect.poll(() => printer.health.lastHeardAt, { timeout: 15_000 }).toBeGreaterThan(heardBefore);
      await expect.poll(() => sim.state().asbMask, { timeout: 15_000 }).not.toBe(0);
      expect((await healthWhere(printer, (h) => h.state === 'ok')).faults).toEqual([]);
    } finally {
      await printer.close();
      sim.detach();
      await Promise.all([kiosk.close(), simLink.close()]);
      await cable.unplug();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 45_000);
});

describe('ReceiptPrinter over a PTY, custom-vkp80 presenter', () => {
  it('waits for the ticket in the output, then for it to be taken', async () => {
    const { printer, sim, events } = await makeRig('custom-vkp80', { autoTakeAfterMs: 80 });
    const r = await printer.print(small);
    expect(r.taken).toBe(true);
    expect(sim.lastReceipt()!.outcome).toBe('taken');
    expect(events.filter((e) => e.name === 'ticket').map((e) => (e.arg as { state: string }).state)).toEqual(['presented', 'taken']);
  });

  it('a ticket left in the mouth: {taken:false}, or PRINT_NOT_TAKEN when required; the next job waits for it', async () => {
    const { printer, sim } = await makeRig('custom-vkp80', {}, {}, { takeMs: 250 });
    const r = await printer.print(small);
    expect(r.taken).toBe(false);
    expect(sim.lastReceipt()!.outcome).toBe('in-output');
    const next = await rejection(printer.print(small));
    expect(next.code).toBe(FaultCode.PRINT_NOT_TAKEN);
    expect(next.context).toMatchObject({ phase: 'pre-job' });
    sim.takeTicket();
    const strict = await rejection(printer.print(small, { notTaken: 'reject' }));
    expect(strict.code).toBe(FaultCode.PRINT_NOT_TAKEN);
    expect(strict.context).toMatchObject({ phase: 'presenter' });
  });

  it('paper stuck inside (completion sent, no ticket in the output): PRINT_NOT_DELIVERED', async () => {
    const { printer, sim } = await makeRig('custom-vkp80', {}, {}, { presentMs: 300 });
    sim.setPrintsNothing('paper-stuck');
    const e = await rejection(printer.print(small));
    expect(e.code).toBe(FaultCode.PRINT_NOT_DELIVERED);
    expect(e.context).toMatchObject({ cause: 'TICKET_NOT_PRESENTED', phase: 'presenter' });
    expect(sim.lastReceipt()!.outcome).toBe('stuck');
  });
});
