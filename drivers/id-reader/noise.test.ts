/**
 * Issue 11 for the ID card reader: replies matched to their request (a late or stray reply is
 * dropped, not taken for the answer), resync after trouble, a SAM fault believed only when it
 * persists, and line noise counted and shown, never raised from a burst.
 *
 * A scripted reader on an in-memory link plays the exact byte orders; the simulator over a real PTY
 * takes 64 KiB bursts of the control API's seeded noise while the driver polls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultCode, type DeviceFault } from '../../contracts/faults.ts';
import { memoryLinkPair, type MemoryLink } from '../transport/memory.ts';
import { SerialLink } from '../transport/serial.ts';
import { openPtyPair } from '../../hardware-sim/pty.ts';
import { SimulatedIdReader } from '../../hardware-sim/id-reader/simulator.ts';
import { noiseBytes } from '../../hardware-sim/line-noise.ts';
import { SAMPLE_IDENTITIES } from '../../hardware-sim/id-reader/identities.ts';
import { SamDeframer, SamCommand, describeCommand, encodeReply, parseRequest } from './protocol.ts';
import { whyNotAnAnswer } from './matching.ts';
import { IdCardReader, type IdReaderHealth } from './device.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const closers: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/**
 * A reader on the far end of an in-memory link that answers each request with what `script` says
 * for the n-th request (0-based): a list of reply frames, sent back to back (none: silence).
 */
async function scriptedReader(script: (command: string, n: number) => Uint8Array[]) {
  const [kiosk, device] = memoryLinkPair('id-reader');
  await Promise.all([kiosk.open(), device.open()]);
  const deframer = new SamDeframer();
  const requests: string[] = [];
  device.onData((chunk) => {
    for (const item of deframer.push(chunk)) {
      if (!('frame' in item)) continue;
      const req = parseRequest(item.frame.body);
      const command = describeCommand(req.cmd, req.para);
      for (const frame of script(command, requests.push(command) - 1)) void device.write(frame);
    }
  });
  const reader = new IdCardReader({ link: kiosk, responseTimeoutMs: 80, resyncQuietMs: 10 });
  closers.push(() => reader.close());
  return { reader, device: device as MemoryLink, requests };
}

