import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultCode, type DeviceFault } from '../../contracts/faults.ts';
import { openPtyPair, type PtyPair } from '../../hardware-sim/pty.ts';
import { SerialLink } from '../transport/serial.ts';
import { SimulatedIdReader, type SimulatedIdReaderOptions } from '../../hardware-sim/id-reader/simulator.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { IdCardReader, type IdCardReaderEvents, type IdCardReaderOptions, type IdReaderHealth } from './device.ts';
import type { IdCard } from './card.ts';

/**
 * The driver against the simulator over a real PTY pair (socat): both ends are SerialLinks on
 * real serial ports, the simulator paces its bytes at 115200 baud like a real UART.
 */
interface Rig {
  pty: PtyPair;
  kiosk: SerialLink;
  simLink: SerialLink;
  sim: SimulatedIdReader;
  reader: IdCardReader;
  events: { name: keyof IdCardReaderEvents; arg?: unknown }[];
  logs: string[];
}

let rig: Rig | undefined;

async function makeRig(simOpts: SimulatedIdReaderOptions = {}, readerOpts: Partial<IdCardReaderOptions> = {}): Promise<Rig> {
  const pty = await openPtyPair();
  const kiosk = new SerialLink({ path: pty.kioskPath, baudRate: 115200 });
  const simLink = new SerialLink({ path: pty.simPath, baudRate: 115200 });
  await Promise.all([kiosk.open(), simLink.open()]);
  const sim = new SimulatedIdReader({ rf: { findMs: 1, selectMs: 1, readMs: 5 }, ...simOpts });
  sim.attach(simLink);
  const logs: string[] = [];
  const reader = new IdCardReader({
    link: kiosk,
    pollIntervalMs: 15,
    responseTimeoutMs: 150,
    readTimeoutMs: 400,
    log: {
      debug: (m, meta) => logs.push(`${m} ${JSON.stringify(meta ?? {})}`),
      info: (m, meta) => logs.push(`${m} ${JSON.stringify(meta ?? {})}`),
      warn: (m, meta) => logs.push(`${m} ${JSON.stringify(meta ?? {})}`),
    },
    ...readerOpts,
  });
  const events: Rig['events'] = [];
  for (const name of ['card', 'cardRemoved', 'readFailed', 'fault', 'health'] as const) {
    reader.on(name, (arg?: unknown) => events.push({ name, arg }));
  }
  rig = { pty, kiosk, simLink, sim, reader, events, logs };
  return rig;
}

afterEach(async () => {
  if (!rig) return;
  const r = rig;
  rig = undefined;
  await r.reader.close();
  r.sim.detach();
  await Promise.all([r.kiosk.close(), r.simLink.close()]);
  await r.pty.close();
});

/** Resolve on the next matching event; fail the test (not a timing assertion) if it never comes. */
function next<K extends keyof IdCardReaderEvents>(
  reader: IdCardReader,
  name: K,
  match: (...args: IdCardReaderEvents[K]) => boolean = () => true,
  guardMs = 5000,
): Promise<IdCardReaderEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reader.off(name, listener as never);
      reject(new Error(`no "${name}" event within ${guardMs} ms`));
    }, guardMs);
    const listener = (...args: IdCardReaderEvents[K]) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      reader.off(name, listener as never);
      resolve(args);
    };
    reader.on(name, listener as never);
  });
}

