import { describe, expect, it } from 'vitest';
import { FaultCode } from '../../contracts/faults.ts';
import {
  HEALTHY_STATUS,
  type PrinterMessage,
  PrinterReplyError,
  PrinterStreamDemux,
  decodeAsb,
  decodeCompletionReply,
  decodeCustomFullStatus,
  decodeRealtimeStatus,
  encodeAsb,
  encodeCompletionReply,
  encodeCustomFullStatus,
  encodeRealtimeStatus,
  faultsOf,
  primaryFault,
} from './status.ts';

const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'));
const kinds = (ms: PrinterMessage[]) => ms.map((m) => m.kind);

describe('DLE EOT n replies', () => {
  it('decodes the roll-paper values python-escpos uses (RT_MASK_PAPER 18, LOWPAPER 30, NOPAPER 114)', () => {
    // python-escpos escpos/constants.py: the DLE EOT 4 reply for adequate paper, near end, no paper
    expect(faultsOf(decodeRealtimeStatus(4, 18))).toEqual({ faults: [], warnings: [] });
    expect(faultsOf(decodeRealtimeStatus(4, 30))).toEqual({ faults: [], warnings: [FaultCode.PRINTER_PAPER_NEAR_END] });
    expect(faultsOf(decodeRealtimeStatus(4, 114))).toEqual({ faults: [FaultCode.PRINTER_PAPER_OUT], warnings: [] });
    expect(faultsOf(decodeRealtimeStatus(4, 0x7e))).toEqual({ faults: [FaultCode.PRINTER_PAPER_OUT], warnings: [] });
  });

  it('decodes n=1 offline (bit 3, python-escpos RT_MASK_ONLINE 8), n=2 cover/paper-end stop, n=3 cutter/unrecoverable', () => {
    // Epson ESC/POS reference, DLE EOT n bit tables
    expect(decodeRealtimeStatus(1, 0x16)).toMatchObject({ offline: false, drawerPin3High: true });
    expect(faultsOf(decodeRealtimeStatus(1, 0x1e)).faults).toEqual([FaultCode.PRINTER_OFFLINE]);
    expect(faultsOf(decodeRealtimeStatus(2, 0x16)).faults).toEqual([FaultCode.PRINTER_COVER_OPEN]);
    expect(faultsOf(decodeRealtimeStatus(2, 0x32)).faults).toEqual([FaultCode.PRINTER_PAPER_OUT]);
    expect(faultsOf(decodeRealtimeStatus(3, 0x1a)).faults).toEqual([FaultCode.PRINTER_CUTTER_ERROR]);
    expect(faultsOf(decodeRealtimeStatus(3, 0x32)).faults).toEqual([FaultCode.PRINTER_UNRECOVERABLE_ERROR]);
    expect(faultsOf(decodeRealtimeStatus(3, 0x52)).faults).toEqual([FaultCode.PRINTER_OFFLINE]); // auto-recoverable (head hot)
  });

  it('refuses a byte that breaks the 0xx1xx10 pattern, saying where', () => {
    expect(() => decodeRealtimeStatus(1, 0x14, 7)).toThrow(PrinterReplyError);
    expect(() => decodeRealtimeStatus(1, 0x14, 7)).toThrow(/0x14 is not a DLE EOT 1 reply .*\(at byte offset 7\)/);
    expect(() => decodeRealtimeStatus(4, 0x92)).toThrow(/pattern 0xx1xx10/);
  });

  it('round-trips every status through the encoder the simulator uses', () => {
    const s = { ...HEALTHY_STATUS, offline: true, coverOpen: true, cutterError: true, paperNearEnd: true, paperEnd: true, stoppedByPaperEnd: true };
    for (const n of [1, 2, 3, 4] as const) expect(decodeRealtimeStatus(n, encodeRealtimeStatus(n, s))).toMatchObject(
      Object.fromEntries(Object.keys(decodeRealtimeStatus(n, 0x12)).map((k) => [k, s[k as keyof typeof s]])),
    );
  });
});

