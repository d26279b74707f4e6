/**
 * A fake HQ for the link's tests: Fastify on 127.0.0.1:0 answering `POST /api/v1/ingest` the way
 * the real one does — the signature checked with contracts/hq-signing.ts, every event with
 * `HqEventSchema` (a 400 names `events[i]`), bodies over 1 MiB refused (413) — and on demand 503,
 * 401, 400 for chosen events and 413 for batches over a size; it hands out queued commands once.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { HQ_INGEST_PATH, HqEventSchema, INGEST_MAX_BATCH_BYTES, INGEST_MAX_BODY_BYTES, INGEST_MAX_EVENTS, IngestHeaders, IngestRequestSchema, type HqCommand, type HqEvent } from '../../contracts/hq.ts';
import { ingestSignature, signaturesMatch } from '../../contracts/hq-signing.ts';
import type { Journal } from '../journal/journal.ts';
import type { HqLink, HqLinkOptions } from './link.ts';

export interface FakeHqOptions {
  kioskId: string;
  secret: string;
  /** HQ's clock (default Date.now) */
  now?: () => number;
}

export interface FakeHq {
  url: string;
  /** every event HQ took, in arrival order, each once */
  readonly events: HqEvent[];
  /** the number of events in each batch that reached the handler (signed right) */
  readonly batches: number[];
  /** the largest body seen, in bytes */
  readonly maxBodyBytes: number;
  duplicates: number;
  /** requests refused with a bad signature or kiosk */
  unauthorized: number;
  /** answer every request with this status (e.g. 503, 401) until set back to null */
  down: number | null;
  /** refuse a batch containing an event this picks (400 naming it) */
  refuseEvent: ((e: HqEvent) => boolean) | null;
  /** refuse batches of more than this many events (413) */
  maxEvents: number | null;
  /** added to HQ's clock in answers (serverTime) */
  skewMs: number;
  /** answer 2xx with this body instead of an ingest answer (once per entry) */
  malformed: unknown[];
  /** handed out with the next answer, once */
  queueCommand(c: unknown): void;
  /** events of one type, in arrival order */
  ofType<T extends HqEvent['type']>(type: T): Extract<HqEvent, { type: T }>[];
  close(): Promise<void>;
}

export async function startFakeHq(o: FakeHqOptions): Promise<FakeHq> {
  const now = o.now ?? Date.now;
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: INGEST_MAX_BODY_BYTES });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: INGEST_MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => reply.code(err.statusCode ?? 500).send({ error: err.message }));
  const seen = new Set<string>();
  const pending: unknown[] = [];
  const hq: FakeHq = {
    url: '',
    events: [],
    batches: [],
    maxBodyBytes: 0,
    duplicates: 0,
    unauthorized: 0,
    down: null,
    refuseEvent: null,
    maxEvents: null,
    skewMs: 0,
    malformed: [],
    queueCommand: (c) => void pending.push(c),
    ofType: <T extends HqEvent['type']>(type: T) => hq.events.filter((e): e is Extract<HqEvent, { type: T }> => e.type === type),
    close: () => app.close(),
  };

  app.post(HQ_INGEST_PATH, async (req, reply) => {
    if (hq.down !== null) return reply.code(hq.down).send({ error: hq.down === 401 ? 'unauthorized' : 'HQ is down (test)' });
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    (hq as { maxBodyBytes: number }).maxBodyBytes = Math.max(hq.maxBodyBytes, raw.length);
    const h = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : '');
    const ts = h(IngestHeaders.timestamp);
    if (h(IngestHeaders.kiosk) !== o.kioskId || !signaturesMatch(ingestSignature(o.secret, ts, h(IngestHeaders.nonce), raw), h(IngestHeaders.signature))) {
      hq.unauthorized++;
      return reply.code(401).send({ error: 'unauthorized' });
    }
    const body = JSON.parse(raw.toString('utf8')) as unknown;
    const outer = IngestRequestSchema.safeParse(body);
    if (!outer.success || outer.data.kioskId !== o.kioskId) return reply.code(400).send({ error: `kioskId: wrong or missing` });
    const events: HqEvent[] = [];
    for (const [i, e] of outer.data.events.entries()) {
      const r = HqEventSchema.safeParse(e);
      if (!r.success) return reply.code(400).send({ error: `events[${i}].${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}` });
      if (hq.refuseEvent?.(r.data)) return reply.code(400).send({ error: `events[${i}].payload: refused by the test` });
      events.push(r.data);
    }
    if (events.length > INGEST_MAX_EVENTS || raw.length > INGEST_MAX_BATCH_BYTES + 1024) return reply.code(400).send({ error: `events: batch over the limits (${events.length} events, ${raw.length} bytes)` });
    if (hq.maxEvents !== null && events.length > hq.maxEvents) return reply.code(413).send({ error: 'too large (test)' });
    hq.batches.push(events.length);
    if (hq.malformed.length) return reply.code(200).send(hq.malformed.shift());
    let accepted = 0;
    let duplicates = 0;
    for (const e of events) {
      if (seen.has(e.id)) duplicates++;
      else {
        seen.add(e.id);
        hq.events.push(e);
        accepted++;
      }
    }
    hq.duplicates += duplicates;
    return { accepted, duplicates, serverTime: now() + hq.skewMs, commands: pending.splice(0) as HqCommand[] };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  hq.url = `http://127.0.0.1:${port}`;
  return hq;
}

/** Polls `probe` until it gives a value; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A link that only carries a journal's events to the HQ at `url` (the outage test and the drain
 * bench): a quiet heartbeat, no kiosk to lock, no log, the secret from its own environment.
 */
export async function eventsOnlyLink(o: { url: string; kioskId: string; secret: string; journal: Journal; now?: () => number; backoff?: HqLinkOptions['backoff'] }): Promise<HqLink> {
  const { startHqLink } = await import('./link.ts');
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
  return startHqLink({
    config: { url: o.url, credentialsRef: 'env:ZIZHU_EVENTS_ONLY_LINK_SECRET', heartbeatSeconds: 1 },
    kioskId: o.kioskId,
    journal: o.journal,
    log: silent,
    ...(o.now ? { now: o.now } : {}),
    env: { ZIZHU_EVENTS_ONLY_LINK_SECRET: o.secret },
    heartbeat: () => ({ lifecycle: 'inService', devices: {}, hours: { open: true, nextChangeAt: null }, backends: {} }),
    ...(o.backoff ? { backoff: o.backoff } : {}),
  });
}
