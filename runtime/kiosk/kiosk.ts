/**
 * The kiosk as a person meets it: the lifecycle machine (status, hours, gating, staff PIN,
 * maintenance), the service flows it starts, the preferences chosen on the home screen (language,
 * 长辈模式 — for one session only), and the screen all of that makes. The bridge server pushes
 * `screen` to the renderer and hands every renderer event to `handle()`.
 *
 * One screen push per change, coalesced within a tick: a tap that moves a flow and the lifecycle
 * gives one push, which carries the tap's id back (`inReplyTo`).
 */
import { EventEmitter } from 'node:events';
import { createActor, fromPromise, type Actor } from 'xstate';
import type { FaultCode } from '../../contracts/faults.ts';
import type { Locale, ScreenMessage, UiEvent, Words } from '../../contracts/bridge.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import type { PrintJob } from '../../drivers/printer/job.ts';
import { TEST_PAGE } from '../../drivers/printer/sample-jobs.ts';
import type { DEVICE_KINDS } from '../../state-machines/availability.ts';
import { canStartSession, lifecycleView, makeLifecycleMachine, type LifecycleEmitted, type LifecycleMachine, type SelfTestOutput } from '../../state-machines/lifecycle.machine.ts';
import { systemNow, type Now } from '../../state-machines/deadlines.ts';
import type { FlowRuntime, FlowService } from '../flows/runtime.ts';
import type { HostedSession } from '../sessions/session-host.ts';
import { makeScreen } from './screen.ts';
import { PrinterProgress, recentPrintJobs } from './print-screen.ts';
import type { JobEvent } from '../../drivers/printer/device.ts';
import type { PrintJobRecord } from '../journal/records.ts';
import { CardOnReader, type IdCardPresence } from './id-card.ts';
import { nextNearbyChange } from './nearby.ts';
import { HelpDesk, type HelpLink } from './help.ts';
import { LiveNearby, nearbyFromHq, servicesToSendElsewhere, type AskNearby } from './nearby-live.ts';
import { verifyStaffPin } from './staff-pin.ts';
import type { HqEventPayload, HqEventType } from '../../contracts/hq.ts';
import { faultEvent } from '../hq-events.ts';
import { LockoutTracker, type LockOriginBy } from '../hq-link/lockout.ts';

export interface KioskLog {
  info(message: string, meta?: unknown): void;
  warn(message: string, meta?: unknown): void;
  error(message: string, meta?: unknown): void;
}

/** What the kiosk needs of the printer on the maintenance screen. */
export interface MaintenancePrinter {
  print(job: PrintJob): Promise<unknown>;
  refreshStatus(): Promise<unknown>;
  /** staff reloaded the paper: the printer's undelivered jobs before are forgotten (PRINTER_NOT_DELIVERING clears) */
  paperReloaded?(): void;
}

export interface KioskOptions {
  config: KioskConfig;
  /** the service flows (absent: the agent runs without back offices; every tile says so) */
  flows?: FlowRuntime;
  printer?: MaintenancePrinter;
  /** each device's condition now (after asking it again): the lifecycle's self-test */
  selfTest: () => Promise<SelfTestOutput>;
  /** things HQ must know: kiosk status changes, the promised-hours alarm, staff actions */
  report?: <K extends HqEventType>(type: K, payload: HqEventPayload<K>) => void;
  log?: KioskLog;
  now?: Now;
  /** the "session ended" screen shows this long (default 6 s) */
  endedShowMs?: number;
  /** preferences chosen on the home screen are forgotten after this long without a touch (default ui.idle.timeoutSeconds) */
  prefsIdleMs?: number;
  ports?: Partial<Record<(typeof DEVICE_KINDS)[number], string>>;
  /** the latest print jobs from the journal, newest first (the staff screen lists them) */
  recentPrintJobs?: () => PrintJobRecord[];
  /** the ID reader: a card already laid down is read when a session starts; one left on it is mentioned */
  idReader?: IdCardPresence;
  /** the lock the previous run left on (from the journal): applied at start, before the kiosk takes anyone */
  restoreLock?: { reason: string } & LockOrigin;
  /** the lock was put on or replaced (`lock`), or lifted (null, by `unlockedBy`): journal it so it survives a restart */
  onLockChange?: (lock: KioskLock | null, unlockedBy: string) => void;
  /** issue 10: HQ as the screen uses it — 求助 (absent: the kiosk reports to no HQ; the screen gives the hotline) and the live nearby kiosks */
  hq?: { help: HelpLink; askNearby: AskNearby };
}

