import type { ByteLink, LinkHealth } from './link.ts';
import { DeviceFault, FaultCode } from '../../contracts/faults.ts';
import { LinkListeners } from './listeners.ts';

/** A connected pair of in-memory links: what one side writes, the other receives. For codec-level tests only. */
export function memoryLinkPair(name = 'memory'): [MemoryLink, MemoryLink] {
  const a = new MemoryLink(`${name}:a`);
  const b = new MemoryLink(`${name}:b`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

export class MemoryLink implements ByteLink {
  peer?: MemoryLink;
  health: LinkHealth = { state: 'connecting', since: Date.now(), reopenAttempts: 0 };
  private readonly dataListeners = new LinkListeners<Uint8Array>();
  private readonly healthListeners = new LinkListeners<LinkHealth>();
  constructor(readonly name: string) {}

  async open(): Promise<void> {
    this.setState('up');
  }
  async write(bytes: Uint8Array): Promise<void> {
    if (this.health.state !== 'up') throw new DeviceFault(FaultCode.DEVICE_LINK_DOWN, `${this.name} is not open`);
    const copy = Uint8Array.from(bytes);
    const peer = this.peer;
    queueMicrotask(() => peer?.deliver(copy));
  }
  async close(): Promise<void> {
    this.setState('closed');
  }
  /** Simulate an unplug (down) or replug (up). */
  setState(state: LinkHealth['state'], lastError?: string): void {
    this.health = { state, since: Date.now(), reopenAttempts: 0, ...(lastError ? { lastError } : {}) };
    this.healthListeners.emit(this.health);
  }
  deliver(chunk: Uint8Array): void {
    if (this.health.state !== 'up') return;
    this.dataListeners.emit(chunk);
  }
  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.dataListeners.add(listener);
  }
  onHealth(listener: (health: LinkHealth) => void): () => void {
    return this.healthListeners.add(listener);
  }
}
