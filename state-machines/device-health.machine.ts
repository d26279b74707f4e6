/**
 * One device's health, debounced, so a flapping serial link or a paper sensor on the edge does not
 * raise and clear the same alarm at HQ every second.
 *
 *   unknown ──first report (settles at once)──► ok | warning | fault
 *   ok/warning ──worse report──► raising ──still worse after `raiseAfterMs`, or `raiseAfterReports` reports──► warning | fault
 *                                raising ──report back at the settled level (or better)──► that level (nothing raised)
 *   warning/fault ──better report──► clearing ──better for `clearAfterMs`──► ok | warning
 *                                    clearing ──report back at the settled level──► that level (nothing cleared)
 *
 * A report at the settled level settles at once (the codes may change: cover open → paper out while
 * still faulty). The first report after start settles at once: at boot the self-test is the best
 * information there is, and a kiosk should not wait to learn that its printer has no paper.
 * A report with `settleNow` (the lifecycle's self-test) settles at once too.
 *
 * Every settle sends `DEVICE_HEALTH_SETTLED { device, health, changes, at }` to the parent (when
 * there is one) and emits the same as `health.settled`: `changes` lists each fault/warning code
 * raised or cleared — the same shape as runtime/device-faults.ts `FaultChange`, ready for the HQ outbox.
 *
 * Deadlines (`raiseDeadline`, `clearDeadline`) live in context; after a restore, send `zizhu.resume`
 * and the pending wait re-arms with the time that was left.
 */
import { enqueueActions, setup } from 'xstate';
import type { DeviceKind, FaultCode } from '../contracts/faults.ts';
import { msUntil, systemNow, type Now } from './deadlines.ts';
import { DEVICE_KINDS, type DeviceHealthView, type DeviceProblem, type HealthLevel } from './availability.ts';

export interface DebounceConfig {
  /** a worse condition must last this long before it is raised … */
  raiseAfterMs: number;
  /** … or be reported this many times in a row, whichever comes first (1: raise at once) */
  raiseAfterReports: number;
  /** a better condition must last this long before the worse one is cleared */
  clearAfterMs: number;
}

export const DEFAULT_DEBOUNCE: DebounceConfig = { raiseAfterMs: 3_000, raiseAfterReports: 3, clearAfterMs: 5_000 };

/** A device condition as drivers report it: a bare code, or a code with the driver's words. */
export type ReportedProblem = FaultCode | { code: FaultCode; detail?: string };

export interface DeviceFaultChange {
  device: DeviceKind;
  code: FaultCode;
  change: 'raised' | 'cleared';
  severity: 'fault' | 'warning';
  detail: string;
  at: number;
}

export interface DeviceHealthSettled {
  type: 'DEVICE_HEALTH_SETTLED';
  device: DeviceKind;
  health: DeviceHealthView;
  changes: DeviceFaultChange[];
  at: number;
}

export type DeviceHealthEvent =
  /** the device's complete present condition (every report replaces the previous one) */
  | { type: 'REPORT'; faults?: ReportedProblem[]; warnings?: ReportedProblem[]; settleNow?: boolean }
  /** the lifecycle's event, accepted as is; ignored when `device` is another device */
  | { type: 'DEVICE_HEALTH'; device: DeviceKind; faults?: ReportedProblem[]; warnings?: ReportedProblem[] }
  /** restored from the journal: re-arm the pending wait */
  | { type: 'zizhu.resume' };

export interface DeviceHealthInput {
  device: DeviceKind;
  debounce?: Partial<DebounceConfig>;
}

export interface DeviceHealthContext {
  device: DeviceKind;
  debounce: DebounceConfig;
  /** what has been raised (and is shown and gated on) */
  stable: DeviceHealthView;
  /** the latest report, when its level differs from `stable` and is not settled yet */
  pending: DeviceHealthView | null;
  /** worse reports in a row while raising */
  pendingReports: number;
  raiseDeadline: number | null;
  clearDeadline: number | null;
  settledAt: number | null;
}

const RANK: Record<HealthLevel, number> = { unknown: -1, ok: 0, warning: 1, fault: 2 };

function problems(list: unknown): DeviceProblem[] {
  if (!Array.isArray(list)) return [];
  const out: DeviceProblem[] = [];
  for (const p of list as unknown[]) {
    if (typeof p === 'string') out.push({ code: p as FaultCode, detail: p });
    else if (p && typeof p === 'object' && typeof (p as { code?: unknown }).code === 'string') {
      const { code, detail } = p as { code: FaultCode; detail?: unknown };
      out.push({ code, detail: typeof detail === 'string' && detail ? detail : code });
    }
  }
  return out;
}

/** A report as a health view: any fault makes it `fault`, else any warning `warning`, else `ok`. */
export function viewOf(report: { faults?: unknown; warnings?: unknown }): DeviceHealthView {
  const faults = problems(report.faults);
  const warnings = problems(report.warnings);
  return { state: faults.length ? 'fault' : warnings.length ? 'warning' : 'ok', faults, warnings };
}

/** What was raised and cleared going from `before` to `after` (by code and severity). */
export function changesBetween(device: DeviceKind, before: DeviceHealthView, after: DeviceHealthView, at: number): DeviceFaultChange[] {
  const keyed = (v: DeviceHealthView) =>
    new Map<string, DeviceProblem & { severity: 'fault' | 'warning' }>([
      ...v.warnings.map((p) => [`warning/${p.code}`, { ...p, severity: 'warning' as const }] as const),
      ...v.faults.map((p) => [`fault/${p.code}`, { ...p, severity: 'fault' as const }] as const),
    ]);
  const a = keyed(before);
  const b = keyed(after);
  const out: DeviceFaultChange[] = [];
  for (const [k, p] of a) if (!b.has(k)) out.push({ device, code: p.code, change: 'cleared', severity: p.severity, detail: p.detail, at });
  for (const [k, p] of b) if (!a.has(k)) out.push({ device, code: p.code, change: 'raised', severity: p.severity, detail: p.detail, at });
  return out;
}

