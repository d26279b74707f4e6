import { join } from 'node:path';
import { FaultCode, type DeviceFault } from '../contracts/faults.ts';
import type { KioskConfig } from '../kiosk-config/schema.ts';
import { openJournal, type Journal } from './journal/journal.ts';
import { startJournalPruning } from './journal/retention.ts';
import { createLogger, closeLogger, type Logger } from './logging.ts';
import { openKioskDevices, type KioskDevices } from './devices.ts';
import { DeviceFaultBoard, type DeviceName, type FaultChange } from './device-faults.ts';
import type { BackOfficeClients } from './flows/back-office.ts';
import { createFlowRuntime, type FlowRuntime, type FlowRuntimeOptions } from './flows/runtime.ts';
import { personHasher } from './flows/person-hash.ts';
import { startNotifyReceiver, type NotifyReceiver } from './flows/notify-receiver.ts';
import { registrationFacts } from './flows/registration-actors.ts';
import { testPagePrinter } from './flows/print-actors.ts';
import { Recovery, type RecoveryReport } from './recovery/recovery.ts';
import { Kiosk } from './kiosk/kiosk.ts';
import { watchBackOffice, type BackOfficeHealth } from './flows/back-office-health.ts';
import type { BackendName } from '../backends/errors.ts';
import { startBridge, type RunningBridge } from './bridge/server.ts';
import type { SelfTestOutput } from '../state-machines/lifecycle.machine.ts';
import { fileURLToPath } from 'node:url';
import { systemNow, type Now } from '../state-machines/deadlines.ts';
import { takeAgentLock } from './agent-lock.ts';
import { agentDataDir, agentLogDir } from './agent-dirs.ts';
import { agentStatusOf, startStatusEndpoint } from './status-endpoint.ts';
import { faultEvent } from './hq-events.ts';
import { startHqLink, kioskLockControl, type HqLink, type HqLinkOptions } from './hq-link/link.ts';
import { heartbeatFacts } from './hq-link/heartbeat.ts';
import { reportPromisedHours } from './hq-link/hours-report.ts';
import { kioskHqAccess } from './hq-link/kiosk-access.ts';
import { readFileSync } from 'node:fs';
import { lifecycleView } from '../state-machines/lifecycle.machine.ts';
import { withHoursOverride } from './hq-link/promised-hours.ts';
import { startAgentHands, type AgentHands } from './self-test/agent-hands.ts';
import { attachFaultEvidence, startAgentWatch, tapDeviceLines } from './watchdog/machine-watch.ts';
import { WatchReports } from './watchdog/watch-report.ts';

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
  [FaultCode.PRINTER_NOT_DELIVERING]: 'receipts are accepted but none comes out although the status is clean: check the paper path and print mechanism, then run a test print (staff screen or zizhu doctor --test-print)',
  [FaultCode.PRINT_NOT_TAKEN]: 'a receipt was left in the presenter (ticket mouth): take it out; the next print waits for it',
  [FaultCode.PRINTER_LINE_NOISE]: 'the printer cable carries line noise that persists (bytes that decode to nothing): check the cable, its shielding and the baud rate',
};

export interface AgentOptions {
  config: KioskConfig;
  /** journal, state and the one-agent lock (default: config.agent.dataDir, else runtime/agent-dirs.ts: ~/.local/state/zizhu/data, /var/lib/zizhu for root) */
  dataDir?: string;
  /** rotating log files (default: config.agent.logDir, else runtime/agent-dirs.ts: ~/.local/state/zizhu/log, /var/log/zizhu for root); false = console only */
  logDir?: string | false;
  /** console output of the log (default 'text') */
  console?: 'text' | 'json' | false;
  /** move a corrupt journal aside and start a fresh one (recorded) instead of refusing to start */
  moveAsideCorruptJournal?: boolean;
  /** journal heartbeat, so an unclean shutdown is dated to within this (default 5 s) */
  heartbeatMs?: number;
  /**
   * The back offices the service flows use. With it the agent recovers what the previous run left
   * unfinished (runtime/recovery: interrupted sessions ended as recovered, orders reconciled,
   * registrations re-fetched by key) *before* it hosts any new session, then hosts the flows
   * (`RunningAgent.flows`). Without it the agent runs devices and journal only, as before.
   */
  backOffice?: AgentBackOffice;
  /**
   * The kiosk screen: the lifecycle (status, hours, gating, staff) and the bridge the renderer
   * connects to. Absent: no screen (devices, journal and flows only).
   */
  screen?: AgentScreenOptions;
  /**
   * The kiosk's clock (epoch ms): hours, "today", deadlines, journal and HQ timestamps. Default the
   * system clock; tests and `zizhu start --at` pin it (`pinnedNow`).
   */
  now?: Now;
  /**
   * The HQ link (started when the config has `hq`): where `env:NAME` secrets are read (default
   * process.env), and for tests another fetch, request timeout and backoff.
   */
  hq?: Pick<HqLinkOptions, 'env' | 'fetch' | 'requestTimeoutMs' | 'backoff'>;
}

