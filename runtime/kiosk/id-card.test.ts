import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { SessionView } from '../../contracts/bridge.ts';
import { CardOnReader, type IdCardPresence } from './id-card.ts';
import { takeIdCard } from './screen.ts';

/** A reader as the driver behaves: `card` once per placement, `cardRemoved` when it leaves, readPresentCard re-emits. */
class FakeReader extends EventEmitter implements IdCardPresence {
  hasCard = false;
  rereads: boolean[] = [];
  place(): void {
    this.hasCard = true;
    this.emit('card');
  }
  lift(): void {
    this.hasCard = false;
    this.emit('cardRemoved');
  }
  async readPresentCard(stillWanted: () => boolean = () => true): Promise<boolean> {
    await Promise.resolve(); // the reader is busy with a poll first
    const wanted = this.hasCard && stillWanted();
    this.rereads.push(wanted);
    if (wanted) this.emit('card');
    return wanted;
  }
}

const rig = () => {
  const reader = new FakeReader();
  let changes = 0;
  const card = new CardOnReader(reader, () => changes++);
  return { reader, card, changes: () => changes };
};
const settle = () => new Promise((r) => setImmediate(r));

describe('a card laid down before the session starts', () => {
  it('is read into the session when it starts', async () => {
    const { reader, card } = rig();
    reader.place(); // nobody's session: the read went nowhere
    const reads: number[] = [];
    reader.on('card', () => reads.push(1));
    card.sessionStarted();
    await settle();
    expect(reader.rereads).toEqual([true]);
    expect(reads).toHaveLength(1);
  });

  it('is not read twice when it is read anyway as the session starts', async () => {
    const { reader, card } = rig();
    reader.hasCard = true;
    card.sessionStarted();
    reader.emit('card'); // the reader's own poll got there first
    await settle();
    expect(reader.rereads).toEqual([false]);
  });

  it('no card: nothing is read', async () => {
    const { reader, card } = rig();
    card.sessionStarted();
    await settle();
    expect(reader.rereads).toEqual([]);
  });

  it('a card the previous person left is not read into the next session; lifted and laid down, it is', async () => {
    const { reader, card } = rig();
    reader.place();
    card.sessionEnded();
    expect(card.state).toEqual({ present: true, leftBehind: true });
    card.sessionStarted();
    await settle();
    expect(reader.rereads).toEqual([]);
    reader.lift();
    expect(card.state).toEqual({ present: false, leftBehind: false });
    reader.place();
    expect(card.state).toEqual({ present: true, leftBehind: false });
  });
});

describe('"请取回您的身份证"', () => {
  const at = (service: SessionView['service'], step: string) => ({ service, step }) as SessionView;

  it('shows at the end of a flow while the card is on the reader, not before', () => {
    const onReader = { present: true, leftBehind: false };
    expect(takeIdCard(onReader, at('providentFundStatement', 'takingReceipt'))).toBe(true);
    expect(takeIdCard(onReader, at('providentFundStatement', 'undelivered'))).toBe(true);
    expect(takeIdCard(onReader, at('hospitalRegistration', 'takingSlip'))).toBe(true);
    expect(takeIdCard(onReader, at('hospitalRegistration', 'slipOnScreen'))).toBe(true);
    expect(takeIdCard(onReader, at('providentFundStatement', 'choosingPeriod'))).toBe(false);
    expect(takeIdCard(onReader, at('hospitalRegistration', 'charging.paying'))).toBe(false);
    expect(takeIdCard(onReader, null)).toBe(false); // laid down on the home screen, before pressing a service
  });

  it('shows after the session while the card stays, on every screen, and goes when it is lifted', () => {
    const { reader, card, changes } = rig();
    reader.place();
    card.sessionEnded();
    expect(takeIdCard(card.state, null)).toBe(true);
    expect(takeIdCard(card.state, at('providentFundStatement', 'identifying'))).toBe(true);
    const before = changes();
    reader.lift();
    expect(changes()).toBe(before + 1);
    expect(takeIdCard(card.state, null)).toBe(false);
    expect(takeIdCard(undefined, at('providentFundStatement', 'takingReceipt'))).toBe(false); // no reader
  });

  it('a card lifted before the session ended is not mentioned', () => {
    const { reader, card } = rig();
    reader.place();
    reader.lift();
    card.sessionEnded();
    expect(card.state).toEqual({ present: false, leftBehind: false });
    expect(takeIdCard(card.state, null)).toBe(false);
  });

  it('stops listening when closed', () => {
    const { reader, card } = rig();
    card.close();
    expect(reader.listenerCount('card') + reader.listenerCount('cardRemoved')).toBe(0);
  });
});
