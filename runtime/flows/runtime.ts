/**
 * The flow runtime: the service machines provided with the real actors (journal, back offices,
 * printer) and hosted by a SessionHost, plus the bridge from the ID reader and scanner to the
 * running session.
 *
 *   const flows = createFlowRuntime({ journal, backends, devices: { printer }, kiosk, log });
 *   const s = flows.startSession('hospitalRegistration');
 *   flows.attachDevices({ idReader, scanner });      // card → CARD_READ, 付款码 → PAYMENT_CODE_SCANNED …
 *   await s.ended;                                    // 'registered' | 'cancelled' | …
 *
 * Journaling: every transition of the flow *and of its payment child* is journaled (event +
 * persisted snapshot) in one transaction, with the payment state changes that transition asked
 * for (`recordPayment`, buffered in {@link TransitionWrites} and written inside that transaction).
 * The two effects that must precede a gateway call (`journalOrder`, `journalRefund`) commit their
 * own transaction, with a session event and snapshot, before the call can start.
 *
 * A session whose payment ends `pending` (close or refund not confirmed in time) hands the order
 * to `recovery.adopt()`, which keeps reconciling it with backoff.
 */
import { randomUUID } from 'node:crypto';
import type { AnyActorRef } from 'xstate';
import { maskPersonalData } from '../../contracts/pii.ts';
import type { PaymentGateway, PaymentNotification } from '../../backends/payment/types.ts';
import { BackendError } from '../../backends/errors.ts';
import type { IdCard } from '../../drivers/id-reader/card.ts';
import type { ScanEvent } from '../../drivers/scanner/device.ts';
import { redactScan } from '../../drivers/scanner/classify.ts';
import { systemNow, type Now } from '../../state-machines/deadlines.ts';
import { createPaymentMachine } from '../../state-machines/payment.machine.ts';
import { createProvidentFundMachine, type ProvidentFundInput } from '../../state-machines/provident-fund.machine.ts';
import { createRegistrationMachine, type RegistrationInput } from '../../state-machines/registration.machine.ts';
import type { KioskIdentity } from '../../state-machines/receipts.ts';
import type { Journal } from '../journal/journal.ts';
import { FINAL_PAYMENT_STATES } from '../journal/journal.ts';
import { SessionHost, jsonSafe, type Clock, type HostedSession } from '../sessions/session-host.ts';
import type { BackOfficeClients } from './back-office.ts';
import { silentLog, type FlowLog } from './log.ts';
import { paymentImplementations } from './payment-actors.ts';
import { printReceiptActor, type FlowPrinter } from './print-actors.ts';
import { providentFundImplementations } from './provident-fund-actors.ts';
import { registrationActors } from './registration-actors.ts';
import { TransitionWrites } from './transition-writes.ts';
import { stepOf } from '../recovery/recovery.ts';
import type { PersonHasher } from './person-hash.ts';
import { SessionProgress } from './session-end.ts';

/** Session `service` names (the config's service keys). */
export type FlowService = 'hospitalRegistration' | 'providentFundStatement';

/** What the runtime needs of the ID reader and the scanner (IdCardReader and QrScanner fit). */
export interface CardSource {
  on(event: 'card', listener: (card: IdCard) => void): unknown;
  off(event: 'card', listener: (card: IdCard) => void): unknown;
}
export interface ScanSource {
  on(event: 'scan', listener: (scan: ScanEvent) => void): unknown;
  off(event: 'scan', listener: (scan: ScanEvent) => void): unknown;
}

export interface FlowRuntimeOptions {
  journal: Journal;
  backends: BackOfficeClients;
  devices?: { printer?: FlowPrinter };
  kiosk: KioskIdentity;
  /** epoch-ms clock for deadlines (default Date.now) and, in tests, the actors' timer source (SimulatedClock) */
  clock?: { now?: Now; timers?: Clock };
  log?: FlowLog;
  /** what every session of a service starts with (from the kiosk config) */
  defaults?: {
    hospitalRegistration?: Partial<Omit<RegistrationInput, 'sessionId' | 'today' | 'kiosk'>>;
    providentFundStatement?: Partial<Omit<ProvidentFundInput, 'sessionId' | 'today' | 'kiosk'>>;
  };
  /** today in the kiosk's time zone, YYYY-MM-DD (default Asia/Shanghai) */
  today?: () => string;
  /** pauses between retries and polls (default: the machines' own backoff, 1 s … 5 s); the soak and bench use short ones */
  retryPauseMs?: (tries: number) => number;
  /** an order a session left unfinished goes here (start-up recovery's `adopt`) */
  onUnfinishedOrder?: (outTradeNo: string) => void;
  /** replace actors of the payment machine (the soak's deliberately broken variants; tests) */
  paymentActorOverrides?: Record<string, unknown>;
  /** after every journaled transition of a session (root or child machine): the screen follows from here */
  onTransition?: (session: HostedSession) => void;
  /** session.ended's anonymous `personHash` (runtime/flows/person-hash.ts); absent: null */
  personHash?: PersonHasher;
}

