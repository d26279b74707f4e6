/**
 * `zizhu soak payments --iterations N [--seed S] [--json]` — proves that money and bookings survive
 * the agent being killed at any moment.
 *
 * This process starts the three back-office simulators (with injected faults: timeouts, unknown
 * results, late success, slot taken, duplicate notifications) and the hardware simulator (real
 * PTYs), then runs the agent as a child process (`zizhu soak-agent`), whose robot patient drives
 * hospital registrations. At seeded random points (the k-th tick the child reports: a journaled
 * transition or a back-office call starting or ending) it SIGKILLs the child and starts it again;
 * the new agent recovers and goes on until N sessions have ended. Then it audits the gateway's
 * ledger, the HIS ledger and the journal (soak-audit.ts defines each count) and prints
 *
 *   {"iterations":N,"doubleCharges":0,"lostPaidRegistrations":0,"nonFinalOrders":0,"unrefundedOrphans":0,"strandedLocks":0,"journalIntegrity":"ok"}
 *
 * Every process of the soak runs on one clock, pinned at a Wednesday 08:30 in Asia/Shanghai when the
 * soak starts and running on from there (the agents get it as an offset), so the hospital has the
 * whole day's slots open whatever the hour the soak runs at.
 *
 * exiting 1 if any count is not zero. Details (kills, outcomes, what each non-zero count is made
 * of) go to stderr.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startBackOffice, type BackOffice } from '../../backends/simulators.ts';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { type CliCommand, Exit } from './io.ts';
import { auditSoak, readJournalForAudit } from './soak-audit.ts';
import { soakRng, type Rng } from './soak-robot.ts';

const USAGE = `usage: zizhu soak payments --iterations N [--seed S] [--json] [--kills K] [--keep DIR]
  N hospital registrations against the back-office simulators while the agent is SIGKILLed at random
  points and restarted; prints the audit (doubleCharges, lostPaidRegistrations, nonFinalOrders,
  unrefundedOrphans, strandedLocks, journalIntegrity); exit 1 if anything is wrong.
  --kills K   how many times the agent is killed (default: N/4, at least 3)
  --keep DIR  run in DIR and keep the journal, logs and kiosk config there`;

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'zizhu.mjs');

/** the instant the soak's clock starts at: Wednesday 2026-06-10 08:30 in Asia/Shanghai, before every slot of the day ends */
const SOAK_STARTS_AT = Date.parse('2026-06-10T08:30:00+08:00');

/** The faults the back offices inject, all seeded by the simulators' generator. */
function injectFaults(bo: BackOffice): void {
  const p = bo.payment;
  p.injectFault({ route: 'createNative', mode: 'unknown-result', probability: 0.08 });
  p.injectFault({ route: 'createNative', mode: 'timeout', probability: 0.03 });
  p.injectFault({ route: 'micropay', mode: 'unknown-result', probability: 0.08 });
  p.injectFault({ route: 'micropay', mode: 'timeout', probability: 0.04 });
  p.injectFault({ route: 'queryOrder', mode: 'error', probability: 0.08 });
  p.injectFault({ route: 'closeOrder', mode: 'paid-meanwhile', probability: 0.15 });
  p.injectFault({ route: 'closeOrder', mode: 'unknown-result', then: 'error', probability: 0.08 });
  p.injectFault({ route: 'refund', mode: 'unknown-result', probability: 0.12 });
  p.injectFault({ route: 'refund', mode: 'timeout', probability: 0.04 });
  p.injectFault({ route: 'queryRefund', mode: 'error', probability: 0.06 });
  const h = bo.his;
  h.injectFault({ route: 'lockSlot', mode: 'unknown-result', probability: 0.08 });
  h.injectFault({ route: 'lockSlot', mode: 'slot-taken', probability: 0.08 });
  h.injectFault({ route: 'lockSlot', mode: 'timeout', probability: 0.03 });
  // paid too slowly: the hold ran out, nothing is booked and the money must be refunded (the first
  // confirm always, so every soak, however short, has a paid order to give back)
  h.injectFault({ route: 'confirmRegistration', mode: 'hold-expired', times: 1 });
  h.injectFault({ route: 'confirmRegistration', mode: 'unknown-result', probability: 0.1 });
  h.injectFault({ route: 'confirmRegistration', mode: 'timeout', probability: 0.03 });
  h.injectFault({ route: 'confirmRegistration', mode: 'hold-expired', probability: 0.1 });
  // released, answer lost: the retry hears "not held"; slow: more kills land mid-release
  h.injectFault({ route: 'releaseSlot', mode: 'unknown-result', probability: 0.1 });
  h.injectFault({ route: 'releaseSlot', mode: 'delay', ms: 40, probability: 0.2 });
  h.injectFault({ route: 'registrationByKey', mode: 'error', probability: 0.1 });
  h.injectFault({ route: 'departments', mode: 'error', probability: 0.03 });
  h.injectFault({ route: 'todaysRegistrations', mode: 'error', probability: 0.03 });
}

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  killedByUs: boolean;
  ticks: number;
  flows: string[];
  notifications: number;
  stderr: string;
}

