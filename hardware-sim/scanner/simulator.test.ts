import { describe, it, expect } from 'vitest';
import { SimulatedQrScanner } from './simulator.ts';
import { FakeHidPort } from './fake-hid-device.ts';
import { SimControlError } from '../control-error.ts';
import { memoryLinkPair } from '../../drivers/transport/memory.ts';
import { HidPosAssembler, LineAssembler } from '../../drivers/scanner/protocol.ts';

describe('SimulatedQrScanner control', () => {
  it('rejects unknown actions and bad bodies with SimControlError naming the field', async () => {
    const sim = new SimulatedQrScanner({ transport: 'serial' });
    await expect(sim.control('explode', {})).rejects.toThrow(SimControlError);
    await expect(sim.control('explode', {})).rejects.toThrow(/unknown scanner action "explode" \(have: scan, raw, disconnect, reconnect\)/);
    await expect(sim.control('scan', {})).rejects.toThrow(/scanner scan: bad body: text:/);
    await expect(sim.control('scan', { text: 'a', symbology: 'morse' })).rejects.toThrow(/symbology/);
    await expect(sim.control('scan', { text: 'a', extra: 1 })).rejects.toThrow(SimControlError);
    await expect(sim.control('raw', { hex: 'zz' })).rejects.toThrow(/hex/);
    await expect(sim.control('disconnect', {})).rejects.toThrow(/no cable to pull/);
  });

  it('serial: writes text + suffix with the drivers\' framing; state() says what happened without the full payment code', async () => {
    const [kiosk, device] = memoryLinkPair('scanner');
    await kiosk.open();
    await device.open();
    const sim = new SimulatedQrScanner({ transport: 'serial', terminator: 'CRLF' });
    sim.attach(device);
    const lines = new LineAssembler({ terminator: 'CRLF' });
    const got: string[] = [];
    kiosk.onData((c) => got.push(...lines.push(c).lines.map((l) => new TextDecoder().decode(l))));
    await sim.control('scan', { text: '134567890123456789' });
    await new Promise((r) => setTimeout(r, 0));
    expect(got).toEqual(['134567890123456789']);
    const st = sim.state();
    expect(st).toMatchObject({ device: 'scanner', transport: 'serial', terminator: 'CRLF', attached: true, plugged: true });
    expect(st.lastScan).toEqual({ kind: 'wechat-pay', code: '1345**********6789', delivered: true });
    expect(JSON.stringify(st)).not.toContain('134567890123456789');
  });

  it('hid-pos: reports reach the device object the host opened; nothing is delivered before the host opens it', async () => {
    const port = new FakeHidPort();
    const sim = new SimulatedQrScanner({ transport: 'hid-pos', layout: 'newland' });
    sim.attach(port);
    expect(await sim.scan('x')).toEqual({ delivered: false, reason: 'the kiosk has not opened the device' });
    const dev = await port.open(port.info);
    const a = new HidPosAssembler('newland');
    const out: string[] = [];
    const errors: unknown[] = [];
    dev.on('error', (e: unknown) => errors.push(e)); // node-hid emits read errors as 'error' events; unhandled they throw
    dev.on('data', (r: Buffer) => {
      const m = a.push(r);
      if (m) out.push(`${m.symbology}:${new TextDecoder().decode(m.bytes)}`);
    });
    await sim.control('scan', { text: 'y'.repeat(57), symbology: 'data-matrix' });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(out).toEqual([`data-matrix:${'y'.repeat(57)}`]);
    expect(sim.state()).toMatchObject({ transport: 'hid-pos', layout: 'newland', plugged: true, counters: { reportsSent: 2, bytesSent: 128 } });
    await sim.control('disconnect', {});
    expect(sim.state().plugged).toBe(false);
    expect(dev.isOpen).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual(['could not read from HID device: hid_read_timeout: unexpected poll error (device disconnected)']);
    await expect(port.open(port.info)).rejects.toThrow(/cannot open device with vendor id 0xc2e/);
    await sim.control('reconnect', {});
    expect(sim.state().plugged).toBe(true);
  });

  it('refuses the wrong kind of attachment', () => {
    expect(() => new SimulatedQrScanner({ transport: 'serial' }).attach(new FakeHidPort())).toThrow(/ByteLink/);
    const [, device] = memoryLinkPair();
    expect(() => new SimulatedQrScanner({ transport: 'hid-pos' }).attach(device)).toThrow(/FakeHidPort/);
  });
});