export interface FlowRuntime {
  /** the machines as the runtime provides them */
  readonly machines: {
    registration: ReturnType<typeof createRegistrationMachine>;
    providentFund: ReturnType<typeof createProvidentFundMachine>;
    payment: ReturnType<typeof createPaymentMachine>;
  };
  startSession(service: FlowService, input?: Record<string, unknown>): HostedSession;
  /** the session started last that has not ended */
  current(): HostedSession | undefined;
  /** a payment notification from the gateway: the session waiting for that order queries now (never trusted alone) */
  notifyPayment(n: PaymentNotification): boolean;
  /** card reads and scans go to the current session; returns a function that detaches them */
  attachDevices(devices: { idReader?: CardSource; scanner?: ScanSource }): () => void;
  /** sessions started by this runtime */
  readonly started: number;
  /** stop hosting (agent shutdown): running sessions stay open in the journal and are recovered at the next start */
  close(): void;
}

const SHANGHAI = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * An event as the journal keeps it: names and ID numbers masked wherever they appear (a card read,
 * a statement or a registration list an actor returned), scanned codes redacted. The events are
 * the audit trail; only a running session's latest snapshot holds what its next step needs, and
 * the machines forget it when the session ends.
 */
export function eventForJournal(event: { type: string }): unknown {
  const e = maskPersonalData(jsonSafe(event)) as Record<string, unknown>;
  if ((e.type === 'PAYMENT_CODE_SCANNED' || e.type === 'MEDICAL_INSURANCE_SCANNED' || e.type === 'E_SOCIAL_SECURITY_SCANNED') && typeof e.code === 'string') return { ...e, code: redactScan(e.code) };
  return e;
}

