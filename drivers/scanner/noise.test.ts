/**
 * Issue 11 for the scanner: line noise never becomes a scan (nothing a flow would act on), it is
 * counted and shown, and only noise that persists is reported (SCANNER_LINE_NOISE, a warning).
 */
import { afterEach, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { FaultCode } from '../../contracts/faults.ts';
import { noiseBytes } from '../../hardware-sim/line-noise.ts';
import { seededRandom } from '../../hardware-sim/seeded-random.ts';
import { openPtyPair } from '../../hardware-sim/pty.ts';
import { SimulatedQrScanner } from '../../hardware-sim/scanner/simulator.ts';
import { SerialLink } from '../transport/serial.ts';
import { memoryLinkPair } from '../transport/memory.ts';
import { QrScanner, type ScanEvent, type ScannerHealth } from './device.ts';
import { whyNotAScan } from './plausible.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const closers: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});
const text = (s: string) => new TextEncoder().encode(s);

describe('whyNotAScan: scanned text or noise', () => {
  it('codes a kiosk reads are text', () => {
    for (const code of ['134567890123456789', '4243669509084040896099330000', 'https://example.gov.cn/q?id=7', '12345678', '中文医保凭证']) expect(whyNotAScan(text(code)), code).toBeUndefined();
    expect(whyNotAScan(iconv.encode('张三 公积金', 'gb18030'))).toBeUndefined();
    // GS1 (FNC1 as GS) and ISO/IEC 15434 (RS … GS … EOT) separators
    expect(whyNotAScan(Uint8Array.of(...text('[)>'), 0x1e, ...text('06'), 0x1d, ...text('1PABC'), 0x1e, 0x04))).toBeUndefined();
  });
  it('noise is not: control bytes, DEL, invalid sequences, private-use characters, too short', () => {
    expect(whyNotAScan(Uint8Array.of(0x31, 0x32, 0x00, 0x33))).toMatch(/control byte 0x00 at offset 2/);
    expect(whyNotAScan(Uint8Array.of(0x41, 0x7f, 0x42, 0x43))).toMatch(/control byte 0x7f/);
    expect(whyNotAScan(Uint8Array.of(0x41, 0xff, 0x42, 0x43))).toMatch(/neither UTF-8 nor GB18030/);
    expect(whyNotAScan(Uint8Array.of(0x41, 0xaa, 0xa1, 0x42))).toMatch(/private use/);
    expect(whyNotAScan(text('abc'))).toMatch(/shorter than any code/);
  });
});

describe('line noise on the scanner line', () => {
  it('64 KiB of random bytes (3 seeds) in PTY-sized chunks: not one scan; the line is noisy; a real code after a quiet moment is a scan', async () => {
    const [kiosk, device] = memoryLinkPair('scanner');
    await Promise.all([kiosk.open(), device.open()]);
    const scanner = new QrScanner({ link: kiosk, mode: 'serial', terminator: 'CR', quietBeforeScanMs: 100 });
    closers.push(() => scanner.close());
    const scans: ScanEvent[] = [];
    scanner.on('scan', (s) => scans.push(s));
    for (const seed of [31, 32, 33]) {
      const noise = noiseBytes(65_536, seed);
      const r = seededRandom(seed);
      for (let at = 0; at < noise.length; ) {
        const n = 1 + r.int(4095);
        kiosk.deliver(noise.subarray(at, at + n));
        at += n;
      }
    }
    await sleep(10);
    expect(scans).toEqual([]);
    expect(scanner.health.lineNoise).toMatchObject({ noisy: true, persistent: false });
    expect(scanner.health.state).toBe('ok');
    await sleep(120);
    kiosk.deliver(text('134567890123456789\r'));
    expect(scans.map((s) => s.kind)).toEqual(['wechat-pay']);
  });

  it('over a real PTY against the simulator: a 4 KiB burst makes no scan, the next real one does', async () => {
    const pty = await openPtyPair();
    const kioskLink = new SerialLink({ path: pty.kioskPath, baudRate: 9600 });
    const simLink = new SerialLink({ path: pty.simPath, baudRate: 9600 });
    await Promise.all([kioskLink.open(), simLink.open()]);
    const sim = new SimulatedQrScanner({ transport: 'serial', terminator: 'CR' });
    sim.attach(simLink);
    const scanner = new QrScanner({ link: kioskLink, mode: 'serial', terminator: 'CR', quietBeforeScanMs: 100 });
    closers.push(() => pty.close(), () => Promise.all([kioskLink.close(), simLink.close()]), () => sim.detach(), () => scanner.close());
    const scans: ScanEvent[] = [];
    scanner.on('scan', (s) => scans.push(s));
    await simLink.write(noiseBytes(4096, 41));
    await sleep(300);
    expect(scans).toEqual([]);
    expect(scanner.health.lineNoise!.garbageBytes).toBeGreaterThan(0);
    await sim.scan('284567890123456789');
    await sleep(100);
    expect(scans.map((s) => s.kind)).toEqual(['alipay']);
  });

  it('noise that goes on: SCANNER_LINE_NOISE as a warning, the scanner stays ok; cleared after quiet windows', async () => {
    let t = Date.parse('2026-06-10T12:00:00+08:00');
    const [kiosk, device] = memoryLinkPair('scanner');
    await Promise.all([kiosk.open(), device.open()]);
    const scanner = new QrScanner({ link: kiosk, mode: 'serial', now: () => t, lineNoise: { windowMs: 1000, windows: 60, noisyWindowsToRaise: 30, quietWindowsToClear: 30 } });
    closers.push(() => scanner.close());
    const health: ScannerHealth[] = [];
    scanner.on('health', (h) => health.push(h));
    for (let s = 0; s < 29; s++, t += 1000) kiosk.deliver(noiseBytes(64, 50 + s));
    expect(scanner.health.warnings).toBeUndefined();
    kiosk.deliver(noiseBytes(64, 99));
    expect(scanner.health).toMatchObject({ state: 'ok', warnings: [{ code: FaultCode.SCANNER_LINE_NOISE }] });
    expect(scanner.health.warnings![0]!.detail).toMatch(/line noise in 30 of the last 60 windows .* check the cable/);
    t += 30_000;
    kiosk.deliver(text('134567890123456789\r'));
    expect(scanner.health.warnings).toBeUndefined();
    expect(health.map((h) => h.warnings?.[0]?.code ?? 'none')).toEqual(['none', FaultCode.SCANNER_LINE_NOISE, 'none']);
  });
});
