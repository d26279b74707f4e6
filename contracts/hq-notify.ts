/**
 * Alarms in the ops group chat (issue 10): notification channels (WeCom / DingTalk / Feishu group
 * robots, a generic signed JSON webhook), silences and maintenance windows, as the console, the CLI
 * and HQ (`hq/server/notify/`) all see them; and the body of the generic webhook, which is also
 * what HQ's delivery outbox keeps for every message.
 *
 * A channel's URL is the whole address the robot's settings page gives (its key / access_token /
 * hook token inside): HQ keeps it sealed and only ever shows it masked. Every robot type also
 * accepts an `http://` URL on this machine (127.0.0.1, localhost, [::1]) — a local receiver for
 * tests and development, like the kiosk config's rule for its HQ URL.
 */
import { z } from 'zod';
import { ALARM_SEVERITIES, type AlarmSeverity } from './faults.ts';
import { AlarmSeveritySchema, FaultCodeSchema } from './hq.ts';

export const CHANNEL_TYPES = ['wecom', 'dingtalk', 'feishu', 'webhook'] as const;
export const ChannelTypeSchema = z.enum(CHANNEL_TYPES);
export type ChannelType = z.infer<typeof ChannelTypeSchema>;

/** Alertmanager's defaults: wait before a new group's first message, between its updates, before repeating it unchanged */
export const DEFAULT_GROUP_WAIT_S = 30;
export const DEFAULT_GROUP_INTERVAL_S = 5 * 60;
export const DEFAULT_REPEAT_S = 4 * 3600;

/** Messages a robot accepts per minute (its documented limit); null: no limit of the robot's own */
export const ROBOT_PER_MINUTE: Record<ChannelType, number | null> = { wecom: 20, dingtalk: 20, feishu: 100, webhook: null };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** What each robot's settings page gives, as `https://host/path` + the token's place. */
const ROBOT_URLS: Record<Exclude<ChannelType, 'webhook'>, { hosts: string[]; path: RegExp; token: (u: URL) => string | null; example: string }> = {
  wecom: {
    hosts: ['qyapi.weixin.qq.com'],
    path: /^\/cgi-bin\/webhook\/send$/,
    token: (u) => u.searchParams.get('key'),
    example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…',
  },
  dingtalk: {
    hosts: ['oapi.dingtalk.com'],
    path: /^\/robot\/send$/,
    token: (u) => u.searchParams.get('access_token'),
    example: 'https://oapi.dingtalk.com/robot/send?access_token=…',
  },
  feishu: {
    hosts: ['open.feishu.cn', 'open.larksuite.com'],
    path: /^\/open-apis\/bot\/v2\/hook\/[A-Za-z0-9._~-]+$/,
    token: (u) => u.pathname.split('/').pop() ?? null,
    example: 'https://open.feishu.cn/open-apis/bot/v2/hook/…',
  },
};

/** An `http://` URL on this machine: accepted for every channel type (a local receiver). */
export function isLoopbackUrl(u: URL): boolean {
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

/** What is wrong with `url` for a channel of `type`, in one sentence, or null when it is fine. */
export function channelUrlProblem(type: ChannelType, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url.length > 60 ? `${url.slice(0, 60)}…` : url}" is not a URL`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `must be an http(s):// URL, not ${u.protocol}`;
  if (isLoopbackUrl(u)) return null;
  if (type === 'webhook') return null;
  const rule = ROBOT_URLS[type];
  if (u.protocol !== 'https:' || !rule.hosts.includes(u.hostname) || !rule.path.test(u.pathname)) return `a ${type} robot's address looks like ${rule.example} (copy it whole from the robot's settings)`;
  const token = rule.token(u);
  if (!token || !/^[A-Za-z0-9._~-]{8,200}$/.test(token)) return `the ${type} robot's token in the URL is missing or malformed (copy the address whole from the robot's settings)`;
  return null;
}

const name = z.string().trim().min(1).max(80);
const place = (max: number) => z.string().trim().min(1).max(max);

