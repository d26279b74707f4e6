/**
 * The agent's fault changes as HQ events (contracts/hq.ts): the device boards, the screen watchdog
 * and the lifecycle each say `raised` / `cleared` with a blocking `fault` or a `warning`; HQ gets
 * the code's alarm severity from the one table in contracts/faults.ts.
 */
import { severityOf, type FaultCode } from '../contracts/faults.ts';
import type { FaultPayload, HqEventPayload } from '../contracts/hq.ts';

export interface AnyFaultChange {
  device: FaultPayload['device'];
  code: FaultCode;
  change: 'raised' | 'cleared';
  severity: 'fault' | 'warning';
  detail: string;
  evidence?: Record<string, unknown>;
}

type FaultEvent = ['fault.raised' | 'fault.cleared', HqEventPayload<'fault.raised'>];

/** `[type, payload]` for `outbox.enqueue(...faultEvent(c))`. */
export function faultEvent(c: AnyFaultChange): FaultEvent {
  return [
    c.change === 'raised' ? 'fault.raised' : 'fault.cleared',
    {
      code: c.code,
      device: c.device,
      severity: severityOf(c.code),
      blocking: c.severity === 'fault',
      detail: c.detail.length > 500 ? `${c.detail.slice(0, 497)}…` : c.detail,
      ...(c.evidence ? { evidence: c.evidence } : {}),
    },
  ];
}
