/**
 * `zizhu hq fleet-sim --hq URL --kiosks N [--interval S] [--faults RATE] [--user NAME] [--seed N] [--prefix P]`:
 * enrolls and drives a simulated fleet until SIGINT/SIGTERM (or `io.signal`), one summary line every 10 s.
 * The operator password comes from $ZIZHU_HQ_PASSWORD or the first line of stdin.
 */
import { createInterface } from 'node:readline';
import { FLEET_SIM_USAGE, parseFleetSimArgs } from '../fleet-sim/args.ts';
import { runFleetSim, type FleetSimStats } from '../fleet-sim/fleet.ts';

/** What the command writes to and reads from; `runtime/cli/io.ts`'s CliIo fits (the rest is for tests). */
export interface FleetSimIo {
  out(line: string): void;
  err(line: string): void;
  stdin?: NodeJS.ReadableStream;
  env?: Record<string, string | undefined>;
  /** stops the run like SIGINT does */
  signal?: AbortSignal;
  /** how often the summary line is printed (default 10 s) */
  summaryEveryMs?: number;
}

const EXIT_OK = 0;
const EXIT_FAULT = 1;
const EXIT_BAD_INPUT = 2;

export function summaryLine(s: FleetSimStats, w: FleetSimStats): string {
  return (
    `fleet-sim: ${s.kiosks} kiosks, ${s.requests} requests (+${w.requests}), ${s.events} events, ${s.errors} errors (+${w.errors}); ` +
    `ingest last window p50 ${w.p50Ms} ms p99 ${w.p99Ms} ms max ${w.maxMs} ms`
  );
}

async function firstLine(stdin: NodeJS.ReadableStream): Promise<string | undefined> {
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return undefined;
  } finally {
    rl.close();
  }
}

export async function fleetSimCommand(args: string[], io: FleetSimIo): Promise<number> {
  const parsed = parseFleetSimArgs(args);
  if ('help' in parsed) {
    io.out(FLEET_SIM_USAGE);
    return EXIT_OK;
  }
  if ('error' in parsed) {
    io.err(`zizhu hq fleet-sim: ${parsed.error}`);
    return EXIT_BAD_INPUT;
  }
  const a = parsed.ok;
  const env = io.env ?? process.env;
  const password = env.ZIZHU_HQ_PASSWORD || (await firstLine(io.stdin ?? process.stdin));
  if (!password) {
    io.err('zizhu hq fleet-sim: no password: set ZIZHU_HQ_PASSWORD or give it on the first line of stdin');
    return EXIT_BAD_INPUT;
  }
  let sim;
  try {
    sim = await runFleetSim({
      hqUrl: a.hqUrl,
      kiosks: a.kiosks,
      intervalSeconds: a.intervalSeconds,
      faultsPerKioskHour: a.faultsPerKioskHour,
      seed: a.seed,
      prefix: a.prefix,
      credentials: { user: a.user, password },
      log: (line) => io.out(line),
    });
  } catch (e) {
    io.err(`zizhu hq fleet-sim: ${(e as Error).message}`);
    return EXIT_FAULT;
  }
  const running = sim;
  const summary = setInterval(() => io.out(summaryLine(running.stats(), running.windowStats())), io.summaryEveryMs ?? 10_000);
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      io.signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (io.signal?.aborted) done();
    else io.signal?.addEventListener('abort', done);
  });
  clearInterval(summary);
  await running.stop();
  io.out(summaryLine(running.stats(), running.windowStats()).replace('fleet-sim:', 'fleet-sim stopped:'));
  return EXIT_OK;
}
