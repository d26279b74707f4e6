import { afterEach, describe, expect, it } from 'vitest';
import { FaultCode } from '../../contracts/faults.ts';
import { DeliveryRecord } from './delivery.ts';
import type { JobEvent } from './device.ts';
import { type Rig, healthWhere, makeRig, rejection, small } from './testing.ts';

const silent = { delivered: false as const, cause: 'NO_COMPLETION', title: '公积金缴存明细' };

describe('DeliveryRecord', () => {
  it('two silent failures in a row make the printer not delivering; a delivered job ends it', () => {
    const d = new DeliveryRecord(2, () => 1_000);
    expect(d.jobEnded(silent)).toBe(false);
    expect(d.notDelivering).toBe(false);
    expect(d.jobEnded(silent)).toBe(true);
    expect(d.notDelivering).toBe(true);
    expect(d.describe('printer on /dev/ttyS1')).toMatch(/^printer on \/dev\/ttyS1 accepted 2 jobs in a row and delivered none \(no completion reply\) although its status is clean: check the paper path/);
    expect(d.jobEnded({ delivered: true })).toBe(true);
    expect(d.notDelivering).toBe(false);
  });

  it('a failure a status fault explains neither counts nor ends the run', () => {
    const d = new DeliveryRecord(2);
    d.jobEnded(silent);
    d.jobEnded({ delivered: false, cause: FaultCode.PRINTER_PAPER_OUT, title: 'x' });
    expect(d.notDelivering).toBe(false);
    d.jobEnded({ ...silent, cause: 'TICKET_NOT_PRESENTED' });
    expect(d.notDelivering).toBe(true);
    expect(d.failuresInARow.map((f) => f.cause)).toEqual(['NO_COMPLETION', 'TICKET_NOT_PRESENTED']);
  });

  it('staff reloading the paper forgets the failures', () => {
    const d = new DeliveryRecord(1);
    d.jobEnded(silent);
    expect(d.paperReloaded()).toBe(true);
    expect(d.notDelivering).toBe(false);
    expect(d.paperReloaded()).toBe(false);
    expect(() => new DeliveryRecord(0)).toThrow(/≥ 1/);
  });
});

describe('ReceiptPrinter that prints nothing (simulator over a PTY)', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('two jobs in a row accepted and not delivered: PRINTER_NOT_DELIVERING, although every status bit is clean; a delivered test print clears it', async () => {
    rig = await makeRig('epson-generic', {}, { completionTimeoutMs: 500 });
    const { printer, sim, events } = rig;
    sim.setPrintsNothing('stalled');
    expect((await rejection(printer.print(small))).context).toMatchObject({ cause: 'NO_COMPLETION' });
    expect(printer.health.faults).toEqual([]);
    expect((await rejection(printer.print(small))).context).toMatchObject({ cause: 'NO_COMPLETION' });
    expect(printer.health).toMatchObject({ state: 'fault', faults: [FaultCode.PRINTER_NOT_DELIVERING] });
    const fault = events.find((e) => e.name === 'fault')?.arg as { code: string; detail: string };
    expect(fault.code).toBe(FaultCode.PRINTER_NOT_DELIVERING);
    expect(fault.detail).toMatch(/accepted 2 jobs in a row and delivered none/);
    expect(await printer.selfCheck()).toMatchObject({ ok: false, faults: [FaultCode.PRINTER_NOT_DELIVERING] });

    // the driver still prints when asked (a staff test print is how it is proved fixed)
    sim.setPrintsNothing('off');
    await printer.print(small);
    expect(printer.health.faults).toEqual([]);
  });

  it('a paper-out mid-job is its own fault, not a silent failure; staff reloading the paper clears PRINTER_NOT_DELIVERING', async () => {
    rig = await makeRig('epson-generic', {}, { completionTimeoutMs: 500, notDeliveringAfter: 1 });
    const { printer, sim } = rig;
    sim.paperOutAfter(1);
    expect((await rejection(printer.print({ ...small, lines: Array.from({ length: 20 }, () => small.lines[0]!) }))).context).toMatchObject({ cause: FaultCode.PRINTER_PAPER_OUT });
    expect(printer.health.faults).toEqual([FaultCode.PRINTER_PAPER_OUT]);
    sim.loadPaper();
    await healthWhere(printer, (h) => h.faults.length === 0);
    sim.setPrintsNothing('stalled');
    await rejection(printer.print(small));
    expect(printer.health.faults).toEqual([FaultCode.PRINTER_NOT_DELIVERING]);
    printer.paperReloaded();
    expect(printer.health.faults).toEqual([]);
  });

  it('says when a job went to the printer, how long it should take and when it gives up, and how it ended', async () => {
    rig = await makeRig('epson-generic', {}, { completionTimeoutMs: 700 });
    const { printer, sim, events } = rig;
    await printer.print(small);
    sim.setPrintsNothing('stalled');
    await rejection(printer.print(small));
    const jobs = events.filter((e) => e.name === 'job').map((e) => e.arg as JobEvent);
    expect(jobs.map((j) => [j.state, j.state === 'ended' ? j.delivered : j.giveUpMs])).toEqual([
      ['printing', 700],
      ['ended', true],
      ['printing', 700],
      ['ended', false],
    ]);
    expect(jobs[0]).toMatchObject({ title: small.title, lines: 1 });
    expect((jobs[0] as Extract<JobEvent, { state: 'printing' }>).expectedMs).toBeGreaterThanOrEqual(0);
  });
});
