/**
 * The kiosk config: what one machine is, where it stands, what it offers, which devices it
 * drives over which ports, when it promises to be usable, and where HQ and the back offices are.
 *
 * Every object is strict: an unknown key is an error, so a typo (`baudrate`) never passes
 * silently. Defaults fill what is usually the same everywhere. Secrets are never in the file:
 * they are referenced (`env:NAME` or `file:/absolute/path`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { JsonSyntaxError, parseJsonSource, type JsonSource } from './json-source.ts';

// ───────────────────────────── small building blocks ─────────────────────────────

/** For schemas that are transforms over a structure: the structure, so "did you mean" can list its keys. */
const SHAPE_OF = new WeakMap<z.ZodType, z.ZodType>();

export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200] as const;

const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });

/** A USB vendor/product id: a number 0–65535 or a hex string such as "0x0c2e". */
const USB_ID_HINT = 'expected a USB id: a number 0–65535 or a hex string like "0x0c2e"';
const usbId = z
  .union([z.number(), z.string()], { error: (iss) => `${USB_ID_HINT}${describeGot(iss.input)}` })
  .transform((v, ctx) => {
    const n = typeof v === 'number' ? v : /^0x[0-9a-fA-F]{1,4}$/.test(v) ? Number.parseInt(v, 16) : NaN;
    if (Number.isInteger(n) && n >= 0 && n <= 0xffff) return n;
    ctx.addIssue({ code: 'custom', message: `${USB_ID_HINT}${describeGot(v)}` });
    return z.NEVER;
  });

const httpUrl = z.url({ protocol: /^https?$/, error: (iss) => `expected an http:// or https:// URL${describeGot(iss.input)}` });

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** https, or http to this machine only (simulators, development): credentials travel on this link. */
const secureUrl = httpUrl.refine((u) => u.startsWith('https://') || LOOPBACK_HOSTS.has(new URL(u).hostname), {
  error: (iss) => `must be an https:// URL (http:// only to localhost/127.0.0.1)${describeGot(iss.input)}`,
});

/** A reference to a secret held outside the config file. */
export const credentialsRef = z
  .string()
  .regex(/^(env:[A-Z_][A-Z0-9_]*|file:\/\S+)$/, {
    error: 'expected a reference to a secret — "env:NAME" (upper-case variable) or "file:/absolute/path" — never the secret itself',
  });

const reopenPolicy = z
  .strictObject({
    initialMs: z.number().int().min(10).max(60_000).optional(),
    maxMs: z.number().int().min(100).max(600_000).optional(),
    factor: z.number().min(1).max(10).optional(),
  })
  .optional();

function serialTransport(defaultBaud: (typeof BAUD_RATES)[number]) {
  return z.strictObject({
    type: z.literal('serial'),
    /** a stable path is best: /dev/serial/by-id/… */
    path: nonEmpty,
    baudRate: z.literal(BAUD_RATES).default(defaultBaud),
    reopen: reopenPolicy,
  });
}

const hidTransport = z.strictObject({
  type: z.literal('hid'),
  vendorId: usbId,
  productId: usbId,
  /** pick one device when several with the same ids are plugged in */
  serialNumber: nonEmpty.optional(),
  reopen: reopenPolicy,
});

const tcpTransport = z.strictObject({
  type: z.literal('tcp'),
  host: nonEmpty,
  port: z.number().int().min(1).max(65535),
  reopen: reopenPolicy,
});

/** How the agent reaches a device. Serial baud rate defaults to what that device usually ships with. */
export function transportSchema(defaultBaud: (typeof BAUD_RATES)[number]) {
  return z.discriminatedUnion('type', [serialTransport(defaultBaud), hidTransport, tcpTransport]);
}
export type Transport = z.output<ReturnType<typeof transportSchema>>;

// ───────────────────────────── devices ─────────────────────────────

const idReader = z.strictObject({
  /** GA 467 SAM readers talk 115200 8N1. */
  transport: transportSchema(115200),
  /** how often the reader is asked "is a card there?" (find card) */
  pollIntervalMs: z.number().int().min(50).max(5_000).default(300),
});

const printer = z.strictObject({
  transport: transportSchema(38400),
  /** `custom-vkp80` is a presenter printer: a ticket is delivered when it is seen in the output and then taken. */
  profile: z.enum(['epson-generic', 'custom-vkp80']).default('epson-generic'),
  paperWidthMm: z.literal([58, 80]).default(80),
  /** completion id (GS ( H) must arrive within this after the job was sent */
  completionTimeoutMs: z.number().int().min(1_000).max(120_000).default(20_000),
  /** presenter printers: how long a ticket may wait in the output before PRINT_NOT_TAKEN */
  takeTimeoutSeconds: z.number().int().min(5).max(600).default(60),
  /** this many jobs in a row accepted with a clean status and not delivered make the printer PRINTER_NOT_DELIVERING (printing stops being offered) */
  notDeliveringAfterJobs: z.number().int().min(1).max(10).default(2),
});