/** Where to kill a run: at the n-th tick of any kind, or right after the n-th answered back-office write. */
type KillPlan = { at: 'tick' | 'write-answered'; n: number } | null;

function runChild(argv: string[], env: NodeJS.ProcessEnv, plan: KillPlan, stallMs: number): Promise<ChildRun> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [BIN, 'soak-agent', ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let ticks = 0;
    let writes = 0;
    let killedByUs = false;
    const flows: string[] = [];
    let notifications = 0;
    let stderr = '';
    let stall: NodeJS.Timeout;
    const kill = () => {
      if (killedByUs || child.exitCode !== null) return;
      killedByUs = true;
      child.kill('SIGKILL');
    };
    const armStall = () => {
      clearTimeout(stall);
      stall = setTimeout(() => {
        stderr += `\n[soak] no progress for ${stallMs} ms: killing the agent`;
        child.kill('SIGKILL');
      }, stallMs);
    };
    armStall();
    createInterface({ input: child.stdout }).on('line', (line) => {
      armStall();
      if (line === 't' || line === 'w' || line === 'W') {
        ticks++;
        if (line === 'W') writes++;
        if (plan && (plan.at === 'tick' ? ticks >= plan.n : writes >= plan.n)) kill();
      } else if (line.startsWith('flow ')) flows.push(line.slice(5));
      else if (line.startsWith('notifications ')) notifications += Number(line.slice(14)) || 0;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-20_000);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(stall);
      resolveRun({ code, signal, killedByUs, ticks, flows, notifications, stderr });
    });
  });
}