/** Who put the kiosk lock on: HQ (its `lock` command) or staff on the maintenance screen. */
export interface LockOrigin {
  by: LockOriginBy;
  staffId?: string | null;
  commandId?: string | null;
}
/** The kiosk lock as the lifecycle holds it, with who put it on. */
export interface KioskLock extends LockOrigin {
  reason: string;
  at: number;
}

export type HandleResult = { ok: true } | { ok: false; code: string; words: Words };

/** Flow events the renderer may send to a running session, as they are. */
const FLOW_EVENTS = new Set<UiEvent['type']>([
  'TOUCH',
  'CANCEL',
  'BACK',
  'RETRY',
  'DONE',
  'TAKEN',
  'PERIOD_CHOSEN',
  'PRINT',
  'CONTINUE',
  'DEPARTMENT_CHOSEN',
  'DOCTOR_CHOSEN',
  'SLOT_CHOSEN',
  'CONFIRM',
  'PAYMENT_METHOD_CHOSEN',
  'ADD_ANYWAY',
  'CHOOSE_ANOTHER_SLOT',
  'RETRY_PAYMENT',
]);

const refuse = (code: string, zh: string, en: string): HandleResult => ({ ok: false, code, words: { zh, en } });

/** The staff test print (the same page `zizhu doctor --test-print` prints). */
export const TEST_PRINT: PrintJob = TEST_PAGE;

export class Kiosk extends EventEmitter {
  readonly lifecycle: Actor<LifecycleMachine>;
  private readonly config: KioskConfig;
  private readonly now: Now;
  private readonly log: KioskLog | undefined;
  private seq = 0;
  private pendingReply: string | null = null;
  private pushQueued = false;
  private last: ScreenMessage | undefined;
  private prefs: { locale: Locale; elderly: boolean };
  private prefsTimer: NodeJS.Timeout | undefined;
  private session: { hosted: HostedSession; service: FlowService; elderly: boolean } | null = null;
  private ended: ScreenMessage['ended'] = null;
  private endedTimer: NodeJS.Timeout | undefined;
  private notice: ScreenMessage['notice'] = null;
  private noticeTimer: NodeJS.Timeout | undefined;
  private readonly card: CardOnReader | undefined;
  private nearbyTimer: NodeJS.Timeout | undefined;
  private maintenance = { lastTestPrint: null as { at: number; ok: boolean; fault: string | null; words: Words | null } | null, testPrintRunning: false, paperReloadedAt: null as number | null };
  private closed = false;
  private readonly printing: PrinterProgress;
  private lockOrigin: LockOrigin = { by: 'hq' };
  private unlockBy = 'hq';
  private lastLock: { reason: string; at: number } | null = null;
  private lastStatus: string | null = null;
  private readonly lockouts = new LockoutTracker();
  /** issue 10: 求助, and the nearby kiosks HQ says are usable now */
  readonly help: HelpDesk;
  private readonly liveNearby: LiveNearby;

