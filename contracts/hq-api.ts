/**
 * HQ's operator API (JSON under /api/v1/, a session cookie from /api/v1/login, `X-CSRF-Token` on
 * every write), as the console (`hq/dashboard/`) and the server (`hq/server/`) both see it.
 */
import { z } from 'zod';
import { AlarmSeveritySchema, DeviceNameSchema, FaultCodeSchema, HqCommandTypeSchema } from './hq.ts';
import type { KioskStatusName } from './bridge.ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;
/** viewer reads; operator also acknowledges, clears and sends commands; admin also manages users and kiosks */
export const roleAllows = (role: Role, needed: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(needed);

export const KIOSK_STATES = ['in-service', 'degraded', 'out-of-service', 'out-of-hours', 'maintenance', 'locked', 'offline'] as const;
export const KioskStateSchema = z.enum(KIOSK_STATES);
export type KioskState = z.infer<typeof KioskStateSchema>;

/** What HQ calls the kiosk's lifecycle status (offline is HQ's own verdict, from missed heartbeats). */
export function kioskStateOf(lifecycle: KioskStatusName): Exclude<KioskState, 'offline'> {
  switch (lifecycle) {
    case 'inService':
      return 'in-service';
    case 'degraded':
      return 'degraded';
    case 'outOfHours':
      return 'out-of-hours';
    case 'remoteLocked':
    case 'remoteLockPending':
      return 'locked';
    case 'maintenance':
    case 'verifyingPin':
      return 'maintenance';
    default:
      return 'out-of-service'; // booting, selfTest, outOfService
  }
}

export const LoginRequestSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
export const LoginResponseSchema = z.object({ csrfToken: z.string(), user: z.object({ name: z.string(), role: RoleSchema }) });
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const KioskSummarySchema = z.object({
  id: z.string(),
  site: z.string().nullable(),
  district: z.string().nullable(),
  address: z.string().nullable().optional(),
  state: KioskStateSchema,
  lastSeenAt: z.string().nullable(),
  activeAlarms: z.number().int().nonnegative(),
  /** the most severe active alarm, for worst-first ordering */
  worstSeverity: AlarmSeveritySchema.nullable().optional(),
});
export type KioskSummary = z.infer<typeof KioskSummarySchema>;
export const KioskListSchema = z.object({ kiosks: z.array(KioskSummarySchema) });

export const ALARM_STATUSES = ['active-unack', 'active-ack', 'cleared-unack', 'cleared-ack'] as const;
export const AlarmStatusSchema = z.enum(ALARM_STATUSES);
export type AlarmStatus = z.infer<typeof AlarmStatusSchema>;

export const AlarmSchema = z.object({
  id: z.string(),
  kioskId: z.string(),
  code: FaultCodeSchema,
  severity: AlarmSeveritySchema,
  status: AlarmStatusSchema,
  /** the kiosk's clock when raised / cleared */
  raisedAt: z.string(),
  clearedAt: z.string().nullable(),
  /** HQ's clock when it learnt of it */
  receivedAt: z.string().optional(),
  ackedAt: z.string().nullable(),
  ackedBy: z.string().nullable(),
  clearedBy: z.string().nullable().optional(),
  comment: z.string().nullable().optional(),
  device: z.string().nullable().optional(),
  detail: z.string().nullable().optional(),
  /** how many times it was raised (a flapping fault stays one alarm) */
  count: z.number().int().positive(),
  /** issue 11, screen alarms: GET this for the frame the kiosk sent (a PNG), or a 404 saying why it sent none */
  frameUrl: z.string().optional(),
});
export type Alarm = z.infer<typeof AlarmSchema>;
export const AlarmListSchema = z.object({ alarms: z.array(AlarmSchema) });
export const AlarmActionSchema = z.object({ comment: z.string().max(500).optional() });

export const COMMAND_STATUSES = ['queued', 'delivered', 'succeeded', 'failed', 'expired'] as const;
export const CommandStatusSchema = z.enum(COMMAND_STATUSES);
export const CommandRequestSchema = z.object({
  type: HqCommandTypeSchema,
  reason: z.string().max(200).optional(),
  /** the command's arguments (contracts/hq.ts HqCommands), e.g. set-promised-hours' hours */
  args: z.record(z.string(), z.unknown()).optional(),
});
/** A screenshot a `screenshot` command brought back: served by `GET url` until it expires (issue 10). */
export const ScreenshotInfoSchema = z.object({ url: z.string(), contentType: z.string(), bytes: z.number().int().nonnegative(), takenAt: z.string(), expiresAt: z.string() });
export type ScreenshotInfo = z.infer<typeof ScreenshotInfoSchema>;
export const CommandViewSchema = z.object({
  id: z.string(),
  kioskId: z.string().optional(),
  type: HqCommandTypeSchema,
  status: CommandStatusSchema,
  result: z.string().nullable(),
  issuedBy: z.string().optional(),
  issuedAt: z.string().optional(),
  deliveredAt: z.string().nullable().optional(),
  finishedAt: z.string().nullable().optional(),
  /** a `screenshot` command's image while HQ keeps it */
  screenshot: ScreenshotInfoSchema.nullable().optional(),
});
export type CommandView = z.infer<typeof CommandViewSchema>;

/** The latest self-test a kiosk reported (`self-test.result`, issue 10). */
export const SelfTestViewSchema = z.object({
  trigger: z.string(),
  ready: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  /** the kiosk's clock */
  at: z.string(),
  receivedAt: z.string(),
});
export type SelfTestView = z.infer<typeof SelfTestViewSchema>;

/** Kiosk detail (GET /api/v1/kiosks/:id): the console's kiosk page. */
export const KioskDetailSchema = KioskSummarySchema.extend({
  lifecycle: z.string().nullable(),
  /** `noisy`: the device's line carries noise now that decodes to nothing (issue 11; no fault comes of it) */
  devices: z.partialRecord(DeviceNameSchema, z.object({ state: z.string(), faults: z.array(z.string()), warnings: z.array(z.string()), noisy: z.boolean().optional() })),
  hoursOpen: z.boolean().nullable(),
  /** the promised-hours version in force, as the kiosk reported it (`hours.config`; null: never reported) */
  hoursVersion: z.string().nullable().optional(),
  link: z.object({
    lastSeenAt: z.string().nullable(),
    outboxBacklog: z.number().int().nullable(),
    /** highest seq received with nothing missing below it */
    contiguousSeq: z.number().int(),
    highestSeq: z.number().int(),
    /** seq ranges HQ knows it has not received */
    gaps: z.array(z.object({ from: z.number().int(), to: z.number().int() })),
    heartbeatSeconds: z.number().int().nullable(),
    clockSkewMs: z.number().int().nullable(),
  }),
  alarms: z.array(AlarmSchema),
  sessions: z.array(z.object({ at: z.string(), service: z.string(), outcome: z.string(), lastStep: z.string(), durationMs: z.number() })),
  commands: z.array(CommandViewSchema),
  /** state changes, newest first (heartbeats store only changes) */
  history: z.array(
    z.object({
      at: z.string(),
      state: z.string(),
      lifecycle: z.string().nullable(),
      /** heartbeat | offline | online | agent.started | lockout.* | hours.config | recovery (issue 11: a rung of the watchdog's recovery ladder) */
      kind: z.string().optional(),
      detail: z.string().nullable().optional(),
    }),
  ),
  /** the latest self-test (null: none reported yet) */
  selfTest: SelfTestViewSchema.nullable().optional(),
});
export type KioskDetail = z.infer<typeof KioskDetailSchema>;

export const AuditEntrySchema = z.object({ id: z.string(), at: z.string(), user: z.string(), action: z.string(), target: z.string().nullable(), detail: z.string().nullable() });
export const AuditListSchema = z.object({ entries: z.array(AuditEntrySchema) });
