/**
 * Kiosk ↔ HQ: every event a kiosk sends and every command HQ sends back, as one keyed map of
 * channels each side imports. The kiosk journals an event in its outbox (`outbox.enqueue(type,
 * payload)`, typed and validated by `HqEvents`), the link (`runtime/hq-link/`) posts batches to
 * `POST /api/v1/ingest` signed with the kiosk's secret (`contracts/hq-signing.ts`), and HQ
 * (`hq/server/`) validates each event with the same schema before it stores it.
 *
 * Every event carries `id` (uuid, the duplicate check), `seq` (strictly increasing per kiosk, from
 * the outbox: HQ keeps the highest contiguous one and shows the gaps), `type` and `at` (the kiosk's
 * clock, ISO 8601). No event carries personal data: names and ID numbers never leave the kiosk.
 *
 * Commands are queued per kiosk at HQ and handed out in the next ingest answer; the kiosk answers
 * each with a `command.result` event.
 */
import { z } from 'zod';
import { ALARM_SEVERITIES, ALL_FAULT_CODES, type FaultCode } from './faults.ts';
import { KioskStatusSchema } from './bridge.ts';
import { FailureReasonSchema } from './hq-analytics.ts';

export const HQ_INGEST_PATH = '/api/v1/ingest';
/** an operator's answer to a help request is at most this long (issue 10) */
export const HELP_ANSWER_MAX_CHARS = 200;
/** one batch: at most this many events and bytes of body */
export const INGEST_MAX_EVENTS = 100;
export const INGEST_MAX_BATCH_BYTES = 256 * 1024;
/** HQ refuses bodies larger than this (413) */
export const INGEST_MAX_BODY_BYTES = 1024 * 1024;

const text = (max = 500) => z.string().max(max);
const epochMs = z.number().int().nonnegative();

export const FaultCodeSchema = z.enum(ALL_FAULT_CODES as [FaultCode, ...FaultCode[]]);
export const AlarmSeveritySchema = z.enum(ALARM_SEVERITIES);
/** what a fault is about: a device, or the kiosk as a whole */
export const FaultSourceSchema = z.enum(['idReader', 'printer', 'scanner', 'screen', 'agent', 'kiosk', 'link']);
export const DeviceNameSchema = z.enum(['idReader', 'printer', 'scanner']);
export const BackendNameSchema = z.enum(['providentFund', 'his', 'payment']);
export const ServiceNameSchema = z.enum(['providentFundStatement', 'hospitalRegistration']);
export const LockoutReasonSchema = z.enum(['schedule', 'remote', 'fault', 'maintenance', 'staff']);
export type LockoutReason = z.infer<typeof LockoutReasonSchema>;

/** facts a technician can act on (port, bytes, counts); bounded so an event stays small */
const Evidence = z.record(z.string().max(64), z.unknown()).refine((e) => JSON.stringify(e).length <= 8_192, 'evidence larger than 8 KiB');

const FaultPayload = z.object({
  code: FaultCodeSchema,
  device: FaultSourceSchema,
  severity: AlarmSeveritySchema,
  /** a fault blocks what needs the device; a warning is one that will if nobody acts */
  blocking: z.boolean(),
  detail: text(),
  evidence: Evidence.optional(),
});
export type FaultPayload = z.infer<typeof FaultPayload>;

/** issue 11: what a device's line carries that decodes to nothing (drivers/transport/line-noise.ts); shown, raised only when it persists */
export const LineNoiseSchema = z.object({
  /** noise seen recently (within the windows that clear it) */
  noisy: z.boolean(),
  /** noise in most recent windows: the device reports its *_LINE_NOISE warning */
  persistent: z.boolean(),
  /** bytes that decoded to nothing consistent, since the agent started */
  garbageBytes: z.number().int().nonnegative(),
  /** noise events (garbage runs, contradicting status reads, stray replies, rejected scans) */
  events: z.number().int().nonnegative(),
  noisyWindows: z.number().int().nonnegative(),
  windows: z.number().int().positive(),
  windowMs: z.number().int().positive(),
  /** epoch ms of the last noise */
  lastNoiseAt: epochMs.nullable(),
});
export type LineNoise = z.infer<typeof LineNoiseSchema>;