describe('ASB', () => {
  it('decodes the idle report real printers send (14 00 00 0F) as healthy', () => {
    // captured from real printers: "idle status report … 14 00 00 0f"; byte 4 bits 0–3 are reserved but set
    expect(faultsOf(decodeAsb(bytes('1400000f')))).toEqual({ faults: [], warnings: [] });
  });

  it('decodes cover open, paper end, near end and cutter error (Epson TM-U220 manual, ASB byte tables)', () => {
    expect(faultsOf(decodeAsb(bytes('3c00000f'))).faults).toEqual([FaultCode.PRINTER_COVER_OPEN]);
    expect(faultsOf(decodeAsb(bytes('1c000c0f'))).faults).toEqual([FaultCode.PRINTER_PAPER_OUT]);
    expect(faultsOf(decodeAsb(bytes('1400030f')))).toEqual({ faults: [], warnings: [FaultCode.PRINTER_PAPER_NEAR_END] });
    expect(faultsOf(decodeAsb(bytes('1c08000f'))).faults).toEqual([FaultCode.PRINTER_CUTTER_ERROR]);
    expect(faultsOf(decodeAsb(bytes('1c20000f'))).faults).toEqual([FaultCode.PRINTER_UNRECOVERABLE_ERROR]);
  });

  it('refuses malformed ASB messages with the offending byte offset', () => {
    expect(() => decodeAsb(bytes('12000000'))).toThrow(/does not start an ASB message/);
    expect(() => decodeAsb(bytes('14008000'), 10)).toThrow(/ASB byte 3 is 0x80; .*at byte offset 12/);
    expect(() => decodeAsb(bytes('1400'))).toThrow(/4 bytes, got 2/);
  });

  it('round-trips', () => {
    const s = { ...HEALTHY_STATUS, offline: true, paperEnd: true, paperNearEnd: true, cutterError: true };
    expect(decodeAsb(encodeAsb(s))).toMatchObject({ offline: true, paperEnd: true, paperNearEnd: true, cutterError: true, coverOpen: false });
  });
});

describe('Custom full status (10 04 14)', () => {
  it('decodes the 6-byte reply per the Custom KPM/VKP80 tables', () => {
    // 10 0F, paper: ticket in output (bit 5); user: 0; recoverable: 0; unrecoverable: 0
    expect(decodeCustomFullStatus(bytes('100f20000000'))).toMatchObject({ ticketInOutput: true, paperEnd: false, coverOpen: false });
    // TerminalClient CustomVKP80.cpp: byte 3 0x01 paper end, 0x04 near end; byte 4 0x03 cover; byte 5 0x40 jam; byte 6 0x01 cutter
    expect(faultsOf(decodeCustomFullStatus(bytes('100f01000000'))).faults).toEqual([FaultCode.PRINTER_PAPER_OUT]);
    expect(faultsOf(decodeCustomFullStatus(bytes('100f04000000'))).warnings).toEqual([FaultCode.PRINTER_PAPER_NEAR_END]);
    expect(faultsOf(decodeCustomFullStatus(bytes('100f00030000'))).faults).toEqual([FaultCode.PRINTER_COVER_OPEN]);
    expect(faultsOf(decodeCustomFullStatus(bytes('100f00004000'))).faults).toEqual([FaultCode.PRINTER_PAPER_JAM]);
    expect(faultsOf(decodeCustomFullStatus(bytes('100f00000001'))).faults).toEqual([FaultCode.PRINTER_CUTTER_ERROR]);
    expect(faultsOf(decodeCustomFullStatus(bytes('100f00000048'))).faults).toEqual([FaultCode.PRINTER_UNRECOVERABLE_ERROR]);
    expect(decodeCustomFullStatus(encodeCustomFullStatus({ ...HEALTHY_STATUS, ticketInOutput: true, paperJam: true }))).toMatchObject({ ticketInOutput: true, paperJam: true });
    expect(() => decodeCustomFullStatus(bytes('100e00000000'))).toThrow(/starts 10 0F/);
  });
});

