/**
 * The bridge between the agent and the renderer: one WebSocket on loopback,
 * `ws://127.0.0.1:<port>/bridge?token=<boot token>`, JSON text frames, every message validated
 * with these schemas on both ends (the agent parses what the renderer sends; the renderer parses
 * what the agent pushes, and shows a "please wait" screen rather than a half-understood one).
 * One renderer at a time: any other upgrade is refused with HTTP 401 (429 when refusals pile up)
 * before a WebSocket exists; the renderer simply reconnects with backoff.
 *
 * - The agent pushes a whole `screen` message after every change (flow transition, kiosk status,
 *   preference, maintenance). It is the only state the renderer shows: the renderer keeps no
 *   business state, so a reload lands on the same step.
 * - Personal data in a screen is already masked by the agent (`张**`, `4201**********1234`).
 * - The renderer sends `event` messages (a touch, a choice). Each carries an `id`; the screen
 *   pushed in answer carries it back as `inReplyTo` (tap → screen latency), a refused event gets
 *   a `rejected` message with words for the person (`EVENT_NOT_ALLOWED`: the step cannot take it;
 *   nothing was journaled or done).
 * - The renderer acknowledges every screen it painted with `painted` (the watchdog's proof that
 *   the screen is not black, and the cold-start figure), draws the screen's seq in a corner
 *   (contracts/screen-marker.ts) and sends a `heartbeat` every second (a hung page stops it).
 *
 * Times are epoch ms on the agent's clock; `screen.at` is the agent's clock when the screen was
 * made, so the renderer can run countdowns against its own clock offset.
 */
import { z } from 'zod';

export const BRIDGE_PROTOCOL = 1 as const;
/** the path of the WebSocket; the boot token goes in the `token` query parameter */
export const BRIDGE_PATH = '/bridge';

export const LocaleSchema = z.enum(['zh-CN', 'en']);
export type Locale = z.infer<typeof LocaleSchema>;

/** Text the agent words in both languages (availability reasons, fault words). */
export const WordsSchema = z.object({ zh: z.string(), en: z.string() });
export type Words = z.infer<typeof WordsSchema>;

export const FlowServiceSchema = z.enum(['providentFundStatement', 'hospitalRegistration']);
export type FlowServiceName = z.infer<typeof FlowServiceSchema>;

// ───────────────────────────── kiosk ─────────────────────────────

export const KioskStatusSchema = z.enum([
  'booting',
  'selfTest',
  'inService',
  'degraded',
  'outOfService',
  'outOfHours',
  'remoteLockPending',
  'remoteLocked',
  'verifyingPin',
  'maintenance',
]);
export type KioskStatusName = z.infer<typeof KioskStatusSchema>;

export const ReasonSchema = WordsSchema.extend({ code: z.string() });

export const ServiceTileSchema = z.object({
  service: FlowServiceSchema,
  available: z.boolean(),
  /** why not (shown on the tile), in both languages */
  reasons: z.array(ReasonSchema),
  /** what works only partly (e.g. slip on screen only: printer out of paper) */
  limits: z.array(ReasonSchema),
  /** how the person identifies for this service */
  identifyBy: z.array(z.enum(['idCard', 'eSocialSecurityQr', 'medicalInsuranceQr'])),
});
export type ServiceTile = z.infer<typeof ServiceTileSchema>;

/** Another machine the person can go to: the agent lists only those open now, nearest first. */
export const NearbyKioskSchema = z.object({
  name: z.string(),
  location: z.string(),
  hoursText: z.string().optional(),
  /** its weekly hours in words, e.g. "周一至周五 09:00–18:00" */
  schedule: WordsSchema.optional(),
  /** when it closes (null: open around the clock) */
  closesAt: z.number().nullable().optional(),
  distanceMeters: z.number().optional(),
  /** issue 10: HQ said just now that it is open and usable for this service ("此刻可用"); absent: from the kiosk's own list, by its hours */
  live: z.boolean().optional(),
});

export const HoursViewSchema = z.object({
  /** inside promised hours */
  open: z.boolean(),
  /** when open: when it closes (null: 24 h or beyond the horizon) */
  closesAt: z.number().nullable(),
  /** when closed: when it next opens (null: not within a year) */
  opensAt: z.number().nullable(),
  exceptionReason: z.string().optional(),
  /** the weekly schedule in words, e.g. "周一至周五 08:30–17:30" / "Mon–Fri 08:30–17:30"; "24 小时" */
  schedule: WordsSchema,
  timezone: z.string(),
});

