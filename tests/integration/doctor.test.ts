import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { simKioskConfig } from '../../runtime/sim-config.ts';
import { runDoctor, formatDoctorTable } from '../../runtime/cli/doctor.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';

for (const link of ['pty', 'tcp'] as const) {
  describe(`zizhu doctor against the hardware simulator over ${link}`, () => {
    let hw: RunningKioskHardware;
    let dir: string;
    let config: KioskConfig;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'zizhu-doctor-'));
      hw = await startKioskHardware({ dir, link });
      config = await simKioskConfig(hw.describe());
    });
    afterAll(async () => {
      await hw?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('finds every device healthy', async () => {
      const rows = await runDoctor(config);
      expect(rows.map((r) => [r.device, r.result])).toEqual([
        ['idReader', 'OK'],
        ['printer', 'OK'],
        ['scanner', 'OK'],
      ]);
      expect(formatDoctorTable(rows)[0]).toMatch(/^device\s+link\s+result\s+detail$/);
    });

    it('reports a printer out of paper and a SAM fault as faults, near end as a warning', async () => {
      hw.printer.paperOutAfter(0);
      await hw.idReader.control('sam-fault', { on: true });
      let rows = await runDoctor(config);
      expect(rows.find((r) => r.device === 'printer')).toMatchObject({ result: 'FAULT', faults: ['PRINTER_PAPER_OUT'] });
      expect(rows.find((r) => r.device === 'idReader')).toMatchObject({ result: 'FAULT', faults: ['IDREADER_SAM_FAULT'] });

      hw.printer.loadPaper();
      hw.printer.setNearEnd(true);
      await hw.idReader.control('clear-faults', {});
      rows = await runDoctor(config);
      expect(rows.find((r) => r.device === 'printer')).toMatchObject({ result: 'WARN', warnings: ['PRINTER_PAPER_NEAR_END'] });
      expect(rows.find((r) => r.device === 'idReader')?.result).toBe('OK');
      hw.printer.setNearEnd(false);
    });
  });
}

describe('zizhu doctor when a device is not there', () => {
  it('reports the missing port as DEVICE_LINK_DOWN with its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zizhu-doctor-missing-'));
    const config = await simKioskConfig({
      devicesConfig: {
        idReader: { transport: { type: 'serial', path: join(dir, 'no-such-port'), baudRate: 115200 } },
        printer: { transport: { type: 'tcp', host: '127.0.0.1', port: 1 } },
        scanner: { transport: { type: 'serial', path: join(dir, 'no-scanner'), baudRate: 9600 } },
      },
    });
    const rows = await runDoctor(config);
    await rm(dir, { recursive: true, force: true });
    expect(rows.map((r) => r.result)).toEqual(['FAULT', 'FAULT', 'FAULT']);
    expect(rows[0]!.detail).toContain('no-such-port');
    for (const r of rows) expect(r.faults.length).toBeGreaterThan(0);
  });
});