  constructor(private readonly o: KioskOptions) {
    super();
    this.config = o.config;
    this.now = o.now ?? systemNow;
    this.log = o.log;
    this.prefs = { locale: o.config.ui.defaultLanguage, elderly: false };
    this.printing = new PrinterProgress(this.now, () => this.queuePush());
    this.card = o.idReader ? new CardOnReader(o.idReader, () => this.queuePush()) : undefined;
    this.help = new HelpDesk({ now: this.now, ...(o.hq ? { link: o.hq.help } : {}), changed: () => this.queuePush(), ...(o.log ? { log: o.log } : {}) });
    this.liveNearby = new LiveNearby({ now: this.now, ...(o.hq ? { ask: o.hq.askNearby } : {}), changed: () => this.queuePush(), ...(o.log ? { log: o.log } : {}) });
    const staff = o.config.staff;
    const machine = makeLifecycleMachine(this.now).provide({
      actors: {
        selfTest: fromPromise(async () => o.selfTest()),
        verifyStaffPin: fromPromise(async ({ input }: { input: { pin: string } }) => verifyStaffPin(input.pin, staff)),
      },
    });
    this.lifecycle = createActor(machine, { input: { config: o.config } });
    this.lifecycle.subscribe({
      next: () => {
        this.afterTransition();
        this.queuePush();
      },
      error: (e) => this.log?.error(`kiosk lifecycle failed: ${(e as Error).message}`),
    });
    this.lifecycle.on('*', (e) => this.onLifecycleEmitted(e as LifecycleEmitted));
  }

  start(): this {
    this.lifecycle.start();
    // a lock that survived a restart is on before the self-test ends: the first routed screen is the locked one
    if (this.o.restoreLock) {
      const { reason, ...origin } = this.o.restoreLock;
      this.log?.info(`kiosk lock from before the restart applied again (${origin.by}): ${reason}`);
      this.remoteLock(reason, origin);
    }
    this.queuePush();
    return this;
  }

  /** The screen as it is now (made fresh). */
  screen(): ScreenMessage {
    return this.last ?? this.make(null);
  }

  /** A device's complete present condition (from its driver): the lifecycle debounces it. */
  deviceHealth(device: (typeof DEVICE_KINDS)[number], faults: { code: FaultCode; detail: string }[], warnings: { code: FaultCode; detail: string }[] = []): void {
    if (this.closed) return;
    this.lifecycle.send({ type: 'DEVICE_HEALTH', device, faults, warnings });
  }

  /** A back office became unreachable, or answers again (runtime/flows/back-office-health.ts). */
  backendHealth(backend: 'providentFund' | 'his' | 'payment', state: 'up' | 'down', detail: string): void {
    if (this.closed) return;
    this.lifecycle.send({ type: 'BACKEND_HEALTH', backend, state, detail });
  }

  /** The printer sent a job or ended one (the driver's `job` event): "正在打印…" shows its progress. */
  printerJob(e: JobEvent): void {
    if (!this.closed) this.printing.jobEvent(e);
  }

  /** A session's machine moved (from the flow runtime). */
  sessionChanged(s: HostedSession): void {
    if (this.session?.hosted.id === s.id) this.queuePush();
  }

  /**
   * HQ's set-promised-hours (runtime/hq-link/promised-hours.ts): the hours in force change now. The
   * config object this kiosk holds already carries them (replaced in place); the lifecycle takes them,
   * re-evaluates open/closed and re-arms its next boundary.
   */
  setHours(hours: Pick<KioskConfig, 'promisedHours' | 'services'>): void {
    if (this.closed) return;
    this.lifecycle.send({ type: 'HOURS_CHANGED', promisedHours: hours.promisedHours, services: hours.services });
    this.queuePush();
  }

  /** Lock the kiosk (HQ's `lock`, or staff): the lifecycle waits for the running session. */
  remoteLock(reason: string, origin: LockOrigin = { by: 'hq' }): void {
    this.lockOrigin = origin;
    this.lifecycle.send({ type: 'REMOTE_LOCK', reason });
  }
  /** Lift the lock (`by`: 'hq', 'staff:<id>'). */
  remoteUnlock(by = 'hq'): void {
    this.unlockBy = by;
    this.lifecycle.send({ type: 'REMOTE_UNLOCK' });
  }

