/**
 * Is each back office reachable? Learned from the calls the kiosk makes anyway, plus a probe while
 * one is down — so a service whose back office is unreachable is shown unavailable on the home
 * screen (with the reason) instead of taking a person through steps that will fail, and comes back
 * by itself.
 *
 * - `failuresToDown` calls in a row that could not reach it (timeout, connection refused, 5xx) → down.
 * - Any answer at all — a result, or a business refusal such as ORDER_NOT_EXIST — → up.
 * - While down, a harmless read every `probeEveryMs` (HIS: departments; provident-fund centre: an
 *   unknown e-social-security code; payment gateway: an order that does not exist).
 */
import { isBackendError, type BackendName } from '../../backends/errors.ts';
import type { BackOfficeClients } from './back-office.ts';

export type BackOfficeState = 'up' | 'down';

export interface BackOfficeHealthOptions {
  clients: BackOfficeClients;
  onChange: (backend: BackendName, state: BackOfficeState, detail: string) => void;
  /** default 2 */
  failuresToDown?: number;
  /** default 15 s */
  probeEveryMs?: number;
}

export interface BackOfficeHealth {
  /** the same clients, watched */
  readonly clients: BackOfficeClients;
  state(backend: BackendName): BackOfficeState | 'unknown';
  /** ask it now with its harmless read (the self-test): an answer of any kind is reachable; counts like any call */
  probe(backend: BackendName): Promise<{ reachable: boolean; detail: string }>;
  stop(): void;
}

const PROBES: Record<BackendName, (c: BackOfficeClients) => Promise<unknown> | undefined> = {
  his: (c) => c.his?.departments(),
  providentFund: (c) => c.providentFund?.personBySocialSecurityCode({ code: 'ZIZHU-REACHABILITY-PROBE' }),
  payment: (c) => c.payment?.queryOrder({ outTradeNo: 'ZIZHUPROBE00000000' }),
};

/** could not reach it (as opposed to an answer, even a refusal) */
const unreachable = (e: unknown): boolean => isBackendError(e) && e.retryable && e.code !== 'NOT_CONFIGURED';

export function watchBackOffice(o: BackOfficeHealthOptions): BackOfficeHealth {
  const failuresToDown = o.failuresToDown ?? 2;
  const probeEveryMs = o.probeEveryMs ?? 15_000;
  const states = new Map<BackendName, BackOfficeState>();
  const failures = new Map<BackendName, number>();
  const probes = new Map<BackendName, NodeJS.Timeout>();
  let stopped = false;

  const set = (b: BackendName, s: BackOfficeState, detail: string) => {
    if (states.get(b) === s) return;
    const before = states.get(b);
    states.set(b, s);
    if (s === 'down') startProbe(b);
    else stopProbe(b);
    // the first answer is no news: only a change after a known state, or a first "down", is reported
    if (before !== undefined || s === 'down') o.onChange(b, s, detail);
  };
  const answered = (b: BackendName) => {
    failures.set(b, 0);
    set(b, 'up', 'answering again');
  };
  const failed = (b: BackendName, e: unknown) => {
    const n = (failures.get(b) ?? 0) + 1;
    failures.set(b, n);
    if (n >= failuresToDown) set(b, 'down', (e as Error).message);
  };

  const watch = <T extends object>(b: BackendName, client: T): T =>
    new Proxy(client, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown).apply(target, args);
          if (!(r instanceof Promise)) return r;
          return r.then(
            (value) => {
              answered(b);
              return value;
            },
            (e: unknown) => {
              if (unreachable(e)) failed(b, e);
              else if (isBackendError(e) && e.kind === 'rejected') answered(b);
              throw e;
            },
          );
        };
      },
    });

  const clients: BackOfficeClients = {
    ...(o.clients.providentFund ? { providentFund: watch('providentFund', o.clients.providentFund) } : {}),
    ...(o.clients.his ? { his: watch('his', o.clients.his) } : {}),
    ...(o.clients.payment ? { payment: watch('payment', o.clients.payment) } : {}),
  };

  function startProbe(b: BackendName) {
    if (probes.has(b) || stopped) return;
    const t = setInterval(() => {
      void PROBES[b](clients)?.catch(() => undefined);
    }, probeEveryMs);
    t.unref();
    probes.set(b, t);
  }
  function stopProbe(b: BackendName) {
    const t = probes.get(b);
    if (t) clearInterval(t);
    probes.delete(b);
  }

  return {
    clients,
    state: (b) => states.get(b) ?? 'unknown',
    async probe(b) {
      const call = PROBES[b](clients);
      if (!call) return { reachable: false, detail: 'not configured on this kiosk' };
      try {
        await call;
        return { reachable: true, detail: 'answers' };
      } catch (e) {
        if (isBackendError(e) && !unreachable(e)) return { reachable: true, detail: `answers (${e.code})` };
        return { reachable: false, detail: `unreachable: ${(e as Error).message}` };
      }
    },
    stop() {
      stopped = true;
      for (const b of [...probes.keys()]) stopProbe(b);
    },
  };
}