export const soakCommand: CliCommand = async (args, io) => {
  if (args[0] !== 'payments') {
    io.err(`zizhu soak: which soak? only "payments" exists\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  let v: { iterations?: string; seed?: string; json?: boolean; kills?: string; keep?: string; help?: boolean };
  try {
    v = parseArgs({
      args: args.slice(1),
      options: { iterations: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, kills: { type: 'string' }, keep: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (e) {
    io.err(`zizhu soak payments: ${(e as Error).message}\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  if (v.help) {
    io.out(USAGE);
    return Exit.OK;
  }
  const iterations = Number(v.iterations);
  const seed = v.seed === undefined ? 1 : Number(v.seed);
  const kills = v.kills === undefined ? Math.max(3, Math.floor(iterations / 4)) : Number(v.kills);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 100_000) {
    io.err(`zizhu soak payments: --iterations must be a whole number 1–100000, got "${v.iterations ?? ''}"`);
    return Exit.BAD_INPUT;
  }
  if (!Number.isInteger(seed) || seed < 0) {
    io.err(`zizhu soak payments: --seed must be a whole number ≥ 0, got "${v.seed}"`);
    return Exit.BAD_INPUT;
  }
  if (!Number.isInteger(kills) || kills < 0) {
    io.err(`zizhu soak payments: --kills must be a whole number ≥ 0, got "${v.kills}"`);
    return Exit.BAD_INPUT;
  }

  const dir = v.keep ? resolve(v.keep) : await mkdtemp(join(tmpdir(), 'zizhu-soak-'));
  const rng: Rng = soakRng(seed ^ 0x5eed);
  let bo: BackOffice | undefined;
  let hw: RunningKioskHardware | undefined;
  const started = Date.now();
  let keepFiles = !!v.keep;
  // one clock for the back offices and every agent run: the same offset from the system clock
  const clockOffsetMs = SOAK_STARTS_AT - Date.now();
  const now = () => Date.now() + clockOffsetMs;
  try {
    bo = await startBackOffice({
      seed,
      now,
      payment: { refundProcessingMs: 30, notificationCopies: 2, notifyRetryMs: 100, notifyMaxAttempts: 30, userPayingMs: 100 },
    });
    injectFaults(bo);
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    const sim = hw.describe();
    const example = JSON.parse(await readFile(resolve(dirname(BIN), '..', 'kiosk-config', 'examples', 'hospital-lobby.json'), 'utf8')) as Record<string, unknown>;
    const config = {
      ...example,
      devices: { ...sim.devicesConfig, idReader: { ...sim.devicesConfig.idReader, pollIntervalMs: 50 } },
      backends: {
        his: { url: bo.urls.his, timeoutMs: 300 },
        payment: { url: bo.urls.payment, credentialsRef: 'env:ZIZHU_SOAK_PAYMENT_TOKEN', merchantId: bo.merchantId, timeoutMs: 300 },
      },
      agent: { logLevel: 'info', dataDir: join(dir, 'data'), logDir: join(dir, 'log') },
    };
    const configFile = join(dir, 'kiosk.json');
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);

    const env = { ...process.env, ZIZHU_SOAK_PAYMENT_TOKEN: 'soak-merchant-token' };
    const argv = ['--config', configFile, '--iterations', String(iterations), '--seed', String(seed), '--payment-sim', bo.urls.payment, '--hardware', sim.controlUrl, '--deadline-ms', '1500', `--clock-offset-ms=${clockOffsetMs}`];
    const outcomes: Record<string, number> = {};
    let killsDone = 0;
    let runs = 0;
    let notifications = 0;
    for (;;) {
      runs++;
      // until the kill budget is spent: half the kills anywhere in the next ~1–3 sessions' worth of
      // ticks, half right after a back office answered a write (the moments money and bookings move)
      const plan: KillPlan = killsDone >= kills ? null : rng.chance(0.5) ? { at: 'tick', n: 5 + rng.int(90) } : { at: 'write-answered', n: 1 + rng.int(6) };
      const r = await runChild(argv, env, plan, 30_000);
      for (const f of r.flows) {
        const outcome = f.split(' ')[1] ?? '?';
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      notifications += r.notifications;
      if (r.killedByUs) {
        killsDone++;
        continue;
      }
      if (r.code === 0) break;
      keepFiles = true;
      io.err(`zizhu soak payments: the agent stopped by itself (exit ${r.code ?? r.signal}) in run ${runs}; its last words:\n${r.stderr.trim().split('\n').slice(-15).join('\n')}\n(the run's journal and logs are kept in ${dir})`);
      return Exit.FAULT;
    }
    // refunds the gateway still processes finish within its processing time
    await new Promise((r) => setTimeout(r, 200));
    const audit = auditSoak(iterations, bo.payment.ledger(), bo.his.ledger(), readJournalForAudit(join(dir, 'data', 'journal.sqlite')));
    const { details, ...counts } = audit;
    const line = JSON.stringify(counts);
    const bad = counts.doubleCharges + counts.lostPaidRegistrations + counts.nonFinalOrders + counts.unrefundedOrphans + counts.strandedLocks > 0 || counts.journalIntegrity !== 'ok';
    const payLedger = bo.payment.ledger();
    const totals = payLedger.totals;
    // bookings whose payment went back (the flow could not confirm the booking and refunded): the hospital's loss, not the patient's
    const refundedOrders = new Set(payLedger.orders.filter((o) => o.paidFen > 0 && o.paidFen === o.refundedFen).map((o) => o.outTradeNo));
    const hisLedger = bo.his.ledger();
    const unpaidBookings = hisLedger.bookings.filter((b) => b.status === 'booked' && refundedOrders.has(b.paymentOrderNo)).length;
    const delivered = bo.payment.notifications().filter((n) => n.delivered).length;
    const summary =
      `soak: ${iterations} sessions in ${((Date.now() - started) / 1000).toFixed(1)} s, ${killsDone} kills (SIGKILL), ${runs} agent runs; outcomes ${JSON.stringify(outcomes)}; ` +
      `gateway ${totals.orders} orders, ${totals.charges} charges, ${totals.refundedFen / 100} yuan refunded, ${delivered} notifications delivered (${notifications} counted by finished runs); ` +
      `HIS ${hisLedger.totals.booked} bookings (${unpaidBookings} refunded after all), ${hisLedger.locks.length} locks (${hisLedger.totals.locks.released} released, ${hisLedger.totals.locks.expired} expired), ` +
      `${hisLedger.totals.conflicts.slotTaken} slot-taken and ${hisLedger.totals.conflicts.sameDepartment} same-department before payment, ${hisLedger.totals.replays} replays` +
      (details.refundAbnormal.length ? `; ${details.refundAbnormal.length} refund(s) ABNORMAL, reported for staff to hand over: ${details.refundAbnormal.slice(0, 5).join(', ')}` : '');
    if (v.json) {
      io.out(line);
      io.err(summary);
    } else {
      io.out(summary);
      io.out(line);
    }
    if (bad) {
      for (const [k, list] of Object.entries(details)) if (list.length) io.err(`  ${k}: ${list.slice(0, 10).join('; ')}${list.length > 10 ? ' …' : ''}`);
      if (counts.journalIntegrity !== 'ok') io.err(`  journalIntegrity: ${counts.journalIntegrity}`);
      keepFiles = true;
      io.err(`  the run's journal, logs and kiosk config are kept in ${dir}`);
    }
    return bad ? Exit.FAULT : Exit.OK;
  } finally {
    await hw?.close();
    await bo?.close();
    if (!keepFiles) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
};
