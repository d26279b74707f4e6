/**
 * The kiosk's clock against HQ's. Each ingest answer carries HQ's `serverTime`; halfway through
 * the round trip the kiosk's clock should have read the same. More than CLOCK_SKEW_LIMIT_MS off →
 * CLOCK_SKEW raised (device 'link', a warning: the kiosk still serves, but hours, "today" and
 * every timestamp it sends are wrong); back inside → cleared.
 *
 * While the skew is beyond the limit the link signs with HQ's time (kiosk clock + skew): HQ
 * refuses signatures more than 5 minutes off, and the alarm about the clock must still get through.
 */
import { CLOCK_SKEW_LIMIT_MS } from '../../contracts/hq.ts';
import { FaultCode } from '../../contracts/faults.ts';
import type { AnyFaultChange } from '../hq-events.ts';

export interface SkewReading {
  /** HQ's clock minus the kiosk's (ms): positive when the kiosk is behind */
  skewMs: number;
  roundTripMs: number;
  /** 'serverTime' (exact) or 'date-header' (to the second, from a refusal) */
  source: 'serverTime' | 'date-header';
}

/** The skew from one exchange: HQ's time against the middle of the kiosk's round trip. */
export function skewOf(serverTime: number, sentAt: number, receivedAt: number): number {
  return Math.round(serverTime - (sentAt + receivedAt) / 2);
}

const words = (ms: number) => `${Math.round(Math.abs(ms) / 1000)} s ${ms > 0 ? 'behind' : 'ahead of'}`;

export class ClockSkewWatch {
  private last: SkewReading | null = null;
  private raised = false;

  constructor(
    private readonly report: (change: AnyFaultChange) => void,
    private readonly limitMs = CLOCK_SKEW_LIMIT_MS,
  ) {}

  observe(r: SkewReading): void {
    this.last = r;
    // a Date header is good to a second: it may raise (far off) but only an exact reading clears
    const beyond = Math.abs(r.skewMs) > this.limitMs;
    const evidence = { skewMs: r.skewMs, roundTripMs: r.roundTripMs, source: r.source, limitMs: this.limitMs };
    if (beyond && !this.raised) {
      this.raised = true;
      this.report({ device: 'link', code: FaultCode.CLOCK_SKEW, change: 'raised', severity: 'warning', detail: `the kiosk's clock is ${words(r.skewMs)} HQ's (limit ${this.limitMs / 1000} s): hours, "today" and event times are off; check NTP`, evidence });
    } else if (!beyond && this.raised && r.source === 'serverTime') {
      this.raised = false;
      this.report({ device: 'link', code: FaultCode.CLOCK_SKEW, change: 'cleared', severity: 'warning', detail: `the kiosk's clock agrees with HQ's again (${words(r.skewMs)})`, evidence });
    }
  }

  /** Added to the kiosk's clock when signing: HQ's time while the skew is beyond the limit, else nothing. */
  get signingOffsetMs(): number {
    return this.raised && this.last ? this.last.skewMs : 0;
  }

  get status(): { skewMs: number | null; roundTripMs: number | null; raised: boolean } {
    return { skewMs: this.last?.skewMs ?? null, roundTripMs: this.last?.roundTripMs ?? null, raised: this.raised };
  }
}