const scanner = z
  .strictObject({
    transport: transportSchema(9600),
    /** `hid-pos` needs a hid transport; `serial` (USB-CDC line mode) a serial or tcp transport. Defaults from the transport. */
    mode: z.enum(['hid-pos', 'serial']).optional(),
    /** HID-POS report layout */
    layout: z.enum(['honeywell', 'newland']).default('honeywell'),
    /** serial line mode: what ends one scanned code */
    lineTerminator: z.enum(['CR', 'LF', 'CRLF']).default('CR'),
    /** the same code read again within this window is one scan */
    duplicateWindowMs: z.number().int().min(0).max(60_000).default(1_500),
  })
  .transform((s) => ({ ...s, mode: s.mode ?? (s.transport.type === 'hid' ? ('hid-pos' as const) : ('serial' as const)) }));

const devices = z.strictObject({
  idReader: idReader.optional(),
  printer: printer.optional(),
  scanner: scanner.optional(),
});

// ───────────────────────────── hours ─────────────────────────────

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One open–close range in local time; `close` may be 24:00. */
export interface TimeRange {
  open: string;
  close: string;
  /** minutes after local midnight */
  openMinute: number;
  closeMinute: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const minuteOf = (hhmm: string) => (hhmm === '24:00' ? 1440 : Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)));

/** "07:00-20:00"; a range that crosses midnight is written as two ranges on two days. */
const timeRange = z.string().transform((text, ctx): TimeRange => {
  const m = /^\s*(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})\s*$/.exec(text);
  const [open, close] = m ? [m[1]!, m[2]!] : ['', ''];
  if (!m || !HHMM.test(open) || !(HHMM.test(close) || close === '24:00')) {
    ctx.addIssue({ code: 'custom', message: `expected a time range "HH:MM-HH:MM" such as "07:00-20:00" (close may be "24:00")${describeGot(text)}` });
    return z.NEVER;
  }
  const r = { open, close, openMinute: minuteOf(open), closeMinute: minuteOf(close) };
  if (r.closeMinute <= r.openMinute) {
    ctx.addIssue({
      code: 'custom',
      message: `closes (${close}) before it opens (${open}); a range that crosses midnight is two ranges: "${open}-24:00" on one day and "00:00-${close}" on the next`,
    });
    return z.NEVER;
  }
  return r;
});

const dayRanges = z.array(timeRange).superRefine((ranges, ctx) => {
  const sorted = ranges.map((r, i) => ({ r, i })).sort((a, b) => a.r.openMinute - b.r.openMinute);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!;
    const cur = sorted[k]!;
    if (cur.r.openMinute < prev.r.closeMinute)
      ctx.addIssue({ code: 'custom', path: [cur.i], message: `overlaps ${prev.r.open}-${prev.r.close}; merge the two ranges` });
  }
});

const weeklySchedule = z.strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, dayRanges])) as Record<Weekday, typeof dayRanges>);
type WeeklySchedule = z.output<typeof weeklySchedule>;
type WeeklyInput = '24/7' | Record<Weekday, string[]>;

/**
 * "24/7" or a schedule. Not a z.union: a union would hide the schedule's own errors (a bad range
 * on Tuesday) behind "matches neither"; here the schedule's issues come through with their paths.
 */
const weekly = z.custom<WeeklyInput>().transform((v, ctx): '24/7' | WeeklySchedule => {
  if (v === '24/7') return v;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: `expected "24/7" or an object with mon…sun, each a list of ranges ([] = closed)${describeGot(v)}` });
    return z.NEVER;
  }
  const r = weeklySchedule.safeParse(v, { error: issueMessage, reportInput: true });
  if (r.success) return r.data;
  for (const iss of r.error.issues) ctx.addIssue({ ...(iss as z.core.$ZodRawIssue), input: undefined });
  return z.NEVER;
});
SHAPE_OF.set(weekly, weeklySchedule);

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isCalendarDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** A holiday or other exception: its own ranges, or closed all day. */
const exceptionDay = z
  .strictObject({
    date: z.string().refine(isCalendarDate, { error: (iss) => `expected a calendar date "YYYY-MM-DD"${describeGot(iss.input)}` }),
    ranges: dayRanges.optional(),
    closed: z.literal(true).optional(),
    /** shown on the lockout screen, e.g. 春节 */
    reason: nonEmpty.optional(),
  })
  .superRefine((e, ctx) => {
    if ((e.ranges === undefined) === (e.closed === undefined))
      ctx.addIssue({ code: 'custom', message: 'give either "ranges" (open on that date) or "closed": true' });
  })
  .transform((e) => ({ date: e.date, ranges: e.closed ? [] : (e.ranges ?? []), ...(e.reason ? { reason: e.reason } : {}) }));

