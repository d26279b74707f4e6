/**
 * The fleet simulator: enrolls N kiosks at an HQ (or takes their secrets) and drives them with signed
 * ingest batches — heartbeats every interval (each kiosk's first at a random point of the first
 * interval, so the fleet spreads evenly), faults, lockouts, sessions, command results — through one
 * keep-alive HTTP agent and one timer wheel. Every ingest request's latency goes into a histogram.
 */
import { HQ_INGEST_PATH, INGEST_MAX_BATCH_BYTES, INGEST_MAX_EVENTS } from '../../contracts/hq.ts';
import { signedIngestHeaders } from '../../contracts/hq-signing.ts';
import { LatencyHistogram } from './histogram.ts';
import { EnrollError, HqClient, enrollKiosk, login, type Answer } from './http.ts';
import { SimKiosk } from './kiosk.ts';
import { SESSIONS_PER_HOUR } from './catalogue.ts';
import { planFleet, type KioskPlan } from './places.ts';
import { backoffMs, mulberry32, streamSeed } from './random.ts';
import { TimerWheel } from './wheel.ts';

export interface FleetSimOptions {
  hqUrl: string;
  kiosks: number;
  intervalSeconds: number;
  /** faults raised per kiosk per hour of the kiosks' clock (default 0.1) */
  faultsPerKioskHour?: number;
  /** sessions per open kiosk per hour (default 6 for gov-24h, 12 for hospital kiosks) */
  sessionsPerKioskHour?: number;
  seed?: number;
  /** kiosk ids are `${prefix}00001`… (default `sim-`) */
  prefix?: string;
  /** an operator to enroll with (default user admin, password $ZIZHU_HQ_PASSWORD), or every kiosk's secret by id */
  credentials?: { user: string; password: string } | { kioskSecrets: Map<string, string> };
  /** the kiosks' clock, epoch ms (event times and signatures; default Date.now) */
  now?: () => number;
  log?: (line: string) => void;
  /** keep-alive sockets to HQ (default 256) */
  maxSockets?: number;
}

