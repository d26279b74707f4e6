/**
 * Which services the kiosk can offer right now, and why not — one pure function shared by the
 * lifecycle machine (which gates new sessions on it), the renderer (which shows the reason on the
 * home screen) and HQ (which shows the same reason on the dashboard).
 *
 * What each service needs:
 * - providentFundStatement: the printer (it prints the statement), a way to identify the citizen
 *   (`idCard` → ID card reader, `eSocialSecurityQr` → scanner; any one configured method will do),
 *   the provident-fund centre, and its hours.
 * - hospitalRegistration: a way to identify the patient (`idCard` → ID card reader,
 *   `medicalInsuranceQr` → scanner), the printer unless `allowWithoutPrinter` (then the slip is shown
 *   on screen only), the HIS, payment (the fee is paid at the kiosk), and its hours.
 * - payment: the payment gateway; `paymentCode` also needs the scanner (`nativeQr` needs no device).
 *
 * A device counts when it is configured and its (debounced) health is `ok` or `warning`; `unknown`
 * (not reported yet) does not count — the kiosk does not take a customer it may fail. A back office
 * counts unless it is known to be `down` (there is no probe: `unknown` means "no failed call yet").
 *
 * Times are epoch ms, everything is plain JSON, so a result can be journaled and sent as is.
 */
import type { DeviceKind, FaultCode } from '../contracts/faults.ts';
import { hoursAt, serviceSchedule } from '../kiosk-config/hours.ts';
import type { KioskConfig, ServiceName } from '../kiosk-config/schema.ts';

export type { ServiceName };

