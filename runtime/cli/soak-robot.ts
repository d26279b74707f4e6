/**
 * The soak's robot patient: drives one hospital registration session the way a hurried, fickle
 * person would — card on the reader (through the hardware simulator's control API, so the real
 * driver reads it over its PTY) or as an event, a department, a doctor and a slot, then pays by
 * native QR (it calls the payment simulator's "patient pays") or by 付款码 (scanned through the
 * simulated scanner, or as an event). Sometimes it cancels, sometimes it lets the payment deadline
 * pass, sometimes it pays at the very moment the kiosk closes the order.
 *
 * Every choice comes from the seeded generator, so a seed replays the same patients (the timing of
 * the back offices and of the kills still varies).
 */
import type { IdCard } from '../../drivers/id-reader/card.ts';
import type { FlowRuntime } from '../flows/runtime.ts';
import type { HostedSession } from '../sessions/session-host.ts';
import { stepOf } from '../recovery/recovery.ts';

export interface Rng {
  next(): number;
  chance(p: number): boolean;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: small and the same on every machine for the same seed. */
export function soakRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, chance: (p) => next() < p, pick: (items) => items[int(items.length)]! };
}

export interface RobotEnv {
  flows: FlowRuntime;
  /** the payment simulator (its /__sim/pay and /__sim/config control routes) */
  paymentSimUrl: string;
  /** the hardware simulator's control API; absent: card and scans only as events */
  hardwareUrl?: string;
  /** the payment deadline the sessions use, for "pays just as the kiosk closes the order" */
  paymentDeadlineMs: number;
  /** give up on a session (CANCEL) after this long (default 30 s) */
  sessionLimitMs?: number;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** An invented patient with a valid ID number (ISO 7064 MOD 11-2), different for each index. */
export function robotPatient(index: number, seed: number): IdCard {
  const year = 1950 + ((index * 7 + seed) % 55);
  const month = String(1 + ((index * 5) % 12)).padStart(2, '0');
  const day = String(1 + ((index * 3) % 28)).padStart(2, '0');
  const seq = String((index * 37 + seed) % 1000).padStart(3, '0');
  const body = `110101${year}${month}${day}${seq}`;
  const sum = [...body].reduce((acc, d, i) => acc + Number(d) * ID_WEIGHTS[i]!, 0);
  const idNumber = body + CHECK[sum % 11]!;
  return {
    kind: 'resident',
    name: `测试患者${index}`,
    sex: index % 2 ? 'male' : 'female',
    nation: '汉',
    nationCode: '01',
    birthDate: `${year}-${month}-${day}`,
    address: '北京市东城区测试路1号',
    idNumber,
    idNumberValid: true,
    authority: '北京市公安局东城分局',
    validFrom: '2020-01-01',
    validTo: '2040-01-01',
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function post(url: string, body: unknown): Promise<boolean> {
  try {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(3_000) });
    await r.arrayBuffer();
    return r.ok;
  } catch {
    return false;
  }
}

interface SnapshotView {
  status: string;
  value: unknown;
  context: {
    departments: { id: string }[];
    doctors: { id: string }[];
    slots: { id: string; remaining: number; feeFen: number }[];
    outcome: string | null;
  };
  children: Record<string, { getSnapshot(): { value: unknown; context: { outTradeNo: string; codeUrl: string | null; method: string | null } } } | undefined>;
}

/** Drive one session to its end; resolves with its outcome. `patients` are the reused identities (existing registrations). */
export async function runRobotFlow(env: RobotEnv, rng: Rng, index: number, seed: number): Promise<string> {
  const s: HostedSession = env.flows.startSession('hospitalRegistration');
  const started = Date.now();
  const limit = env.sessionLimitMs ?? 30_000;
  // half the patients come back (today's registrations exist → shown first, the same department asked again), half are new
  const patient = robotPatient(rng.chance(0.5) ? rng.int(4) : 1000 + index, seed);
  const send = (e: { type: string } & Record<string, unknown>) => s.actor.send(e as never);
  let lastSnap: unknown;
  let lastChild: unknown;
  let retries = 0;
  let paymentRetries = 0;
  let cancelled = false;
  const decided = new Set<string>();

  const identify = async () => {
    if (env.hardwareUrl && rng.chance(0.15)) {
      if (await post(`${env.hardwareUrl}/devices/idReader/card-on`, { card: patient })) {
        const until = Date.now() + 3_000;
        while (Date.now() < until && stepOf(s.actor.getSnapshot()).endsWith('identifying') && s.actor.getSnapshot().status === 'active') await sleep(10);
        await post(`${env.hardwareUrl}/devices/idReader/card-off`, {});
        if (!stepOf(s.actor.getSnapshot()).endsWith('identifying')) return;
      }
    }
    send({ type: 'CARD_READ', card: { name: patient.name, idNumber: patient.idNumber, idNumberValid: true } });
  };

  const pay = async (snap: SnapshotView) => {
    const child = snap.children.payment?.getSnapshot();
    if (!child) return;
    const payStep = stepOf(child);
    const no = child.context.outTradeNo;
    if (payStep === 'waitingForPaymentCode' && !decided.has(`${no}:code`)) {
      decided.add(`${no}:code`);
      if (rng.chance(0.05)) return send({ type: 'CANCEL' });
      const roll = rng.next();
      const mode = roll < 0.65 ? 'SUCCESS' : roll < 0.95 ? 'USERPAYING' : 'NOT_ENOUGH';
      await post(`${env.paymentSimUrl}/__sim/config`, { micropay: mode, userPayingMs: 60 + rng.int(120) });
      const code = `13${String(index).padStart(6, '0')}${String(rng.int(1e10)).padStart(10, '0')}`;
      if (env.hardwareUrl && rng.chance(0.3) && (await post(`${env.hardwareUrl}/devices/scanner/scan`, { text: code }))) return;
      return send({ type: 'PAYMENT_CODE_SCANNED', code });
    }
    if (payStep.startsWith('awaiting') && child.context.codeUrl && !decided.has(`${no}:qr`)) {
      decided.add(`${no}:qr`);
      const roll = rng.next();
      if (roll < 0.68) await post(`${env.paymentSimUrl}/__sim/pay`, { outTradeNo: no });
      else if (roll < 0.8) {
        // pays just as the kiosk gives up: the close races the payment
        const left = env.paymentDeadlineMs - (Date.now() - started);
        await post(`${env.paymentSimUrl}/__sim/pay`, { outTradeNo: no, afterMs: Math.max(0, Math.min(60_000, left + rng.int(300) - 150)) });
      } else if (roll < 0.9) {
        // walks away: the deadline passes, the order is closed
      } else {
        // cancels — and sometimes pays on the phone at the same moment
        if (rng.chance(0.4)) void post(`${env.paymentSimUrl}/__sim/pay`, { outTradeNo: no });
        send({ type: 'CANCEL' });
      }
      return;
    }
    if (payStep.startsWith('awaiting') && child.context.method === 'paymentCode' && rng.chance(0.02) && !decided.has(`${no}:cancel`)) {
      decided.add(`${no}:cancel`);
      send({ type: 'CANCEL' });
    }
  };

  for (;;) {
    const snap = s.actor.getSnapshot() as unknown as SnapshotView;
    if (snap.status !== 'active') break;
    if (!cancelled && Date.now() - started > limit) {
      cancelled = true;
      send({ type: 'CANCEL' });
    }
    const step = stepOf(snap).replace(/^session\.flow\./, '');
    const child = snap.children.payment?.getSnapshot();
    // a new snapshot of the session or its payment: the kiosk moved (possibly back to the same step)
    if (snap !== lastSnap || child !== lastChild) {
      lastSnap = snap;
      lastChild = child;
      const c = snap.context;
      if (!step.startsWith('charging') && !step.startsWith('identifying') && !step.startsWith('loading') && rng.chance(0.02)) {
        send({ type: 'CANCEL' });
      } else
        switch (step) {
          case 'identifying':
            await identify();
            break;
          case 'existingRegistrations':
            send({ type: rng.chance(0.85) ? 'CONTINUE' : 'DONE' });
            break;
          case 'unavailable':
            send({ type: retries++ < 3 ? 'RETRY' : 'CANCEL' });
            break;
          case 'choosingDepartment':
            send({ type: 'DEPARTMENT_CHOSEN', departmentId: rng.pick(c.departments).id });
            break;
          case 'choosingDoctor':
            send({ type: 'DOCTOR_CHOSEN', doctorId: rng.pick(c.doctors).id });
            break;
          case 'choosingSlot': {
            const open = c.slots.filter((x) => x.remaining > 0 && x.feeFen > 0);
            send(open.length ? { type: 'SLOT_CHOSEN', slotId: rng.pick(open).id } : { type: 'BACK' });
            break;
          }
          case 'confirmingFee':
            send({ type: rng.chance(0.95) ? 'CONFIRM' : 'CANCEL' });
            break;
          case 'choosingPaymentMethod':
            send({ type: 'PAYMENT_METHOD_CHOSEN', method: rng.chance(0.6) ? 'nativeQr' : 'paymentCode' });
            break;
          case 'charging.paying':
            await pay(snap);
            break;
          case 'sameDepartment':
            send({ type: rng.chance(0.5) ? 'ADD_ANYWAY' : 'BACK' });
            break;
          case 'slotTaken':
            send({ type: rng.chance(0.6) ? 'CHOOSE_ANOTHER_SLOT' : 'DONE' });
            break;
          case 'moneyReturned':
            send({ type: 'DONE' });
            break;
          case 'paymentNotCompleted':
            send({ type: paymentRetries++ < 1 && rng.chance(0.3) ? 'RETRY_PAYMENT' : 'DONE' });
            break;
          case 'takingSlip':
            send({ type: 'TAKEN' });
            break;
          case 'slipNotPrinted':
          case 'slipOnScreen':
            send({ type: 'DONE' });
            break;
          default:
            // the kiosk is busy (loading, registering, refunding, printing): wait
            break;
        }
    }
    await sleep(2);
  }
  return s.ended;
}