describe('GS ( H completion reply', () => {
  it('decodes 37 22 d1..d4 00 (Epson ESC/POS reference, process ID response)', () => {
    expect(decodeCompletionReply(bytes('37 22 30303031 00'))).toBe('0001');
    expect(decodeCompletionReply(encodeCompletionReply('AB12'))).toBe('AB12');
    expect(() => decodeCompletionReply(bytes('37 22 30303031 01'))).toThrow(/ends with 00.*offset 6/);
    expect(() => decodeCompletionReply(bytes('37 22 30301f31 00'))).toThrow(/0x1F is outside 0x20–0x7E.*offset 4/);
  });
});

describe('PrinterStreamDemux', () => {
  it('splits interleaved ASB, DLE EOT replies and a completion reply, in any chunking', () => {
    const stream = bytes('1400000f' + '12' + '37 22 41423132 00' + '1c000c0f' + '72' + '37 25 00');
    const expectKinds = ['asb', 'realtime-status', 'completion', 'asb', 'realtime-status', 'buffer-cleared'];
    for (const chunk of [1, 2, 3, 5, stream.length]) {
      const d = new PrinterStreamDemux();
      d.expect('dle-eot-1', 'dle-eot-4');
      const out: PrinterMessage[] = [];
      for (let i = 0; i < stream.length; i += chunk) out.push(...d.push(stream.subarray(i, i + chunk)));
      expect(kinds(out), `chunk ${chunk}`).toEqual(expectKinds);
      const rt = out.filter((m) => m.kind === 'realtime-status');
      expect(rt.map((m) => m.kind === 'realtime-status' && m.request)).toEqual([1, 4]);
      expect(faultsOf(rt[1]!.kind === 'realtime-status' ? rt[1]!.status : {}).faults).toEqual([FaultCode.PRINTER_PAPER_OUT]);
      expect(out.find((m) => m.kind === 'completion')).toMatchObject({ id: 'AB12', offset: 5 });
      expect(d.pending).toBe(0);
      expect(d.outstanding).toEqual([]);
    }
  });

  it('reads 10 0F … as the Custom reply only while 10 04 14 is outstanding; otherwise 10 … is ASB', () => {
    const d = new PrinterStreamDemux();
    d.expect('custom-full');
    expect(kinds(d.push(bytes('1000000f' + '100f20000000')))).toEqual(['asb', 'custom-full-status']);
    expect(kinds(d.push(bytes('100f2000')))).toEqual(['asb']); // nothing outstanding: 10 0F 20 00 is a valid ASB
  });

  it('resyncs after garbage and reports where it was', () => {
    const d = new PrinterStreamDemux();
    const out = d.push(bytes('ff fe 1400000f 13 37 22 41 42 01'));
    expect(out[0]).toMatchObject({ kind: 'garbage', offset: 0, reason: 'a byte that starts no printer message' });
    expect(out[1]).toMatchObject({ kind: 'asb', offset: 2 });
    expect(out[2]).toMatchObject({ kind: 'garbage', offset: 6, reason: 'XON/XOFF flow control' });
    expect(out.some((m) => m.kind === 'garbage' && m.offset === 7 && /completion/.test(m.reason))).toBe(true);
  });

  it('treats a DLE EOT reply nobody asked for as garbage, and late replies after cancelExpected too', () => {
    const d = new PrinterStreamDemux();
    d.expect('dle-eot-2');
    d.cancelExpected();
    expect(d.push(bytes('12'))).toMatchObject([{ kind: 'garbage', reason: 'a DLE EOT reply nobody asked for' }]);
  });

  it('holds at most maxBlock bytes of an unterminated block', () => {
    const d = new PrinterStreamDemux({ maxBlock: 16 });
    d.push(bytes('5f' + '41'.repeat(40)));
    expect(d.pending).toBeLessThanOrEqual(16);
  });

  it('primaryFault orders what a person fixes first', () => {
    expect(primaryFault([FaultCode.PRINTER_OFFLINE, FaultCode.PRINTER_PAPER_OUT, FaultCode.PRINTER_COVER_OPEN])).toBe(FaultCode.PRINTER_COVER_OPEN);
    expect(primaryFault([])).toBeUndefined();
  });
});
