/**
 * The agent's own view of its devices, for `zizhu doctor` while the agent holds the ports: a
 * loopback HTTP GET `/status` with a bearer token made at every boot. Its address and token are
 * recorded in `<dataDir>/agent.json` (0600), next to the agent's lock (runtime/agent-lock.ts).
 * Device health only — fault codes and what they mean; no personal data.
 */
import { createServer } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FaultCode } from '../contracts/faults.ts';
import type { DeviceName } from './device-faults.ts';
import type { RunningAgent } from './agent.ts';
import type { HqLinkStatus } from './hq-link/link.ts';
import type { LineNoiseReport } from '../drivers/transport/line-noise.ts';

export interface AgentStatus {
  pid: number;
  kioskId: string;
  startedAt: string;
  /** the kiosk lifecycle's status (e.g. inService, outOfService), when the agent has a screen */
  kiosk?: string;
  /** `lineNoise`: what the device's line carries that decodes to nothing (issue 11) */
  devices: { device: DeviceName; link: string; faults: Problem[]; warnings: Problem[]; lineNoise?: LineNoiseReport }[];
  /** the link to HQ: last delivery, backlog, last error, set-aside events, clock skew */
  hqLink?: HqLinkStatus;
}
type Problem = { code: FaultCode; detail: string };

export interface StatusEndpoint {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** What the endpoint answers for `agent`: every configured device as the agent sees it now. */
export function agentStatusOf(agent: Pick<RunningAgent, 'config' | 'devices' | 'faults' | 'kiosk'> & Partial<Pick<RunningAgent, 'hqLink'>>, startedAt: string): AgentStatus {
  const present = agent.faults.snapshot();
  const of = (device: DeviceName, severity: 'fault' | 'warning') => present.filter((p) => p.device === device && p.severity === severity).map(({ code, detail }) => ({ code, detail }));
  return {
    pid: process.pid,
    kioskId: agent.config.id,
    startedAt,
    ...(agent.kiosk ? { kiosk: agent.kiosk.screen().kiosk.status } : {}),
    devices: (Object.keys(agent.config.devices) as DeviceName[]).map((device) => ({
      device,
      link: agent.devices[device]?.link.name ?? 'not opened',
      faults: of(device, 'fault'),
      warnings: of(device, 'warning'),
      ...(agent.devices[device]?.health.lineNoise ? { lineNoise: agent.devices[device].health.lineNoise } : {}),
    })),
    ...(agent.hqLink ? { hqLink: agent.hqLink.status() } : {}),
  };
}

export async function startStatusEndpoint(read: () => AgentStatus): Promise<StatusEndpoint> {
  const token = randomBytes(18).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const server = createServer((req, res) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return send(401, { error: 'the token from agent.json is required' });
    if (req.method !== 'GET' || req.url !== '/status') return send(404, { error: 'GET /status only' });
    send(200, read());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/status`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Asks a running agent for its status (what agent.json recorded). */
export async function fetchAgentStatus(status: { url: string; token: string }, timeoutMs = 3_000): Promise<AgentStatus> {
  const r = await fetch(status.url, { headers: { authorization: `Bearer ${status.token}` }, signal: AbortSignal.timeout(timeoutMs) });
  if (!r.ok) throw new Error(`${status.url} answered ${r.status}`);
  return (await r.json()) as AgentStatus;
}
