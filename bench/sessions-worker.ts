/**
 * Runs full hospital registration sessions back to back in its own process, for bench/run.ts:
 * the real flow runtime (journal with fsync, payment and HIS adapters over HTTP to the simulators
 * the parent runs, the receipt printer driver over a PTY to the simulated printer the parent runs),
 * with zero delays — the patient answers every screen at once and pays by 付款码 (charged at once).
 *
 *   node --expose-gc bin/run-ts.mjs bench/sessions-worker.ts --his URL --pay URL --merchant ID
 *        --printer PTY --journal-dir DIR --warmup W --sessions N
 *
 * Prints one JSON line: sessions, seconds, sessions_per_s, commits_per_session, RSS and heap after
 * the warm-up and at the end (MB, medians over the window's last sessions, each after a full GC).
 * The simulators live in the parent, so their ledgers do not count here.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openJournal } from '../runtime/journal/journal.ts';
import { createFlowRuntime } from '../runtime/flows/runtime.ts';
import { backOfficeForSimulators } from '../runtime/flows/back-office.ts';
import { SerialLink } from '../drivers/transport/serial.ts';
import { ReceiptPrinter } from '../drivers/printer/device.ts';
import { robotPatient } from '../runtime/cli/soak-robot.ts';
import { stepOf } from '../runtime/recovery/recovery.ts';
import { pinnedNow } from '../state-machines/deadlines.ts';

const { values: v } = parseArgs({
  options: {
    his: { type: 'string' },
    pay: { type: 'string' },
    merchant: { type: 'string' },
    printer: { type: 'string' },
    'journal-dir': { type: 'string' },
    warmup: { type: 'string' },
    sessions: { type: 'string' },
    /** epoch ms the kiosk's clock starts at (the HIS simulator's clock is pinned at the same instant) */
    at: { type: 'string' },
  },
});
const warmup = Number(v.warmup ?? 20);
const sessions = Number(v.sessions ?? 100);

const journal = openJournal({ path: join(v['journal-dir']!, 'journal.sqlite') });
// count the journal's commits (outermost transactions) and the time they take, fsync included,
// to relate the session rate to the disk (bench instrumentation: reaches into the journal's connection)
let commits = 0;
let commitMs = 0;
type Tx = ((...a: unknown[]) => unknown) & { immediate: (...a: unknown[]) => unknown };
const db = (journal as unknown as { db: { transaction: (fn: (...a: unknown[]) => unknown) => Tx } }).db;
const transaction = db.transaction.bind(db);
let depth = 0;
db.transaction = (fn) => {
  const tx = transaction(fn);
  const timed = (run: (...a: unknown[]) => unknown) => (...a: unknown[]) => {
    if (depth > 0) return run(...a);
    depth++;
    commits++;
    const t = performance.now();
    try {
      return run(...a);
    } finally {
      commitMs += performance.now() - t;
      depth--;
    }
  };
  return Object.assign(timed(tx), { immediate: timed(tx.immediate.bind(tx)) }) as Tx;
};

const link = new SerialLink({ path: v.printer!, baudRate: 115200 });
await link.open();
const printer = new ReceiptPrinter({ link, profile: 'epson-generic', healthPollMs: 0 });
await printer.start();
const flows = createFlowRuntime({
  journal,
  backends: backOfficeForSimulators({ his: v.his!, payment: v.pay! }, { merchantId: v.merchant!, timeoutMs: 5_000 }),
  devices: { printer },
  kiosk: { id: 'bench-kiosk-01', name: '基准测试机' },
  retryPauseMs: () => 0,
  ...(v.at ? { clock: { now: pinnedNow(Number(v.at)) } } : {}),
});