const DeviceHealth = z.object({
  /** absent: not configured on this kiosk */
  state: z.enum(['ok', 'warning', 'fault', 'absent']),
  faults: z.array(FaultCodeSchema).max(32),
  warnings: z.array(FaultCodeSchema).max(32),
  lineNoise: LineNoiseSchema.optional(),
});
export type DeviceHealth = z.infer<typeof DeviceHealth>;

/** issue 10: a service usable right now, its hours aside (heartbeat `services`) */
export const ServiceUsabilitySchema = z.object({ usable: z.boolean(), reason: text(80).optional() });
export type ServiceUsability = z.infer<typeof ServiceUsabilitySchema>;
/** issue 10: hours in the kiosk config's input form (`weekly`, `exceptions`…); only the kiosk config's schema knows their rules */
const HoursInputSchema = z.record(z.string().max(40), z.unknown());

const PrintKind = z.enum(['statement', 'registration-slip', 'payment-receipt', 'test-page', 'refund-slip']).or(text(40));

/** Every kiosk → HQ event: its type and the schema of its payload. */
export const HqEvents = {
  /** the agent started; `uncleanPreviousRun` when the previous one did not close its journal */
  'agent.started': z.object({
    uncleanPreviousRun: z.boolean(),
    version: text(40),
    heartbeatSeconds: z.number().int().positive(),
    /** the lifecycle's remote lock survived the restart */
    remoteLocked: z.boolean().optional(),
  }),
  /** every `hq.heartbeatSeconds`: what the kiosk is now (HQ keeps the latest, stores only changes) */
  heartbeat: z.object({
    lifecycle: KioskStatusSchema,
    devices: z.partialRecord(DeviceNameSchema, DeviceHealth),
    hours: z.object({ open: z.boolean(), nextChangeAt: z.iso.datetime({ offset: true }).nullable().optional() }),
    backends: z.partialRecord(BackendNameSchema, z.enum(['up', 'down', 'unknown'])).optional(),
    /** issue 10: each configured service usable now, its hours aside (its devices, back office, no lock), and why not */
    services: z.partialRecord(ServiceNameSchema, ServiceUsabilitySchema).optional(),
    /**
     * issue 11: the watchdogs' faults raised now (screen, GPU, display, touch, disk) and the codes this run has
     * looked for; HQ clears an active alarm of a `checked` code not in `faults` (its clearing went with the run
     * that raised it: the agent restarted). Absent: an older kiosk, nothing is cleared this way.
     */
    watch: z.object({ faults: z.array(FaultCodeSchema).max(32), checked: z.array(FaultCodeSchema).max(32) }).optional(),
    outboxBacklog: z.number().int().nonnegative(),
    /** the kiosk's clock when the heartbeat was sent (HQ compares it with its own) */
    clock: z.iso.datetime({ offset: true }),
    intervalSeconds: z.number().int().positive(),
  }),
  'fault.raised': FaultPayload,
  'fault.cleared': FaultPayload,
  'lockout.started': z.object({ reason: LockoutReasonSchema, detail: text() }),
  'lockout.ended': z.object({ reason: LockoutReasonSchema, detail: text() }),
  /** a session ended: no personal data, only how far it got */
  'session.ended': z.object({
    sessionId: text(64),
    /** a service of contracts/bridge.ts's FlowServiceSchema (any name is kept: an older kiosk may know others) */
    service: ServiceNameSchema.or(text(40)),
    outcome: text(40),
    lastStep: text(80),
    durationMs: epochMs,
    recovered: z.boolean().optional(),
    // issue 10 (first-time success); absent in older kiosks' events
    /** HMAC-SHA256 of the person's ID number under a salt that never leaves the kiosk, 32 hex (runtime/flows/person-hash.ts); null: nobody identified */
    personHash: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 lowercase hex digits').nullable().optional(),
    /** the funnel steps reached, in order (contracts/hq-analytics.ts FUNNEL_STEPS) */
    stepsReached: z.array(text(80)).max(32).optional(),
    /** why it did not complete (contracts/session-funnel.ts); null: completed */
    failure: FailureReasonSchema.nullable().optional(),
  }),
  'print.delivered': z.object({ printJobId: text(64), kind: PrintKind, sessionId: text(64).nullable().optional() }),
  'print.not_delivered': z.object({
    printJobId: text(64),
    kind: PrintKind,
    code: FaultCodeSchema,
    mayHavePrinted: z.boolean(),
    detail: text().optional(),
    recovered: z.boolean().optional(),
  }),
  'payment.reconciled': z.object({
    outTradeNo: text(64),
    sessionId: text(64).nullable(),
    amountFen: z.number().int().nonnegative(),
    final: text(40),
    detail: text().optional(),
    bookingId: text(64).nullable().optional(),
  }),
  /** the gateway gave a refund up: staff must hand the money over */
  'payment.refund-abnormal': z.object({
    merchantOrderNo: text(64),
    refundNo: text(64),
    amountFen: z.number().int().nonnegative(),
    sessionId: text(64).nullable(),
    detail: text(),
  }),
  /** a receipt a person asked for did not come out (the session's view; the job's is print.not_delivered) */
  'print.undelivered': z.object({
    sessionId: text(64),
    service: ServiceNameSchema,
    printJobId: text(64).nullable(),
    title: text(80),
    fault: text(80),
    detail: text(),
  }),
  'backend.health': z.object({ backend: BackendNameSchema, state: z.enum(['up', 'down']), detail: text() }),
  'command.result': z.object({ commandId: z.uuid(), type: text(40), status: z.enum(['succeeded', 'failed']), detail: text() }),
  /** the kiosk's status changed (routing, maintenance, lock) */
  'kiosk.status': z.object({ status: KioskStatusSchema, previous: KioskStatusSchema, acceptsNewSessions: z.boolean() }),
  'screen.problem': z.object({ problem: text(40), detail: text() }),
  'journal.moved-aside': z.object({ to: text(1_000), problems: z.array(text(1_000)).max(50) }),
  'staff.pin-rejected': z.object({ failures: z.number().int().nonnegative() }),
  'staff.pin-lockout': z.object({ until: epochMs }),
  'staff.maintenance-started': z.object({ staffId: text(64).nullable() }),
  'staff.maintenance-ended': z.object({ how: z.enum(['exit', 'timeout']) }),
  'maintenance.locked': z.object({ staffId: text(64).nullable() }),
  'maintenance.unlocked': z.object({ staffId: text(64).nullable() }),
  'maintenance.paper-reloaded': z.object({ staffId: text(64).nullable() }),
  'maintenance.test-print': z.object({ staffId: text(64).nullable(), ok: z.boolean(), fault: text(80).optional() }),
  // ── issue 10: availability inside promised hours (promised hours as HQ knows them) ──
  /**
   * The promised hours the kiosk keeps, sent after `agent.started` at every start and whenever they
   * change (runtime/hq-link/hours-report.ts). The hours are the config's input form, so HQ checks them
   * with the kiosk config's own schema; `version` is a short hash of their canonical JSON.
   */
  'hours.config': z
    .object({
      version: text(16),
      timezone: text(64),
      promisedHours: HoursInputSchema,
      /** each configured service: its own hours (input form, in the promised hours' zone), or null when it keeps the promised hours */
      services: z.partialRecord(ServiceNameSchema, HoursInputSchema.nullable()),
    })
    .refine((p) => JSON.stringify(p).length <= 32_768, 'hours larger than 32 KiB'),
  // ── issue 10: self-test and remote hands ──
  /** the self-test at the start of every promised window, at boot and on HQ's `self-test`: ready or not, and why */
  'self-test.result': z.object({
    trigger: z.enum(['window-start', 'command', 'boot']),
    ready: z.boolean(),
    /** one per thing checked: `printer`, `idReader`, each configured back office (`providentFund`, `his`, `payment`) */
    checks: z.array(z.object({ name: text(40), ok: z.boolean(), detail: text() })).max(16),
  }),
  // ── issue 10: help requests (求助) ──
  /** a person pressed 求助 on the kiosk: where they were, never who (HQ raises HELP_REQUESTED; the answer is `help.answer`) */
  'help.requested': z.object({
    requestId: z.uuid(),
    /** the screen shown, as the renderer names it (`home`, `pf.identifying`, `out-of-hours`) */
    screen: z.string().max(80).regex(/^[A-Za-z0-9._:-]+$/, 'a screen name: letters, digits and . _ : - only'),
    /** the running flow's step, else the kiosk's status (`inService`, `outOfHours`…) */
    step: text(80),
    service: ServiceNameSchema.nullable(),
  }),
  // ── issue 11: the watchdog's recovery ladder ──
  /**
   * One rung of the recovery ladder (runtime/watchdog/ladder.ts) and how it went: `tried` (with the fault that asked
   * for it), `failed` (the step itself could not be carried out), `recovered` (the screen was proven again after it),
   * `no-effect` (the fault was still there when the next rung was due), `out-of-service` (no rung left: the kiosk takes
   * no one and keeps reporting), `back-in-service`, `reset` (healthy long enough: the next fault starts at the bottom).
   */
  'watchdog.recovery': z.object({
    step: z.enum(['reload', 'restart-shell', 'restart-agent', 'out-of-service']),
    outcome: z.enum(['tried', 'failed', 'recovered', 'no-effect', 'out-of-service', 'back-in-service', 'reset']),
    /** the fault that asked for recovery */
    fault: FaultCodeSchema.nullable(),
    /** the attempt at this step, 1-based */
    attempt: z.number().int().min(0).max(1000),
    detail: text(),
  }),
} as const;