function exceptionList() {
  return z
    .array(exceptionDay)
    .default([])
    .superRefine((list, ctx) => {
      const seen = new Map<string, number>();
      list.forEach((e, i) => {
        const first = seen.get(e.date);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'date'], message: `${e.date} is already listed at [${first}]; one entry per date` });
        else seen.set(e.date, i);
      });
    });
}

// zones already checked: building an Intl.DateTimeFormat costs tens of microseconds, and HQ checks
// every kiosk's hours at every start (bounded: a flood of made-up names cannot grow it without end)
const checkedZones = new Map<string, boolean>();

export function isValidTimeZone(tz: string): boolean {
  const known = checkedZones.get(tz);
  if (known !== undefined) return known;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    valid = true;
  } catch {
    valid = false;
  }
  if (checkedZones.size >= 512) checkedZones.clear();
  checkedZones.set(tz, valid);
  return valid;
}

const timeZone = z.string().refine(isValidTimeZone, { error: (iss) => `expected an IANA time zone such as "Asia/Shanghai"${describeGot(iss.input)}` });

/** The hours the kiosk promises to be usable. Any unavailability inside them is an HQ alarm. */
const promisedHours = z.strictObject({
  timezone: timeZone.default('Asia/Shanghai'),
  weekly,
  exceptions: exceptionList(),
});
export type PromisedHours = z.output<typeof promisedHours>;

/** A service may keep shorter hours than the machine (registration only while clinics take patients). Same zone as promised hours. */
const serviceHours = z.strictObject({
  weekly,
  exceptions: exceptionList(),
});

// ───────────────────────────── services ─────────────────────────────

const providentFundStatement = z.strictObject({
  /** how a citizen identifies: the ID card, or the e-social-security-card QR code (needs the scanner) */
  identifyBy: z.array(z.enum(['idCard', 'eSocialSecurityQr'])).min(1).default(['idCard']),
  /** longest statement period offered, in months */
  maxPeriodMonths: z.number().int().min(1).max(120).default(36),
  hours: serviceHours.optional(),
});

const hospitalRegistration = z.strictObject({
  identifyBy: z.array(z.enum(['idCard', 'medicalInsuranceQr'])).min(1).default(['idCard', 'medicalInsuranceQr']),
  /** keep registering (slip shown on screen only) while the printer is out of service */
  allowWithoutPrinter: z.boolean().default(false),
  hours: serviceHours.optional(),
});

const payment = z.strictObject({
  /** nativeQr: the kiosk shows a code the patient scans; paymentCode: the scanner reads the patient's 付款码 */
  methods: z.array(z.enum(['nativeQr', 'paymentCode'])).min(1).default(['nativeQr', 'paymentCode']),
  /** an order not paid by then is closed */
  orderDeadlineSeconds: z.number().int().min(30).max(1_800).default(180),
});

const services = z.strictObject({
  providentFundStatement: providentFundStatement.optional(),
  hospitalRegistration: hospitalRegistration.optional(),
  payment: payment.optional(),
});
export type ServiceName = keyof z.output<typeof services>;

/**
 * HQ's `set-promised-hours` (issue 10): the promised hours and, per service, its own hours (null: the
 * service keeps the promised hours), in the config's input form. HQ checks a command's arguments with
 * it before queuing (`parseHoursChange`), and the kiosk again before applying them.
 */
const serviceHoursChange = z.strictObject({ hours: serviceHours.nullable() });
export const hoursChangeSchema = z.strictObject({
  promisedHours,
  services: z.strictObject({ providentFundStatement: serviceHoursChange.optional(), hospitalRegistration: serviceHoursChange.optional() }).optional(),
});
export type HoursChange = z.output<typeof hoursChangeSchema>;

// ───────────────────────────── HQ, back offices, UI ─────────────────────────────

/** HQ: where the link posts the kiosk's events (the secret from `credentialsRef`: env:NAME or a 0600 file) */
const hq = z.strictObject({
  url: secureUrl,
  credentialsRef,
  /** 1 s is for tests; a fleet uses tens of seconds (HQ calls a kiosk offline after 3 missed intervals) */
  heartbeatSeconds: z.number().int().min(1).max(3_600).default(30),
});
export type HqConfig = z.output<typeof hq>;

const backend = z.strictObject({
  url: httpUrl,
  credentialsRef: credentialsRef.optional(),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});