describe('reply matching: a reply is taken only when it can answer the request', () => {
  it('whyNotAnAnswer: find, select, read, SAM status each accept their own replies (and the errors any request may get), nothing else', () => {
    const r = (sw3: number, data = 0) => ({ sw1: 0, sw2: 0, sw3, data: new Uint8Array(data) });
    expect(whyNotAnAnswer(SamCommand.SAM_STATUS, r(0x90))).toBeUndefined();
    expect(whyNotAnAnswer(SamCommand.SAM_STATUS, r(0x80))).toMatch(/SW3 80 no_card with 0 data bytes does not answer SAM status/);
    expect(whyNotAnAnswer(SamCommand.SAM_STATUS, r(0x9f, 4))).toMatch(/does not answer SAM status/);
    expect(whyNotAnAnswer(SamCommand.SAM_STATUS, r(0x60))).toBeUndefined();
    expect(whyNotAnAnswer(SamCommand.FIND_CARD, r(0x80))).toBeUndefined();
    expect(whyNotAnAnswer(SamCommand.FIND_CARD, r(0x9f, 4))).toBeUndefined();
    expect(whyNotAnAnswer(SamCommand.FIND_CARD, r(0x90, 8))).toMatch(/does not answer find card/);
    expect(whyNotAnAnswer(SamCommand.SELECT_CARD, r(0x90, 8))).toBeUndefined();
    expect(whyNotAnAnswer(SamCommand.SELECT_CARD, r(0x81))).toBeUndefined();
    expect(whyNotAnAnswer(SamCommand.SELECT_CARD, r(0x9f, 4))).toMatch(/does not answer select card/);
    expect(whyNotAnAnswer(SamCommand.READ_TEXT_PHOTO, r(0x90, 1284))).toBeUndefined();
    expect(whyNotAnAnswer(SamCommand.READ_TEXT_PHOTO, r(0x41))).toBeUndefined();
    expect(whyNotAnAnswer(SamCommand.READ_TEXT_PHOTO, r(0x90, 8))).toMatch(/does not answer read text\+photo/);
    expect(whyNotAnAnswer(SamCommand.READ_NEWEST_ADDRESS, r(0x91))).toBeUndefined();
    expect(whyNotAnAnswer(SamCommand.RESET, r(0x10))).toBeUndefined();
  });

  it('a SAM status request answered first by another exchange\'s "80 no_card", then by its own 90: the 80 is dropped, the self-check is right', async () => {
    const { reader } = await scriptedReader((command) => (command === 'SAM status' ? [encodeReply(0x80), encodeReply(0x90)] : []));
    const check = await reader.selfCheck();
    expect(check).toMatchObject({ ok: true, sw3: '90', status: 'ok' });
    expect(reader.health.lineNoise).toMatchObject({ noisy: true, events: 1 });
    expect(reader.health.lineNoise!.garbageBytes).toBe(encodeReply(0x80).length);
  });

  it('a reply that comes after its request timed out is not taken for the next request: the driver resyncs and gets the right answer', async () => {
    let late: Uint8Array | undefined;
    const { reader, device, requests } = await scriptedReader((command, n) => {
      if (n === 0) {
        // the first SAM status is answered only after the driver gave up on it
        late = encodeReply(0x80);
        return [];
      }
      return command === 'SAM status' ? [encodeReply(0x90)] : [];
    });
    const first = await reader.selfCheck();
    expect(first).toMatchObject({ ok: false, fault: FaultCode.IDREADER_NO_RESPONSE });
    await device.write(late!); // the late reply, while nothing is outstanding
    const second = await reader.selfCheck();
    expect(second).toMatchObject({ ok: true, sw3: '90' });
    expect(requests).toEqual(['SAM status', 'SAM status']);
  });

  it('one SAM-fault reply between good ones raises nothing; three in a row raise IDREADER_SAM_FAULT; three good ones clear it', async () => {
    const answers = [0x60, 0x90, 0x90, 0x60, 0x60, 0x60, 0x90, 0x90, 0x90];
    const { reader } = await scriptedReader((_c, n) => [encodeReply(answers[n] ?? 0x90)]);
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < answers.length; i++) {
      await reader.selfCheck();
      seen.push(reader.health.fault?.code);
    }
    const sam = FaultCode.IDREADER_SAM_FAULT;
    expect(seen).toEqual([undefined, undefined, undefined, undefined, undefined, sam, sam, sam, undefined]);
  });
});

describe('line noise on the ID reader line (simulator over a real PTY)', () => {
  it('64 KiB bursts while it polls, a card on and off: no fault raised or cleared, the line marked noisy, the card read exactly once', async () => {
    const pty = await openPtyPair();
    const kiosk = new SerialLink({ path: pty.kioskPath, baudRate: 115200 });
    const simLink = new SerialLink({ path: pty.simPath, baudRate: 115200 });
    await Promise.all([kiosk.open(), simLink.open()]);
    const sim = new SimulatedIdReader({ rf: { findMs: 1, selectMs: 1, readMs: 5 } });
    sim.attach(simLink);
    const reader = new IdCardReader({ link: kiosk, pollIntervalMs: 15, responseTimeoutMs: 150, readTimeoutMs: 400 });
    closers.push(() => pty.close(), () => Promise.all([kiosk.close(), simLink.close()]), () => sim.detach(), () => reader.close());
    const faults: DeviceFault[] = [];
    const health: IdReaderHealth[] = [];
    const cards: string[] = [];
    reader.on('fault', (f) => faults.push(f));
    reader.on('health', (h) => health.push(h));
    reader.on('card', (c) => cards.push(c.idNumber));
    reader.start();
    await sleep(100);
    expect(reader.health.state).toBe('ok');
    health.length = 0;

    for (const seed of [21, 22]) {
      await simLink.write(noiseBytes(65_536, seed));
      await sleep(300);
    }
    sim.placeCard('resident');
    await simLink.write(noiseBytes(65_536, 23));
    await sleep(500);
    sim.removeCard();
    await sleep(200);

    expect(faults).toEqual([]);
    expect(health.every((h) => h.state === 'ok' && !h.fault && !h.warnings)).toBe(true);
    expect(reader.health.lineNoise).toMatchObject({ noisy: true, persistent: false });
    expect(reader.health.lineNoise!.garbageBytes).toBeGreaterThan(3 * 60_000);
    expect(cards).toEqual([SAMPLE_IDENTITIES.find((i) => i.id === 'resident')!.card.idNumber]);
  }, 20_000);
});
