/**
 * What the renderer shows, made from the agent's state: the lifecycle's view, the running session's
 * snapshot (and its payment child's), the session preferences, maintenance and a notice. Pure: the
 * same inputs give the same `ScreenMessage`, already masked (the flow views mask names and ID
 * numbers; the slip's lines go through `maskPersonalText`).
 */
import type { FaultCode } from '../../contracts/faults.ts';
import { maskPersonalText } from '../../contracts/pii.ts';
import {
  BRIDGE_PROTOCOL,
  type DeviceStatus,
  type Locale,
  type MaintenanceView,
  type ScreenMessage,
  type SessionView,
  type ServiceTile,
  type Words,
} from '../../contracts/bridge.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import { WEEKDAYS } from '../../kiosk-config/schema.ts';
import { DEVICE_KINDS, DEVICE_WORDS, faultWords, type DeviceHealthView } from '../../state-machines/availability.ts';
import type { LifecycleView } from '../../state-machines/lifecycle.machine.ts';
import { paymentView, type PaymentContext } from '../../state-machines/payment.machine.ts';
import { providentFundView, type ProvidentFundContext } from '../../state-machines/provident-fund.machine.ts';
import { registrationView, type RegistrationContext } from '../../state-machines/registration.machine.ts';
import type { PrintJob } from '../../drivers/printer/job.ts';
import type { PrintProgress } from '../../contracts/bridge.ts';
import { mayHavePrinted } from './print-screen.ts';
import { nearbyOpenAt } from './nearby.ts';
import type { CardOnReaderState } from './id-card.ts';

export interface ScreenInputs {
  seq: number;
  at: number;
  inReplyTo: string | null;
  config: KioskConfig;
  lifecycle: LifecycleView;
  prefs: { locale: Locale; elderly: boolean };
  session: { id: string; service: string; snapshot: unknown; elderly: boolean } | null;
  ended: { service: 'providentFundStatement' | 'hospitalRegistration'; outcome: string; until: number } | null;
  maintenance: Omit<MaintenanceView, 'staffId' | 'since'> | null;
  notice: ScreenMessage['notice'];
  /** the port/address of each device, for the technician */
  ports?: Partial<Record<(typeof DEVICE_KINDS)[number], string>>;
  /** the ID card on the reader (absent: no reader) */
  idCard?: CardOnReaderState;
  /** the receipt the printer is printing now */
  printing?: PrintProgress | null;
}

const DAY_WORDS: Record<(typeof WEEKDAYS)[number], Words> = {
  mon: { zh: '周一', en: 'Mon' },
  tue: { zh: '周二', en: 'Tue' },
  wed: { zh: '周三', en: 'Wed' },
  thu: { zh: '周四', en: 'Thu' },
  fri: { zh: '周五', en: 'Fri' },
  sat: { zh: '周六', en: 'Sat' },
  sun: { zh: '周日', en: 'Sun' },
};

/** The weekly promised hours in words: "24 小时" or "周一至周五 07:00–20:00；周六 …；周日 休息". */
export function scheduleWords(weekly: KioskConfig['promisedHours']['weekly']): Words {
  if (weekly === '24/7') return { zh: '24 小时服务', en: 'Open 24 hours' };
  const text = (d: (typeof WEEKDAYS)[number]) => (weekly[d].length ? weekly[d].map((r) => `${r.open}–${r.close}`).join(', ') : '');
  const groups: { from: (typeof WEEKDAYS)[number]; to: (typeof WEEKDAYS)[number]; text: string }[] = [];
  for (const d of WEEKDAYS) {
    const last = groups[groups.length - 1];
    if (last && last.text === text(d)) last.to = d;
    else groups.push({ from: d, to: d, text: text(d) });
  }
  const part = (g: (typeof groups)[number], lang: 'zh' | 'en') => {
    const days = g.from === g.to ? DAY_WORDS[g.from][lang] : `${DAY_WORDS[g.from][lang]}${lang === 'zh' ? '至' : '–'}${DAY_WORDS[g.to][lang]}`;
    return `${days} ${g.text || (lang === 'zh' ? '休息' : 'closed')}`;
  };
  return { zh: groups.map((g) => part(g, 'zh')).join('；'), en: groups.map((g) => part(g, 'en')).join('; ') };
}

const FLOW_SERVICES = ['providentFundStatement', 'hospitalRegistration'] as const;

