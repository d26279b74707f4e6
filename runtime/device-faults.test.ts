import { describe, expect, it } from 'vitest';
import { DeviceFaultBoard } from './device-faults.ts';

describe('DeviceFaultBoard', () => {
  it('raises a fault once and clears it once, however often health repeats', () => {
    const board = new DeviceFaultBoard(() => 1000);
    const paperOut = { code: 'PRINTER_PAPER_OUT' as const, detail: 'paper end sensor' };
    expect(board.update('printer', [paperOut])).toEqual([
      { device: 'printer', code: 'PRINTER_PAPER_OUT', change: 'raised', severity: 'fault', detail: 'paper end sensor', at: 1000 },
    ]);
    expect(board.update('printer', [paperOut])).toEqual([]);
    expect(board.update('scanner', [])).toEqual([]);
    expect(board.snapshot()).toHaveLength(1);
    expect(board.update('printer', [], [{ code: 'PRINTER_PAPER_NEAR_END', detail: 'near end' }]).map((c) => [c.code, c.change, c.severity])).toEqual([
      ['PRINTER_PAPER_OUT', 'cleared', 'fault'],
      ['PRINTER_PAPER_NEAR_END', 'raised', 'warning'],
    ]);
  });

  it('keeps devices apart', () => {
    const board = new DeviceFaultBoard();
    board.update('idReader', [{ code: 'DEVICE_LINK_DOWN', detail: 'x' }]);
    board.update('scanner', [{ code: 'DEVICE_LINK_DOWN', detail: 'y' }]);
    expect(board.update('idReader', []).map((c) => c.device)).toEqual(['idReader']);
    expect(board.snapshot().map((s) => s.device)).toEqual(['scanner']);
  });
});
