/**
 * Issue 11, no false faults: the printer driver against the simulated printer over a real PTY pair,
 * with seeded random bytes written onto the printer's line (what `POST /devices/printer/noise`
 * writes). Noise raises and clears nothing; the line is marked noisy; real faults still get through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultCode } from '../../contracts/faults.ts';
import { noiseBytes } from '../../hardware-sim/line-noise.ts';
import { encodeAsb, HEALTHY_STATUS, statusContradiction, customStatusContradiction, encodeRealtimeStatus, decodeRealtimeStatus } from './status.ts';
import type { PrinterHealth } from './device.ts';
import { type Rig, healthWhere, makeRig, small } from './testing.ts';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Every change of faults or warnings the driver reports, from now on. */
function recordChanges(r: Rig): string[] {
  const changes: string[] = [];
  let last = JSON.stringify([r.printer.health.faults, r.printer.health.warnings]);
  r.printer.on('status', (h: PrinterHealth) => {
    const now = JSON.stringify([h.faults, h.warnings]);
    if (now !== last) changes.push(now);
    last = now;
  });
  r.printer.on('fault', (f) => changes.push(`fault event ${f.code}`));
  return changes;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe('line noise on the printer line', () => {
  it('64 KiB of random bytes (3 seeds), status polled meanwhile: no fault raised or cleared, the line marked noisy; then a real paper out is raised and cleared', async () => {
    rig = await makeRig('epson-generic', {}, { healthPollMs: 50 });
    const { printer, sim, simLink } = rig;
    expect(printer.health.state).toBe('ok');
    const changes = recordChanges(rig);
    for (const seed of [1, 2, 3]) {
      await simLink.write(noiseBytes(65_536, seed));
      await sleep(400);
    }
    expect(changes).toEqual([]);
    expect(printer.health).toMatchObject({ state: 'ok', faults: [], warnings: [] });
    expect(printer.health.lineNoise).toMatchObject({ noisy: true, persistent: false });
    expect(printer.health.lineNoise!.garbageBytes).toBeGreaterThan(3 * 60_000);

    sim.paperOutAfter(0);
    await healthWhere(printer, (h) => h.faults.includes(FaultCode.PRINTER_PAPER_OUT), 5_000);
    sim.loadPaper();
    await healthWhere(printer, (h) => h.faults.length === 0, 5_000);
    expect(changes).toEqual([JSON.stringify([[FaultCode.PRINTER_PAPER_OUT], []]), `fault event ${FaultCode.PRINTER_PAPER_OUT}`, JSON.stringify([[], []])]);
  }, 30_000);

  it('a presenter printer (five status replies a read, the Custom one checked against DLE EOT): noise raises nothing, and a job still prints after it', async () => {
    rig = await makeRig('custom-vkp80', { autoTakeAfterMs: 50 }, { healthPollMs: 50 });
    const { printer, simLink } = rig;
    const changes = recordChanges(rig);
    await simLink.write(noiseBytes(65_536, 11));
    await sleep(500);
    expect(changes).toEqual([]);
    expect(printer.health.lineNoise!.noisy).toBe(true);
    const r = await printer.print(small);
    expect(r.taken).toBe(true);
  }, 30_000);

  it('an ASB message that says "paper out" while the printer says otherwise when asked: nothing raised', async () => {
    rig = await makeRig('epson-generic');
    const { printer, simLink } = rig;
    const changes = recordChanges(rig);
    const forged = encodeAsb({ ...HEALTHY_STATUS, paperEnd: true, offline: true });
    for (let i = 0; i < 5; i++) {
      await simLink.write(forged);
      await sleep(60);
    }
    await sleep(200);
    expect(changes).toEqual([]);
    expect(printer.health.faults).toEqual([]);
  });

  it('noise that goes on: PRINTER_LINE_NOISE (a warning, the printer stays usable) once most windows are noisy, cleared after quiet windows', async () => {
    const lineNoise = { windowMs: 50, windows: 10, noisyWindowsToRaise: 5, quietWindowsToClear: 4 };
    rig = await makeRig('epson-generic', {}, { healthPollMs: 0, lineNoise });
    const { printer, simLink } = rig;
    for (let i = 1; i <= 12; i++) {
      await simLink.write(noiseBytes(256, i));
      await sleep(30);
    }
    const raised = await healthWhere(printer, (h) => h.warnings.includes(FaultCode.PRINTER_LINE_NOISE), 3_000);
    expect(raised.faults).toEqual([]);
    expect(raised.state).toBe('warning');
    const quiet = await healthWhere(printer, (h) => !h.warnings.includes(FaultCode.PRINTER_LINE_NOISE), 3_000);
    expect(quiet.lineNoise).toMatchObject({ noisy: false, persistent: false });
    expect(quiet.state).toBe('ok');
  });
});

describe('statusContradiction: status bytes that cannot all be true', () => {
  const read = (n: 1 | 2 | 3 | 4, over: Partial<typeof HEALTHY_STATUS>) => decodeRealtimeStatus(n, encodeRealtimeStatus(n, { ...HEALTHY_STATUS, ...over }));
  it('consistent reads pass, whatever the fault', () => {
    for (const over of [{}, { cutterError: true, errorOccurred: true, offline: true }, { paperEnd: true, stoppedByPaperEnd: true, offline: true }]) {
      const s = { ...read(1, over), ...read(2, over), ...read(3, over), ...read(4, over) };
      expect(statusContradiction(s)).toBeUndefined();
    }
  });
  it('"an error occurred" without a cause, or a cause without "an error occurred"', () => {
    expect(statusContradiction({ ...read(2, { errorOccurred: true }), ...read(3, {}) })).toMatch(/names no cause/);
    expect(statusContradiction({ ...read(2, {}), ...read(3, { unrecoverableError: true }) })).toMatch(/says none occurred/);
  });
  it('the Custom full status against DLE EOT on the same sensors', () => {
    expect(customStatusContradiction({ paperEnd: true, coverOpen: false }, { paperEnd: false, coverOpen: false })).toMatch(/paper end/);
    expect(customStatusContradiction({ paperEnd: false, coverOpen: true }, { paperEnd: false, coverOpen: false })).toMatch(/cover/);
    expect(customStatusContradiction({ paperEnd: true, coverOpen: true }, { paperEnd: true, coverOpen: true })).toBeUndefined();
  });
});
