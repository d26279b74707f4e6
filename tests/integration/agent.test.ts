import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioskHardware, type RunningKioskHardware } from '../../hardware-sim/kiosk-hardware.ts';
import { simKioskConfig } from '../../runtime/sim-config.ts';
import { loadKioskConfig } from '../../kiosk-config/schema.ts';
import { startAgent, type RunningAgent } from '../../runtime/agent.ts';
import { openJournal } from '../../runtime/journal/journal.ts';
import { until } from '../until.ts';


describe('the agent with the simulated devices over PTYs', () => {
  let hw: RunningKioskHardware;
  let dir: string;
  let agent: RunningAgent;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-agent-'));
    hw = await startKioskHardware({ dir: join(dir, 'sim') });
    const config = await simKioskConfig(hw.describe());
    agent = await startAgent({ config, dataDir: join(dir, 'data'), logDir: join(dir, 'log'), console: false });
  });
  afterAll(async () => {
    await agent?.stop();
    await hw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const outboxKinds = () =>
    agent.journal.outbox
      .claim({ limit: 100, leaseMs: 1 })
      .map((r) => ({ kind: r.kind, payload: r.payload as { device: string; code: string } }));

  it('journals a printer fault for HQ when it appears and when it clears', async () => {
    hw.printer.setCoverOpen(true);
    const raised = await until('cover-open fault', () => outboxKinds().find((e) => e.kind === 'fault.raised' && e.payload.code === 'PRINTER_COVER_OPEN'));
    expect(raised.payload.device).toBe('printer');
    hw.printer.setCoverOpen(false);
    await until('cover-open cleared', () => outboxKinds().find((e) => e.kind === 'fault.cleared' && e.payload.code === 'PRINTER_COVER_OPEN'));
    expect(agent.faults.snapshot()).toEqual([]);
  });

  it('raises DEVICE_LINK_DOWN when the ID reader is unplugged, and clears it on replug', async () => {
    await hw.idReader.control('clear-faults', {});
    const cable = hw.describe().ports.idReader;
    expect(cable).toContain('id-reader');
    await fetch(`${hw.control.url}/devices/idReader/unplug`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await until('link down', () => agent.faults.snapshot().find((f) => f.device === 'idReader' && f.code === 'DEVICE_LINK_DOWN'));
    await fetch(`${hw.control.url}/devices/idReader/replug`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await until('link back', () => !agent.faults.snapshot().some((f) => f.device === 'idReader'), 15_000);
  });

  it('logs a card read with the name and ID number masked in the log file', async () => {
    await hw.idReader.control('card-on', { identity: 'resident' });
    const file = join(dir, 'log', 'agent.log');
    const text = await until('card in log', () => {
      try {
        const t = readFileSync(file, 'utf8');
        return t.includes('"kind":"resident"') ? t : undefined;
      } catch {
        return undefined;
      }
    });
    const identity = hw.idReader.state().identities.find((i) => i.id === 'resident');
    expect(identity).toBeDefined();
    expect(text).toMatch(/"idNumber":"\d{4}\*{10}[\dX]{4}"/);
    expect(text).not.toMatch(/\d{17}[\dX]/);
    await hw.idReader.control('card-off', {});
  });
});

describe('agent start-up after a crash', () => {
  it('reports AGENT_UNCLEAN_SHUTDOWN when the previous run never closed the journal, and not after a clean stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zizhu-agent-crash-'));
    const example = loadKioskConfig(join(import.meta.dirname, '../../kiosk-config/examples/gov-24h.json'));
    const config = { ...example, devices: {} };
    // a run that "dies": the journal is opened (its run row written) and never closed
    openJournal({ path: join(dir, 'journal.sqlite') });
    const agent = await startAgent({ config, dataDir: dir, logDir: false, console: false });
    const events = agent.journal.outbox.claim({ limit: 10, leaseMs: 60_000 });
    expect(agent.journal.startup.uncleanShutdown).not.toBeNull();
    await agent.stop();
    expect(events.map((e) => (e.payload as { code?: string }).code)).toContain('AGENT_UNCLEAN_SHUTDOWN');

    const again = await startAgent({ config, dataDir: dir, logDir: false, console: false });
    expect(again.journal.startup.uncleanShutdown).toBeNull();
    await again.stop();
    await rm(dir, { recursive: true, force: true });
  });
});