export const SERVICE_NAMES = ['providentFundStatement', 'hospitalRegistration', 'payment'] as const satisfies readonly ServiceName[];
export const DEVICE_KINDS = ['idReader', 'printer', 'scanner'] as const satisfies readonly DeviceKind[];
export const BACKEND_NAMES = ['providentFund', 'his', 'payment'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

// ───────────────────────────── health ─────────────────────────────

export type HealthLevel = 'unknown' | 'ok' | 'warning' | 'fault';

/** One present condition of a device, as the driver words it. */
export interface DeviceProblem {
  code: FaultCode;
  detail: string;
}

/** A device's settled health (after debouncing). */
export interface DeviceHealthView {
  state: HealthLevel;
  faults: DeviceProblem[];
  warnings: DeviceProblem[];
}

export interface BackendHealthView {
  /** `unknown`: no call has failed yet (there is no probe), counts as usable */
  state: 'unknown' | 'up' | 'down';
  detail?: string;
}

export interface KioskHealth {
  devices: Record<DeviceKind, DeviceHealthView>;
  backends: Record<BackendName, BackendHealthView>;
}

export const UNKNOWN_DEVICE: DeviceHealthView = { state: 'unknown', faults: [], warnings: [] };

export function unknownHealth(): KioskHealth {
  return {
    devices: { idReader: { ...UNKNOWN_DEVICE }, printer: { ...UNKNOWN_DEVICE }, scanner: { ...UNKNOWN_DEVICE } },
    backends: { providentFund: { state: 'unknown' }, his: { state: 'unknown' }, payment: { state: 'unknown' } },
  };
}

// ───────────────────────────── hours ─────────────────────────────

export interface OpenNow {
  open: boolean;
  /** when open: epoch ms it closes (null: not within the horizon, e.g. 24/7) */
  closesAt: number | null;
  /** when closed: epoch ms it next opens (null: not within a year) */
  opensAt: number | null;
  /** the day is a listed exception (holiday): its reason */
  exceptionReason?: string;
}

/** Promised hours and each configured service's hours at one instant. */
export interface HoursNow {
  at: number;
  timezone: string;
  promised: OpenNow;
  /** each configured service: open only when both the kiosk (promised hours) and the service's own hours are */
  services: Partial<Record<ServiceName, OpenNow>>;
  /** the earliest instant after `at` at which any of these answers changes (null: none known) */
  nextBoundary: number | null;
}

/** What availability needs from the kiosk config (a full `KioskConfig` will do). */
export interface AvailabilityConfig {
  services: KioskConfig['services'];
  promisedHours: KioskConfig['promisedHours'];
  /** which devices are installed; only presence matters here */
  devices: Partial<Record<DeviceKind, unknown>>;
}

const toOpenNow = (a: ReturnType<typeof hoursAt>): OpenNow => ({
  open: a.open,
  closesAt: a.closesAt ? a.closesAt.getTime() : null,
  opensAt: a.opensAt ? a.opensAt.getTime() : null,
  ...(a.exceptionReason ? { exceptionReason: a.exceptionReason } : {}),
});

export function configuredServices(config: AvailabilityConfig): ServiceName[] {
  return SERVICE_NAMES.filter((s) => config.services[s] !== undefined);
}

/** Promised and service hours at `at` (epoch ms or Date), with the next instant any of them changes. */
export function hoursNowAt(config: AvailabilityConfig, at: number | Date): HoursNow {
  const t = typeof at === 'number' ? at : at.getTime();
  const promised = toOpenNow(hoursAt(config.promisedHours, t));
  const services: Partial<Record<ServiceName, OpenNow>> = {};
  const boundaries: number[] = [promised.closesAt, promised.opensAt].filter((x): x is number => x !== null);
  for (const s of configuredServices(config)) {
    // serviceSchedule only reads `services` and `promisedHours`
    const own = toOpenNow(hoursAt(serviceSchedule(config as KioskConfig, s), t));
    for (const b of [own.closesAt, own.opensAt]) if (b !== null) boundaries.push(b);
    services[s] = effectiveHours(promised, own);
  }
  const later = boundaries.filter((b) => b > t);
  return { at: t, timezone: config.promisedHours.timezone, promised, services, nextBoundary: later.length ? Math.min(...later) : null };
}

/** A service is open when both the kiosk and the service are; `opensAt` is a best guess when only one of them is closed. */
function effectiveHours(promised: OpenNow, own: OpenNow): OpenNow {
  const reason = !promised.open ? promised.exceptionReason : (own.exceptionReason ?? promised.exceptionReason);
  const why = reason ? { exceptionReason: reason } : {};
  if (promised.open && own.open) return { open: true, closesAt: minOf(promised.closesAt, own.closesAt), opensAt: null, ...why };
  const opensAt = !promised.open && !own.open ? maxOf(promised.opensAt, own.opensAt) : promised.open ? own.opensAt : promised.opensAt;
  return { open: false, closesAt: null, opensAt, ...why };
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
function maxOf(a: number | null, b: number | null): number | null {
  if (a === null || b === null) return a ?? b;
  return Math.max(a, b);
}

// ───────────────────────────── reasons ─────────────────────────────

export type ReasonCode =
  /** outside the promised hours (a normal after-hours lockout, not a fault) */
  | 'KIOSK_CLOSED'
  /** the service keeps shorter hours than the kiosk */
  | 'SERVICE_CLOSED'
  | 'DEVICE_FAULT'
  /** the device has not reported its health yet */
  | 'DEVICE_CHECKING'
  | 'DEVICE_MISSING'
  | 'BACKEND_DOWN'
  /** registration: the fee cannot be paid */
  | 'PAYMENT_UNAVAILABLE'
  /** registration: the slip is shown on screen only (allowed by config) */
  | 'SLIP_ON_SCREEN_ONLY'
  | 'MAINTENANCE'
  | 'REMOTE_LOCK'
  | 'STARTING'
  /** issue 11: the watchdog's recovery ladder ran out of steps; the screen cannot be trusted */
  | 'SCREEN';

/** Why a service (or one way into it) is not available, in both UI languages. */
export interface AvailabilityReason {
  code: ReasonCode;
  zh: string;
  en: string;
  device?: DeviceKind;
  faultCode?: FaultCode;
  backend?: BackendName;
  /** the identification or payment method this takes away (when others remain) */
  method?: string;
  /** hours reasons: when it opens (epoch ms) */
  opensAt?: number | null;
}

export interface ServiceAvailability {
  available: boolean;
  /** why not, most important first (empty when available) */
  reasons: AvailabilityReason[];
  /** available, but with less than usual: a method lost, no printed slip */
  limits: AvailabilityReason[];
  /** the identification methods (statement, registration) or payment methods that work now */
  methods: string[];
  /** whether a receipt/slip will be printed */
  printing: boolean;
}

export type Availability = Partial<Record<ServiceName, ServiceAvailability>>;

const HOURS_REASONS: ReadonlySet<ReasonCode> = new Set(['KIOSK_CLOSED', 'SERVICE_CLOSED']);
/** Closed by the hours: planned, not a fault. */
export const isHoursReason = (r: AvailabilityReason) => HOURS_REASONS.has(r.code);

export const DEVICE_WORDS: Record<DeviceKind, { zh: string; en: string }> = {
  idReader: { zh: '身份证阅读器', en: 'ID card reader' },
  printer: { zh: '打印机', en: 'printer' },
  scanner: { zh: '扫码器', en: 'QR scanner' },
};

const FAULT_WORDS: Partial<Record<FaultCode, { zh: string; en: string }>> = {
  PRINTER_PAPER_OUT: { zh: '打印机缺纸', en: 'printer out of paper' },
  PRINTER_PAPER_NEAR_END: { zh: '打印纸即将用完', en: 'printer paper nearly used up' },
  PRINTER_COVER_OPEN: { zh: '打印机盖未关好', en: 'printer cover open' },
  PRINTER_CUTTER_ERROR: { zh: '打印机切纸故障', en: 'printer cutter error' },
  PRINTER_OFFLINE: { zh: '打印机离线', en: 'printer offline' },
  PRINTER_UNRECOVERABLE_ERROR: { zh: '打印机故障', en: 'printer failure' },
  PRINTER_PAPER_JAM: { zh: '打印机卡纸', en: 'printer paper jam' },
  PRINTER_NO_RESPONSE: { zh: '打印机无响应', en: 'printer not responding' },
  PRINT_NOT_DELIVERED: { zh: '打印未完成', en: 'receipt not delivered' },
  PRINTER_NOT_DELIVERING: { zh: '打印机不出纸（连续打印未完成）', en: 'printer is not delivering receipts (several in a row did not come out)' },
  PRINT_NOT_TAKEN: { zh: '出纸口有未取走的凭条', en: 'a receipt is still in the printer output' },
  IDREADER_SAM_FAULT: { zh: '身份证阅读器安全模块故障', en: 'ID card reader security module fault' },
  IDREADER_NO_RESPONSE: { zh: '身份证阅读器无响应', en: 'ID card reader not responding' },
  IDREADER_PROTOCOL_ERROR: { zh: '身份证阅读器通信错误', en: 'ID card reader communication error' },
  IDREADER_READ_FAILED: { zh: '身份证读取失败', en: 'ID card could not be read' },
  SCANNER_NO_RESPONSE: { zh: '扫码器无响应', en: 'QR scanner not responding' },
};

/** A device fault in the words shown on screen and on the HQ dashboard ("打印机缺纸" / "printer out of paper"). */
export function faultWords(device: DeviceKind, code: FaultCode): { zh: string; en: string } {
  if (code === 'DEVICE_LINK_DOWN') return { zh: `${DEVICE_WORDS[device].zh}连接断开`, en: `${DEVICE_WORDS[device].en} disconnected` };
  return FAULT_WORDS[code] ?? { zh: `${DEVICE_WORDS[device].zh}故障 (${code})`, en: `${DEVICE_WORDS[device].en} fault (${code})` };
}

const BACKEND_WORDS: Record<BackendName, { zh: string; en: string }> = {
  providentFund: { zh: '公积金中心系统暂时无法连接', en: 'the provident-fund centre cannot be reached' },
  his: { zh: '医院信息系统暂时无法连接', en: 'the hospital system (HIS) cannot be reached' },
  payment: { zh: '支付系统暂时无法连接', en: 'the payment gateway cannot be reached' },
};

/** Local "HH:MM", with the date when it is not the same local day as `from`. */
function whenText(at: number, from: number, timeZone: string): { zh: string; en: string } {
  const parts = (t: number) => {
    const p: Record<string, string> = {};
    for (const x of new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(t)))
      p[x.type] = x.value;
    return p;
  };
  const a = parts(at);
  const f = parts(from);
  const hhmm = `${a.hour}:${a.minute}`;
  if (a.month === f.month && a.day === f.day) return { zh: hhmm, en: hhmm };
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return { zh: `${a.month}月${a.day}日 ${hhmm}`, en: `${a.day} ${months[Number(a.month) - 1]} ${hhmm}` };
}

function closedReason(code: 'KIOSK_CLOSED' | 'SERVICE_CLOSED', open: OpenNow, hours: HoursNow): AvailabilityReason {
  const when = open.opensAt === null ? null : whenText(open.opensAt, hours.at, hours.timezone);
  const why = open.exceptionReason ? { zh: `（${open.exceptionReason}）`, en: ` (${open.exceptionReason})` } : { zh: '', en: '' };
  return {
    code,
    zh: `不在服务时间${why.zh}${when ? `，${when.zh} 开放` : ''}`,
    en: `closed${why.en}${when ? `; opens ${when.en}` : ''}`,
    opensAt: open.opensAt,
  };
}

function deviceReasons(config: AvailabilityConfig, health: KioskHealth, device: DeviceKind, method?: string): AvailabilityReason[] {
  const m = method ? { method } : {};
  if (config.devices[device] === undefined || config.devices[device] === null)
    return [{ code: 'DEVICE_MISSING', device, zh: `未安装${DEVICE_WORDS[device].zh}`, en: `no ${DEVICE_WORDS[device].en} installed`, ...m }];
  const h = health.devices[device] ?? UNKNOWN_DEVICE;
  if (h.state === 'ok' || h.state === 'warning') return [];
  if (h.state === 'unknown') return [{ code: 'DEVICE_CHECKING', device, zh: `正在检查${DEVICE_WORDS[device].zh}`, en: `checking the ${DEVICE_WORDS[device].en}`, ...m }];
  const faults = h.faults.length ? h.faults : [{ code: 'DEVICE_LINK_DOWN' as FaultCode, detail: '' }];
  return faults.map((f) => ({ code: 'DEVICE_FAULT' as const, device, faultCode: f.code, ...faultWords(device, f.code), ...m }));
}

function backendReasons(health: KioskHealth, backend: BackendName): AvailabilityReason[] {
  return health.backends[backend]?.state === 'down' ? [{ code: 'BACKEND_DOWN', backend, ...BACKEND_WORDS[backend] }] : [];
}

/** Which of `methods` work, each needing `deviceOf(method)` (null: no device). */
function methodsUsable(config: AvailabilityConfig, health: KioskHealth, methods: readonly string[], deviceOf: (m: string) => DeviceKind | null) {
  const usable: string[] = [];
  const lost: AvailabilityReason[] = [];
  for (const m of methods) {
    const device = deviceOf(m);
    const why = device ? deviceReasons(config, health, device, m) : [];
    if (why.length === 0) usable.push(m);
    else lost.push(...why);
  }
  return { usable, lost };
}

const identifyDevice = (m: string): DeviceKind | null => (m === 'idCard' ? 'idReader' : m.endsWith('Qr') ? 'scanner' : null);

/** An overall block the lifecycle puts on every service (maintenance, remote lock, starting up). */
export interface KioskBlock {
  code: 'MAINTENANCE' | 'REMOTE_LOCK' | 'STARTING' | 'SCREEN';
  /** remote lock: the reason HQ gave */
  detail?: string;
}

const BLOCK_CODES: ReadonlySet<ReasonCode> = new Set(['MAINTENANCE', 'REMOTE_LOCK', 'STARTING', 'SCREEN']);
const BLOCK_WORDS: Record<KioskBlock['code'], { zh: string; en: string }> = {
  MAINTENANCE: { zh: '设备维护中', en: 'under maintenance' },
  REMOTE_LOCK: { zh: '本机已暂停服务', en: 'service suspended' },
  STARTING: { zh: '正在启动', en: 'starting up' },
  SCREEN: { zh: '屏幕故障', en: 'screen fault' },
};

/**
 * Each configured service: available or not, why, and what is limited.
 * `hoursNow`: a precomputed `HoursNow`, or the instant to compute it for.
 * `block`: the lifecycle's overall block, listed first in every service's reasons.
 */
export function serviceAvailability(config: AvailabilityConfig, health: KioskHealth, hoursNow: HoursNow | number | Date, block?: KioskBlock | null): Availability {
  const hours = typeof hoursNow === 'number' || hoursNow instanceof Date ? hoursNowAt(config, hoursNow) : hoursNow;
  const out: Availability = {};
  const blockReason: AvailabilityReason[] = block
    ? [{ code: block.code, zh: BLOCK_WORDS[block.code].zh + (block.detail ? `：${block.detail}` : ''), en: BLOCK_WORDS[block.code].en + (block.detail ? `: ${block.detail}` : '') }]
    : [];
  const hoursReasons = (s: ServiceName): AvailabilityReason[] => {
    if (!hours.promised.open) return [closedReason('KIOSK_CLOSED', hours.promised, hours)];
    const own = hours.services[s];
    return own && !own.open ? [closedReason('SERVICE_CLOSED', own, hours)] : [];
  };
  const result = (reasons: AvailabilityReason[], limits: AvailabilityReason[], methods: string[], printing: boolean): ServiceAvailability => {
    const all = [...blockReason, ...reasons];
    return { available: all.length === 0, reasons: all, limits: all.length === 0 ? limits : [], methods: all.length === 0 ? methods : [], printing: all.length === 0 && printing };
  };

  // payment first: registration depends on it
  const pay = config.services.payment;
  if (pay) {
    const { usable, lost } = methodsUsable(config, health, pay.methods, (m) => (m === 'paymentCode' ? 'scanner' : null));
    const reasons = [...hoursReasons('payment'), ...backendReasons(health, 'payment'), ...(usable.length ? [] : lost)];
    out.payment = result(reasons, usable.length ? lost : [], usable, false);
  }

  const pf = config.services.providentFundStatement;
  if (pf) {
    const { usable, lost } = methodsUsable(config, health, pf.identifyBy, identifyDevice);
    const reasons = [...hoursReasons('providentFundStatement'), ...deviceReasons(config, health, 'printer'), ...(usable.length ? [] : lost), ...backendReasons(health, 'providentFund')];
    out.providentFundStatement = result(reasons, usable.length ? lost : [], usable, true);
  }

  const reg = config.services.hospitalRegistration;
  if (reg) {
    const { usable, lost } = methodsUsable(config, health, reg.identifyBy, identifyDevice);
    const printerWhy = config.devices.printer === undefined && reg.allowWithoutPrinter ? [] : deviceReasons(config, health, 'printer');
    const printing = config.devices.printer !== undefined && printerWhy.length === 0;
    // payment's own trouble (its hours and the kiosk block are already registration's reasons)
    const paymentTrouble = (out.payment?.reasons ?? []).filter((r) => !isHoursReason(r) && !BLOCK_CODES.has(r.code));
    const paymentWhy: AvailabilityReason[] = paymentTrouble.length
      ? [{ code: 'PAYMENT_UNAVAILABLE', zh: `暂时无法缴费（${paymentTrouble.map((r) => r.zh).join('；')}）`, en: `the fee cannot be paid (${paymentTrouble.map((r) => r.en).join('; ')})` }]
      : [];
    const reasons = [
      ...hoursReasons('hospitalRegistration'),
      ...(reg.allowWithoutPrinter ? [] : printerWhy),
      ...(usable.length ? [] : lost),
      ...backendReasons(health, 'his'),
      ...paymentWhy,
    ];
    const limits = [...(usable.length ? lost : [])];
    if (reg.allowWithoutPrinter && printerWhy.length)
      limits.push({
        code: 'SLIP_ON_SCREEN_ONLY',
        device: 'printer',
        ...(printerWhy[0]!.faultCode ? { faultCode: printerWhy[0]!.faultCode } : {}),
        zh: `挂号凭条仅在屏幕上显示（${printerWhy.map((r) => r.zh).join('；')}）`,
        en: `the slip is shown on screen only (${printerWhy.map((r) => r.en).join('; ')})`,
      });
    out.hospitalRegistration = result(reasons, limits, usable, printing);
  }
  return out;
}
