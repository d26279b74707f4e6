import { join, resolve } from 'node:path';
import { FaultCode, type DeviceFault } from '../contracts/faults.ts';
import type { KioskConfig } from '../kiosk-config/schema.ts';
import { openJournal, type Journal } from './journal/journal.ts';
import { createLogger, closeLogger, type Logger } from './logging.ts';
import { openKioskDevices, type KioskDevices } from './devices.ts';
import { DeviceFaultBoard, type DeviceName, type FaultChange } from './device-faults.ts';

/** What a printer fault means, in the words an ops person reads on the alarm. */
const PRINTER_FAULT_WORDS: Partial<Record<FaultCode, string>> = {
  [FaultCode.PRINTER_PAPER_OUT]: 'out of paper: load a new roll',
  [FaultCode.PRINTER_PAPER_NEAR_END]: 'paper roll nearly used up: bring a new roll',
  [FaultCode.PRINTER_COVER_OPEN]: 'printer cover is open: close it',
  [FaultCode.PRINTER_CUTTER_ERROR]: 'cutter error: clear the paper at the cutter, then close the cover',
  [FaultCode.PRINTER_OFFLINE]: 'printer is offline',
  [FaultCode.PRINTER_UNRECOVERABLE_ERROR]: 'unrecoverable printer error: power-cycle the printer, call service if it stays',
  [FaultCode.PRINTER_PAPER_JAM]: 'paper jam in the presenter: open and clear it',
  [FaultCode.PRINTER_NO_RESPONSE]: 'the printer does not answer status requests: check power and cable',
};

export interface AgentOptions {
  config: KioskConfig;
  /** journal and state (default: config.agent.dataDir, else ./var/data) */
  dataDir?: string;
  /** rotating log files (default: config.agent.logDir, else ./var/log); false = console only */
  logDir?: string | false;
  /** console output of the log (default 'text') */
  console?: 'text' | 'json' | false;
  /** move a corrupt journal aside and start a fresh one (recorded) instead of refusing to start */
  moveAsideCorruptJournal?: boolean;
  /** journal heartbeat, so an unclean shutdown is dated to within this (default 5 s) */
  heartbeatMs?: number;
}

export interface RunningAgent {
  config: KioskConfig;
  journal: Journal;
  log: Logger;
  devices: KioskDevices;
  faults: DeviceFaultBoard;
  journalPath: string;
  logFiles: string[];
  stop(): Promise<void>;
}

/**
 * The agent's composition root, as far as it goes today: journal (with unclean-shutdown
 * detection), masked logging, the configured devices, and every device fault journaled as an
 * HQ outbox event the moment it appears or clears. Flows, bridge and HQ link attach here.
 */
export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const { config } = opts;
  const dataDir = resolve(opts.dataDir ?? config.agent.dataDir ?? join('var', 'data'));
  const logDir = opts.logDir === false ? undefined : resolve(opts.logDir ?? config.agent.logDir ?? join('var', 'log'));
  const log = createLogger({
    level: config.agent.logLevel,
    ...(logDir ? { dir: logDir } : {}),
    console: opts.console ?? 'text',
    defaultMeta: { kioskId: config.id, process: 'agent' },
  });
  const journalPath = join(dataDir, 'journal.sqlite');
  let journal: Journal;
  try {
    journal = openJournal({ path: journalPath, onCorrupt: opts.moveAsideCorruptJournal ? 'move-aside' : 'fail' });
  } catch (e) {
    log.error((e as Error).message);
    await closeLogger(log);
    throw e;
  }
  const { startup } = journal;
  log.info(`journal ${journalPath} open (schema v${startup.schemaVersion}, run ${startup.runId})`);
  if (startup.uncleanShutdown) {
    const u = startup.uncleanShutdown;
    const detail = `the previous agent run (pid ${u.pid}, started ${new Date(u.startedAt).toISOString()}) stopped without closing its journal; last seen ${new Date(u.lastSeenAt).toISOString()}`;
    log.warn(detail);
    journal.outbox.enqueue('fault.raised', { code: FaultCode.AGENT_UNCLEAN_SHUTDOWN, device: 'agent', severity: 'fault', detail, at: Date.now(), previousRun: u });
  }
  if (startup.movedAside) {
    const m = startup.movedAside;
    log.error(`the journal was corrupt and was moved aside to ${m.to}; a fresh journal was started`, { problems: m.problems });
    journal.outbox.enqueue('journal.moved-aside', m);
  }

  const heartbeat = setInterval(() => journal.heartbeat(), opts.heartbeatMs ?? 5_000);
  heartbeat.unref();

  const faults = new DeviceFaultBoard();
  const report = (changes: FaultChange[]) => {
    for (const c of changes) {
      const line = `${c.device} ${c.change === 'raised' ? (c.severity === 'fault' ? 'FAULT' : 'WARNING') : 'cleared'} ${c.code}: ${c.detail}`;
      if (c.change === 'raised') log.warn(line);
      else log.info(line);
      journal.outbox.enqueue(c.change === 'raised' ? 'fault.raised' : 'fault.cleared', c);
    }
  };
  const fromDetail = (f: { code: FaultCode; detail: string } | undefined) => (f ? [f] : []);

  const devices = await openKioskDevices(config.devices, { log, openTimeoutMs: 2_000 });
  const { idReader, printer, scanner } = devices;
  if (idReader) {
    idReader.on('health', (h) => report(faults.update('idReader', fromDetail(h.fault))));
    report(faults.update('idReader', fromDetail(idReader.health.fault)));
    idReader.start();
  }
  if (scanner) {
    scanner.on('health', (h) => report(faults.update('scanner', fromDetail(h.fault))));
    report(faults.update('scanner', fromDetail(scanner.health.fault)));
  }
  if (printer) {
    const printerState = () => {
      const h = printer.health;
      const linkDown = h.link.state !== 'up' ? [{ code: FaultCode.DEVICE_LINK_DOWN as FaultCode, detail: `${printer.link.name} is ${h.link.state}${h.link.lastError ? `: ${h.link.lastError}` : ''}` }] : [];
      const detail = (code: FaultCode) => ({ code, detail: `${PRINTER_FAULT_WORDS[code] ?? code} (${printer.profile.name} on ${printer.link.name})` });
      report(faults.update('printer', [...linkDown, ...h.faults.filter((c) => c !== FaultCode.DEVICE_LINK_DOWN).map(detail)], h.warnings.map(detail)));
    };
    printer.on('status', printerState);
    printer.on('fault', (f: DeviceFault) => log.debug?.(`printer fault event ${f.code}`));
    printerState();
  }
  const names = (Object.keys(config.devices) as DeviceName[]).join(', ') || 'none';
  log.info(`agent for ${config.id} running; devices: ${names}`);

  let stopped = false;
  return {
    config,
    journal,
    log,
    devices,
    faults,
    journalPath,
    logFiles: [],
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      await devices.close();
      log.info('agent stopped cleanly');
      journal.close();
      await closeLogger(log);
    },
  };
}
