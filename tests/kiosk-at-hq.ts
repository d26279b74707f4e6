/**
 * The pieces the watchdog's integration tests share: a kiosk config enrolled at a real HQ (heartbeat
 * every second, its secret in an env variable), and the kiosk process with its own headless Chromium
 * on the test's clock (no log files, no console; development's no-sandbox, since tests run as root).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../hardware-sim/kiosk-hardware.ts';
import { startBackOffice, type BackOffice } from '../backends/simulators.ts';
import { simConfigJson, SIM_PAYMENT_CREDENTIAL_ENV, type SimExample } from '../runtime/sim-config.ts';
import { parseKioskConfig, type KioskConfig } from '../kiosk-config/schema.ts';
import { startKioskProcess, type KioskProcessOptions, type RunningKioskProcess } from '../runtime/kiosk-process.ts';
import { startHqServer, type RunningHq } from '../hq/server/server.ts';
import { enrollKiosk } from '../hq/server/kiosks/enroll.ts';
import type { Now } from '../state-machines/deadlines.ts';

/** HQ on an SQLite file in `dir`, its offline sweep out of the way, no console bundle */
export const startTestHq = (dir: string, now: Now): Promise<RunningHq> =>
  startHqServer({ dbUrl: `sqlite:${join(dir, 'hq.sqlite')}`, now, offlineCheckMs: 3_600_000, consoleDir: '/nonexistent/dist' });

export interface EnrolledConfig {
  config: KioskConfig;
  /** the env the agent reads its HQ secret from */
  env: NodeJS.ProcessEnv;
}

/**
 * The simulator's `example` config as kiosk `id`, enrolled at `hq`; `edit` changes the raw JSON
 * before it is parsed (so the schema checks the test's changes too).
 */
export async function enrolledSimConfig(o: {
  hq: RunningHq;
  hw: RunningKioskHardware;
  bo: BackOffice;
  now: Now;
  id: string;
  secretEnv: string;
  example?: SimExample;
  edit?: (raw: Record<string, unknown>) => void;
}): Promise<EnrolledConfig> {
  const secret = await enrollKiosk(o.hq.db, { id: o.id, site: 'test-site', district: '福田区' }, o.now);
  const example = o.example ?? 'gov-24h';
  const raw = await simConfigJson(o.hw.describe(), example, { urls: o.bo.urls, merchantId: o.bo.merchantId });
  raw.id = o.id;
  raw.hq = { url: o.hq.url, credentialsRef: `env:${o.secretEnv}`, heartbeatSeconds: 1 };
  o.edit?.(raw);
  return { config: parseKioskConfig(raw, `${example} as ${o.id}, for a test`), env: { [o.secretEnv]: secret } };
}

/** the kiosk process with its own headless Chromium, its journal in `dir/data` */
export function startChromiumKiosk(
  o: { config: KioskConfig; dir: string; now: Now; env?: NodeJS.ProcessEnv } & Pick<KioskProcessOptions, 'watchdog' | 'recovery' | 'onRestart'>,
): Promise<RunningKioskProcess> {
  return startKioskProcess({
    config: o.config,
    shell: 'chromium',
    headless: true,
    developmentNoSandbox: true, // tests run as root here
    dataDir: join(o.dir, 'data'),
    logDir: false,
    console: false,
    now: o.now,
    env: { ...process.env, [SIM_PAYMENT_CREDENTIAL_ENV]: 'test', ...o.env },
    ...(o.watchdog ? { watchdog: o.watchdog } : {}),
    ...(o.recovery ? { recovery: o.recovery } : {}),
    ...(o.onRestart ? { onRestart: o.onRestart } : {}),
  });
}

export interface KioskAtHq {
  dir: string;
  hq: RunningHq;
  hw: RunningKioskHardware;
  bo: BackOffice;
  k: RunningKioskProcess;
  /** everything stopped, in order, and the folder removed */
  close(): Promise<void>;
}

/**
 * A whole stack in a new temporary folder: HQ, the simulated devices, the back offices, and the
 * kiosk `id` enrolled at HQ with its own headless Chromium. `atHq` runs once HQ is up (users, logins).
 */
export async function startKioskAtHq(
  o: { prefix: string; now: Now; id: string; secretEnv: string; atHq?: (hq: RunningHq) => Promise<void> } & Pick<KioskProcessOptions, 'watchdog' | 'recovery'>,
): Promise<KioskAtHq> {
  const dir = await mkdtemp(join(tmpdir(), o.prefix));
  const parts: Partial<KioskAtHq> = { dir };
  const close = async () => {
    await parts.k?.stop();
    await parts.bo?.close();
    await parts.hw?.close();
    await parts.hq?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const hq = (parts.hq = await startTestHq(dir, o.now));
    await o.atHq?.(hq);
    const hw = (parts.hw = await startKioskHardware({ dir: join(dir, 'sim') }));
    const bo = (parts.bo = await startBackOffice({ now: o.now }));
    const { config, env } = await enrolledSimConfig({ hq, hw, bo, now: o.now, id: o.id, secretEnv: o.secretEnv });
    const k = await startChromiumKiosk({ config, dir, now: o.now, env, ...(o.watchdog ? { watchdog: o.watchdog } : {}), ...(o.recovery ? { recovery: o.recovery } : {}) });
    return { dir, hq, hw, bo, k, close };
  } catch (e) {
    await close();
    throw e;
  }
}