/** `POST /api/v1/channels` (admin) and `zizhu hq channel add`. */
export const NewChannelSchema = z
  .object({
    name: name.optional(),
    type: ChannelTypeSchema,
    url: z.string().trim().min(1).max(2000),
    /** DingTalk's SEC… sign secret, Feishu's signature key, the webhook's HMAC key */
    secret: z.string().min(1).max(200).optional(),
    district: place(100).optional(),
    /** the site's own channel: only its kiosks' alarms */
    site: place(200).optional(),
    minSeverity: AlarmSeveritySchema.default('warning'),
    /** only these fault codes (absent: all) */
    codes: z.array(FaultCodeSchema).min(1).max(64).optional(),
    groupWaitS: z.number().int().min(0).max(3600).default(DEFAULT_GROUP_WAIT_S),
    groupIntervalS: z.number().int().min(1).max(86_400).default(DEFAULT_GROUP_INTERVAL_S),
    repeatS: z.number().int().min(60).max(7 * 86_400).default(DEFAULT_REPEAT_S),
  })
  .superRefine((c, ctx) => {
    const problem = channelUrlProblem(c.type, c.url);
    if (problem) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
  });
export type NewChannel = z.input<typeof NewChannelSchema>;

export const ChannelViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: ChannelTypeSchema,
  /** the URL with its token masked (`key=693a****5aaa`) */
  urlMasked: z.string(),
  hasSecret: z.boolean(),
  district: z.string().nullable(),
  site: z.string().nullable(),
  minSeverity: AlarmSeveritySchema,
  codes: z.array(z.string()).nullable(),
  groupWaitS: z.number().int(),
  groupIntervalS: z.number().int(),
  repeatS: z.number().int(),
  /** the robot's own limit HQ keeps to */
  perMinute: z.number().int().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  lastDeliveryAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  /** the robot refused for good (bad token, signature, keyword…): fix the channel */
  lastErrorPermanent: z.boolean(),
  /** messages waiting in the outbox, and given up on (permanent errors) */
  pending: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type ChannelView = z.infer<typeof ChannelViewSchema>;
export const ChannelListSchema = z.object({ channels: z.array(ChannelViewSchema) });

/** `POST /api/v1/channels/:id/test`: a test message went through the outbox (waited for up to a few seconds) */
export const ChannelTestResultSchema = z.object({ outcome: z.enum(['sent', 'failed', 'pending']), error: z.string().nullable() });
export type ChannelTestResult = z.infer<typeof ChannelTestResultSchema>;

// ───────────────────────────── silences ─────────────────────────────

const isoTime = z.iso.datetime({ offset: true });

/** `POST /api/v1/silences` (operator): every matcher given must match (kiosk AND site AND code); at least one. */
export const NewSilenceSchema = z
  .object({
    kioskId: place(64).optional(),
    site: place(200).optional(),
    code: FaultCodeSchema.optional(),
    /** when it expires: `endsAt`, or `durationMinutes` from now */
    endsAt: isoTime.optional(),
    durationMinutes: z.number().int().min(1).max(30 * 24 * 60).optional(),
    comment: z.string().trim().min(1).max(500),
  })
  .superRefine((s, ctx) => {
    if (!s.kioskId && !s.site && !s.code) ctx.addIssue({ code: 'custom', path: ['kioskId'], message: 'a silence needs at least one matcher: kioskId, site or code' });
    if ((s.endsAt === undefined) === (s.durationMinutes === undefined)) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'give exactly one of endsAt and durationMinutes' });
  });
export type NewSilence = z.input<typeof NewSilenceSchema>;

export const SilenceViewSchema = z.object({
  id: z.string(),
  kioskId: z.string().nullable(),
  site: z.string().nullable(),
  code: z.string().nullable(),
  startsAt: z.string(),
  endsAt: z.string(),
  comment: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  /** who expired it early */
  expiredBy: z.string().nullable(),
  state: z.enum(['active', 'expired']),
});
export type SilenceView = z.infer<typeof SilenceViewSchema>;
export const SilenceListSchema = z.object({ silences: z.array(SilenceViewSchema) });

// ───────────────────────────── maintenance windows ─────────────────────────────

