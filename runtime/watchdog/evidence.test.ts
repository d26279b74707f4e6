import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScreenMessage } from '../../contracts/bridge.ts';
import { encodeFrame } from '../../drivers/id-reader/protocol.ts';
import { openJournal } from '../journal/journal.ts';
import { faultEvent } from '../hq-events.ts';
import { pinnedNow } from '../../state-machines/deadlines.ts';
import { BUNDLE_MAX_BYTES, FaultEvidence, ga467Filter, keepAll, withholdAll, type LineFilter } from './evidence.ts';

const T0 = Date.parse('2026-06-10T12:00:00+08:00');
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/** The GA 467 reply to "read text and photo": SW 00 00 90, lengths, 256 bytes of UCS-2LE text (name first), 1024 bytes of photo. */
function cardReply(name: string, idNumber: string): Uint8Array {
  const text = Buffer.alloc(256, 0x20);
  text.write(name, 0, 'utf16le');
  text.write(idNumber, 122, 'utf16le');
  return encodeFrame([0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00, ...text, ...Buffer.alloc(1024, 0x57)]);
}

/** Feed `data` through a filter in chunks of the given sizes (repeating). */
function feed(filter: LineFilter, data: Uint8Array, sizes: number[]) {
  const kept: number[] = [];
  let withheld = 0;
  for (let i = 0, n = 0; i < data.length; n++) {
    const part = data.subarray(i, i + sizes[n % sizes.length]!);
    i += part.length;
    const r = filter(part);
    kept.push(...r.kept);
    withheld += r.withheld;
  }
  return { kept: Buffer.from(kept), withheld };
}

describe('line filters', () => {
  it('ID reader: a card read keeps only its header and status words, whatever the chunking; the name and ID number never', () => {
    const reply = cardReply('张三', '420106199001011234');
    for (const sizes of [[reply.length], [1], [3, 64, 7], [9, 500]]) {
      const { kept, withheld } = feed(ga467Filter(), reply, sizes);
      expect(kept.toString('hex')).toBe('aaaaaa966905080000' + '90');
      expect(withheld).toBe(reply.length - 10);
      expect(kept.includes(Buffer.from('张', 'utf16le'))).toBe(false);
    }
  });

  it('ID reader: a status reply between noise; noise and a garbled preamble are withheld (they may hide a card read)', () => {
    const status = encodeFrame([0x00, 0x00, 0x90]);
    const garbled = cardReply('李四', '110101198001010011');
    garbled[2] = 0x00;
    const line = Buffer.concat([Buffer.from([0x13, 0xaa, 0xaa, 0x55]), status, garbled, status]);
    const { kept, withheld } = feed(ga467Filter(), line, [5]);
    expect(kept.toString('hex')).toBe('aaaaaa9669000400009' + '0' + 'aaaaaa9669000400009' + '0');
    expect(withheld).toBe(4 + 1 + garbled.length + 1);
  });

  it('printer status bytes are kept as they came; scanner bytes only counted', () => {
    const printer = keepAll(Uint8Array.of(0x10, 0x04, 0x12));
    expect([...printer.kept]).toEqual([0x10, 0x04, 0x12]);
    expect(printer.withheld).toBe(0);
    expect(withholdAll(Buffer.from('134567890123456789\r'))).toEqual({ kept: [], withheld: 19 });
  });
});

const screen = (status: string, step?: string) => ({ kiosk: { status }, session: step ? { service: 'providentFundStatement', step } : null }) as unknown as Pick<ScreenMessage, 'kiosk' | 'session'>;

class FakeLink extends EventEmitter {
  readonly name = 'serial:/dev/pts/7@38400';
  onData(l: (chunk: Uint8Array) => void) {
    this.on('data', l);
    return () => this.off('data', l);
  }
}

