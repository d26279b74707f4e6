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

export const HQ_INGEST_PATH = '/api/v1/ingest';
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

const DeviceHealth = z.object({
  /** absent: not configured on this kiosk */
  state: z.enum(['ok', 'warning', 'fault', 'absent']),
  faults: z.array(FaultCodeSchema).max(32),
  warnings: z.array(FaultCodeSchema).max(32),
});
export type DeviceHealth = z.infer<typeof DeviceHealth>;

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
  // ── issue 10: self-test and remote hands ──
  // ── issue 10: help requests (求助) ──
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
  // ── issue 10: help requests (an operator's answer shown on the kiosk) ──
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

/** Clock skew beyond which the kiosk raises CLOCK_SKEW. */
export const CLOCK_SKEW_LIMIT_MS = 60_000;
/** HQ refuses a signature whose timestamp is further than this from its own clock. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;
/** and a nonce it has seen within this long */
export const NONCE_WINDOW_MS = 10 * 60_000;
/** a kiosk is offline after this many of its own heartbeat intervals without one */
export const OFFLINE_AFTER_INTERVALS = 3;
