import { openPtyPair, type PtyPair } from './pty.ts';

/**
 * A serial cable the simulator can pull out and plug back in: a socat PTY pair on fixed
 * symlink paths. `unplug()` ends socat (both ports and their symlinks vanish, as when a
 * USB-serial adapter is pulled); `replug()` makes a new pair on the same paths. Links opened
 * on those paths (SerialLink on either side) reconnect by themselves.
 */
export class PtyCable {
  private pair: PtyPair | undefined;
  constructor(readonly paths: { kioskLink: string; simLink: string }) {}

  get plugged(): boolean {
    return this.pair !== undefined;
  }

  /** plug in (idempotent) */
  async replug(): Promise<void> {
    if (this.pair) return;
    this.pair = await openPtyPair(this.paths);
  }

  async unplug(): Promise<void> {
    const p = this.pair;
    this.pair = undefined;
    await p?.close();
  }
}
