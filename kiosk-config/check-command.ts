/**
 * `zizhu config check FILE`: validate a kiosk config before it goes on a machine.
 * ok → one summary line, exit 0. Anything wrong → every problem on its own line
 * (`JSON.path: what is wrong (line L, column C)`), then a closing line, exit 2.
 */
import { ConfigError, formatConfigIssue, loadKioskConfig, type KioskConfig, type Transport } from './schema.ts';

/** `CliCommand` and `Exit` of runtime/cli/io.ts, restated: kiosk-config imports nothing but contracts/. */
type CliCommand = (args: string[], io: { out(line: string): void; err(line: string): void }) => Promise<number>;
const Exit = { OK: 0, BAD_INPUT: 2 } as const;

const USAGE = 'usage: zizhu config check FILE   (validates a kiosk config; every error with its JSON path; exit 0 ok, 2 invalid)';

export function describeTransport(t: Transport): string {
  switch (t.type) {
    case 'serial':
      return `serial:${t.path}@${t.baudRate}`;
    case 'hid':
      return `hid:${t.vendorId.toString(16).padStart(4, '0')}:${t.productId.toString(16).padStart(4, '0')}`;
    case 'tcp':
      return `tcp:${t.host}:${t.port}`;
  }
}

/** One line saying what this config makes the kiosk. */
export function summarizeKioskConfig(c: KioskConfig): string {
  const services = Object.keys(c.services).join(', ');
  const devices: string[] = [];
  if (c.devices.idReader) devices.push(`idReader ${describeTransport(c.devices.idReader.transport)}`);
  if (c.devices.printer) devices.push(`printer ${describeTransport(c.devices.printer.transport)} (${c.devices.printer.profile})`);
  if (c.devices.scanner) devices.push(`scanner ${describeTransport(c.devices.scanner.transport)} (${c.devices.scanner.mode})`);
  const h = c.promisedHours;
  const exceptions = h.exceptions.length ? `, ${h.exceptions.length} exception date${h.exceptions.length === 1 ? '' : 's'}` : '';
  const weekly = h.weekly === '24/7' ? '24/7' : 'weekly schedule';
  return `ok: ${c.id} "${c.name}" (${c.site}, ${c.district}) — services: ${services}; devices: ${devices.join(', ') || 'none'}; promised hours: ${weekly} ${h.timezone}${exceptions}`;
}

export const configCheckCommand: CliCommand = async (args, io) => {
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    if (args[0] === '--help' || args[0] === '-h') {
      io.out(USAGE);
      return Exit.OK;
    }
    io.err(args.length === 0 ? `zizhu config check: no FILE given\n${USAGE}` : `zizhu config check: expected exactly one FILE, got: ${args.join(' ')}\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  const file = args[0]!;
  try {
    io.out(summarizeKioskConfig(loadKioskConfig(file)));
    return Exit.OK;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (e.kind === 'schema') {
      for (const issue of e.issues) io.err(formatConfigIssue(issue));
      io.err(`${file}: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}; fix ${e.issues.length === 1 ? 'it' : 'them'} and run zizhu config check again`);
    } else {
      const issue = e.issues[0]!;
      const where = issue.line === undefined ? '' : `:${issue.line}:${issue.column ?? 1}`;
      io.err(`${file}${where}: ${issue.message}`);
    }
    return Exit.BAD_INPUT;
  }
};
