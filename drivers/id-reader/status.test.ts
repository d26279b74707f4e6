import { describe, expect, it } from 'vitest';
import { FaultCode, DeviceFault } from '../../contracts/faults.ts';
import { SAM_STATUS_TABLE, samStatus, samStatusFault } from './status.ts';
import { SamCommand } from './protocol.ts';

describe('SW3 mapping', () => {
  it('covers every status of the GA 467 table as published by HslCommunication', () => {
    // HslCommunication SAMSerial.GetErrorDescription cases + 90 and 9F
    for (const sw3 of [0x90, 0x91, 0x9f, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66, 0x80, 0x81]) {
      expect(samStatus(sw3).status, sw3.toString(16)).not.toMatch(/^undocumented_/);
    }
  });

  it('has unique names and codes', () => {
    expect(new Set(SAM_STATUS_TABLE.map((s) => s.sw3)).size).toBe(SAM_STATUS_TABLE.length);
    expect(new Set(SAM_STATUS_TABLE.map((s) => s.status)).size).toBe(SAM_STATUS_TABLE.length);
  });

  it('normal outcomes raise nothing', () => {
    for (const sw3 of [0x90, 0x9f, 0x80, 0x91]) expect(samStatusFault(sw3)).toBeUndefined();
  });

  it('maps each kind of failure to its fault code', () => {
    const code = (sw3: number) => samStatusFault(sw3)?.code;
    expect(code(0x60)).toBe(FaultCode.IDREADER_SAM_FAULT);
    expect(code(0x66)).toBe(FaultCode.IDREADER_SAM_FAULT);
    expect(code(0x47)).toBe(FaultCode.IDREADER_SAM_FAULT);
    expect(code(0x41)).toBe(FaultCode.IDREADER_READ_FAILED);
    expect(code(0x81)).toBe(FaultCode.IDREADER_READ_FAILED);
    expect(code(0x32)).toBe(FaultCode.IDREADER_READ_FAILED);
    expect(code(0x10)).toBe(FaultCode.IDREADER_PROTOCOL_ERROR);
    expect(code(0x21)).toBe(FaultCode.IDREADER_PROTOCOL_ERROR);
  });

  it('every entry but the normal ones carries a fault and an action', () => {
    for (const s of SAM_STATUS_TABLE) {
      if (['ok', 'no_card', 'no_content'].includes(s.outcome)) expect(s.fault).toBeUndefined();
      else expect([s.fault, typeof s.action]).toEqual([expect.any(String), 'string']);
    }
  });

  it('an undocumented SW3 is a protocol error named after its value', () => {
    expect(samStatus(0x7e)).toMatchObject({ status: 'undocumented_7e', outcome: 'protocol_error' });
    const f = samStatusFault(0x7e, SamCommand.READ_TEXT_PHOTO, { link: 'x' });
    expect(f).toBeInstanceOf(DeviceFault);
    expect(f?.detail).toMatch(/^read text\+photo: SAM answered SW3 7E undocumented_7e/);
    expect(f?.context).toMatchObject({ sw3: '7E', command: '30 01', link: 'x' });
  });
});