function serviceTiles(config: KioskConfig, lifecycle: LifecycleView): ServiceTile[] {
  const tiles: ServiceTile[] = [];
  for (const service of FLOW_SERVICES) {
    const s = config.services[service];
    if (!s) continue;
    const a = lifecycle.availability[service];
    const gate = lifecycle.acceptsNewSessions;
    tiles.push({
      service,
      available: gate && a?.available === true,
      reasons: (a?.reasons ?? []).map((r) => ({ code: r.code, zh: r.zh, en: r.en })),
      limits: (a?.limits ?? []).map((r) => ({ code: r.code, zh: r.zh, en: r.en })),
      identifyBy: [...s.identifyBy],
    });
  }
  return tiles;
}

function deviceStatuses(config: KioskConfig, devices: Record<string, DeviceHealthView>, ports: ScreenInputs['ports']): DeviceStatus[] {
  return DEVICE_KINDS.filter((d) => config.devices[d] !== undefined).map((device) => {
    const h = devices[device] ?? { state: 'unknown' as const, faults: [], warnings: [] };
    const words = (p: { code: FaultCode; detail: string }) => ({ code: p.code, ...faultWords(device, p.code) });
    return {
      device,
      name: DEVICE_WORDS[device],
      state: h.state,
      faults: h.faults.map(words),
      warnings: h.warnings.map(words),
      ...(ports?.[device] ? { port: ports[device] } : {}),
    };
  });
}

/** A dotted path of a state value, e.g. { charging: 'paying' } → 'charging.paying'. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [k, v] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    if (k === undefined) return '';
    const rest = statePath(v);
    return rest ? `${k}.${rest}` : k;
  }
  return '';
}

interface FlowSnapshot<C> {
  value: unknown;
  context: C;
  status?: string;
  children?: Record<string, { getSnapshot(): unknown } | undefined>;
}

/** The flow region's step and the idle region's state of a `session` parallel state. */
function regions(value: unknown): { step: string; idle: string } {
  if (typeof value === 'string') return { step: value, idle: 'paused' };
  const session = (value as { session?: { flow?: unknown; idle?: unknown } }).session;
  if (!session) return { step: statePath(value), idle: 'paused' };
  return { step: statePath(session.flow), idle: statePath(session.idle) };
}

const printFaultWords = (code: string | null): Words | null => (code ? faultWords('printer', code as FaultCode) : null);

function slipLines(slip: PrintJob | null): string[] | null {
  if (!slip) return null;
  const lines: string[] = [];
  for (const l of slip.lines) {
    if (l.kind === 'text') lines.push(maskPersonalText(l.text));
    else if (l.kind === 'pair') lines.push(maskPersonalText(`${l.label}：${l.value}`));
    else if (l.kind === 'rule') lines.push('—'.repeat(16));
  }
  return lines;
}

function sessionView(s: NonNullable<ScreenInputs['session']>): SessionView | null {
  const snap = s.snapshot as FlowSnapshot<unknown>;
  if (!snap || typeof snap !== 'object' || !('context' in snap)) return null;
  const { step, idle } = regions(snap.value);
  const idleView = { warning: idle === 'warning', deadline: idle === 'paused' || idle === 'expired' ? null : ((snap.context as { idleDeadline?: number | null }).idleDeadline ?? null) };
  if (s.service === 'providentFundStatement') {
    const v = providentFundView(snap as FlowSnapshot<ProvidentFundContext>);
    return {
      service: 'providentFundStatement',
      id: s.id,
      step,
      idle: idleView,
      elderly: s.elderly,
      view: {
        holder: v.holder,
        identifyProblem: v.identifyProblem,
        period: v.period,
        maxPeriodMonths: v.maxPeriodMonths,
        periodProblem: v.periodProblem,
        statement: v.statement,
        takeDeadline: v.takeDeadline,
        printFault: v.printFault,
        printFaultWords: printFaultWords(v.printFault),
        printMayHavePrinted: mayHavePrinted(snap.context),
        failureCode: v.failureCode,
      },
    };
  }
  if (s.service === 'hospitalRegistration') {
    const v = registrationView(snap as FlowSnapshot<RegistrationContext>);
    const child = snap.children?.payment?.getSnapshot() as FlowSnapshot<PaymentContext> | undefined;
    const p = child && child.context ? paymentView(child) : null;
    const summary = (r: { bookingId: string; departmentName: string; doctorName: string; date: string; time: string; queueNumber: number; feeFen: number; status: 'booked' | 'cancelled' }) => ({
      bookingId: r.bookingId,
      departmentName: r.departmentName,
      doctorName: r.doctorName,
      date: r.date,
      time: r.time,
      queueNumber: r.queueNumber,
      feeFen: r.feeFen,
      status: r.status,
    });
    const conflict = v.conflict
      ? v.conflict.reason === 'same-department'
        ? { reason: 'same-department' as const, existing: v.conflict.existing.map(summary) }
        : { reason: v.conflict.reason, slotId: v.conflict.slotId }
      : null;
    return {
      service: 'hospitalRegistration',
      id: s.id,
      step,
      idle: idleView,
      elderly: s.elderly,
      view: {
        patient: v.patient,
        identifyProblem: v.identifyProblem,
        todays: v.todays.map(summary),
        departments: v.departments,
        doctors: v.doctors,
        slots: v.slots,
        department: v.department,
        doctor: v.doctor,
        slot: v.slot,
        paymentMethods: v.paymentMethods,
        conflict,
        registration: v.registration ? summary(v.registration) : null,
        refundReason: v.refundReason,
        paymentResult: v.payment ? { final: v.payment.final, reason: v.payment.reason, amountFen: v.payment.amountFen, failureCode: v.payment.failureCode } : null,
        slipLines: step === 'slipOnScreen' ? slipLines(v.slip) : null,
        takeDeadline: v.takeDeadline,
        printFault: v.printFault,
        printFaultWords: printFaultWords(v.printFault),
        printMayHavePrinted: mayHavePrinted(snap.context),
        failureCode: v.failureCode,
      },
      payment: p
        ? {
            step: statePath(p.step),
            amountFen: p.amountFen,
            description: p.description,
            method: p.method,
            methods: [...p.methods],
            codeUrl: p.codeUrl,
            paymentDeadline: p.paymentDeadline,
            badCode: p.badCode === true,
            final: p.final ?? null,
            reason: p.reason ?? null,
            failureCode: p.failureCode,
          }
        : null,
    };
  }
  return null;
}

