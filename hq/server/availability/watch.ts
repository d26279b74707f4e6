/**
 * Availability's part of HQ's watch, run by the monitor's tick (monitor/monitor.ts): this run of
 * HQ is alive (hq_runs), PROMISED_HOURS_BROKEN (promised-hours-alarm.ts) and, once per local day of
 * each zone, AFTER_HOURS_UNUSED (after-hours-alarm.ts). `startHqServer` makes one per server.
 */
import type { HqDb } from '../db/open.ts';
import type { HqLog } from '../log.ts';
import { AfterHoursWatch, type AfterHoursOptions } from './after-hours-alarm.ts';
import { markHqAlive, startHqRun } from './hq-runs.ts';
import { HoursParser } from './load.ts';
import { checkPromisedHours, DEFAULT_BROKEN_AFTER_MS } from './promised-hours-alarm.ts';
import { ServicesParser } from './timeline.ts';

/** startHqServer's `availability` option. */
export interface AvailabilityOptions {
  /** PROMISED_HOURS_BROKEN after this long unusable inside promised hours (default 15 min) */
  brokenAfterMs?: number;
  /** AFTER_HOURS_UNUSED: office time, nights in a row, the least after-hours time a night promises */
  afterHours?: AfterHoursOptions;
}

export interface AvailabilityTick {
  promisedHoursBroken: { raised: string[]; cleared: string[] };
  afterHoursUnused: { raised: string[]; cleared: string[] };
}

export interface AvailabilityWatch {
  /** this server's run in hq_runs */
  runId: string;
  tick(now: number): Promise<AvailabilityTick>;
  /** a clean stop: the run was alive until `now` */
  stop(now: number): Promise<void>;
}

export async function startAvailabilityWatch(o: { db: HqDb; log: HqLog; flapWindowMs: number; startedAt: number } & AvailabilityOptions): Promise<AvailabilityWatch> {
  const hours = new HoursParser(o.log);
  const parser = new ServicesParser();
  const afterHours = new AfterHoursWatch({ db: o.db, log: o.log, flapWindowMs: o.flapWindowMs, hours, ...o.afterHours });
  const runId = await startHqRun(o.db, o.startedAt);
  const broken = { db: o.db, log: o.log, flapWindowMs: o.flapWindowMs, thresholdMs: o.brokenAfterMs ?? DEFAULT_BROKEN_AFTER_MS, hours, parser, quiet: new Map() };
  return {
    runId,
    async tick(now) {
      await markHqAlive(o.db, runId, now);
      return { promisedHoursBroken: await checkPromisedHours(broken, now), afterHoursUnused: await afterHours.tick(now) };
    },
    stop: (now) => markHqAlive(o.db, runId, now),
  };
}