/**
 * `POST /api/v1/maintenance-windows` (operator): exactly one of kioskId, site, district; declared
 * beforehand (it may not start in the past). Inside it the kiosks' alarms notify nobody and the time
 * is left out of availability.
 */
export const NewMaintenanceWindowSchema = z
  .object({
    kioskId: place(64).optional(),
    site: place(200).optional(),
    district: place(100).optional(),
    /** absent: now */
    startsAt: isoTime.optional(),
    endsAt: isoTime,
    reason: z.string().trim().min(1).max(500),
  })
  .superRefine((m, ctx) => {
    if ([m.kioskId, m.site, m.district].filter((x) => x !== undefined).length !== 1) ctx.addIssue({ code: 'custom', path: ['kioskId'], message: 'give exactly one of kioskId, site and district' });
    if (m.startsAt !== undefined && Date.parse(m.endsAt) <= Date.parse(m.startsAt)) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
  });
export type NewMaintenanceWindow = z.input<typeof NewMaintenanceWindowSchema>;

export const MaintenanceWindowViewSchema = z.object({
  id: z.string(),
  kioskId: z.string().nullable(),
  site: z.string().nullable(),
  district: z.string().nullable(),
  startsAt: z.string(),
  endsAt: z.string(),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  state: z.enum(['upcoming', 'current', 'past']),
});
export type MaintenanceWindowView = z.infer<typeof MaintenanceWindowViewSchema>;
export const MaintenanceWindowListSchema = z.object({ windows: z.array(MaintenanceWindowViewSchema) });
/** `POST /api/v1/maintenance-windows/:id/end`: an upcoming window is cancelled (deleted), a current one ends now */
export const MaintenanceEndResultSchema = MaintenanceWindowViewSchema.extend({ cancelled: z.boolean() });

// ───────────────────────────── one message ─────────────────────────────

export const NotifiedAlarmSchema = z.object({
  alarmId: z.string(),
  kioskId: z.string(),
  code: z.string(),
  severity: AlarmSeveritySchema,
  status: z.enum(['firing', 'resolved']),
  detail: z.string().nullable(),
  device: z.string().nullable(),
  site: z.string().nullable(),
  district: z.string().nullable(),
  address: z.string().nullable(),
  /** the kiosk's clock when it was first raised */
  since: z.string(),
  resolvedAt: z.string().nullable(),
  /** the operator who cleared it by hand (null: the kiosk or HQ said it was over) */
  clearedBy: z.string().nullable(),
  /** how many times it was raised */
  count: z.number().int().positive(),
  /** the kiosk in the console */
  url: z.string(),
});
export type NotifiedAlarm = z.infer<typeof NotifiedAlarmSchema>;

/**
 * One notification: a group's alarms (a site's, or a kiosk's without a site) still firing and those
 * resolved since its last message. The generic webhook's body is exactly this JSON, sent with
 * `x-zizhu-timestamp`, `x-zizhu-nonce` and, when the channel has a secret, `x-zizhu-signature` =
 * contracts/hq-signing.ts `ingestSignature(secret, timestamp, nonce, body, <the URL's path>)`.
 */
export const NotifyMessageSchema = z.object({
  version: z.literal(1),
  kind: z.enum(['firing', 'resolved', 'test']),
  channel: z.object({ id: z.string(), name: z.string() }),
  group: z.object({ key: z.string(), site: z.string().nullable(), district: z.string().nullable() }),
  /** one line: what and where */
  title: z.string(),
  firing: z.array(NotifiedAlarmSchema),
  resolved: z.array(NotifiedAlarmSchema),
  /** HQ's clock when the message was made */
  at: z.string(),
  consoleUrl: z.string(),
});
export type NotifyMessage = z.infer<typeof NotifyMessageSchema>;

export const severityRank = (s: AlarmSeverity): number => ALARM_SEVERITIES.length - ALARM_SEVERITIES.indexOf(s);
/** `s` is at least as severe as `min` */
export const atLeast = (s: AlarmSeverity, min: AlarmSeverity): boolean => severityRank(s) >= severityRank(min);