/** The agent's version (package.json), as `agent.started` tells HQ. */
export const AGENT_VERSION: string = (() => {
  try {
    return String((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown }).version ?? 'unknown').slice(0, 40);
  } catch {
    return 'unknown';
  }
})();

export interface AgentScreenOptions {
  /** bridge port on 127.0.0.1 (0 or absent: any free port) */
  port?: number;
  /** the built renderer (default renderer/dist of this checkout) */
  rendererDir?: string;
  /** the "session ended" screen's time (default 6 s) */
  endedShowMs?: number;
  /** development only: the bridge also offers `takeoverUrl`, whose browser takes the screen's one seat (visibly) */
  takeover?: boolean;
}

export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../renderer/dist', import.meta.url));

export interface AgentBackOffice {
  clients: BackOfficeClients;
  /** receive the gateway's payment notifications on this loopback port (0: any free port; absent: none) */
  notifyPort?: number;
  /** pauses between retries and polls in the flows (default: the machines' 1 s … 5 s backoff) */
  retryPauseMs?: FlowRuntimeOptions['retryPauseMs'];
  /** backoff of reconciliation retries for orders still open (default 1 s doubling to 5 min) */
  recoveryRetry?: { firstMs?: number; maxMs?: number };
  /** an order the gateway does not know is closed only once it is this old (default 60 s) */
  notExistGraceMs?: number;
  /** while a back office is unreachable it is probed this often (default 15 s) */
  healthProbeMs?: number;
  /** replace payment actors (the soak's deliberately broken variants only) */
  paymentActorOverrides?: FlowRuntimeOptions['paymentActorOverrides'];
  /** session defaults beyond what the config gives (e.g. a short payment deadline in the soak) */
  defaults?: FlowRuntimeOptions['defaults'];
}

export interface RunningAgent {
  config: KioskConfig;
  journal: Journal;
  log: Logger;
  devices: KioskDevices;
  faults: DeviceFaultBoard;
  journalPath: string;
  logFiles: string[];
  /** the service flows (only with `backOffice`) */
  flows?: FlowRuntime;
  /** start-up recovery and the reconciliation that goes on after it (only with `backOffice`) */
  recovery?: Recovery;
  /** what start-up recovery found and did */
  recoveryReport?: RecoveryReport;
  /** the payment-notification receiver (only with `backOffice.notifyPort`) */
  notifyReceiver?: NotifyReceiver;
  /** the kiosk's lifecycle and screen (only with `screen`) */
  kiosk?: Kiosk;
  /** the renderer's server and WebSocket (only with `screen`); `bridge.url` is what a shell loads */
  bridge?: RunningBridge;
  /** the link to HQ: `status()` says what it delivered, what waits, the last error, set-aside events, clock skew */
  hqLink: HqLink;
  /** issue 11: what the watchdogs put in each heartbeat (runtime/watchdog/watch-report.ts); the kiosk process adds its own */
  watchReports: WatchReports;
  /** issue 10: the self-test (window starts, boot, HQ's command) and the remote hands that need the agent */
  remoteHands: AgentHands;
  stop(): Promise<void>;
}

/**
 * The agent's composition root, as far as it goes today: journal (with unclean-shutdown
 * detection), masked logging, the configured devices, and every device fault journaled as an
 * HQ outbox event the moment it appears or clears. Flows, bridge and HQ link attach here.
 */
