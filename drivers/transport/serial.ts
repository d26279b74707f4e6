import { stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { ReconnectingLink, type Connection, type ConnectionEvents, type LinkOptions } from './reconnecting.ts';

export interface SerialLinkOptions extends LinkOptions {
  /** e.g. /dev/ttyUSB0, /dev/ttyACM0, /dev/serial/by-id/… (a stable symlink is best) */
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  /**
   * While up, check every `probeMs` that `path` still names the device that was opened
   * (default 500 ms; 0 turns it off). The OS does not always wake a blocked read when a
   * USB adapter vanishes, but its /dev node (or by-id symlink) does go away.
   */
  probeMs?: number;
}

/**
 * A serial port as a ByteLink (serialport 13). Reopens the same path after unplug
 * (the port's 'close' with `disconnected`), read errors or a failed open, with backoff.
 * Opening the path again picks up a re-enumerated device when the path is a stable symlink.
 */
export class SerialLink extends ReconnectingLink {
  readonly name: string;

  constructor(private readonly opts: SerialLinkOptions) {
    super(opts);
    this.name = `serial:${opts.path}@${opts.baudRate}`;
  }

  protected hint(error: unknown): string {
    const code = (error as { code?: string } | null)?.code ?? '';
    const msg = error instanceof Error ? error.message : String(error);
    if (code === 'ENOENT' || /ENOENT|No such file/i.test(msg)) return `check that the device is plugged in and that ${this.opts.path} exists (ls -l ${this.opts.path})`;
    if (code === 'EACCES' || /EACCES|Permission denied/i.test(msg)) return `check permissions on ${this.opts.path} (is the kiosk user in the dialout group?)`;
    if (/lock|EBUSY|EAGAIN/i.test(msg)) return `another process holds ${this.opts.path} (check with: fuser ${this.opts.path})`;
    return `check the cable and the port path ${this.opts.path}`;
  }

  protected async connect(events: ConnectionEvents): Promise<Connection> {
    const port = new SerialPort({
      path: this.opts.path,
      baudRate: this.opts.baudRate,
      dataBits: this.opts.dataBits ?? 8,
      parity: this.opts.parity ?? 'none',
      stopBits: this.opts.stopBits ?? 1,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => {
        if (err) reject(new Error(`${this.opts.path}: ${err.message}`, { cause: err }));
        else resolve();
      }),
    );
    let closing = false;
    const opened = await stat(this.opts.path).catch(() => undefined);
    const probeMs = this.opts.probeMs ?? 500;
    const probe =
      probeMs > 0 && opened
        ? setInterval(() => {
            stat(this.opts.path).then(
              (now) => {
                if (!closing && now.rdev !== opened.rdev) events.lost(new Error(`${this.opts.path} now names another device (re-enumerated)`));
              },
              (e: NodeJS.ErrnoException) => {
                if (!closing && e.code === 'ENOENT') events.lost(new Error(`${this.opts.path} disappeared (unplugged?)`));
              },
            );
          }, probeMs)
        : undefined;
    probe?.unref();
    port.on('data', (chunk: Buffer) => events.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    port.on('error', (err: Error) => events.lost(new Error(`${this.opts.path}: ${err.message}`)));
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (closing) return;
      events.lost(new Error(`${this.opts.path} ${err?.disconnected ? 'disconnected (unplugged?)' : `closed${err ? `: ${err.message}` : ''}`}`));
    });
    return {
      write: (bytes) =>
        new Promise<void>((resolve, reject) => {
          port.write(Buffer.from(bytes), (err) => {
            if (err) return reject(err);
            port.drain((err2) => (err2 ? reject(err2) : resolve()));
          });
        }),
      close: () =>
        new Promise<void>((resolve) => {
          closing = true;
          if (probe) clearInterval(probe);
          port.removeAllListeners('data');
          if (!port.isOpen) return resolve();
          port.close(() => resolve());
        }),
    };
  }
}
