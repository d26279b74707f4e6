/**
 * The agent as the integration tests run it: the example config pointed at the simulated devices,
 * the back-office simulators as its back offices (short retry pauses), journal and logs under `dir`,
 * on the test's pinned clock.
 */
import { join } from 'node:path';
import type { RunningKioskHardware } from '../hardware-sim/kiosk-hardware.ts';
import type { BackOffice } from '../backends/simulators.ts';
import { simKioskConfig, type SimExample } from '../runtime/sim-config.ts';
import { startAgent, type AgentOptions, type RunningAgent } from '../runtime/agent.ts';
import type { KioskConfig } from '../kiosk-config/schema.ts';
import { backOfficeForSimulators } from '../runtime/flows/back-office.ts';
import type { Now } from '../state-machines/deadlines.ts';

export async function startSimAgent(o: { hw: RunningKioskHardware; bo: BackOffice; dir: string; now: Now; example: SimExample }): Promise<RunningAgent> {
  const config = await simKioskConfig(o.hw.describe(), o.example);
  return startAgent({
    config,
    dataDir: join(o.dir, 'data'),
    logDir: join(o.dir, 'log'),
    console: false,
    now: o.now,
    backOffice: {
      clients: backOfficeForSimulators(o.bo.urls, { merchantId: o.bo.merchantId, timeoutMs: 1_000 }),
      notifyPort: 0,
      retryPauseMs: () => 20,
      recoveryRetry: { firstMs: 20, maxMs: 200 },
    },
  });
}

/**
 * The agent on a test's own config: journal under `dir/data`, no log files, no console, the
 * back-office simulators as its back offices (2 s timeouts, 20 ms retry pauses); `more` adds the
 * test's screen and HQ options.
 */
export function startTestAgent(config: KioskConfig, o: { dir: string; bo: BackOffice; now: Now }, more: Pick<AgentOptions, 'screen' | 'hq'> = {}): Promise<RunningAgent> {
  return startAgent({
    config,
    dataDir: join(o.dir, 'data'),
    logDir: false,
    console: false,
    now: o.now,
    backOffice: { clients: backOfficeForSimulators(o.bo.urls, { merchantId: o.bo.merchantId, timeoutMs: 2_000 }), retryPauseMs: () => 20 },
    ...more,
  });
}
