/**
 * `zizhu doctor` while the kiosk agent runs: the agent holds the devices' ports, so opening them
 * here would only report three FAULTs (and disturb the agent). Instead the doctor says who holds
 * them and shows the agent's own view, read from its loopback status endpoint (agent.json).
 */
import { probeAgentLock } from '../agent-lock.ts';
import { fetchAgentStatus, type AgentStatus } from '../status-endpoint.ts';
import type { DoctorRow } from './doctor.ts';
import type { KioskConfig } from '../../kiosk-config/schema.ts';
import { describeTransport } from '../../kiosk-config/check-command.ts';

const LABELS = { idReader: 'ID card reader', printer: 'receipt printer', scanner: 'QR scanner' } as const;

export interface RunningAgentView {
  /** one line: who holds the ports and where this view comes from */
  note: string;
  agent: { pid: number; holderPid: number | undefined };
  rows: DoctorRow[];
  /** the agent's link to HQ, in one line */
  hqLink?: string;
  /** why the agent's view could not be read (then there are no rows) */
  problem?: string;
}

type LineNoise = NonNullable<AgentStatus['devices'][number]['lineNoise']>;

/** What the agent's line-noise meter saw (issue 11), in words; undefined when the line has been clean. */
export function lineNoiseText(n: LineNoise | undefined): string | undefined {
  if (!n || (n.garbageBytes === 0 && n.events === 0)) return undefined;
  const now = n.persistent ? `noisy in ${n.noisyWindows} of the last ${n.windows} windows` : n.noisy ? 'noisy now' : 'quiet now';
  return `line noise ignored: ${n.garbageBytes} byte(s) of garbage, ${n.events} event(s) since the agent started, ${now}`;
}

/** The doctor's rows from the agent's status: its faults and warnings, and noise its line carried. */
export function rowsOf(status: AgentStatus): DoctorRow[] {
  return status.devices.map((d) => {
    const result = d.faults.length ? 'FAULT' : d.warnings.length ? 'WARN' : 'OK';
    const said = [...d.faults, ...d.warnings].map((p) => p.detail).join('; ') || 'ok (as the agent sees it)';
    const noise = lineNoiseText(d.lineNoise);
    return { device: d.device, label: LABELS[d.device], link: d.link, result, faults: d.faults.map((f) => f.code), warnings: d.warnings.map((w) => w.code), detail: noise ? `${said}; ${noise}` : said };
  });
}

/** The agent's HQ link as the doctor prints it. */
export function hqLinkLine(l: AgentStatus['hqLink']): string {
  if (!l || l.state === 'not-configured') return 'HQ link: not configured (events stay in the journal)';
  if (l.state !== 'running') return `HQ link: ${l.state}${l.lastError ? ` — ${l.lastError.message}` : ''}`;
  const waiting = `${l.backlog.pending} event(s) waiting${l.backlog.oldestCreatedAt ? ` since ${l.backlog.oldestCreatedAt}` : ''}`;
  const last = l.lastDeliveryAt ? `last delivered ${l.lastDeliveryAt}` : 'nothing delivered yet';
  const failing = l.failures ? `; ${l.failures} failure(s) in a row, next try ${l.nextRetryAt ?? 'soon'}: ${l.lastError?.message ?? ''}` : '';
  const aside = l.setAside.length ? `; ${l.setAside.length} event(s) refused by HQ and set aside` : '';
  return `HQ link: ${l.url} — ${last}, ${waiting}${failing}${aside}`;
}

/**
 * The running agent's view of the devices `config` names, or undefined when no agent holds
 * `dataDir` (or that cannot be told: `onUnknown`), or the agent that does drives other ports.
 */
export async function runningAgentView(config: KioskConfig, dataDir: string, onUnknown: (why: string) => void): Promise<RunningAgentView | undefined> {
  const probe = probeAgentLock(dataDir);
  if (probe.state === 'unknown') onUnknown(`cannot tell whether the kiosk agent runs (${probe.reason}); run zizhu doctor as the kiosk's user`);
  if (probe.state !== 'held') return undefined;
  const h = probe.holder;
  const who = h ? `the kiosk agent (pid ${h.agentPid ?? h.pid}${h.agentPid ? `, run by ${h.command} pid ${h.pid}` : `, ${h.command}`})` : 'the kiosk agent';
  const agent = { pid: h?.agentPid ?? h?.pid ?? 0, holderPid: h?.pid };
  if (!h?.status) {
    const note = `${who} holds the devices' ports (data directory ${dataDir}) and is still starting; run zizhu doctor again in a moment`;
    return { note, agent, rows: [], problem: note };
  }
  try {
    const status = await fetchAgentStatus(h.status);
    const ours = new Set(Object.values(config.devices).map((d) => describeTransport(d.transport)));
    if (!status.devices.some((d) => ours.has(d.link))) return undefined;
    return { note: `${who} holds the devices' ports; its own view of them (${h.status.url}), nothing opened here:`, agent: { ...agent, pid: status.pid }, rows: rowsOf(status), hqLink: hqLinkLine(status.hqLink) };
  } catch (e) {
    const note = `${who} holds the devices' ports, but its status endpoint ${h.status.url} did not answer (${(e as Error).message}); is the agent hung? see its log`;
    return { note, agent, rows: [], problem: note };
  }
}
