/**
 * HQ's answers about how well the fleet serves people, as the console and the server both see
 * them: availability inside promised hours (per kiosk, service and day) and first-time success
 * (per service, district, kiosk). Read-only, any signed-in role.
 *
 * Days are the kiosk's own local calendar days (its promised hours' time zone). Time is counted in
 * milliseconds of promised time:
 * - `upMs`: the service was usable (in service, its devices healthy, its back office up, not
 *   locked, online);
 * - `downMs`: HQ knows it was not usable;
 * - `noDataMs`: HQ does not know (link or HQ down): *coverage*, never counted as up or down;
 * - `maintenanceMs`: inside a maintenance window declared beforehand: excluded from both sides.
 * promisedMs = upMs + downMs + noDataMs + maintenanceMs.
 */
import { z } from 'zod';

export const ANALYTICS_MAX_DAYS = 92;
/** YYYY-MM-DD */
export const DaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date "YYYY-MM-DD"');
export const GROUP_BYS = ['district', 'site', 'kiosk'] as const;
export const GroupBySchema = z.enum(GROUP_BYS);
export type GroupBy = z.infer<typeof GroupBySchema>;

/** The filters both reports take (query string). `to` is inclusive; at most ANALYTICS_MAX_DAYS days. */
export const AnalyticsQuerySchema = z.object({
  from: DaySchema,
  to: DaySchema,
  groupBy: GroupBySchema.default('kiosk'),
  district: z.string().max(64).optional(),
  site: z.string().max(64).optional(),
  kioskId: z.string().max(64).optional(),
  /** a service name (contracts/hq.ts ServiceNameSchema); absent: every service */
  service: z.string().max(40).optional(),
});
export type AnalyticsQuery = z.infer<typeof AnalyticsQuerySchema>;

// ───────────────────────────── availability ─────────────────────────────

export const AvailabilityTimesSchema = z.object({
  promisedMs: z.number().nonnegative(),
  upMs: z.number().nonnegative(),
  downMs: z.number().nonnegative(),
  noDataMs: z.number().nonnegative(),
  maintenanceMs: z.number().nonnegative(),
  /** upMs / (upMs + downMs); null when neither (nothing promised, or no data at all) */
  availability: z.number().min(0).max(1).nullable(),
  /** (upMs + downMs) / (promisedMs − maintenanceMs); null when nothing was promised outside maintenance */
  coverage: z.number().min(0).max(1).nullable(),
});
export type AvailabilityTimes = z.infer<typeof AvailabilityTimesSchema>;

export const AvailabilityRowSchema = z.object({
  /** the group's key: a district, a site or a kiosk id */
  key: z.string(),
  district: z.string().nullable(),
  site: z.string().nullable(),
  kioskCount: z.number().int().nonnegative(),
  totals: AvailabilityTimesSchema,
  /** one per day of the range, in order */
  days: z.array(AvailabilityTimesSchema.extend({ day: DaySchema })),
});
export type AvailabilityRow = z.infer<typeof AvailabilityRowSchema>;

/** `GET /api/v1/availability?…` (AnalyticsQuerySchema); `GET /api/v1/availability.csv?…` the same as CSV. */
export const AvailabilityReportSchema = z.object({
  from: DaySchema,
  to: DaySchema,
  groupBy: GroupBySchema,
  service: z.string().nullable(),
  days: z.array(DaySchema),
  /** ranked worst first (lowest availability; no data last) */
  rows: z.array(AvailabilityRowSchema),
});
export type AvailabilityReport = z.infer<typeof AvailabilityReportSchema>;

export const SEGMENT_STATES = ['up', 'down', 'no-data', 'maintenance', 'not-promised'] as const;
export const SegmentStateSchema = z.enum(SEGMENT_STATES);

