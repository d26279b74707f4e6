/**
 * `zizhu soak-agent` — internal: the agent process `zizhu soak payments` runs, kills (SIGKILL) and
 * restarts. It starts the real agent (journal, devices over the simulator's PTYs, back offices
 * from the kiosk config, start-up recovery) and lets the robot patient run hospital registration
 * sessions until the journal holds `--iterations` ended sessions; then it waits until recovery has
 * settled every order, stops cleanly and exits 0.
 *
 * stdout, one line each: a tick — `t` a journaled transition or a back-office read starting or
 * ending, `w`/`W` a back-office write (create, micropay, close, refund, lock, confirm, release) starting/answered —
 * which the parent counts to pick its kill points; `flow <n> <outcome>`; `ready`; `notifications <n>`
 * (payment notifications this run received, duplicates included); `done`.
 *
 * ZIZHU_SOAK_BREAK (read here only; deliberately broken variants that the soak must catch):
 *   skip-refund           refunds are reported done but never sent to the gateway
 *   journal-after-create  the order is journaled only after the gateway created it (and 30 ms later)
 *   skip-release          held places are reported released but the HIS is never asked (解锁 skipped)
 */
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { fromPromise } from 'xstate';
import { loadKioskConfig } from '../../kiosk-config/schema.ts';
import type { PaymentGateway, RefundQuery } from '../../backends/payment/types.ts';
import type { His } from '../../backends/his/types.ts';
import type { JournalOrderInput, CreateNativeOrderInput, MicropayInput } from '../../state-machines/payment.machine.ts';
import { startAgent, type RunningAgent } from '../agent.ts';
import { backOfficeFromConfig, type BackOfficeClients } from '../flows/back-office.ts';
import { type CliCommand, Exit } from './io.ts';
import { runRobotFlow, soakRng } from './soak-robot.ts';

export type SoakBreak = 'skip-refund' | 'journal-after-create' | 'skip-release';
const BREAKS: readonly SoakBreak[] = ['skip-refund', 'journal-after-create', 'skip-release'];

const USAGE = 'usage (internal, run by zizhu soak payments): zizhu soak-agent --config FILE --iterations N --seed S --payment-sim URL [--hardware URL] [--deadline-ms MS] [--clock-offset-ms MS]';

/** Calls that may change something at a back office (money, bookings, held places). */
const WRITES = new Set(['createNativeOrder', 'micropay', 'closeOrder', 'refund', 'lockSlot', 'confirmRegistration', 'releaseSlot']);

/** Every method call of `target` ticks when it starts and when it settles (`w`/`W` for writes, `t` for reads). */
function ticking<T extends object>(target: T, tick: (kind: string) => void): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const v = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const write = WRITES.has(String(prop));
      return (...args: unknown[]) => {
        tick(write ? 'w' : 't');
        const r = (v as (...a: unknown[]) => unknown).apply(obj, args);
        const settled = () => tick(write ? 'W' : 't');
        if (r instanceof Promise) r.then(settled, settled);
        return r;
      };
    },
  });
}

/** The gateway as the skip-refund variant sees it: every refund "succeeds" at once, nothing is sent. */
function refundsSkipped(g: PaymentGateway): PaymentGateway {
  const fake = (outRefundNo: string, outTradeNo: string, amountFen: number): RefundQuery => ({ outRefundNo, outTradeNo, status: 'SUCCESS', amountFen });
  return {
    createNativeOrder: (r, o) => g.createNativeOrder(r, o),
    micropay: (r, o) => g.micropay(r, o),
    queryOrder: (r, o) => g.queryOrder(r, o),
    closeOrder: (r, o) => g.closeOrder(r, o),
    refund: async (r) => fake(r.outRefundNo, r.outTradeNo, r.amountFen),
    queryRefund: async (r) => fake(r.outRefundNo, r.outRefundNo.replace(/R1$/, ''), 0),
  };
}

