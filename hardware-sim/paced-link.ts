import type { ByteLink, LinkHealth } from '../drivers/transport/link.ts';

/**
 * Wraps the simulator's side of a link so that what a simulated device sends takes as long on
 * the wire as it would on a real UART (10 bits a byte at `baudRate`). A PTY pair moves bytes
 * instantly; without pacing, a benchmark against the simulator would beat real hardware.
 * Writes are queued so consecutive frames do not overlap on the wire.
 */
export class PacedLink implements ByteLink {
  private wireFreeAt = 0;
  constructor(
    private readonly inner: ByteLink,
    readonly baudRate: number,
  ) {}

  get name(): string {
    return `${this.inner.name} (paced ${this.baudRate} baud)`;
  }
  get health(): LinkHealth {
    return this.inner.health;
  }
  /** Wire time of `n` bytes in milliseconds at this link's baud rate (8N1: 10 bits a byte). */
  wireMs(n: number): number {
    return (n * 10 * 1000) / this.baudRate;
  }
  open(): Promise<void> {
    return this.inner.open();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  async write(bytes: Uint8Array): Promise<void> {
    const now = performance.now();
    const start = Math.max(now, this.wireFreeAt);
    const done = start + this.wireMs(bytes.length);
    this.wireFreeAt = done;
    const wait = done - now;
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
    await this.inner.write(bytes);
  }
  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.inner.onData(listener);
  }
  onHealth(listener: (health: LinkHealth) => void): () => void {
    return this.inner.onHealth(listener);
  }
}
