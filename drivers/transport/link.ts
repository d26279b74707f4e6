/**
 * One byte-link interface for every device transport (serial, HID, TCP, in-memory).
 *
 * - Stream transports (serial, TCP) deliver chunks with arbitrary boundaries.
 * - HID delivers exactly one input report per `data` callback (report boundaries matter
 *   to HID-POS), and `write` sends one output report.
 * A link keeps itself open: after unplug/EOF/error it reopens with backoff and reports
 * its health; `close()` stops that for good.
 *
 * Ownership, one rule for every driver: whoever creates a link opens and closes it (in the agent
 * and `zizhu doctor` that is `openKioskDevices` in runtime/devices.ts; in tests and the bench, the
 * test). A device driver (`IdCardReader`, `ReceiptPrinter`, `QrScanner`) is handed the link open or
 * still opening, subscribes to it (`onData`/`onHealth`) when constructed, and only unsubscribes in
 * its own `close()`; it never calls `open()` or `close()` on it. What a driver does when the link
 * comes (back) up — the printer turns ASB on and reads its status — it does from `onHealth`.
 */
export type LinkState = 'connecting' | 'up' | 'down' | 'closed';

export interface LinkHealth {
  state: LinkState;
  /** epoch ms of the last state change */
  since: number;
  /** how many reopen attempts since the link was last up */
  reopenAttempts: number;
  /** the last error, in words (port path included) */
  lastError?: string;
}

export interface ByteLink {
  /** e.g. `serial:/dev/pts/4@115200`, `tcp:127.0.0.1:9100`, `hid:0c2e:0b61` */
  readonly name: string;
  readonly health: LinkHealth;
  /** Resolves when the link is up for the first time; rejects if the first open fails and `failFast` was set. */
  open(): Promise<void>;
  /** Rejects with a DeviceFault(DEVICE_LINK_DOWN) if the link is not up. */
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /** Returns an unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  onHealth(listener: (health: LinkHealth) => void): () => void;
}