/** The first actor in `actor`'s tree whose context has this merchant order number. */
function findPaymentActor(actor: AnyActorRef, outTradeNo: string, depth = 0): AnyActorRef | undefined {
  if (depth > 4) return undefined;
  const snap = actor.getSnapshot() as { context?: { outTradeNo?: unknown }; children?: Record<string, AnyActorRef | undefined> };
  if (depth > 0 && snap.context?.outTradeNo === outTradeNo) return actor;
  for (const child of Object.values(snap.children ?? {})) {
    if (!child) continue;
    const found = findPaymentActor(child, outTradeNo, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function createFlowRuntime(o: FlowRuntimeOptions): FlowRuntime {
  const { journal } = o;
  const log = o.log ?? silentLog;
  const now = o.clock?.now ?? systemNow;
  const today = o.today ?? (() => SHANGHAI.format(now()));
  const writes = new TransitionWrites(log);
  const progress = new SessionProgress(o.personHash);
  const live = new Map<string, HostedSession>();
  let latest: HostedSession | undefined;
  let started = 0;
  let closed = false;

  const snapshotOf = (sessionId: string) => live.get(sessionId)?.actor.getPersistedSnapshot();
  const printReceipt = printReceiptActor({ journal, ...(o.devices?.printer ? { printer: o.devices.printer } : {}), log, now });

  const pay = paymentImplementations({ journal, gateway: o.backends.payment ?? missingGateway(), writes, snapshotOf, log });
  const retry = o.retryPauseMs;
  const payment = createPaymentMachine(now).provide({
    actors: { ...pay.actors, ...(o.paymentActorOverrides ?? {}) } as typeof pay.actors,
    actions: pay.actions,
    ...(retry ? { delays: { retryPause: ({ context }: { context: { tries: number } }) => retry(context.tries) } } : {}),
  });
  const pf = providentFundImplementations({ journal, ...(o.backends.providentFund ? { centre: o.backends.providentFund } : {}), log });
  const undelivered = { recordUndelivered: pf.actions.recordUndelivered };
  const registration = createRegistrationMachine(now).provide({
    actors: { ...registrationActors({ ...(o.backends.his ? { his: o.backends.his } : {}) }), printReceipt, payment },
    actions: undelivered,
    ...(retry
      ? {
          delays: {
            registerRetryPause: ({ context }: { context: { registerTries: number } }) => retry(Math.max(0, context.registerTries - 1)),
            lockRetryPause: ({ context }: { context: { lockTries: number } }) => retry(Math.max(0, context.lockTries - 1)),
            releaseRetryPause: ({ context }: { context: { releaseTries: number } }) => retry(Math.max(0, context.releaseTries - 1)),
          },
        }
      : {}),
  });
  const providentFund = createProvidentFundMachine(now).provide({ actors: { ...pf.actors, printReceipt }, actions: pf.actions });

  const host = new SessionHost(journal, {
    journalChildMachines: true,
    inTransaction: (id) => writes.flush(id),
    eventForJournal,
    onJournalError: (id, e) => log.error(`session ${id}: a transition could not be journaled: ${(e as Error).message}`),
    onTransition: (id) => {
      const s = live.get(id);
      if (s) progress.seen(id, s.service, s.actor.getSnapshot());
      if (s && o.onTransition) o.onTransition(s);
    },
    // every session's end is told to HQ, in the transaction that ends it (no personal data: how far it got)
    onEnded: ({ record, outcome, lastState }) => {
      try {
        journal.outbox.enqueue('session.ended', {
          sessionId: record.id,
          service: record.service as FlowService,
          outcome: outcome.slice(0, 40),
          lastStep: stepOf(lastState).slice(0, 80),
          durationMs: Math.max(0, (record.endedAt ?? record.updatedAt) - record.startedAt),
          ...progress.ended(record.id, record.service, outcome, lastState),
        });
      } catch (e) {
        log.error(`session ${record.id}: its end could not be queued for HQ: ${(e as Error).message}`);
      }
    },
  });

  const afterEnd = (s: HostedSession, outcome: string) => {
    live.delete(s.id);
    if (latest === s) latest = undefined;
    writes.release(s.id);
    for (const p of journal.payments.forSession(s.id)) {
      if (FINAL_PAYMENT_STATES.includes(p.state)) continue;
      log.warn(`session ${s.id} ended (${outcome}) with order ${p.merchantOrderNo} still ${p.state}; reconciliation takes it over`);
      o.onUnfinishedOrder?.(p.merchantOrderNo);
    }
  };

  const runtime: FlowRuntime = {
    machines: { registration, providentFund, payment },
    get started() {
      return started;
    },
    startSession(service, input = {}) {
      if (closed) throw new Error('the flow runtime is closed (agent stopping); no new session');
      const id = randomUUID();
      const base = { sessionId: id, today: today(), kiosk: o.kiosk };
      const timers = o.clock?.timers ? { clock: o.clock.timers } : {};
      writes.host(id);
      let s: HostedSession;
      try {
        s =
          service === 'hospitalRegistration'
            ? host.start(service, registration, { ...o.defaults?.hospitalRegistration, ...input, ...base }, { id, ...timers })
            : host.start(service, providentFund, { ...o.defaults?.providentFundStatement, ...input, ...base }, { id, ...timers });
      } catch (e) {
        writes.release(id);
        throw e;
      }
      started++;
      live.set(id, s);
      latest = s;
      void s.ended.then((outcome) => afterEnd(s, outcome));
      log.info(`session ${id} started (${service})`);
      return s;
    },
    current: () => latest,
    notifyPayment(n) {
      if (n.eventType !== 'TRANSACTION.SUCCESS') return false;
      for (const s of live.values()) {
        const target = findPaymentActor(s.actor, n.outTradeNo);
        if (target) {
          target.send({ type: 'PAYMENT_NOTIFIED', outTradeNo: n.outTradeNo });
          return true;
        }
      }
      return false;
    },
    attachDevices(devices) {
      const onCard = (card: IdCard) => latest?.actor.send({ type: 'CARD_READ', card: { name: card.name, idNumber: card.idNumber, idNumberValid: card.idNumberValid } });
      const onScan = (scan: ScanEvent) => {
        const s = latest;
        if (!s) return;
        if (scan.kind === 'wechat-pay' || scan.kind === 'alipay') s.actor.send({ type: 'PAYMENT_CODE_SCANNED', code: scan.text });
        else if (scan.kind === 'medical-insurance-voucher') s.actor.send({ type: 'MEDICAL_INSURANCE_SCANNED', code: scan.text });
        else if (s.service === 'providentFundStatement') s.actor.send({ type: 'E_SOCIAL_SECURITY_SCANNED', code: scan.text });
      };
      devices.idReader?.on('card', onCard);
      devices.scanner?.on('scan', onScan);
      return () => {
        devices.idReader?.off('card', onCard);
        devices.scanner?.off('scan', onScan);
      };
    },
    close() {
      closed = true;
      for (const s of live.values()) {
        s.detach();
        writes.release(s.id);
      }
      live.clear();
      latest = undefined;
    },
  };
  return runtime;
}

function missingGateway(): PaymentGateway {
  const fail = async (): Promise<never> => {
    throw new BackendError('payment', 'unavailable', 'not-done', 'NOT_CONFIGURED', 'no payment gateway is configured on this kiosk (backends.payment)');
  };
  return { createNativeOrder: fail, micropay: fail, queryOrder: fail, closeOrder: fail, refund: fail, queryRefund: fail };
}
