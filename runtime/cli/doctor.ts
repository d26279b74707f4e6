import { parseArgs } from 'node:util';
import { type CliCommand, type CliIo, Exit } from './io.ts';
import { ConfigError, loadKioskConfig, type KioskConfig } from '../../kiosk-config/schema.ts';
import { describeTransport } from '../../kiosk-config/check-command.ts';
import { openKioskDevices } from '../devices.ts';
import { readRunningSim, simKioskConfig } from '../sim-config.ts';
import { defaultSimDir } from '../../hardware-sim/kiosk-hardware.ts';

export interface DoctorRow {
  device: 'idReader' | 'printer' | 'scanner';
  label: string;
  link: string;
  result: 'OK' | 'WARN' | 'FAULT';
  faults: string[];
  warnings: string[];
  detail: string;
}

const LABELS = { idReader: 'ID card reader', printer: 'receipt printer', scanner: 'QR scanner' } as const;

/** Opens every configured device, runs its self-check and returns one row per device. */
export async function runDoctor(config: KioskConfig): Promise<DoctorRow[]> {
  const devices = await openKioskDevices(config.devices, { failFast: true, openTimeoutMs: 3000 });
  const rows: DoctorRow[] = [];
  try {
    if (devices.idReader && config.devices.idReader) {
      const c = await devices.idReader.selfCheck();
      rows.push(row('idReader', describeTransport(config.devices.idReader.transport), c.fault ? [c.fault] : [], [], c.ok, c.detail));
    }
    if (devices.printer && config.devices.printer) {
      const c = await devices.printer.selfCheck();
      rows.push(row('printer', describeTransport(config.devices.printer.transport), c.faults, c.warnings, c.ok, c.detail.replace(`${c.profile} on ${c.link}: `, `${c.profile}: `)));
    }
    if (devices.scanner && config.devices.scanner) {
      const c = await devices.scanner.selfCheck();
      rows.push(row('scanner', describeTransport(config.devices.scanner.transport), c.fault ? [c.fault] : [], [], c.ok, c.detail));
    }
  } finally {
    await devices.close();
  }
  return rows;
}

function row(device: DoctorRow['device'], link: string, faults: string[], warnings: string[], ok: boolean, detail: string): DoctorRow {
  const result = !ok || faults.length ? 'FAULT' : warnings.length ? 'WARN' : 'OK';
  return { device, label: LABELS[device], link, result, faults: !ok && faults.length === 0 ? ['DEVICE_LINK_DOWN'] : faults, warnings, detail };
}

export function formatDoctorTable(rows: DoctorRow[]): string[] {
  const head = ['device', 'link', 'result', 'detail'];
  const cells = rows.map((r) => [r.label, r.link, r.result, r.detail]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmt = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [fmt(head), widths.map((w, i) => (i === head.length - 1 ? '-'.repeat(Math.min(w, 60)) : '-'.repeat(w))).join('  '), ...cells.map(fmt)];
}

async function configFor(file: string | undefined, io: CliIo): Promise<KioskConfig | undefined> {
  if (file) {
    try {
      return loadKioskConfig(file);
    } catch (e) {
      if (e instanceof ConfigError) {
        io.err(`zizhu doctor: ${file} is not a valid kiosk config (zizhu config check ${file} lists every problem):`);
        for (const line of e.message.split('\n').slice(0, 10)) io.err(`  ${line}`);
        return undefined;
      }
      throw e;
    }
  }
  const sim = await readRunningSim();
  if (!sim) {
    io.err(`zizhu doctor: no --config FILE given and no simulator running in ${defaultSimDir()} (start one with: zizhu sim)`);
    return undefined;
  }
  return simKioskConfig(sim);
}

export const doctorCommand: CliCommand = async (args, io) => {
  let values: { config?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    io.err(`zizhu doctor: ${(e as Error).message} (usage: zizhu doctor [--config FILE] [--json])`);
    return Exit.BAD_INPUT;
  }
  if (values.help) {
    io.out('usage: zizhu doctor [--config FILE] [--json]\n  opens every configured device (default: the running simulator), runs its self-check, prints a table; exit 1 on any fault');
    return Exit.OK;
  }
  const config = await configFor(values.config, io);
  if (!config) return Exit.BAD_INPUT;
  const rows = await runDoctor(config);
  const faulty = rows.some((r) => r.result === 'FAULT');
  if (values.json) io.out(JSON.stringify({ kiosk: config.id, ok: !faulty, devices: rows }));
  else {
    io.out(`zizhu doctor — ${config.id} (${config.name})`);
    for (const line of formatDoctorTable(rows)) io.out(line);
    if (rows.length === 0) io.out('no devices configured');
    io.out(faulty ? `FAULT: ${rows.filter((r) => r.result === 'FAULT').map((r) => `${r.label} ${r.faults.join(', ')}`).join('; ')}` : 'all devices ok');
  }
  return faulty ? Exit.FAULT : Exit.OK;
};