type Step = { context: Partial<DeviceHealthContext>; settled: DeviceHealthView | null };

function settle(view: DeviceHealthView, now: number): Step {
  return { context: { stable: view, pending: null, pendingReports: 0, raiseDeadline: null, clearDeadline: null, settledAt: now }, settled: view };
}

/** The debounce rule: how one report moves the context. Pure. */
export function takeReport(ctx: DeviceHealthContext, report: DeviceHealthView, now: number, settleNow = false): Step {
  const s = RANK[ctx.stable.state];
  const r = RANK[report.state];
  if (settleNow || ctx.stable.state === 'unknown' || r === s) return settle(report, now);
  if (r > s) {
    const raising = ctx.raiseDeadline !== null;
    const reports = raising ? ctx.pendingReports + 1 : 1;
    if (reports >= ctx.debounce.raiseAfterReports) return settle(report, now);
    return { context: { pending: report, pendingReports: reports, raiseDeadline: raising ? ctx.raiseDeadline : now + ctx.debounce.raiseAfterMs, clearDeadline: null }, settled: null };
  }
  const clearing = ctx.clearDeadline !== null;
  return { context: { pending: report, pendingReports: 0, raiseDeadline: null, clearDeadline: clearing ? ctx.clearDeadline : now + ctx.debounce.clearAfterMs }, settled: null };
}

export function delaysFor(now: Now = systemNow) {
  return {
    raiseDelay: ({ context }: { context: DeviceHealthContext }) => msUntil(context.raiseDeadline, now),
    clearDelay: ({ context }: { context: DeviceHealthContext }) => msUntil(context.clearDeadline, now),
  };
}

/** The device-health machine on the clock `now` (the delays and the deadlines both use it). */
export function makeDeviceHealthMachine(now: Now = systemNow) {
  return setup({
    types: {
      context: {} as DeviceHealthContext,
      events: {} as DeviceHealthEvent,
      input: {} as DeviceHealthInput,
      emitted: {} as Omit<DeviceHealthSettled, 'type'> & { type: 'health.settled' },
    },
    delays: delaysFor(now),
    guards: {
      isRaising: ({ context }) => context.raiseDeadline !== null,
      isClearing: ({ context }) => context.clearDeadline !== null,
      isFault: ({ context }) => context.stable.state === 'fault',
      isWarning: ({ context }) => context.stable.state === 'warning',
      isOk: ({ context }) => context.stable.state === 'ok',
      isForThisDevice: ({ context, event }) => event.type !== 'DEVICE_HEALTH' || event.device === context.device,
    },
    actions: {
      /** apply a report (or settle the pending one) and tell the parent what settled */
      applyStep: enqueueActions(({ context, event, enqueue, self }, params: { settlePending?: boolean }) => {
        const at = now();
        let step: Step;
        if (params.settlePending) {
          if (!context.pending) return;
          step = settle(context.pending, at);
        } else if (event.type === 'REPORT' || event.type === 'DEVICE_HEALTH') {
          step = takeReport(context, viewOf(event), at, event.type === 'REPORT' && event.settleNow === true);
        } else return;
        enqueue.assign(step.context);
        if (!step.settled) return;
        const settled: DeviceHealthSettled = { type: 'DEVICE_HEALTH_SETTLED', device: context.device, health: step.settled, changes: changesBetween(context.device, context.stable, step.settled, at), at };
        enqueue.emit({ ...settled, type: 'health.settled' });
        if (self._parent) enqueue.sendParent(settled);
      }),
    },
  }).createMachine({
    id: 'deviceHealth',
    context: ({ input }) => ({
      device: DEVICE_KINDS.includes(input.device) ? input.device : 'printer',
      debounce: { ...DEFAULT_DEBOUNCE, ...input.debounce },
      stable: { state: 'unknown', faults: [], warnings: [] },
      pending: null,
      pendingReports: 0,
      raiseDeadline: null,
      clearDeadline: null,
      settledAt: null,
    }),
    initial: 'unknown',
    on: {
      REPORT: { target: '.routing', actions: { type: 'applyStep', params: {} } },
      DEVICE_HEALTH: { guard: 'isForThisDevice', target: '.routing', actions: { type: 'applyStep', params: {} } },
    },
    states: {
      unknown: {},
      ok: {},
      warning: {},
      fault: {},
      /** worse than settled, not raised yet */
      raising: {
        after: { raiseDelay: { target: 'routing', actions: { type: 'applyStep', params: { settlePending: true } } } },
        on: { 'zizhu.resume': { target: 'raising', reenter: true } },
      },
      /** better than settled, not cleared yet */
      clearing: {
        after: { clearDelay: { target: 'routing', actions: { type: 'applyStep', params: { settlePending: true } } } },
        on: { 'zizhu.resume': { target: 'clearing', reenter: true } },
      },
      routing: {
        always: [
          { guard: 'isRaising', target: 'raising' },
          { guard: 'isClearing', target: 'clearing' },
          { guard: 'isFault', target: 'fault' },
          { guard: 'isWarning', target: 'warning' },
          { guard: 'isOk', target: 'ok' },
          { target: 'unknown' },
        ],
      },
    },
  });
}

export const deviceHealthMachine = makeDeviceHealthMachine();
export type DeviceHealthMachine = ReturnType<typeof makeDeviceHealthMachine>;