const paymentBackend = z.strictObject({
  url: secureUrl,
  credentialsRef,
  merchantId: nonEmpty,
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});

const backends = z.strictObject({
  providentFund: backend.optional(),
  his: backend.optional(),
  payment: paymentBackend.optional(),
});

const NEARBY_HOURS_HINT = 'e.g. {"weekly": "24/7"} or {"weekly": {"mon": ["09:00-18:00"], …, "sat": [], "sun": []}}; only machines open now are listed';

/** What older configs wrote as `hoursText` and still stands for hours: "24小时" (24/7), or one "HH:MM-HH:MM" range (every day). */
function hoursOfText(text: string): z.output<typeof serviceHours> | null {
  const t = text.trim();
  if (/^(24\s*(小时|h|hours?)|24\/7|全天)$/i.test(t)) return { weekly: '24/7', exceptions: [] };
  const range = timeRange.safeParse(t.replace(/\s*[–—~～]\s*/, '-'));
  if (!range.success) return null;
  return { weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, [range.data]])) as WeeklySchedule, exceptions: [] };
}

/** Another machine people can go to when this one cannot serve them: listed only while open by its hours, nearest first. */
const nearbyKiosk = z
  .strictObject({
    name: nonEmpty,
    location: nonEmpty,
    /** when it is open, in the promised hours' time zone */
    hours: serviceHours.optional(),
    /** older configs: "24小时" or "07:00-20:00" (every day) stand for `hours`; anything else needs `hours` */
    hoursText: nonEmpty.optional(),
    distanceMeters: z.number().int().min(0).optional(),
  })
  .transform(({ hours, hoursText, ...rest }, ctx) => {
    const known = hours ?? (hoursText === undefined ? null : hoursOfText(hoursText));
    if (known) return { ...rest, hours: known };
    const why = hoursText === undefined ? 'required: when is this machine open?' : `required: "hoursText" ${JSON.stringify(hoursText)} is not hours the kiosk can read;`;
    ctx.addIssue({ code: 'custom', path: ['hours'], message: `${why} ${NEARBY_HOURS_HINT}` });
    return z.NEVER;
  });
export type NearbyKioskConfig = z.output<typeof nearbyKiosk>;

const ui = z.strictObject({
  defaultLanguage: z.enum(['zh-CN', 'en']).default('zh-CN'),
  /** 长辈模式 may be switched on from the home screen */
  elderlyModeAllowed: z.boolean().default(true),
  idle: z
    .strictObject({
      /** no touch for this long on a step → warning, then back home */
      timeoutSeconds: z.number().int().min(15).max(600).default(60),
      /** the visible countdown before the reset */
      warningSeconds: z.number().int().min(3).max(120).default(15),
      elderlyTimeoutSeconds: z.number().int().min(15).max(1_200).default(120),
    })
    .prefault({}),
  hotline: z.string().regex(/^[0-9-]{3,20}$/, { error: 'expected a phone number (digits and dashes), e.g. "12345"' }).default('12345'),
  /** shown on the out-of-hours, out-of-service and "not printed" screens: those open now, nearest first */
  nearbyKiosks: z.array(nearbyKiosk).max(10).default([]),
});

/**
 * How long the journal keeps what people did (runtime/journal/retention.ts prunes on this schedule).
 * Recovery needs none of it once a session's payment is settled; a session whose payment is not
 * settled is kept whatever these say.
 */
const retention = z.strictObject({
  /** ended sessions and their events — the statements, balances and registrations people were shown (days) */
  sessionsDays: z.number().min(0.04).max(90).default(3),
  /** settled payments and finished print jobs — order numbers, amounts, faults; nothing personal (days) */
  recordsDays: z.number().min(1).max(1_100).default(180),
  /** HQ events after HQ acknowledged them (days) */
  outboxDays: z.number().min(0.04).max(90).default(7),
  /** how often the journal is pruned (minutes; also once at start) */
  pruneEveryMinutes: z.number().int().min(1).max(1_440).default(60),
});
export type RetentionConfig = z.output<typeof retention>;

/**
 * Issue 11, no false faults: how the drivers judge device faults and line noise
 * (drivers/transport/fault-debounce.ts and line-noise.ts). The defaults suit a real kiosk.
 */
