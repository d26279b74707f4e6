/**
 * `/metrics`: fleet aggregates only — kiosks by state and district, active alarms by severity and
 * code, ingest requests by result, ingest events, ingest latency — never a series per kiosk or
 * per event (50,000 kiosks must not become 50,000 series). Own Registry per server.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HqDb } from '../db/open.ts';
import { kioskStateRow } from '../api/views.ts';

export const INGEST_RESULTS = ['accepted', '400', '401', '413', '500'] as const;
export type IngestResult = (typeof INGEST_RESULTS)[number];

export interface HqMetrics {
  registry: Registry;
  ingestRequest(result: IngestResult, seconds: number): void;
  ingestEvents(accepted: number, duplicates: number): void;
}

export function ingestResultOf(statusCode: number): IngestResult {
  if (statusCode < 300) return 'accepted';
  if (statusCode === 400 || statusCode === 401 || statusCode === 413) return String(statusCode) as IngestResult;
  return statusCode >= 500 ? '500' : '400';
}

export function createMetrics(db: HqDb): HqMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'zizhu_hq_kiosks',
    help: 'Enrolled kiosks by state (as the console shows it) and district',
    labelNames: ['state', 'district'] as const,
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom('kiosks')
        .select((eb) => ['district', 'lifecycle', 'offline', 'enabled', eb.fn.countAll<number>().as('n')])
        .select((eb) => eb.case().when('last_seen_at', 'is', null).then(1).else(0).end().as('never_seen'))
        .groupBy(['district', 'lifecycle', 'offline', 'enabled', 'never_seen'])
        .execute();
      this.reset();
      for (const r of rows) {
        const state = kioskStateRow({ lifecycle: r.lifecycle, offline: r.offline, enabled: r.enabled, last_seen_at: r.never_seen ? null : 0 });
        this.inc({ state, district: r.district ?? 'none' }, Number(r.n));
      }
    },
  });
  new Gauge({
    name: 'zizhu_hq_alarms_active',
    help: 'Active alarms (acknowledged or not) by severity and fault code',
    labelNames: ['severity', 'code'] as const,
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom('alarms')
        .select((eb) => ['severity', 'code', eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['active-unack', 'active-ack'])
        .groupBy(['severity', 'code'])
        .execute();
      this.reset();
      for (const r of rows) this.set({ severity: r.severity, code: r.code }, Number(r.n));
    },
  });
  const requests = new Counter({ name: 'zizhu_hq_ingest_requests_total', help: 'Ingest requests by result (accepted, or the refusal status)', labelNames: ['result'] as const, registers: [registry] });
  for (const r of INGEST_RESULTS) requests.inc({ result: r }, 0);
  const events = new Counter({ name: 'zizhu_hq_ingest_events_total', help: 'Events received in accepted ingest requests, new or duplicate', labelNames: ['outcome'] as const, registers: [registry] });
  events.inc({ outcome: 'accepted' }, 0);
  events.inc({ outcome: 'duplicate' }, 0);
  const latency = new Histogram({
    name: 'zizhu_hq_ingest_duration_seconds',
    help: 'Time from an ingest request arriving to its answer',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    registry,
    ingestRequest(result, seconds) {
      requests.inc({ result });
      latency.observe(seconds);
    },
    ingestEvents(accepted, duplicates) {
      if (accepted) events.inc({ outcome: 'accepted' }, accepted);
      if (duplicates) events.inc({ outcome: 'duplicate' }, duplicates);
    },
  };
}
