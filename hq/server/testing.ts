/**
 * Speaking to HQ's ingest like a kiosk does, for tests, the fleet simulator and the e2e stack:
 * events with ids, a kiosk's own `seq` and its clock, signed exactly as the kiosk link signs them.
 * No test framework here — the fleet simulator runs it in production code.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { FAULT_SEVERITY, type FaultCode } from '../../contracts/faults.ts';
import { HQ_INGEST_PATH, IngestHeaders, type HqEvent, type HqEventPayload, type HqEventType, type IngestResponse } from '../../contracts/hq.ts';
import { ingestSignature } from '../../contracts/hq-signing.ts';

/** A clock tests move by hand (HQ's `now`, or a kiosk's). */
export class ManualClock {
  constructor(public t = Date.UTC(2026, 5, 10, 4, 0, 0)) {}
  readonly now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

export interface IngestRequestInit {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  payload: string;
}

export interface SignOptions {
  /** the timestamp signed and sent (the kiosk's clock), epoch ms */
  now: number;
  nonce?: string;
  /** sign with these instead (tests of refusals) */
  timestamp?: string;
  kioskHeader?: string;
}

/** A signed `POST /api/v1/ingest` of `body` (an object is sent as JSON). */
export function signedIngestRequest(kioskId: string, secret: string, body: string | object, o: SignOptions): IngestRequestInit {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = o.timestamp ?? String(o.now);
  const nonce = o.nonce ?? randomBytes(16).toString('hex');
  return {
    method: 'POST',
    url: HQ_INGEST_PATH,
    payload,
    headers: {
      'content-type': 'application/json',
      [IngestHeaders.kiosk]: o.kioskHeader ?? kioskId,
      [IngestHeaders.timestamp]: timestamp,
      [IngestHeaders.nonce]: nonce,
      [IngestHeaders.signature]: ingestSignature(secret, timestamp, nonce, payload),
    },
  };
}

export interface IngestAnswer {
  status: number;
  body: IngestResponse & { error?: string };
}

/** Send a prepared request to an app (inject) or a base URL (fetch). */
export async function sendIngest(target: FastifyInstance | string, r: IngestRequestInit): Promise<IngestAnswer> {
  if (typeof target === 'string') {
    const res = await fetch(new URL(r.url, target), { method: r.method, headers: r.headers, body: r.payload });
    return { status: res.status, body: (await res.json()) as IngestAnswer['body'] };
  }
  const res = await target.inject({ method: r.method, url: r.url, headers: r.headers, payload: r.payload });
  return { status: res.statusCode, body: res.json() };
}

export const heartbeatPayload = (over: Partial<HqEventPayload<'heartbeat'>> = {}, clockMs = Date.UTC(2026, 5, 10, 4, 0, 0)): HqEventPayload<'heartbeat'> => ({
  lifecycle: 'inService',
  devices: {
    idReader: { state: 'ok', faults: [], warnings: [] },
    printer: { state: 'ok', faults: [], warnings: [] },
    scanner: { state: 'ok', faults: [], warnings: [] },
  },
  hours: { open: true, nextChangeAt: null },
  outboxBacklog: 0,
  clock: new Date(clockMs).toISOString(),
  intervalSeconds: 30,
  ...over,
});

export const faultPayload = (code: FaultCode, over: Partial<HqEventPayload<'fault.raised'>> = {}): HqEventPayload<'fault.raised'> => ({
  code,
  device: code.startsWith('PRINT') ? 'printer' : code.startsWith('IDREADER') ? 'idReader' : code.startsWith('SCANNER') ? 'scanner' : 'kiosk',
  severity: FAULT_SEVERITY[code],
  blocking: true,
  detail: code,
  ...over,
});

/** One simulated kiosk's side of the link: numbering, its clock, signing, sending. */
export class IngestKiosk {
  seq: number;
  constructor(
    readonly id: string,
    readonly secret: string,
    /** the kiosk's clock */
    readonly now: () => number,
    firstSeq = 1,
  ) {
    this.seq = firstSeq - 1;
  }

  /** the next event (takes the next seq; `at` is the kiosk's clock) */
  event<K extends HqEventType>(type: K, payload: HqEventPayload<K>, o: { at?: number; id?: string; seq?: number } = {}): HqEvent {
    const seq = o.seq ?? ++this.seq;
    if (seq > this.seq) this.seq = seq;
    return { id: o.id ?? randomUUID(), seq, type, at: new Date(o.at ?? this.now()).toISOString(), payload } as unknown as HqEvent;
  }

  heartbeat(over: Partial<HqEventPayload<'heartbeat'>> = {}): HqEvent {
    return this.event('heartbeat', heartbeatPayload(over, this.now()));
  }

  request(events: readonly unknown[], o: Partial<SignOptions> & { body?: object | string } = {}): IngestRequestInit {
    return signedIngestRequest(this.id, this.secret, o.body ?? { kioskId: this.id, events }, { now: this.now(), ...o });
  }

  send(target: FastifyInstance | string, events: readonly unknown[], o: Partial<SignOptions> & { body?: object | string } = {}): Promise<IngestAnswer> {
    return sendIngest(target, this.request(events, o));
  }
}