const deviceFaults = z
  .strictObject({
    /** consistent status reads in a row before a status-derived fault (paper out, SAM fault …) is raised or cleared */
    confirmReads: z.number().int().min(1).max(10).default(3),
    /** line noise: one window of its record (ms) */
    noiseWindowMs: z.number().int().min(50).max(60_000).default(1_000),
    /** line noise: how many windows the record looks back on */
    noiseWindows: z.number().int().min(2).max(600).default(60),
    /** line noise: noisy windows among those that report *_LINE_NOISE (default: 30 s of noise in the last minute) */
    noisyWindowsToRaise: z.number().int().min(1).max(600).default(30),
    /** line noise: quiet windows in a row that end it */
    quietWindowsToClear: z.number().int().min(1).max(600).default(30),
  })
  .refine((d) => d.noisyWindowsToRaise <= d.noiseWindows, { path: ['noisyWindowsToRaise'], message: 'cannot exceed noiseWindows (the windows the record holds)' });
export type DeviceFaultsConfig = z.output<typeof deviceFaults>;

const agent = z.strictObject({
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  /** logs; the runtime picks a default when absent */
  logDir: nonEmpty.optional(),
  /** journal and other state; the runtime picks a default when absent */
  dataDir: nonEmpty.optional(),
  retention: retention.prefault({}),
  deviceFaults: deviceFaults.prefault({}),
});

/** The screen's shell (the Chromium the agent starts when Electron does not run it). */
const shell = z.strictObject({
  /**
   * Chromium cannot use its sandbox when the agent runs as root, and without it every page runs
   * with root's rights. Run the agent as the kiosk user (build/zizhu-agent.service); only a machine
   * where that is impossible says `true` here, and the agent then logs that it runs unsandboxed.
   */
  allowNoSandbox: z.boolean().default(false),
});

/**
 * issue 11: the machine around the screen, watched by the agent (runtime/watchdog/): the display
 * cable, the touch panel and the disk the journal lives on. The defaults suit a kiosk; tests shorten them.
 */
const watchdog = z.strictObject({
  display: z
    .strictObject({
      /** where the kernel lists display connectors (`card0-HDMI-A-1/status`); a machine without any has nothing to judge */
      drmDir: nonEmpty.default('/sys/class/drm'),
      checkEveryMs: z.number().int().min(100).max(60_000).default(2_000),
    })
    .prefault({}),
  touch: z
    .strictObject({
      /** people in a row who lay a card down or scan a code and cannot tap at all → TOUCH_UNRESPONSIVE (suspected) */
      untouchedInARow: z.number().int().min(1).max(50).default(3),
      /** how long such a person gets to tap before counting as untouched (ms) */
      approachMs: z.number().int().min(200).max(600_000).default(60_000),
    })
    .prefault({}),
  disk: z
    .strictObject({
      /** DISK_LOW below this much free space on the journal's disk (MiB; 0: not judged by size) … */
      minFreeMiB: z.number().min(0).max(10_000_000).default(200),
      /** … or below this share of it (%; 0: not judged by share) */
      minFreePercent: z.number().min(0).max(50).default(5),
      /** cleared only once free space is this much above both (MiB, %) */
      hysteresisMiB: z.number().min(0).max(100_000).default(50),
      hysteresisPercent: z.number().min(0).max(20).default(1),
      checkEveryMs: z.number().int().min(100).max(3_600_000).default(30_000),
    })
    .prefault({}),
});

/** A technician who may open the maintenance screen: the PIN only as a salted scrypt hash (`zizhu config pin-hash`). */
const staffMember = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected a staff id of letters, digits, dot, dash or underscore, e.g. "tech-0042"' }),
  pin: z.string().regex(/^scrypt:[0-9a-f]{32}:[0-9a-f]{64}$/, { error: 'expected "scrypt:<32 hex salt>:<64 hex hash>"; make one with: zizhu config pin-hash <PIN>' }),
});

// ───────────────────────────── the kiosk ─────────────────────────────

const kioskBase = z.strictObject({
  /** e.g. "sz-futian-gov-0001": lower-case letters, digits and dashes; the HQ identity */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{2,63}$/, { error: (iss) => `expected 3–64 lower-case letters, digits and dashes, e.g. "sz-futian-gov-0001"${describeGot(iss.input)}` }),
  /** the owner site (alarms route to its staff), e.g. "futian-gov-service-center" */
  site: nonEmpty,
  /** e.g. "福田区" */
  district: nonEmpty,
  /** what people call the machine, e.g. "福田区政务服务中心 24小时自助终端 1号" */
  name: nonEmpty,
  /** where it stands, e.g. "一楼东侧 24小时自助服务区" */
  location: nonEmpty,
  services,
  devices: devices.prefault({}),
  promisedHours,
  /** absent: no HQ link; everything stays in the local journal */
  hq: hq.optional(),
  backends: backends.prefault({}),
  ui: ui.prefault({}),
  agent: agent.prefault({}),
  shell: shell.prefault({}),
  watchdog: watchdog.prefault({}),
  /** who may open the maintenance screen (none: maintenance only through HQ) */
  staff: z.array(staffMember).max(100).default([]),
});