export const DeviceStatusSchema = z.object({
  device: z.enum(['idReader', 'printer', 'scanner']),
  /** device words, e.g. 打印机 / printer */
  name: WordsSchema,
  state: z.enum(['unknown', 'ok', 'warning', 'fault']),
  faults: z.array(ReasonSchema),
  warnings: z.array(ReasonSchema),
  /** the port or address, for the technician */
  port: z.string().optional(),
});
export type DeviceStatus = z.infer<typeof DeviceStatusSchema>;

export const KioskViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  hotline: z.string(),
  status: KioskStatusSchema,
  acceptsNewSessions: z.boolean(),
  /** the configured flow services, in home-screen order */
  services: z.array(ServiceTileSchema),
  hours: HoursViewSchema,
  /** the other machines open now, nearest first (empty: none open now; the screen says so and gives the hotline) */
  nearbyKiosks: z.array(NearbyKioskSchema),
  /** issue 10: the list is HQ's live answer (empty: none near is usable now), not the configured one */
  nearbyLive: z.boolean().optional(),
  elderlyModeAllowed: z.boolean(),
  remoteLock: z.object({ reason: z.string() }).nullable(),
  /** PIN entry is locked after too many wrong PINs, until then */
  pinLockedUntil: z.number().nullable(),
  /** devices as the home screen's small status line and the maintenance screen show them */
  devices: z.array(DeviceStatusSchema),
});
export type KioskView = z.infer<typeof KioskViewSchema>;

// ───────────────────────────── sessions ─────────────────────────────

export const IdleViewSchema = z.object({
  /** the visible countdown is on */
  warning: z.boolean(),
  /** when the session goes home without a touch (null: paused, the kiosk is working) */
  deadline: z.number().nullable(),
});

const PeriodSchema = z.object({ from: z.string(), to: z.string() });
const PersonSchema = z.object({ name: z.string(), idNumber: z.string() });

export const ProvidentFundViewSchema = z.object({
  holder: PersonSchema.nullable(),
  identifyProblem: z.string().nullable(),
  period: PeriodSchema,
  maxPeriodMonths: z.number(),
  periodProblem: z.string().nullable(),
  statement: z
    .object({
      accountStatus: z.enum(['normal', 'sealed', 'closed']),
      balanceFen: z.number(),
      monthlyDepositFen: z.number(),
      employer: z.string(),
      period: PeriodSchema,
      rows: z.array(z.object({ date: z.string(), description: z.string(), amountFen: z.number(), balanceFen: z.number() })),
    })
    .nullable(),
  takeDeadline: z.number().nullable(),
  printFault: z.string().nullable(),
  /** what the print fault means, in both languages */
  printFaultWords: WordsSchema.nullable(),
  /** the failed print may have put part of the statement in the tray: the person is told to take it (absent: false) */
  printMayHavePrinted: z.boolean().optional(),
  failureCode: z.string().nullable(),
});
export type ProvidentFundView = z.infer<typeof ProvidentFundViewSchema>;

const DepartmentSchema = z.object({ id: z.string(), name: z.string(), location: z.string() });
const DoctorSchema = z.object({ id: z.string(), departmentId: z.string(), name: z.string(), title: z.string() });
const SlotSchema = z.object({ id: z.string(), departmentId: z.string(), doctorId: z.string(), date: z.string(), time: z.string(), feeFen: z.number(), remaining: z.number() });
export const RegistrationSummarySchema = z.object({
  bookingId: z.string(),
  departmentName: z.string(),
  doctorName: z.string(),
  date: z.string(),
  time: z.string(),
  queueNumber: z.number(),
  feeFen: z.number(),
  status: z.enum(['booked', 'cancelled']),
});
export type RegistrationSummary = z.infer<typeof RegistrationSummarySchema>;

export const PaymentMethodSchema = z.enum(['nativeQr', 'paymentCode']);

