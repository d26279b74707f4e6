import type { FaultCode } from '../contracts/faults.ts';

export type DeviceName = 'idReader' | 'printer' | 'scanner';

export interface FaultChange {
  device: DeviceName;
  code: FaultCode;
  change: 'raised' | 'cleared';
  severity: 'fault' | 'warning';
  detail: string;
  at: number;
}

/**
 * Keeps the set of faults and warnings each device reports right now and turns every health
 * update into the changes since the last one: a fault is raised once, and cleared once, however
 * many times the driver repeats its health.
 */
export class DeviceFaultBoard {
  private readonly current = new Map<string, { severity: 'fault' | 'warning'; detail: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The device's complete present condition; returns what changed. */
  update(device: DeviceName, faults: { code: FaultCode; detail: string }[], warnings: { code: FaultCode; detail: string }[] = []): FaultChange[] {
    const at = this.now();
    const next = new Map<string, { severity: 'fault' | 'warning'; detail: string; code: FaultCode }>();
    for (const w of warnings) next.set(`${device}/${w.code}`, { severity: 'warning', detail: w.detail, code: w.code });
    for (const f of faults) next.set(`${device}/${f.code}`, { severity: 'fault', detail: f.detail, code: f.code });
    const changes: FaultChange[] = [];
    for (const [key, v] of this.current) {
      if (!key.startsWith(`${device}/`) || next.has(key)) continue;
      this.current.delete(key);
      changes.push({ device, code: key.slice(device.length + 1) as FaultCode, change: 'cleared', severity: v.severity, detail: v.detail, at });
    }
    for (const [key, v] of next) {
      if (this.current.has(key)) continue;
      this.current.set(key, { severity: v.severity, detail: v.detail });
      changes.push({ device, code: v.code, change: 'raised', severity: v.severity, detail: v.detail, at });
    }
    return changes;
  }

  /** Everything present now, e.g. for a heartbeat. */
  snapshot(): { device: DeviceName; code: FaultCode; severity: 'fault' | 'warning'; detail: string }[] {
    return [...this.current].map(([key, v]) => {
      const [device, code] = key.split('/') as [DeviceName, FaultCode];
      return { device, code, ...v };
    });
  }
}