export interface FleetSimStats {
  kiosks: number;
  requests: number;
  events: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface FleetSim {
  stop(): Promise<void>;
  /** totals since the start; latencies are of ingest requests that got an answer */
  stats(): FleetSimStats;
  /** the same for the time since the previous `windowStats()` (or the start) */
  windowStats(): FleetSimStats;
  /** the kiosks driven */
  readonly plan: readonly KioskPlan[];
}

const BACKOFF_CAP_MS = 60_000;
const ENROLL_CONCURRENCY = 16;

export async function runFleetSim(o: FleetSimOptions): Promise<FleetSim> {
  if (!Number.isInteger(o.kiosks) || o.kiosks < 1) throw new RangeError(`kiosks must be a positive integer, got ${o.kiosks}`);
  if (!(o.intervalSeconds > 0)) throw new RangeError(`intervalSeconds must be positive, got ${o.intervalSeconds}`);
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const intervalMs = o.intervalSeconds * 1000;
  const plan = planFleet({ kiosks: o.kiosks, seed: o.seed, prefix: o.prefix });
  const client = new HqClient(new URL(o.hqUrl), o.maxSockets);

  let secrets: string[];
  try {
    secrets = await secretsFor(client, plan, o, log);
  } catch (e) {
    client.close();
    throw e;
  }

  const seed = o.seed ?? 1;
  const rngs = plan.map((_, i) => mulberry32(streamSeed(seed, i)));
  const kiosks = plan.map((p, i) => {
    const k = new SimKiosk({
      plan: p,
      rng: rngs[i]!,
      heartbeatSeconds: Math.max(1, Math.round(o.intervalSeconds)),
      faultsPerHour: o.faultsPerKioskHour ?? 0.1,
      sessionsPerHour: o.sessionsPerKioskHour ?? SESSIONS_PER_HOUR[p.kind],
    });
    k.secret = secrets[i]!;
    return k;
  });
  const idJson = plan.map((p) => JSON.stringify(p.id));
  const heartbeatDue = new Float64Array(plan.length);
  const backoffUntil = new Float64Array(plan.length);
  const failures = new Uint32Array(plan.length);
  const total = { requests: 0, events: 0, errors: 0, latency: new LatencyHistogram() };
  const window = { requests: 0, events: 0, errors: 0, latency: new LatencyHistogram() };
  const reported = new Set<string>();
  let inFlight = 0;
  let stopping = false;
  let drained: (() => void) | null = null;

  // a 10 ms tick keeps each tick's burst of sends short (the event loop is free to take answers promptly)
  const wheel = new TimerWheel(plan.length, drive, Math.min(10, Math.max(2, intervalMs / 20)));

  function trouble(kind: string, line: string): void {
    total.errors++;
    window.errors++;
    if (reported.has(kind)) return;
    reported.add(kind);
    log(`fleet-sim: ${line} (reported once; the error count goes on)`);
  }

  function reschedule(i: number, realNow: number, simNow: number): void {
    if (stopping) return;
    const k = kiosks[i]!;
    let at = k.pending.length > 0 ? realNow : Math.min(heartbeatDue[i]!, realNow + Math.max(0, k.nextEventAt() - simNow));
    if (backoffUntil[i]! > at) at = backoffUntil[i]!;
    wheel.schedule(i, at);
  }

  function drive(i: number): void {
    const k = kiosks[i]!;
    const realNow = wheel.now();
    const simNow = now();
    if (!k.started) k.start(simNow);
    k.advance(simNow);
    if (realNow >= heartbeatDue[i]!) {
      k.heartbeat(simNow);
      // keep the kiosk's phase; one that fell a whole interval behind (backoff, a stall) starts afresh
      const next = heartbeatDue[i]! + intervalMs;
      heartbeatDue[i] = next > realNow ? next : realNow + intervalMs;
    }
    if (k.pending.length === 0 || stopping) return reschedule(i, realNow, simNow);
    let n = 0;
    let bytes = 64;
    while (n < k.pending.length && n < INGEST_MAX_EVENTS && bytes + k.pending[n]!.length * 3 < INGEST_MAX_BATCH_BYTES) bytes += k.pending[n++]!.length * 3 + 1;
    const body = `{"kioskId":${idJson[i]},"events":[${n === k.pending.length ? k.pending.join(',') : k.pending.slice(0, n).join(',')}]}`;
    const started = performance.now();
    inFlight++;
    client.post(HQ_INGEST_PATH, body, signedIngestHeaders(k.id, k.secret, body, simNow)).then(
      (a) => answered(i, n, started, a),
      (e: Error) => failed(i, `HQ unreachable: ${e.message}`, 'network'),
    );
  }

  function answered(i: number, n: number, started: number, a: Answer): void {
    const ms = performance.now() - started;
    total.latency.record(ms);
    window.latency.record(ms);
    total.requests++;
    window.requests++;
    const k = kiosks[i]!;
    if (a.status === 200) {
      k.acknowledge(n);
      total.events += n;
      window.events += n;
      failures[i] = 0;
      backoffUntil[i] = 0;
      const commands = commandsOf(a.body);
      if (commands.length > 0) k.onCommands(commands, now());
      return settle(i);
    }
    if (a.status === 401 || a.status === 429 || a.status === 408 || a.status >= 500) return failed(i, `ingest answered HTTP ${a.status} for ${k.id}: backing off`, `http-${a.status}`);
    // anything else (400, 413): HQ refuses this batch and always will; it leaves the outbox and HQ shows the gap
    k.acknowledge(n);
    trouble(`http-${a.status}`, `ingest refused a batch of ${k.id} with HTTP ${a.status}: ${a.body.slice(0, 300)}`);
    settle(i);
  }

  function failed(i: number, line: string, kind: string): void {
    trouble(kind, line);
    failures[i]!++;
    backoffUntil[i] = wheel.now() + backoffMs(failures[i]!, Math.min(1000, intervalMs), BACKOFF_CAP_MS, rngs[i]!);
    settle(i);
  }

  function settle(i: number): void {
    inFlight--;
    if (stopping) {
      if (inFlight === 0) drained?.();
      return;
    }
    reschedule(i, wheel.now(), now());
  }

  const startedAt = wheel.now();
  for (let i = 0; i < kiosks.length; i++) {
    heartbeatDue[i] = startedAt + rngs[i]!.next() * intervalMs;
    wheel.schedule(i, heartbeatDue[i]!);
  }
  wheel.start();
  log(`fleet-sim: driving ${kiosks.length} kiosks at ${o.hqUrl}, a heartbeat every ${o.intervalSeconds} s`);

  const statsOf = (s: typeof total): FleetSimStats => {
    const l = s.latency.summary();
    return { kiosks: kiosks.length, requests: s.requests, events: s.events, errors: s.errors, p50Ms: l.p50Ms, p99Ms: l.p99Ms, maxMs: l.maxMs };
  };
  return {
    plan,
    stats: () => statsOf(total),
    windowStats: () => {
      const s = statsOf(window);
      window.requests = window.events = window.errors = 0;
      window.latency.reset();
      return s;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      wheel.stop();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, 5_000).unref();
        });
      }
      client.close();
    },
  };
}

function commandsOf(body: string): readonly unknown[] {
  if (body.indexOf('"commands":[]') >= 0) return [];
  try {
    const c = (JSON.parse(body) as { commands?: unknown }).commands;
    return Array.isArray(c) ? c : [];
  } catch {
    return [];
  }
}

async function secretsFor(client: HqClient, plan: readonly KioskPlan[], o: FleetSimOptions, log: (line: string) => void): Promise<string[]> {
  const c = o.credentials;
  if (c && 'kioskSecrets' in c) {
    const missing = plan.filter((p) => !c.kioskSecrets.has(p.id));
    if (missing.length) throw new EnrollError(`no secret given for ${missing.length} kiosk(s), e.g. ${missing[0]!.id}`);
    return plan.map((p) => c.kioskSecrets.get(p.id)!);
  }
  const user = c?.user ?? 'admin';
  const password = c?.password ?? process.env.ZIZHU_HQ_PASSWORD;
  if (!password) throw new EnrollError('no operator password: pass credentials or set ZIZHU_HQ_PASSWORD');
  const session = await login(client, user, password);
  const secrets = new Array<string>(plan.length);
  let next = 0;
  let lastLog = Date.now();
  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const i = next++;
      const { id, site, district, address, lat, lng } = plan[i]!;
      secrets[i] = await enrollKiosk(client, session, { id, site, district, address, lat, lng });
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        log(`fleet-sim: enrolled ${i + 1} of ${plan.length} kiosks`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ENROLL_CONCURRENCY, plan.length) }, worker));
  log(`fleet-sim: ${plan.length} kiosks enrolled as ${user}`);
  return secrets;
}