/** `GET /api/v1/kiosks/:id/day/:date`: one kiosk's local day, for the drill-down timeline. */
export const KioskDaySchema = z.object({
  kioskId: z.string(),
  day: DaySchema,
  timezone: z.string(),
  /** the promised-hours version in force that day (as the kiosk reported it), null when none known */
  hoursVersion: z.string().nullable(),
  /** the day's bounds, epoch ms */
  start: z.number(),
  end: z.number(),
  /** per service: contiguous segments covering [start, end) */
  services: z.array(
    z.object({
      service: z.string(),
      times: AvailabilityTimesSchema,
      segments: z.array(z.object({ from: z.number(), to: z.number(), state: SegmentStateSchema, reason: z.string().nullable() })),
    }),
  ),
  /** the kiosk's states that day (history), alarms raised or open, sessions by hour */
  states: z.array(z.object({ at: z.number(), state: z.string(), detail: z.string().nullable() })),
  alarms: z.array(z.object({ id: z.string(), code: z.string(), severity: z.string(), raisedAt: z.string(), clearedAt: z.string().nullable() })),
  sessions: z.array(z.object({ at: z.string(), service: z.string(), outcome: z.string() })),
});
export type KioskDay = z.infer<typeof KioskDaySchema>;

// ───────────────────────────── first-time success ─────────────────────────────

/** Why a session failed, as the kiosk classifies it (session.ended's `failure`). */
export const FAILURE_REASONS = ['device', 'back-office', 'payment', 'timeout', 'cancelled'] as const;
export const FailureReasonSchema = z.enum(FAILURE_REASONS);
export type FailureReason = z.infer<typeof FailureReasonSchema>;

/** The seeds' target for first-time success (the report's `target`). */
export const FIRST_TIME_SUCCESS_TARGET = 0.9;
/** A session that starts within this long after the same person's session at the same kiosk (same service) ended is a retry, not a first try. */
export const RETRY_WINDOW_MS = 30 * 60_000;

/**
 * The funnel of each service: its steps in the flow's order, named as the flow's machine names
 * them (session.ended's `lastStep` is `session.flow.<step>`; contracts/session-funnel.ts maps every
 * other state of the flow onto one of these). A session that reached a step reached all before it.
 */
export const FUNNEL_STEPS = {
  providentFundStatement: ['identifying', 'choosingPeriod', 'fetching', 'preview', 'printing'],
  hospitalRegistration: ['identifying', 'choosingDepartment', 'choosingDoctor', 'choosingSlot', 'confirmingFee', 'paying', 'registering', 'printingSlip'],
} as const satisfies Record<string, readonly string[]>;
export type FunnelService = keyof typeof FUNNEL_STEPS;

export const FirstTimeRowSchema = z.object({
  key: z.string(),
  service: z.string(),
  district: z.string().nullable(),
  site: z.string().nullable(),
  started: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  /** ended without completing, by the last step reached */
  abandoned: z.number().int().nonnegative(),
  failed: z.record(FailureReasonSchema, z.number().int().nonnegative()),
  /** people who completed on a later try within 30 minutes at the same kiosk (their first try counts as failed) */
  completedOnRetry: z.number().int().nonnegative(),
  /** first tries (a retry within 30 minutes at the same kiosk is none): the rate's denominator, so groups add up exactly */
  firstTries: z.number().int().nonnegative(),
  /** first tries that completed / first tries; null with no sessions */
  firstTimeSuccessRate: z.number().min(0).max(1).nullable(),
  /** how many sessions reached each step, in the flow's order (the funnel) */
  funnel: z.array(z.object({ step: z.string(), reached: z.number().int().nonnegative() })),
  abandonedAt: z.array(z.object({ step: z.string(), count: z.number().int().nonnegative() })),
});
export type FirstTimeRow = z.infer<typeof FirstTimeRowSchema>;

/** `GET /api/v1/first-time-success?…` (AnalyticsQuerySchema; rows per service × group, worst rate first). */
export const FirstTimeReportSchema = z.object({
  from: DaySchema,
  to: DaySchema,
  groupBy: GroupBySchema,
  /** the target the seeds set: 90 % */
  target: z.number(),
  rows: z.array(FirstTimeRowSchema),
});
export type FirstTimeReport = z.infer<typeof FirstTimeReportSchema>;