export type HqEventType = keyof typeof HqEvents;
export type HqEventPayload<K extends HqEventType> = z.input<(typeof HqEvents)[K]>;
export const HQ_EVENT_TYPES = Object.keys(HqEvents) as HqEventType[];

const envelope = {
  id: z.uuid(),
  seq: z.number().int().positive(),
  at: z.iso.datetime({ offset: true }),
};

/** One event as it travels: envelope + payload, discriminated by `type`. */
export const HqEventSchema = z.discriminatedUnion(
  'type',
  HQ_EVENT_TYPES.map((type) => z.object({ ...envelope, type: z.literal(type), payload: HqEvents[type] })) as unknown as [
    z.ZodObject<{ type: z.ZodLiteral<HqEventType> }>,
    ...z.ZodObject<{ type: z.ZodLiteral<HqEventType> }>[],
  ],
) as unknown as z.ZodType<HqEvent>;
export type HqEvent = { [K in HqEventType]: { id: string; seq: number; type: K; at: string; payload: z.output<(typeof HqEvents)[K]> } }[HqEventType];

// ───────────────────────────── commands ─────────────────────────────

/** Every HQ → kiosk command and its arguments. */
export const HqCommands = {
  /** stop taking new sessions (after the running one ends) until `unlock`; survives a restart */
  lock: z.object({ reason: text(200).optional() }),
  unlock: z.object({}),
  /** reload the kiosk's screen (it lands on the same step) */
  'reload-screen': z.object({}),
  // ── issue 10: remote hands (test-print, self-test, screenshot, set-promised-hours, restart-app) ──
  /** print the test page through the verified print path (never while a customer is served); failed = not delivered, with the fault code */
  'test-print': z.object({}),
  /** run the self-test now (`self-test.result` trigger `command`); `testPrint`: also print a verified test page */
  'self-test': z.object({ testPrint: z.boolean().optional() }),
  /** a picture of the screen, only while no session is on it; uploaded signed to `screenshotUploadPath(commandId)` */
  screenshot: z.object({}),
  /**
   * Promised hours (and services' own hours; null: a service keeps the promised hours), in the kiosk
   * config's input form. Only their shape is checked here: HQ and the kiosk both validate them with
   * the kiosk config's schema (kiosk-config/schema.ts `hoursChangeSchema`), which contracts cannot import.
   */
  'set-promised-hours': z
    .object({
      promisedHours: z.record(z.string(), z.unknown()),
      services: z.partialRecord(ServiceNameSchema, z.object({ hours: z.record(z.string(), z.unknown()).nullable() })).optional(),
    })
    .refine((a) => JSON.stringify(a).length <= 32_768, 'hours larger than 32 KiB'),
  /** restart the kiosk app (never while a customer is served); the result is sent after the restart */
  'restart-app': z.object({ reason: text(200).optional() }),
  // ── issue 10: help requests (an operator's answer shown on the kiosk) ──
  /** an operator's short answer to the kiosk's `help.requested`, shown on its screen (failed: that request was no longer open there) */
  'help.answer': z.object({ requestId: z.uuid(), text: z.string().trim().min(1).max(HELP_ANSWER_MAX_CHARS) }),
} as const;
export type HqCommandType = keyof typeof HqCommands;
export const HQ_COMMAND_TYPES = Object.keys(HqCommands) as HqCommandType[];
export const HqCommandTypeSchema = z.enum(HQ_COMMAND_TYPES as [HqCommandType, ...HqCommandType[]]);