export const PaymentViewSchema = z.object({
  /** the payment machine's state, dotted: choosingMethod | waitingForPaymentCode | journalingOrder | creatingNativeOrder | chargingPaymentCode | awaiting.querying | awaiting.pausing | closing.* | confirmingPaid.* | paid | refunding.* | used | closed | refunded | pending | notOrdered */
  step: z.string(),
  amountFen: z.number(),
  description: z.string(),
  method: PaymentMethodSchema.nullable(),
  methods: z.array(PaymentMethodSchema),
  /** native QR: the code to show (weixin://wxpay/…) */
  codeUrl: z.string().nullable(),
  paymentDeadline: z.number().nullable(),
  /** the scanned 付款码 was not one */
  badCode: z.boolean(),
  /** refund-abnormal: the refund failed at the bank (e.g. a closed card); staff hand the money over */
  final: z.enum(['used', 'closed', 'refunded', 'refund-abnormal', 'none', 'pending']).nullable(),
  reason: z.string().nullable(),
  failureCode: z.string().nullable(),
});
export type PaymentView = z.infer<typeof PaymentViewSchema>;

export const RegistrationViewSchema = z.object({
  patient: PersonSchema.nullable(),
  identifyProblem: z.string().nullable(),
  todays: z.array(RegistrationSummarySchema),
  departments: z.array(DepartmentSchema),
  doctors: z.array(DoctorSchema),
  slots: z.array(SlotSchema),
  department: DepartmentSchema.nullable(),
  doctor: DoctorSchema.nullable(),
  slot: SlotSchema.nullable(),
  paymentMethods: z.array(PaymentMethodSchema),
  conflict: z
    .discriminatedUnion('reason', [
      /** registered today in the department chosen: asked before anything is held or paid */
      z.object({ reason: z.literal('same-department'), existing: z.array(RegistrationSummarySchema) }),
      /** the slot was taken meanwhile, or its time is over: told at the lock, before payment */
      z.object({ reason: z.enum(['slot-taken', 'slot-passed']), slotId: z.string() }),
    ])
    .nullable(),
  registration: RegistrationSummarySchema.nullable(),
  refundReason: z.string().nullable(),
  /** the last payment's end */
  paymentResult: z.object({ final: z.string(), reason: z.string(), amountFen: z.number(), failureCode: z.string().nullable() }).nullable(),
  /** the slip as text lines, when it is shown on screen (no printer) */
  slipLines: z.array(z.string()).nullable(),
  takeDeadline: z.number().nullable(),
  printFault: z.string().nullable(),
  printFaultWords: WordsSchema.nullable(),
  /** the failed print may have put part of the slip in the tray (absent: false) */
  printMayHavePrinted: z.boolean().optional(),
  failureCode: z.string().nullable(),
});
export type RegistrationView = z.infer<typeof RegistrationViewSchema>;

const SessionBase = {
  id: z.string(),
  /** the flow region's state, dotted without the `session.flow.` prefix: e.g. `identifying`, `charging.paying` */
  step: z.string(),
  idle: IdleViewSchema,
  elderly: z.boolean(),
};

export const SessionViewSchema = z.discriminatedUnion('service', [
  z.object({ service: z.literal('providentFundStatement'), ...SessionBase, view: ProvidentFundViewSchema }),
  z.object({ service: z.literal('hospitalRegistration'), ...SessionBase, view: RegistrationViewSchema, payment: PaymentViewSchema.nullable() }),
]);
export type SessionView = z.infer<typeof SessionViewSchema>;

/** The session that just ended, shown as a short "thank you" / "what happened" screen until touched or after a few seconds. */
export const EndedViewSchema = z.object({
  service: FlowServiceSchema,
  outcome: z.string(),
  /** when the agent stops showing it */
  until: z.number(),
});

// ───────────────────────────── maintenance ─────────────────────────────

/** One print job from the journal, as the staff screen lists it (never personal). */
export const RecentPrintJobSchema = z.object({
  /** when it was queued (agent clock) */
  at: z.number(),
  /** provident-fund-statement | registration-slip | test-page | receipt */
  kind: z.string(),
  /** the kind in words, e.g. 公积金缴存明细 / provident-fund statement */
  what: WordsSchema,
  status: z.enum(['queued', 'printing', 'delivered', 'taken', 'failed']),
  /** failed: the fault code and its words */
  fault: z.string().nullable(),
  faultWords: WordsSchema.nullable(),
  /** failed: the driver's account, for the technician (English) */
  detail: z.string().nullable(),
});
export type RecentPrintJob = z.infer<typeof RecentPrintJobSchema>;