/** One session, every screen answered at once. */
async function session(i: number): Promise<string> {
  const s = flows.startSession('hospitalRegistration', { payment: { methods: ['paymentCode'] } });
  const card = robotPatient(100_000 + i, 1);
  let last = '';
  const sub = s.actor.subscribe((snap) => {
    const step = stepOf(snap).replace(/^session\.flow\./, '');
    if (step === last) return;
    last = step;
    const c = snap.context as { departments: { id: string }[]; doctors: { id: string }[]; slots: { id: string; remaining: number; feeFen: number }[] };
    switch (step) {
      case 'choosingDepartment':
        s.actor.send({ type: 'DEPARTMENT_CHOSEN', departmentId: c.departments[i % c.departments.length]!.id });
        break;
      case 'choosingDoctor':
        s.actor.send({ type: 'DOCTOR_CHOSEN', doctorId: c.doctors[i % c.doctors.length]!.id });
        break;
      case 'choosingSlot': {
        const open = c.slots.filter((x) => x.remaining > 0 && x.feeFen > 0);
        s.actor.send(open.length ? { type: 'SLOT_CHOSEN', slotId: open[i % open.length]!.id } : { type: 'CANCEL' });
        break;
      }
      case 'confirmingFee':
        s.actor.send({ type: 'CONFIRM' });
        break;
      case 'charging.paying':
        s.actor.send({ type: 'PAYMENT_CODE_SCANNED', code: `13${String(i).padStart(16, '0')}` });
        break;
      case 'takingSlip':
      case 'existingRegistrations':
      case 'slipNotPrinted':
      case 'paymentNotCompleted':
      case 'moneyReturned':
      case 'unavailable':
      case 'slotTaken':
      case 'sameDepartment':
        s.actor.send({ type: step === 'takingSlip' ? 'TAKEN' : 'CANCEL' });
        break;
    }
  });
  s.actor.send({ type: 'CARD_READ', card: { name: card.name, idNumber: card.idNumber, idNumberValid: true } });
  const outcome = await s.ended;
  sub.unsubscribe();
  return outcome;
}

const gc = (globalThis as { gc?: () => void }).gc;
/** RSS and heap after a full collection, MB */
const memory = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / 1024 / 1024, heap: m.heapUsed / 1024 / 1024 };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// RSS moves by several MB from one moment to the next (malloc arenas, buffers in flight): each
// reading is the median over the last SAMPLE sessions of its window, each taken after a full GC
const SAMPLE = 15;

const outcomes: Record<string, number> = {};
const warmSamples: ReturnType<typeof memory>[] = [];
for (let i = 0; i < warmup; i++) {
  await session(i);
  if (i >= warmup - SAMPLE) warmSamples.push(memory());
}
const commitsBefore = commits;
const commitMsBefore = commitMs;
const endSamples: ReturnType<typeof memory>[] = [];
let samplingMs = 0;
const t0 = performance.now();
for (let i = warmup; i < warmup + sessions; i++) {
  const o = await session(i);
  outcomes[o] = (outcomes[o] ?? 0) + 1;
  if (i >= warmup + sessions - SAMPLE) {
    // the sampling GCs are not part of the session rate
    const m0 = performance.now();
    endSamples.push(memory());
    samplingMs += performance.now() - m0;
  }
}
const seconds = (performance.now() - t0 - samplingMs) / 1000;
process.stdout.write(
  `${JSON.stringify({
    sessions,
    seconds,
    sessions_per_s: sessions / seconds,
    commits_per_session: (commits - commitsBefore) / sessions,
    commit_ms_per_session: (commitMs - commitMsBefore) / sessions,
    rss_warm_mb: median(warmSamples.map((m) => m.rss)),
    rss_end_mb: median(endSamples.map((m) => m.rss)),
    heap_warm_mb: median(warmSamples.map((m) => m.heap)),
    heap_end_mb: median(endSamples.map((m) => m.heap)),
    outcomes,
    gc: gc !== undefined,
  })}\n`,
);
flows.close();
await printer.close();
await link.close();
journal.close();
process.exit(0);