describe('FaultEvidence', () => {
  it('keeps the last 20 status / step changes with times (repeats are not changes)', () => {
    let t = T0;
    const e = new FaultEvidence({ now: () => t });
    e.noteScreen(screen('booting'));
    e.noteScreen(screen('booting'));
    for (let i = 0; i < 24; i++) {
      t += 1000;
      e.noteScreen(screen('inService', i % 2 ? 'identifying' : undefined));
    }
    const b = e.bundle('screen') as { recentTransitions: { at: string; status: string; step?: string }[] };
    expect(b.recentTransitions).toHaveLength(20);
    expect(b.recentTransitions.at(-1)).toEqual({ at: new Date(T0 + 24_000).toISOString(), status: 'inService', service: 'providentFundStatement', step: 'identifying' });
    expect(b).not.toHaveProperty('lineBytes');
  });

  it('follows the kiosk\'s screens from where it stands when watched', () => {
    let t = T0;
    const e = new FaultEvidence({ now: () => t });
    const kiosk = Object.assign(new EventEmitter(), { screen: () => screen('selfTest') as ScreenMessage });
    e.watchKiosk(kiosk);
    t += 500;
    kiosk.emit('screen', screen('inService'));
    kiosk.emit('screen', screen('inService'));
    e.stop();
    kiosk.emit('screen', screen('outOfService'));
    expect(e.bundle('kiosk').recentTransitions).toEqual([
      { at: new Date(T0).toISOString(), status: 'selfTest' },
      { at: new Date(T0 + 500).toISOString(), status: 'inService' },
    ]);
  });

  it('a device fault gets its own line\'s last 256 bytes (hex) and the screen shown', () => {
    const e = new FaultEvidence({ now: pinnedNow(T0) });
    const printer = new FakeLink();
    const reader = new FakeLink();
    e.tapLine('printer', printer, keepAll);
    e.tapLine('idReader', reader, ga467Filter());
    const paintedAt = Date.now() - 1_500;
    e.watchScreens({ lastPainted: { seq: 7, screen: 'home', at: paintedAt }, lastSent: { seq: 8, at: paintedAt + 1 } });
    printer.emit('data', Buffer.alloc(1024 * 1024, 0x12)); // one huge chunk: only its tail is kept
    printer.emit('data', Uint8Array.of(0x10, 0x04, 0x6c));
    const b = e.bundle('printer') as { lineBytes: { link: string; hex: string; lastAt: string }; screenShown: unknown };
    expect(b.lineBytes.link).toBe('serial:/dev/pts/7@38400');
    expect(b.lineBytes.hex).toHaveLength(512);
    expect(b.lineBytes.hex.endsWith('12100' + '46c')).toBe(true);
    expect(b.screenShown).toEqual({ painted: 'home', paintedSeq: 7, paintedMsAgo: expect.any(Number), sentSeq: 8 });
    expect((b.screenShown as { paintedMsAgo: number }).paintedMsAgo).toBeGreaterThanOrEqual(1_500);
    expect(e.bundle('scanner')).not.toHaveProperty('lineBytes');
    e.stop();
    expect(printer.listenerCount('data')).toBe(0);
  });

  it('stays within 6 KiB, and beside big evidence of the fault\'s own within the 8 KiB contract; the fault\'s own keys win', () => {
    let t = T0;
    const e = new FaultEvidence({ now: () => t, transitions: 200 });
    const printer = new FakeLink();
    e.tapLine('printer', printer, keepAll);
    printer.emit('data', Buffer.alloc(256, 0xab));
    for (let i = 0; i < 200; i++) {
      t += 1;
      e.noteScreen(screen('inService', `step-number-${i}-with-a-long-name`));
    }
    const alone = e.bundle('printer');
    expect(bytes(alone)).toBeLessThanOrEqual(BUNDLE_MAX_BYTES);
    expect(bytes(alone)).toBeGreaterThan(BUNDLE_MAX_BYTES - 200);
    const own = { frame: 'x'.repeat(6_500) };
    const beside = e.bundle('printer', own);
    expect(bytes({ ...own, ...beside })).toBeLessThanOrEqual(8_192 - 256);
    expect((beside.recentTransitions as unknown[]).length).toBeGreaterThan(0);
    expect(e.bundle('printer', { lineBytes: 'mine' })).not.toHaveProperty('lineBytes');
    expect(e.bundle('printer', { huge: 'y'.repeat(8_000) })).toEqual({});
  });

  it('attached to a real journal\'s outbox: fault.raised carries the bundle, fault.cleared and other events do not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zizhu-evidence-'));
    const journal = openJournal({ path: join(dir, 'journal.sqlite'), now: pinnedNow(T0) });
    try {
      const e = new FaultEvidence({ now: pinnedNow(T0) });
      e.attachToOutbox(journal.outbox);
      e.noteScreen(screen('inService'));
      const change = { device: 'screen', code: 'SCREEN_BLACK', severity: 'fault', detail: 'flat', evidence: { colour: '#000000' } } as const;
      journal.outbox.enqueue(...faultEvent({ ...change, change: 'raised' }));
      journal.outbox.enqueue(...faultEvent({ ...change, change: 'cleared' }));
      const [raised, cleared] = journal.outbox.claim({ limit: 10 }).filter((r) => r.kind.startsWith('fault.'));
      expect(raised!.payload).toMatchObject({ code: 'SCREEN_BLACK', evidence: { colour: '#000000', recentTransitions: [{ status: 'inService' }] } });
      expect(cleared!.payload).toMatchObject({ evidence: { colour: '#000000' } });
      expect(cleared!.payload).not.toHaveProperty('evidence.recentTransitions');
    } finally {
      journal.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a bundle that cannot be made never stops the fault', () => {
    const warned: string[] = [];
    const e = new FaultEvidence({ now: () => T0, log: { warn: (m) => warned.push(m) } });
    e.watchScreens({
      get lastPainted(): never {
        throw new Error('bridge gone');
      },
      lastSent: undefined,
    });
    const payload = faultEvent({ device: 'printer', code: 'PRINTER_PAPER_OUT', severity: 'fault', change: 'raised', detail: 'out' })[1];
    expect(e.enrich(payload)).toBe(payload);
    expect(warned).toEqual(['fault evidence for PRINTER_PAPER_OUT could not be made: bridge gone']);
  });
});
