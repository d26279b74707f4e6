import { parseArgs } from 'node:util';
import { type CliCommand, type CliIo, Exit } from './io.ts';
import { defaultSimDir, startKioskHardware, type SimDeviceName } from '../../hardware-sim/kiosk-hardware.ts';
import { readRunningSim, writeSimKioskConfig } from '../sim-config.ts';
import { ControlPortInUseError } from '../../hardware-sim/control-api.ts';

const DEVICE_ALIASES: Record<string, SimDeviceName> = {
  idreader: 'idReader',
  'id-reader': 'idReader',
  idcard: 'idReader',
  id: 'idReader',
  printer: 'printer',
  scanner: 'scanner',
  qr: 'scanner',
};

const HELP = `usage:
  zizhu sim [--tcp] [--control-port N] [--dir DIR]   start the simulated ID reader, printer and scanner
  zizhu sim status                                     every device's state (JSON)
  zizhu sim <device> <action> [key=value ...|JSON]     act on a running simulator

devices and actions:
  id-reader  card-on [identity=resident|resident-longterm|foreigner|foreigner-2023|permit]  card-off
             sam-fault [on=false]  read-failure [count=N]  corrupt-checksum [count=N]  no-reply [count=N]
             rf-delay readMs=N  clear-faults  unplug  replug
  printer    paper-out [afterMm=N]  load-paper  near-end [on=false]  cover-open  cover-close
             cutter-jam  cutter-clear  offline  online  prints-nothing [mode=stalled|paper-stuck|off]
             unresponsive [on=false]  take-ticket  receipts [last=N]  speed mmPerSec=N  reset  unplug  replug
  scanner    scan text=CODE [repeat=N]  raw hex="02 05 41"  disconnect  reconnect

examples:
  zizhu sim printer paper-out afterMm=30
  zizhu sim id-reader card-on identity=permit
  zizhu sim scanner scan text=134567890123456789`;

/** Values that are always text, even when they look like numbers (a scanned code, a hex string). */
const TEXT_KEYS = new Set(['text', 'hex', 'identity', 'mode', 'command', 'newestAddress']);

/** `key=value` pairs (or one JSON object) → a request body; numbers and booleans are typed. */
export function parseActionBody(args: string[]): { body: Record<string, unknown> } | { error: string } {
  if (args.length === 1 && args[0]!.trim().startsWith('{')) {
    try {
      return { body: JSON.parse(args[0]!) as Record<string, unknown> };
    } catch (e) {
      return { error: `the JSON body is not valid: ${(e as Error).message}` };
    }
  }
  const body: Record<string, unknown> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) return { error: `"${a}" is not key=value (e.g. count=3)` };
    const key = a.slice(0, eq);
    const raw = a.slice(eq + 1);
    body[key] = TEXT_KEYS.has(key) ? raw : raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) && raw.length <= 15 ? Number(raw) : raw;
  }
  return { body };
}

async function runSimulator(args: string[], io: CliIo): Promise<number> {
  let values: { tcp?: boolean; 'control-port'?: string; dir?: string };
  try {
    ({ values } = parseArgs({ args, options: { tcp: { type: 'boolean' }, 'control-port': { type: 'string' }, dir: { type: 'string' } }, strict: true }));
  } catch (e) {
    io.err(`zizhu sim: ${(e as Error).message}\n${HELP}`);
    return Exit.BAD_INPUT;
  }
  const controlPort = values['control-port'] === undefined ? 7420 : Number(values['control-port']);
  if (!Number.isInteger(controlPort) || controlPort < 0 || controlPort > 65535) {
    io.err(`zizhu sim: --control-port must be a port number 0–65535, got "${values['control-port']}"`);
    return Exit.BAD_INPUT;
  }
  const dir = values.dir ?? defaultSimDir();
  const running = await readRunningSim(dir);
  if (running) {
    io.err(`zizhu sim: a simulator already runs in ${dir} (pid ${running.pid}, control ${running.controlUrl}); stop it first or use --dir`);
    return Exit.BAD_INPUT;
  }
  let hw;
  try {
    hw = await startKioskHardware({ dir, link: values.tcp ? 'tcp' : 'pty', controlPort });
  } catch (e) {
    if (!(e instanceof ControlPortInUseError)) throw e;
    io.err(`zizhu sim: ${e.message}`);
    return Exit.BAD_INPUT;
  }
  const d = hw.describe();
  const kioskFile = await writeSimKioskConfig(dir, d);
  const kind = d.link === 'pty' ? 'serial' : 'tcp';
  io.out(`zizhu sim: hardware simulator running (pid ${d.pid})`);
  io.out(`  ID card reader   ${d.ports.idReader}  (${kind}${kind === 'serial' ? ' 115200 8N1' : ''}, GA 467 SAM)`);
  io.out(`  receipt printer  ${d.ports.printer}  (${kind}${kind === 'serial' ? ' 115200 8N1' : ''}, ${hw.printer.profile})`);
  io.out(`  QR scanner       ${d.ports.scanner}  (${kind}${kind === 'serial' ? ' 9600 8N1' : ''}, lines end CR)`);
  io.out(`  control panel    ${d.controlUrl}/`);
  io.out(`  kiosk config     ${kioskFile}   (zizhu doctor uses it)`);
  io.out(`inject faults: zizhu sim printer paper-out | zizhu sim help.  Ctrl-C stops.`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await hw.close();
  io.out('zizhu sim: stopped');
  return Exit.OK;
}

export const simCommand: CliCommand = async (args, io) => {
  const first = args[0];
  if (first === 'help' || first === '--help' || first === '-h') {
    io.out(HELP);
    return Exit.OK;
  }
  if (first === undefined || first.startsWith('-')) return runSimulator(args, io);

  const sim = await readRunningSim();
  if (!sim) {
    io.err(`zizhu sim: no simulator running in ${defaultSimDir()} (start one with: zizhu sim)`);
    return Exit.FAULT;
  }
  if (first === 'status') {
    const r = await fetch(`${sim.controlUrl}/devices`);
    io.out(JSON.stringify(await r.json(), null, 2));
    return Exit.OK;
  }
  const device = DEVICE_ALIASES[first.toLowerCase()];
  if (!device) {
    io.err(`zizhu sim: unknown device "${first}" (have: id-reader, printer, scanner; zizhu sim help)`);
    return Exit.BAD_INPUT;
  }
  const action = args[1];
  if (!action) {
    io.err(`zizhu sim: which action for ${first}? (zizhu sim help)`);
    return Exit.BAD_INPUT;
  }
  const parsed = parseActionBody(args.slice(2));
  if ('error' in parsed) {
    io.err(`zizhu sim ${first} ${action}: ${parsed.error}`);
    return Exit.BAD_INPUT;
  }
  const r = await fetch(`${sim.controlUrl}/devices/${device}/${encodeURIComponent(action)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(parsed.body),
  });
  const answer = (await r.json()) as { error?: string; result?: unknown };
  if (!r.ok) {
    io.err(`zizhu sim ${first} ${action}: ${answer.error ?? r.statusText}`);
    return Exit.BAD_INPUT;
  }
  io.out(answer.result == null ? `${first} ${action}: ok` : JSON.stringify(answer.result, null, 2));
  return Exit.OK;
};