/** The HIS as the skip-release variant sees it: every release "succeeds" at once, nothing is sent. */
function releasesSkipped(h: His): His {
  return new Proxy(h, {
    get(obj, prop, receiver) {
      if (prop === 'releaseSlot') return async () => ({ outcome: 'released' as const });
      const v = Reflect.get(obj, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(obj) : v;
    },
  });
}

export const soakAgentCommand: CliCommand = async (args, io) => {
  let v: Record<string, string | undefined>;
  try {
    v = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        iterations: { type: 'string' },
        seed: { type: 'string' },
        'payment-sim': { type: 'string' },
        hardware: { type: 'string' },
        'deadline-ms': { type: 'string' },
        'clock-offset-ms': { type: 'string' },
      },
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (e) {
    io.err(`zizhu soak-agent: ${(e as Error).message}\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  const iterations = Number(v.iterations);
  const seed = Number(v.seed ?? 1);
  const deadlineMs = Number(v['deadline-ms'] ?? 1500);
  // the soak's clock (the same for every run of the agent and for the back offices)
  const clockOffsetMs = Number(v['clock-offset-ms'] ?? 0);
  if (!Number.isFinite(clockOffsetMs)) {
    io.err(`zizhu soak-agent: --clock-offset-ms must be a number of milliseconds, got "${v['clock-offset-ms']}"\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  const now = () => Date.now() + clockOffsetMs;
  if (!v.config || !v['payment-sim'] || !Number.isInteger(iterations) || iterations < 1) {
    io.err(`zizhu soak-agent: --config, --iterations and --payment-sim are required\n${USAGE}`);
    return Exit.BAD_INPUT;
  }
  const broken = process.env.ZIZHU_SOAK_BREAK as SoakBreak | undefined;
  if (broken && !BREAKS.includes(broken)) {
    io.err(`zizhu soak-agent: ZIZHU_SOAK_BREAK must be one of ${BREAKS.join(', ')}, got "${broken}"`);
    return Exit.BAD_INPUT;
  }

  const tick = (kind = 't') => process.stdout.write(`${kind}\n`);
  const config = loadKioskConfig(v.config);
  // notifications: the simulator sends them to the receiver of the agent running now (set below)
  const raw = backOfficeFromConfig(config);
  let gateway = raw.payment!;
  if (broken === 'skip-refund') gateway = refundsSkipped(gateway);
  let his = raw.his!;
  if (broken === 'skip-release') his = releasesSkipped(his);
  const clients: BackOfficeClients = { his: ticking(his, tick), payment: ticking(gateway, tick) };

  const late: { agent?: RunningAgent } = {};
  const overrides: Record<string, unknown> = {};
  if (broken === 'journal-after-create') {
    // deliberately wrong: the order number reaches the gateway before the journal knows it
    const pendingJournal = new Map<string, JournalOrderInput>();
    const journalLate = async (no: string) => {
      await new Promise((r) => setTimeout(r, 30));
      const j = pendingJournal.get(no);
      if (j && late.agent && !late.agent.journal.payments.find(no)) late.agent.journal.payments.journal({ merchantOrderNo: no, amountFen: j.amountFen, method: j.method, sessionId: j.sessionId, deadlineAt: j.deadlineAt });
    };
    overrides.journalOrder = fromPromise<unknown, JournalOrderInput>(async ({ input }) => {
      pendingJournal.set(input.outTradeNo, input);
    });
    overrides.createNativeOrder = fromPromise<{ codeUrl: string }, CreateNativeOrderInput>(async ({ input, signal }) => {
      try {
        return await clients.payment!.createNativeOrder(input, { signal });
      } finally {
        await journalLate(input.outTradeNo);
      }
    });
    overrides.micropay = fromPromise<{ tradeState: 'SUCCESS' | 'USERPAYING'; transactionId?: string }, MicropayInput>(async ({ input, signal }) => {
      try {
        return await clients.payment!.micropay(input, { signal });
      } finally {
        await journalLate(input.outTradeNo);
      }
    });
  }

  const agent = await startAgent({
    config,
    now,
    logDir: config.agent.logDir ?? false,
    console: false,
    heartbeatMs: 1_000,
    backOffice: {
      clients,
      notifyPort: 0,
      retryPauseMs: (tries) => Math.min(200, 20 * (tries + 1)),
      recoveryRetry: { firstMs: 100, maxMs: 1_000 },
      // loopback: a create on the wire at the kill reaches the simulator within milliseconds
      notExistGraceMs: 1_500,
      defaults: { hospitalRegistration: { payment: { methods: ['nativeQr', 'paymentCode'], orderDeadlineSeconds: deadlineMs / 1000, settleWaitSeconds: 4 }, takeReceiptSeconds: 2 } },
      paymentActorOverrides: overrides,
    },
  });
  late.agent = agent;
  await fetch(`${v['payment-sim']}/__sim/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ notifyUrl: agent.notifyReceiver!.url }) });
  const flows = agent.flows!;
  const recovery = agent.recovery!;
  io.out('ready');

  // the journal is the count: every hospital session that ended (recovered ones too) is a finished flow
  const reader = new Database(agent.journalPath, { readonly: true });
  const count = reader.prepare("SELECT count(*) AS started, count(ended_at) AS ended FROM sessions WHERE service = 'hospitalRegistration'");
  const counts = () => count.get() as { started: number; ended: number };

  // every journaled transition of a running session is a tick
  const watched = new WeakSet<object>();
  const watch = () => {
    const s = flows.current();
    if (!s || watched.has(s.actor)) return;
    watched.add(s.actor);
    s.actor.system.inspect((ev) => {
      if (ev.type === '@xstate.snapshot') tick();
    });
  };

  try {
    for (let c = counts(); c.ended < iterations; c = counts()) {
      const index = c.started;
      const rng = soakRng(seed * 100_003 + index);
      const robot = runRobotFlow(
        { flows, paymentSimUrl: v['payment-sim'], ...(v.hardware ? { hardwareUrl: v.hardware } : {}), paymentDeadlineMs: deadlineMs },
        rng,
        index,
        seed,
      );
      watch();
      const outcome = await robot;
      io.out(`flow ${index} ${outcome}`);
    }
    // every order reaches a final state before the run counts as done
    await Promise.race([recovery.whenSettled(), new Promise((r) => setTimeout(r, 60_000))]);
    const left = recovery.pending();
    if (left.length) io.err(`zizhu soak-agent: orders still open after 60 s: ${left.join(', ')}`);
    io.out(`notifications ${agent.notifyReceiver?.received ?? 0}`);
  } finally {
    reader.close();
    await agent.stop();
  }
  io.out('done');
  return Exit.OK;
};
