import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QrScanner, type ScanEvent, type ScannerHealth } from './device.ts';
import { SerialLink } from '../transport/serial.ts';
import { HidLink } from '../transport/hid.ts';
import { untilState } from '../transport/testing.ts';
import { PtyCable } from '../../hardware-sim/pty-cable.ts';
import { SimulatedQrScanner } from '../../hardware-sim/scanner/simulator.ts';
import { FakeHidPort } from '../../hardware-sim/scanner/fake-hid-device.ts';
import { FaultCode } from '../../contracts/faults.ts';
import type { LineTerminator, ScannerProtocolError } from './protocol.ts';

const fast = { initialMs: 10, maxMs: 100 };
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function nextScan(scanner: QrScanner, timeoutMs = 5000): Promise<ScanEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no scan within ${timeoutMs} ms`)), timeoutMs);
    scanner.once('scan', (s) => {
      clearTimeout(timer);
      resolve(s);
    });
  });
}
function untilHealth(scanner: QrScanner, state: ScannerHealth['state']): Promise<ScannerHealth> {
  if (scanner.health.state === state) return Promise.resolve(scanner.health);
  return new Promise((resolve) => {
    const on = (h: ScannerHealth) => {
      if (h.state !== state) return;
      scanner.off('health', on);
      resolve(h);
    };
    scanner.on('health', on);
  });
}

/** kiosk: SerialLink + QrScanner on the kiosk end of a PTY cable; device: SimulatedQrScanner on a SerialLink on the other end */
async function serialRig(terminator: LineTerminator, duplicateWindowMs = 1500) {
  const dir = mkdtempSync(join(tmpdir(), 'zizhu-scanner-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const cable = new PtyCable({ kioskLink: join(dir, 'kiosk'), simLink: join(dir, 'sim') });
  await cable.replug();
  cleanup.push(() => cable.unplug());
  const kioskLink = new SerialLink({ path: cable.paths.kioskLink, baudRate: 9600, reopen: fast });
  const simLink = new SerialLink({ path: cable.paths.simLink, baudRate: 9600, reopen: fast });
  cleanup.push(() => kioskLink.close(), () => simLink.close());
  await Promise.all([kioskLink.open(), simLink.open()]);
  const sim = new SimulatedQrScanner({ transport: 'serial', terminator, cable });
  sim.attach(simLink);
  const scanner = new QrScanner({ link: kioskLink, mode: 'serial', terminator, duplicateWindowMs });
  cleanup.push(() => scanner.close());
  return { cable, kioskLink, simLink, sim, scanner };
}

describe('QrScanner in serial mode, over real PTYs, against the simulator', () => {
  for (const t of ['CR', 'LF', 'CRLF'] as const) {
    it(`${t}: a WeChat payment code arrives as one classified scan`, async () => {
      const { sim, scanner } = await serialRig(t);
      expect(scanner.health.state).toBe('ok');
      const got = nextScan(scanner);
      expect(await sim.scan('134567890123456789')).toEqual({ delivered: true });
      const s = await got;
      expect(s.text).toBe('134567890123456789');
      expect(s.kind).toBe('wechat-pay');
      expect(s.symbology).toBeUndefined();
      expect(typeof s.at).toBe('number');
    });
  }

  it('Chinese text in GB18030 and UTF-8 both come out as text', async () => {
    const { sim, scanner } = await serialRig('CR', 0);
    const first = nextScan(scanner);
    await sim.scan('挂号单 A-017', { encoding: 'gb18030' });
    expect((await first).text).toBe('挂号单 A-017');
    const second = nextScan(scanner);
    await sim.scan('医保电子凭证', { encoding: 'utf8' });
    expect((await second).text).toBe('医保电子凭证');
  });

  it('a phone held under the scanner (same code read 5 times) is one scan; the next code gets through', async () => {
    const { sim, scanner } = await serialRig('CRLF');
    const scans: ScanEvent[] = [];
    scanner.on('scan', (s) => scans.push(s));
    await sim.scan('281234567890123456', { repeat: 5 });
    const next = nextScan(scanner);
    await sim.scan('4243669509084040896099330000');
    await next;
    expect(scans.map((s) => s.kind)).toEqual(['alipay', 'medical-insurance-voucher']);
    expect(scanner.stats.duplicates).toBe(4);
  });

  it('unplug → DEVICE_LINK_DOWN fault and failing self-check; replug → ok by itself and scans flow again', async () => {
    const { sim, scanner, kioskLink } = await serialRig('CR');
    expect(await scanner.selfCheck()).toMatchObject({ ok: true, linkState: 'up', mode: 'serial' });
    const faults: string[] = [];
    scanner.on('fault', (f) => faults.push(f.code));
    const simLink = (sim as unknown as { link: SerialLink }).link;
    const down = untilHealth(scanner, 'fault');
    const simDown = untilState(simLink, 'down');
    await sim.control('disconnect', {});
    const h = await down;
    await simDown;
    expect(h.fault?.code).toBe(FaultCode.DEVICE_LINK_DOWN);
    expect(h.fault?.detail).toContain(kioskLink.name);
    expect(faults).toEqual([FaultCode.DEVICE_LINK_DOWN]);
    const check = await scanner.selfCheck();
    expect(check.ok).toBe(false);
    expect(check.fault).toBe(FaultCode.DEVICE_LINK_DOWN);
    expect(check.detail).toContain(kioskLink.name);
    expect((await sim.scan('lost while unplugged')).delivered).toBe(false);

    const ok = untilHealth(scanner, 'ok');
    await sim.control('reconnect', {});
    await ok;
    await untilState(kioskLink, 'up');
    await untilState(simLink, 'up');
    const got = nextScan(scanner);
    expect(await sim.scan('after replug')).toEqual({ delivered: true });
    expect((await got).text).toBe('after replug');
    expect((await scanner.selfCheck()).ok).toBe(true);
  });

  it('a code longer than the limit is a protocolError, and the scanner keeps working', async () => {
    const { sim, kioskLink } = await serialRig('CR');
    const scanner = new QrScanner({ link: kioskLink, mode: 'serial', terminator: 'CR', maxCodeBytes: 32 });
    cleanup.push(() => scanner.close());
    const errors: ScannerProtocolError[] = [];
    scanner.on('protocolError', (e) => errors.push(e));
    await sim.scan('x'.repeat(100));
    const got = nextScan(scanner);
    await sim.scan('short');
    expect((await got).text).toBe('short');
    expect(errors.map((e) => e.code)).toEqual(['LINE_TOO_LONG']);
  });
});

async function hidRig(layout: 'honeywell' | 'newland') {
  const port = new FakeHidPort({ vendorId: layout === 'honeywell' ? 0x0c2e : 0x1eab, productId: layout === 'honeywell' ? 0x0b61 : 0x0d10 });
  const link = new HidLink({ ...port.info, reopen: fast, openDevice: port.open });
  cleanup.push(() => link.close());
  await link.open();
  const sim = new SimulatedQrScanner({ transport: 'hid-pos', layout });
  sim.attach(port);
  const scanner = new QrScanner({ link, mode: 'hid-pos', hidLayout: layout });
  cleanup.push(() => scanner.close());
  return { port, link, sim, scanner };
}

describe('QrScanner in HID-POS mode, over HidLink and the node-hid device seam', () => {
  for (const layout of ['honeywell', 'newland'] as const) {
    it(`${layout}: a 150-byte QR (3 reports) is one scan with its symbology`, async () => {
      const { sim, scanner } = await hidRig(layout);
      const code = `https://his.example.cn/reg?dept=0102&doctor=A17&slot=2026-11-25T09:30&token=${'k'.repeat(70)}`;
      expect(code.length).toBeGreaterThan(112);
      const got = nextScan(scanner);
      expect(await sim.control('scan', { text: code })).toEqual({ delivered: true });
      const s = await got;
      expect(s).toMatchObject({ text: code, kind: 'text', symbology: 'qr' });
      expect(sim.state().counters.reportsSent).toBe(Math.ceil(code.length / 56));
    });
  }

  it('unplug → fault; replug → ok; a garbage report is a protocolError, not a crash', async () => {
    const { sim, scanner, link } = await hidRig('honeywell');
    const errors: ScannerProtocolError[] = [];
    const gotError = new Promise<void>((resolve) => scanner.on('protocolError', (e) => (errors.push(e), resolve())));
    await sim.control('raw', { hex: '02 FF' + ' 00'.repeat(62) });
    await gotError;
    const down = untilHealth(scanner, 'fault');
    await sim.control('disconnect', {});
    expect((await down).fault?.detail).toMatch(/device disconnected/);
    expect((await sim.scan('134567890123456789')).delivered).toBe(false);
    const ok = untilHealth(scanner, 'ok');
    await sim.control('reconnect', {});
    await ok;
    expect(link.health.state).toBe('up');
    const got = nextScan(scanner);
    await sim.scan('134567890123456789');
    expect((await got).kind).toBe('wechat-pay');
    expect(errors.map((e) => e.code)).toEqual(['BAD_LENGTH']);
  });
});
