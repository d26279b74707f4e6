import { afterEach, describe, expect, it } from 'vitest';
import { memoryLinkPair, type MemoryLink } from '../../drivers/transport/memory.ts';
import { SamDeframer, encodeRequest, findCardRequest, hex, parseReply, readTextPhotoRequest, samStatusRequest, selectCardRequest, SamCommand } from '../../drivers/id-reader/protocol.ts';
import { cardOfReadReply } from '../../drivers/id-reader/card.ts';
import { SimControlError } from '../control-error.ts';
import { SimulatedIdReader, SIM_ID_READER_ACTIONS } from './simulator.ts';
import { SAMPLE_IDENTITIES } from './identities.ts';

/** The simulator's protocol behaviour at codec level (the PTY path is covered by the driver tests). */
let sim: SimulatedIdReader;
let kiosk: MemoryLink;

async function setup(opts: ConstructorParameters<typeof SimulatedIdReader>[0] = {}) {
  const [a, b] = memoryLinkPair('id');
  await a.open();
  await b.open();
  sim = new SimulatedIdReader({ baudRate: false, rf: { findMs: 0, selectMs: 0, readMs: 0 }, ...opts });
  sim.attach(b);
  kiosk = a;
}

afterEach(() => sim?.detach());

/** Send raw bytes, collect the next reply frame (or null if none arrives within `guardMs`). */
async function ask(bytes: Uint8Array, guardMs = 300): Promise<Uint8Array | null> {
  const d = new SamDeframer();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, guardMs);
    const off = kiosk.onData((chunk) => {
      for (const item of d.push(chunk)) {
        clearTimeout(timer);
        off();
        resolve('frame' in item ? item.frame.body : Uint8Array.of(0xee, 0xee, item.error.code === 'BAD_CHECKSUM' ? 0xcc : 0xee));
      }
    });
    void kiosk.write(bytes);
  });
}

const sw3 = (body: Uint8Array | null) => (body ? hex([body[2]!]) : 'none');

describe('SimulatedIdReader protocol', () => {
  it('answers the published find/select/read sequence', async () => {
    await setup();
    expect(sw3(await ask(samStatusRequest()))).toBe('90');
    expect(sw3(await ask(findCardRequest()))).toBe('80');
    expect(sw3(await ask(selectCardRequest()))).toBe('81');
    sim.placeCard('permit');
    expect(sw3(await ask(findCardRequest()))).toBe('9F');
    expect(sw3(await ask(selectCardRequest()))).toBe('90');
    const read = await ask(readTextPhotoRequest());
    expect(read).not.toBeNull();
    expect(read!.length).toBe(3 + 4 + 256 + 1024);
    expect(cardOfReadReply(parseReply(read!))).toEqual(SAMPLE_IDENTITIES.find((i) => i.id === 'permit')!.card);
  });

  it('a read before select fails with 41; a 30 10 read carries an empty fingerprint block', async () => {
    await setup();
    sim.placeCard();
    expect(sw3(await ask(readTextPhotoRequest()))).toBe('41');
    await ask(selectCardRequest());
    const fp = await ask(encodeRequest(SamCommand.READ_TEXT_PHOTO_FINGERPRINT));
    expect(hex(fp!.subarray(3, 9))).toBe('01 00 04 00 00 00');
  });

  it('answers a damaged request with 10 (checksum) and an unknown command with 21', async () => {
    await setup();
    const bad = findCardRequest();
    bad[bad.length - 1] = 0x00; // the right one is 0x22
    expect(sw3(await ask(bad))).toBe('10');
    expect(sw3(await ask(encodeRequest([0x5a, 0x01])))).toBe('21');
  });

  it('fault injection: SAM fault, read failure, corrupt checksum, no reply', async () => {
    await setup();
    sim.placeCard();
    sim.control('sam-fault', {});
    expect(sw3(await ask(samStatusRequest()))).toBe('60');
    expect(sw3(await ask(findCardRequest()))).toBe('60');
    sim.control('sam-fault', { on: false });
    await ask(selectCardRequest());
    sim.control('read-failure', { count: 1 });
    expect(sw3(await ask(readTextPhotoRequest()))).toBe('41');
    expect(sw3(await ask(readTextPhotoRequest()))).toBe('90');
    sim.control('corrupt-checksum', {});
    const corrupted = await ask(samStatusRequest());
    expect(hex(corrupted!)).toBe('EE EE CC'); // the client's deframer saw a bad checksum
    expect(sw3(await ask(samStatusRequest()))).toBe('90');
    sim.control('no-reply', { on: true });
    expect(await ask(samStatusRequest(), 100)).toBeNull();
    sim.control('no-reply', { on: false });
    sim.control('no-reply', { count: 1 });
    expect(await ask(samStatusRequest(), 100)).toBeNull();
    expect(sw3(await ask(samStatusRequest()))).toBe('90');
    expect(sim.state().counters).toMatchObject({ corrupted: 1, dropped: 2 });
  });

  it('card-on with an inline card, card-off, state snapshot', async () => {
    await setup();
    const card = { ...SAMPLE_IDENTITIES[0]!.card, name: '赵控制' };
    expect(sim.control('card-on', { card })).toEqual({ identity: 'custom' });
    expect(sim.state().card).toMatchObject({ present: true, identity: 'custom', kind: 'resident' });
    await ask(selectCardRequest());
    const read = await ask(readTextPhotoRequest());
    expect(cardOfReadReply(parseReply(read!)).name).toBe('赵控制');
    sim.control('card-off', {});
    expect(sim.state().card).toEqual({ present: false });
    const s = sim.state();
    expect(s).toMatchObject({ device: 'id-reader', attached: true, baudRate: false });
    expect(s.identities.map((i) => i.id)).toEqual(SAMPLE_IDENTITIES.map((i) => i.id));
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('control rejects unknown actions and bad bodies with SimControlError', async () => {
    await setup();
    expect(() => sim.control('explode', {})).toThrow(SimControlError);
    expect(() => sim.control('card-on', { identity: 'nobody' })).toThrow(/no identity "nobody"/);
    expect(() => sim.control('read-failure', { count: -1 })).toThrow(/count/);
    expect(() => sim.control('sam-fault', { on: 'yes' })).toThrow(SimControlError);
    expect(() => sim.control('rf-delay', { readMs: 'slow' })).toThrow(/readMs/);
    expect(() => sim.control('card-on', { card: { kind: 'resident' } })).toThrow(SimControlError);
    expect(() => sim.control('card-on', { card: { ...SAMPLE_IDENTITIES[0]!.card, name: 'x'.repeat(40) } })).toThrow(/name/);
    expect(SIM_ID_READER_ACTIONS).toContain('corrupt-checksum');
    expect(sim.control('rf-delay', { readMs: 7 })).toMatchObject({ readMs: 7 });
  });

  it('with UART pacing on, the whole read reply still arrives intact', async () => {
    await setup({ baudRate: 115200 });
    sim.placeCard();
    await ask(selectCardRequest());
    const read = await ask(readTextPhotoRequest(), 2000);
    expect(read?.length).toBe(1295 - 8); // body: frame minus preamble, length and checksum
    expect(sim.state().link).toMatch(/paced 115200 baud/);
  });
});