export const MaintenanceViewSchema = z.object({
  staffId: z.string().nullable(),
  since: z.number(),
  /** maintenance ends by itself then (extended by staff activity) */
  deadline: z.number().nullable(),
  lastTestPrint: z.object({ at: z.number(), ok: z.boolean(), fault: z.string().nullable(), words: WordsSchema.nullable() }).nullable(),
  testPrintRunning: z.boolean(),
  paperReloadedAt: z.number().nullable(),
  /** the latest print jobs and how each ended, newest first (absent: none known) */
  recentPrintJobs: z.array(RecentPrintJobSchema).optional(),
});
export type MaintenanceView = z.infer<typeof MaintenanceViewSchema>;

// ───────────────────────────── agent → renderer ─────────────────────────────

/** The receipt the printer is printing now: "正在打印…" shows how far it should be and how long the kiosk still waits. */
export const PrintProgressSchema = z.object({
  /** what is printing (never personal), e.g. 公积金缴存明细 */
  title: z.string(),
  /** printed lines in the job */
  lines: z.number().int().nonnegative(),
  /** agent clock: sent to the printer; when it should be out; when the kiosk gives up waiting and says so */
  sentAt: z.number(),
  expectedDoneAt: z.number(),
  giveUpAt: z.number(),
});
export type PrintProgress = z.infer<typeof PrintProgressSchema>;

export const NoticeSchema = z.object({
  kind: z.enum(['info', 'error']),
  /** e.g. PIN_REJECTED, PIN_LOCKED, SERVICE_UNAVAILABLE, EVENT_NOT_ALLOWED */
  code: z.string(),
  words: WordsSchema,
  /** hidden after */
  until: z.number(),
});

/**
 * A help request (求助, issue 10) as the screen shows it. sending: journaled, not yet at HQ; sent: HQ
 * has it ("已通知工作人员，请稍候"); unreachable: HQ could not be told in time (the hotline);
 * no-link: this kiosk reports to no HQ (the hotline); answered: an operator's answer to show.
 */
export const HelpViewSchema = z.object({
  requestId: z.string(),
  state: z.enum(['sending', 'sent', 'unreachable', 'no-link', 'answered']),
  /** the overlay is up (false: the person closed it; the request stays open, the 求助 button says so) */
  shown: z.boolean(),
  /** the operator's answer (answered) */
  answer: z.string().nullable(),
  /** agent clock: the request (or the answer's display) ends by itself then */
  until: z.number(),
});
export type HelpView = z.infer<typeof HelpViewSchema>;

export const ScreenMessageSchema = z.object({
  type: z.literal('screen'),
  protocol: z.literal(BRIDGE_PROTOCOL),
  /** increases with every push of this boot */
  seq: z.number().int().nonnegative(),
  /** the agent's clock when made */
  at: z.number(),
  /** the `id` of the renderer event this push answers, else null */
  inReplyTo: z.string().nullable(),
  kiosk: KioskViewSchema,
  /** chosen on the home screen, for this session only; reset when it ends */
  prefs: z.object({ locale: LocaleSchema, elderly: z.boolean() }),
  session: SessionViewSchema.nullable(),
  ended: EndedViewSchema.nullable(),
  maintenance: MaintenanceViewSchema.nullable(),
  notice: NoticeSchema.nullable(),
  /** the printer's job in progress (absent or null: none) */
  printing: PrintProgressSchema.nullable().optional(),
  /**
   * "请取回您的身份证": a read ID card is still on the reader at the end of a flow (receipt, slip,
   * not-printed screens), or after the session that read it ended. Gone when the card is lifted.
   */
  takeIdCard: z.boolean().optional(),
  /** issue 10: the person's 求助 (absent or null: none open) */
  help: HelpViewSchema.nullable().optional(),
});
export type ScreenMessage = z.infer<typeof ScreenMessageSchema>;

export const RejectedMessageSchema = z.object({
  type: z.literal('rejected'),
  /** the event's id (null when the message itself could not be read) */
  id: z.string().nullable(),
  code: z.string(),
  words: WordsSchema,
});