/** Wait until the simulator has answered `n` more find commands (the reader kept polling). */
async function pollsPass(sim: SimulatedIdReader, n: number): Promise<void> {
  const start = sim.state().counters.byCommand.FIND_CARD ?? 0;
  for (let i = 0; i < 500; i++) {
    if ((sim.state().counters.byCommand.FIND_CARD ?? 0) >= start + n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the reader did not poll ${n} more times`);
}

const count = (r: Rig, name: keyof IdCardReaderEvents) => r.events.filter((e) => e.name === name).length;

describe('IdCardReader over a PTY against the simulator', () => {
  beforeEach(() => {
    rig = undefined;
  });

  it('emits exactly one card per placement, cardRemoved on removal, then again for the next placement', async () => {
    const r = await makeRig();
    r.reader.start();
    await pollsPass(r.sim, 2);
    expect(r.reader.health.state).toBe('ok');

    const first = next(r.reader, 'card');
    r.sim.placeCard('resident');
    const [card] = await first;
    expect(card).toEqual(SAMPLE_IDENTITIES.find((i) => i.id === 'resident')!.card);

    await pollsPass(r.sim, 10); // the card stays: no second event
    expect(count(r, 'card')).toBe(1);
    expect(r.reader.hasCard).toBe(true);

    const removed = next(r.reader, 'cardRemoved');
    r.sim.removeCard();
    await removed;
    expect(r.reader.hasCard).toBe(false);

    const second = next(r.reader, 'card');
    r.sim.placeCard('permit');
    const [permit] = await second;
    expect(permit.kind).toBe('permit');
    await pollsPass(r.sim, 5);
    expect(count(r, 'card')).toBe(2);
    expect(count(r, 'cardRemoved')).toBe(1);
  });

  it('reads every kind of card the simulator ships', async () => {
    const r = await makeRig();
    r.reader.start();
    for (const identity of SAMPLE_IDENTITIES) {
      const got = next(r.reader, 'card');
      r.sim.placeCard(identity.id);
      const [card] = await got;
      expect(card, identity.id).toEqual(identity.card);
      const gone = next(r.reader, 'cardRemoved');
      r.sim.removeCard();
      await gone;
    }
  });

  it('a card halted after reading (find answers 80 while it stays) is not taken as removed', async () => {
    const r = await makeRig({ haltAfterRead: true });
    r.reader.start();
    const got = next(r.reader, 'card');
    r.sim.placeCard('resident');
    await got;
    await pollsPass(r.sim, 10);
    expect(r.sim.state().card).toMatchObject({ present: true, halted: true });
    expect([count(r, 'card'), count(r, 'cardRemoved')]).toEqual([1, 0]);
    const gone = next(r.reader, 'cardRemoved');
    r.sim.removeCard();
    await gone;
  });

  it('readPresentCard: the card already on the antenna (halted too) is read afresh and emitted again; nothing without a card', async () => {
    const r = await makeRig({ haltAfterRead: true });
    r.reader.start();
    expect(await r.reader.readPresentCard()).toBe(false);
    const got = next(r.reader, 'card');
    r.sim.placeCard('resident');
    await got;
    await pollsPass(r.sim, 3);
    const reads = r.sim.state().counters.byCommand.READ_TEXT_PHOTO ?? 0;
    const again = next(r.reader, 'card');
    expect(await r.reader.readPresentCard()).toBe(true);
    const [card] = await again;
    expect(card.idNumber).toBe(SAMPLE_IDENTITIES.find((i) => i.id === 'resident')!.card.idNumber);
    expect(r.sim.state().counters.byCommand.READ_TEXT_PHOTO).toBe(reads + 1);
    expect(await r.reader.readPresentCard(() => false)).toBe(false);
    await pollsPass(r.sim, 5);
    expect([count(r, 'card'), count(r, 'cardRemoved')]).toEqual([2, 0]);
    const gone = next(r.reader, 'cardRemoved');
    r.sim.removeCard();
    await gone;
    expect(await r.reader.readPresentCard()).toBe(false);
  });

  it('SAM fault: health turns IDREADER_SAM_FAULT, selfCheck says so, and recovers', async () => {
    const r = await makeRig();
    r.reader.start();
    await pollsPass(r.sim, 1);
    const fault = next(r.reader, 'fault', (x: DeviceFault) => x.code === FaultCode.IDREADER_SAM_FAULT);
    r.sim.setSamFault(true);
    const [f] = await fault;
    expect(f.code).toBe(FaultCode.IDREADER_SAM_FAULT);
    expect(f.detail).toMatch(/SW3 60 sam_self_test_failed/);
    const check = await r.reader.selfCheck();
    expect(check).toMatchObject({ ok: false, sw3: '60', status: 'sam_self_test_failed', fault: FaultCode.IDREADER_SAM_FAULT });

    const healthy = next(r.reader, 'health', (h: IdReaderHealth) => h.state === 'ok');
    r.sim.setSamFault(false);
    await healthy;
    expect(await r.reader.selfCheck()).toMatchObject({ ok: true, sw3: '90', status: 'ok' });
  });

  it('read failure: readFailed, then the card on the next poll; persistent failures fault health', async () => {
    const r = await makeRig();
    r.reader.start();
    r.sim.failNextReads(1);
    const failed = next(r.reader, 'readFailed');
    const got = next(r.reader, 'card');
    r.sim.placeCard('foreigner');
    const [f] = await failed;
    expect(f.code).toBe(FaultCode.IDREADER_READ_FAILED);
    expect(f.context).toMatchObject({ sw3: '41', command: '30 01' });
    await got;
    expect(count(r, 'card')).toBe(1);
    expect(r.reader.health.state).toBe('ok');

    const gone = next(r.reader, 'cardRemoved');
    r.sim.removeCard();
    await gone;
    r.sim.setReadFailure(true);
    const fault = next(r.reader, 'fault', (x: DeviceFault) => x.code === FaultCode.IDREADER_READ_FAILED);
    r.sim.placeCard('resident');
    const [persistent] = await fault;
    expect(persistent.context).toMatchObject({ consecutive: 3 });
    expect(count(r, 'card')).toBe(1);

    const healthy = next(r.reader, 'health', (h: IdReaderHealth) => h.state === 'ok');
    const read = next(r.reader, 'card');
    r.sim.setReadFailure(false);
    await Promise.all([healthy, read]);
  });

  it('a corrupted 1295-byte read reply is rejected and the card is still read exactly once', async () => {
    const r = await makeRig();
    r.reader.start();
    r.sim.corruptNextReplies(1, 'read');
    const got = next(r.reader, 'card');
    r.sim.placeCard('resident-longterm');
    const [card] = await got;
    expect(card.validTo).toBe('长期');
    expect(r.sim.state().counters.corrupted).toBe(1);
    expect(r.logs.some((l) => /wrong checksum/.test(l))).toBe(true);
    await pollsPass(r.sim, 5);
    expect(count(r, 'card')).toBe(1);
  });

  it('garbled replies in a row turn health IDREADER_PROTOCOL_ERROR, then it recovers', async () => {
    const r = await makeRig();
    r.reader.start();
    const fault = next(r.reader, 'fault', (x: DeviceFault) => x.code === FaultCode.IDREADER_PROTOCOL_ERROR);
    r.sim.corruptNextReplies(3, 'find');
    const [f] = await fault;
    expect(f.code).toBe(FaultCode.IDREADER_PROTOCOL_ERROR);
    await next(r.reader, 'health', (h: IdReaderHealth) => h.state === 'ok');
  });

  it('no reply: IDREADER_NO_RESPONSE after the timeouts, selfCheck reports it, recovers when the reader answers', async () => {
    const r = await makeRig();
    r.reader.start();
    await pollsPass(r.sim, 1);
    const fault = next(r.reader, 'fault', (x: DeviceFault) => x.code === FaultCode.IDREADER_NO_RESPONSE);
    r.sim.setNoReply(true);
    const [f] = await fault;
    expect(f.code).toBe(FaultCode.IDREADER_NO_RESPONSE);
    expect(f.detail).toMatch(/no answer to (find card|select card) within 150 ms/);
    expect(await r.reader.selfCheck()).toMatchObject({ ok: false, fault: FaultCode.IDREADER_NO_RESPONSE });

    const healthy = next(r.reader, 'health', (h: IdReaderHealth) => h.state === 'ok');
    r.sim.setNoReply(false);
    await healthy;
    const got = next(r.reader, 'card');
    r.sim.placeCard('resident');
    await got;
  });

  it('reset and newest address', async () => {
    const r = await makeRig();
    expect(await r.reader.reset()).toEqual({ sw3: '90', status: 'ok' });
    r.sim.placeCard('resident-longterm');
    expect(await r.reader.readNewestAddress()).toBe('北京市朝阳区迁居测试街8号');
    r.sim.placeCard('resident');
    expect(await r.reader.readNewestAddress()).toBeNull();
    r.sim.removeCard();
    await expect(r.reader.readNewestAddress()).rejects.toMatchObject({ code: FaultCode.IDREADER_READ_FAILED });
  });

  it('logs nothing personal unmasked and keeps no photo', async () => {
    const r = await makeRig();
    r.reader.start();
    const got = next(r.reader, 'card');
    r.sim.placeCard('resident');
    const [card] = await got;
    const all = r.logs.join('\n');
    expect(all).toContain('ID card read');
    expect(all).toContain('张**');
    expect(all).toContain('1101**********1233');
    expect(all).not.toContain(card.name);
    expect(all).not.toContain(card.idNumber);
    expect(all).not.toContain(card.address);
    // the card event carries the text fields only
    expect(Object.keys(card as IdCard)).not.toContain('photo');
    expect(JSON.stringify(card)).not.toMatch(/WL/);
  });
});

describe('IdCardReader link health (in-memory link: the one thing a PTY cannot do on cue is vanish)', () => {
  it('link down → DEVICE_LINK_DOWN; link up again → ok, polling resumes', async () => {
    const { memoryLinkPair } = await import('../transport/memory.ts');
    const [kiosk, simSide] = memoryLinkPair('idlink');
    await kiosk.open();
    await simSide.open();
    const sim = new SimulatedIdReader({ baudRate: false, rf: { findMs: 0, selectMs: 0, readMs: 0 } });
    sim.attach(simSide);
    const reader = new IdCardReader({ link: kiosk, pollIntervalMs: 5, responseTimeoutMs: 100 });
    try {
      reader.start();
      await pollsPass(sim, 1);
      const down = next(reader, 'fault', (f: DeviceFault) => f.code === FaultCode.DEVICE_LINK_DOWN);
      kiosk.setState('down', 'unplugged');
      const [f] = await down;
      expect(f.detail).toMatch(/idlink:a is down: unplugged/);
      const before = sim.state().counters.requests;
      await new Promise((r) => setTimeout(r, 50));
      expect(sim.state().counters.requests).toBe(before); // a down link is not written to
      const up = next(reader, 'health', (h: IdReaderHealth) => h.state === 'ok');
      kiosk.setState('up');
      await up;
      const got = next(reader, 'card');
      sim.placeCard();
      await got;
    } finally {
      await reader.close();
      sim.detach();
    }
  });
});