  /** A person's event from the renderer; `id` comes back as the next screen's `inReplyTo`. */
  handle(event: UiEvent, id: string | null = null): HandleResult {
    if (this.closed) return refuse('STOPPING', '本机正在重新启动，请稍候', 'The kiosk is restarting, please wait');
    const r = this.apply(event);
    if (id) this.pendingReply = id;
    this.queuePush();
    return r;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.prefsTimer, this.endedTimer, this.noticeTimer, this.nearbyTimer]) if (t) clearTimeout(t);
    this.card?.close();
    this.help.stop();
    this.liveNearby.close();
    this.lifecycle.stop();
    this.removeAllListeners();
  }

  // ───────────────────────────── events ─────────────────────────────

  private apply(e: UiEvent): HandleResult {
    const snap = this.lifecycle.getSnapshot();
    const status = snap.context.status;
    const inMaintenance = status === 'maintenance';
    if (this.session && FLOW_EVENTS.has(e.type)) return this.toSession(this.session.hosted, e);
    switch (e.type) {
      case 'TOUCH':
        this.armPrefsTimer();
        return { ok: true };
      case 'SET_LOCALE':
        this.prefs = { ...this.prefs, locale: e.locale };
        this.armPrefsTimer();
        return { ok: true };
      case 'SET_ELDERLY':
        if (this.session) return refuse('SESSION_RUNNING', '请在首页切换长辈模式', 'Switch senior mode on the home screen');
        if (!this.config.ui.elderlyModeAllowed) return refuse('NOT_OFFERED', '本机未提供长辈模式', 'Senior mode is not offered on this kiosk');
        this.prefs = { ...this.prefs, elderly: e.on };
        this.armPrefsTimer();
        return { ok: true };
      case 'HOME':
        this.clearEnded();
        return { ok: true };
      case 'HELP': {
        // where the person is (never who): the flow's step, else the kiosk's status
        const shown = this.screen();
        this.help.press({ screen: e.screen, step: shown.session?.step ?? status, service: shown.session?.service ?? null });
        return { ok: true };
      }
      case 'HELP_CLOSE':
        this.help.close();
        return { ok: true };
      case 'START_SERVICE':
        return this.startService(e.service);
      case 'STAFF_PIN':
        if (this.session) return refuse('SESSION_RUNNING', '有人正在办理业务，请稍后再进入维护', 'A customer is being served; enter maintenance afterwards');
        if (snap.context.pinLockedUntil !== null) return refuse('PIN_LOCKED', '密码错误次数过多，请稍后再试', 'Too many wrong PINs; try again later');
        this.lifecycle.send({ type: 'PIN_ENTERED', pin: e.pin });
        return { ok: true };
      case 'STAFF_ACTIVITY':
        if (inMaintenance) this.lifecycle.send({ type: 'STAFF_ACTIVITY' });
        return { ok: true };
      case 'EXIT_MAINTENANCE':
        if (!inMaintenance) return refuse('NOT_IN_MAINTENANCE', '当前不在维护状态', 'Not in maintenance');
        this.lifecycle.send({ type: 'EXIT_MAINTENANCE' });
        return { ok: true };
      case 'RUN_SELF_TEST':
        if (!inMaintenance) return refuse('NOT_IN_MAINTENANCE', '请先进入维护', 'Enter maintenance first');
        this.lifecycle.send({ type: 'RUN_SELF_TEST' });
        return { ok: true };
      case 'TEST_PRINT':
        if (!inMaintenance) return refuse('NOT_IN_MAINTENANCE', '请先进入维护', 'Enter maintenance first');
        return this.testPrint();
      case 'PAPER_RELOADED':
        if (!inMaintenance) return refuse('NOT_IN_MAINTENANCE', '请先进入维护', 'Enter maintenance first');
        this.maintenance.paperReloadedAt = this.now();
        this.lifecycle.send({ type: 'STAFF_ACTIVITY' });
        this.o.report?.('maintenance.paper-reloaded', { staffId: snap.context.maintenance?.staffId ?? null });
        this.o.printer?.paperReloaded?.();
        void this.o.printer?.refreshStatus().catch(() => undefined);
        return { ok: true };
      case 'LOCK_KIOSK': {
        if (!inMaintenance) return refuse('NOT_IN_MAINTENANCE', '请先进入维护', 'Enter maintenance first');
        const who = snap.context.maintenance?.staffId ?? 'staff';
        this.remoteLock(e.reason?.trim() || `现场锁定（${who}）`, { by: 'staff', staffId: snap.context.maintenance?.staffId ?? null });
        this.o.report?.('maintenance.locked', { staffId: who });
        return { ok: true };
      }
      case 'UNLOCK_KIOSK':
        if (!inMaintenance) return refuse('NOT_IN_MAINTENANCE', '请先进入维护', 'Enter maintenance first');
        this.remoteUnlock(`staff:${snap.context.maintenance?.staffId ?? 'unknown'}`);
        this.o.report?.('maintenance.unlocked', { staffId: snap.context.maintenance?.staffId ?? null });
        return { ok: true };
      default:
        return refuse('NO_SESSION', '没有正在办理的业务，请从首页开始', 'Nothing in progress; start from the home screen');
    }
  }

  /**
   * A flow event goes to the session only when its step can take it (xstate's `can`: a transition
   * with a target or actions, guards passing); anything else is refused before the session host
   * journals it. A TOUCH while the kiosk works (the idle watch paused) has nothing to keep alive:
   * it is dropped, not refused (a person touching the screen did nothing wrong).
   */
  private toSession(hosted: HostedSession, e: UiEvent): HandleResult {
    if (!hosted.actor.getSnapshot().can(e as never)) {
      if (e.type === 'TOUCH') return { ok: true };
      return refuse('EVENT_NOT_ALLOWED', '此步骤不能这样操作，请按屏幕提示进行', 'That cannot be done at this step; please follow the screen');
    }
    hosted.actor.send(e as never);
    return { ok: true };
  }

  private startService(service: FlowService): HandleResult {
    if (this.session) return refuse('SESSION_RUNNING', '请先完成当前业务', 'Finish the current service first');
    const flows = this.o.flows;
    const snap = this.lifecycle.getSnapshot();
    if (!flows || !this.config.services[service]) return refuse('NOT_OFFERED', '本机未提供该业务', 'This service is not offered here');
    if (!canStartSession(snap, service)) {
      const reasons = snap.context.availability[service]?.reasons ?? [];
      const first = reasons[0];
      return refuse('SERVICE_UNAVAILABLE', first ? `暂停服务：${first.zh}` : '该业务暂时无法办理', first ? `Unavailable: ${first.en}` : 'This service is unavailable right now');
    }
    this.clearEnded();
    if (this.prefsTimer) clearTimeout(this.prefsTimer);
    const printer = snap.context.health.devices.printer.state;
    const elderly = this.prefs.elderly;
    let hosted: HostedSession;
    try {
      hosted = flows.startSession(service, { elderlyMode: elderly, ...(service === 'hospitalRegistration' ? { printerAvailable: printer === 'ok' || printer === 'warning' } : {}) });
    } catch (e) {
      this.log?.error(`could not start ${service}: ${(e as Error).message}`);
      return refuse('START_FAILED', '业务暂时无法开始，请稍后再试', 'The service could not start; please try again later');
    }
    this.session = { hosted, service, elderly };
    this.lifecycle.send({ type: 'SESSION_STARTED', sessionId: hosted.id, service });
    this.card?.sessionStarted();
    void hosted.ended.then((outcome) => this.sessionEnded(hosted, service, outcome));
    return { ok: true };
  }

  private sessionEnded(hosted: HostedSession, service: FlowService, outcome: string): void {
    if (this.session?.hosted.id !== hosted.id) return;
    this.session = null;
    if (this.closed) return;
    this.card?.sessionEnded();
    this.lifecycle.send({ type: 'SESSION_ENDED', sessionId: hosted.id });
    // preferences were for that person only
    this.prefs = { locale: this.config.ui.defaultLanguage, elderly: false };
    const showMs = this.o.endedShowMs ?? 6_000;
    if (outcome !== 'timeout' && outcome !== 'stopped') {
      this.ended = { service, outcome, until: this.now() + showMs };
      if (this.endedTimer) clearTimeout(this.endedTimer);
      this.endedTimer = setTimeout(() => this.clearEnded(), showMs);
      this.endedTimer.unref();
    }
    this.queuePush();
  }

  private clearEnded(): void {
    if (this.endedTimer) clearTimeout(this.endedTimer);
    this.endedTimer = undefined;
    if (this.ended) {
      this.ended = null;
      this.queuePush();
    }
  }

  /** Home-screen choices are forgotten when nobody touches the screen for a while. */
  private armPrefsTimer(): void {
    if (this.prefsTimer) clearTimeout(this.prefsTimer);
    if (this.session) return;
    const ms = this.o.prefsIdleMs ?? this.config.ui.idle.timeoutSeconds * 1000;
    this.prefsTimer = setTimeout(() => {
      const d = { locale: this.config.ui.defaultLanguage, elderly: false };
      if (!this.session && (this.prefs.locale !== d.locale || this.prefs.elderly !== d.elderly)) {
        this.prefs = d;
        this.queuePush();
      }
    }, ms);
    this.prefsTimer.unref();
  }

  private testPrint(): HandleResult {
    const printer = this.o.printer;
    if (!printer) return refuse('NO_PRINTER', '本机没有配置打印机', 'No printer is configured');
    if (this.maintenance.testPrintRunning) return refuse('BUSY', '正在打印测试页', 'A test print is running');
    this.maintenance.testPrintRunning = true;
    this.lifecycle.send({ type: 'STAFF_ACTIVITY' });
    const staffId = this.lifecycle.getSnapshot().context.maintenance?.staffId ?? null;
    void printer.print(TEST_PRINT).then(
      () => {
        this.maintenance = { ...this.maintenance, testPrintRunning: false, lastTestPrint: { at: this.now(), ok: true, fault: null, words: null } };
        this.o.report?.('maintenance.test-print', { staffId, ok: true });
        this.queuePush();
      },
      (e: unknown) => {
        const code = (e as { code?: unknown }).code;
        const fault = typeof code === 'string' ? code : 'PRINT_NOT_DELIVERED';
        const detail = (e as { detail?: unknown; message?: unknown }).detail ?? (e as Error).message;
        this.maintenance = {
          ...this.maintenance,
          testPrintRunning: false,
          lastTestPrint: { at: this.now(), ok: false, fault, words: { zh: `测试打印失败：${String(detail)}`, en: `Test print failed: ${String(detail)}` } },
        };
        this.o.report?.('maintenance.test-print', { staffId, ok: false, fault: String(fault).slice(0, 80) });
        this.queuePush();
      },
    );
    return { ok: true };
  }

  /** After each lifecycle transition (snapshot settled): journal a lock change, tell HQ of lockouts. */
  private afterTransition(): void {
    if (this.closed) return;
    const snap = this.lifecycle.getSnapshot();
    const lock = snap.context.remoteLock;
    if (lock !== this.lastLock) {
      this.lastLock = lock;
      try {
        this.o.onLockChange?.(lock ? { ...this.lockOrigin, reason: lock.reason, at: lock.at } : null, this.unlockBy);
      } catch (e) {
        this.log?.error(`the kiosk lock could not be journaled: ${(e as Error).message}`);
      }
    }
    if (snap.context.status !== this.lastStatus) {
      this.lastStatus = snap.context.status;
      for (const ev of this.lockouts.changed(lifecycleView(snap), this.lockOrigin.by)) this.o.report?.(...ev);
    }
  }

  private onLifecycleEmitted(e: LifecycleEmitted): void {
    switch (e.type) {
      case 'status.changed':
        this.log?.info(`kiosk ${e.previous} → ${e.status}`);
        this.o.report?.('kiosk.status', { status: e.status, previous: e.previous, acceptsNewSessions: e.acceptsNewSessions });
        if (e.status !== 'maintenance') this.maintenance = { ...this.maintenance, testPrintRunning: false };
        break;
      case 'fault.raised':
      case 'fault.cleared':
        // device faults go to HQ from the drivers' own board (undebounced); the kiosk-level alarm goes from here
        if (e.device === 'kiosk') this.o.report?.(...faultEvent({ device: 'kiosk', code: e.code, change: e.change, severity: e.severity, detail: e.detail, ...('cause' in e && e.cause ? { evidence: { cause: e.cause } } : {}) }));
        break;
      case 'staff.pin-rejected':
        this.showNotice('error', 'PIN_REJECTED', { zh: '密码不正确', en: 'Wrong PIN' });
        this.o.report?.('staff.pin-rejected', { failures: e.failures });
        break;
      case 'staff.pin-lockout':
        this.showNotice('error', 'PIN_LOCKED', { zh: '密码错误次数过多，已暂时锁定', en: 'Too many wrong PINs; PIN entry is locked for a while' });
        this.o.report?.('staff.pin-lockout', { until: e.until });
        break;
      case 'staff.maintenance-started':
        this.o.report?.(e.type, { staffId: e.staffId });
        break;
      case 'staff.maintenance-ended':
        this.o.report?.(e.type, { how: e.how });
        break;
    }
  }

  private showNotice(kind: 'info' | 'error', code: string, words: Words, ms = 5_000): void {
    this.notice = { kind, code, words, until: this.now() + ms };
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.notice = null;
      this.queuePush();
    }, ms);
    this.noticeTimer.unref();
    this.queuePush();
  }

  // ───────────────────────────── pushes ─────────────────────────────

  private queuePush(): void {
    if (this.pushQueued || this.closed) return;
    this.pushQueued = true;
    queueMicrotask(() => {
      this.pushQueued = false;
      if (this.closed) return;
      const reply = this.pendingReply;
      this.pendingReply = null;
      const next = this.make(reply);
      this.last = next;
      this.emit('screen', next);
      this.armNearbyTimer();
    });
  }

  /** The nearby machines shown are those open now: push again when one of them opens or closes. */
  private armNearbyTimer(): void {
    if (this.nearbyTimer) clearTimeout(this.nearbyTimer);
    const at = nextNearbyChange(this.config, this.now());
    if (at === null) return;
    this.nearbyTimer = setTimeout(() => this.queuePush(), Math.min(Math.max(at - this.now(), 0) + 1_000, 2 ** 31 - 1));
    this.nearbyTimer.unref();
  }

  private printJobsForStaff(): { recentPrintJobs?: ReturnType<typeof recentPrintJobs> } {
    if (!this.o.recentPrintJobs) return {};
    try {
      return { recentPrintJobs: recentPrintJobs(this.o.recentPrintJobs()) };
    } catch (e) {
      this.log?.warn(`the recent print jobs could not be read from the journal: ${(e as Error).message}`);
      return {};
    }
  }

  private make(inReplyTo: string | null): ScreenMessage {
    const snap = this.lifecycle.getSnapshot();
    const lc = lifecycleView(snap);
    const maintenanceDeadline = snap.context.maintenanceDeadline;
    const s = this.session;
    const msg = makeScreen({
      seq: ++this.seq,
      at: this.now(),
      inReplyTo,
      config: this.config,
      lifecycle: lc,
      prefs: this.session ? { locale: this.prefs.locale, elderly: this.session.elderly } : this.prefs,
      session: s ? { id: s.hosted.id, service: s.service, snapshot: s.hosted.actor.getSnapshot(), elderly: s.elderly } : null,
      ended: this.ended,
      maintenance: lc.maintenance ? { deadline: maintenanceDeadline, ...this.maintenance, ...this.printJobsForStaff() } : null,
      notice: this.notice,
      printing: this.printing.current,
      ...(this.card ? { idCard: this.card.state } : {}),
      ...(this.o.ports ? { ports: this.o.ports } : {}),
    });
    return this.withHelpAndNearby(msg);
  }

  /** issue 10: the help overlay, and HQ's live nearby kiosks when the screen sends people elsewhere (else the configured ones stay). */
  private withHelpAndNearby(msg: ScreenMessage): ScreenMessage {
    const offered = (['providentFundStatement', 'hospitalRegistration'] as const).filter((svc) => this.config.services[svc]);
    const live = this.liveNearby.current(servicesToSendElsewhere(msg.kiosk.status, msg.session, offered));
    return { ...msg, ...(live ? { kiosk: { ...msg.kiosk, ...nearbyFromHq(live) } } : {}), help: this.help.view };
  }
}