export const AgentMessageSchema = z.discriminatedUnion('type', [ScreenMessageSchema, RejectedMessageSchema]);
export type AgentMessage = z.infer<typeof AgentMessageSchema>;

// ───────────────────────────── renderer → agent ─────────────────────────────

const YearMonthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
const IdSchema = z.string().min(1).max(64);

/** What a person can do on a screen. Flow events go to the running session's machine as they are. */
export const UiEventSchema = z.discriminatedUnion('type', [
  // home
  z.object({ type: z.literal('START_SERVICE'), service: FlowServiceSchema }),
  z.object({ type: z.literal('SET_LOCALE'), locale: LocaleSchema }),
  z.object({ type: z.literal('SET_ELDERLY'), on: z.boolean() }),
  /** dismiss the "session ended" screen */
  z.object({ type: z.literal('HOME') }),
  // any step
  z.object({ type: z.literal('TOUCH') }),
  /** 求助 (issue 10): `screen` is the screen shown, as `painted` names it; a press while one is open only shows it again */
  z.object({ type: z.literal('HELP'), screen: z.string().max(80).regex(/^[A-Za-z0-9._:-]+$/) }),
  /** close the help overlay (an answer: done; a request still waiting stays open) */
  z.object({ type: z.literal('HELP_CLOSE') }),
  z.object({ type: z.literal('CANCEL') }),
  z.object({ type: z.literal('BACK') }),
  z.object({ type: z.literal('RETRY') }),
  z.object({ type: z.literal('DONE') }),
  z.object({ type: z.literal('TAKEN') }),
  // provident fund
  z.object({ type: z.literal('PERIOD_CHOSEN'), from: YearMonthSchema.optional(), to: YearMonthSchema.optional() }),
  z.object({ type: z.literal('PRINT') }),
  // registration
  z.object({ type: z.literal('CONTINUE') }),
  z.object({ type: z.literal('DEPARTMENT_CHOSEN'), departmentId: IdSchema }),
  z.object({ type: z.literal('DOCTOR_CHOSEN'), doctorId: IdSchema }),
  z.object({ type: z.literal('SLOT_CHOSEN'), slotId: IdSchema }),
  z.object({ type: z.literal('CONFIRM') }),
  z.object({ type: z.literal('PAYMENT_METHOD_CHOSEN'), method: PaymentMethodSchema }),
  z.object({ type: z.literal('ADD_ANYWAY') }),
  z.object({ type: z.literal('CHOOSE_ANOTHER_SLOT') }),
  z.object({ type: z.literal('RETRY_PAYMENT') }),
  // staff
  z.object({ type: z.literal('STAFF_PIN'), pin: z.string().regex(/^\d{4,12}$/) }),
  z.object({ type: z.literal('STAFF_ACTIVITY') }),
  z.object({ type: z.literal('EXIT_MAINTENANCE') }),
  z.object({ type: z.literal('TEST_PRINT') }),
  z.object({ type: z.literal('PAPER_RELOADED') }),
  z.object({ type: z.literal('RUN_SELF_TEST') }),
  z.object({ type: z.literal('LOCK_KIOSK'), reason: z.string().max(200).optional() }),
  z.object({ type: z.literal('UNLOCK_KIOSK') }),
]);
export type UiEvent = z.infer<typeof UiEventSchema>;
export type UiEventType = UiEvent['type'];

export const RendererMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), id: IdSchema, event: UiEventSchema }),
  /** the screen with this seq is painted (after the next animation frame); `screen` names what was shown, e.g. `home`, `pf.preview` */
  z.object({ type: z.literal('painted'), seq: z.number().int().nonnegative(), screen: z.string().max(80) }),
  /**
   * issue 11: every second while the page runs; `frames` counts the animation frames that ran since
   * the page loaded (a stalled compositor stops it; a busy-looping page stops the heartbeat itself)
   */
  z.object({ type: z.literal('heartbeat'), frames: z.number().int().nonnegative() }),
]);
export type RendererMessage = z.infer<typeof RendererMessageSchema>;

/** Parse one text frame; the error says what was wrong, in one line. */
export function parseFrame<T>(schema: z.ZodType<T>, text: string): { ok: true; value: T } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  return { ok: false, error: first ? `${first.path.join('.') || '(message)'}: ${first.message}` : 'invalid' };
}