type KioskDraft = z.output<typeof kioskBase>;

/** A view of a possibly half-valid value: cross-section rules also run when other parts have errors, so every problem is reported at once. */
type Loose = { [key: string]: Loose } & { readonly __loose?: never };
const loose = (v: unknown): Loose => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : ({} as Loose));
const present = (v: unknown) => v !== undefined && v !== null;
const list = (v: unknown, fallback: readonly string[]): readonly unknown[] => (Array.isArray(v) ? v : fallback);
const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);

/** Rules that span sections: each service has the devices and back office it needs. */
function crossCheck(k: KioskDraft, ctx: z.core.$RefinementCtx<KioskDraft>): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const root = loose(k);
  const s = loose(root.services);
  const d = loose(root.devices);
  const b = loose(root.backends);
  const pf = s.providentFundStatement;
  const reg = s.hospitalRegistration;
  const pay = s.payment;
  if (typeof root.services === 'object' && root.services !== null && !present(pf) && !present(reg) && !present(pay))
    issue(['services'], 'no service configured; add providentFundStatement, hospitalRegistration and/or payment');

  if (present(pf)) {
    if (!present(d.printer)) issue(['devices', 'printer'], 'required by services.providentFundStatement (it prints the statement)');
    if (!present(b.providentFund)) issue(['backends', 'providentFund'], 'required by services.providentFundStatement');
  }
  if (present(reg)) {
    if (!present(d.printer) && loose(reg).allowWithoutPrinter !== (true as unknown))
      issue(['devices', 'printer'], 'required by services.hospitalRegistration (it prints the slip); or set services.hospitalRegistration.allowWithoutPrinter');
    if (!present(b.his)) issue(['backends', 'his'], 'required by services.hospitalRegistration');
    if (!present(pay)) issue(['services', 'payment'], 'required by services.hospitalRegistration (the fee is paid at the kiosk)');
  }
  if (present(pay)) {
    if (!present(b.payment)) issue(['backends', 'payment'], 'required by services.payment');
    if (list(loose(pay).methods, ['paymentCode']).includes('paymentCode') && !present(d.scanner))
      issue(['devices', 'scanner'], 'required by services.payment.methods "paymentCode" (the scanner reads the 付款码)');
  }
  const identify: [string, unknown, readonly string[]][] = [
    ['providentFundStatement', pf, ['idCard']],
    ['hospitalRegistration', reg, ['idCard', 'medicalInsuranceQr']],
  ];
  for (const [service, conf, byDefault] of identify) {
    if (!present(conf)) continue;
    const by = list(loose(conf).identifyBy, byDefault);
    if (by.includes('idCard') && !present(d.idReader)) issue(['devices', 'idReader'], `required by services.${service}.identifyBy "idCard"`);
    const qr = by.find((m) => typeof m === 'string' && m.endsWith('Qr'));
    if (qr && !present(d.scanner)) issue(['devices', 'scanner'], `required by services.${service}.identifyBy "${String(qr)}"`);
  }
  const scanner = loose(d.scanner);
  const scannerTransport = loose(scanner.transport).type as unknown;
  if (typeof scannerTransport === 'string') {
    if (scanner.mode === ('hid-pos' as unknown) && scannerTransport !== 'hid')
      issue(['devices', 'scanner', 'mode'], `"hid-pos" needs a hid transport, not ${scannerTransport}`);
    if (scanner.mode === ('serial' as unknown) && scannerTransport === 'hid') issue(['devices', 'scanner', 'mode'], '"serial" needs a serial or tcp transport, not hid');
  }
  const printerConf = loose(d.printer);
  if (printerConf.profile === ('custom-vkp80' as unknown) && present(printerConf.paperWidthMm) && printerConf.paperWidthMm !== (80 as unknown))
    issue(['devices', 'printer', 'paperWidthMm'], 'the custom-vkp80 profile prints on 80 mm paper');
  const idle = loose(loose(root.ui).idle);
  const timeout = num(idle.timeoutSeconds, 60);
  if (num(idle.warningSeconds, 15) >= timeout) issue(['ui', 'idle', 'warningSeconds'], `must be shorter than ui.idle.timeoutSeconds (${timeout})`);
  if (num(idle.elderlyTimeoutSeconds, 120) < timeout)
    issue(['ui', 'idle', 'elderlyTimeoutSeconds'], `must not be shorter than ui.idle.timeoutSeconds (${timeout}); elderly mode gives more time`);
}

export const kioskConfigSchema = kioskBase.superRefine(crossCheck, { when: () => true });

/** A validated kiosk config with every default filled in. */
export type KioskConfig = z.output<typeof kioskConfigSchema>;
/** What may be written in a config file. */
export type KioskConfigInput = z.input<typeof kioskConfigSchema>;
export type DeviceName = keyof KioskConfig['devices'];