/** Steps where the person is done and about to walk away: a card still on the reader is mentioned there. */
const LEAVING_STEPS: Record<(typeof FLOW_SERVICES)[number], readonly string[]> = {
  providentFundStatement: ['takingReceipt', 'undelivered', 'noAccount'],
  hospitalRegistration: ['takingSlip', 'slipOnScreen', 'slipNotPrinted', 'moneyReturned'],
};

/** "请取回您的身份证": the card is on the reader and its session is ending, or over. */
export function takeIdCard(card: CardOnReaderState | undefined, session: SessionView | null): boolean {
  if (!card?.present) return false;
  return card.leftBehind || (session !== null && LEAVING_STEPS[session.service].includes(session.step));
}

function nearbyKiosks(config: KioskConfig, at: number): ScreenMessage['kiosk']['nearbyKiosks'] {
  return nearbyOpenAt(config, at).map(({ kiosk: k, closesAt }) => ({
    name: k.name,
    location: k.location,
    schedule: scheduleWords(k.hours.weekly),
    closesAt,
    ...(k.distanceMeters !== undefined ? { distanceMeters: k.distanceMeters } : {}),
  }));
}

export function makeScreen(i: ScreenInputs): ScreenMessage {
  const { config, lifecycle: l } = i;
  const session = i.session ? sessionView(i.session) : null;
  return {
    type: 'screen',
    protocol: BRIDGE_PROTOCOL,
    seq: i.seq,
    at: i.at,
    inReplyTo: i.inReplyTo,
    kiosk: {
      id: config.id,
      name: config.name,
      hotline: config.ui.hotline,
      status: l.status,
      acceptsNewSessions: l.acceptsNewSessions,
      services: serviceTiles(config, l),
      hours: {
        open: l.hours.open,
        closesAt: l.hours.closesAt,
        opensAt: l.hours.opensAt,
        ...(l.hours.exceptionReason ? { exceptionReason: l.hours.exceptionReason } : {}),
        schedule: scheduleWords(config.promisedHours.weekly),
        timezone: config.promisedHours.timezone,
      },
      nearbyKiosks: nearbyKiosks(config, i.at),
      elderlyModeAllowed: config.ui.elderlyModeAllowed,
      remoteLock: l.remoteLock ? { reason: l.remoteLock.reason } : null,
      pinLockedUntil: l.pinLockedUntil,
      devices: deviceStatuses(config, l.health.devices, i.ports),
    },
    prefs: { ...i.prefs },
    session,
    ended: session ? null : i.ended,
    maintenance: l.maintenance && i.maintenance ? { staffId: l.maintenance.staffId, since: l.maintenance.since, ...i.maintenance } : null,
    notice: i.notice,
    takeIdCard: takeIdCard(i.idCard, session),
    ...(i.printing ? { printing: i.printing } : {}),
  };
}
