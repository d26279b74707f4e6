/**
 * One fault of the machine watch (display, GPU process, touch panel, disk): raised once when it
 * appears, cleared once when it goes, however often its check repeats. Every change is logged and
 * handed to `report` (the agent journals it as `fault.raised` / `fault.cleared` for HQ).
 */
import type { FaultCode } from '../../contracts/faults.ts';
import type { AnyFaultChange } from '../hq-events.ts';
import type { WatchReport } from './watch-report.ts';

export interface WatchLog {
  info(message: string): void;
  warn(message: string): void;
}

export type ReportFault = (change: AnyFaultChange) => void;

export class FaultLatch {
  private raisedDetail: string | null = null;
  private looked = false;

  constructor(
    private readonly fault: { code: FaultCode; device: AnyFaultChange['device']; severity: AnyFaultChange['severity'] },
    private readonly report: ReportFault,
    private readonly log?: WatchLog,
  ) {}

  get code(): FaultCode {
    return this.fault.code;
  }

  get raised(): boolean {
    return this.raisedDetail !== null;
  }

  /** whether its check has said anything yet (raise or clear), so this run can speak for the fault */
  get checked(): boolean {
    return this.looked;
  }

  /** the fault as the heartbeat's `watch` says it (./watch-report.ts) */
  watchReport(): WatchReport {
    return { faults: this.raised ? [this.fault.code] : [], checked: this.looked ? [this.fault.code] : [] };
  }

  /** Raise (once) with what was found; true when this call raised it. */
  raise(detail: string, evidence?: Record<string, unknown>): boolean {
    this.looked = true;
    if (this.raisedDetail !== null) return false;
    this.raisedDetail = detail;
    this.log?.warn(`${this.fault.device} ${this.fault.severity === 'fault' ? 'FAULT' : 'WARNING'} ${this.fault.code}: ${detail}`);
    this.report({ ...this.fault, change: 'raised', detail, ...(evidence ? { evidence } : {}) });
    return true;
  }

  /** Clear (once) saying why; true when this call cleared it. */
  clear(detail: string): boolean {
    this.looked = true;
    if (this.raisedDetail === null) return false;
    this.raisedDetail = null;
    this.log?.info(`${this.fault.device} cleared ${this.fault.code}: ${detail}`);
    this.report({ ...this.fault, change: 'cleared', detail });
    return true;
  }
}