export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  // one agent per data directory (runtime/agent-lock.ts), taken before the journal, devices or screen
  const dataDir = agentDataDir(opts.dataDir ?? opts.config.agent.dataDir);
  const lock = takeAgentLock(dataDir, { command: 'the kiosk agent' });
  let agent: RunningAgent;
  try {
    agent = await startLockedAgent(opts, dataDir);
  } catch (e) {
    lock.release();
    throw e;
  }
  // the agent's own view of its devices, for `zizhu doctor` while the agent holds the ports
  const startedAt = new Date((opts.now ?? systemNow)()).toISOString();
  const status = await startStatusEndpoint(() => agentStatusOf(agent, startedAt)).catch((e: unknown) => {
    agent.log.warn(`the status endpoint for zizhu doctor could not start: ${(e as Error).message}`);
    return undefined;
  });
  if (status) lock.recordStatus({ url: status.url, token: status.token });
  const stopAgent = agent.stop;
  agent.stop = async () => {
    await status?.close();
    await stopAgent();
    lock.release();
  };
  return agent;
}

async function startLockedAgent(opts: AgentOptions, dataDir: string): Promise<RunningAgent> {
  const now = opts.now ?? systemNow;
  const logDir = opts.logDir === false ? undefined : agentLogDir(opts.logDir ?? opts.config.agent.logDir);
  const log = createLogger({
    level: opts.config.agent.logLevel,
    ...(logDir ? { dir: logDir } : {}),
    console: opts.console ?? 'text',
    defaultMeta: { kioskId: opts.config.id, process: 'agent' },
  });
  // issue 10: the promised hours HQ set last (set-promised-hours, kept in the data dir) replace the file's
  const config = withHoursOverride(opts.config, dataDir, log);
  const journalPath = join(dataDir, 'journal.sqlite');
  let journal: Journal;
  try {
    journal = openJournal({ path: journalPath, now, onCorrupt: opts.moveAsideCorruptJournal ? 'move-aside' : 'fail' });
  } catch (e) {
    log.error((e as Error).message);
    await closeLogger(log);
    throw e;
  }
  const { startup } = journal;
  log.info(`journal ${journalPath} open (schema v${startup.schemaVersion}, run ${startup.runId})`);
  // issue 11: every fault.raised from here on carries the evidence bundle (runtime/watchdog/evidence.ts)
  const evidence = attachFaultEvidence(journal, now, log);
  // once per start, first of this run's events; a kiosk lock journaled by the previous run is applied again below
  const restoredLock = journal.hqLink.currentLock();
  journal.outbox.enqueue('agent.started', {
    uncleanPreviousRun: startup.uncleanShutdown !== null,
    version: AGENT_VERSION,
    heartbeatSeconds: config.hq?.heartbeatSeconds ?? 30,
    remoteLocked: restoredLock !== undefined,
  });
  // issue 10: the promised hours in force, so HQ counts availability against them
  reportPromisedHours(journal.outbox, config);
  if (startup.uncleanShutdown) {
    const u = startup.uncleanShutdown;
    const detail = `the previous agent run (pid ${u.pid}, started ${new Date(u.startedAt).toISOString()}) stopped without closing its journal; last seen ${new Date(u.lastSeenAt).toISOString()}`;
    log.warn(detail);
    journal.outbox.enqueue(...faultEvent({ code: FaultCode.AGENT_UNCLEAN_SHUTDOWN, device: 'agent', change: 'raised', severity: 'warning', detail, evidence: { previousRun: u } }));
  }
  if (startup.movedAside) {
    const m = startup.movedAside;
    log.error(`the journal was corrupt and was moved aside to ${m.to}; a fresh journal was started`, { problems: m.problems });
    journal.outbox.enqueue('journal.moved-aside', m);
  }

  const heartbeat = setInterval(() => journal.heartbeat(), opts.heartbeatMs ?? 5_000);
  heartbeat.unref();
  for (const w of startup.warnings) log.warn(w);
  // what people did is kept only as long as needed: pruned now and on the schedule (config agent.retention)
  const pruning = startJournalPruning({ journal, retention: config.agent.retention, now, log });

  const faults = new DeviceFaultBoard(now);
  const report = (changes: FaultChange[]) => {
    for (const c of changes) {
      const line = `${c.device} ${c.change === 'raised' ? (c.severity === 'fault' ? 'FAULT' : 'WARNING') : 'cleared'} ${c.code}: ${c.detail}`;
      if (c.change === 'raised') log.warn(line);
      else log.info(line);
      journal.outbox.enqueue(...faultEvent(c));
    }
  };
  const fromDetail = (f: { code: FaultCode; detail: string } | undefined) => (f ? [f] : []);
  // every device's present condition: to HQ at once (the board), and to the kiosk's lifecycle (debounced there)
  type Problem = { code: FaultCode; detail: string };
  const latestHealth = new Map<DeviceName, { faults: Problem[]; warnings: Problem[] }>();
  let kiosk: Kiosk | undefined;
  /** the HQ link once started (the kiosk starts first: its 求助 and nearby kiosks reach the link through this) */
  const linkForKiosk: { link?: HqLink } = {};
  const deviceState = (device: DeviceName, faultsNow: Problem[], warningsNow: Problem[] = []) => {
    latestHealth.set(device, { faults: faultsNow, warnings: warningsNow });
    report(faults.update(device, faultsNow, warningsNow));
    kiosk?.deviceHealth(device, faultsNow, warningsNow);
  };

  const devices = await openKioskDevices(config.devices, { log, openTimeoutMs: 2_000, faults: config.agent.deviceFaults });
  const { idReader, printer, scanner } = devices;
  tapDeviceLines(evidence, devices);
  if (idReader) {
    idReader.on('health', (h) => deviceState('idReader', fromDetail(h.fault), h.warnings));
    deviceState('idReader', fromDetail(idReader.health.fault), idReader.health.warnings);
    idReader.start();
  }
  if (scanner) {
    scanner.on('health', (h) => deviceState('scanner', fromDetail(h.fault), h.warnings));
    deviceState('scanner', fromDetail(scanner.health.fault), scanner.health.warnings);
  }
  if (printer) {
    const printerState = () => {
      const h = printer.health;
      const linkDown = h.link.state !== 'up' ? [{ code: FaultCode.DEVICE_LINK_DOWN as FaultCode, detail: `${printer.link.name} is ${h.link.state}${h.link.lastError ? `: ${h.link.lastError}` : ''}` }] : [];
      const detail = (code: FaultCode) => ({ code, detail: `${PRINTER_FAULT_WORDS[code] ?? code} (${printer.profile.name} on ${printer.link.name})` });
      deviceState('printer', [...linkDown, ...h.faults.filter((c) => c !== FaultCode.DEVICE_LINK_DOWN).map(detail)], h.warnings.map(detail));
    };
    printer.on('status', printerState);
    printer.on('fault', (f: DeviceFault) => log.debug?.(`printer fault event ${f.code}`));
    printer.on('job', (e) => kiosk?.printerJob(e));
    printerState();
  }
  let flows: FlowRuntime | undefined;
  let recovery: Recovery | undefined;
  let recoveryReport: RecoveryReport | undefined;
  let notifyReceiver: NotifyReceiver | undefined;
  let detachDevices: (() => void) | undefined;
  // each back office's reachability: to HQ, and to the kiosk's lifecycle (a service whose back office is down is not offered)
  const latestBackends = new Map<BackendName, { state: 'up' | 'down'; detail: string }>();
  let backOfficeHealth: BackOfficeHealth | undefined;
  if (opts.backOffice) try {
    const bo = { ...opts.backOffice };
    backOfficeHealth = watchBackOffice({
      clients: bo.clients,
      ...(bo.healthProbeMs !== undefined ? { probeEveryMs: bo.healthProbeMs } : {}),
      onChange: (backend, state, detail) => {
        latestBackends.set(backend, { state, detail });
        if (state === 'down') log.warn(`back office ${backend} unreachable: ${detail}`);
        else log.info(`back office ${backend} answers again`);
        journal.outbox.enqueue('backend.health', { backend, state, detail });
        kiosk?.backendHealth(backend, state, detail);
      },
    });
    bo.clients = backOfficeHealth.clients;
    recovery = new Recovery({
      journal,
      ...(bo.clients.payment ? { gateway: bo.clients.payment } : {}),
      ...(bo.clients.his ? { his: bo.clients.his } : {}),
      log,
      facts: { hospitalRegistration: registrationFacts },
      now,
      ...(bo.recoveryRetry ? { retry: bo.recoveryRetry } : {}),
      ...(bo.notExistGraceMs !== undefined ? { notExistGraceMs: bo.notExistGraceMs } : {}),
    });
    recoveryReport = await recovery.start();
    const r = recoveryReport;
    if (r.sessionsRecovered || r.orders.length || r.printJobsFailed)
      log.warn(`start-up recovery: ${r.sessionsRecovered} interrupted session(s) ended, ${r.orders.filter((o) => o.settled).length}/${r.orders.length} order(s) settled, ${r.printJobsFailed} print job(s) marked not delivered${r.stillOpen.length ? `; still open, retrying: ${r.stillOpen.join(', ')}` : ''}`);
    const services = config.services;
    const rec = recovery;
    flows = createFlowRuntime({
      journal,
      backends: bo.clients,
      ...(printer ? { devices: { printer } } : {}),
      kiosk: { id: config.id, name: config.name, hotline: config.ui.hotline },
      log,
      clock: { now },
      defaults: {
        hospitalRegistration: {
          ...(services.hospitalRegistration ? { identifyBy: services.hospitalRegistration.identifyBy, allowWithoutPrinter: services.hospitalRegistration.allowWithoutPrinter } : {}),
          ...(services.payment ? { payment: { methods: services.payment.methods, orderDeadlineSeconds: services.payment.orderDeadlineSeconds } } : {}),
          idle: config.ui.idle,
          ...bo.defaults?.hospitalRegistration,
        },
        providentFundStatement: {
          ...(services.providentFundStatement ? { identifyBy: services.providentFundStatement.identifyBy, maxPeriodMonths: services.providentFundStatement.maxPeriodMonths } : {}),
          idle: config.ui.idle,
          ...bo.defaults?.providentFundStatement,
        },
      },
      ...(bo.retryPauseMs ? { retryPauseMs: bo.retryPauseMs } : {}),
      onUnfinishedOrder: (no) => rec.adopt(no),
      ...(bo.paymentActorOverrides ? { paymentActorOverrides: bo.paymentActorOverrides } : {}),
      onTransition: (s) => kiosk?.sessionChanged(s),
      personHash: personHasher(dataDir, log),
    });
    detachDevices = flows.attachDevices({ ...(idReader ? { idReader } : {}), ...(scanner ? { scanner } : {}) });
    if (bo.notifyPort !== undefined) {
      const f = flows;
      notifyReceiver = await startNotifyReceiver({ port: bo.notifyPort, onNotification: (n) => {
          f.notifyPayment(n);
          rec.notified(n);
        },
        log,
      });
      log.info(`payment notifications: ${notifyReceiver.url}`);
    }
  } catch (e) {
    log.error(`the service flows could not start: ${(e as Error).message}`);
    clearInterval(heartbeat);
    pruning.stop();
    detachDevices?.();
    flows?.close();
    recovery?.stop();
    backOfficeHealth?.stop();
    await devices.close();
    journal.close();
    await closeLogger(log);
    throw e;
  }

  let bridge: RunningBridge | undefined;
  if (opts.screen) try {
    const selfTest = async (): Promise<SelfTestOutput> => {
      // ask the printer again (the readers poll by themselves), then report what every device says now
      await Promise.race([printer?.refreshStatus().catch(() => undefined), new Promise((r) => setTimeout(r, 3_000).unref())]);
      const out: SelfTestOutput = {};
      for (const [device, h] of latestHealth) out[device] = { faults: h.faults, warnings: h.warnings };
      return out;
    };
    kiosk = new Kiosk({
      config,
      // issue 10: 求助 and the live nearby kiosks go through the HQ link (started below)
      ...(config.hq ? { hq: kioskHqAccess(journal, () => linkForKiosk.link) } : {}),
      ...(flows ? { flows } : {}),
      // the staff test page goes into the journal's print jobs too; the staff screen lists the latest
      ...(printer ? { printer: testPagePrinter({ journal, printer }), recentPrintJobs: () => journal.printJobs.recent(8) } : {}),
      ...(idReader ? { idReader } : {}),
      selfTest,
      now,
      report: (type, payload) => journal.outbox.enqueue(type, payload),
      log,
      // the kiosk lock survives a restart: journaled when it changes, applied again before anyone is served
      ...(restoredLock ? { restoreLock: { reason: restoredLock.reason, by: restoredLock.by, staffId: restoredLock.staffId, commandId: restoredLock.commandId } } : {}),
      onLockChange: (lock, unlockedBy) => {
        if (lock) journal.hqLink.lock(lock);
        else journal.hqLink.unlock(unlockedBy);
      },
      ...(opts.screen.endedShowMs !== undefined ? { endedShowMs: opts.screen.endedShowMs } : {}),
      ports: {
        ...(idReader ? { idReader: idReader.link.name } : {}),
        ...(printer ? { printer: printer.link.name } : {}),
        ...(scanner ? { scanner: scanner.link.name } : {}),
      },
    }).start();
    for (const [device, h] of latestHealth) kiosk.deviceHealth(device, h.faults, h.warnings);
    for (const [backend, h] of latestBackends) kiosk.backendHealth(backend, h.state, h.detail);
    bridge = await startBridge({ kiosk, rendererDir: opts.screen.rendererDir ?? DEFAULT_RENDERER_DIR, port: opts.screen.port ?? 0, log, ...(opts.screen.takeover ? { takeover: true } : {}) });
    log.info(`screen: ${bridge.origin} (renderer with this boot's token)`);
  } catch (e) {
    log.error(`the kiosk screen could not start: ${(e as Error).message}`);
    kiosk?.close();
    clearInterval(heartbeat);
    pruning.stop();
    detachDevices?.();
    flows?.close();
    recovery?.stop();
    backOfficeHealth?.stop();
    await notifyReceiver?.close();
    await devices.close();
    journal.close();
    await closeLogger(log);
    throw e;
  }

  const k = kiosk;
  // issue 11: the watchdogs' part of every heartbeat (the disk's below; the kiosk process adds the screen's)
  const watchReports = new WatchReports();
  const hqLink = startHqLink({
    config: config.hq,
    kioskId: config.id,
    journal,
    log,
    now,
    ...opts.hq,
    heartbeat: () =>
      heartbeatFacts({
        config,
        now,
        ...(k ? { lifecycle: () => lifecycleView(k.lifecycle.getSnapshot()) } : {}),
        // issue 11: with each device's line-noise record, read live from its driver
        devices: () => new Map([...latestHealth].map(([d, h]) => [d, { ...h, lineNoise: devices[d]?.health.lineNoise }])),
        backends: () => latestBackends,
        watch: () => watchReports.report(),
      }),
    ...(k ? { kiosk: kioskLockControl(k), helpAnswer: (a) => k.help.answer(a.requestId, a.text) } : {}),
  });
  linkForKiosk.link = hqLink;

  // issue 10: the self-test and HQ's remote hands that need the devices, journal, back offices and lifecycle
  const remoteHands = startAgentHands({
    config,
    dataDir,
    now,
    journal,
    log,
    ...(printer ? { printer, testPagePrinter: testPagePrinter({ journal, printer }) } : {}),
    ...(idReader ? { idReader } : {}),
    ...(backOfficeHealth ? { backOffice: backOfficeHealth } : {}),
    ...(kiosk ? { kiosk } : {}),
    // the hours in force after set-promised-hours, with their version (runtime/hq-link/hours-report.ts)
    reportHours: () => reportPromisedHours(journal.outbox, config).version,
  });
  hqLink.provideRemoteHands(remoteHands.hands);

  // issue 11: the journal's disk (DISK_LOW), and the screens for the evidence bundle
  const machineWatch = startAgentWatch({ config, journal, dataDir, evidence, ...(kiosk ? { kiosk } : {}), ...(bridge ? { bridge } : {}), log });
  watchReports.add(() => machineWatch.disk.latch.watchReport());
  const names = (Object.keys(config.devices) as DeviceName[]).join(', ') || 'none';
  log.info(`agent for ${config.id} running; devices: ${names}${flows ? '; flows ready' : ''}`);

  let stopped = false;
  return {
    config,
    journal,
    log,
    devices,
    faults,
    journalPath,
    logFiles: [],
    ...(flows ? { flows } : {}),
    ...(recovery ? { recovery } : {}),
    ...(recoveryReport ? { recoveryReport } : {}),
    ...(notifyReceiver ? { notifyReceiver } : {}),
    ...(kiosk ? { kiosk } : {}),
    ...(bridge ? { bridge } : {}),
    hqLink,
    watchReports,
    remoteHands,
    async stop() {
      if (stopped) return;
      stopped = true;
      remoteHands.stop();
      machineWatch.stop();
      // a batch in flight ends first (delivered, or left for the next start); commands still running resume then
      await hqLink.stop();
      clearInterval(heartbeat);
      pruning.stop();
      await bridge?.close();
      kiosk?.close();
      detachDevices?.();
      // sessions still running stay open in the journal: the next start recovers them
      flows?.close();
      recovery?.stop();
      backOfficeHealth?.stop();
      await notifyReceiver?.close();
      await devices.close();
      log.info('agent stopped cleanly');
      journal.close();
      await closeLogger(log);
    },
  };
}