/** A command as handed to the kiosk in an ingest answer. */
export const HqCommandSchema = z.object({
  id: z.uuid(),
  type: HqCommandTypeSchema,
  args: z.record(z.string(), z.unknown()).default({}),
  issuedAt: z.iso.datetime({ offset: true }),
  /** a command not carried out by then is reported failed (HQ marks it expired) */
  expiresAt: z.iso.datetime({ offset: true }),
});
export type HqCommand = z.infer<typeof HqCommandSchema>;

// ───────────────────────────── ingest ─────────────────────────────

export const IngestHeaders = {
  kiosk: 'x-zizhu-kiosk',
  timestamp: 'x-zizhu-timestamp',
  nonce: 'x-zizhu-nonce',
  signature: 'x-zizhu-signature',
} as const;

/** The body of `POST /api/v1/ingest`. Events are validated one by one (a 400 names the field). */
export const IngestRequestSchema = z.object({
  kioskId: z.string().min(1).max(64),
  events: z.array(z.unknown()).max(INGEST_MAX_EVENTS),
});
export type IngestRequest = { kioskId: string; events: HqEvent[] };

export const IngestResponseSchema = z.object({
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  /** HQ's clock (epoch ms): the kiosk raises CLOCK_SKEW when its own is more than 60 s off */
  serverTime: epochMs,
  commands: z.array(HqCommandSchema),
});
export type IngestResponse = z.infer<typeof IngestResponseSchema>;