// ───────────────────────────── loading and error text ─────────────────────────────

/** One thing wrong with a config, at a JSON path such as `devices.printer.transport.baudRate`. */
export interface ConfigIssue {
  path: string;
  message: string;
  /** where in the file, when known */
  line?: number;
  column?: number;
}

export type ConfigErrorKind = 'unreadable' | 'json' | 'schema';

/** A config that cannot be used. `issues` lists every problem found, each with its JSON path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly kind: ConfigErrorKind,
    readonly issues: ConfigIssue[],
  ) {
    super(
      kind === 'schema'
        ? `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the kiosk config:\n${issues.map(formatConfigIssue).join('\n')}`
        : `${file}: ${issues.map(formatConfigIssue).join('; ')}`,
    );
  }
}

/** `devices.printer.transport.baudRate: expected one of … (line 23, column 19)` */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? '' : ` (line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`})`;
  return `${issue.path ? `${issue.path}: ` : ''}${issue.message}${where}`;
}

/** `['devices','printer','transport','baudRate']` → `devices.printer.transport.baudRate`; `ui.nearbyKiosks[0].name` */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out || '(top level)';
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  literal: 'a fixed value',
};

function formatValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Our wording for zod's issues; messages given in the schema itself take precedence over this. */
function issueMessage(iss: z.core.$ZodRawIssue): string | undefined {
  const got = describeGot(iss.input);
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return `required (${TYPE_WORDS[iss.expected] ?? iss.expected})`;
      if (iss.expected === 'int' && typeof iss.input === 'number') return `expected a whole number${got}`;
      return `expected ${TYPE_WORDS[iss.expected] ?? iss.expected}${got}`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `expected ${formatValue(iss.values[0])}${got}`
        : `expected one of ${iss.values.map(formatValue).join(', ')}${got}`;
    case 'invalid_union': {
      const u = iss as unknown as { discriminator?: string; options?: unknown[] };
      if (u.discriminator && u.options) {
        const tag = iss.input && typeof iss.input === 'object' ? (iss.input as Record<string, unknown>)[u.discriminator] : undefined;
        return `expected one of ${u.options.map(formatValue).join(', ')}${describeGot(tag)}`;
      }
      return undefined;
    }
    case 'too_small': {
      const n = Number(iss.minimum);
      if (iss.origin === 'string') return n <= 1 ? 'must not be empty' : `must be at least ${n} characters${got}`;
      if (iss.origin === 'array') return `needs at least ${n} item${n === 1 ? '' : 's'}`;
      return `must be ${iss.inclusive === false ? 'greater than' : 'at least'} ${n}${got}`;
    }
    case 'too_big': {
      const n = Number(iss.maximum);
      if (iss.origin === 'string') return `must be at most ${n} characters`;
      if (iss.origin === 'array') return `may have at most ${n} item${n === 1 ? '' : 's'}`;
      return `must be ${iss.inclusive === false ? 'less than' : 'at most'} ${n}${got}`;
    }
    case 'invalid_format':
      return `expected ${iss.format === 'regex' ? 'a value of the documented form' : `a valid ${iss.format}`}${got}`;
    default:
      return undefined;
  }
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

type AnyDef = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; options?: z.ZodType[]; discriminator?: string };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: AnyDef } })._zod.def;

/** The keys the schema allows for the object at `path` (following the input through unions), for "did you mean". */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  let s: z.ZodType | undefined = schema;
  let v: unknown = input;
  let k = 0;
  for (let guard = 0; s && guard < 200; guard++) {
    const structure = SHAPE_OF.get(s);
    if (structure) {
      s = structure;
      continue;
    }
    const def = defOf(s);
    if (def.innerType) s = def.innerType;
    else if (def.type === 'pipe') s = def.in;
    else if (def.type === 'union') {
      const options: z.ZodType[] = def.options ?? [];
      const tag = def.discriminator && v && typeof v === 'object' ? (v as Record<string, unknown>)[def.discriminator] : undefined;
      s = options.find((o) => {
        const od = defOf(o);
        const lit = od.shape && def.discriminator ? od.shape[def.discriminator] : undefined;
        return lit && (defOf(lit) as { values?: unknown[] }).values?.includes(tag);
      }) ?? options.find((o) => defOf(o).type === 'object');
    } else if (k === path.length) return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
    else if (def.type === 'object' && def.shape) {
      const seg = path[k++] as string;
      s = def.shape[seg];
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
    } else if (def.type === 'array') {
      s = def.element;
      v = Array.isArray(v) ? v[path[k++] as number] : undefined;
      k = Math.min(k, path.length);
    } else return [];
  }
  return [];
}

function suggest(unknownKey: string, known: string[]): string {
  const lower = unknownKey.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of known) {
    const cl = c.toLowerCase();
    // `sunday` for `sun`, `printerProfile` for `profile`: one contains the other
    const d = cl === lower ? 0 : Math.min(cl.length >= 3 && (lower.startsWith(cl) || lower.endsWith(cl)) ? 1 : Infinity, levenshtein(lower, cl));
    if (d < bestD) [best, bestD] = [c, d];
  }
  if (best && bestD <= Math.max(1, Math.floor(unknownKey.length / 3))) return ` (did you mean "${best}"?)`;
  return known.length ? ` (allowed here: ${known.join(', ')})` : '';
}

/** Every problem with a parsed config value, each with its JSON path. */
function schemaIssues(value: unknown, source?: JsonSource): ConfigIssue[] {
  const result = kioskConfigSchema.safeParse(value, { error: issueMessage, reportInput: true });
  const issues: ConfigIssue[] = [];
  // where the value is; for a missing key, where its enclosing object is (not the whole file)
  const at = (path: readonly PropertyKey[]) => source?.positionOf(path) ?? (path.length > 1 ? source?.positionOf(path.slice(0, -1)) : undefined);
  for (const d of source?.duplicateKeys ?? [])
    issues.push({ path: formatJsonPath(d.path), message: `duplicate key (first at line ${d.first.line}); JSON would keep only the last one`, line: d.again.line, column: d.again.column });
  if (result.success) return issues;
  for (const iss of result.error.issues) {
    if (iss.code === 'unrecognized_keys') {
      const known = knownKeysAt(kioskBase, iss.path, value);
      for (const key of iss.keys) {
        const path = [...iss.path, key];
        issues.push({ path: formatJsonPath(path), message: `unknown key${suggest(key, known)}`, ...at(path) });
      }
    } else issues.push({ path: formatJsonPath(iss.path), message: iss.message, ...at(iss.path) });
  }
  return issues;
}

/** Validate a set-promised-hours change (`hoursChangeSchema`) with the config's wording: every problem with its JSON path. */
export function parseHoursChange(value: unknown): { ok: true; change: HoursChange } | { ok: false; issues: ConfigIssue[] } {
  const result = hoursChangeSchema.safeParse(value, { error: issueMessage, reportInput: true });
  if (result.success) return { ok: true, change: result.data };
  const issues: ConfigIssue[] = [];
  for (const iss of result.error.issues) {
    if (iss.code !== 'unrecognized_keys') issues.push({ path: formatJsonPath(iss.path), message: iss.message });
    else for (const key of iss.keys) issues.push({ path: formatJsonPath([...iss.path, key]), message: `unknown key${suggest(key, knownKeysAt(hoursChangeSchema, iss.path, value))}` });
  }
  return { ok: false, issues };
}

/** Validate a config value (already parsed from JSON). Throws ConfigError listing every problem. */
export function parseKioskConfig(value: unknown, file = '(config)'): KioskConfig {
  const issues = schemaIssues(value);
  if (issues.length) throw new ConfigError(file, 'schema', issues);
  return kioskConfigSchema.parse(value);
}

/** Validate config text. Throws ConfigError: kind 'json' (with line and column) or 'schema' (every problem, with line). */
export function parseKioskConfigText(text: string, file = '(config)'): KioskConfig {
  let source: JsonSource;
  try {
    source = parseJsonSource(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError)
      throw new ConfigError(file, 'json', [{ path: '', message: `invalid JSON: ${e.detail}`, line: e.position.line, column: e.position.column }]);
    throw e;
  }
  const issues = schemaIssues(source.value, source);
  if (issues.length) throw new ConfigError(file, 'schema', issues);
  return kioskConfigSchema.parse(source.value);
}

/** Read and validate a kiosk config file. Throws ConfigError (unreadable file, invalid JSON, or every schema problem). */
export function loadKioskConfig(path: string): KioskConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file; check the path'
        : code === 'EACCES'
          ? 'permission denied; check the file permissions'
          : code === 'EISDIR'
            ? 'is a directory; give the path of a .json file'
            : (e as Error).message;
    throw new ConfigError(path, 'unreadable', [{ path: '', message: `cannot read the config: ${why}` }]);
  }
  return parseKioskConfigText(text, path);
}

// ───────────────────────────── error text ─────────────────────────────

function describeGot(input: unknown): string {
  if (input === undefined) return '';
  const text = typeof input === 'string' ? JSON.stringify(input) : typeof input === 'object' ? (Array.isArray(input) ? 'a list' : input === null ? 'null' : 'an object') : String(input);
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}
