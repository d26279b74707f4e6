/** The flags of `zizhu hq fleet-sim`, checked: one clear line for the first thing wrong. */
import { parseArgs } from 'node:util';

export const FLEET_SIM_USAGE =
  'usage: zizhu hq fleet-sim --hq URL --kiosks N [--interval S] [--faults RATE] [--user NAME] [--seed N] [--prefix P]   (password: $ZIZHU_HQ_PASSWORD or the first line of stdin)';

export interface FleetSimArgs {
  hqUrl: string;
  kiosks: number;
  intervalSeconds: number;
  faultsPerKioskHour: number;
  user: string;
  seed: number;
  prefix: string;
}

export function parseFleetSimArgs(args: string[]): { ok: FleetSimArgs } | { help: true } | { error: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        hq: { type: 'string' },
        kiosks: { type: 'string' },
        interval: { type: 'string' },
        faults: { type: 'string' },
        user: { type: 'string' },
        seed: { type: 'string' },
        prefix: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  }
  if (values.help) return { help: true };
  const text = (k: string): string | undefined => values[k] as string | undefined;
  const hq = text('hq');
  if (!hq) return { error: '--hq URL is required (e.g. --hq http://127.0.0.1:8470)' };
  let url: URL;
  try {
    url = new URL(hq);
  } catch {
    return { error: `--hq must be an http(s) URL, got "${hq}"` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `--hq must be an http(s) URL, got "${hq}"` };
  const number = (k: string, fallback: number | undefined, ok: (n: number) => boolean, what: string): number | string => {
    const raw = text(k);
    if (raw === undefined) return fallback ?? `--${k} is required (${what})`;
    const n = /^\s*$/.test(raw) ? NaN : Number(raw);
    return Number.isFinite(n) && ok(n) ? n : `--${k} must be ${what}, got "${raw}"`;
  };
  const kiosks = number('kiosks', undefined, (n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000, 'a whole number of kiosks, 1 to 1000000');
  const interval = number('interval', 30, (n) => n >= 0.05 && n <= 86_400, 'a heartbeat interval in seconds, 0.05 to 86400');
  const faults = number('faults', 0.1, (n) => n >= 0 && n <= 1_000_000, 'faults per kiosk per hour, 0 or more');
  const seed = number('seed', 1, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff, 'a whole number 0 to 4294967295');
  for (const v of [kiosks, interval, faults, seed]) if (typeof v === 'string') return { error: v };
  const prefix = text('prefix') ?? 'sim-';
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(prefix)) return { error: `--prefix must be 1–40 letters, digits, ".", "_" or "-", got "${prefix}"` };
  const user = text('user') ?? 'admin';
  if (!user || user.length > 64) return { error: '--user must be 1–64 characters' };
  return { ok: { hqUrl: url.toString().replace(/\/$/, ''), kiosks: kiosks as number, intervalSeconds: interval as number, faultsPerKioskHour: faults as number, user, seed: seed as number, prefix } };
}