// ───────────────────────────── screenshots (issue 10: remote hands) ─────────────────────────────

/**
 * A `screenshot` command's image is too large for an ingest batch: the kiosk POSTs it on its own to
 * this path with the image as the body (`image/png` or `image/jpeg`), signed like ingest
 * (contracts/hq-signing.ts, over this path), then answers the command with `command.result`.
 */
export const SCREENSHOT_UPLOAD_PREFIX = '/api/v1/kiosk/screenshots/';
export const screenshotUploadPath = (commandId: string): string => `${SCREENSHOT_UPLOAD_PREFIX}${encodeURIComponent(commandId)}`;
export const SCREENSHOT_MAX_BYTES = 4 * 1024 * 1024;
export const SCREENSHOT_CONTENT_TYPES = ['image/png', 'image/jpeg'] as const;
export type ScreenshotContentType = (typeof SCREENSHOT_CONTENT_TYPES)[number];

/** Clock skew beyond which the kiosk raises CLOCK_SKEW. */
export const CLOCK_SKEW_LIMIT_MS = 60_000;
/** HQ refuses a signature whose timestamp is further than this from its own clock. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;
/** and a nonce it has seen within this long */
export const NONCE_WINDOW_MS = 10 * 60_000;
/** a kiosk is offline after this many of its own heartbeat intervals without one */
export const OFFLINE_AFTER_INTERVALS = 3;
