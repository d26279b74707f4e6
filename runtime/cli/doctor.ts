import { parseArgs } from 'node:util';
import { type CliCommand, type CliIo, Exit } from './io.ts';
import { ConfigError, loadKioskConfig, type KioskConfig } from '../../kiosk-config/schema.ts';
import { describeTransport } from '../../kiosk-config/check-command.ts';
import { openKioskDevices } from '../devices.ts';
import { readRunningSim, simKioskConfig } from '../sim-config.ts';
import { defaultSimDir } from '../../hardware-sim/kiosk-hardware.ts';
import { agentDataDir } from '../agent-dirs.ts';
import { runningAgentView } from './doctor-agent.ts';
import { withTestPrint } from './doctor-test-print.ts';

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

/**
 * Opens every configured device, runs its self-check and returns one row per device. Prints nothing
 * unless `testPrint`: then the printer prints the test page and must prove it came out.
 */
export async function runDoctor(config: KioskConfig, opts: { testPrint?: boolean } = {}): Promise<DoctorRow[]> {
  const devices = await openKioskDevices(config.devices, { failFast: true, openTimeoutMs: 3000 });
  const rows: DoctorRow[] = [];
  try {
    if (devices.idReader && config.devices.idReader) {
      const c = await devices.idReader.selfCheck();
      rows.push(row('idReader', describeTransport(config.devices.idReader.transport), c.fault ? [c.fault] : [], [], c.ok, c.detail));
    }
    if (devices.printer && config.devices.printer) {
      const c = await devices.printer.selfCheck();
      const r = row('printer', describeTransport(config.devices.printer.transport), c.faults, c.warnings, c.ok, c.detail.replace(`${c.profile} on ${c.link}: `, `${c.profile}: `));
      rows.push(opts.testPrint ? await withTestPrint(devices.printer, r) : r);
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
  let values: { config?: string; json?: boolean; help?: boolean; 'data-dir'?: string; 'test-print'?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, 'data-dir': { type: 'string' }, 'test-print': { type: 'boolean' } }, strict: true }));
  } catch (e) {
    io.err(`zizhu doctor: ${(e as Error).message} (usage: zizhu doctor [--config FILE] [--data-dir DIR] [--test-print] [--json])`);
    return Exit.BAD_INPUT;
  }
  if (values.help) {
    io.out('usage: zizhu doctor [--config FILE] [--data-dir DIR] [--test-print] [--json]\n  opens every configured device (default: the running simulator), runs its self-check, prints a table; exit 1 on any fault\n  --test-print: also print the test page and wait for the printer to prove it came out (a clean status alone does not); without it nothing is printed\n  while the kiosk agent runs (it holds --data-dir, default as for the agent), shows what the agent itself sees of its devices instead');
    return Exit.OK;
  }
  const config = await configFor(values.config, io);
  if (!config) return Exit.BAD_INPUT;
  // while the agent runs it holds the ports: show its own view rather than fight it for them
  const agent = await runningAgentView(config, agentDataDir(values['data-dir'] ?? config.agent.dataDir), (why) => io.err(`zizhu doctor: ${why}`));
  if (agent?.problem) {
    io.err(`zizhu doctor: ${agent.problem}`);
    return Exit.FAULT;
  }
  if (agent && values['test-print']) {
    io.err(`zizhu doctor: --test-print needs the printer, which the running kiosk agent (pid ${agent.agent.pid}) holds: print the test page from the staff screen (维护 → 打印测试页), or stop the agent and run this again`);
    return Exit.BAD_INPUT;
  }
  const rows = agent ? agent.rows : await runDoctor(config, { testPrint: values['test-print'] === true });
  const faulty = rows.some((r) => r.result === 'FAULT');
  if (values.json) io.out(JSON.stringify({ kiosk: config.id, ok: !faulty, ...(agent ? { heldByAgent: agent.agent } : {}), devices: rows }));
  else {
    io.out(`zizhu doctor — ${config.id} (${config.name})`);
    if (agent) io.out(agent.note);
    for (const line of formatDoctorTable(rows)) io.out(line);
    if (agent?.hqLink) io.out(agent.hqLink);
    if (rows.length === 0) io.out('no devices configured');
    io.out(faulty ? `FAULT: ${rows.filter((r) => r.result === 'FAULT').map((r) => `${r.label} ${r.faults.join(', ')}`).join('; ')}` : 'all devices ok');
  }
  return faulty ? Exit.FAULT : Exit.OK;
};
